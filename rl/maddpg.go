package rl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mecsim/mecsim/sim"
)

// MADDPGConfig holds the hyperparameters of multi-agent DDPG. Every field
// has a default (DefaultMADDPG); an experiment file overrides them under
// [train.maddpg].
type MADDPGConfig struct {
	Hidden      int     `toml:"hidden"`       // width of the actors' and critics' hidden layers
	Layers      int     `toml:"layers"`       // hidden layers of each MLP
	ActorLR     float64 `toml:"actor_lr"`     // Adam step of the actors (and the channel)
	CriticLR    float64 `toml:"critic_lr"`    // Adam step of the critics
	Gamma       float64 `toml:"gamma"`        // discount per step
	Tau         float64 `toml:"tau"`          // Polyak step of the targets
	Batch       int     `toml:"batch"`        // transitions per update
	Buffer      int     `toml:"buffer"`       // joint transitions kept
	Warmup      int     `toml:"warmup"`       // steps of uniformly random actions before learning
	UpdateEvery int     `toml:"update_every"` // environment steps per update
	// Temperature is the Gumbel-softmax temperature of the actor update.
	Temperature float64 `toml:"temperature"`
	// Exploration: while training, an agent takes the arg-max of its
	// logits plus σ·Gumbel noise (σ = 1 samples its softmax policy), σ
	// falling linearly from noise_start to noise_end over noise_steps
	// steps after the warm-up; evaluation takes the arg-max.
	NoiseStart float64 `toml:"noise_start"`
	NoiseEnd   float64 `toml:"noise_end"`
	NoiseSteps int     `toml:"noise_steps"`
	// LogitReg weighs the mean squared logit in the actor loss. It keeps
	// logits from saturating, where the straight-through gradient
	// vanishes: at 1e-3 (Lowe et al.'s code) one agent of the signal game
	// in the tests stayed on a wrong action with logits 7 apart while its
	// critic ranked the right one first.
	LogitReg float64 `toml:"logit_reg"`
	// Critic is "centralised" (MADDPG: each agent's critic reads every
	// observation and action) or "independent" (independent DDPG
	// learners: each critic reads its own agent's only).
	Critic string `toml:"critic"`
	// Share: one actor and one critic serve every agent, told apart by a
	// one-hot agent id among their inputs, so that 500 phones do not mean
	// 500 networks.
	Share bool `toml:"share"`
	// ActorID: with Share, the actor reads the agent id too (the
	// default), so that phones may learn to act differently; false makes
	// the actor one policy of the observation alone, for phones that are
	// alike (the critic reads the id either way).
	ActorID bool `toml:"actor_id"`
	// ScoreTargets: the observation ends with one block of TargetFeatures
	// per action, as MultiSpace encodes a mecsim phone's; each action's
	// logit gets a score of its own block by a small MLP shared across
	// actions. An MLP head alone maps the whole observation to fixed
	// action slots: it can learn "the edge of slot 2" but compares the
	// targets' estimates only slowly, and agents trained so kept a fixed
	// order of preference among the edge sites wherever the phones stood.
	ScoreTargets bool `toml:"score_targets"`
	// Prior, when positive, adds −Prior × the log-scaled estimated
	// latency of each action's target (TargetLatency of its block, as
	// ScoreTargets reads them) to that action's logit: the actors start
	// from the rule that picks the target of least estimated latency
	// (greedy-latency) and learn corrections to it, a residual policy
	// (Silver et al. 2018, "Residual Policy Learning"). The prior is a
	// fixed function of the observation: no weight of it is trained, and
	// logit_reg penalises the learnt part of the logits alone.
	Prior float64 `toml:"prior"`
	// PerTask: the environment asks each agent for one decision per
	// waiting task, in rounds, instead of one per step for all its
	// waiting tasks (experiments.MultiOptions.PerTask). rl does not read
	// it; it is kept with the agents so that they are played as trained.
	PerTask bool `toml:"per_task"`
	// AgentsPerUpdate is the number of agents whose critic and actor
	// losses an update takes, drawn at random (all of them when there are
	// no more): with sharing, the gradient over all agents is estimated
	// from a sample; without, each agent is updated every
	// agents/agents_per_update updates on average.
	AgentsPerUpdate int `toml:"agents_per_update"`
	// LSTM: each actor carries an LSTM state across its decisions.
	LSTM     bool `toml:"lstm"`
	LSTMSize int  `toml:"lstm_size"`
	// Comm: the agents exchange messages through a bidirectional
	// recurrent channel whose output joins each actor's input.
	Comm       bool `toml:"comm"`
	Message    int  `toml:"message"`     // message length
	CommHidden int  `toml:"comm_hidden"` // recurrent width per direction
	// Weights scalarise the reward vector (delay, energy, load balance).
	// The default weighs load balance by 0.1: in a mecsim world every
	// phone is charged the whole edge's imbalance, which one offloaded
	// job raises by a good part of its edge time; at full weight that
	// rivals the job's own gain in latency from the edge, at 0.1 it
	// leans choices between sites without overruling delay and energy.
	Weights []float64 `toml:"weights"`
}

