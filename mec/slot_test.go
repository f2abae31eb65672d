package mec

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

// seen records when each decision was made and what it saw, then runs the
// task locally.
type seen struct{ obs *[]policies.Observation }

func (s seen) Decide(o *policies.Observation) (policies.Decision, error) {
	c := *o
	c.Targets = append([]policies.Target(nil), o.Targets...)
	*s.obs = append(*s.obs, c)
	return policies.Decision{Target: 0}, nil
}

// TestSlottedSingleTaskByHand checks one task against hand sums: it waits
// for the first boundary at or after its arrival, then runs on the phone
// for 20 ms.
func TestSlottedSingleTaskByHand(t *testing.T) {
	for _, c := range []struct {
		name              string
		arrival, interval float64
		decided           float64
	}{
		{"between boundaries", 0.03, 0.1, 0.1},
		{"on a boundary", 0.1, 0.1, 0.1},
		{"at time zero", 0, 0.1, 0},
		{"just after a boundary", 0.1000001, 0.1, 0.2},
		{"event-driven", 0.03, 0, 0.03},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := testScenario(1, 1, sim.Second)
			sc.Workloads[0].Arrivals = workloads.Replay{Times: []float64{c.arrival}}
			sc.DecisionInterval = sim.Seconds(c.interval)
			var obs []policies.Observation
			tasks := run(t, sc, sim.NewStreams(1), seen{&obs})
			if len(tasks) != 1 || len(obs) != 1 {
				t.Fatalf("%d tasks, %d decisions, want 1 each", len(tasks), len(obs))
			}
			if math.Abs(obs[0].Now-c.decided) > 1e-9 {
				t.Errorf("decided at %.9f s, want %.9f s", obs[0].Now, c.decided)
			}
			if want := c.decided - c.arrival; math.Abs(obs[0].Task.Waited-want) > 1e-9 {
				t.Errorf("waited %.9f s, want %.9f s", obs[0].Task.Waited, want)
			}
			want := c.decided - c.arrival + 0.020
			if r := tasks[0]; math.Abs(r.Latency-want) > 1e-9 || math.Abs(r.Start-c.decided) > 1e-9 {
				t.Errorf("started at %.9f s with latency %.9f s, want %.9f s and %.9f s", r.Start, r.Latency, c.decided, want)
			}
		})
	}
}

// TestSlotsShrinkToEvents checks the limit of short slots: with every task
// on the phone, moving each arrival to the next boundary delays every
// departure by at most the interval, so each task's latency is within the
// interval of the event-driven run's.
func TestSlotsShrinkToEvents(t *testing.T) {
	sc := testScenario(3, 20, 20*sim.Second)
	events := run(t, sc, sim.NewStreams(4), policies.AlwaysLocal{})
	for _, dt := range []sim.Time{10 * sim.Millisecond, sim.Millisecond, 10 * sim.Microsecond} {
		sl := *sc
		sl.DecisionInterval = dt
		slotted := run(t, &sl, sim.NewStreams(4), policies.AlwaysLocal{})
		if len(slotted) != len(events) {
			t.Fatalf("interval %v: %d tasks, event-driven %d", dt, len(slotted), len(events))
		}
		var worst float64
		for i := range events {
			d := slotted[i].Latency - events[i].Latency
			if d < -1e-9 || d > dt.Seconds()+1e-9 {
				t.Fatalf("interval %v: task %d latency %.9f s, event-driven %.9f s", dt, i, slotted[i].Latency, events[i].Latency)
			}
			worst = max(worst, d)
		}
		t.Logf("interval %v: largest delay %.6f s over %d tasks", dt, worst, len(events))
	}
}

