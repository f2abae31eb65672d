package rl

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// randomGame is a MultiEnv of n agents with random observations and
// masks and rewards that depend on the actions, for shape, checkpoint and
// speed tests.
type randomGame struct {
	n, obs, k, length, t int
	rng                  *rand.Rand
}

func (g *randomGame) Shape() (int, int, int) { return g.n, g.obs, g.k }
func (g *randomGame) Reset(seed uint64)      { g.rng, g.t = rand.New(rand.NewPCG(seed, 3)), 0 }
func (g *randomGame) Observe(obs []float64, mask []bool) error {
	for i := range obs {
		obs[i] = g.rng.Float64()
	}
	for i := range mask {
		mask[i] = i%g.k == 0 || g.rng.Float64() < 0.7
	}
	return nil
}
func (g *randomGame) Step(actions []int, rewards []float64) (bool, bool, error) {
	for j, a := range actions {
		rewards[j*MultiObjectives+MultiDelay] = -float64(a) / float64(g.k)
		rewards[j*MultiObjectives+MultiEnergy] = -g.rng.Float64()
		rewards[j*MultiObjectives+MultiBalance] = float64(actions[(j+1)%len(actions)]) / float64(g.k)
	}
	g.t++
	return false, g.t >= g.length, nil
}

func comDDPGConfig() MADDPGConfig {
	c := DefaultMADDPG()
	c.Hidden, c.Batch, c.Buffer, c.Warmup, c.LSTMSize, c.Message, c.CommHidden = 16, 16, 500, 40, 8, 4, 6
	c.LSTM, c.Comm = true, true
	return c
}

