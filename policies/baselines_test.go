package policies

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// obs returns a hand-written observation: local (slow), two edge servers
// (edge-1 nearer but busier) and the cloud (far).
func obs() *Observation {
	return &Observation{
		Task: Task{ID: 1, Model: "mobilenet-v2", Ops: 6e8, InputBytes: 150528, OutputBytes: 4000, Deadline: 0.1},
		Targets: []Target{
			{Kind: Local, Name: "local", Index: -1, ComputeTime: 0.040},
			{Kind: Edge, Name: "edge-0", Index: 0, Distance: 300, TransferTime: 0.012, QueueWait: 0.001, ComputeTime: 0.002},
			{Kind: Edge, Name: "edge-1", Index: 1, Distance: 120, TransferTime: 0.008, QueueWait: 0.050, ComputeTime: 0.002},
			{Kind: Cloud, Name: "cloud", Index: -1, Distance: 120, TransferTime: 0.090, ComputeTime: 0.001},
		},
	}
}

// farEdges returns obs with both edge servers busy: the cloud (91 ms) is
// then the fastest target off the phone, the phone (40 ms) the fastest.
func farEdges() *Observation {
	o := obs()
	o.Targets[1].QueueWait, o.Targets[2].QueueWait = 0.2, 0.3
	return o
}

// edgeFull returns obs with edge-0, the fastest, unable to hold the
// model: edge-1 (60 ms) is then the fastest off the phone.
func edgeFull() *Observation {
	o := obs()
	o.Targets[1].OutOfMemory = true
	return o
}

// withFastPeer returns obs with a D2D peer faster than every other target.
func withFastPeer() *Observation {
	o := obs()
	o.Targets = append(o.Targets, Target{Kind: D2D, Name: "peer-0", Index: 0, ComputeTime: 0.001})
	return o
}

func TestBaselines(t *testing.T) {
	onlyLocal := &Observation{Targets: []Target{{Kind: Local, Name: "local"}}}
	for _, c := range []struct {
		name string
		p    Policy
		o    *Observation
		want string
	}{
		{"local picks local", AlwaysLocal{}, obs(), "local"},
		{"cloud picks cloud", AlwaysCloud{}, obs(), "cloud"},
		{"cloud without a cloud runs locally", AlwaysCloud{}, onlyLocal, "local"},
		{"edge-nearest picks the nearer edge", EdgeNearest{}, obs(), "edge-1"},
		{"edge-nearest with no edge runs locally", EdgeNearest{}, onlyLocal, "local"},
		// latencies: local 40 ms, edge-0 15 ms, edge-1 60 ms, cloud 91 ms
		{"greedy-latency picks the least estimated latency", GreedyLatency{}, obs(), "edge-0"},
		{"greedy-latency with one target", GreedyLatency{}, onlyLocal, "local"},
		{"greedy-offload picks the least estimated latency off the phone", GreedyOffload{}, obs(), "edge-0"},
		{"greedy-offload prefers the cloud to a faster phone", GreedyOffload{}, farEdges(), "cloud"},
		{"greedy-offload with no edge or cloud runs locally", GreedyOffload{}, onlyLocal, "local"},
		{"greedy-offload skips targets without room for the model", GreedyOffload{}, edgeFull(), "edge-1"},
		{"greedy-offload ignores D2D peers", GreedyOffload{}, withFastPeer(), "edge-0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.p.Decide(c.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.o.Targets[d.Target].Name; got != c.want {
				t.Errorf("chose %s, want %s", got, c.want)
			}
		})
	}
}

func TestGreedyLatencyTiesGoFirst(t *testing.T) {
	o := &Observation{Targets: []Target{
		{Kind: Local, Name: "local", ComputeTime: 0.01},
		{Kind: Edge, Name: "edge-0", TransferTime: 0.005, ComputeTime: 0.005},
	}}
	d, _ := GreedyLatency{}.Decide(o)
	if d.Target != 0 {
		t.Errorf("tie went to %d, want 0", d.Target)
	}
}

