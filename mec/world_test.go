package mec

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// testModel is a made-up model with round numbers: 1e8 MACs (2e8 ops),
// an input of 125,000 bytes (1 Mbit) and an output of 1,250 bytes (10 kbit).
var testModel = workloads.Model{
	Name: "test-net", MACs: 1e8, Params: 1e6, InputBytes: 125000, OutputBytes: 1250,
}

// computeBound returns a processor that runs testModel in exactly
// seconds: compute-bound, efficiency 1, no overhead.
func computeBound(name string, seconds, activeW float64) devices.Cost {
	d := &devices.Device{Name: name, MemoryBytes: 1e12, UsableMemory: 1, Bandwidth: 1e18, PairShare: 1}
	d.Processors = []devices.Processor{{Name: "p", Kind: devices.CPU, BWShare: 1, ActiveW: activeW}}
	d.Processors[0].Peak[devices.FP32] = testModel.Ops() / seconds
	return devices.Placement{
		Device: d, Proc: &d.Processors[0], Engine: &devices.Engine{Name: "test"},
		F: devices.Factors{Kind: devices.CPU, DType: devices.FP32, ComputeEff: 1, MemEff: 1},
	}
}

// testScenario has one edge site at the centre of a 200 m square and
// phones within its coverage.
func testScenario(phones int, rate float64, duration sim.Time) *Scenario {
	return &Scenario{
		Duration: duration, Width: 200, Height: 200, Phones: phones,
		PhoneCPU:   computeBound("phone", 0.020, 2),
		TxPowerDBm: 23, TxPowerW: 1.3, RxPowerW: 1.0, IdlePowerW: 0.1,
		UplinkHz: 10e6, DownlinkHz: 20e6,
		Channel:    topology.Channel{NoiseDBmPerHz: -174, NoiseFigureDB: 9},
		BSPowerDBm: 43,
		Sites: []Site{{Pos: topology.Point{X: 100, Y: 100}, Coverage: 500,
			Processor: computeBound("edge", 0.002, 70), Servers: 1}},
		Cloud: CloudSite{WAN: topology.WANLink{Latency: 0.04, Bandwidth: 1e9},
			Processor: computeBound("cloud", 0.001, 400), Servers: 8},
		Workloads: []Workload{{Model: testModel, Rate: rate, Deadline: 0.1}},
	}
}

func run(t testing.TB, sc *Scenario, streams sim.Streams, p policies.Policy) []results.Task {
	t.Helper()
	w, err := NewWorld(sc, streams, p)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := w.Run("test")
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

// TestLocalIsMD1 checks the world's local path against queueing theory:
// one phone with Poisson arrivals and a fixed compute time is an M/D/1
// queue, whose mean time in system is S + λS²/(2(1−ρ)) by
// Pollaczek–Khinchine. With λ = 30/s and S = 20 ms (ρ = 0.6) that is
// 35 ms; the 99% confidence interval over 30 replications must hold it.
func TestLocalIsMD1(t *testing.T) {
	const lambda, s, reps = 30.0, 0.020, 30
	rho := lambda * s
	want := s + lambda*s*s/(2*(1-rho))
	sc := testScenario(1, lambda, 600*sim.Second)
	var means sim.Summary
	for i := range reps {
		tasks := run(t, sc, sim.NewStreams(7).Derive(fmt.Sprintf("rep/%d", i)), policies.AlwaysLocal{})
		var m sim.Summary
		for _, task := range tasks {
			if task.Arrival >= 60 { // discard the first minute as warm-up
				m.Add(task.Latency)
			}
		}
		means.Add(m.Mean())
	}
	lo, hi := means.CI(0.99)
	if want < lo || want > hi {
		t.Errorf("M/D/1 mean time in system %.5f s outside the 99%% CI [%.5f, %.5f]", want, lo, hi)
	}
}

// TestIsolatedTaskLatencyByHand checks each path of the lifecycle against
// a latency summed by hand, for tasks that meet no other task: at 0.05
// tasks per second and a few tens of milliseconds each, overlaps are rare
// and are skipped.
func TestIsolatedTaskLatencyByHand(t *testing.T) {
	sc := testScenario(1, 0.05, 2000*sim.Second)
	w, err := NewWorld(sc, sim.NewStreams(3), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	d := w.where(&w.phones[0]).Dist(sc.Sites[0].Pos)
	up := 8 * testModel.InputBytes / sc.Channel.Rate(sc.UplinkHz, topology.ReceivedWatts(sc.TxPowerDBm, d))
	down := 8 * testModel.OutputBytes / sc.Channel.Rate(sc.DownlinkHz, topology.ReceivedWatts(sc.BSPowerDBm, d))
	wanIn, wanOut := 0.04+1e6/1e9, 0.04+1e4/1e9

	for _, c := range []struct {
		policy  policies.Policy
		place   string
		latency float64
		energy  float64
	}{
		{policies.AlwaysLocal{}, "local", 0.020, 2 * 0.020},
		{policies.EdgeNearest{}, "edge-0", up + 0.002 + down, 1.3*up + 1.0*down + 0.1*0.002},
		{policies.AlwaysCloud{}, "cloud", up + wanIn + 0.001 + wanOut + down, 1.3*up + 1.0*down + 0.1*(wanIn+0.001+wanOut)},
	} {
		t.Run(c.place, func(t *testing.T) {
			tasks := run(t, sc, sim.NewStreams(3), c.policy)
			if len(tasks) < 50 {
				t.Fatalf("only %d tasks", len(tasks))
			}
			checked := 0
			for i, task := range tasks {
				if task.Place != c.place {
					t.Fatalf("task %d ran at %s", task.ID, task.Place)
				}
				if i > 0 && tasks[i-1].Finish > task.Arrival || i+1 < len(tasks) && tasks[i+1].Arrival < task.Finish {
					continue // overlapped another task
				}
				checked++
				if math.Abs(task.Latency-c.latency) > 5e-9 {
					t.Errorf("task %d latency %.9f s, want %.9f s", task.ID, task.Latency, c.latency)
				}
				if math.Abs(task.Energy-c.energy) > 1e-8 {
					t.Errorf("task %d energy %.9f J, want %.9f J", task.ID, task.Energy, c.energy)
				}
				if !task.Met {
					t.Errorf("task %d missed its deadline at %.3f s", task.ID, task.Latency)
				}
			}
			if checked < len(tasks)/2 {
				t.Errorf("only %d of %d tasks isolated", checked, len(tasks))
			}
		})
	}
}

// TestCommonRandomNumbers checks that every policy sees the same tasks:
// same IDs, phones, models and arrival times.
func TestCommonRandomNumbers(t *testing.T) {
	sc := testScenario(5, 3, 30*sim.Second)
	streams := sim.NewStreams(11)
	base := run(t, sc, streams, policies.AlwaysLocal{})
	for _, p := range []policies.Policy{policies.AlwaysCloud{}, policies.EdgeNearest{}, policies.GreedyLatency{}} {
		got := run(t, sc, streams, p)
		if len(got) != len(base) {
			t.Fatalf("%T: %d tasks, want %d", p, len(got), len(base))
		}
		for i := range got {
			a, b := got[i], base[i]
			if a.ID != b.ID || a.Device != b.Device || a.Model != b.Model || a.Arrival != b.Arrival {
				t.Fatalf("%T: task %d differs: %+v vs %+v", p, i, a, b)
			}
		}
	}
}

// TestDeterministic runs the same world twice.
func TestDeterministic(t *testing.T) {
	sc := testScenario(8, 4, 20*sim.Second)
	a := run(t, sc, sim.NewStreams(5), policies.GreedyLatency{})
	b := run(t, sc, sim.NewStreams(5), policies.GreedyLatency{})
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs of the same world differ")
	}
	c := run(t, sc, sim.NewStreams(6), policies.GreedyLatency{})
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds gave the same run")
	}
}