// Critic kinds.
const (
	CriticCentralised = "centralised"
	CriticIndependent = "independent"
)

// DefaultMADDPG returns the defaults.
func DefaultMADDPG() MADDPGConfig {
	return MADDPGConfig{
		Hidden: 64, Layers: 2, ActorLR: 1e-3, CriticLR: 1e-3, Gamma: 0.95, Tau: 0.01,
		Batch: 128, Buffer: 20000, Warmup: 1000, UpdateEvery: 1, Temperature: 1,
		NoiseStart: 1, NoiseEnd: 0.1, NoiseSteps: 10000, LogitReg: 0.01,
		Critic: CriticCentralised, ActorID: true, AgentsPerUpdate: 16, LSTMSize: 32, Message: 8, CommHidden: 16,
		Weights: []float64{1, 1, 0.1},
	}
}

// Validate reports every out-of-range setting.
func (c MADDPGConfig) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Hidden < 1 || c.Layers < 0 {
		bad("hidden must be ≥ 1 and layers ≥ 0, got %d and %d", c.Hidden, c.Layers)
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"actor_lr", c.ActorLR}, {"critic_lr", c.CriticLR}, {"temperature", c.Temperature}} {
		if !(x.v > 0) || math.IsInf(x.v, 0) {
			bad("%s: must be > 0, got %v", x.name, x.v)
		}
	}
	if !(c.Gamma >= 0 && c.Gamma < 1) {
		bad("gamma: must be in [0, 1), got %v", c.Gamma)
	}
	if !(c.Tau > 0 && c.Tau <= 1) {
		bad("tau: must be in (0, 1], got %v", c.Tau)
	}
	if c.Batch < 1 || c.Buffer < c.Batch {
		bad("batch must be ≥ 1 and buffer ≥ batch, got %d and %d", c.Batch, c.Buffer)
	}
	if c.Warmup < 0 || c.UpdateEvery < 1 || c.NoiseSteps < 0 {
		bad("warmup and noise_steps must be ≥ 0 and update_every ≥ 1, got %d, %d, %d", c.Warmup, c.NoiseSteps, c.UpdateEvery)
	}
	if !(c.NoiseStart >= 0) || !(c.NoiseEnd >= 0) {
		bad("noise_start and noise_end must be ≥ 0, got %v and %v", c.NoiseStart, c.NoiseEnd)
	}
	if !(c.Prior >= 0) || math.IsInf(c.Prior, 0) {
		bad("prior: must be ≥ 0, got %v", c.Prior)
	}
	if !(c.LogitReg >= 0) {
		bad("logit_reg: must be ≥ 0, got %v", c.LogitReg)
	}
	if c.Critic != CriticCentralised && c.Critic != CriticIndependent {
		bad("critic: must be %q or %q, got %q", CriticCentralised, CriticIndependent, c.Critic)
	}
	if c.AgentsPerUpdate < 1 {
		bad("agents_per_update: must be ≥ 1, got %d", c.AgentsPerUpdate)
	}
	if c.LSTMSize < 1 || c.Message < 1 || c.CommHidden < 1 {
		bad("lstm_size, message and comm_hidden must be ≥ 1, got %d, %d, %d", c.LSTMSize, c.Message, c.CommHidden)
	}
	if len(c.Weights) != MultiObjectives {
		bad("weights: want %d (delay, energy, load balance), got %d", MultiObjectives, len(c.Weights))
	}
	for i, w := range c.Weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			bad("weights[%d]: must be ≥ 0, got %v", i, w)
		}
	}
	return errors.Join(errs...)
}

