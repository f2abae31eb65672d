package topology

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mecsim/mecsim/sim"
)

const goodTrace = `# a walk and a stand
time,id,x,y
0,walker,0,0
10, walker, 100, 0
0,stander,5,5

20,walker,100,50
`

func TestReadTrace(t *testing.T) {
	tracks, err := ReadTrace(strings.NewReader(goodTrace))
	if err != nil {
		t.Fatal(err)
	}
	if len(tracks) != 2 || tracks[0].ID() != "walker" || tracks[1].ID() != "stander" {
		t.Fatalf("tracks %v, want walker then stander, in order of first appearance", tracks)
	}
	walker, stander := tracks[0], tracks[1]
	if walker.Len() != 3 || stander.Len() != 1 {
		t.Fatalf("samples: walker %d, stander %d; want 3, 1", walker.Len(), stander.Len())
	}
	for _, c := range []struct {
		tr   *Track
		at   float64 // seconds
		want Point
	}{
		{walker, -5, Point{0, 0}},     // before the first sample: held
		{walker, 0, Point{0, 0}},      // on a sample
		{walker, 2.5, Point{25, 0}},   // a quarter of the first leg
		{walker, 10, Point{100, 0}},   // on a sample
		{walker, 13, Point{100, 15}},  // 3/10 of the second leg
		{walker, 20, Point{100, 50}},  // last sample
		{walker, 1e6, Point{100, 50}}, // after the last: held
		{stander, 0, Point{5, 5}},
		{stander, 99, Point{5, 5}},
	} {
		if got := c.tr.Position(sim.Seconds(c.at)); got != c.want {
			t.Errorf("%s at %vs: %v, want %v", c.tr.ID(), c.at, got, c.want)
		}
	}
	// A track may be asked about any time, in any order.
	if walker.Position(15*sim.Second) != (Point{100, 25}) || walker.Position(5*sim.Second) != (Point{50, 0}) {
		t.Error("out-of-order queries")
	}
}

func TestTrackLegs(t *testing.T) {
	tr, err := NewTrack("a", []sim.Time{10 * sim.Second, 20 * sim.Second, 30 * sim.Second}, []Point{{0, 0}, {10, 0}, {10, 10}})
	if err != nil {
		t.Fatal(err)
	}
	pause0 := Leg{Start: 0, End: 10 * sim.Second, From: Point{0, 0}, To: Point{0, 0}}
	leg1 := Leg{Start: 10 * sim.Second, End: 20 * sim.Second, From: Point{0, 0}, To: Point{10, 0}}
	leg2 := Leg{Start: 20 * sim.Second, End: 30 * sim.Second, From: Point{10, 0}, To: Point{10, 10}}
	last := Leg{Start: 30 * sim.Second, End: sim.Forever, From: Point{10, 10}, To: Point{10, 10}}
	for _, c := range []struct {
		from sim.Time
		want []Leg
	}{
		{0, []Leg{pause0, leg1, leg2, last}},
		{10 * sim.Second, []Leg{leg1, leg2, last}},
		{15 * sim.Second, []Leg{leg1, leg2, last}},
		{20 * sim.Second, []Leg{leg2, last}},
		{30 * sim.Second, []Leg{last}},
		{99 * sim.Second, []Leg{last}},
	} {
		if got := slices.Collect(tr.Legs(c.from)); !slices.Equal(got, c.want) {
			t.Errorf("Legs(%v) = %+v, want %+v", c.from, got, c.want)
		}
	}
	// Stopping early is allowed.
	for range tr.Legs(0) {
		break
	}
}

func TestNewTrackErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		times  []sim.Time
		points []Point
		want   string
	}{
		{"empty", nil, nil, "at least one"},
		{"lengths", []sim.Time{0, 1}, []Point{{}}, "2 times and 1 points"},
		{"not increasing", []sim.Time{0, 5, 5}, []Point{{}, {}, {}}, "sample 2 at 5e-09s is not after sample 1 at 5e-09s"},
		{"not finite", []sim.Time{0}, []Point{{X: math.NaN()}}, "not finite"},
	} {
		if _, err := NewTrack("u", c.times, c.points); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestReadTraceErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		input string
		line  int    // in the *TraceError
		want  string // in the message
	}{
		{"three fields", "0,a,1,2\n1,a,3\n", 2, "3 fields, want 4"},
		{"five fields", "0,a,1,2,9\n", 1, "5 fields, want 4"},
		{"one field", "# c\n\n0,a,1,2\nhello\n", 4, "1 fields"},
		{"time not a number", "0,a,1,2\nsoon,a,3,4\n", 2, `time "soon" is not a finite number`},
		{"x not a number", "0,a,1,2\n1,a,3m,4\n", 2, `x "3m" is not a finite number`},
		{"y empty", "0,a,1,\n", 1, `y "" is not a finite number`},
		{"NaN coordinate", "0,a,NaN,2\n", 1, `x "NaN" is not a finite number`},
		{"infinite time", "Inf,a,1,2\n", 1, `time "Inf"`},
		{"time out of range", "1e10,a,1,2\n", 1, "out of range"},
		{"empty id", "0, ,1,2\n", 1, "empty id"},
		{"time backwards", "0,a,0,0\n0,b,0,0\n5,a,1,1\n3,a,2,2\n", 4, `time 3s for id "a" is not after its previous sample's 5s (line 3)`},
		{"time repeated", "time,id,x,y\n1.5,a,0,0\n1.5,a,1,1\n", 3, "is not after"},
		{"header not first", "0,a,1,2\ntime,id,x,y\n", 2, `time "time" is not a finite number`},
		{"wrong header", "time,id,x,z\n", 1, `time "time"`},
		{"bad quoting", "0,a,1,2\n1,\"a,1,2\n", 2, "quote"},
		{"nothing", "# only a comment\n\n", 0, "no samples"},
		{"header only", "time,id,x,y\n", 0, "no samples"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tracks, err := ReadTrace(strings.NewReader(c.input))
			var te *TraceError
			if !errors.As(err, &te) {
				t.Fatalf("got tracks %v, error %v; want a *TraceError", tracks, err)
			}
			if te.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q (line %d), want line %d and %q", err, te.Line, c.line, c.want)
			}
			if c.line > 0 && !strings.Contains(err.Error(), fmt.Sprintf("line %d:", c.line)) {
				t.Errorf("error %q does not name line %d", err, c.line)
			}
		})
	}
}

func TestReadTraceReaderError(t *testing.T) {
	_, err := ReadTrace(iotest.ErrReader(errors.New("disk on fire")))
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v, want the reader's", err)
	}
}
