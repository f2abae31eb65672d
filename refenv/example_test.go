package refenv_test

import (
	"fmt"

	"github.com/mecsim/mecsim/refenv"
)

// One episode of the GMORL preset under a greedy policy that minimises the
// weighted utility w·r_delay + (1−w)·r_energy of each placement, with the
// preference w = 0.5 kept by the agent, outside the observation.
func Example() {
	env, err := refenv.New(refenv.Reference())
	if err != nil {
		fmt.Println(err)
		return
	}
	cols, feats := env.Shape()
	obs, mask := make([]float64, cols*feats), make([]bool, cols)
	const w = 0.5

	env.Reset(3)
	if err := env.Observe(obs, mask); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("observation %d×%d, E = %d, first task %.2f Mbit\n", cols, feats, env.Edges(), obs[refenv.FeatureTaskMbit])

	var total [2]float64
	for {
		best, bestU := 0, 0.0
		for a := range cols {
			if !mask[a] {
				continue
			}
			r, err := env.Rewards(a)
			if err != nil {
				fmt.Println(err)
				return
			}
			if u := w*r[0] + (1-w)*r[1]; a == 0 || u > bestU {
				best, bestU = a, u
			}
		}
		r, _, truncated, err := env.Step(best)
		if err != nil {
			fmt.Println(err)
			return
		}
		total[0] += r[0]
		total[1] += r[1]
		if truncated {
			break
		}
		if err := env.Observe(obs, mask); err != nil {
			fmt.Println(err)
			return
		}
	}
	s := env.Stats()
	fmt.Printf("%d decisions, %d tasks placed, on the cloud %d\n", s.Decisions, s.Placed, s.Actions[0])
	fmt.Printf("return: delay %.2f, energy %.2f\n", total[0], total[1])
	// Output:
	// observation 11×67, E = 6, first task 16.55 Mbit
	// 100 decisions, 89 tasks placed, on the cloud 0
	// return: delay -44.88, energy -130.81
}