// marlActor is one actor: an optional LSTM cell, an MLP head and an
// optional target scorer (ScoreTargets).
type marlActor struct {
	LSTM  *LSTM
	Head  *MLP
	Score *MLP
}

// weights lists the actor's weights in a fixed order: LSTM, head, scorer.
func (a marlActor) weights() Weights {
	var ws Weights
	if a.LSTM != nil {
		ws = append(ws, a.LSTM.W...)
	}
	ws = append(ws, a.Head.W...)
	if a.Score != nil {
		ws = append(ws, a.Score.W...)
	}
	return ws
}

func (a marlActor) clone() marlActor {
	c := marlActor{Head: &MLP{Sizes: a.Head.Sizes, W: a.Head.W.Clone()}}
	if a.LSTM != nil {
		c.LSTM = &LSTM{In: a.LSTM.In, Hidden: a.LSTM.Hidden, W: a.LSTM.W.Clone()}
	}
	if a.Score != nil {
		c.Score = &MLP{Sizes: a.Score.Sizes, W: a.Score.W.Clone()}
	}
	return c
}

// MADDPG is multi-agent DDPG (Lowe et al. 2017) for discrete actions:
// deterministic actors on local observations, trained through the
// straight-through Gumbel-softmax relaxation of their arg-max; critics
// over every agent's observation and action (or, with critic =
// "independent", each agent's own); target actors and critics with Polyak
// updates. With Com-DDPG's additions switched on, actors carry an LSTM
// state across decisions and read a context from a communication channel.
//
// The LSTM is trained on one step from the state stored with each
// transition (the state the actor acted from); the next state a target
// actor starts from is recomputed from it with the target cell.
type MADDPG struct {
	Cfg                   MADDPGConfig
	Agents, Obs, Actions  int
	actors, targetActors  []marlActor // one when shared
	critics, targetCritic []*marlCritic
	comm, targetComm      *Comm
	actorOpt, criticOpt   []*Adam
	commOpt               *Adam
	Buf                   *JointBuffer
	Updates               int
	Steps                 int // environment steps observed (for the exploration schedule)

	actSrc, sampleSrc *rand.PCG
	actRng, sampleRng *rand.Rand

	h, c []float64 // the agents' LSTM states, agents × LSTMSize

	u *marlUpdate // update scratch and graphs, built at the first update
	a *marlActing // acting scratch
}

