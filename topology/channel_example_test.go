package topology_test

import (
	"fmt"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// A TR 38.901 urban macro cell at 3.5 GHz, seen by a phone 200 m away.
func ExampleNewPathLoss() {
	m, err := topology.NewPathLoss("uma", 3.5, 25, 1.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("LOS %.1f dB, NLOS %.1f dB, P(LOS) = %.3f, expected mix %.1f dB\n",
		m.LossDB(200, true), m.LossDB(200, false), m.LOSProb(200), topology.MeanLossDB(m, 200))
	sigma, decorr := m.Shadowing(false)
	fmt.Printf("NLOS shadowing: σ %v dB, decorrelating over %v m\n", sigma, decorr)

	_, err = topology.NewPathLoss("hata", 2, 30, 1.5)
	fmt.Println(err)
	// Output:
	// LOS 89.6 dB, NLOS 114.5 dB, P(LOS) = 0.128, expected mix 98.4 dB
	// NLOS shadowing: σ 6 dB, decorrelating over 50 m
	// topology: unknown path-loss model "hata" (known: free-space, inh, macro, uma, umi)
}

// The downlink and uplink of a 5G macro cell preset, 200 m out of line
// of sight, with a neighbouring cell's base station interfering on the
// downlink.
func ExampleDefaultCatalogue() {
	cat, err := topology.DefaultCatalogue()
	if err != nil {
		fmt.Println(err)
		return
	}
	cell, err := cat.Cell("nr-macro")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := cell.Model()
	loss := m.LossDB(200, false)
	hz := cell.OccupiedHz()

	dl := cell.Downlink
	sinr := dl.SINR(hz, dl.RxWatts(loss))
	fmt.Printf("downlink: SINR %.1f dB, %.0f Mbit/s\n", topology.ToDB(sinr), dl.RateAt(hz, sinr)/1e6)
	neighbour := dl.RxWatts(m.LossDB(400, false))
	sinr = dl.SINR(hz, dl.RxWatts(loss), neighbour)
	fmt.Printf("with a neighbour 400 m away: SINR %.1f dB, %.0f Mbit/s\n", topology.ToDB(sinr), dl.RateAt(hz, sinr)/1e6)

	ul := cell.Uplink
	sinr = ul.SINR(hz, ul.RxWatts(loss))
	fmt.Printf("uplink: SINR %.1f dB, %.1f Mbit/s\n", topology.ToDB(sinr), ul.RateAt(hz, sinr)/1e6)

	_, err = cat.Cell("5g")
	fmt.Println(err)
	// Output:
	// downlink: SINR 23.6 dB, 546 Mbit/s
	// with a neighbour 400 m away: SINR 11.4 dB, 236 Mbit/s
	// uplink: SINR -2.4 dB, 23.0 Mbit/s
	// topology: unknown cell preset "5g" (known: lte-macro, nr-macro, nr-small, wifi6-ap)
}

// Three phones share a 5G cell's downlink at mean SINRs of 0, 10 and
// 20 dB. Round robin over static channels gives each a third of the grid
// at its CQI step (0.3770, 1.9141 and 4.5234 bit/s/Hz × 98.28 MHz / 3);
// fading costs round robin a little, and proportional fairness turns it
// into a gain by serving each phone a third of the time at its better
// moments.
func ExampleGrid_LongRunRates() {
	cat, _ := topology.DefaultCatalogue()
	cell, _ := cat.Cell("nr-macro")
	g := cell.DownlinkGrid()
	sinr := []float64{topology.FromDB(0), topology.FromDB(10), topology.FromDB(20)}
	for _, c := range []struct {
		policy topology.Scheduling
		v      topology.ChannelVariation
		label  string
	}{
		{topology.RoundRobin, topology.StaticChannel, "round robin, static"},
		{topology.RoundRobin, topology.RayleighChannel, "round robin, Rayleigh"},
		{topology.ProportionalFair, topology.RayleighChannel, "proportional fair, Rayleigh"},
	} {
		rates := g.FlatLongRunRates(nil, c.policy, c.v, sinr)
		fmt.Printf("%-28s %6.1f %6.1f %6.1f Mbit/s\n", c.label, rates[0]/1e6, rates[1]/1e6, rates[2]/1e6)
	}
	// Output:
	// round robin, static            12.4   62.7  148.2 Mbit/s
	// round robin, Rayleigh          11.4   56.1  130.5 Mbit/s
	// proportional fair, Rayleigh    20.1   82.7  165.9 Mbit/s
}

// Block fading for a walker on a 3.5 GHz carrier: the gain holds for a
// coherence time and is redrawn after it.
func ExampleFading() {
	tc := topology.CoherenceTime(1.5, 3.5)
	f := topology.Fading{Coherence: tc}
	r := sim.NewStreams(1).Rand("fading/phone-1/cell-0")
	g0 := f.Gain(0, r)
	fmt.Printf("coherence time %v; same gain within it: %v; next redraw at %v\n",
		tc, f.Gain(tc-1, r) == g0, f.NextRedraw(0))
	// Output:
	// coherence time 0.024154707s; same gain within it: true; next redraw at 0.024154707s
}
