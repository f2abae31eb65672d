package rl

import (
	"fmt"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// fillBuffer adds n random transitions of the given shape.
func fillBuffer(s *SAC, n int) {
	rng := sim.NewStreams(1).Rand("bench")
	obs := make([]float64, s.Cols*s.Feat)
	mask := make([]bool, s.Cols)
	for i := range n {
		for j := range obs {
			obs[j] = rng.Float64()
		}
		for k := range mask {
			mask[k] = k == 0 || rng.Float64() < 0.6
		}
		r := [Objectives]float64{-rng.Float64(), -rng.Float64()}
		s.Observe(obs, mask, i%s.Cols, r, rng.Float64(), obs, mask, false)
	}
}

// BenchmarkSACUpdate measures gradient updates (both critics, the actor,
// the temperature and the targets) per second at batch 128, on
// observations of 67 features per column (the reference environment's),
// for the small network and the paper's, with 11 columns (E up to 10) and
// with 2 (one edge server, no padding).
//
//	go test -run XXX -bench SACUpdate -benchtime 20x ./rl
func BenchmarkSACUpdate(b *testing.B) {
	for _, size := range []struct {
		name                   string
		encoder, trunk, blocks int
	}{{"small", 64, 128, 1}, {"paper", 512, 1024, 3}} {
		for _, cols := range []int{2, 11} {
			b.Run(fmt.Sprintf("%s/columns=%d", size.name, cols), func(b *testing.B) {
				cfg := DefaultSAC()
				cfg.Encoder, cfg.Trunk, cfg.Blocks = size.encoder, size.trunk, size.blocks
				s, err := NewSAC(cfg, cols, 67, sim.NewStreams(1))
				if err != nil {
					b.Fatal(err)
				}
				fillBuffer(s, 1000)
				if _, err := s.Update(); err != nil { // builds the graphs
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := s.Update(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// BenchmarkAct measures one greedy action of the small network on an
// 11-column observation (what evaluation and a deployed policy pay per
// decision).
func BenchmarkAct(b *testing.B) {
	s, err := NewSAC(DefaultSAC(), 11, 67, sim.NewStreams(1))
	if err != nil {
		b.Fatal(err)
	}
	p := s.ActorPolicy()
	obs := make([]float64, 11*67)
	mask := make([]bool, 11)
	for k := range mask {
		mask[k] = k < 6
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := p.Act(obs, mask, 0.5); err != nil {
			b.Fatal(err)
		}
	}
}