// NewMADDPG returns agents for an environment of the given shape, their
// weights drawn from streams.
func NewMADDPG(cfg MADDPGConfig, agents, obs, actions int, streams sim.Streams) (*MADDPG, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if agents < 1 || obs < 1 || actions < 1 {
		return nil, fmt.Errorf("rl: %d agents with observations of %d values and %d actions", agents, obs, actions)
	}
	if (cfg.ScoreTargets || cfg.Prior > 0) && obs < actions*TargetFeatures {
		return nil, fmt.Errorf("rl: score_targets and prior need observations ending with %d features per action (%d), got %d values", TargetFeatures, actions*TargetFeatures, obs)
	}
	m := &MADDPG{Cfg: cfg, Agents: agents, Obs: obs, Actions: actions}
	m.actSrc, m.sampleSrc = streams.Source("rl/maddpg/act"), streams.Source("rl/maddpg/replay")
	m.actRng, m.sampleRng = rand.New(m.actSrc), rand.New(m.sampleSrc)
	initRng := streams.Rand("rl/maddpg/init")
	nets := agents
	if cfg.Share {
		nets = 1
	}
	if cfg.Comm {
		var err error
		if m.comm, err = NewComm(obs, cfg.Message, cfg.CommHidden, initRng); err != nil {
			return nil, err
		}
		m.targetComm = &Comm{Obs: obs, Message: cfg.Message, Hidden: cfg.CommHidden, W: m.comm.W.Clone()}
		m.commOpt = NewAdam(cfg.ActorLR, m.comm.W)
	}
	for i := range nets {
		a, err := m.newActor(initRng, fmt.Sprintf("actor%d.", i))
		if err != nil {
			return nil, err
		}
		q, err := m.newCritic(initRng, fmt.Sprintf("critic%d.", i))
		if err != nil {
			return nil, err
		}
		m.actors = append(m.actors, a)
		m.targetActors = append(m.targetActors, a.clone())
		m.critics = append(m.critics, q)
		m.targetCritic = append(m.targetCritic, q.clone())
		m.actorOpt = append(m.actorOpt, NewAdam(cfg.ActorLR, a.weights()))
		m.criticOpt = append(m.criticOpt, NewAdam(cfg.CriticLR, q.W))
	}
	var err error
	if m.Buf, err = NewJointBuffer(cfg.Buffer, agents, obs, actions, m.stateSize()); err != nil {
		return nil, err
	}
	m.h = make([]float64, agents*m.stateSize())
	m.c = make([]float64, agents*m.stateSize())
	return m, nil
}

func (m *MADDPG) mlpSizes(in, out int) []int {
	sizes := []int{in}
	for range m.Cfg.Layers {
		sizes = append(sizes, m.Cfg.Hidden)
	}
	return append(sizes, out)
}

func (m *MADDPG) newActor(rng *rand.Rand, prefix string) (marlActor, error) {
	var a marlActor
	in := m.actorInputs()
	if m.Cfg.LSTM {
		l, err := NewLSTM(in, m.Cfg.LSTMSize, rng, prefix+"lstm.")
		if err != nil {
			return a, err
		}
		a.LSTM, in = l, m.Cfg.LSTMSize
	}
	h, err := NewMLP(m.mlpSizes(in, m.Actions), rng, 0.1, prefix+"head")
	if err != nil {
		return a, err
	}
	a.Head = h
	if m.Cfg.ScoreTargets {
		if a.Score, err = NewMLP([]int{TargetFeatures, m.Cfg.Hidden, 1}, rng, 0.1, prefix+"score"); err != nil {
			return a, err
		}
	}
	return a, nil
}

// marlCritic is one critic: an MLP with one output per own action and,
// with ScoreTargets, a scorer of each action's block of the agent's own
// target features (the first Obs inputs of a critic row), added to that
// action's output as in the actors. W lists every weight (the MLP's,
// then the scorer's): optimisers, targets and checkpoints take them
// together.
type marlCritic struct {
	Net, Score *MLP
	W          Weights
}

func (m *MADDPG) newCritic(rng *rand.Rand, prefix string) (*marlCritic, error) {
	net, err := NewMLP(m.mlpSizes(m.criticInputs(), m.Actions), rng, 0.1, prefix)
	if err != nil {
		return nil, err
	}
	c := &marlCritic{Net: net, W: net.W}
	if m.Cfg.ScoreTargets {
		if c.Score, err = NewMLP([]int{TargetFeatures, m.Cfg.Hidden, 1}, rng, 0.1, prefix+"score"); err != nil {
			return nil, err
		}
		c.W = append(append(Weights(nil), net.W...), c.Score.W...)
	}
	return c, nil
}

func (c *marlCritic) clone() *marlCritic {
	w := c.W.Clone()
	d := &marlCritic{Net: &MLP{Sizes: c.Net.Sizes, W: w[:len(c.Net.W)]}, W: w}
	if c.Score != nil {
		d.Score = &MLP{Sizes: c.Score.Sizes, W: w[len(c.Net.W):]}
	}
	return d
}