// dagScenario has three phones with DAG jobs and vision tasks, and an edge
// site that some placements use.
func dagScenario(interval sim.Time, prio Priority) *Scenario {
	sc := testScenario(3, 2, 20*sim.Second)
	sc.Workloads = append(sc.Workloads, Workload{Kind: DAG, Rate: 1, Deadline: 1, Job: workloads.LayeredDAG{
		Layers: 3, Width: workloads.IntRange{Min: 1, Max: 3}, FanOut: workloads.IntRange{Min: 1, Max: 2},
		Ops:         workloads.UniformRange{Min: 1e8, Max: 1e9},
		EdgeBytes:   workloads.UniformRange{Min: 1e4, Max: 1e5},
		InputBytes:  workloads.UniformRange{Min: 1e4, Max: 1e5},
		OutputBytes: workloads.UniformRange{Min: 1e3, Max: 1e4},
	}})
	sc.DecisionInterval, sc.Priority = interval, prio
	return sc
}

// drive runs a slotted world as a controller would, deciding with p, and
// returns its records and every phone's accounting of every slot.
func drive(t *testing.T, sc *Scenario, seed uint64, p policies.Policy) ([]results.Task, [][]SlotStats, []float64) {
	t.Helper()
	w, err := NewWorld(sc, sim.NewStreams(seed), p)
	if err != nil {
		t.Fatal(err)
	}
	var stats [][]SlotStats
	var balance []float64
	for {
		more, err := w.NextSlot()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]SlotStats, sc.Phones)
		for i := range row {
			row[i] = w.SlotStats(i)
		}
		stats = append(stats, row)
		balance = append(balance, w.Balance())
		for i := range sc.Phones {
			for w.Waiting(i) > 0 {
				obs, err := w.ObserveWaiting(i)
				if err != nil {
					t.Fatal(err)
				}
				if obs.Device.Waiting != w.Waiting(i) || obs.Device.Index != i {
					t.Fatalf("phone %d observes %d waiting as phone %d, want %d", i, obs.Device.Waiting, obs.Device.Index, w.Waiting(i))
				}
				d, err := p.Decide(obs)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.DecideWaiting(i, d); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !more {
			break
		}
	}
	tasks, err := w.Results("test")
	if err != nil {
		t.Fatal(err)
	}
	return tasks, stats, balance
}

// TestLittleIdentity checks the per-slot accounting on whole runs: summed
// over the slots, a phone's in-system integral is the total time its
// tasks spent in the system (Little's law), and its energy the sum of its
// tasks' recorded energies.
func TestLittleIdentity(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy policies.Policy
		prio   Priority
	}{
		{"local rank", policies.AlwaysLocal{}, ByRank},
		{"edge fifo", policies.EdgeNearest{}, ByArrival},
		{"greedy rank", policies.GreedyLatency{}, ByRank},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := dagScenario(50*sim.Millisecond, c.prio)
			tasks, stats, _ := drive(t, sc, 3, c.policy)
			sojourn := make([]float64, sc.Phones)
			energy := make([]float64, sc.Phones)
			for _, r := range tasks {
				sojourn[r.Device] += r.Finish - r.Arrival
				energy[r.Device] += r.Energy
			}
			for i := range sc.Phones {
				var in, en float64
				for _, row := range stats {
					in += row[i].InSystem
					en += row[i].Energy
				}
				if math.Abs(in-sojourn[i]) > 1e-6 || sojourn[i] == 0 {
					t.Errorf("phone %d: in-system integral %.9f task·s over %d slots, sojourn %.9f s", i, in, len(stats), sojourn[i])
				}
				if math.Abs(en-energy[i]) > 1e-9*max(1, energy[i]) || energy[i] == 0 {
					t.Errorf("phone %d: slot energy %.12f J, tasks' %.12f J", i, en, energy[i])
				}
			}
		})
	}
}

