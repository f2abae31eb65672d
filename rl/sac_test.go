package rl

import (
	"math"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// bandit is a one-step environment with two arms: arm 0 pays the delay
// utility 1, arm 1 the energy utility 1. Under preference w the values
// are Q(0) = w and Q(1) = 1 − w, and the optimal soft policy at
// temperature α is π(0) = 1 / (1 + exp((Q(1) − Q(0))/α)).
type bandit struct{}

func (bandit) Shape() (int, int) { return 2, 2 }
func (bandit) Reset(uint64)      {}
func (bandit) Observe(obs []float64, mask []bool) error {
	copy(obs, []float64{1, 0, 0, 1}) // each arm's column tells which arm it is
	mask[0], mask[1] = true, true
	return nil
}
func (bandit) Step(a int) ([Objectives]float64, bool, bool, error) {
	if a == 0 {
		return [Objectives]float64{1, 0}, true, false, nil
	}
	return [Objectives]float64{0, 1}, true, false, nil
}

// trainBandit trains a small agent on the bandit for steps steps (seed
// seed, settings changed by set) and returns it with the bandit's
// observation and mask.
func trainBandit(t *testing.T, seed uint64, steps int, set func(*SACConfig)) (*SAC, []float64, []bool) {
	t.Helper()
	cfg := DefaultSAC()
	cfg.Encoder, cfg.Trunk, cfg.Blocks, cfg.Batch, cfg.Warmup, cfg.UpdateEvery = 8, 16, 0, 32, 64, 1
	cfg.ActorLR, cfg.CriticLR = 3e-3, 3e-3
	set(&cfg)
	agent, err := NewSAC(cfg, 2, 2, sim.NewStreams(seed))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(agent, bandit{}, seed, steps)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(nil, nil); err != nil {
		t.Fatal(err)
	}
	obs, mask := make([]float64, 4), make([]bool, 2)
	if err := (bandit{}).Observe(obs, mask); err != nil {
		t.Fatal(err)
	}
	return agent, obs, mask
}

func TestBanditSoftPolicy(t *testing.T) {
	agent, obs, mask := trainBandit(t, 5, 3000, func(c *SACConfig) {
		c.InitialAlpha, c.FixedAlpha = 0.25, true
	})
	probs := make([]float64, 2)
	for _, w := range []float64{0, 0.25, 0.5, 0.75, 1} {
		if err := agent.Probs(obs, mask, w, probs); err != nil {
			t.Fatal(err)
		}
		want := 1 / (1 + math.Exp(((1-w)-w)/0.25))
		if math.Abs(probs[0]-want) > 0.05 {
			t.Errorf("w = %v: π(arm 0) = %.3f, optimal soft policy %.3f", w, probs[0], want)
		}
	}
}

// TestSoftTarget checks the target against a hand computation.
func TestSoftTarget(t *testing.T) {
	// Two actions with π = (0.25, 0.75); w = 0.5.
	probs := []float64{0.25, 0.75}
	logp := []float64{math.Log(0.25), math.Log(0.75)}
	q1 := []float64{-1, -3, -2, -2} // scalarised: -2, -2
	q2 := []float64{-2, -1, -4, 0}  // scalarised: -1.5, -2 (tie at action 1 keeps q1)
	mask := []bool{true, true}
	// Action 0 uses q1 (−2 < −1.5): (−1, −3); action 1 ties, keeps q1: (−2, −2).
	// Entropy term per component: −α Σ π log π = 0.5 × 0.562335 = 0.2811676.
	// V = 0.25·(−1, −3) + 0.75·(−2, −2) + 0.2811676 = (−1.75, −2.25) + 0.2811676.
	// y = r + 0.9·V with r = (0.5, −1).
	y := softTarget([Objectives]float64{0.5, -1}, false, 0.9, 0.5, 0.5, probs, logp, q1, q2, mask)
	h := -(0.25*math.Log(0.25) + 0.75*math.Log(0.75))
	want := [Objectives]float64{0.5 + 0.9*(-1.75+0.5*h), -1 + 0.9*(-2.25+0.5*h)}
	for j := range y {
		if math.Abs(y[j]-want[j]) > 1e-12 {
			t.Errorf("component %d: %v, want %v", j, y[j], want[j])
		}
	}
	if got := softTarget([Objectives]float64{0.5, -1}, true, 0.9, 0.5, 0.5, probs, logp, q1, q2, mask); got != [Objectives]float64{0.5, -1} {
		t.Errorf("terminal target %v, want the reward", got)
	}
}

// TestAutomaticTemperature: with the temperature learned, the policy's
// entropy on the bandit settles near the target, 0.5·log 2 — whatever the
// preference, although the arms' values differ by up to 1.
func TestAutomaticTemperature(t *testing.T) {
	agent, obs, mask := trainBandit(t, 6, 4000, func(c *SACConfig) { c.AlphaLR = 1e-2 })
	probs := make([]float64, 2)
	mean := 0.0
	ws := []float64{0, 0.25, 0.5, 0.75, 1}
	for _, w := range ws {
		if err := agent.Probs(obs, mask, w, probs); err != nil {
			t.Fatal(err)
		}
		for _, p := range probs {
			if p > 0 {
				mean -= p * math.Log(p) / float64(len(ws))
			}
		}
	}
	target := 0.5 * math.Log(2)
	if math.Abs(mean-target) > 0.08 {
		t.Errorf("mean policy entropy %.3f, target %.3f (α = %.3f)", mean, target, agent.Alpha())
	}
	if last := agent.LastUpdate(); math.Abs(last.Entropy-target) > 0.1 {
		t.Errorf("entropy of the last batch %.3f, target %.3f", last.Entropy, target)
	}
}