// forward writes the critic's per-action values for rows of inputs x
// (each row W wide, agent i's own observation first) into out (rows ×
// K); s.tgt and s.score are scratch.
func (m *MADDPG) criticForward(c *marlCritic, x []float64, rows int, out []float64, s *marlActing) {
	c.Net.Forward(x, rows, out, &s.ms)
	if c.Score == nil {
		return
	}
	K, W := m.Actions, m.criticInputs()
	s.tgt = grow(s.tgt, rows*K*TargetFeatures)
	s.score = grow(s.score, rows*K)
	m.ownTargets(s.tgt, x, rows, W)
	c.Score.Forward(s.tgt, rows*K, s.score, &s.ms)
	for i, v := range s.score {
		out[i] += v
	}
}

// ownTargets copies, for rows of width w that begin with an agent's
// observation, each row's K blocks of target features into dst ((rows·K)
// × TargetFeatures).
func (m *MADDPG) ownTargets(dst, x []float64, rows, w int) {
	F := m.Actions * TargetFeatures
	for r := range rows {
		copy(dst[r*F:(r+1)*F], x[r*w+m.targetBlock(0):r*w+m.targetBlock(0)+F])
	}
}

// addPrior adds the prior's logits of observation o to logits.
func (m *MADDPG) addPrior(logits, o []float64) {
	for k := range logits {
		logits[k] -= m.Cfg.Prior * o[m.targetBlock(k)+TargetLatency]
	}
}

// targetBlock is where action k's block of TargetFeatures starts in an
// observation (ScoreTargets).
func (m *MADDPG) targetBlock(k int) int {
	return m.Obs - (m.Actions-k)*TargetFeatures
}

// ownInputs is the width of an agent's own actor inputs: its observation
// and, when networks are shared, its one-hot id.
func (m *MADDPG) ownInputs() int {
	if m.actorID() {
		return m.Obs + m.Agents
	}
	return m.Obs
}

// actorID reports whether the actors read a one-hot agent id.
func (m *MADDPG) actorID() bool { return m.Cfg.Share && m.Cfg.ActorID }

// actorInputs adds the channel's context.
func (m *MADDPG) actorInputs() int {
	if m.Cfg.Comm {
		return m.ownInputs() + 2*m.Cfg.CommHidden
	}
	return m.ownInputs()
}

func (m *MADDPG) centralised() bool { return m.Cfg.Critic == CriticCentralised }

// criticInputs: every (or the own) observation, every (or the own)
// one-hot action, and the one-hot id when shared.
func (m *MADDPG) criticInputs() int {
	n := m.Obs
	if m.centralised() {
		n = m.Agents*m.Obs + (m.Agents-1)*m.Actions
	}
	if m.Cfg.Share {
		n += m.Agents
	}
	return n
}

// seat is where agent j's observation sits among agent i's centralised
// critic inputs: i's own first, then the others in turn (i+1, …, N−1, 0,
// …, i−1), whose actions follow in the same order (seat p's at block
// p−1). With shared networks this puts what an agent's value depends on
// most at the same inputs for every agent; in the fixed order agent 0,
// 1, …, a shared critic would have to learn from the agent id which
// block of inputs is its own, a multiplicative routing an MLP learns
// slowly.
func (m *MADDPG) seat(i, j int) int {
	return (j - i + m.Agents) % m.Agents
}

func (m *MADDPG) stateSize() int {
	if m.Cfg.LSTM {
		return m.Cfg.LSTMSize
	}
	return 0
}

func (m *MADDPG) net(i int) int {
	if m.Cfg.Share {
		return 0
	}
	return i
}

// Noise returns the exploration scale σ after steps environment steps.
func (m *MADDPG) Noise(steps int) float64 {
	t := steps - m.Cfg.Warmup
	if t <= 0 || m.Cfg.NoiseSteps == 0 {
		if t <= 0 {
			return m.Cfg.NoiseStart
		}
		return m.Cfg.NoiseEnd
	}
	f := min(1, float64(t)/float64(m.Cfg.NoiseSteps))
	return m.Cfg.NoiseStart + f*(m.Cfg.NoiseEnd-m.Cfg.NoiseStart)
}

