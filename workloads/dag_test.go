package workloads_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

// mustDAG builds a DAG from (ops) per task and edges, failing the test on
// an error.
func mustDAG(t *testing.T, ops []float64, edges []workloads.Edge) workloads.DAG {
	t.Helper()
	tasks := make([]workloads.DAGTask, len(ops))
	for i, o := range ops {
		tasks[i] = workloads.DAGTask{Name: fmt.Sprintf("t%d", i), Ops: o}
	}
	d, err := workloads.NewDAG(tasks, edges)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Costs of the hand-computed cases: every place runs 1 operation per
// second, and moving b bytes takes b/10 seconds.
func opsTime(d workloads.DAG) func(int) float64 { return func(i int) float64 { return d.Tasks[i].Ops } }
func noTransfer(workloads.Edge) float64         { return 0 }
func allTransfer(e workloads.Edge) float64      { return e.Bytes / 10 }

// placed returns the edge cost of a placement: b/10 seconds when the ends
// run in different places, 0 otherwise.
func placed(place []int) func(workloads.Edge) float64 {
	return func(e workloads.Edge) float64 {
		if place[e.From] == place[e.To] {
			return 0
		}
		return e.Bytes / 10
	}
}

func makespan(d workloads.DAG, place []int) workloads.Schedule {
	return d.Makespan(place, 0,
		func(i, _ int) float64 { return d.Tasks[i].Ops },
		func(_, _ int, b float64) float64 { return b / 10 })
}

// The chain 0 → 1 → 2 with 1, 2, 3 operations and 10 and 20 bytes on its
// edges (1 and 2 seconds of transfer).
func chain(t *testing.T) workloads.DAG {
	return mustDAG(t, []float64{1, 2, 3}, []workloads.Edge{{From: 1, To: 2, Bytes: 20}, {From: 0, To: 1, Bytes: 10}})
}

// The diamond 0 → {1, 2} → 3 with 1, 4, 2, 1 operations; the branch
// through 1 computes longer (4 s against 2 s), the branch through 2 moves
// more data (5 + 4 s of transfer against 1 + 1 s).
func diamond(t *testing.T) workloads.DAG {
	return mustDAG(t, []float64{1, 4, 2, 1}, []workloads.Edge{
		{From: 0, To: 1, Bytes: 10}, {From: 0, To: 2, Bytes: 50},
		{From: 1, To: 3, Bytes: 10}, {From: 2, To: 3, Bytes: 40},
	})
}

func TestNewDAGDerivesStructure(t *testing.T) {
	d := diamond(t)
	for i, want := range []struct{ parents, children []int }{
		{nil, []int{1, 2}}, {[]int{0}, []int{3}}, {[]int{0}, []int{3}}, {[]int{1, 2}, nil},
	} {
		got := d.Tasks[i]
		if got.ID != i || !slices.Equal(got.Parents, want.parents) || !slices.Equal(got.Children, want.children) {
			t.Errorf("task %d: ID %d, parents %v, children %v; want %d, %v, %v",
				i, got.ID, got.Parents, got.Children, i, want.parents, want.children)
		}
	}
	if e, ok := d.Edge(2, 3); !ok || e.Bytes != 40 {
		t.Errorf("Edge(2, 3) = %v, %v; want bytes 40", e, ok)
	}
	if _, ok := d.Edge(3, 2); ok {
		t.Error("Edge(3, 2) found")
	}
	if got := d.Entries(); !slices.Equal(got, []int{0}) {
		t.Errorf("Entries = %v", got)
	}
	if got := d.Exits(); !slices.Equal(got, []int{3}) {
		t.Errorf("Exits = %v", got)
	}
	if got := d.Levels(); !slices.Equal(got, []int{0, 1, 1, 2}) {
		t.Errorf("Levels = %v", got)
	}
	if got := d.Layers(); !reflect.DeepEqual(got, [][]int{{0}, {1, 2}, {3}}) {
		t.Errorf("Layers = %v", got)
	}
	if got := d.TopoOrder(); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("TopoOrder = %v", got)
	}

	// Edges given out of order come back sorted; the chain's input had
	// 1→2 first.
	c := chain(t)
	if c.Edges[0].From != 0 || c.Edges[1].From != 1 {
		t.Errorf("chain edges %v: want sorted by From", c.Edges)
	}
	// A level counts the longest chain of dependencies: in 0→1→2 with a
	// shortcut 0→2, task 2 is at level 2.
	s := mustDAG(t, []float64{1, 1, 1}, []workloads.Edge{{From: 0, To: 2}, {From: 0, To: 1}, {From: 1, To: 2}})
	if got := s.Levels(); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("shortcut Levels = %v", got)
	}
}

