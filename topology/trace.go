package topology

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mecsim/mecsim/sim"
)

// Track is a recorded path: positions at sample times, replayed by linear
// interpolation between samples. Before the first sample the user is at
// the first position, after the last at the last. A Track is immutable, so
// unlike the random models it may be queried at any times in any order.
type Track struct {
	id     string
	times  []sim.Time // strictly increasing
	points []Point
}

// NewTrack returns the track of user id through points at times, which
// must be strictly increasing; the track keeps its own copies.
func NewTrack(id string, times []sim.Time, points []Point) (*Track, error) {
	if len(times) == 0 || len(times) != len(points) {
		return nil, fmt.Errorf("track %q: %d times and %d points, want the same number, at least one", id, len(times), len(points))
	}
	for i := range times {
		p := points[i]
		if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			return nil, fmt.Errorf("track %q: sample %d at %v is not finite", id, i, p)
		}
		if i > 0 && times[i] <= times[i-1] {
			return nil, fmt.Errorf("track %q: sample %d at %v is not after sample %d at %v", id, i, times[i], i-1, times[i-1])
		}
	}
	return &Track{id: id, times: append([]sim.Time(nil), times...), points: append([]Point(nil), points...)}, nil
}

// ID returns the user's name in the trace.
func (tr *Track) ID() string { return tr.id }

// Len returns the number of samples.
func (tr *Track) Len() int { return len(tr.times) }

// Sample returns the i-th sample.
func (tr *Track) Sample(i int) (sim.Time, Point) { return tr.times[i], tr.points[i] }

// Position returns the interpolated position at t.
func (tr *Track) Position(t sim.Time) Point {
	i := sort.Search(len(tr.times), func(i int) bool { return tr.times[i] > t }) // samples ≤ t
	switch i {
	case 0:
		return tr.points[0]
	case len(tr.times):
		return tr.points[i-1]
	}
	return tr.leg(i - 1).At(t)
}

// leg returns the leg from sample i to sample i+1.
func (tr *Track) leg(i int) Leg {
	return Leg{Start: tr.times[i], End: tr.times[i+1], From: tr.points[i], To: tr.points[i+1]}
}

// Legs yields the legs from the one in effect at t: a pause until the
// first sample if t is before it, one leg between each pair of samples,
// and a pause from the last sample for ever.
func (tr *Track) Legs(t sim.Time) iter.Seq[Leg] {
	return func(yield func(Leg) bool) {
		n := len(tr.times)
		if t < tr.times[0] {
			p := tr.points[0]
			if !yield(Leg{Start: t, End: tr.times[0], From: p, To: p}) {
				return
			}
		}
		i := max(sort.Search(n, func(i int) bool { return tr.times[i] > t })-1, 0)
		for ; i+1 < n; i++ {
			if !yield(tr.leg(i)) {
				return
			}
		}
		p := tr.points[n-1]
		yield(Leg{Start: tr.times[n-1], End: sim.Forever, From: p, To: p})
	}
}

// TraceError is a malformed line of a mobility trace.
type TraceError struct {
	Line int // 1-based line number in the input; zero if none applies
	Msg  string
}

func (e *TraceError) Error() string {
	if e.Line == 0 {
		return "mobility trace: " + e.Msg
	}
	return fmt.Sprintf("mobility trace line %d: %s", e.Line, e.Msg)
}

// maxTraceSeconds bounds trace times so that they convert to sim.Time
// without saturating (sim.Forever is about 9.2e9 s).
const maxTraceSeconds = 9e9

// ReadTrace parses a mobility trace in CSV, one sample per row:
//
//	time,id,x,y
//
// with time in seconds and x, y in metres. An optional first row naming
// exactly these columns is a header; blank lines and lines starting with #
// are skipped; fields may be padded with spaces. Each id's samples must
// come in strictly increasing time, though ids may interleave. It returns
// one Track per id, in the order each id first appears.
//
// A malformed line — a wrong number of fields, a time or coordinate that
// is not a finite number, an empty id, a time not after that id's previous
// one — is a *TraceError naming the line; so is an input with no samples.
func ReadTrace(r io.Reader) ([]*Track, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var tracks []*Track
	index := map[string]int{} // id → position in tracks; only looked up, never ranged over
	lastLine := map[string]int{}
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &TraceError{Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, fmt.Errorf("mobility trace: %w", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) != 4 {
			return nil, &TraceError{Line: line, Msg: fmt.Sprintf("%d fields, want 4 (time,id,x,y)", len(rec))}
		}
		if row == 0 && isTraceHeader(rec) {
			continue
		}
		var v [3]float64
		for k, f := range [3]int{0, 2, 3} {
			x, err := strconv.ParseFloat(rec[f], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				name := [3]string{"time", "x", "y"}[k]
				return nil, &TraceError{Line: line, Msg: fmt.Sprintf("%s %q is not a finite number", name, rec[f])}
			}
			v[k] = x
		}
		if math.Abs(v[0]) > maxTraceSeconds {
			return nil, &TraceError{Line: line, Msg: fmt.Sprintf("time %v s is out of range (±%g s)", v[0], maxTraceSeconds)}
		}
		id := rec[1]
		if id == "" {
			return nil, &TraceError{Line: line, Msg: "empty id"}
		}
		t := sim.Seconds(v[0])
		k, ok := index[id]
		if !ok {
			k = len(tracks)
			index[id] = k
			tracks = append(tracks, &Track{id: id})
		}
		tr := tracks[k]
		if n := len(tr.times); n > 0 && t <= tr.times[n-1] {
			return nil, &TraceError{Line: line, Msg: fmt.Sprintf("time %v for id %q is not after its previous sample's %v (line %d)",
				t, id, tr.times[n-1], lastLine[id])}
		}
		tr.times = append(tr.times, t)
		tr.points = append(tr.points, Point{v[1], v[2]})
		lastLine[id] = line
	}
	if len(tracks) == 0 {
		return nil, &TraceError{Msg: "no samples"}
	}
	return tracks, nil
}

func isTraceHeader(rec []string) bool {
	for i, want := range [4]string{"time", "id", "x", "y"} {
		if !strings.EqualFold(rec[i], want) {
			return false
		}
	}
	return true
}
