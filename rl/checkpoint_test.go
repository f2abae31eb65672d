package rl

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// toyEnv is a 10-step episode of random observations over three actions,
// one of them masked half of the time; rewards depend on the action and
// the observation.
type toyEnv struct {
	rng  *rand.Rand
	obs  [6]float64
	mask [3]bool
	t    int
}

func (e *toyEnv) Shape() (int, int) { return 3, 2 }
func (e *toyEnv) Reset(seed uint64) {
	e.rng = sim.NewStreams(seed).Rand("toy")
	e.t = 0
	e.draw()
}
func (e *toyEnv) draw() {
	for i := range e.obs {
		e.obs[i] = e.rng.Float64()
	}
	e.mask = [3]bool{true, true, e.rng.Float64() < 0.5}
}
func (e *toyEnv) Observe(obs []float64, mask []bool) error {
	copy(obs, e.obs[:])
	copy(mask, e.mask[:])
	return nil
}
func (e *toyEnv) Step(a int) ([Objectives]float64, bool, bool, error) {
	r := [Objectives]float64{-e.obs[2*a], -e.obs[2*a+1] * float64(a+1)}
	e.t++
	e.draw()
	return r, false, e.t == 10, nil
}

func toyConfig() SACConfig {
	c := DefaultSAC()
	c.Encoder, c.Trunk, c.Batch, c.Warmup, c.Buffer = 6, 8, 16, 40, 150
	return c
}

func newToyTrainer(t *testing.T, steps int) *Trainer {
	t.Helper()
	agent, err := NewSAC(toyConfig(), 3, 2, sim.NewStreams(9))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(agent, &toyEnv{}, 9, steps)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func weightsOf(s *SAC) []float64 {
	var out []float64
	for _, n := range []*Net{s.Actor, s.Q1, s.Q2, s.T1, s.T2} {
		for _, p := range n.Params {
			out = append(out, p.Data...)
		}
	}
	return append(out, s.LogAlpha)
}

// TestResumeEqualsUninterrupted: a run stopped at a checkpoint and resumed
// (in a fresh agent read from the file) ends with the same weights, the
// same buffer and the same learning curve as a run that never stopped.
// The buffer wraps around (capacity 150 < 400 steps) before the end.
func TestResumeEqualsUninterrupted(t *testing.T) {
	whole := newToyTrainer(t, 400)
	if err := whole.Run(nil, nil); err != nil {
		t.Fatal(err)
	}
	first := newToyTrainer(t, 200)
	if err := first.Run(nil, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checkpoint")
	if err := first.Save(path); err != nil {
		t.Fatal(err)
	}
	resumed, err := LoadTrainer(path, &toyEnv{}, 400)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.Run(nil, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weightsOf(whole.Agent), weightsOf(resumed.Agent)) {
		t.Error("weights differ between the uninterrupted and the resumed run")
	}
	if !slices.Equal(whole.Agent.Buf.Obs, resumed.Agent.Buf.Obs) || !slices.Equal(whole.Agent.Buf.Reward, resumed.Agent.Buf.Reward) {
		t.Error("replay buffers differ")
	}
	if !slices.Equal(whole.Curve, resumed.Curve) {
		t.Errorf("learning curves differ:\n%v\n%v", whole.Curve, resumed.Curve)
	}
	if whole.Agent.Updates == 0 || whole.Agent.Buf.AddedTotal != 400 {
		t.Fatalf("%d updates and %d transitions: the test trained nothing", whole.Agent.Updates, whole.Agent.Buf.AddedTotal)
	}
}

func TestCheckpointRefusesDamage(t *testing.T) {
	tr := newToyTrainer(t, 60)
	if err := tr.Run(nil, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(raw)
	flipped[len(flipped)/2] ^= 0x10
	for name, data := range map[string][]byte{
		"truncated":       raw[:len(raw)-100],
		"header only":     raw[:len(checkpointMagic)+3],
		"a flipped bit":   flipped,
		"magic cut short": raw[:5],
	} {
		bad := filepath.Join(dir, "bad")
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSAC(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSAC(filepath.Join(dir, "other")); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("a file that is not a checkpoint: error %v", err)
	}
	// An intact one loads, as an agent and as a trainer; no temporary files remain.
	if _, err := LoadSAC(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "checkpoint" && e.Name() != "bad" && e.Name() != "other" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestSameSeedSameWeights: training is a function of the seed.
func TestSameSeedSameWeights(t *testing.T) {
	a, b := newToyTrainer(t, 120), newToyTrainer(t, 120)
	for _, tr := range []*Trainer{a, b} {
		if err := tr.Run(nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(weightsOf(a.Agent), weightsOf(b.Agent)) {
		t.Fatal("same seed, different weights")
	}
}

// delayedToy is toyEnv whose rewards arrive one step late (the last at the
// episode's end), through rl.DelayedEnv.
type delayedToy struct {
	toyEnv
	ticket int64
	held   [][Objectives]float64 // rewards of tickets ticket-len(held)+1 … ticket
	ended  bool
}

func (d *delayedToy) Reset(seed uint64) {
	d.toyEnv.Reset(seed)
	d.held, d.ended = d.held[:0], false
}

func (d *delayedToy) Step(a int) ([Objectives]float64, bool, bool, error) {
	r, term, trunc, err := d.toyEnv.Step(a)
	d.ticket++
	d.held = append(d.held, r)
	d.ended = term || trunc
	return [Objectives]float64{}, term, trunc, err
}

func (d *delayedToy) Ticket() int64 { return d.ticket }

func (d *delayedToy) Resolved(yield func(int64, [Objectives]float64)) {
	keep := 1 // the latest stays open until the next step, or the end
	if d.ended {
		keep = 0
	}
	for len(d.held) > keep {
		yield(d.ticket-int64(len(d.held))+1, d.held[0])
		d.held = d.held[1:]
	}
}

// TestDelayedRewardsReachTheBuffer: with rewards that arrive late, the
// buffer ends up with the same transitions, rewards included, as with
// immediate ones (random actions throughout, so both runs act alike).
func TestDelayedRewardsReachTheBuffer(t *testing.T) {
	cfg := toyConfig()
	cfg.Warmup, cfg.Buffer = 1000, 1000
	run := func(env Env) *Trainer {
		agent, err := NewSAC(cfg, 3, 2, sim.NewStreams(9))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainer(agent, env, 9, 50)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Run(nil, nil); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	now, later := run(&toyEnv{}), run(&delayedToy{})
	a, b := now.Agent.Buf, later.Agent.Buf
	if a.Len != 50 || b.Len != 50 {
		t.Fatalf("buffers hold %d and %d transitions, want 50", a.Len, b.Len)
	}
	if !slices.Equal(a.Obs, b.Obs) || !slices.Equal(a.Next, b.Next) || !slices.Equal(a.Reward, b.Reward) || !slices.Equal(a.Action, b.Action) {
		t.Error("late rewards gave other transitions than immediate ones")
	}
	if !slices.Equal(now.Curve, later.Curve) {
		t.Errorf("curves differ:\n%v\n%v", now.Curve, later.Curve)
	}
}