func TestNewDAGRefuses(t *testing.T) {
	three := func() []workloads.DAGTask { return make([]workloads.DAGTask, 3) }
	for _, tc := range []struct {
		name  string
		tasks []workloads.DAGTask
		edges []workloads.Edge
		want  string
		cycle bool
	}{
		{"out of range", three(), []workloads.Edge{{From: 0, To: 3}}, "edge 0→3: task out of range", false},
		{"negative end", three(), []workloads.Edge{{From: -1, To: 1}}, "edge -1→1: task out of range", false},
		{"self", three(), []workloads.Edge{{From: 1, To: 1}}, "edge 1→1", true},
		{"duplicate", three(), []workloads.Edge{{From: 0, To: 1}, {From: 0, To: 1}}, "edge 0→1: duplicate", false},
		{"cycle", three(), []workloads.Edge{{From: 0, To: 1}, {From: 1, To: 2}, {From: 2, To: 1}}, "1 → 2 → 1", true},
		{"negative ops", []workloads.DAGTask{{Ops: -1}}, nil, "task 0 Ops -1", false},
		{"NaN input", []workloads.DAGTask{{InputBytes: math.NaN()}}, nil, "task 0 InputBytes NaN", false},
		{"infinite output", []workloads.DAGTask{{OutputBytes: math.Inf(1)}}, nil, "task 0 OutputBytes +Inf", false},
		{"negative bytes", three(), []workloads.Edge{{From: 0, To: 1, Bytes: -2}}, "edge 0→1: Bytes -2", false},
	} {
		_, err := workloads.NewDAG(tc.tasks, tc.edges)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
			continue
		}
		if got := errors.Is(err, workloads.ErrDAGCycle); got != tc.cycle {
			t.Errorf("%s: errors.Is(err, ErrDAGCycle) = %v, want %v", tc.name, got, tc.cycle)
		}
	}
}

