package workloads

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/mecsim/mecsim/sim"
)

// Trace is a table of recorded task arrivals, read by ReadTrace: for each
// device, the times at which its tasks arose and the tasks' fields.
type Trace struct {
	// Columns names the task fields: the header's columns after time and
	// device, in file order. Do not modify it.
	Columns []string

	devices []string              // in order of first appearance
	rows    map[string][]TraceRow // per device, ordered by time
	n       int
}

// TraceRow is one arrival of a trace.
type TraceRow struct {
	Line   int      // line of the input, for messages about this task
	Time   float64  // seconds from the start of the trace (simulation time 0)
	Device string   // the device on which the task arose
	Fields []string // the task fields, one per Trace.Columns, as written
}

// ReadTrace reads a trace in CSV. The first record is a header naming the
// columns: time, device, then any number of task-field columns, whose
// values are passed through as strings (trimmed of surrounding spaces).
// Each following record is one arrival: a time in seconds (finite, ≥ 0),
// a device name (not empty), and the fields. Lines starting with '#' are
// comments, and a leading byte-order mark is ignored. A file need not be sorted: each device's rows are ordered by
// time, rows at equal times keeping their order in the file.
//
// Errors are *ParseError values naming the line and, where one is at
// fault, the column.
func ReadTrace(r io.Reader) (*Trace, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Err: errors.New("no header: want time,device and the task fields")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // a byte-order mark, as spreadsheets write
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	for i, want := range []string{"time", "device"} {
		if i >= len(header) || header[i] != want {
			got := "nothing"
			if i < len(header) {
				got = strconv.Quote(header[i])
			}
			return nil, &ParseError{Line: headerLine,
				Err: fmt.Errorf("header column %d is %s, want %q: a trace starts time,device", i+1, got, want)}
		}
	}
	for i, name := range header {
		switch {
		case name == "":
			return nil, &ParseError{Line: headerLine, Err: fmt.Errorf("header column %d has no name", i+1)}
		case slices.Index(header, name) < i:
			return nil, &ParseError{Line: headerLine, Column: name, Err: errors.New("duplicate column")}
		}
	}

	t := &Trace{Columns: header[2:], rows: make(map[string][]TraceRow)}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.Is(err, csv.ErrFieldCount) {
			line, _ := cr.FieldPos(0)
			return nil, &ParseError{Line: line,
				Err: fmt.Errorf("%d fields, want %d (%s)", len(rec), len(header), strings.Join(header, ","))}
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		row := TraceRow{Line: line, Device: rec[1], Fields: rec[2:]}
		row.Time, err = strconv.ParseFloat(rec[0], 64)
		switch {
		case err != nil || math.IsNaN(row.Time) || math.IsInf(row.Time, 0):
			return nil, &ParseError{Line: line, Column: "time", Err: fmt.Errorf("%q is not a finite number of seconds", rec[0])}
		case row.Time < 0:
			return nil, &ParseError{Line: line, Column: "time", Err: fmt.Errorf("%v: want ≥ 0 seconds", row.Time)}
		case row.Device == "":
			return nil, &ParseError{Line: line, Column: "device", Err: errors.New("empty")}
		}
		if _, seen := t.rows[row.Device]; !seen {
			t.devices = append(t.devices, row.Device)
		}
		t.rows[row.Device] = append(t.rows[row.Device], row)
		t.n++
	}
	if t.n == 0 {
		return nil, &ParseError{Line: headerLine, Err: errors.New("no arrivals after the header")}
	}
	for _, rows := range t.rows {
		slices.SortStableFunc(rows, func(a, b TraceRow) int {
			switch {
			case a.Time < b.Time:
				return -1
			case a.Time > b.Time:
				return 1
			}
			return 0
		})
	}
	return t, nil
}

// Len returns the number of arrivals in the trace.
func (t *Trace) Len() int { return t.n }

// Devices returns the devices of the trace in order of first appearance.
func (t *Trace) Devices() []string { return slices.Clone(t.devices) }

// Rows returns a device's arrivals ordered by time, or nil if the device
// does not appear. The slice is shared: do not modify it.
func (t *Trace) Rows(device string) []TraceRow { return t.rows[device] }

// Column returns the index in Columns (and so in each row's Fields) of
// the named task field, or −1.
func (t *Trace) Column(name string) int { return slices.Index(t.Columns, name) }

// Replay returns the process that replays a device's arrival times; for a
// device that does not appear, one with no arrivals.
func (t *Trace) Replay(device string) Replay {
	rows := t.rows[device]
	times := make([]float64, len(rows))
	for i, row := range rows {
		times[i] = row.Time
	}
	return Replay{Times: times}
}

// Replay is a process that replays recorded arrival times, such as one
// device's rows of a Trace. Its instances take no random draws: the n-th
// arrival is at Times[n], and after the last Next returns +Inf.
//
// Gaps are the differences of the times rounded to the kernel's
// nanosecond, so a caller that adds up sim.Seconds(gap) lands on
// sim.Seconds(Times[n]) exactly, however long the trace.
type Replay struct {
	Times []float64 // seconds from simulation time 0; finite, ≥ 0, non-decreasing. Shared by the instances: do not modify.
}

// Validate reports whether the times are finite, ≥ 0 and non-decreasing.
func (p Replay) Validate() error {
	var errs []error
	for i, v := range p.Times {
		switch {
		case !(v >= 0) || math.IsInf(v, 1):
			errs = append(errs, fmt.Errorf("Times[%d] = %v: want a finite time ≥ 0 in seconds", i, v))
		case i > 0 && v < p.Times[i-1]:
			errs = append(errs, fmt.Errorf("Times[%d] = %v: before Times[%d] = %v", i, v, i-1, p.Times[i-1]))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: Replay: %w", errors.Join(errs...))
}

// MeanRate returns the number of arrivals divided by the time of the
// last one: the rate over the recorded span. It is 0 with no arrivals and
// +Inf if every arrival is at time 0. (Past its end a finite trace has no
// arrivals, so its rate in the limit of long runs would be 0.)
func (p Replay) MeanRate() float64 {
	n := len(p.Times)
	if n == 0 {
		return 0
	}
	return float64(n) / p.Times[n-1]
}

// New returns an instance at the first time. It panics if p is invalid.
func (p Replay) New() Arrivals {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return &replayArrivals{times: p.Times}
}

// replayArrivals is one Replay instance.
type replayArrivals struct {
	times []float64
	next  int
	last  sim.Time // time of the last arrival, 0 before the first
}

// Next returns the gap to the next recorded time, drawing nothing from r.
func (a *replayArrivals) Next(*rand.Rand) float64 {
	if a.next >= len(a.times) {
		return math.Inf(1)
	}
	t := sim.Seconds(a.times[a.next])
	a.next++
	gap := (t - a.last).Seconds()
	a.last = t
	return gap
}
