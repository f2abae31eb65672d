package workloads_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/workloads"
)

// The sample and malformed files in testdata are made-up rows in the
// format of cluster-trace-v2018's batch_task.csv (not rows of the trace):
// six jobs with a chain, a fork-join whose rows come out of order and
// interleaved with another job's, independent tasks named as the trace
// names them, a diamond with a shortcut edge, two chains and an
// independent task in one job, and three entries fanning in and out. Each
// task starts when its last parent ends, so that a job's span in the file
// is the critical path of its task durations.

func readFile(t *testing.T, name string, opt workloads.AlibabaOptions) (workloads.AlibabaTrace, error) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return workloads.ReadAlibabaBatchTasks(f, opt)
}

// edgeNames lists a DAG's edges by task name, in Edges order.
func edgeNames(d workloads.DAG) []string {
	var s []string
	for _, e := range d.Edges {
		s = append(s, d.Tasks[e.From].Name+"→"+d.Tasks[e.To].Name)
	}
	return s
}

func taskNames(d workloads.DAG, ids []int) []string {
	var s []string
	for _, i := range ids {
		s = append(s, d.Tasks[i].Name)
	}
	return s
}

func TestAlibabaSample(t *testing.T) {
	trace, err := readFile(t, "alibaba_batch_task_sample.csv", workloads.AlibabaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if trace.Rows != 29 || len(trace.Skipped) != 0 {
		t.Errorf("%d rows, %d skipped; want 29, 0", trace.Rows, len(trace.Skipped))
	}
	const (
		x1 = "task_bWVjc2ltLXNhbXBsZS0x"
		y2 = "task_bWVjc2ltLXNhbXBsZS0y"
		z3 = "task_bWVjc2ltLXNhbXBsZS0z"
	)
	want := []struct {
		name           string
		arrival        int64
		tasks          []string // in line order
		edges          []string
		entries, exits []string
		makespan       float64 // of the task durations, all in one place
	}{
		{
			name: "j_3006", arrival: 4000,
			tasks: []string{"M1", "M2", "M3", "J4_1_2", "J5_2_3", "R6_4_5", "R7_6", "R8_6"},
			edges: []string{"M1→J4_1_2", "M2→J4_1_2", "M2→J5_2_3", "M3→J5_2_3",
				"J4_1_2→R6_4_5", "J5_2_3→R6_4_5", "R6_4_5→R7_6", "R6_4_5→R8_6"},
			entries: []string{"M1", "M2", "M3"}, exits: []string{"R7_6", "R8_6"},
			makespan: 20 + 30 + 20 + 20, // M1, J4_1_2, R6_4_5, R8_6: the span 4000–4090
		},
		{
			name: "j_3001", arrival: 5000,
			tasks: []string{"M1", "R2_1", "R3_2"}, edges: []string{"M1→R2_1", "R2_1→R3_2"},
			entries: []string{"M1"}, exits: []string{"R3_2"},
			makespan: 36,
		},
		{
			// Independent tasks: the makespan is the longest (60 s), though
			// the trace spans 70 s, MergeTask having started late.
			name: "j_3003", arrival: 5050,
			tasks: []string{x1, y2, "MergeTask"}, edges: nil,
			entries: []string{x1, y2, "MergeTask"}, exits: []string{x1, y2, "MergeTask"},
			makespan: 60,
		},
		{
			// The join R5_2_3_4 comes first in the file, before its parents.
			name: "j_3002", arrival: 5100,
			tasks:   []string{"R5_2_3_4", "M1", "M2_1", "M3_1", "M4_1"},
			edges:   []string{"M1→M2_1", "M1→M3_1", "M1→M4_1", "M2_1→R5_2_3_4", "M3_1→R5_2_3_4", "M4_1→R5_2_3_4"},
			entries: []string{"M1"}, exits: []string{"R5_2_3_4"},
			makespan: 40 + 70 + 20,
		},
		{
			name: "j_3004", arrival: 6000,
			tasks:   []string{"M1", "M2_1", "M3_1", "R4_2_3", "J5_1_4"},
			edges:   []string{"M1→M2_1", "M1→M3_1", "M1→J5_1_4", "M2_1→R4_2_3", "M3_1→R4_2_3", "R4_2_3→J5_1_4"},
			entries: []string{"M1"}, exits: []string{"J5_1_4"},
			makespan: 10 + 20 + 10 + 6,
		},
		{
			name: "j_3005", arrival: 7000,
			tasks: []string{"M1", "R2_1", "M3", "R4_3", z3}, edges: []string{"M1→R2_1", "M3→R4_3"},
			entries: []string{"M1", "M3", z3}, exits: []string{"R2_1", "R4_3", z3},
			makespan: 8 + 62,
		},
	}
	if len(trace.Jobs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(trace.Jobs), len(want))
	}
	for k, w := range want {
		job := trace.Jobs[k]
		d := job.DAG
		if job.Name != w.name || job.Arrival != w.arrival {
			t.Errorf("job %d: %s arriving at %d, want %s at %d", k, job.Name, job.Arrival, w.name, w.arrival)
			continue
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", w.name, err)
		}
		all := make([]int, len(d.Tasks))
		for i := range all {
			all[i] = i
		}
		if got := taskNames(d, all); !slices.Equal(got, w.tasks) {
			t.Errorf("%s: tasks %v, want %v", w.name, got, w.tasks)
		}
		for i, task := range job.Tasks {
			if task.Name != d.Tasks[i].Name {
				t.Errorf("%s: row %d is %s, subtask %s", w.name, i, task.Name, d.Tasks[i].Name)
			}
		}
		if got := edgeNames(d); !slices.Equal(got, w.edges) {
			t.Errorf("%s: edges %v, want %v", w.name, got, w.edges)
		}
		if got := taskNames(d, d.Entries()); !slices.Equal(got, w.entries) {
			t.Errorf("%s: entries %v, want %v", w.name, got, w.entries)
		}
		if got := taskNames(d, d.Exits()); !slices.Equal(got, w.exits) {
			t.Errorf("%s: exits %v, want %v", w.name, got, w.exits)
		}
		dur := func(i int) float64 { return float64(job.Tasks[i].End - job.Tasks[i].Start) }
		s := d.Makespan(make([]int, len(d.Tasks)), 0,
			func(i, _ int) float64 { return dur(i) },
			func(int, int, float64) float64 { panic("no transfer when all is in one place") })
		if s.Makespan != w.makespan {
			t.Errorf("%s: makespan of the durations %v, want %v", w.name, s.Makespan, w.makespan)
		}
		// Each subtask's Ops is its planned core-seconds, all instances,
		// at DefaultCoreHz.
		for i, task := range job.Tasks {
			ops := task.PlanCPU / 100 * dur(i) * float64(task.Instances) * workloads.DefaultCoreHz
			if d.Tasks[i].Ops != ops {
				t.Errorf("%s %s: Ops %v, want %v", w.name, task.Name, d.Tasks[i].Ops, ops)
			}
		}
	}

	// Rows are kept as read; a few by hand.
	r := trace.Jobs[0].Tasks[5] // R6_4_5,8,j_3006,2,Terminated,4050,4070,100,0.80
	if r.Line != 27 || r.Name != "R6_4_5" || r.Number != 6 || !slices.Equal(r.Deps, []int{4, 5}) ||
		r.Instances != 8 || r.Type != "2" || r.Status != "Terminated" ||
		r.Start != 4050 || r.End != 4070 || r.PlanCPU != 100 || r.PlanMem != 0.80 {
		t.Errorf("R6_4_5 read as %+v", r)
	}
	if got := trace.Jobs[0].DAG.Tasks[5].Ops; got != 8*1*20*2.5e9 {
		t.Errorf("R6_4_5: Ops %v, want 8 instances × 1 core × 20 s × 2.5 GHz", got)
	}
	if m := trace.Jobs[2].Tasks[2]; m.Name != "MergeTask" || m.Number != -1 || m.Deps != nil {
		t.Errorf("MergeTask read as %+v", m)
	}
	if f := trace.Jobs[5].Tasks[3]; f.Status != "Failed" {
		t.Errorf("R4_3 of j_3005 has status %q", f.Status)
	}
}