// TestContentionSlowsUploads checks that sharing the uplink matters: many
// phones offloading at once see longer mean latency at the edge than one.
func TestContentionSlowsUploads(t *testing.T) {
	alone := results.Summarize("test", run(t, testScenario(1, 2, 60*sim.Second), sim.NewStreams(2), policies.EdgeNearest{}))
	crowd := results.Summarize("test", run(t, testScenario(40, 2, 60*sim.Second), sim.NewStreams(2), policies.EdgeNearest{}))
	if crowd.MeanLatency <= 1.5*alone.MeanLatency {
		t.Errorf("40 phones: mean latency %.4f s, 1 phone: %.4f s; want contention", crowd.MeanLatency, alone.MeanLatency)
	}
}

type badPolicy struct{ target int }

func (p badPolicy) Decide(*policies.Observation) (policies.Decision, error) {
	return policies.Decision{Target: p.target}, nil
}

func TestBadDecisionIsAnError(t *testing.T) {
	w, err := NewWorld(testScenario(1, 5, 10*sim.Second), sim.NewStreams(1), badPolicy{target: 99})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run("bad"); err == nil {
		t.Error("out-of-range target accepted")
	}
}

func TestScenarioCheck(t *testing.T) {
	sc := testScenario(1, 1, sim.Second)
	sc.UplinkHz = 0
	sc.Workloads[0].Rate = -1
	if _, err := NewWorld(sc, sim.NewStreams(1), policies.AlwaysLocal{}); err == nil {
		t.Error("bad scenario accepted")
	}
}