// TestRunDrivesLikeAController checks that Run, which skips the
// boundaries where nothing can wait, gives the same records as a
// controller stepping through every slot with the same policy, and the
// same mean balance.
func TestRunDrivesLikeAController(t *testing.T) {
	sc := dagScenario(20*sim.Millisecond, ByRank)
	sc.Sites = append(sc.Sites, sc.Sites[0]) // two sites, for a balance that varies
	sc.Sites[1].Pos.X += 50
	w, err := NewWorld(sc, sim.NewStreams(8), policies.GreedyLatency{})
	if err != nil {
		t.Fatal(err)
	}
	ran, err := w.Run("test")
	if err != nil {
		t.Fatal(err)
	}
	driven, _, balance := drive(t, sc, 8, policies.GreedyLatency{})
	if !reflect.DeepEqual(ran, driven) {
		t.Fatalf("Run and a controller differ: %d and %d records", len(ran), len(driven))
	}
	// The boundaries that end a slot beginning before the duration, as
	// far as the run went.
	slots := min(int(sc.Duration/sc.DecisionInterval), len(balance)-1)
	var sum float64
	for _, b := range balance[1 : slots+1] {
		sum += b
	}
	if mean := sum / float64(slots); math.Abs(mean-w.MeanBalance()) > 1e-9 {
		t.Errorf("mean balance %.12f stepping, %.12f from Run", mean, w.MeanBalance())
	}
	if b := w.MeanBalance(); !(b >= 0.5 && b < 1) {
		t.Errorf("mean balance %v of two sites, want in [1/2, 1) (some imbalance)", b)
	}
}

// TestSlottedDeterministic checks that the same seed gives the same
// records and the same accounting, slot by slot.
func TestSlottedDeterministic(t *testing.T) {
	sc := dagScenario(100*sim.Millisecond, ByRank)
	a, sa, ba := drive(t, sc, 5, policies.GreedyLatency{})
	b, sb, bb := drive(t, sc, 5, policies.GreedyLatency{})
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(sa, sb) || !reflect.DeepEqual(ba, bb) {
		t.Fatal("two runs of one seed differ")
	}
	c, _, _ := drive(t, sc, 6, policies.GreedyLatency{})
	if reflect.DeepEqual(a, c) {
		t.Fatal("two seeds gave the same run")
	}
}

// TestSlottedPriority checks the order in which a phone's waiting tasks
// are decided at a boundary: decreasing priority under "rank", order of
// arrival under "fifo"; with long slots, many tasks of several jobs wait
// together, and the two orders differ.
func TestSlottedPriority(t *testing.T) {
	for _, prio := range []Priority{ByRank, ByArrival} {
		t.Run(prio.String(), func(t *testing.T) {
			sc := dagScenario(500*sim.Millisecond, prio)
			sc.Phones = 1
			var obs []policies.Observation
			run(t, sc, sim.NewStreams(2), seen{&obs})
			var together, outOfArrival int
			for k := 1; k < len(obs); k++ {
				a, b := obs[k-1], obs[k]
				if a.Now != b.Now {
					continue
				}
				together++
				if b.Task.ID < a.Task.ID {
					outOfArrival++
				}
				if b.Device.Waiting != a.Device.Waiting-1 {
					t.Fatalf("at %v s: %d then %d waiting", a.Now, a.Device.Waiting, b.Device.Waiting)
				}
				switch {
				case prio == ByRank && b.Task.Priority > a.Task.Priority:
					t.Fatalf("at %v s: priority %v decided before %v", a.Now, a.Task.Priority, b.Task.Priority)
				case prio == ByArrival && b.Task.ID < a.Task.ID:
					t.Fatalf("at %v s: task %d decided before %d", a.Now, a.Task.ID, b.Task.ID)
				}
			}
			if together < 50 {
				t.Fatalf("only %d decisions shared a boundary with the one before", together)
			}
			if prio == ByRank && outOfArrival == 0 {
				t.Error("under rank, every boundary's tasks were decided in order of arrival")
			}
		})
	}
}

