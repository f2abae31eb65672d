package mec

import (
	"runtime"
	"testing"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// cityScenario is the scale target: 1,000 moving phones and 20
// edge sites on a 5 km × 4 km grid, one simulated hour.
func cityScenario() *Scenario {
	sc := testScenario(1000, 0.5, 3600*sim.Second)
	sc.Width, sc.Height = 5000, 4000
	edge := sc.Sites[0].Processor
	sc.Sites = nil
	for y := 500.0; y < 4000; y += 1000 {
		for x := 500.0; x < 5000; x += 1000 {
			sc.Sites = append(sc.Sites, Site{Pos: topology.Point{X: x, Y: y}, Coverage: 800, Processor: edge, Servers: 2})
		}
	}
	sc.Mobility = Mobility{Model: "random-waypoint", MinSpeed: 0.5, MaxSpeed: 15}
	sc.Handover = topology.HandoverConfig{Hysteresis: 3, TimeToTrigger: 160 * sim.Millisecond, Interruption: 50 * sim.Millisecond}
	sc.Backhaul = topology.WANLink{Latency: 0.002, Bandwidth: 1e10}
	sc.LinkRefresh = 100 * sim.Millisecond
	return sc
}

// BenchmarkWorldCity runs the city for an hour under greedy-latency; run
// it with -benchtime=1x: one iteration is one whole run. It reports events
// per second of wall time and the tasks simulated.
func BenchmarkWorldCity(b *testing.B) {
	sc := cityScenario()
	b.ReportAllocs()
	var events, tasks uint64
	for b.Loop() {
		w, err := NewWorld(sc, sim.NewStreams(1), policies.GreedyLatency{})
		if err != nil {
			b.Fatal(err)
		}
		out, err := w.Run("bench")
		if err != nil {
			b.Fatal(err)
		}
		events += w.k.Fired()
		tasks += uint64(len(out))
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(tasks)/float64(b.N), "tasks/run")
}

// metropolisScenario is the scale of the sweeps issue: 10,000 moving
// phones and 100 edge sites (a 10 × 10 grid of two-server sites on
// 10 km × 10 km), one simulated hour, each phone sending a task every
// 20 s on average (1.8 million tasks).
func metropolisScenario() *Scenario {
	sc := cityScenario()
	sc.Phones = 10000
	sc.Width, sc.Height = 10000, 10000
	edge := sc.Sites[0].Processor
	sc.Sites = nil
	for y := 500.0; y < 10000; y += 1000 {
		for x := 500.0; x < 10000; x += 1000 {
			sc.Sites = append(sc.Sites, Site{Pos: topology.Point{X: x, Y: y}, Coverage: 800, Processor: edge, Servers: 2})
		}
	}
	for i := range sc.Workloads {
		sc.Workloads[i].Rate = 0.05 / float64(len(sc.Workloads))
	}
	return sc
}

// BenchmarkWorldMetropolis runs the metropolis for an hour under
// greedy-latency (run it with -benchtime=1x) and reports events per
// second, the wall time, and the peak heap in use per phone (sampled
// every 100,000 events and at the end, the records of every task
// included).
//
//	go test -run XXX -bench WorldMetropolis -benchtime 1x ./mec
func BenchmarkWorldMetropolis(b *testing.B) {
	sc := metropolisScenario()
	var events, tasks uint64
	var heap uint64
	for b.Loop() {
		w, err := NewWorld(sc, sim.NewStreams(1), policies.GreedyLatency{})
		if err != nil {
			b.Fatal(err)
		}
		// The heap in use, sampled every 100,000 events: its peak.
		var ms runtime.MemStats
		w.OnProgress(func(sim.Time) {
			runtime.ReadMemStats(&ms)
			heap = max(heap, ms.HeapInuse)
		})
		out, err := w.Run("bench")
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		events += w.k.Fired()
		tasks += uint64(len(out))
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "wall-s/run")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(tasks)/float64(b.N), "tasks/run")
	b.ReportMetric(float64(heap)/float64(sc.Phones)/1024, "heap-KiB/phone")
}
