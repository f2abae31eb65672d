package experiments_test

import (
	"fmt"
	"time"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/rl"
)

// ExampleMultiEnv plays a two-second episode of the slotted DAG scenario
// with each phone choosing, for its waiting tasks, the allowed target of
// least estimated latency, read from its own observation.
func ExampleMultiEnv() {
	env, err := experiments.DefaultEnv()
	if err != nil {
		panic(err)
	}
	c, err := experiments.Load("maddpg-dag.toml", env.Known())
	if err != nil {
		panic(err)
	}
	m, err := env.NewMultiEnv(c, experiments.MultiOptions{Episode: 2 * time.Second})
	if err != nil {
		panic(err)
	}
	agents, features, targets := m.Shape()
	fmt.Println(agents, "agents,", features, "features,", targets, "targets")

	obs := make([]float64, agents*features)
	mask := make([]bool, agents*targets)
	actions := make([]int, agents)
	rewards := make([]float64, agents*rl.MultiObjectives)
	m.Reset(1)
	steps := 0
	for {
		if err := m.Observe(obs, mask); err != nil {
			panic(err)
		}
		for i := range agents {
			o, allowed := obs[i*features:(i+1)*features], mask[i*targets:(i+1)*targets]
			actions[i] = 0
			for a := range targets {
				lat := o[rl.MultiHead+a*rl.TargetFeatures+rl.TargetLatency]
				if allowed[a] && lat < o[rl.MultiHead+actions[i]*rl.TargetFeatures+rl.TargetLatency] {
					actions[i] = a
				}
			}
		}
		_, truncated, err := m.Step(actions, rewards)
		if err != nil {
			panic(err)
		}
		steps++
		if truncated {
			break
		}
	}
	fmt.Println(steps, "steps of", c.DecisionInterval)
	// Output:
	// 10 agents, 29 features, 5 targets
	// 20 steps of 100ms
}
