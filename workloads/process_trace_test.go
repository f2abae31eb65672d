package workloads

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

const goodTrace = `# recorded on three phones
time, device, model, prompt_tokens
0.5,phone-b,llama-3.2-1b,128
0.25,phone-a,mobilenet-v2,
1.75,phone-b,"llama-3.2-1b",  512
# a comment between rows
0.5,phone-b,qwen2.5-0.5b,64
0,phone-c,yolov8n,
1.1,phone-a,mobilenet-v2,
`

func TestReadTrace(t *testing.T) {
	tr, err := ReadTrace(strings.NewReader(goodTrace))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"model", "prompt_tokens"}; !slices.Equal(tr.Columns, want) {
		t.Errorf("Columns %q, want %q", tr.Columns, want)
	}
	if want := []string{"phone-b", "phone-a", "phone-c"}; !slices.Equal(tr.Devices(), want) {
		t.Errorf("Devices %q, want %q (order of first appearance)", tr.Devices(), want)
	}
	if tr.Len() != 6 || tr.Column("prompt_tokens") != 1 || tr.Column("time") != -1 {
		t.Errorf("Len %d, Column(prompt_tokens) %d, Column(time) %d", tr.Len(), tr.Column("prompt_tokens"), tr.Column("time"))
	}
	// phone-b: sorted by time, the two rows at 0.5 s in file order, fields
	// trimmed and unquoted.
	want := []TraceRow{
		{Line: 3, Time: 0.5, Device: "phone-b", Fields: []string{"llama-3.2-1b", "128"}},
		{Line: 7, Time: 0.5, Device: "phone-b", Fields: []string{"qwen2.5-0.5b", "64"}},
		{Line: 5, Time: 1.75, Device: "phone-b", Fields: []string{"llama-3.2-1b", "512"}},
	}
	got := tr.Rows("phone-b")
	if !slices.EqualFunc(got, want, func(a, b TraceRow) bool {
		return a.Line == b.Line && a.Time == b.Time && a.Device == b.Device && slices.Equal(a.Fields, b.Fields)
	}) {
		t.Errorf("phone-b rows\n got %+v\nwant %+v", got, want)
	}
	if tr.Rows("phone-z") != nil {
		t.Error("an unknown device has rows")
	}
	if r := tr.Replay("phone-a"); !slices.Equal(r.Times, []float64{0.25, 1.1}) {
		t.Errorf("phone-a replays %v", r.Times)
	}
	if r := tr.Replay("phone-z"); len(r.Times) != 0 || !math.IsInf(r.New().Next(nil), 1) {
		t.Errorf("an unknown device replays %v", r.Times)
	}

	// A spreadsheet's byte-order mark before the header.
	if tr, err := ReadTrace(strings.NewReader("\ufefftime,device\n1,a\n")); err != nil || tr.Len() != 1 || len(tr.Columns) != 0 {
		t.Errorf("with a byte-order mark: %v, %+v", err, tr)
	}
}

// TestReadTraceErrors checks that every malformed trace is refused with a
// *ParseError that names the line and, where one is at fault, the column.
func TestReadTraceErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		line     int
		column   string
		want     string // a substring of the message
	}{
		{"empty", "", 1, "", "no header"},
		{"comments only", "# nothing\n", 1, "", "no header"},
		{"no device column", "time\n1\n", 1, "", "header column 2 is nothing"},
		{"columns swapped", "device,time\n", 1, "", `header column 1 is "device", want "time"`},
		{"header after comment", "# c\nwhen,device\n", 2, "", `header column 1 is "when"`},
		{"unnamed column", "time,device,,size\n", 1, "", "header column 3 has no name"},
		{"duplicate column", "time,device,size,size\n", 1, "size", "duplicate column"},
		{"header only", "time,device,model\n", 1, "", "no arrivals"},
		{"bad time", "time,device\n1,a\n\nabc,b\n", 4, "time", `"abc" is not a finite number`},
		{"empty time", "time,device\n,a\n", 2, "time", `"" is not a finite`},
		{"infinite time", "time,device\n1,a\ninf,a\n", 3, "time", "not a finite"},
		{"NaN time", "time,device\nNaN,a\n", 2, "time", "not a finite"},
		{"negative time", "time,device\n# c\n-0.5,a\n", 3, "time", "-0.5: want ≥ 0"},
		{"empty device", "time,device,model\n1,a,x\n2, ,y\n", 3, "device", "empty"},
		{"too few fields", "time,device,model\n1,a,x\n2,b\n", 3, "", "2 fields, want 3 (time,device,model)"},
		{"too many fields", "time,device\n1,a\n2,b\n3,c,extra\n", 4, "", "3 fields, want 2"},
		{"bad quote", "time,device\n1,a\n2,\"b\n", 3, "", "quote"},
	} {
		_, err := ReadTrace(strings.NewReader(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *ParseError", tt.name, err)
			continue
		}
		if pe.Line != tt.line || pe.Column != tt.column || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %q at line %d, column %q; want line %d, column %q, mentioning %q",
				tt.name, err, pe.Line, pe.Column, tt.line, tt.column, tt.want)
		}
	}
}

// TestReplay checks that a replay reproduces the times to the nanosecond
// when its gaps are added up as the kernel does, takes no draws, and
// ends with +Inf.
func TestReplay(t *testing.T) {
	times := []float64{0, 0, 0.1, 0.1 + 1e-9, 0.3, 1e6 + 0.7, 1e6 + 0.7, 3e7 + 1.0/3}
	for i := 0; i < 100_000; i++ {
		times = append(times, times[len(times)-1]+0.1) // sums that float seconds would drift on
	}
	p := Replay{Times: times}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	a := p.New()
	var now sim.Time
	for i, want := range times {
		g := a.Next(nil)
		if !(g >= 0) {
			t.Fatalf("gap %d is %v", i, g)
		}
		now += sim.Seconds(g)
		if now != sim.Seconds(want) {
			t.Fatalf("arrival %d at %v, want %v", i, now, sim.Seconds(want))
		}
	}
	for range 3 {
		if g := a.Next(nil); !math.IsInf(g, 1) {
			t.Fatalf("after the last arrival: gap %v, want +Inf", g)
		}
	}
	if got, want := p.MeanRate(), float64(len(times))/times[len(times)-1]; got != want {
		t.Errorf("MeanRate %v, want %v", got, want)
	}
	if got := (Replay{Times: []float64{0, 0}}).MeanRate(); !math.IsInf(got, 1) {
		t.Errorf("MeanRate of arrivals all at 0: %v, want +Inf", got)
	}
}