// TestSlottedMisuse checks the errors of the stepping API.
func TestSlottedMisuse(t *testing.T) {
	sc := testScenario(2, 1, sim.Second)
	sc.Workloads[0].Arrivals = workloads.Replay{Times: []float64{0.05}}
	events, err := NewWorld(sc, sim.NewStreams(1), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.NextSlot(); err == nil || !strings.Contains(err.Error(), "DecisionInterval") {
		t.Errorf("NextSlot on an event-driven world: %v", err)
	}
	sl := *sc
	sl.DecisionInterval = 100 * sim.Millisecond
	w, err := NewWorld(&sl, sim.NewStreams(1), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // boundaries 0 and 0.1 s
		if _, err := w.NextSlot(); err != nil {
			t.Fatal(err)
		}
	}
	if w.Waiting(0) != 1 || w.Waiting(1) != 1 {
		t.Fatalf("%d and %d tasks waiting, want 1 each", w.Waiting(0), w.Waiting(1))
	}
	for _, c := range []struct {
		name  string
		phone int
		d     policies.Decision
		want  string
	}{
		{"target out of range", 0, policies.Decision{Target: 9}, "target 9 of 3"},
		{"negative target", 0, policies.Decision{Target: -1}, "target -1"},
		{"split of a vision task", 0, policies.Decision{Target: 0, Split: true, DecodeTarget: 1}, "LLM requests only"},
		{"no such phone", 2, policies.Decision{}, "phone 2 of 2"},
	} {
		if err := w.DecideWaiting(c.phone, c.d); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if w.Waiting(0) != 1 {
		t.Fatal("a refused decision took the task off the queue")
	}
	if err := w.DecideWaiting(0, policies.Decision{Target: 0}); err != nil {
		t.Fatal(err)
	}
	if err := w.DecideWaiting(0, policies.Decision{Target: 0}); err == nil || !strings.Contains(err.Error(), "no task waiting") {
		t.Errorf("deciding for an idle phone: %v", err)
	}
	if _, err := w.ObserveWaiting(0); err == nil {
		t.Error("observing an idle phone's next task: no error")
	}
	o, err := w.ObservePhone(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Targets) != 3 || o.Targets[0].Kind != policies.Local || o.Targets[2].Kind != policies.Cloud || o.Task.ID != -1 {
		t.Errorf("idle observation %+v", o)
	}
	if _, err := w.Run("x"); err == nil {
		t.Error("Run on a world already stepped: no error")
	}
}

// TestEdgeLoadIdentity checks the edge's per-slot utilisation on a whole
// run: summed over the slots, EdgeLoad × processors × interval is the
// busy time of the edge, the number of tasks it ran × their 2 ms compute
// time; every slot's load lies in [0, 1], and a world whose work stays on
// the phones has none.
func TestEdgeLoadIdentity(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy policies.Policy
	}{
		{"edge", policies.EdgeNearest{}},
		{"local", policies.AlwaysLocal{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := testScenario(3, 20, 5*sim.Second)
			sc.DecisionInterval = 10 * sim.Millisecond
			w, err := NewWorld(sc, sim.NewStreams(2), c.policy)
			if err != nil {
				t.Fatal(err)
			}
			var busy float64
			for {
				more, err := w.NextSlot()
				if err != nil {
					t.Fatal(err)
				}
				if l := w.EdgeLoad(); l < 0 || l > 1+1e-12 {
					t.Fatalf("slot ending at %v: load %g", w.Boundary(), l)
				}
				busy += w.EdgeLoad() * 0.010
				for i := range sc.Phones {
					for w.Waiting(i) > 0 {
						obs, err := w.ObserveWaiting(i)
						if err != nil {
							t.Fatal(err)
						}
						d, _ := c.policy.Decide(obs)
						if err := w.DecideWaiting(i, d); err != nil {
							t.Fatal(err)
						}
					}
				}
				if !more {
					break
				}
			}
			tasks, err := w.Results("test")
			if err != nil {
				t.Fatal(err)
			}
			onEdge := 0
			for _, r := range tasks {
				if r.Place == "edge-0" && r.Status == results.StatusOK {
					onEdge++
				}
			}
			if want := 0.002 * float64(onEdge); math.Abs(busy-want) > 1e-9 {
				t.Errorf("edge busy %.9f s over the slots, %d tasks × 2 ms = %.9f s", busy, onEdge, want)
			}
			if (c.name == "edge") != (onEdge > 0) {
				t.Errorf("%d tasks on the edge", onEdge)
			}
		})
	}
}

// TestSlotBound checks the slot bound: by hand for a lone task (the wait
// for the first boundary), and for DAG jobs under several policies, that
// no job beats it, that its part beyond the first wait is a whole number
// of intervals no more than the graph's levels allow, and that fast
// placements come within an interval of it (the bound is not loose).
func TestSlotBound(t *testing.T) {
	sc := testScenario(1, 1, sim.Second)
	sc.Workloads[0].Arrivals = workloads.Replay{Times: []float64{0.03}}
	sc.DecisionInterval = 100 * sim.Millisecond
	w, err := NewWorld(sc, sim.NewStreams(1), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run("local"); err != nil {
		t.Fatal(err)
	}
	if b := w.SlotBound(0); math.Abs(b-0.07) > 1e-9 {
		t.Errorf("lone task: bound %v s, want 0.07 s", b)
	}
	if w.SlotBound(-1) != 0 || w.SlotBound(99) != 0 {
		t.Error("a bound for an id that is no task")
	}
	sc.DecisionInterval = 0
	events, err := NewWorld(sc, sim.NewStreams(1), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.Run("local"); err != nil {
		t.Fatal(err)
	}
	if b := events.SlotBound(0); b != 0 {
		t.Errorf("event-driven world: bound %v s, want 0", b)
	}

	const iv = 0.1
	for _, p := range []struct {
		name string
		p    policies.Policy
	}{{"local", policies.AlwaysLocal{}}, {"edge-nearest", policies.EdgeNearest{}}, {"cloud", policies.AlwaysCloud{}}, {"greedy-latency", policies.GreedyLatency{}}} {
		t.Run(p.name, func(t *testing.T) {
			sc := dagScenario(100*sim.Millisecond, ByRank)
			w, err := NewWorld(sc, sim.NewStreams(3), p.p)
			if err != nil {
				t.Fatal(err)
			}
			tasks, err := w.Run(p.name)
			if err != nil {
				t.Fatal(err)
			}
			var jobs, near, deepest int
			rows := map[int64]bool{}
			var last int64
			for _, r := range tasks {
				rows[r.ID], last = true, max(last, r.ID)
				b := w.SlotBound(r.ID)
				if r.Kind != "dag" {
					// A lone task: the wait for its first boundary.
					if want := math.Ceil(r.Arrival/iv-1e-9)*iv - r.Arrival; math.Abs(b-want) > 1e-9 {
						t.Fatalf("task %d: bound %v s, want %v s", r.ID, b, want)
					}
					continue
				}
				jobs++
				if !(r.Latency > b) {
					t.Fatalf("job %d: latency %v s at or below its bound %v s", r.ID, r.Latency, b)
				}
				wait := math.Ceil(r.Arrival/iv-1e-9)*iv - r.Arrival
				levels := (b - wait) / iv
				if k := math.Round(levels); math.Abs(levels-k) > 1e-6 || k < 0 || k > 2 {
					t.Fatalf("job %d: bound %v s is %v intervals past the first wait, want 0, 1 or 2", r.ID, b, levels)
				}
				deepest = max(deepest, int(math.Round(levels)))
				if r.Latency < b+iv {
					near++
				}
			}
			for id := range last {
				if !rows[id] && w.SlotBound(id) != 0 {
					t.Fatalf("task %d, a subtask: bound %v s, want 0 (its job's row has it)", id, w.SlotBound(id))
				}
			}
			if jobs < 50 || deepest != 2 {
				t.Fatalf("%d jobs, deepest %d levels below the first", jobs, deepest)
			}
			if p.name != "local" && 2*near < jobs {
				t.Errorf("%d of %d jobs within an interval of their bound: want most", near, jobs)
			}
			t.Logf("%d jobs, %d within an interval of the bound", jobs, near)
		})
	}
}

// queueSpy sends every task to the first edge site in reach and records
// the largest queue any observation showed at a server (an edge site or
// the cloud).
type queueSpy struct{ seen int }

func (q *queueSpy) Decide(o *policies.Observation) (policies.Decision, error) {
	d := policies.Decision{}
	for i, tg := range o.Targets {
		if tg.Kind == policies.Edge || tg.Kind == policies.Cloud {
			q.seen = max(q.seen, tg.QueueLen)
		}
		if tg.Kind == policies.Edge && d.Target == 0 {
			d.Target = i
		}
	}
	return d, nil
}

// TestStaleStateOfDAGSubtasks: DAG subtasks see the servers' queues as
// last reported, like other tasks: with a report only at time 0 (stale
// state longer than the run) every observation shows idle servers,
// while fresh state shows the queue the edge builds.
func TestStaleStateOfDAGSubtasks(t *testing.T) {
	for _, stale := range []sim.Time{0, 100 * sim.Second} {
		sc := dagScenario(0, ByRank)
		sc.Workloads = sc.Workloads[1:] // DAG jobs alone
		sc.StaleState = stale
		spy := &queueSpy{}
		run(t, sc, sim.NewStreams(4), spy)
		switch {
		case stale == 0 && spy.seen == 0:
			t.Error("fresh state: no observation saw a queue at the edge")
		case stale > 0 && spy.seen != 0:
			t.Errorf("state reported only at time 0: an observation saw a queue of %d", spy.seen)
		}
	}
}

// edgeFrom sends the tasks of the phones below phones to the first edge
// site in reach, and the others' to their own CPU.
type edgeFrom struct{ phones int }

func (e edgeFrom) Decide(o *policies.Observation) (policies.Decision, error) {
	if o.Device.Index < e.phones {
		for i, tg := range o.Targets {
			if tg.Kind == policies.Edge {
				return policies.Decision{Target: i}, nil
			}
		}
	}
	return policies.Decision{}, nil
}

// TestImposedIsTheWaiting: at a site of one processor, the waiting the
// phones' tasks impose on the tasks behind them (SlotStats.Imposed),
// summed over phones and slots, is the total time tasks waited there
// (while a task waits the processor is busy, and the task busy on it is
// charged as it finishes); with two processors it is a lower bound, not
// far below; and it is charged to the phone whose task made the others
// wait: with one phone offloading, to that phone alone.
func TestImposedIsTheWaiting(t *testing.T) {
	for _, c := range []struct {
		servers, offloading int
	}{{1, 3}, {2, 3}, {1, 1}} {
		sc := dagScenario(100*sim.Millisecond, ByRank)
		sc.Sites[0].Servers = c.servers
		w, err := NewWorld(sc, sim.NewStreams(5), edgeFrom{c.offloading})
		if err != nil {
			t.Fatal(err)
		}
		w.MeasureImposed()
		imposed := make([]float64, sc.Phones)
		for {
			more, err := w.NextSlot()
			if err != nil {
				t.Fatal(err)
			}
			for i := range sc.Phones {
				imposed[i] += w.SlotStats(i).Imposed
				for w.Waiting(i) > 0 {
					obs, err := w.ObserveWaiting(i)
					if err != nil {
						t.Fatal(err)
					}
					d, _ := edgeFrom{c.offloading}.Decide(obs)
					if err := w.DecideWaiting(i, d); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !more {
				break
			}
		}
		var waited float64
		for i := range w.tasks {
			tk := &w.tasks[i]
			if isLocal(tk.place) || tk.refused != ranOK || tk.job >= 0 && tk.sub < 0 {
				continue
			}
			waited += (tk.start - tk.queued).Seconds()
		}
		total := 0.0
		for i, v := range imposed {
			total += v
			if i >= c.offloading && v != 0 {
				t.Errorf("%+v: phone %d, which offloads nothing, charged %v s", c, i, v)
			}
		}
		if waited < 0.1 {
			t.Fatalf("%+v: tasks waited %v s at the servers in all: too little to check", c, waited)
		}
		switch {
		case c.servers == 1 && math.Abs(total-waited) > 1e-9*waited:
			t.Errorf("%+v: imposed %.9f s in all, tasks waited %.9f s", c, total, waited)
		case c.servers > 1 && !(total > 0.5*waited && total <= waited*(1+1e-9)):
			t.Errorf("%+v: imposed %.9f s in all, tasks waited %.9f s: want a lower bound, not far below", c, total, waited)
		}
		t.Logf("%+v: %.3f s of waiting, charged %v", c, waited, imposed)
	}
}

// TestSiblingsSeeEachOther: a DAG subtask sent to a station is counted
// there (a task on its way) from the decision on, so that the next
// decision of the same boundary, a sibling's, sees it in the queue.
func TestSiblingsSeeEachOther(t *testing.T) {
	sc := dagScenario(100*sim.Millisecond, ByRank)
	sc.Workloads = sc.Workloads[1:] // DAG jobs alone
	w, err := NewWorld(sc, sim.NewStreams(6), edgeFrom{3})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for checked < 20 {
		more, err := w.NextSlot()
		if err != nil {
			t.Fatal(err)
		}
		for i := range sc.Phones {
			for w.Waiting(i) > 0 {
				obs, err := w.ObserveWaiting(i)
				if err != nil {
					t.Fatal(err)
				}
				d, _ := edgeFrom{3}.Decide(obs)
				tg := obs.Targets[d.Target]
				before := tg.QueueLen
				if err := w.DecideWaiting(i, d); err != nil {
					t.Fatal(err)
				}
				if tg.Kind != policies.Edge || w.Waiting(i) == 0 {
					continue
				}
				next, err := w.ObserveWaiting(i)
				if err != nil {
					t.Fatal(err)
				}
				for _, nt := range next.Targets {
					if nt.Kind == policies.Edge && nt.Index == tg.Index {
						if nt.QueueLen != before+1 {
							t.Fatalf("after a subtask to %s (queue %d), its sibling sees a queue of %d", tg.Name, before, nt.QueueLen)
						}
						checked++
					}
				}
			}
		}
		if !more {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no boundary with two subtasks of one phone for the edge")
	}
}

// TestObserveWaitingAsIs: with the servers' state reported only at time
// 0, ObserveWaiting shows every edge queue empty, while
// ObserveWaitingAsIs shows, target by target, exactly what a world with
// fresh state shows after the same decisions.
func TestObserveWaitingAsIs(t *testing.T) {
	newWorld := func(stale sim.Time) *World {
		sc := dagScenario(100*sim.Millisecond, ByRank)
		sc.StaleState = stale
		w, err := NewWorld(sc, sim.NewStreams(5), edgeFrom{3})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	stale, fresh := newWorld(100*sim.Second), newWorld(0)
	var compared, queued int
	for {
		more, err := stale.NextSlot()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fresh.NextSlot(); err != nil {
			t.Fatal(err)
		}
		for i := range stale.sc.Phones {
			for stale.Waiting(i) > 0 {
				seen, err := stale.ObserveWaiting(i)
				if err != nil {
					t.Fatal(err)
				}
				for _, tg := range seen.Targets {
					if tg.Kind == policies.Edge && tg.QueueLen != 0 {
						t.Fatalf("phone %d: the stale view shows %d tasks at %s", i, tg.QueueLen, tg.Name)
					}
				}
				d, _ := edgeFrom{3}.Decide(seen)
				asIs, err := stale.ObserveWaitingAsIs(i)
				if err != nil {
					t.Fatal(err)
				}
				if stale.obsID != -1 {
					t.Fatal("the decision would be carried out on the as-is view, not the phone's")
				}
				got := slices.Clone(asIs.Targets)
				want, err := fresh.ObserveWaiting(i)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want.Targets) {
					t.Fatalf("phone %d, task %d: as it is\n%+v\nfresh\n%+v", i, want.Task.ID, got, want.Targets)
				}
				for _, tg := range got {
					if tg.Kind == policies.Edge && tg.QueueLen > 0 {
						queued++
					}
				}
				compared++
				if err := stale.DecideWaiting(i, d); err != nil {
					t.Fatal(err)
				}
				if err := fresh.DecideWaiting(i, d); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !more {
			break
		}
	}
	if compared < 100 || queued < 10 {
		t.Fatalf("%d observations compared, %d with an edge queue: too few to check", compared, queued)
	}
}

// cloudSpy sends every task to the cloud and checks, for each DAG
// subtask whose parents ran there, the energy the edge targets are
// estimated at: the phone idles while the parents' results cross the WAN
// to the site, as the job's realised energy counts it, as well as while
// the subtask waits and runs there; no radio energy is spent.
type cloudSpy struct {
	t               *testing.T
	idle, rx, cpu   float64 // idle, receive and CPU power, W
	checked, locals int
}

func (c *cloudSpy) Decide(o *policies.Observation) (policies.Decision, error) {
	cloud := len(o.Targets) - 1
	if o.Task.Kind != "dag" || o.Task.Level == 0 || o.Task.Children == 0 {
		return policies.Decision{Target: cloud}, nil
	}
	wan := -1.0
	for _, tg := range o.Targets {
		if tg.Kind != policies.Edge {
			continue
		}
		want := c.idle * (tg.TransferTime + tg.QueueWait + tg.ComputeTime)
		if !(tg.TransferTime > 0) || math.Abs(tg.Energy-want) > 1e-12*want {
			c.t.Errorf("task %d at %s: estimated energy %v J, want idle power × (WAN %v s + wait %v s + compute %v s) = %v J",
				o.Task.ID, tg.Name, tg.Energy, tg.TransferTime, tg.QueueWait, tg.ComputeTime, want)
		}
		wan = tg.TransferTime
		c.checked++
	}
	// At the phone the same inputs cross the WAN, then come down the
	// radio: received at Rx power, idle over the WAN, the CPU running.
	if local := o.Targets[0]; wan > 0 {
		down := local.TransferTime - wan
		want := c.rx*down + c.idle*wan + c.cpu*local.ComputeTime
		if !(down > 0) || math.Abs(local.Energy-want) > 1e-12*want {
			c.t.Errorf("task %d at the phone: estimated energy %v J, want %v J", o.Task.ID, local.Energy, want)
		}
		c.locals++
	}
	return policies.Decision{Target: cloud}, nil
}

func TestSubtaskEnergyCountsIdleWhileCarried(t *testing.T) {
	sc := dagScenario(100*sim.Millisecond, ByRank)
	sc.Workloads = sc.Workloads[1:] // DAG jobs alone
	// One subtask a layer, one parent each: the phone's input time is
	// then the WAN's plus the radio's.
	sc.Workloads[0].Job.Width = workloads.IntRange{Min: 1, Max: 1}
	spy := &cloudSpy{t: t, idle: sc.IdlePowerW, rx: sc.RxPowerW, cpu: sc.PhoneCPU.Power()}
	run(t, sc, sim.NewStreams(3), spy)
	if spy.checked < 20 || spy.locals < 10 {
		t.Fatalf("%d edge and %d phone estimates checked: too few", spy.checked, spy.locals)
	}
}