func TestValidateHandBuilt(t *testing.T) {
	good := workloads.DAG{
		Tasks: []workloads.DAGTask{
			{ID: 0, Children: []int{1}},
			{ID: 1, Parents: []int{0}},
		},
		Edges: []workloads.Edge{{From: 0, To: 1}},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid DAG: %v", err)
	}
	for _, tc := range []struct {
		name   string
		break_ func(d *workloads.DAG)
		want   string
	}{
		{"ID", func(d *workloads.DAG) { d.Tasks[1].ID = 7 }, "task 1 has ID 7"},
		{"parents", func(d *workloads.DAG) { d.Tasks[1].Parents = nil }, "task 1: Parents [], but the edges give [0]"},
		{"children", func(d *workloads.DAG) { d.Tasks[1].Children = []int{0} }, "task 1: Children [0], but the edges give []"},
		{"order", func(d *workloads.DAG) {
			d.Tasks = append(d.Tasks, workloads.DAGTask{ID: 2, Parents: []int{0}})
			d.Tasks[0].Children = []int{1, 2}
			d.Edges = []workloads.Edge{{From: 0, To: 2}, {From: 0, To: 1}}
		}, "edge 0→1: out of order after 0→2"},
	} {
		d := workloads.DAG{
			Tasks: []workloads.DAGTask{
				{ID: 0, Children: []int{1}},
				{ID: 1, Parents: []int{0}},
			},
			Edges: []workloads.Edge{{From: 0, To: 1}},
		}
		tc.break_(&d)
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// A cycle built by hand, with consistent Parents and Children.
	cyc := workloads.DAG{
		Tasks: []workloads.DAGTask{
			{ID: 0, Name: "a", Parents: []int{1}, Children: []int{1}},
			{ID: 1, Name: "b", Parents: []int{0}, Children: []int{0}},
		},
		Edges: []workloads.Edge{{From: 0, To: 1}, {From: 1, To: 0}},
	}
	err := cyc.Validate()
	if !errors.Is(err, workloads.ErrDAGCycle) || !strings.Contains(err.Error(), "0 (a) → 1 (b) → 0 (a)") {
		t.Errorf("cycle: error %v", err)
	}
}

func TestCriticalPathAndMakespanByHand(t *testing.T) {
	for _, tc := range []struct {
		name string
		dag  func(*testing.T) workloads.DAG

		// compute-only critical path, and with every edge's transfer
		local, all         float64
		localPath, allPath []int

		// makespans of placements (origin 0; no input or output bytes)
		places    [][]int
		makespans []float64
	}{
		{
			name: "chain", dag: chain,
			local: 1 + 2 + 3, localPath: []int{0, 1, 2},
			all: 1 + 1 + 2 + 2 + 3, allPath: []int{0, 1, 2},
			places: [][]int{{0, 0, 0}, {0, 1, 1}, {0, 1, 0}, {2, 2, 2}},
			makespans: []float64{
				6,
				1 + 1 + 2 + 3,     // only 0→1 is cut
				1 + 1 + 2 + 2 + 3, // both edges cut
				6,                 // all away from the origin, but no input or output bytes
			},
		},
		{
			name: "diamond", dag: diamond,
			local: 1 + 4 + 1, localPath: []int{0, 1, 3},
			all: 1 + 5 + 2 + 4 + 1, allPath: []int{0, 2, 3},
			places: [][]int{{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 2, 0}},
			makespans: []float64{
				6,
				1 + 1 + 4 + 1 + 1,         // 0→1 and 1→3 cut: 8
				1 + 5 + 2 + 4 + 1,         // 0→2 and 2→3 cut: 13
				max(1+1+4+1, 1+5+2+4) + 1, // all four cut: 13
				max(1+1+4+1, 1+5+2+4) + 1, // 1 and 2 apart changes nothing: no edge joins them
			},
		},
	} {
		d := tc.dag(t)
		length, path := d.CriticalPath(opsTime(d), noTransfer)
		if length != tc.local || !slices.Equal(path, tc.localPath) {
			t.Errorf("%s: compute-only critical path %v %v, want %v %v", tc.name, length, path, tc.local, tc.localPath)
		}
		length, path = d.CriticalPath(opsTime(d), allTransfer)
		if length != tc.all || !slices.Equal(path, tc.allPath) {
			t.Errorf("%s: critical path with transfers %v %v, want %v %v", tc.name, length, path, tc.all, tc.allPath)
		}
		for k, place := range tc.places {
			s := makespan(d, place)
			if s.Makespan != tc.makespans[k] {
				t.Errorf("%s: makespan of placement %v = %v, want %v", tc.name, place, s.Makespan, tc.makespans[k])
			}
			// Without input or output bytes, the makespan of a placement is
			// the critical path with the placement's cut edges.
			if cp, _ := d.CriticalPath(opsTime(d), placed(place)); cp != s.Makespan {
				t.Errorf("%s: placement %v: makespan %v, critical path %v", tc.name, place, s.Makespan, cp)
			}
		}
	}
}

// TestForkJoinWithOrigin follows one job through by hand: 0 forks to 1, 2
// and 3, which join at 4; task 0 needs 3 bytes from the origin (the phone,
// place 0) and task 4 sends 2 bytes back. The phone runs 1 operation per
// second, the edge server (place 1) 4; a transfer takes 0.5 s plus 1 s per
// byte either way.
func TestForkJoinWithOrigin(t *testing.T) {
	tasks := []workloads.DAGTask{
		{Ops: 2, InputBytes: 3}, {Ops: 8}, {Ops: 4}, {Ops: 12}, {Ops: 2, OutputBytes: 2},
	}
	d, err := workloads.NewDAG(tasks, []workloads.Edge{
		{From: 0, To: 1, Bytes: 2}, {From: 0, To: 2, Bytes: 2}, {From: 0, To: 3, Bytes: 6},
		{From: 1, To: 4, Bytes: 1}, {From: 2, To: 4, Bytes: 1}, {From: 3, To: 4, Bytes: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	speed := []float64{1, 4}
	compute := func(i, p int) float64 { return d.Tasks[i].Ops / speed[p] }
	var calls []string
	transfer := func(from, to int, b float64) float64 {
		calls = append(calls, fmt.Sprintf("%d→%d %gB", from, to, b))
		return 0.5 + b
	}

	for _, tc := range []struct {
		name          string
		place         []int
		start, finish []float64
		makespan      float64
		calls         []string
	}{
		{
			name:  "all on the phone",
			place: []int{0, 0, 0, 0, 0},
			start: []float64{0, 2, 2, 2, 14}, finish: []float64{2, 10, 6, 14, 16},
			makespan: 2 + 12 + 2, // the compute-only critical path 0, 3, 4
		},
		{
			// Input up (3.5 s), compute at 4 ops/s, result down (2.5 s).
			name:  "all on the edge server",
			place: []int{1, 1, 1, 1, 1},
			start: []float64{3.5, 4, 4, 4, 7}, finish: []float64{4, 6, 5, 7, 7.5},
			makespan: 7.5 + 2.5,
			calls:    []string{"0→1 3B", "1→0 2B"},
		},
		{
			// Only task 3 offloaded: its input edge (6 B) and output edge
			// (3 B) cross the link, 6.5 and 3.5 s.
			name:  "task 3 offloaded",
			place: []int{0, 0, 0, 1, 0},
			start: []float64{0, 2, 2, 8.5, 15}, finish: []float64{2, 10, 6, 11.5, 17},
			makespan: 17,
			calls:    []string{"0→1 6B", "1→0 3B"},
		},
	} {
		calls = nil
		s := d.Makespan(tc.place, 0, compute, transfer)
		if !slices.Equal(s.Start, tc.start) || !slices.Equal(s.Finish, tc.finish) || s.Makespan != tc.makespan {
			t.Errorf("%s: start %v finish %v makespan %v; want %v %v %v",
				tc.name, s.Start, s.Finish, s.Makespan, tc.start, tc.finish, tc.makespan)
		}
		if !slices.Equal(calls, tc.calls) {
			t.Errorf("%s: transfers %v, want %v", tc.name, calls, tc.calls)
		}
	}
	length, path := d.CriticalPath(func(i int) float64 { return compute(i, 0) }, noTransfer)
	if length != 16 || !slices.Equal(path, []int{0, 3, 4}) {
		t.Errorf("critical path %v %v, want 16 [0 3 4]", length, path)
	}
}

// heft is the sample task graph of Topcuoglu, Hariri and Wu (IEEE TPDS
// 13(3), 2002, Fig. 2): ten tasks (IDs 0–9 here for their n1–n10), the
// communication cost on each edge, and each task's computation cost on
// their three processors. HEFT ranks with the mean computation cost; to
// keep the arithmetic exact (the paper's ties are ties), compute returns
// the sum over the three processors and transfer three times the edge
// cost, so that every rank comes out three times the paper's.
func heft(t *testing.T) (d workloads.DAG, compute func(int) float64, transfer func(workloads.Edge) float64) {
	costs := [][3]float64{
		{14, 16, 9}, {13, 19, 18}, {11, 13, 19}, {13, 8, 17}, {12, 13, 10},
		{13, 16, 9}, {7, 15, 11}, {5, 11, 14}, {18, 12, 20}, {21, 7, 16},
	}
	edges := []workloads.Edge{
		{From: 0, To: 1, Bytes: 18}, {From: 0, To: 2, Bytes: 12}, {From: 0, To: 3, Bytes: 9},
		{From: 0, To: 4, Bytes: 11}, {From: 0, To: 5, Bytes: 14},
		{From: 1, To: 7, Bytes: 19}, {From: 1, To: 8, Bytes: 16},
		{From: 2, To: 6, Bytes: 23},
		{From: 3, To: 7, Bytes: 27}, {From: 3, To: 8, Bytes: 23},
		{From: 4, To: 8, Bytes: 13},
		{From: 5, To: 7, Bytes: 15},
		{From: 6, To: 9, Bytes: 17}, {From: 7, To: 9, Bytes: 11}, {From: 8, To: 9, Bytes: 13},
	}
	d = mustDAG(t, make([]float64, len(costs)), edges)
	compute = func(i int) float64 { return costs[i][0] + costs[i][1] + costs[i][2] }
	transfer = func(e workloads.Edge) float64 { return 3 * e.Bytes }
	return d, compute, transfer
}

func TestUpwardRankHEFT(t *testing.T) {
	d, compute, transfer := heft(t)
	// The paper lists the upward ranks as 108, 77, 80, 80, 69, 63.333,
	// 42.667, 35.667, 44.333, 14.667 (its Table 1); three times those:
	want := []float64{324, 231, 240, 240, 207, 190, 128, 107, 133, 44}
	rank := d.UpwardRank(compute, transfer)
	if !slices.Equal(rank, want) {
		t.Errorf("3 × ranks = %v, want %v", rank, want)
	}
	// The paper's priority list: n1, n3, n4, n2, n5, n6, n9, n7, n8, n10
	// (n3 and n4 tie at 80; the tie goes to the earlier in TopoOrder).
	if got := d.PriorityOrder(rank); !slices.Equal(got, []int{0, 2, 3, 1, 4, 5, 8, 6, 7, 9}) {
		t.Errorf("PriorityOrder = %v", got)
	}
	// The critical path under mean costs is rank(n1) = 108 long, through
	// n1, n2, n9, n10.
	length, path := d.CriticalPath(compute, transfer)
	if length != 324 || !slices.Equal(path, []int{0, 1, 8, 9}) {
		t.Errorf("critical path %v %v, want 3 × 108 through n1, n2, n9, n10", length, path)
	}
}

func TestEmptyDAG(t *testing.T) {
	d, err := workloads.NewDAG(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, p := d.CriticalPath(opsTime(d), noTransfer); l != 0 || p != nil {
		t.Errorf("empty critical path %v %v", l, p)
	}
	if s := d.Makespan(nil, 0, nil, nil); s.Makespan != 0 {
		t.Errorf("empty makespan %v", s.Makespan)
	}
	if len(d.Layers()) != 0 || len(d.TopoOrder()) != 0 {
		t.Error("empty DAG has layers")
	}
}

func TestMisusePanics(t *testing.T) {
	d := diamond(t)
	cyc := workloads.DAG{
		Tasks: []workloads.DAGTask{{ID: 0, Parents: []int{1}, Children: []int{1}}, {ID: 1, Parents: []int{0}, Children: []int{0}}},
		Edges: []workloads.Edge{{From: 0, To: 1}, {From: 1, To: 0}},
	}
	for name, f := range map[string]func(){
		"short placement": func() { makespan(d, []int{0, 0}) },
		"short ranks":     func() { d.PriorityOrder([]float64{1}) },
		"cycle":           func() { cyc.TopoOrder() },
		"bad generator":   func() { workloads.LayeredDAG{}.Generate(sim.NewStreams(1).Rand("x")) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// comDDPG is a generator configuration in the spirit of Com-DDPG's
// dependent jobs: a handful of layers of a few subtasks, each with 10⁸–10⁹
// cycles and 10–100 kB on each edge.
var comDDPG = workloads.LayeredDAG{
	Layers:      5,
	Width:       workloads.IntRange{Min: 1, Max: 4},
	FanOut:      workloads.IntRange{Min: 1, Max: 3},
	Ops:         workloads.UniformRange{Min: 1e8, Max: 1e9},
	EdgeBytes:   workloads.UniformRange{Min: 1e4, Max: 1e5},
	InputBytes:  workloads.UniformRange{Min: 1e5, Max: 5e5},
	OutputBytes: workloads.UniformRange{Min: 1e3, Max: 1e4},
}

func TestLayeredDAGDeterministic(t *testing.T) {
	streams := sim.NewStreams(7)
	a := comDDPG.Generate(streams.Rand("workload/phone-0/dag"))
	b := comDDPG.Generate(streams.Rand("workload/phone-0/dag"))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same stream gave two DAGs")
	}
	differ := 0
	for seed := range uint64(20) {
		c := comDDPG.Generate(sim.NewStreams(100 + seed).Rand("workload/phone-0/dag"))
		if !reflect.DeepEqual(a, c) {
			differ++
		}
	}
	// 20 independent draws of a DAG with ~12 subtasks of continuous Ops:
	// equal ones are impossible in practice.
	if differ != 20 {
		t.Errorf("%d of 20 other seeds gave a different DAG", differ)
	}

	// Ranges draw once whatever their width: changing them keeps the shape.
	flat := comDDPG
	flat.Ops = workloads.UniformRange{Min: 5, Max: 5}
	flat.EdgeBytes = workloads.UniformRange{}
	c := flat.Generate(streams.Rand("workload/phone-0/dag"))
	if !reflect.DeepEqual(shape(a), shape(c)) {
		t.Error("changing the ranges changed the shape")
	}
	for _, task := range c.Tasks {
		if task.Ops != 5 {
			t.Fatalf("constant range gave Ops %v", task.Ops)
		}
	}
}

// shape is the structure of a DAG without its numbers.
func shape(d workloads.DAG) [][2]int {
	var s [][2]int
	for _, e := range d.Edges {
		s = append(s, [2]int{e.From, e.To})
	}
	return append(s, [2]int{len(d.Tasks), -1})
}

// TestLayeredDAGGolden pins one generated DAG, so that a change of the
// generator's draws fails loudly instead of silently changing every DAG
// experiment.
func TestLayeredDAGGolden(t *testing.T) {
	cfg := workloads.LayeredDAG{
		Layers: 4, Width: workloads.IntRange{Min: 1, Max: 3}, FanOut: workloads.IntRange{Min: 1, Max: 2},
		OneEntry: true, OneExit: true,
		Ops: workloads.UniformRange{Min: 0, Max: 100},
	}
	d := cfg.Generate(sim.NewStreams(1).Rand("test/dag-golden"))
	var b strings.Builder
	for _, task := range d.Tasks {
		fmt.Fprintf(&b, "%s:%.2f→%v ", task.Name, task.Ops, task.Children)
	}
	const want = "L0.0:90.72→[1 2 3] L1.0:75.12→[4] L1.1:97.76→[4] L1.2:91.79→[4] L2.0:87.84→[5] L3.0:66.92→[]"
	if got := strings.TrimSpace(b.String()); got != want {
		t.Errorf("generated DAG changed:\n got %s\nwant %s", got, want)
	}
}

func TestLayeredDAGShape(t *testing.T) {
	configs := []workloads.LayeredDAG{
		comDDPG,
		{Layers: 1, Width: workloads.IntRange{Min: 3, Max: 3}, FanOut: workloads.IntRange{Min: 1, Max: 1}},
		{Layers: 8, Width: workloads.IntRange{Min: 1, Max: 6}, FanOut: workloads.IntRange{Min: 1, Max: 2}, OneEntry: true, OneExit: true},
		{Layers: 6, Width: workloads.IntRange{Min: 2, Max: 5}, FanOut: workloads.IntRange{Min: 2, Max: 4}, Jump: 3},
		{Layers: 4, Width: workloads.IntRange{Min: 5, Max: 5}, FanOut: workloads.IntRange{Min: 9, Max: 9}}, // fan-out capped by the width
	}
	for k, cfg := range configs {
		jump := max(cfg.Jump, 1)
		for seed := range uint64(200) {
			r := sim.NewStreams(seed).Rand(fmt.Sprintf("test/dag-shape/%d", k))
			d := cfg.Generate(r)
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("config %d seed %d: %s", k, seed, fmt.Sprintf(format, args...))
			}
			if err := d.Validate(); err != nil {
				fail("%v", err)
			}
			layers := d.Layers()
			if len(layers) != cfg.Layers {
				fail("%d levels, want %d", len(layers), cfg.Layers)
			}
			level := d.Levels()
			for l, ids := range layers {
				w := len(ids)
				lo, hi := cfg.Width.Min, cfg.Width.Max
				if (l == 0 && cfg.OneEntry) || (l == cfg.Layers-1 && cfg.OneExit) {
					lo, hi = 1, 1
				}
				if w < lo || w > hi {
					fail("layer %d has %d subtasks, want %d–%d", l, w, lo, hi)
				}
				for _, i := range ids {
					if name := fmt.Sprintf("L%d.", l); !strings.HasPrefix(d.Tasks[i].Name, name) {
						fail("task %d named %q in layer %d", i, d.Tasks[i].Name, l)
					}
				}
			}
			if !slices.Equal(d.Entries(), layers[0]) {
				fail("entries %v, want the first layer %v", d.Entries(), layers[0])
			}
			if !slices.Equal(d.Exits(), layers[len(layers)-1]) {
				fail("exits %v, want the last layer %v", d.Exits(), layers[len(layers)-1])
			}
			for _, task := range d.Tasks {
				l := level[task.ID]
				if l > 0 && !slices.ContainsFunc(task.Parents, func(p int) bool { return level[p] == l-1 }) {
					fail("task %d of layer %d has no parent in layer %d", task.ID, l, l-1)
				}
				if l < cfg.Layers-1 {
					reach := len(layers[l+1])
					for m := l + 2; m <= min(l+jump, cfg.Layers-1); m++ {
						reach += len(layers[m])
					}
					if len(task.Children) < min(cfg.FanOut.Min, reach) {
						fail("task %d has %d children, want ≥ %d", task.ID, len(task.Children), min(cfg.FanOut.Min, reach))
					}
				}
				if !in(task.Ops, cfg.Ops) {
					fail("task %d Ops %v outside %v", task.ID, task.Ops, cfg.Ops)
				}
				if l == 0 && !in(task.InputBytes, cfg.InputBytes) || l > 0 && task.InputBytes != 0 {
					fail("task %d InputBytes %v", task.ID, task.InputBytes)
				}
				if l == cfg.Layers-1 && !in(task.OutputBytes, cfg.OutputBytes) || l < cfg.Layers-1 && task.OutputBytes != 0 {
					fail("task %d OutputBytes %v", task.ID, task.OutputBytes)
				}
			}
			for _, e := range d.Edges {
				if span := level[e.To] - level[e.From]; span < 1 || span > jump {
					fail("edge %d→%d spans %d layers, want 1–%d", e.From, e.To, span, jump)
				}
				if !in(e.Bytes, cfg.EdgeBytes) {
					fail("edge %d→%d Bytes %v outside %v", e.From, e.To, e.Bytes, cfg.EdgeBytes)
				}
			}
		}
	}
}

func in(v float64, u workloads.UniformRange) bool { return v >= u.Min && v <= u.Max }

// TestMakespanAgainstCriticalPath checks the forward Makespan against the
// backward CriticalPath on many random DAGs and placements: without input
// and output bytes they are two computations of the same longest path.
func TestMakespanAgainstCriticalPath(t *testing.T) {
	cfg := comDDPG
	cfg.InputBytes, cfg.OutputBytes = workloads.UniformRange{}, workloads.UniformRange{}
	cfg.Jump = 2
	speed := []float64{1e9, 4e9, 20e9} // phone, edge, cloud
	rate := func(a, b int) float64 { return 1e6 * float64(1+a+b) }
	for seed := range uint64(300) {
		r := sim.NewStreams(seed).Rand("test/dag-makespan")
		d := cfg.Generate(r)
		place := make([]int, len(d.Tasks))
		for i := range place {
			place[i] = r.IntN(len(speed))
		}
		s := d.Makespan(place, 0,
			func(i, p int) float64 { return d.Tasks[i].Ops / speed[p] },
			func(a, b int, bytes float64) float64 { return bytes / rate(a, b) })
		cp, path := d.CriticalPath(
			func(i int) float64 { return d.Tasks[i].Ops / speed[place[i]] },
			func(e workloads.Edge) float64 {
				if a, b := place[e.From], place[e.To]; a != b {
					return e.Bytes / rate(a, b)
				}
				return 0
			})
		if math.Abs(cp-s.Makespan) > 1e-12*cp {
			t.Fatalf("seed %d: makespan %v, critical path %v", seed, s.Makespan, cp)
		}
		// The path's last task finishes at the makespan.
		if last := path[len(path)-1]; math.Abs(s.Finish[last]-s.Makespan) > 1e-12*cp {
			t.Fatalf("seed %d: critical path ends at %d, finishing at %v, not %v", seed, last, s.Finish[last], s.Makespan)
		}
		// Schedules respect every dependency.
		for _, e := range d.Edges {
			if s.Start[e.To] < s.Finish[e.From] {
				t.Fatalf("seed %d: %d starts at %v before its parent %d finishes at %v", seed, e.To, s.Start[e.To], e.From, s.Finish[e.From])
			}
		}
		// HEFT's order is a topological order.
		pos := make([]int, len(d.Tasks))
		for k, i := range d.PriorityOrder(d.UpwardRank(func(i int) float64 { return d.Tasks[i].Ops }, noTransfer)) {
			pos[i] = k
		}
		for _, e := range d.Edges {
			if pos[e.From] > pos[e.To] {
				t.Fatalf("seed %d: priority order puts %d after its child %d", seed, e.From, e.To)
			}
		}
	}
}

func TestLayeredDAGValidate(t *testing.T) {
	if err := comDDPG.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := workloads.LayeredDAG{
		Layers: 0, Jump: -1,
		Width:       workloads.IntRange{Min: 0, Max: 3},
		FanOut:      workloads.IntRange{Min: 2, Max: 1},
		Ops:         workloads.UniformRange{Min: 2, Max: 1},
		EdgeBytes:   workloads.UniformRange{Min: -1, Max: 1},
		InputBytes:  workloads.UniformRange{Max: math.Inf(1)},
		OutputBytes: workloads.UniformRange{Max: math.NaN()},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"Layers 0", "Jump -1", "Width: range [0, 3]", "FanOut: range [2, 1]",
		"Ops: range [2, 1]", "EdgeBytes: range [-1, 1]", "InputBytes: range [0, +Inf]", "OutputBytes: range [0, NaN]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