// TestMARLResumeEqualsUninterrupted: a run checkpointed halfway and
// resumed (with an LSTM and a channel, shared and not) ends with the same
// weights, optimiser state and curve as a run that never stopped.
func TestMARLResumeEqualsUninterrupted(t *testing.T) {
	for _, share := range []bool{false, true} {
		cfg := comDDPGConfig()
		cfg.Share = share
		if share {
			// Updates rarer than episodes: an episode after the resume
			// reports the losses of an update before it.
			cfg.UpdateEvery = 45
		}
		newRun := func() *MARLTrainer {
			m, err := NewMADDPG(cfg, 3, 5, 4, sim.NewStreams(9))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := NewMARLTrainer(m, &randomGame{n: 3, obs: 5, k: 4, length: 20}, 9, 200)
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		whole := newRun()
		if err := whole.Run(nil, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "ckpt")
		half := newRun()
		if err := half.Run(func(tr *MARLTrainer) error {
			if tr.Step >= 100 {
				return errStop
			}
			return nil
		}, nil); err != errStop {
			t.Fatal(err)
		}
		if err := half.Save(path); err != nil {
			t.Fatal(err)
		}
		resumed, err := LoadMARLTrainer(path, &randomGame{n: 3, obs: 5, k: 4, length: 20}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := resumed.Run(nil, nil); err != nil {
			t.Fatal(err)
		}
		a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
		if err := whole.Save(a); err != nil {
			t.Fatal(err)
		}
		if err := resumed.Save(b); err != nil {
			t.Fatal(err)
		}
		x, _ := os.ReadFile(a)
		y, _ := os.ReadFile(b)
		if !bytes.Equal(x, y) {
			t.Errorf("share=%v: the resumed run's checkpoint differs from the uninterrupted run's", share)
		}
		if whole.Agent.Updates == 0 {
			t.Errorf("share=%v: no updates ran", share)
		}
		// A damaged checkpoint is refused, and a SAC loader names what it holds.
		os.WriteFile(b, y[:len(y)/2], 0o644)
		if _, err := LoadMARLTrainer(b, &randomGame{n: 3, obs: 5, k: 4, length: 20}, 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated checkpoint: %v", err)
		}
		if _, err := LoadSAC(a); err == nil || !strings.Contains(err.Error(), "maddpg checkpoint") {
			t.Errorf("a MADDPG checkpoint read as SAC: %v", err)
		}
	}
}

var errStop = errors.New("stop")

// BenchmarkMADDPGUpdate measures updates per second (critics and actors
// of agents_per_update = 16 agents, targets) at batch 128 with 16
// observation values and 5 actions per agent, for 10, 50 and 200 agents,
// with per-agent networks and with one shared network, and with Com-DDPG's
// LSTM and channel.
//
//	go test -run XXX -bench MADDPGUpdate -benchtime 10x ./rl
func BenchmarkMADDPGUpdate(b *testing.B) {
	for _, variant := range []string{"mlp", "lstm+comm"} {
		for _, n := range []int{10, 50, 200} {
			for _, share := range []bool{false, true} {
				name := fmt.Sprintf("%s/agents=%d/separate", variant, n)
				if share {
					name = fmt.Sprintf("%s/agents=%d/shared", variant, n)
				}
				b.Run(name, func(b *testing.B) {
					cfg := DefaultMADDPG()
					cfg.Share, cfg.Buffer = share, 512
					cfg.LSTM, cfg.Comm = variant != "mlp", variant != "mlp"
					m, err := NewMADDPG(cfg, n, 16, 5, sim.NewStreams(1))
					if err != nil {
						b.Fatal(err)
					}
					g := &randomGame{n: n, obs: 16, k: 5, length: 1 << 30}
					g.Reset(1)
					obs, next := make([]float64, n*16), make([]float64, n*16)
					mask := make([]bool, n*5)
					act, rew := make([]int, n), make([]float64, n*MultiObjectives)
					hc := make([]float64, n*m.stateSize())
					for range cfg.Batch {
						g.Observe(obs, mask)
						m.Act(obs, mask, true, act)
						g.Step(act, rew)
						g.Observe(next, mask)
						m.Observe(JointTransition{Obs: obs, Next: next, Mask: mask, NextMask: mask, Actions: act, Rewards: rew, H: hc, C: hc})
					}
					if _, err := m.Update(); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						if _, err := m.Update(); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
				})
			}
		}
	}
}

// TestActorLearnsOnlyWhereItChooses: an agent whose every transition
// allows it a single action (a phone with nothing to decide) has no
// policy gradient, so its actor stays exactly as it was, logit penalty
// included, while the other agent's, which chooses, moves.
func TestActorLearnsOnlyWhereItChooses(t *testing.T) {
	cfg := DefaultMADDPG()
	cfg.Hidden, cfg.Batch, cfg.Buffer, cfg.Warmup = 8, 16, 64, 0
	m, err := NewMADDPG(cfg, 2, 3, 3, sim.NewStreams(5))
	if err != nil {
		t.Fatal(err)
	}
	before := []Weights{m.actors[0].weights().Clone(), m.actors[1].weights().Clone()}
	rng := rand.New(rand.NewPCG(1, 2))
	obs, next := make([]float64, 6), make([]float64, 6)
	mask := []bool{true, false, false, true, true, true}
	rew := make([]float64, 2*MultiObjectives)
	for range 32 {
		for i := range obs {
			obs[i], next[i] = rng.Float64(), rng.Float64()
		}
		act := []int{0, rng.IntN(3)}
		rew[MultiDelay], rew[MultiObjectives+MultiDelay] = -rng.Float64(), -float64(act[1])
		m.Observe(JointTransition{Obs: obs, Next: next, Mask: mask, NextMask: mask, Actions: act, Rewards: rew})
	}
	for range 5 {
		if _, err := m.Update(); err != nil {
			t.Fatal(err)
		}
	}
	moved := func(a, b Weights) bool {
		for p := range a {
			for k := range a[p].Data {
				if a[p].Data[k] != b[p].Data[k] {
					return true
				}
			}
		}
		return false
	}
	if moved(before[0], m.actors[0].weights()) {
		t.Error("the actor of the agent without a choice moved")
	}
	if !moved(before[1], m.actors[1].weights()) {
		t.Error("the actor of the agent with choices did not move")
	}
}

// TestSharedActorWithoutID: shared networks whose actors do not read the
// agent id give every agent the same logits for the same observation,
// and so the same greedy action; with the id they may differ.
func TestSharedActorWithoutID(t *testing.T) {
	for _, id := range []bool{false, true} {
		cfg := DefaultMADDPG()
		cfg.Share, cfg.ActorID, cfg.Hidden = true, id, 16
		m, err := NewMADDPG(cfg, 6, 4, 5, sim.NewStreams(3))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 8))
		one := []float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()}
		obs := make([]float64, 0, 24)
		for range 6 {
			obs = append(obs, one...)
		}
		mask := make([]bool, 30)
		for i := range mask {
			mask[i] = true
		}
		differ := false
		for range 20 { // new weights each round: one round may agree by chance
			actions := make([]int, 6)
			if err := m.Act(obs, mask, false, actions); err != nil {
				t.Fatal(err)
			}
			for _, a := range actions {
				differ = differ || a != actions[0]
			}
			for _, p := range m.actors[0].weights() {
				for k := range p.Data {
					p.Data[k] = rng.NormFloat64()
				}
			}
		}
		if differ == !id {
			t.Errorf("actor id %v: agents with one observation acted differently: %v", id, differ)
		}
	}
}