func TestAlibabaOptions(t *testing.T) {
	// One instance's work at 1 GHz; edges sized by the parent's memory,
	// plan_mem 100 standing for 1 GB; 2 kB in and 500 B out.
	opt := workloads.AlibabaOptions{CoreHz: 1e9, PerInstance: true, MemBytes: 1e9, InputBytes: 2e3, OutputBytes: 500}
	trace, err := readFile(t, "alibaba_batch_task_sample.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	j := trace.Jobs[1] // j_3001: M1 (0.40) → R2_1 (0.25, 2 instances at 50 for 18 s) → R3_2
	d := j.DAG
	if got, want := d.Tasks[1].Ops, 0.5*18*1e9; got != want {
		t.Errorf("R2_1 Ops %v, want %v (one instance)", got, want)
	}
	for _, c := range []struct {
		from, to int
		bytes    float64
	}{{0, 1, 0.40e-2 * 1e9}, {1, 2, 0.25e-2 * 1e9}} {
		e, ok := d.Edge(c.from, c.to)
		if !ok || math.Abs(e.Bytes-c.bytes) > 1e-9*c.bytes {
			t.Errorf("edge %d→%d: %v, want %v bytes", c.from, c.to, e, c.bytes)
		}
	}
	in := []float64{2e3, 0, 0}
	out := []float64{0, 0, 500}
	for i, task := range d.Tasks {
		if task.InputBytes != in[i] || task.OutputBytes != out[i] {
			t.Errorf("%s: in %v out %v, want %v %v", task.Name, task.InputBytes, task.OutputBytes, in[i], out[i])
		}
	}

	// A constant on every edge instead.
	trace, err = readFile(t, "alibaba_batch_task_sample.csv", workloads.AlibabaOptions{EdgeBytes: 5e4})
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range trace.Jobs {
		for _, e := range job.DAG.Edges {
			if e.Bytes != 5e4 {
				t.Errorf("%s: edge %v", job.Name, e)
			}
		}
	}

	for _, bad := range []workloads.AlibabaOptions{
		{CoreHz: -1}, {MemBytes: math.NaN()}, {EdgeBytes: math.Inf(1)}, {InputBytes: -2}, {OutputBytes: -3},
		{MemBytes: 1e9, EdgeBytes: 1e3},
	} {
		if _, err := workloads.ReadAlibabaBatchTasks(strings.NewReader(""), bad); err == nil {
			t.Errorf("options %+v accepted", bad)
		}
	}
}

func TestAlibabaMalformedSkipped(t *testing.T) {
	trace, err := readFile(t, "alibaba_batch_task_malformed.csv", workloads.AlibabaOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	// Every bad line of the file, with its reason (line 24 is blank and
	// ignored).
	want := []struct {
		line   int
		column string
		reason error
		text   string // part of the message
	}{
		{3, "", workloads.ErrAlibabaFields, "5, want 9"},
		{4, "task_name", workloads.ErrAlibabaMissingParent, "R4_3 needs task 3, which job j_9001 does not have"},
		{5, "instance_num", workloads.ErrAlibabaValue, `"one"`},
		{6, "task_name", workloads.ErrAlibabaSkippedParent, "which is on bad line 5"},
		{7, "task_name", workloads.ErrAlibabaSkippedParent, "needs R2_1 (line 6), which was refused"},
		{8, "end_time", workloads.ErrAlibabaValue, "190 is before start_time 200"},
		{9, "plan_cpu", workloads.ErrAlibabaValue, `"abc" is not a finite number`},
		{10, "plan_mem", workloads.ErrAlibabaValue, "101: want a normalised size in [0, 100]"},
		{12, "task_name", workloads.ErrAlibabaDuplicate, "M4 already on line 11"},
		{13, "task_name", workloads.ErrAlibabaDuplicate, "task number 4 of R4_1 already used by M4 on line 11"},
		{14, "task_name", workloads.ErrDAGCycle, "M1_3 (line 14) → R2_1 (line 15) → R3_2 (line 16) → M1_3 (line 14)"},
		{15, "task_name", workloads.ErrDAGCycle, "job j_9004"},
		{16, "task_name", workloads.ErrDAGCycle, "job j_9004"},
		{17, "task_name", workloads.ErrAlibabaSkippedParent, "J4_3 needs R3_2 (line 16), which was refused"},
		{18, "task_name", workloads.ErrDAGCycle, "M5_5 (line 18) → M5_5 (line 18)"},
		{20, "task_name", workloads.ErrAlibabaValue, "empty"},
		{21, "job_name", workloads.ErrAlibabaValue, "empty"},
		{22, "start_time", workloads.ErrAlibabaValue, `"-5"`},
		{23, "instance_num", workloads.ErrAlibabaValue, `"0": want a whole number ≥ 1`},
		{25, "", workloads.ErrAlibabaFields, "10, want 9"},
	}
	if len(trace.Skipped) != len(want) {
		for _, e := range trace.Skipped {
			t.Log(e)
		}
		t.Fatalf("%d rows skipped, want %d", len(trace.Skipped), len(want))
	}
	for k, w := range want {
		e := trace.Skipped[k]
		if e.Line != w.line || e.Column != w.column || !errors.Is(e, w.reason) || !strings.Contains(e.Error(), w.text) {
			t.Errorf("skipped %d: %v (line %d, column %q); want line %d, column %q, %v, containing %q",
				k, e, e.Line, e.Column, w.line, w.column, w.reason, w.text)
		}
	}
	for _, c := range []struct {
		reason error
		n      int
	}{
		{workloads.ErrAlibabaFields, 2}, {workloads.ErrAlibabaValue, 8}, {workloads.ErrAlibabaMissingParent, 1},
		{workloads.ErrAlibabaSkippedParent, 3}, {workloads.ErrAlibabaDuplicate, 2}, {workloads.ErrDAGCycle, 4},
	} {
		if got := trace.SkippedFor(c.reason); got != c.n {
			t.Errorf("SkippedFor(%v) = %d, want %d", c.reason, got, c.n)
		}
	}
	if trace.Rows != 24 {
		t.Errorf("%d rows, want 24", trace.Rows)
	}
	// What is left: the good rows of three jobs.
	var got []string
	for _, job := range trace.Jobs {
		got = append(got, fmt.Sprintf("%s@%d:%s", job.Name, job.Arrival, strings.Join(edgeNames(job.DAG), "+")))
		all := make([]int, len(job.DAG.Tasks))
		for i := range all {
			all[i] = i
		}
		got[len(got)-1] += "/" + strings.Join(taskNames(job.DAG, all), "+")
	}
	wantJobs := []string{"j_9001@100:M1→R2_1/M1+R2_1", "j_9003@200:/M4", "j_9004@300:/M6"}
	if !slices.Equal(got, wantJobs) {
		t.Errorf("jobs %v, want %v", got, wantJobs)
	}

	// Without SkipBad the first bad line is the error.
	_, err = readFile(t, "alibaba_batch_task_malformed.csv", workloads.AlibabaOptions{})
	var pe *workloads.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !errors.Is(err, workloads.ErrAlibabaFields) ||
		!strings.HasPrefix(err.Error(), "line 3: wrong number of fields") {
		t.Errorf("strict read: %v", err)
	}
}

func TestAlibabaStrictErrors(t *testing.T) {
	const ok = "M1,1,j,1,Terminated,0,10,100,0.5\n"
	for _, tc := range []struct {
		name   string
		input  string
		line   int
		column string
		reason error
	}{
		{"short line", ok + "M2,1,j,1,Terminated,0,10\n", 2, "", workloads.ErrAlibabaFields},
		{"bad count", ok + "M2,x,j,1,Terminated,0,10,100,0.5\n", 2, "instance_num", workloads.ErrAlibabaValue},
		{"fractional time", "M1,1,j,1,Terminated,0.5,10,100,0.5\n", 1, "start_time", workloads.ErrAlibabaValue},
		{"NaN cpu", "M1,1,j,1,Terminated,0,10,NaN,0.5\n", 1, "plan_cpu", workloads.ErrAlibabaValue},
		{"negative cpu", "M1,1,j,1,Terminated,0,10,-100,0.5\n", 1, "plan_cpu", workloads.ErrAlibabaValue},
		{"invalid mem", "M1,1,j,1,Terminated,0,10,100,-1\n", 1, "plan_mem", workloads.ErrAlibabaValue},
		{"duplicate", ok + ok, 2, "task_name", workloads.ErrAlibabaDuplicate},
		// The root cause is reported, not the task that waits for it,
		// though that one comes first.
		{"missing", "R3_2,1,j,1,Terminated,0,10,100,0.5\nR2_9,1,j,1,Terminated,0,10,100,0.5\n",
			2, "task_name", workloads.ErrAlibabaMissingParent},
		{"earliest of two", "M1_2,1,j,1,Terminated,0,10,100,0.5\nM2_1,1,j,1,Terminated,0,10,100,0.5\nR3_7,1,k,1,Terminated,0,10,100,0.5\n",
			1, "task_name", workloads.ErrDAGCycle},
		{"later job first", "R3_7,1,k,1,Terminated,0,10,100,0.5\nM1_2,1,j,1,Terminated,0,10,100,0.5\nM2_1,1,j,1,Terminated,0,10,100,0.5\n",
			1, "task_name", workloads.ErrAlibabaMissingParent},
	} {
		_, err := workloads.ReadAlibabaBatchTasks(strings.NewReader(tc.input), workloads.AlibabaOptions{})
		var pe *workloads.ParseError
		if !errors.As(err, &pe) || pe.Line != tc.line || pe.Column != tc.column || !errors.Is(err, tc.reason) {
			t.Errorf("%s: %v; want line %d, column %q, %v", tc.name, err, tc.line, tc.column, tc.reason)
			continue
		}
		if want := fmt.Sprintf("line %d", tc.line); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %q does not start with %q", tc.name, err, want)
		}
	}
}

func TestAlibabaLayout(t *testing.T) {
	// CRLF line ends, blank lines, spaces around fields and no final
	// newline are all read; an empty input is an empty trace.
	in := "M1, 1 ,j,1,Terminated,0,10,100,0.5\r\n\r\nR2_1,1,j,1,Terminated,10,20,100,0.5"
	trace, err := workloads.ReadAlibabaBatchTasks(strings.NewReader(in), workloads.AlibabaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(trace.Jobs) != 1 || !slices.Equal(edgeNames(trace.Jobs[0].DAG), []string{"M1→R2_1"}) || trace.Jobs[0].Tasks[1].Line != 3 {
		t.Errorf("read %+v", trace)
	}
	trace, err = workloads.ReadAlibabaBatchTasks(strings.NewReader(""), workloads.AlibabaOptions{})
	if err != nil || len(trace.Jobs) != 0 || trace.Rows != 0 {
		t.Errorf("empty input: %+v, %v", trace, err)
	}
	// A failing reader is an error that is not a ParseError.
	_, err = workloads.ReadAlibabaBatchTasks(failingReader{}, workloads.AlibabaOptions{})
	var pe *workloads.ParseError
	if err == nil || errors.As(err, &pe) {
		t.Errorf("failing reader: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestAlibabaTaskNames checks which names carry DAG information.
func TestAlibabaTaskNames(t *testing.T) {
	for _, tc := range []struct {
		name   string
		number int
		deps   []int
	}{
		{"M1", 1, nil},
		{"R2_1", 2, []int{1}},
		{"J3_2_1", 3, []int{1, 2}},
		{"M7_3_3", 7, []int{3}},
		{"Join12_10_11", 12, []int{10, 11}},
		{"task_Nzg3ODAw", -1, nil},
		{"MergeTask", -1, nil},
		{"M1_", -1, nil},
		{"1_2", -1, nil},
		{"M1_x", -1, nil},
	} {
		in := tc.name + ",1,j,1,Terminated,0,10,100,0.5\n"
		// Give every dependency a parent so the row reads.
		for _, d := range tc.deps {
			in += fmt.Sprintf("P%d,1,j,1,Terminated,0,10,100,0.5\n", d)
		}
		trace, err := workloads.ReadAlibabaBatchTasks(strings.NewReader(in), workloads.AlibabaOptions{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := trace.Jobs[0].Tasks[0]
		if got.Number != tc.number || !slices.Equal(got.Deps, tc.deps) {
			t.Errorf("%s: number %d, deps %v; want %d, %v", tc.name, got.Number, got.Deps, tc.number, tc.deps)
		}
	}
}
