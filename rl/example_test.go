package rl_test

import (
	"fmt"

	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// twoServers is a one-decision environment: server 0 is fast and costly in
// energy, server 1 slow and frugal. Each column's features say which it is.
type twoServers struct{}

func (twoServers) Shape() (columns, features int) { return 2, 2 }
func (twoServers) Reset(seed uint64)              {}
func (twoServers) Observe(obs []float64, mask []bool) error {
	copy(obs, []float64{1, 0, 0, 1})
	mask[0], mask[1] = true, true
	return nil
}
func (twoServers) Step(a int) ([rl.Objectives]float64, bool, bool, error) {
	if a == 0 {
		return [rl.Objectives]float64{-0.1, -1}, true, false, nil // (delay, energy) utilities
	}
	return [rl.Objectives]float64{-1, -0.1}, true, false, nil
}

// One agent learns both trade-offs: it sends the task to the fast server
// when delay matters (w = 1) and to the frugal one when energy does (w = 0).
func ExampleSAC() {
	cfg := rl.DefaultSAC()
	cfg.Encoder, cfg.Trunk, cfg.Blocks, cfg.Batch, cfg.Warmup = 8, 8, 0, 32, 100
	cfg.ActorLR, cfg.CriticLR = 3e-3, 3e-3
	agent, err := rl.NewSAC(cfg, 2, 2, sim.NewStreams(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	trainer, err := rl.NewTrainer(agent, twoServers{}, 1, 1000)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := trainer.Run(nil, nil); err != nil {
		fmt.Println(err)
		return
	}
	var env twoServers
	obs, mask := make([]float64, 4), make([]bool, 2)
	env.Observe(obs, mask)
	for _, w := range []float64{0, 1} {
		a, _ := agent.Act(obs, mask, w, true)
		fmt.Printf("w = %v: server %d\n", w, a)
	}
	// Output:
	// w = 0: server 1
	// w = 1: server 0
}