// pickGame: each step one agent sees K targets in random order, each with
// a block of TargetFeatures of which the second (TargetLatency) is the
// negated reward of choosing it; the others are noise. The best target
// is at a different action each step, so a policy must compare the
// blocks rather than prefer an action slot.
type pickGame struct {
	k   int
	rng *rand.Rand
	v   []float64
	len int
	t   int
}

func (g *pickGame) Shape() (int, int, int) { return 1, MultiHead + g.k*TargetFeatures, g.k }
func (g *pickGame) Reset(seed uint64)      { g.rng, g.t = rand.New(rand.NewPCG(seed, 11)), 0 }
func (g *pickGame) Observe(obs []float64, mask []bool) error {
	g.v = g.v[:0]
	clear(obs)
	for k := range g.k {
		b := obs[MultiHead+k*TargetFeatures : MultiHead+(k+1)*TargetFeatures]
		for f := range b {
			b[f] = g.rng.Float64()
		}
		g.v = append(g.v, b[TargetLatency])
		mask[k] = true
	}
	return nil
}
func (g *pickGame) Step(actions []int, rewards []float64) (bool, bool, error) {
	clear(rewards)
	rewards[MultiDelay] = -g.v[actions[0]]
	g.t++
	return true, g.t >= g.len, nil
}

// TestScoreTargetsComparesTargets: with ScoreTargets an actor learns to
// pick the target whose block says it is best, wherever it stands, and
// better than the plain head with the same budget; a check that the
// scorer's gradient (a graph of its own, reshaped into the logits)
// reaches its weights.
func TestScoreTargetsComparesTargets(t *testing.T) {
	accuracy := func(score bool) float64 {
		cfg := pickConfig()
		cfg.ScoreTargets = score
		m := trainPicker(t, cfg, &pickGame{k: 4, len: 1 << 30})
		return float64(pickedBest(t, m, slices.Min[[]float64])) / 500
	}
	scored, plain := accuracy(true), accuracy(false)
	t.Logf("best target chosen: %.3f with scores, %.3f without", scored, plain)
	if scored < 0.9 || scored <= plain {
		t.Errorf("best target chosen in %.3f of states with scores, %.3f without", scored, plain)
	}
}

// pickConfig is a small configuration for the pick games.
func pickConfig() MADDPGConfig {
	cfg := DefaultMADDPG()
	cfg.Hidden, cfg.Batch, cfg.Buffer, cfg.Warmup, cfg.NoiseSteps = 16, 32, 1000, 100, 400
	cfg.ActorLR, cfg.CriticLR, cfg.Weights = 3e-3, 3e-3, []float64{1, 0, 0}
	return cfg
}