// ResetState zeroes every agent's LSTM state (at an episode's start).
func (m *MADDPG) ResetState() {
	clear(m.h)
	clear(m.c)
}

// marlActing is the scratch of acting.
type marlActing struct {
	x, ctx, logits, h2, c2 []float64
	tgt, score             []float64 // target blocks and their scores (ScoreTargets)
	ms                     mlpScratch
	ls                     lstmScratch
	cs                     commScratch
}

// forwardActors computes the logits (agent-major: agent j's b rows at
// logits[j·b·K:]) of every agent's actor for b samples of observations
// obs (agent-major, agents·b rows of Obs), from LSTM states h, c (same
// layout; nil without an LSTM), writing the next states into h2, c2.
// With only non-nil, just those agents' logits and states are computed
// (the channel still reads every agent's message); the others' are left
// as they were.
func (m *MADDPG) forwardActors(actors []marlActor, comm *Comm, obs []float64, b int, h, c, h2, c2, logits []float64, s *marlActing, only []int) {
	N, own, in := m.Agents, m.ownInputs(), m.actorInputs()
	s.x = grow(s.x, N*b*in)
	if comm != nil {
		s.ctx = grow(s.ctx, N*b*comm.Context())
		comm.Forward(obs, N, b, s.ctx, &s.cs)
	}
	for j := range N {
		for r := range b {
			row := s.x[(j*b+r)*in : (j*b+r+1)*in]
			copy(row, obs[(j*b+r)*m.Obs:(j*b+r+1)*m.Obs])
			if m.actorID() {
				clear(row[m.Obs:own])
				row[m.Obs+j] = 1
			}
			if comm != nil {
				copy(row[own:], s.ctx[(j*b+r)*comm.Context():(j*b+r+1)*comm.Context()])
			}
		}
	}
	run := func(a marlActor, lo, rows int) {
		x := s.x[lo*in : (lo+rows)*in]
		if a.LSTM != nil {
			H := a.LSTM.Hidden
			a.LSTM.Step(x, rows, h[lo*H:(lo+rows)*H], c[lo*H:(lo+rows)*H], h2[lo*H:(lo+rows)*H], c2[lo*H:(lo+rows)*H], &s.ls)
			x = h2[lo*H : (lo+rows)*H]
		}
		out := logits[lo*m.Actions : (lo+rows)*m.Actions]
		a.Head.Forward(x, rows, out, &s.ms)
		if a.Score != nil {
			K := m.Actions
			s.tgt = grow(s.tgt, rows*K*TargetFeatures)
			s.score = grow(s.score, rows*K)
			m.ownTargets(s.tgt, s.x[lo*in:(lo+rows)*in], rows, in)
			a.Score.Forward(s.tgt, rows*K, s.score, &s.ms)
			for i, v := range s.score {
				out[i] += v
			}
		}
		if m.Cfg.Prior > 0 {
			for r := range rows {
				m.addPrior(out[r*m.Actions:(r+1)*m.Actions], s.x[(lo+r)*in:(lo+r)*in+m.Obs])
			}
		}
	}
	switch {
	case only != nil:
		for _, j := range only {
			run(actors[m.net(j)], j*b, b)
		}
	case m.Cfg.Share:
		run(actors[0], 0, N*b)
	default:
		for j := range N {
			run(actors[j], j*b, b)
		}
	}
}