// BenchmarkWorld measures the whole lifecycle: 50 phones choosing by
// greedy-latency among local, one edge site and the cloud.
func BenchmarkWorld(b *testing.B) {
	sc := testScenario(50, 2, 100*sim.Second)
	b.ReportAllocs()
	var events uint64
	for b.Loop() {
		w, err := NewWorld(sc, sim.NewStreams(1), policies.GreedyLatency{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Run("bench"); err != nil {
			b.Fatal(err)
		}
		events += w.k.Fired()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// TestOneRadioPerPhone checks that a phone's uploads go one at a time: with
// tasks arriving faster than they can be sent, no two uploads of a phone
// overlap, and the phone's transmit energy is its radio-on time, not more.
func TestOneRadioPerPhone(t *testing.T) {
	sc := testScenario(1, 200, 2*sim.Second) // ~400 tasks of 1 Mbit each
	w, err := NewWorld(sc, sim.NewStreams(4), policies.EdgeNearest{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := w.Run("test")
	if err != nil {
		t.Fatal(err)
	}
	var txBusy, prevEnd sim.Time
	for id := range w.tasks {
		task := &w.tasks[id]
		if task.txStart < prevEnd {
			t.Fatalf("task %d upload starts at %v, before the previous one ended at %v", id, task.txStart, prevEnd)
		}
		prevEnd = task.txStart + task.txTime
		txBusy += task.txTime
	}
	var energy, makespan float64
	for _, task := range tasks {
		energy += task.Energy
		makespan = max(makespan, task.Finish)
	}
	// Transmit at 1.3 W for txBusy, receive at 1.0 W, idle at 0.1 W for at
	// most the whole run: the total cannot exceed that.
	bound := 1.3*txBusy.Seconds() + 1.0*makespan + 0.1*makespan
	if energy > bound {
		t.Errorf("energy %.4f J exceeds the single-radio bound %.4f J", energy, bound)
	}
}

// TestUnreachableCellIsAnError checks that a transfer that can never end
// stops the run with an error instead of a panic.
func TestUnreachableCellIsAnError(t *testing.T) {
	sc := testScenario(1, 1, 10*sim.Second)
	sc.TxPowerDBm = -1e6 // no signal at all
	sc.Workloads[0].Model.InputBytes = 1e300
	w, err := NewWorld(sc, sim.NewStreams(1), policies.EdgeNearest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run("x"); err == nil {
		t.Error("a transfer that never ends did not fail the run")
	}
}

// tinyLLM is a small made-up decoder for world tests.
var tinyLLM = workloads.LLM{
	Name: "tiny", Layers: 4, Hidden: 256, Heads: 4, KVHeads: 4, HeadDim: 64, FFN: 1024, Vocab: 1000,
	GatedFFN: true, NormsPerLayer: 2, MaxContext: 2048,
}

var fp16 = workloads.Quant{Name: "fp16", BitsPerWeight: 16, Compute: "fp16", KVBytes: 2}

func llmScenario(rate float64) *Scenario {
	sc := testScenario(1, rate, 2000*sim.Second)
	sc.Workloads = []Workload{{
		Kind: LLM, LLM: tinyLLM, Quant: fp16, Rate: rate, Deadline: 5,
		PromptTokens: 100, OutputTokens: 20, TokenBytes: 4, TTFTSLO: 1, TPOTSLO: 0.05,
	}}
	return sc
}

// TestLLMTimesByHand checks TTFT and TPOT of isolated LLM requests against
// sums of the cost model's prefill and decode times, locally and at the
// edge, where the first token and then the rest cross the downlink.
func TestLLMTimesByHand(t *testing.T) {
	sc := llmScenario(0.02)
	wl := &sc.Workloads[0]
	decode := func(c devices.Cost) (sum float64) {
		for j := 1; j < wl.OutputTokens; j++ {
			sum += c.Decode(wl.LLM, wl.Quant, wl.PromptTokens+j)
		}
		return sum
	}
	w, err := NewWorld(sc, sim.NewStreams(9), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	d := w.where(&w.phones[0]).Dist(sc.Sites[0].Pos)
	up := 8 * 100 * 4 / sc.Channel.Rate(sc.UplinkHz, topology.ReceivedWatts(sc.TxPowerDBm, d))
	downRate := sc.Channel.Rate(sc.DownlinkHz, topology.ReceivedWatts(sc.BSPowerDBm, d))
	downFirst, downRest := 8*4/downRate, 8*4*19/downRate
	edge := sc.Sites[0].Processor

	for _, c := range []struct {
		policy     policies.Policy
		place      string
		ttft, tpot float64
	}{
		{policies.AlwaysLocal{}, "local",
			sc.PhoneCPU.Prefill(wl.LLM, wl.Quant, 100), decode(sc.PhoneCPU) / 19},
		{policies.EdgeNearest{}, "edge-0",
			up + edge.Prefill(wl.LLM, wl.Quant, 100) + downFirst, (decode(edge) + downRest - downFirst) / 19},
	} {
		t.Run(c.place, func(t *testing.T) {
			tasks := run(t, sc, sim.NewStreams(9), c.policy)
			checked := 0
			for i, task := range tasks {
				if task.Kind != "llm" || task.Place != c.place || task.Status != "ok" {
					t.Fatalf("task %d: %s at %s, %s", task.ID, task.Kind, task.Place, task.Status)
				}
				if i > 0 && tasks[i-1].Finish > task.Arrival || i+1 < len(tasks) && tasks[i+1].Arrival < task.Finish {
					continue
				}
				checked++
				if math.Abs(task.TTFT-c.ttft) > 1e-8 || math.Abs(task.TPOT-c.tpot) > 1e-8 {
					t.Fatalf("task %d: TTFT %.9f TPOT %.9f, want %.9f and %.9f", task.ID, task.TTFT, task.TPOT, c.ttft, c.tpot)
				}
			}
			if checked < 10 {
				t.Errorf("only %d isolated tasks", checked)
			}
		})
	}
}

// TestModelTooBigIsRefused checks that a model that does not fit the
// chosen place's memory is refused there, and that greedy-latency avoids
// such a place.
func TestModelTooBigIsRefused(t *testing.T) {
	sc := llmScenario(0.5)
	small := *sc.PhoneCPU.(devices.Placement).Device
	small.MemoryBytes = 1e6 // far below the tiny model's weights
	pl := sc.PhoneCPU.(devices.Placement)
	pl.Device = &small
	sc.PhoneCPU = pl
	sc.Duration = 20 * sim.Second
	for _, c := range []struct {
		policy  policies.Policy
		refused bool
	}{{policies.AlwaysLocal{}, true}, {policies.GreedyLatency{}, false}} {
		s := results.Summarize("test", run(t, sc, sim.NewStreams(1), c.policy))
		if (s.Refused > 0) != c.refused || s.Refused+s.Tasks == 0 {
			t.Errorf("%T: %d refused of %d", c.policy, s.Refused, s.Refused+s.Tasks)
		}
	}
}

// TestSustainedLocalWorkThrottles checks that a phone kept busy heats up
// and slows down: with the SoC's thermal model on, the last requests of a
// saturated run take longer per token than the first, by about the clock
// floor once the phone is hot.
func TestSustainedLocalWorkThrottles(t *testing.T) {
	sc := llmScenario(100) // far more requests than the phone can serve: it never idles
	sc.Duration = 40 * sim.Second
	pl := sc.PhoneCPU.(devices.Placement)
	dev := *pl.Device
	dev.BasePowerW = 1
	dev.Thermal = devices.Thermal{CapacityJPerK: 12, ResistanceKPerW: 4, AmbientC: 25, TripC: 40, MaxC: 48, MinClock: 0.5}
	pl.Device = &dev
	proc := *pl.Proc
	proc.ActiveW = 10 // steady state 25 + 11·4 = 69 °C, past MaxC after 48·ln(44/21) = 35.5 s
	pl.Proc = &proc
	sc.PhoneCPU = pl
	tasks := run(t, sc, sim.NewStreams(2), policies.AlwaysLocal{})
	first, last := tasks[0], tasks[len(tasks)-1]
	if ratio := first.TPOT / last.TPOT; math.Abs(ratio-0.5) > 0.02 {
		t.Errorf("TPOT first %.6f s, last %.6f s: ratio %.3f, want the clock floor 0.5", first.TPOT, last.TPOT, ratio)
	}
}

// TestFlatBatteryStopsWork checks that a phone whose battery runs flat
// takes no more tasks: with a battery for about ten local inferences,
// later tasks are refused as battery-flat.
func TestFlatBatteryStopsWork(t *testing.T) {
	sc := testScenario(1, 5, 20*sim.Second)
	pl := sc.PhoneCPU.(devices.Placement)
	dev := *pl.Device
	dev.Battery = devices.Battery{CapacityWh: 10.5 * 2 * 0.020 / devices.JoulesPerWh} // 10.5 tasks of 2 W × 20 ms
	pl.Device = &dev
	sc.PhoneCPU = pl
	tasks := run(t, sc, sim.NewStreams(3), policies.AlwaysLocal{})
	ran, flat := 0, 0
	for i, task := range tasks {
		switch task.Status {
		case results.StatusOK:
			ran++
			if flat > 0 {
				t.Fatalf("task %d ran after the battery ran flat", i)
			}
		case results.StatusBatteryFlat:
			flat++
			if task.Place != "none" {
				t.Errorf("task %d refused for a flat battery shows place %s", i, task.Place)
			}
		}
	}
	// The eleventh task starts with half a task's charge left and runs
	// the battery flat; a task queued behind it was already accepted.
	if ran < 11 || ran > 12 || flat == 0 {
		t.Errorf("%d tasks ran and %d were refused; want 11 or 12 to run, the rest refused", ran, flat)
	}
}

// edgeHeavy is a scenario in which phones offload to one busy edge server:
// two models, one ten times the other's compute, at 70% load.
func edgeHeavy(d Discipline, limit int, forward bool, batch int) *Scenario {
	sc := testScenario(20, 1, 100*sim.Second)
	big := testModel
	big.Name, big.MACs = "big", 10*testModel.MACs
	sc.Workloads = []Workload{
		{Model: testModel, Rate: 10, Deadline: 0.05},
		{Model: big, Rate: 1, Deadline: 0.5},
	}
	// edge: 2 ms per small task, 20 ms per big one: load 20·(10·2 + 1·20) ms/s = 0.8
	sc.Sites[0].Discipline, sc.Sites[0].QueueLimit, sc.Sites[0].ForwardWhenFull, sc.Sites[0].Batch = d, limit, forward, batch
	sc.UplinkHz, sc.DownlinkHz = 1e9, 1e9 // keep the radio out of the way
	return sc
}

// TestQueueDisciplines checks the orderings against what queueing theory
// says of them: shortest-job-first lowers the mean time in system below
// FIFO's (it minimises mean waiting among non-preemptive disciplines), and
// earliest-deadline-first misses no more deadlines than FIFO.
func TestQueueDisciplines(t *testing.T) {
	sum := map[Discipline]results.PolicySummary{}
	for _, d := range []Discipline{FIFO, SJF, EDF} {
		sum[d] = results.Summarize("test", run(t, edgeHeavy(d, 0, false, 1), sim.NewStreams(8), policies.EdgeNearest{}))
	}
	if !(sum[SJF].MeanLatency < sum[FIFO].MeanLatency) {
		t.Errorf("SJF mean %.5f s, FIFO %.5f s: want SJF lower", sum[SJF].MeanLatency, sum[FIFO].MeanLatency)
	}
	if sum[EDF].DeadlineMiss > sum[FIFO].DeadlineMiss {
		t.Errorf("EDF misses %.4f, FIFO %.4f: want EDF no higher", sum[EDF].DeadlineMiss, sum[FIFO].DeadlineMiss)
	}
	t.Logf("mean latency FIFO %.2f ms, SJF %.2f ms, EDF %.2f ms; misses %.3f %.3f %.3f",
		1e3*sum[FIFO].MeanLatency, 1e3*sum[SJF].MeanLatency, 1e3*sum[EDF].MeanLatency,
		sum[FIFO].DeadlineMiss, sum[SJF].DeadlineMiss, sum[EDF].DeadlineMiss)
}

// TestAdmissionControl checks a full queue: refused tasks are recorded as
// queue-full; with forwarding they run in the cloud instead.
func TestAdmissionControl(t *testing.T) {
	refused := results.Summarize("test", run(t, edgeHeavy(FIFO, 1, false, 1), sim.NewStreams(8), policies.EdgeNearest{}))
	if refused.Refused == 0 || refused.Forwarded != 0 {
		t.Errorf("refuse mode: %d refused, %d forwarded", refused.Refused, refused.Forwarded)
	}
	tasks := run(t, edgeHeavy(FIFO, 1, true, 1), sim.NewStreams(8), policies.EdgeNearest{})
	fwd := results.Summarize("test", tasks)
	if fwd.Refused != 0 || fwd.Forwarded == 0 || fwd.PlaceFractions["cloud"] == 0 {
		t.Errorf("forward mode: %d refused, %d forwarded, cloud share %v", fwd.Refused, fwd.Forwarded, fwd.PlaceFractions["cloud"])
	}
	for _, task := range tasks {
		if task.Forwarded && (task.Place != "cloud" || task.Latency < 0.08) {
			t.Fatalf("forwarded task %d at %s in %.4f s: want the cloud, after the WAN round trip", task.ID, task.Place, task.Latency)
		}
	}
}

// TestBatchingRaisesThroughput checks that a memory-bound edge server
// serves an overload in batches: weights are read once per batch, so the
// same load that swamps it one image at a time is carried with batches.
func TestBatchingRaisesThroughput(t *testing.T) {
	mk := func(batch int) *Scenario {
		sc := edgeHeavy(FIFO, 0, false, batch)
		sc.Workloads = sc.Workloads[:1]
		sc.Workloads[0].Rate = 20 // 400 tasks/s
		// 1e6 params at fp32 = 4 MB read per call at 1 GB/s: 4 ms; compute
		// 0.2 ms per image.
		d := &devices.Device{Name: "membound", MemoryBytes: 1e12, UsableMemory: 1, Bandwidth: 1e9, PairShare: 1}
		d.Processors = []devices.Processor{{Name: "g", Kind: devices.GPU, BWShare: 1, ActiveW: 50}}
		d.Processors[0].Peak[devices.FP32] = testModel.Ops() / 0.0002
		sc.Sites[0].Processor = devices.Placement{Device: d, Proc: &d.Processors[0], Engine: &devices.Engine{Name: "t"},
			F: devices.Factors{Kind: devices.GPU, DType: devices.FP32, ComputeEff: 1, MemEff: 1}}
		sc.Duration = 10 * sim.Second
		return sc
	}
	one := results.Summarize("test", run(t, mk(1), sim.NewStreams(5), policies.EdgeNearest{}))
	many := results.Summarize("test", run(t, mk(16), sim.NewStreams(5), policies.EdgeNearest{}))
	// One at a time the load is 400 × 4.2 ms = 1.7: the queue grows
	// without bound. In batches of 16 (7.2 ms) it is 400 × 0.45 ms = 0.18.
	if !(many.MeanLatency < one.MeanLatency/10) {
		t.Errorf("mean latency batch 16: %.4f s, batch 1: %.4f s; want batching far faster", many.MeanLatency, one.MeanLatency)
	}
}

// TestD2DPoolsLoad checks D2D offloading: phones whose own processors are
// 80% busy gain by sending work to idle cluster peers when they are close
// together, and nothing changes when they are too far apart for the link.
func TestD2DPoolsLoad(t *testing.T) {
	link, err := d2d.Preset("wifi-direct-5g-20")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(side float64) *Scenario {
		sc := testScenario(20, 40, 30*sim.Second) // 40/s × 20 ms: each phone 80% busy
		sc.Width, sc.Height = side, side
		sc.Sites[0].Pos = topology.Point{X: side / 2, Y: side / 2}
		sc.D2D = &D2D{Link: link, Rule: d2d.AcceptRule{MaxQueueLen: 1}, Cluster: d2d.Config{K: 1}}
		return sc
	}
	for _, c := range []struct {
		name  string
		side  float64
		gains bool
	}{{"dense", 60, true}, {"sparse", 50000, false}} {
		t.Run(c.name, func(t *testing.T) {
			sc := mk(c.side)
			local := results.Summarize("test", run(t, sc, sim.NewStreams(6), policies.AlwaysLocal{}))
			tasks := run(t, sc, sim.NewStreams(6), policies.D2DGreedy{})
			peer := results.Summarize("test", tasks)
			offloaded := 0
			for _, task := range tasks {
				if len(task.Place) > 5 && task.Place[:5] == "peer-" {
					offloaded++
				}
			}
			t.Logf("%s: local %.2f ms, d2d-greedy %.2f ms, %d of %d tasks on peers", c.name,
				1e3*local.MeanLatency, 1e3*peer.MeanLatency, offloaded, len(tasks))
			if c.gains && !(peer.MeanLatency < 0.8*local.MeanLatency && offloaded > 0) {
				t.Errorf("dense: d2d-greedy %.4f s vs local %.4f s with %d offloaded: want a clear gain", peer.MeanLatency, local.MeanLatency, offloaded)
			}
			if !c.gains && (offloaded != 0 || peer.MeanLatency != local.MeanLatency) {
				t.Errorf("sparse: %d offloaded, latency %.6f vs %.6f: want no difference", offloaded, peer.MeanLatency, local.MeanLatency)
			}
		})
	}
}

// mobileScenario has two cells 1 km apart and phones walking between them.
func mobileScenario(model string) *Scenario {
	sc := testScenario(10, 2, 300*sim.Second)
	sc.Width, sc.Height = 1400, 200
	sc.Sites = []Site{
		{Pos: topology.Point{X: 200, Y: 100}, Coverage: 800, Processor: sc.Sites[0].Processor, Servers: 1},
		{Pos: topology.Point{X: 1200, Y: 100}, Coverage: 800, Processor: sc.Sites[0].Processor, Servers: 1},
	}
	sc.Mobility = Mobility{Model: model, MinSpeed: 10, MaxSpeed: 30} // vehicles, so handovers happen in minutes
	sc.Handover = topology.HandoverConfig{Hysteresis: 3, TimeToTrigger: 160 * sim.Millisecond, Interruption: 50 * sim.Millisecond}
	sc.Backhaul = topology.WANLink{Latency: 0.002, Bandwidth: 1e10}
	sc.LinkRefresh = 100 * sim.Millisecond
	sc.Workloads[0].Model.OutputBytes = 1e6 // long downloads, so some span a handover
	return sc
}

// TestHandoversAreCounted checks mobile phones: they hand over between the
// two cells, the tasks in flight record it, every task still completes,
// and the run is reproducible; static phones never hand over.
func TestHandoversAreCounted(t *testing.T) {
	tasks := run(t, mobileScenario("random-waypoint"), sim.NewStreams(4), policies.AlwaysCloud{})
	s := results.Summarize("test", tasks)
	if s.Handovers == 0 || s.Refused != 0 || s.Tasks != len(tasks) {
		t.Fatalf("%d handovers, %d refused, %d of %d completed", s.Handovers, s.Refused, s.Tasks, len(tasks))
	}
	again := run(t, mobileScenario("random-waypoint"), sim.NewStreams(4), policies.AlwaysCloud{})
	if !reflect.DeepEqual(tasks, again) {
		t.Error("mobile run not reproducible")
	}
	static := results.Summarize("test", run(t, mobileScenario("static"), sim.NewStreams(4), policies.AlwaysCloud{}))
	if static.Handovers != 0 {
		t.Errorf("static phones: %d handovers", static.Handovers)
	}
	t.Logf("moving: %d handovers over %d tasks, mean latency %.1f ms (static %.1f ms)", s.Handovers, s.Tasks, 1e3*s.MeanLatency, 1e3*static.MeanLatency)
}

// TestInterferenceSlowsUploads checks inter-cell interference: with two
// cells sharing a band, uploads in one slow down those in the other.
func TestInterferenceSlowsUploads(t *testing.T) {
	mk := func(on bool) *Scenario {
		sc := mobileScenario("static")
		sc.Interference = on
		sc.Workloads[0].Model.OutputBytes = 1000
		sc.Workloads[0].Rate = 5
		sc.Duration = 30 * sim.Second
		return sc
	}
	quiet := results.Summarize("test", run(t, mk(false), sim.NewStreams(2), policies.EdgeNearest{}))
	noisy := results.Summarize("test", run(t, mk(true), sim.NewStreams(2), policies.EdgeNearest{}))
	if !(noisy.MeanLatency > quiet.MeanLatency) {
		t.Errorf("mean latency with interference %.5f s, without %.5f s: want slower", noisy.MeanLatency, quiet.MeanLatency)
	}
	t.Logf("without interference %.2f ms, with %.2f ms", 1e3*quiet.MeanLatency, 1e3*noisy.MeanLatency)
}

// TestRBSchedulers checks the OFDMA schedulers in the world: on a static
// channel proportional fairness and round robin give the same equal time
// shares, so the same results; under Rayleigh fading proportional
// fairness rides each user's peaks (multiuser diversity) and uploads
// finish sooner than under round robin.
func TestRBSchedulers(t *testing.T) {
	mk := func(s topology.Scheduling, fading bool) *Scenario {
		sc := testScenario(20, 4, 20*sim.Second)
		sc.Scheduler, sc.RBHz = &s, 360e3
		sc.Fading, sc.Coherence, sc.LinkRefresh = fading, 10*sim.Millisecond, 10*sim.Millisecond
		return sc
	}
	mean := func(s topology.Scheduling, fading bool) float64 {
		return results.Summarize("test", run(t, mk(s, fading), sim.NewStreams(3), policies.EdgeNearest{})).MeanLatency
	}
	static := mean(topology.RoundRobin, false)
	if pf := mean(topology.ProportionalFair, false); math.Abs(static-pf) > 1e-12 {
		t.Errorf("static channel: round robin %.6f s, proportional fair %.6f s; want equal", static, pf)
	}
	rr, pf := mean(topology.RoundRobin, true), mean(topology.ProportionalFair, true)
	if !(pf < rr) {
		t.Errorf("Rayleigh: round robin %.6f s, proportional fair %.6f s; want PF faster", rr, pf)
	}
	t.Logf("static channel %.2f ms; Rayleigh fading: round robin %.2f ms, proportional fair %.2f ms", 1e3*static, 1e3*rr, 1e3*pf)
}

// TestReclusteringFollowsPhones checks that moving phones are grouped
// again: after a run of driving phones, the clusters differ from those
// formed at the start, and D2D tasks still all complete.
func TestReclusteringFollowsPhones(t *testing.T) {
	link, err := d2d.Preset("wifi-direct-5g-20")
	if err != nil {
		t.Fatal(err)
	}
	sc := mobileScenario("random-waypoint")
	sc.Workloads[0].Model.OutputBytes = 1000
	sc.D2D = &D2D{Link: link, Rule: d2d.AcceptRule{MaxQueueLen: 1}, Cluster: d2d.Config{MaxRadius: 150}, Recluster: 5 * sim.Second}
	w, err := NewWorld(sc, sim.NewStreams(3), policies.D2DGreedy{})
	if err != nil {
		t.Fatal(err)
	}
	first := append([]int(nil), w.clusters.Assign...)
	tasks, err := w.Run("test")
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first, w.clusters.Assign) {
		t.Error("clusters unchanged after five minutes of driving")
	}
	if s := results.Summarize("test", tasks); s.Tasks != len(tasks) {
		t.Errorf("%d of %d tasks completed", s.Tasks, len(tasks))
	}
}

// TestContinuousBatching checks LLM serving at an edge server: one
// request at a time, a queue of requests waits for the server; decoded
// together (weights read once per step for the whole batch), the same
// load is served with far shorter times to first token and completion. A
// lone request takes about as long either way.
func TestContinuousBatching(t *testing.T) {
	mk := func(batch int, rate float64) *Scenario {
		sc := llmScenario(rate)
		sc.Phones = 20
		sc.Duration = 60 * sim.Second
		// A memory-bound edge GPU: the tiny model's 8.4 MB of fp16 weights
		// take 8.4 ms per step at 1 GB/s; its arithmetic is negligible.
		d := &devices.Device{Name: "edge", MemoryBytes: 1e12, UsableMemory: 1, Bandwidth: 1e9, PairShare: 1}
		d.Processors = []devices.Processor{{Name: "g", Kind: devices.GPU, BWShare: 1, ActiveW: 50}}
		d.Processors[0].Peak[devices.FP16] = 1e14
		sc.Sites[0].Processor = devices.Placement{Device: d, Proc: &d.Processors[0], Engine: &devices.Engine{Name: "t"},
			F: devices.Factors{Kind: devices.GPU, DType: devices.FP16, ComputeEff: 1, MemEff: 1}}
		sc.Sites[0].LLMBatch = batch
		return sc
	}
	// 20 phones × 0.3/s = 6 requests/s of 19 decode steps of ~8.5 ms:
	// 0.97 of the server one at a time.
	one := results.Summarize("test", run(t, mk(1, 0.3), sim.NewStreams(4), policies.EdgeNearest{}))
	many := results.Summarize("test", run(t, mk(16, 0.3), sim.NewStreams(4), policies.EdgeNearest{}))
	t.Logf("one at a time: TTFT %.1f ms, latency %.1f ms; batched: TTFT %.1f ms, latency %.1f ms",
		1e3*one.MeanTTFT, 1e3*one.MeanLatency, 1e3*many.MeanTTFT, 1e3*many.MeanLatency)
	if !(many.MeanLatency < one.MeanLatency/3 && many.MeanTTFT < one.MeanTTFT/3) {
		t.Error("continuous batching did not shorten the queue")
	}
	if many.Tasks != one.Tasks || many.Refused != 0 {
		t.Errorf("%d and %d tasks completed, %d refused", one.Tasks, many.Tasks, many.Refused)
	}
	// A lone request: no batch to share, the same time within the fluid
	// model's average-context approximation.
	loneOne := results.Summarize("test", run(t, mk(1, 0.001), sim.NewStreams(4), policies.EdgeNearest{}))
	loneMany := results.Summarize("test", run(t, mk(16, 0.001), sim.NewStreams(4), policies.EdgeNearest{}))
	if math.Abs(loneMany.MeanLatency-loneOne.MeanLatency) > 0.02*loneOne.MeanLatency {
		t.Errorf("lone request: %.6f s batched, %.6f s alone", loneMany.MeanLatency, loneOne.MeanLatency)
	}
}

// anyPeer offloads to the first D2D peer listed, else runs locally.
type anyPeer struct{}

func (anyPeer) Decide(o *policies.Observation) (policies.Decision, error) {
	for i := range o.Targets {
		if o.Targets[i].Kind == policies.D2D {
			return policies.Decision{Target: i}, nil
		}
	}
	return policies.Decision{Target: 0}, nil
}

// TestMovingPeersMayBeLost checks D2D offloading to a peer that drives
// away: phone 1 starts beside phone 0 and leaves Wi-Fi Direct range
// within a second, so tasks sent to it around then lose their peer
// (peer-lost) instead of stopping the run, and the others complete.
func TestMovingPeersMayBeLost(t *testing.T) {
	link, err := d2d.Preset("wifi-direct-5g-20")
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := topology.ReadTrace(strings.NewReader("time,id,x,y\n0,a,100,100\n10,a,100,100\n0,b,130,100\n0.5,b,130,100\n1.5,b,1300,100\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc := testScenario(2, 20, 2*sim.Second)
	sc.Width, sc.Height = 1400, 200
	sc.Mobility = Mobility{Model: "trace", Tracks: tracks}
	sc.Handover = topology.HandoverConfig{Hysteresis: 3}
	sc.Backhaul = topology.WANLink{Latency: 0.002, Bandwidth: 1e10}
	sc.D2D = &D2D{Link: link, Rule: d2d.AcceptRule{}, Cluster: d2d.Config{K: 1}}
	tasks := run(t, sc, sim.NewStreams(5), anyPeer{})
	lost, onPeers := 0, 0
	for _, task := range tasks {
		switch task.Status {
		case results.StatusOK:
			if task.Place[:5] == "peer-" {
				onPeers++
			}
		case results.StatusPeerLost:
			lost++
		default:
			t.Errorf("task %d: status %s", task.ID, task.Status)
		}
	}
	if lost == 0 || onPeers == 0 {
		t.Errorf("%d tasks ran on a peer and %d lost it; want both", onPeers, lost)
	}
}

// TestLinksKeepChangingAfterArrivals checks that interference and motion
// keep updating transfers after the last arrival: no upload is left at
// the interference of a moment long gone.
func TestLinksKeepChangingAfterArrivals(t *testing.T) {
	sc := mobileScenario("random-waypoint")
	sc.Interference = true
	sc.Workloads[0].Rate = 5
	sc.Workloads[0].Model.OutputBytes = 1e4
	tasks := run(t, sc, sim.NewStreams(6), policies.AlwaysCloud{})
	var last float64
	for _, task := range tasks {
		last = max(last, task.Finish)
	}
	if last > sc.Duration.Seconds()+60 {
		t.Errorf("the last task finished at %.0f s, a minute after the %.0f s of arrivals", last, sc.Duration.Seconds())
	}
}

// TestArrivalProcessesInTheWorld checks that the world draws each phone's
// arrivals from the workload's process: a camera at 10 frames/s for 10 s
// gives each phone 100 frames (±1 for the random phase), and a replayed
// trace gives exactly its times.
func TestArrivalProcessesInTheWorld(t *testing.T) {
	sc := testScenario(3, 1, 10*sim.Second)
	sc.Workloads[0].Arrivals = workloads.Periodic{Rate: 10}
	per := map[int]int{}
	for _, task := range run(t, sc, sim.NewStreams(1), policies.AlwaysLocal{}) {
		per[task.Device]++
	}
	for d := range 3 {
		if n := per[d]; n < 99 || n > 101 {
			t.Errorf("phone %d: %d frames, want 100 ± 1", d, n)
		}
	}
	sc.Workloads[0].Arrivals = nil
	sc.Workloads[0].PhoneArrivals = []workloads.Process{workloads.Replay{Times: []float64{0.5, 1.25, 7}}}
	tasks := run(t, sc, sim.NewStreams(1), policies.AlwaysLocal{})
	if len(tasks) != 9 {
		t.Fatalf("%d tasks, want 3 phones × 3 replayed times", len(tasks))
	}
	for _, task := range tasks {
		if task.Arrival != 0.5 && task.Arrival != 1.25 && task.Arrival != 7 {
			t.Errorf("task %d arrived at %v, not a trace time", task.ID, task.Arrival)
		}
	}
}

// TestLateFramesAreDropped checks vision streams that drop late frames:
// a camera at 60 frames/s on a phone that takes 20 ms per frame overloads
// it, and with drop_late the frames that would miss their 50 ms deadline
// are dropped at once, so those that run all meet it.
func TestLateFramesAreDropped(t *testing.T) {
	sc := testScenario(1, 60, 10*sim.Second)
	sc.Workloads[0].Arrivals = workloads.Periodic{Rate: 60}
	sc.Workloads[0].Deadline = 0.05
	sc.Workloads[0].DropLate = true
	s := results.Summarize("test", run(t, sc, sim.NewStreams(1), policies.AlwaysLocal{}))
	if s.Dropped == 0 || s.Tasks == 0 {
		t.Fatalf("%d dropped, %d ran", s.Dropped, s.Tasks)
	}
	if s.P99Latency > 0.05 {
		t.Errorf("p99 latency %.4f s of the frames that ran: want every one within the 50 ms deadline", s.P99Latency)
	}
	// 20 ms per frame serves 50 of the 60 frames a second.
	if frac := float64(s.Dropped) / float64(s.Dropped+s.Tasks); math.Abs(frac-1.0/6) > 0.03 {
		t.Errorf("dropped %.3f of the frames, want about 1/6", frac)
	}
}

// alternate sends tasks to the edge and the cloud in turn.
type alternate struct{ n *int }

func (a alternate) Decide(o *policies.Observation) (policies.Decision, error) {
	*a.n++
	want := policies.Edge
	if *a.n%2 == 0 {
		want = policies.Cloud
	}
	for i := range o.Targets {
		if o.Targets[i].Kind == want {
			return policies.Decision{Target: i}, nil
		}
	}
	return policies.Decision{}, nil
}

// TestSessionsReuseTheKVCache checks multi-turn LLM sessions: turns come
// one after another with a growing context; a place that served the
// previous turn prefills only the new prompt, so staying put gives later
// turns a shorter time to first token than hopping between the edge and
// the cloud, which must be sent and prefill the whole conversation.
func TestSessionsReuseTheKVCache(t *testing.T) {
	sc := llmScenario(0.02)
	sc.Duration = 600 * sim.Second
	sc.Workloads[0].Turns, sc.Workloads[0].ThinkTime = 4, 1
	sc.Workloads[0].PromptTokens, sc.Workloads[0].OutputTokens = 400, 100
	// A slow edge and cloud, so that prefill time shows.
	sc.Sites[0].Processor = computeBound("edge", 0.5, 50)
	sc.Cloud.Processor = computeBound("cloud", 0.5, 50)
	later := func(p policies.Policy) (ttft float64, turns map[int]int) {
		turns = map[int]int{}
		var sum float64
		var n int
		for _, task := range run(t, sc, sim.NewStreams(8), p) {
			turns[task.Turn]++
			if task.Turn > 0 {
				sum += task.TTFT
				n++
			}
		}
		return sum / float64(n), turns
	}
	stay, turns := later(policies.AlwaysCloud{})
	var k int
	hop, _ := later(alternate{&k})
	if len(turns) != 4 || turns[0] != turns[3] {
		t.Errorf("turns per index %v: want four turns per session", turns)
	}
	if !(hop > 1.5*stay) {
		t.Errorf("mean TTFT of later turns: staying %.4f s, hopping %.4f s; want reuse to pay", stay, hop)
	}
	t.Logf("later turns' TTFT: staying %.1f ms, hopping %.1f ms", 1e3*stay, 1e3*hop)
}

// TestTokenCountsVary checks log-normal prompt and output lengths: the
// requests' TPOT is measured over their own output lengths, the median
// output length is near the configured median, and lengths differ.
func TestTokenCountsVary(t *testing.T) {
	sc := llmScenario(0.5)
	sc.Phones = 10
	sc.Duration = 200 * sim.Second
	sc.Workloads[0].PromptSigma, sc.Workloads[0].OutputSigma = 0.5, 0.7
	w, err := NewWorld(sc, sim.NewStreams(3), policies.AlwaysCloud{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run("test"); err != nil {
		t.Fatal(err)
	}
	outs := make([]float64, len(w.tasks))
	for i := range w.tasks {
		outs[i] = float64(w.tasks[i].output)
	}
	sort.Float64s(outs)
	median := outs[len(outs)/2]
	// Median of a log-normal with median 20: 20 (the rounding to whole
	// tokens moves it by at most one); n ≈ 1000, so its standard error is
	// about 1.25·0.7·20/√1000 ≈ 0.6 tokens.
	if math.Abs(median-20) > 2.5 {
		t.Errorf("median output %v tokens, want about 20", median)
	}
	if outs[0] == outs[len(outs)-1] {
		t.Error("every request has the same output length")
	}
}

// middleOnEdge runs a DAG job's middle subtask (of three) at the edge,
// the others on the phone.
type middleOnEdge struct{ n *int }

func (m middleOnEdge) Decide(o *policies.Observation) (policies.Decision, error) {
	*m.n++
	if *m.n%3 == 2 {
		for i := range o.Targets {
			if o.Targets[i].Kind == policies.Edge {
				return policies.Decision{Target: i}, nil
			}
		}
	}
	return policies.Decision{Target: 0}, nil
}

// TestDAGMakespanByHand checks DAG jobs against hand sums on a chain of
// three subtasks of 2e8 operations with 1 Mbit on each edge: all on the
// phone, the makespan is the critical path, 3 × 20 ms, and the slowdown
// 1; with the middle one at the edge it is 20 ms, the upload of the first
// edge's data, 2 ms at the edge (ten times the phone's speed), the
// download of the second's, then 20 ms.
func TestDAGMakespanByHand(t *testing.T) {
	sc := testScenario(1, 0.05, 2000*sim.Second)
	sc.Workloads = []Workload{{Kind: DAG, Rate: 0.05, Deadline: 1, Job: workloads.LayeredDAG{
		Layers: 3, Width: workloads.IntRange{Min: 1, Max: 1}, FanOut: workloads.IntRange{Min: 1, Max: 1},
		Ops:         workloads.UniformRange{Min: 2e8, Max: 2e8},
		EdgeBytes:   workloads.UniformRange{Min: 125000, Max: 125000},
		InputBytes:  workloads.UniformRange{Min: 0, Max: 0},
		OutputBytes: workloads.UniformRange{Min: 0, Max: 0},
	}}}
	local := run(t, sc, sim.NewStreams(2), policies.AlwaysLocal{})
	w, err := NewWorld(sc, sim.NewStreams(2), policies.AlwaysLocal{})
	if err != nil {
		t.Fatal(err)
	}
	d := w.where(&w.phones[0]).Dist(sc.Sites[0].Pos)
	up := 1e6 / sc.Channel.Rate(sc.UplinkHz, topology.ReceivedWatts(sc.TxPowerDBm, d))
	down := 1e6 / sc.Channel.Rate(sc.DownlinkHz, topology.ReceivedWatts(sc.BSPowerDBm, d))
	var k int
	mixed := run(t, sc, sim.NewStreams(2), middleOnEdge{&k})
	check := func(name string, tasks []results.Task, want, slowdown float64) {
		checked := 0
		for i, task := range tasks {
			if task.Kind != "dag" || task.Place != "dag" {
				t.Fatalf("%s: row %d is %s at %s", name, i, task.Kind, task.Place)
			}
			if i > 0 && tasks[i-1].Finish > task.Arrival || i+1 < len(tasks) && tasks[i+1].Arrival < task.Finish {
				continue
			}
			checked++
			if math.Abs(task.Latency-want) > 1e-8 {
				t.Fatalf("%s: job %d makespan %.9f s, want %.9f s", name, task.ID, task.Latency, want)
			}
			if slowdown > 0 && math.Abs(task.Slowdown-slowdown) > 1e-6 {
				t.Fatalf("%s: slowdown %v, want %v", name, task.Slowdown, slowdown)
			}
		}
		if checked < 20 {
			t.Errorf("%s: only %d isolated jobs", name, checked)
		}
	}
	check("all local", local, 0.060, 1)
	check("middle at the edge", mixed, 0.020+up+0.002+down+0.020, 0)
}

// TestTokenHistogram checks empirical histograms of token counts: every
// request draws one of the listed lengths, in proportion to the weights.
func TestTokenHistogram(t *testing.T) {
	sc := llmScenario(0.5)
	sc.Phones, sc.Duration = 10, 400*sim.Second
	sc.Workloads[0].OutputHist = [][2]float64{{10, 1}, {40, 3}}
	w, err := NewWorld(sc, sim.NewStreams(4), policies.AlwaysCloud{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run("test"); err != nil {
		t.Fatal(err)
	}
	var n10, n40 int
	for i := range w.tasks {
		switch w.tasks[i].output {
		case 10:
			n10++
		case 40:
			n40++
		default:
			t.Fatalf("task %d has %d output tokens, not in the histogram", i, w.tasks[i].output)
		}
	}
	// 1:3 over ~2000 requests: the share of 10 has s.d. √(0.1875/2000) ≈ 0.01.
	if frac := float64(n10) / float64(n10+n40); math.Abs(frac-0.25) > 0.04 {
		t.Errorf("share of 10-token outputs %.3f, want 0.25", frac)
	}
}

// TestStaleServerState checks late load reports: phones that see the
// edge queue as it was half a second ago herd to it, and greedy-latency
// does worse than with fresh state.
func TestStaleServerState(t *testing.T) {
	sc := edgeHeavy(FIFO, 0, false, 1)
	fresh := results.Summarize("test", run(t, sc, sim.NewStreams(3), policies.GreedyLatency{}))
	sc.StaleState = 500 * sim.Millisecond
	stale := results.Summarize("test", run(t, sc, sim.NewStreams(3), policies.GreedyLatency{}))
	if !(stale.MeanLatency > fresh.MeanLatency) {
		t.Errorf("mean latency with stale state %.5f s, fresh %.5f s: want stale worse", stale.MeanLatency, fresh.MeanLatency)
	}
	t.Logf("fresh %.2f ms, stale (500 ms) %.2f ms", 1e3*fresh.MeanLatency, 1e3*stale.MeanLatency)
}

// TestOracleIsNeverBeaten checks the oracle on tiny scenarios: two phones
// with a few tasks each, where every placement sequence can be tried; no
// built-in policy does better than the sequence it finds.
func TestOracleIsNeverBeaten(t *testing.T) {
	for seed := range uint64(3) {
		sc := testScenario(2, 1, 3*sim.Second)
		sc.Workloads[0].Rate = 1.2
		streams := sim.NewStreams(100 + seed)
		oracle, best, err := Oracle(sc, streams, 200000)
		if err != nil {
			t.Fatal(err)
		}
		if got := OracleCost(run(t, sc, streams, oracle)); math.Abs(got-best) > 1e-12 {
			t.Fatalf("seed %d: replaying the oracle gives %v, its search found %v", seed, got, best)
		}
		reg := policies.Builtin()
		for _, name := range reg.Names() {
			if name == "oracle" {
				continue
			}
			p, err := reg.New(name, policies.Env{Rand: streams.Rand("policy/" + name)})
			if err != nil {
				t.Fatal(err)
			}
			if c := OracleCost(run(t, sc, streams, p)); c < best-1e-12 {
				t.Errorf("seed %d: %s (%.6f s) beats the oracle (%.6f s)", seed, name, c, best)
			}
		}
		t.Logf("seed %d: %d decisions, oracle mean latency %.2f ms", seed, len(oracle.Choices), 1e3*best)
	}
}

// splitter prefills on the phone and decodes at the edge.
type splitter struct{}

func (splitter) Decide(o *policies.Observation) (policies.Decision, error) {
	for i := range o.Targets {
		if o.Targets[i].Kind == policies.Edge {
			return policies.Decision{Target: 0, Split: true, DecodeTarget: i}, nil
		}
	}
	return policies.Decision{}, nil
}

// TestSplitPrefillAndDecode checks an LLM request split between places:
// the phone prefills (the first token is there at once), the KV cache of
// the prompt goes up to the edge, which decodes and sends the rest back.
func TestSplitPrefillAndDecode(t *testing.T) {
	sc := llmScenario(0.02)
	wl := &sc.Workloads[0]
	w, err := NewWorld(sc, sim.NewStreams(9), splitter{})
	if err != nil {
		t.Fatal(err)
	}
	d := w.where(&w.phones[0]).Dist(sc.Sites[0].Pos)
	kvBits := 8 * 100 * wl.LLM.KVBytesPerToken(wl.Quant.KVBytes)
	up := kvBits / sc.Channel.Rate(sc.UplinkHz, topology.ReceivedWatts(sc.TxPowerDBm, d))
	downRest := 8 * 4 * 19 / sc.Channel.Rate(sc.DownlinkHz, topology.ReceivedWatts(sc.BSPowerDBm, d))
	prefill := sc.PhoneCPU.Prefill(wl.LLM, wl.Quant, 100)
	var decode float64
	for j := 1; j < wl.OutputTokens; j++ {
		decode += sc.Sites[0].Processor.Decode(wl.LLM, wl.Quant, 100+j)
	}
	tasks, err := w.Run("split")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i, task := range tasks {
		if task.Status != results.StatusOK || task.Place != "edge-0" {
			t.Fatalf("task %d: %s at %s", task.ID, task.Status, task.Place)
		}
		if i > 0 && tasks[i-1].Finish > task.Arrival || i+1 < len(tasks) && tasks[i+1].Arrival < task.Finish {
			continue
		}
		checked++
		if math.Abs(task.TTFT-prefill) > 1e-8 {
			t.Fatalf("task %d: TTFT %.9f, want the phone's prefill %.9f", task.ID, task.TTFT, prefill)
		}
		if want := prefill + up + decode + downRest; math.Abs(task.Latency-want) > 1e-8 {
			t.Fatalf("task %d: latency %.9f, want %.9f", task.ID, task.Latency, want)
		}
	}
	if checked < 10 {
		t.Errorf("only %d isolated tasks", checked)
	}
}

// TestSeveralLocalProcessors checks a phone with a second processor ten
// times faster (an NPU beside the CPU): each is a local target with its
// own queue; greedy-latency sends the work to the fast one, and under a
// load the fast one alone cannot carry, uses both.
func TestSeveralLocalProcessors(t *testing.T) {
	sc := testScenario(1, 5, 20*sim.Second)
	sc.PhoneExtra = []devices.Cost{computeBound("npu", 0.002, 1)}
	sc.Sites[0].Coverage = 1 // keep the edge out of reach
	sc.Sites[0].Pos = topology.Point{X: 1e4, Y: 1e4}
	sc.Width, sc.Height = 100, 100
	sc.Sites[0].Pos = topology.Point{X: 5000, Y: 5000}
	count := func(tasks []results.Task) map[string]int {
		m := map[string]int{}
		for _, task := range tasks {
			m[task.Place]++
		}
		return m
	}
	light := count(run(t, sc, sim.NewStreams(1), policies.GreedyLatency{}))
	if light["local-p@test"] == 0 || light["local"] > light["local-p@test"]/10 {
		t.Errorf("light load: %v, want nearly all on the fast processor", light)
	}
	sc.Workloads[0].Rate = 700 // 1.4 × what the fast processor alone serves
	heavy := count(run(t, sc, sim.NewStreams(1), policies.GreedyLatency{}))
	if heavy["local"] == 0 || heavy["local-p@test"] == 0 {
		t.Errorf("heavy load: %v, want both processors used", heavy)
	}
	if first := count(run(t, sc, sim.NewStreams(1), policies.AlwaysLocal{})); len(first) != 1 || first["local"] == 0 {
		t.Errorf("local policy: %v, want the first processor only", first)
	}
}

// rankRecorder runs everything locally and records the DAG subtasks'
// ranks in decision order.
type rankRecorder struct{ ranks *[]float64 }

func (r rankRecorder) Decide(o *policies.Observation) (policies.Decision, error) {
	*r.ranks = append(*r.ranks, o.Task.Rank)
	return policies.Decision{Target: 0}, nil
}

// TestDAGSubtasksInRankOrder checks HEFT's order: the children of a fork,
// ready at once, are decided in decreasing upward rank.
func TestDAGSubtasksInRankOrder(t *testing.T) {
	sc := testScenario(1, 0.01, 100*sim.Second)
	sc.Workloads = []Workload{{Kind: DAG, Rate: 0.01, Deadline: 10, Job: workloads.LayeredDAG{
		Layers: 2, Width: workloads.IntRange{Min: 4, Max: 4}, FanOut: workloads.IntRange{Min: 4, Max: 4}, OneEntry: true,
		Ops:         workloads.UniformRange{Min: 1e7, Max: 1e9},
		EdgeBytes:   workloads.UniformRange{Min: 1, Max: 1},
		InputBytes:  workloads.UniformRange{Min: 0, Max: 0},
		OutputBytes: workloads.UniformRange{Min: 0, Max: 0},
	}}}
	var ranks []float64
	tasks := run(t, sc, sim.NewStreams(2), rankRecorder{&ranks})
	if len(tasks) == 0 || len(ranks) != 5*len(tasks) {
		t.Fatalf("%d jobs, %d decisions", len(tasks), len(ranks))
	}
	for j := 0; j < len(ranks); j += 5 {
		children := ranks[j+1 : j+5]
		for k := 1; k < len(children); k++ {
			if children[k] > children[k-1] {
				t.Fatalf("job %d: children decided in ranks %v, want decreasing", j/5, children)
			}
		}
		if ranks[j] < children[0] {
			t.Errorf("job %d: the entry's rank %v below a child's %v", j/5, ranks[j], children[0])
		}
	}
}