// TestRandomIsUniform checks the random policy's choice frequencies with a
// chi-square test: 4 targets, 40,000 draws; the 99.9% critical value of
// chi-square with 3 degrees of freedom is 16.27.
func TestRandomIsUniform(t *testing.T) {
	p := Random{Rand: rand.New(rand.NewPCG(1, 2))}
	o := obs()
	const n = 40000
	counts := make([]float64, len(o.Targets))
	for range n {
		d, err := p.Decide(o)
		if err != nil {
			t.Fatal(err)
		}
		counts[d.Target]++
	}
	exp := float64(n) / float64(len(counts))
	var chi2 float64
	for _, c := range counts {
		chi2 += (c - exp) * (c - exp) / exp
	}
	if chi2 > 16.27 {
		t.Errorf("chi-square %v over counts %v: not uniform", chi2, counts)
	}
}

func TestEmptyObservationIsAnError(t *testing.T) {
	empty := &Observation{}
	for _, p := range []Policy{AlwaysLocal{}, AlwaysCloud{}, EdgeNearest{}, GreedyLatency{}, Random{Rand: rand.New(rand.NewPCG(1, 1))}} {
		if _, err := p.Decide(empty); err == nil {
			t.Errorf("%T decided on an observation with no targets", p)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := Builtin()
	want := []string{"local", "edge-nearest", "cloud", "random", "greedy-latency", "greedy-offload", "d2d-greedy", "edge-least-loaded", "min-energy", "weighted", "deadline-eft", "oracle", "lyapunov"}
	if got := r.Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	env := Env{Rand: rand.New(rand.NewPCG(1, 1))}
	for _, name := range want {
		_, err := r.New(name, env)
		if name == "oracle" { // built per scenario by package mec
			if err == nil {
				t.Error("oracle built without a scenario")
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", name, err)
		}
	}
	_, err := r.New("greedy", env)
	if err == nil || !strings.Contains(err.Error(), "greedy-latency") {
		t.Errorf("unknown name: error %v should list the known names", err)
	}
	if _, err := r.New("random", Env{}); err == nil {
		t.Error("random without a stream was built")
	}
	if err := r.Add(Entry{Name: "local", New: func(Env) (Policy, error) { return AlwaysLocal{}, nil }}); err == nil {
		t.Error("duplicate name accepted")
	}
	if err := r.Add(Entry{Name: "", New: nil}); err == nil {
		t.Error("entry without name accepted")
	}
}

func TestD2DGreedyAndMemory(t *testing.T) {
	o := &Observation{Targets: []Target{
		{Kind: Local, Name: "local", ComputeTime: 0.040},
		{Kind: Edge, Name: "edge-0", TransferTime: 0.001, ComputeTime: 0.001},
		{Kind: D2D, Name: "peer-3", Index: 3, TransferTime: 0.005, QueueWait: 0.002, ComputeTime: 0.020},
		{Kind: D2D, Name: "peer-5", Index: 5, TransferTime: 0.001, ComputeTime: 0.010, OutOfMemory: true},
	}}
	d, _ := D2DGreedy{}.Decide(o)
	if got := o.Targets[d.Target].Name; got != "peer-3" {
		t.Errorf("d2d-greedy chose %s, want peer-3 (the edge is not its to use, peer-5 cannot hold the model)", got)
	}
	o.Targets[0].OutOfMemory = true
	o.Targets[2].OutOfMemory = true
	d, _ = GreedyLatency{}.Decide(o)
	if got := o.Targets[d.Target].Name; got != "edge-0" {
		t.Errorf("greedy-latency chose %s, want edge-0", got)
	}
	r := Random{Rand: rand.New(rand.NewPCG(3, 4))}
	for range 100 {
		d, _ := r.Decide(o)
		if o.Targets[d.Target].OutOfMemory {
			t.Fatal("random chose a target that cannot hold the model")
		}
	}
}

// TestMoreBaselines checks each added baseline does what its name says,
// on the hand-written observation of TestBaselines: latencies local 40 ms,
// edge-0 15 ms, edge-1 60 ms, cloud 91 ms; energies set below.
func TestMoreBaselines(t *testing.T) {
	o := obs()
	energies := []float64{0.120, 0.030, 0.025, 0.010} // local, edge-0, edge-1, cloud
	for i := range o.Targets {
		o.Targets[i].Energy = energies[i]
	}
	o.Targets[1].QueueLen, o.Targets[2].QueueLen = 3, 9
	for _, c := range []struct {
		name string
		p    Policy
		want string
	}{
		{"edge-least-loaded picks the edge with least waiting work", EdgeLeastLoaded{}, "edge-0"},
		{"min-energy picks the least energy", MinEnergy{}, "cloud"},
		{"weighted at omega 1 is greedy-latency", Weighted{Omega: 1}, "edge-0"},
		{"weighted at omega 0 is min-energy", Weighted{Omega: 0}, "cloud"},
		// normalised: edge-0 latency 0, energy (0.030-0.010)/0.110 = 0.18; cloud 1 and 0
		{"weighted at omega 0.5 balances", Weighted{Omega: 0.5}, "edge-0"},
		{"deadline-eft: earliest finish meeting 100 ms", DeadlineEFT{}, "edge-0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.p.Decide(o)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Targets[d.Target].Name; got != c.want {
				t.Errorf("chose %s, want %s", got, c.want)
			}
		})
	}
	// No target meets a 5 ms deadline: deadline-eft takes the least late.
	o.Task.Deadline = 0.005
	if d, _ := (DeadlineEFT{}).Decide(o); o.Targets[d.Target].Name != "edge-0" {
		t.Errorf("least late: chose %s", o.Targets[d.Target].Name)
	}
	// An LLM whose only deadline-meeting target misses its TTFT objective.
	o.Task = Task{Kind: "llm", Deadline: 0.1, TTFTSLO: 0.012}
	o.Targets[1].FirstTime = 0.002 // edge-0: 12 + 1 + 2 = 15 ms to the first token
	o.Targets[0].FirstTime = 0.005 // local: 5 ms
	if d, _ := (DeadlineEFT{}).Decide(o); o.Targets[d.Target].Name != "local" {
		t.Errorf("TTFT objective: chose %s, want local", o.Targets[d.Target].Name)
	}
	// edge-least-loaded with no edge runs locally.
	only := &Observation{Targets: []Target{{Kind: Local, Name: "local"}, {Kind: Cloud, Name: "cloud"}}}
	if d, _ := (EdgeLeastLoaded{}).Decide(only); only.Targets[d.Target].Name != "local" {
		t.Error("edge-least-loaded without edges did not run locally")
	}
}

// TestLyapunov checks drift-plus-penalty: with an empty queue it picks the
// fastest target; spending over budget fills the phone's queue until the
// energy term wins and it picks the cheapest; the queue never goes below
// zero; and phones keep separate queues.
func TestLyapunov(t *testing.T) {
	o := obs()
	energies := []float64{0.120, 0.030, 0.025, 0.010}
	for i := range o.Targets {
		o.Targets[i].Energy = energies[i]
	}
	p := NewLyapunov(1, 0.001) // budget far below any target: the queue grows
	first, _ := p.Decide(o)
	if o.Targets[first.Target].Name != "edge-0" {
		t.Fatalf("empty queue: chose %s, want the fastest, edge-0", o.Targets[first.Target].Name)
	}
	if got, want := p.Queue(0), 0.030-0.001; math.Abs(got-want) > 1e-12 {
		t.Errorf("queue %v, want %v", got, want)
	}
	// edge-0 costs 1·0.015 + Q·0.030, cloud 1·0.091 + Q·0.010: the cloud
	// wins once Q > 3.8.
	var last string
	for range 500 {
		d, _ := p.Decide(o)
		last = o.Targets[d.Target].Name
	}
	if last != "cloud" || p.Queue(0) < 3.8 {
		t.Errorf("after overspending: chose %s with queue %v, want cloud past 3.8", last, p.Queue(0))
	}
	if p.Queue(1) != 0 {
		t.Error("phone 1's queue moved")
	}
	generous := NewLyapunov(1, 1)
	generous.Decide(o)
	if generous.Queue(0) != 0 {
		t.Errorf("queue %v below budget, want 0", generous.Queue(0))
	}
}

// TestGreedyDecisionsDoNotAllocate: the greedy rules run once per
// decision inside the event loop, which allocates nothing per event.
func TestGreedyDecisionsDoNotAllocate(t *testing.T) {
	o := obs()
	for _, p := range []Policy{GreedyLatency{}, GreedyOffload{}, D2DGreedy{}, EdgeNearest{}} {
		if a := testing.AllocsPerRun(100, func() { p.Decide(o) }); a != 0 {
			t.Errorf("%T: %v allocations per decision", p, a)
		}
	}
}