// Act picks every agent's action for one joint observation (agents × Obs)
// and mask (agents × Actions) into actions, and advances the agents'
// LSTM states. explore adds the scheduled Gumbel noise; before the
// warm-up ends, exploring actions are uniform over the allowed ones.
func (m *MADDPG) Act(obs []float64, mask []bool, explore bool, actions []int) error {
	N, K := m.Agents, m.Actions
	if len(obs) != N*m.Obs || len(mask) != N*K || len(actions) != N {
		return fmt.Errorf("rl: act on %d observation values, %d mask entries, %d actions; want %d, %d, %d", len(obs), len(mask), len(actions), N*m.Obs, N*K, N)
	}
	if m.a == nil {
		m.a = &marlActing{}
	}
	s := m.a
	s.logits = grow(s.logits, N*K)
	S := m.stateSize()
	s.h2, s.c2 = grow(s.h2, N*S), grow(s.c2, N*S)
	m.forwardActors(m.actors, m.comm, obs, 1, m.h, m.c, s.h2, s.c2, s.logits, s, nil)
	copy(m.h, s.h2)
	copy(m.c, s.c2)
	sigma := 0.0
	if explore {
		sigma = m.Noise(m.Steps)
	}
	for j := range N {
		am := mask[j*K : (j+1)*K]
		if explore && m.Steps < m.Cfg.Warmup {
			actions[j] = uniformAllowed(m.actRng, am)
			continue
		}
		best, bv := -1, math.Inf(-1)
		for k, ok := range am {
			if !ok {
				continue
			}
			v := s.logits[j*K+k]
			if sigma > 0 {
				v += sigma * gumbel(m.actRng)
			}
			if best < 0 || v > bv {
				best, bv = k, v
			}
		}
		if best < 0 {
			best = 0 // nothing allowed: the environment ignores the action
		}
		actions[j] = best
	}
	return nil
}

// gumbel draws a standard Gumbel variate.
func gumbel(rng *rand.Rand) float64 {
	u := rng.Float64()
	for u == 0 {
		u = rng.Float64()
	}
	return -math.Log(-math.Log(u))
}

// State returns the agents' current LSTM states (views, agents ×
// LSTMSize; empty without an LSTM).
func (m *MADDPG) State() (h, c []float64) { return m.h, m.c }

// Observe stores a joint transition and counts the step. h and c are the
// LSTM states the agents acted from.
func (m *MADDPG) Observe(tr JointTransition) {
	m.Buf.Add(tr)
	m.Steps++
}

// ReadyToUpdate reports whether the schedule asks for an update now.
func (m *MADDPG) ReadyToUpdate() bool {
	return m.Steps >= m.Cfg.Warmup && m.Buf.Len >= m.Cfg.Batch && m.Steps%m.Cfg.UpdateEvery == 0
}

// ActionValues writes into out (Actions values) agent i's critic value
// of each of its actions in the joint state obs (every agent's
// observation, agent-major), the other agents' actions fixed at actions:
// the values the actor's update climbs, for looking into what an agent
// has learnt.
func (m *MADDPG) ActionValues(obs []float64, actions []int, i int, out []float64) error {
	N, K, O := m.Agents, m.Actions, m.Obs
	if len(obs) != N*O || len(actions) != N || len(out) != K || i < 0 || i >= N {
		return fmt.Errorf("rl: action values of agent %d on %d observation values, %d actions, into %d; want an agent below %d, %d, %d, %d",
			i, len(obs), len(actions), len(out), N, N*O, N, K)
	}
	x := make([]float64, m.criticInputs())
	m.criticRow(x, func(j int) []float64 { return obs[j*O : (j+1)*O] }, func(j int) int { return actions[j] }, i)
	m.criticForward(m.critics[m.net(i)], x, 1, out, &marlActing{})
	return nil
}

// criticRow writes agent i's critic inputs into row: the seated
// observations obs(j), the other agents' one-hot actions act(j), and the
// agent id when networks are shared. Agent i's own action is not an
// input: the critic has one output per action, and a_i picks one.
func (m *MADDPG) criticRow(row []float64, obs func(j int) []float64, act func(j int) int, i int) {
	N, K, O := m.Agents, m.Actions, m.Obs
	clear(row)
	if m.centralised() {
		for j := range N {
			p := m.seat(i, j)
			copy(row[p*O:(p+1)*O], obs(j))
			if p > 0 {
				row[N*O+(p-1)*K+act(j)] = 1
			}
		}
	} else {
		copy(row[:O], obs(i))
	}
	if m.Cfg.Share {
		row[len(row)-N+i] = 1
	}
}
