package topology_test

import (
	"fmt"
	"strings"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

func ExampleRandomWaypoint() {
	cfg := topology.RandomWaypointConfig{
		Area:     topology.Area(1000, 1000),
		MinSpeed: 0.5, MaxSpeed: 5, // m/s
		Pause: 30 * sim.Second,
	}
	fmt.Printf("stationary: mean speed while moving %.3f m/s (not %.2f), pausing %.1f%% of the time\n",
		cfg.MeanSpeed(), (cfg.MinSpeed+cfg.MaxSpeed)/2, 100*cfg.PausedFraction())

	// Each user draws its path from its own named stream.
	streams := sim.NewStreams(42)
	m, err := topology.NewRandomWaypoint(cfg, streams.Rand("mobility/phone-0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The world asks where the user is now, and when its velocity next
	// changes: the end of the current leg.
	for l := range m.Legs(0) {
		fmt.Printf("moving %v, until %.1f s\n", l.Moving(), l.End.Seconds())
		break
	}
	p := m.Position(10 * sim.Second)
	fmt.Printf("at 10 s: (%.1f, %.1f) m\n", p.X, p.Y)
	// Output:
	// stationary: mean speed while moving 1.954 m/s (not 2.75), pausing 10.1% of the time
	// moving true, until 215.9 s
	// at 10 s: (462.7, 795.2) m
}

func ExampleGaussMarkov() {
	cfg := topology.GaussMarkovConfig{
		Area:  topology.Area(500, 500),
		Step:  sim.Second,
		Alpha: 0.85, // strong memory: smooth turns
		// A pedestrian: 1.4 m/s ± 0.2, heading east ± 0.4 rad.
		MeanSpeed: 1.4, SpeedStdDev: 0.2,
		MeanDirection: 0, DirectionStdDev: 0.4,
		EdgeMargin: 25, // turn away from within 25 m of the border
	}
	m, err := topology.NewGaussMarkov(cfg, sim.NewStreams(7).Rand("mobility/phone-3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	inside := true
	for t := sim.Time(0); t < 3600*sim.Second; t += sim.Second {
		inside = inside && cfg.Area.Contains(m.Position(t))
	}
	fmt.Println("inside the area for an hour:", inside)
	// Output:
	// inside the area for an hour: true
}

func ExampleReadTrace() {
	const trace = `time,id,x,y
0,bus-1,0,0
60,bus-1,600,0
0,walker,10,10
120,walker,10,130
`
	tracks, err := topology.ReadTrace(strings.NewReader(trace))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tr := range tracks {
		fmt.Println(tr.ID(), tr.Position(30*sim.Second), tr.Position(3600*sim.Second))
	}

	_, err = topology.ReadTrace(strings.NewReader("0,a,1,2\n5,a,3,4\n2,a,5,6\n"))
	fmt.Println(err)
	// Output:
	// bus-1 {300 0} {600 0}
	// walker {10 40} {10 130}
	// mobility trace line 3: time 2s for id "a" is not after its previous sample's 5s (line 2)
}

// A world keeps one check event per user: it updates the handover state
// there and asks Lookahead when to check next, instead of polling.
func ExampleLookahead_NextCheck() {
	cells := []topology.Point{{X: -500}, {X: 500}}
	rx := func(p topology.Point, dBm []float64) {
		for i, c := range cells {
			dBm[i] = 43 - topology.MacroPathLoss(p.Dist(c))
		}
	}
	la := topology.Lookahead{Cells: len(cells), Rx: rx}
	// Walk east at 1 m/s from one cell to the other.
	walk, _ := topology.NewTrack("walker", []sim.Time{0, 800 * sim.Second},
		[]topology.Point{{X: -400}, {X: 400}})
	h, _ := topology.NewHandover(topology.HandoverConfig{
		Hysteresis: 3, TimeToTrigger: 320 * sim.Millisecond, Interruption: 50 * sim.Millisecond,
	})
	power := make([]float64, len(cells))
	checks := 0
	for t := sim.Time(0); t < 900*sim.Second; t = la.NextCheck(walk, h, t) {
		checks++
		rx(walk.Position(t), power)
		if h.Update(t, power) {
			fmt.Printf("handover to cell %d at %.3f s, x = %.2f m\n", h.Serving(), t.Seconds(), walk.Position(t).X)
		}
	}
	fmt.Println(h.Count(), "handover,", checks, "checks")
	// Output:
	// handover to cell 1 at 446.121 s, x = 46.12 m
	// 1 handover, 15 checks
}
