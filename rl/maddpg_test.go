package rl

import (
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// signalGame is a two-agent cooperative game of one step with a known
// optimum. Agent i observes a private target x_i ∈ {0..K−1} (one-hot) and
// a private sign z_i = ±1; both get the reward
//
//	[a_1 = x_1] + [a_2 = x_2] + noise·(z_1 + z_2)
//
// so the optimum is a_i = x_i for each agent (expected reward 2). The
// noise term is the other agent's private information: an independent
// learner's critic sees it as noise of ±noise on a signal of 1, while a
// centralised critic, which reads both observations, explains it away.
type signalGame struct {
	k     int
	noise float64
	x, z  [2]int
}

func (g *signalGame) Shape() (int, int, int) { return 2, g.k + 1, g.k }

func (g *signalGame) Reset(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	for i := range 2 {
		g.x[i] = rng.IntN(g.k)
		g.z[i] = 2*rng.IntN(2) - 1
	}
}

func (g *signalGame) Observe(obs []float64, mask []bool) error {
	clear(obs)
	for i := range 2 {
		obs[i*(g.k+1)+g.x[i]] = 1
		obs[i*(g.k+1)+g.k] = float64(g.z[i])
	}
	for i := range mask {
		mask[i] = true
	}
	return nil
}

func (g *signalGame) Step(actions []int, rewards []float64) (bool, bool, error) {
	r := g.noise * float64(g.z[0]+g.z[1])
	for i := range 2 {
		if actions[i] == g.x[i] {
			r++
		}
	}
	clear(rewards)
	rewards[0*MultiObjectives+MultiDelay] = r
	rewards[1*MultiObjectives+MultiDelay] = r
	return true, false, nil
}

// accuracy returns the fraction of the game's states (all targets and
// signs) and agents in which the agents' greedy action is optimal.
func accuracy(t *testing.T, m *MADDPG, g *signalGame) float64 {
	t.Helper()
	obs, mask, act := make([]float64, 2*(g.k+1)), make([]bool, 2*g.k), make([]int, 2)
	right, all := 0, 0
	for x := range g.k * g.k {
		for z := range 4 {
			g.x = [2]int{x % g.k, x / g.k}
			g.z = [2]int{2*(z%2) - 1, 2*(z/2) - 1}
			g.Observe(obs, mask)
			if err := m.Act(obs, mask, false, act); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				all++
				if act[i] == g.x[i] {
					right++
				}
			}
		}
	}
	return float64(right) / float64(all)
}

func signalConfig(critic string) MADDPGConfig {
	c := DefaultMADDPG()
	c.Hidden, c.Batch, c.Buffer, c.Warmup, c.NoiseSteps = 32, 64, 2000, 200, 1000
	c.ActorLR, c.CriticLR, c.NoiseEnd = 3e-3, 3e-3, 0.3
	c.Critic = critic
	c.Weights = []float64{1, 0, 0}
	return c
}

// stepsToOptimum trains on the game and returns the first multiple of 100
// steps at which the greedy joint policy is optimal in every state (−1
// if never within budget).
func stepsToOptimum(t *testing.T, cfg MADDPGConfig, budget int, seed uint64) int {
	t.Helper()
	g := &signalGame{k: 4, noise: 3}
	m, err := NewMADDPG(cfg, 2, g.k+1, g.k, sim.NewStreams(seed))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewMARLTrainer(m, g, seed, budget)
	if err != nil {
		t.Fatal(err)
	}
	for !tr.Done() {
		if _, err := tr.RunEpisode(); err != nil {
			t.Fatal(err)
		}
		if tr.Step%100 == 0 && tr.Step > cfg.Warmup {
			acc := accuracy(t, m, &signalGame{k: 4, noise: 3})
			t.Logf("%s step %d: %.3f", cfg.Critic, tr.Step, acc)
			if acc == 1 {
				return tr.Step
			}
		}
	}
	return -1
}

// TestMADDPGReachesTheOptimumIndependentLearnersDoNot: on the signal
// game, agents with centralised critics find the optimal joint policy;
// independent DDPG learners, with the same budget and seeds, do not or
// take longer.
func TestMADDPGReachesTheOptimumIndependentLearnersDoNot(t *testing.T) {
	const budget = 2000
	for _, seed := range []uint64{1, 2} {
		central := stepsToOptimum(t, signalConfig(CriticCentralised), budget, seed)
		indep := stepsToOptimum(t, signalConfig(CriticIndependent), budget, seed)
		t.Logf("seed %d: MADDPG optimal after %d steps, independent learners after %d (−1: not within %d)", seed, central, indep, budget)
		if central < 0 {
			t.Errorf("seed %d: MADDPG did not reach the optimum within %d steps", seed, budget)
		} else if indep >= 0 && indep <= central {
			t.Errorf("seed %d: independent learners reached the optimum after %d steps, MADDPG after %d", seed, indep, central)
		}
	}
}
