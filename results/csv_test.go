package results

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func sampleTasks() []Task {
	return []Task{
		{ID: 0, Policy: "local", Device: 0, Model: "mobilenet-v2", Arrival: 0.1, Start: 0.1, Finish: 0.135,
			Place: "local", Latency: 0.035, Energy: 0.0421, Deadline: 0.05, Met: true},
		{ID: 1, Policy: "greedy", Device: 3, Model: "resnet-50", Arrival: 1.0 / 3, Start: 0.4, Finish: 0.6,
			Place: "edge-1", Latency: 0.6 - 1.0/3, Energy: 1e-9, Deadline: 0.2, Met: false},
		// A policy name that needs quoting, and extreme floats.
		{ID: 1 << 40, Policy: `dqn "v2", tuned`, Device: 12, Model: "bert\nbase", Arrival: 1e300, Start: math.SmallestNonzeroFloat64,
			Finish: math.MaxFloat64, Place: "cloud", Latency: 123456789.125, Energy: 0, Deadline: 1, Met: true},
	}
}

func TestTasksCSVRoundTrip(t *testing.T) {
	in := sampleTasks()
	var buf bytes.Buffer
	if err := WriteTasksCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	first := buf.String()
	out, err := ReadTasksCSV(strings.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the tasks:\n in: %+v\nout: %+v", in, out)
	}
	// Writing what was read gives the same bytes.
	var again bytes.Buffer
	if err := WriteTasksCSV(&again, out); err != nil {
		t.Fatal(err)
	}
	if again.String() != first {
		t.Fatalf("second write differs:\n%s\n---\n%s", first, again.String())
	}
}

func TestWriteTasksCSVFormat(t *testing.T) {
	tasks := []Task{{ID: 7, Policy: "greedy", Device: 2, Model: "m", Arrival: 0.5, Start: 0.625, Finish: 1,
		Place: "edge-0", Latency: 0.5, Energy: 0.1, Deadline: 2e-3, Met: false}}
	var buf bytes.Buffer
	if err := WriteTasksCSV(&buf, tasks); err != nil {
		t.Fatal(err)
	}
	want := "id,policy,device,kind,model,arrival_s,start_s,finish_s,place,status,latency_s,energy_j,deadline_s,deadline_met,ttft_s,tpot_s,ttft_met,tpot_met,forwarded,handovers,point,turn,slowdown\n" +
		"7,greedy,2,,m,0.5,0.625,1,edge-0,,0.5,0.1,0.002,false,0,0,false,false,false,0,,0,0\n"
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestReadTasksCSVHeaderOnly(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTasksCSV(&buf, nil); err != nil {
		t.Fatal(err)
	}
	tasks, err := ReadTasksCSV(&buf)
	if err != nil || len(tasks) != 0 {
		t.Fatalf("header only: got %v, %v; want no tasks, no error", tasks, err)
	}
}

func TestReadTasksCSVErrors(t *testing.T) {
	const header = "id,policy,device,kind,model,arrival_s,start_s,finish_s,place,status,latency_s,energy_j,deadline_s,deadline_met,ttft_s,tpot_s,ttft_met,tpot_met,forwarded,handovers,point,turn,slowdown\n"
	const good = "1,p,0,vision,m,0,0,1,local,ok,1,0.5,2,true,0,0,true,true,false,0,,0,0\n"
	for _, tc := range []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"empty", "", []string{"empty input"}},
		{"bad header", strings.Replace(header, "latency_s", "latency", 1) + good, []string{"line 1", "column 11", `"latency"`, `"latency_s"`}},
		{"bad float", header + good + "2,p,0,vision,m,0,0,1,local,ok,1.2.3,0.5,2,true,0,0,true,true,false,0,,0,0\n", []string{"line 3", "column latency_s", `"1.2.3"`}},
		{"bad id", header + "x,p,0,vision,m,0,0,1,local,ok,1,0.5,2,true,0,0,true,true,false,0,,0,0\n", []string{"line 2", "column id", `"x"`}},
		{"bad device", header + "1,p,2.5,vision,m,0,0,1,local,ok,1,0.5,2,true,0,0,true,true,false,0,,0,0\n", []string{"line 2", "column device"}},
		{"bad bool", header + good + good + "1,p,0,vision,m,0,0,1,local,ok,1,0.5,2,yes,0,0,true,true,false,0,,0,0\n", []string{"line 4", "column deadline_met", `"yes"`}},
		{"first bad field wins", header + "1,p,0,vision,m,a,b,1,local,ok,1,0.5,2,true,0,0,true,true,false,0,,0,0\n", []string{"line 2", "column arrival_s"}},
		{"short row", header + "1,p,0,vision,m,0,0,1,local,ok,1,0.5,2,true,0,0,true\n", []string{"line 2", "wrong number of fields"}},
		{"bad quote", header + "1,\"p,0,vision,m,0,0,1,local,ok,1,0.5,2,true,0,0,true,true,false,0,,0,0\n", []string{"line 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTasksCSV(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTasksCSVNaNAndInf(t *testing.T) {
	in := []Task{{Latency: math.NaN(), Energy: math.Inf(1), Deadline: math.Inf(-1)}}
	var buf bytes.Buffer
	if err := WriteTasksCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadTasksCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out[0].Latency) || !math.IsInf(out[0].Energy, 1) || !math.IsInf(out[0].Deadline, -1) {
		t.Fatalf("got %+v", out[0])
	}
}