// trainPicker trains one agent of cfg on a pick game g for 1,500 steps.
func trainPicker(t *testing.T, cfg MADDPGConfig, g MultiEnv) *MADDPG {
	t.Helper()
	m, err := NewMADDPG(cfg, 1, MultiHead+4*TargetFeatures, 4, sim.NewStreams(2))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewMARLTrainer(m, g, 3, 1500)
	if err != nil {
		t.Fatal(err)
	}
	for !tr.Done() {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// pickedBest plays m greedily on 500 states of a pick game and counts
// the states where it took the target whose latency feature is best(the
// features).
func pickedBest(t *testing.T, m *MADDPG, best func([]float64) float64) int {
	t.Helper()
	test := &pickGame{k: 4}
	test.Reset(99)
	obs, mask, act := make([]float64, MultiHead+4*TargetFeatures), make([]bool, 4), make([]int, 1)
	right := 0
	for range 500 {
		test.Observe(obs, mask)
		if err := m.Act(obs, mask, false, act); err != nil {
			t.Fatal(err)
		}
		if test.v[act[0]] == best(test.v) {
			right++
		}
	}
	return right
}

// TestCriticGraphWithScorer: a critic with a target scorer gives the same
// loss in its gorgonia graph as in plain Go (the scores reshaped into the
// right action columns), and the graph's gradient of the scorer's
// weights matches finite differences of the plain loss.
func TestCriticGraphWithScorer(t *testing.T) {
	cfg := DefaultMADDPG()
	cfg.Hidden, cfg.Batch, cfg.ScoreTargets, cfg.Share = 8, 5, true, true
	const N, K = 3, 4
	O := MultiHead + K*TargetFeatures
	m, err := NewMADDPG(cfg, N, O, K, sim.NewStreams(4))
	if err != nil {
		t.Fatal(err)
	}
	c := m.critics[0]
	B, W := cfg.Batch, m.criticInputs()
	cg, err := newMARLCriticGraph(c, B, K)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range cg.x.data {
		cg.x.data[i] = rng.Float64()
	}
	for b := range B {
		cg.a.data[b*K+rng.IntN(K)] = 1
		cg.y.data[b] = rng.NormFloat64()
	}
	m.ownTargets(cg.tgt.data, cg.x.data, B, W)
	plain := func() float64 {
		out := make([]float64, B*K)
		m.criticForward(c, cg.x.data, B, out, &marlActing{})
		loss := 0.0
		for b := range B {
			q := 0.0
			for k := range K {
				q += cg.a.data[b*K+k] * out[b*K+k]
			}
			loss += (q - cg.y.data[b]) * (q - cg.y.data[b]) / float64(B)
		}
		return loss
	}
	grads := zerosLike(c.W)
	loss, err := cg.step(grads)
	if err != nil {
		t.Fatal(err)
	}
	if want := plain(); math.Abs(loss-want) > 1e-12*math.Max(1, want) {
		t.Fatalf("graph loss %.15g, plain %.15g", loss, want)
	}
	first := len(c.Net.W) // the scorer's first weight
	for _, p := range []int{first, first + 1, len(c.W) - 1} {
		for _, e := range []int{0, len(c.W[p].Data) - 1} {
			const h = 1e-6
			v := c.W[p].Data[e]
			c.W[p].Data[e] = v + h
			up := plain()
			c.W[p].Data[e] = v - h
			down := plain()
			c.W[p].Data[e] = v
			if fd := (up - down) / (2 * h); math.Abs(grads[p][e]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("%s[%d]: graph gradient %.9g, finite differences %.9g", c.W[p].Name, e, grads[p][e], fd)
			}
		}
	}
}

// TestForwardSomeActors checks the update's shortcut: the logits and
// next LSTM states of a subset of agents, computed alone, equal the full
// forward pass's rows for them (to rounding: a batch of other size may
// sum in another order), and the other agents' rows are left untouched.
func TestForwardSomeActors(t *testing.T) {
	for _, share := range []bool{true, false} {
		cfg := comDDPGConfig()
		cfg.Share, cfg.ScoreTargets = share, true
		const N, K, B = 5, 4, 3
		O := MultiHead + K*TargetFeatures
		m, err := NewMADDPG(cfg, N, O, K, sim.NewStreams(8))
		if err != nil {
			t.Fatal(err)
		}
		H := cfg.LSTMSize
		rng := rand.New(rand.NewPCG(1, 2))
		fill := func(n int) []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			return x
		}
		obs, h, c := fill(N*B*O), fill(N*B*H), fill(N*B*H)
		full, h2, c2 := make([]float64, N*B*K), make([]float64, N*B*H), make([]float64, N*B*H)
		m.forwardActors(m.actors, m.comm, obs, B, h, c, h2, c2, full, &marlActing{}, nil)
		const untouched = 12345.0
		some, sh2, sc2 := make([]float64, N*B*K), make([]float64, N*B*H), make([]float64, N*B*H)
		for _, x := range [][]float64{some, sh2, sc2} {
			for i := range x {
				x[i] = untouched
			}
		}
		only := []int{1, 3}
		m.forwardActors(m.actors, m.comm, obs, B, h, c, sh2, sc2, some, &marlActing{}, only)
		for j := range N {
			picked := slices.Contains(only, j)
			for _, v := range []struct {
				name      string
				got, want []float64
				w         int
			}{{"logits", some, full, K}, {"h", sh2, h2, H}, {"c", sc2, c2, H}} {
				for i := j * B * v.w; i < (j+1)*B*v.w; i++ {
					switch {
					case picked && math.Abs(v.got[i]-v.want[i]) > 1e-12*(1+math.Abs(v.want[i])):
						t.Fatalf("share %v, agent %d: %s[%d] = %v alone, %v in the full pass", share, j, v.name, i, v.got[i], v.want[i])
					case !picked && v.got[i] != untouched:
						t.Fatalf("share %v, agent %d (not asked for): %s[%d] written", share, j, v.name, i)
					}
				}
			}
		}
	}
}

// TestPriorIsALogitOffset: the prior adds −Prior × each action's
// latency feature to the logits of the same weights (agents drawn from
// one seed with and without it have the same weights: the prior has
// none), so that fresh agents pick the target of least latency feature.
func TestPriorIsALogitOffset(t *testing.T) {
	const N, K, B, prior = 3, 4, 5, 10.0
	O := MultiHead + K*TargetFeatures
	newAgents := func(p float64) *MADDPG {
		cfg := comDDPGConfig()
		cfg.Prior = p
		m, err := NewMADDPG(cfg, N, O, K, sim.NewStreams(8))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	with, without := newAgents(prior), newAgents(0)
	rng := rand.New(rand.NewPCG(3, 4))
	obs := make([]float64, N*B*O)
	for i := range obs {
		obs[i] = rng.Float64()
	}
	H := with.stateSize()
	h, c := make([]float64, N*B*H), make([]float64, N*B*H)
	logits := func(m *MADDPG) []float64 {
		out := make([]float64, N*B*K)
		m.forwardActors(m.actors, m.comm, obs, B, h, c, make([]float64, N*B*H), make([]float64, N*B*H), out, &marlActing{}, nil)
		return out
	}
	lw, lo := logits(with), logits(without)
	for r := range N * B {
		for k := range K {
			want := lo[r*K+k] - prior*obs[r*O+MultiHead+k*TargetFeatures+TargetLatency]
			if got := lw[r*K+k]; math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("row %d, action %d: logit %v with the prior, want %v", r, k, got, want)
			}
		}
	}

	g := &pickGame{k: K}
	g.Reset(7)
	one, mask, act := make([]float64, O), make([]bool, K), make([]int, 1)
	cfg := DefaultMADDPG()
	cfg.Prior = prior
	m, err := NewMADDPG(cfg, 1, O, K, sim.NewStreams(9))
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for range 500 {
		g.Observe(one, mask)
		if err := m.Act(one, mask, false, act); err != nil {
			t.Fatal(err)
		}
		if g.v[act[0]] == slices.Min(g.v) {
			right++
		}
	}
	if right < 490 {
		t.Errorf("fresh agents with the prior picked the target of least latency feature in %d of 500 states", right)
	}
}

// TestLearningOvercomesThePrior: where the prior points to the worst
// target (the reward is the latency feature itself, not its negation),
// the actor learns to overrule it: the prior is a starting point, not a
// constraint, and the actor's gradient reaches the learnt part of the
// logits through the prior's bias.
func TestLearningOvercomesThePrior(t *testing.T) {
	cfg := pickConfig()
	cfg.ScoreTargets, cfg.Prior = true, 2
	m := trainPicker(t, cfg, &antiPickGame{pickGame{k: 4, len: 1 << 30}})
	// The prior alone picks the worst target in every state.
	if right := pickedBest(t, m, slices.Max[[]float64]); right < 400 {
		t.Errorf("against the prior, the best target chosen in %d of 500 states", right)
	}
}

// antiPickGame is pickGame with the reward of a target its latency
// feature, so that the target of least latency is the worst.
type antiPickGame struct{ pickGame }

func (g *antiPickGame) Step(actions []int, rewards []float64) (bool, bool, error) {
	clear(rewards)
	rewards[MultiDelay] = g.v[actions[0]]
	g.t++
	return true, g.t >= g.len, nil
}

// TestPriorSamplesAreOneHot: in the actor update the prior joins the
// graph's logits through the bias input, and the straight-through sample
// the critic reads must still be the one-hot action computed in plain Go
// from the logits with the prior: soft(learnt + bias + noise) + (hard −
// soft) is one-hot only if the graph's bias carries the same prior.
func TestPriorSamplesAreOneHot(t *testing.T) {
	const K = 4
	O := MultiHead + K*TargetFeatures
	cfg := DefaultMADDPG()
	cfg.Hidden, cfg.Batch, cfg.Warmup, cfg.Prior = 8, 16, 0, 3
	m, err := NewMADDPG(cfg, 1, O, K, sim.NewStreams(6))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	obs, next := make([]float64, O), make([]float64, O)
	mask := []bool{true, true, false, true}
	rew := make([]float64, MultiObjectives)
	for range 32 {
		for i := range obs {
			obs[i], next[i] = 3*rng.Float64(), 3*rng.Float64()
		}
		rew[MultiDelay] = -rng.Float64()
		m.Observe(JointTransition{Obs: obs, Next: next, Mask: mask, NextMask: mask, Actions: []int{rng.IntN(K)}, Rewards: rew})
	}
	if _, err := m.Update(); err != nil {
		t.Fatal(err)
	}
	u, ag := m.u, m.u.ag
	for b := range cfg.Batch {
		learnt := slices.Clone(u.logits[b*K : (b+1)*K])
		for k := range K {
			learnt[k] += cfg.Prior * u.obs[b*O+m.targetBlock(k)+TargetLatency]
		}
		z := make([]float64, K)
		mx := math.Inf(-1)
		for k := range K {
			z[k] = (learnt[k] + ag.bias.data[b*K+k] + ag.noise.data[b*K+k]) * ag.inv.data[b*K+k]
			mx = max(mx, z[k])
		}
		sum := 0.0
		for k := range K {
			z[k] = math.Exp(z[k] - mx)
			sum += z[k]
		}
		ones := 0
		for k := range K {
			v := z[k]/sum + ag.diff.data[b*K+k]
			switch {
			case math.Abs(v-1) < 1e-9:
				ones++
			case math.Abs(v) > 1e-9:
				t.Fatalf("row %d: the sample the critic reads has %v at action %d, want 0 or 1", b, v, k)
			}
		}
		if ones != 1 {
			t.Fatalf("row %d: %d ones in the sample", b, ones)
		}
	}
}
