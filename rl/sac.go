package rl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/mecsim/mecsim/sim"
)

// Objectives is the number of reward components: delay and energy
// utilities, in that order (higher is better).
const Objectives = 2

// Env is an episodic environment whose observations are columns, one per
// action (a server, a processor…), each of the same number of features,
// with a mask of the actions allowed, and whose reward is a vector
// (delay utility, energy utility). The preference is not part of the
// observation: the agent appends it.
type Env interface {
	Shape() (columns, features int)
	Reset(seed uint64)
	// Observe writes columns·features values (column k at
	// obs[k·features:]) and the mask of allowed actions; it fails only
	// when the slices have the wrong lengths.
	Observe(obs []float64, mask []bool) error
	Step(action int) (reward [Objectives]float64, terminated, truncated bool, err error)
}

// SACConfig holds a preference-conditioned Discrete SAC's settings. Start
// from DefaultSAC and change what differs.
type SACConfig struct {
	Encoder int `toml:"encoder"` // encoder width
	Trunk   int `toml:"trunk"`   // trunk width
	Blocks  int `toml:"blocks"`  // residual blocks in the trunk

	ActorLR  float64 `toml:"actor_lr"`
	CriticLR float64 `toml:"critic_lr"`
	AlphaLR  float64 `toml:"alpha_lr"`
	Gamma    float64 `toml:"gamma"` // discount
	Tau      float64 `toml:"tau"`   // Polyak rate of the target critics
	Batch    int     `toml:"batch"`
	Buffer   int     `toml:"buffer"` // replay capacity, transitions
	Warmup   int     `toml:"warmup"` // steps of uniformly random actions before learning
	// UpdateEvery is the number of environment steps per gradient update.
	UpdateEvery  int     `toml:"update_every"`
	InitialAlpha float64 `toml:"initial_alpha"`
	// TargetEntropy is the fraction of log(number of allowed actions)
	// that the automatic temperature aims the policy's entropy at, per
	// state (states with fewer allowed actions aim lower).
	TargetEntropy float64 `toml:"target_entropy"`
	// FixedAlpha keeps the temperature at InitialAlpha.
	FixedAlpha bool `toml:"fixed_alpha"`
	// NoRelabel keeps each transition's behaviour preference at update
	// time instead of drawing a fresh one.
	NoRelabel bool `toml:"no_relabel"`
	// RawInputs feeds the observation to the networks as it is; by
	// default each value x enters as sign(x)·log(1 + |x|), so that a task
	// of 100 Mbit and a count of 3 are on comparable scales.
	RawInputs bool `toml:"raw_inputs"`
	// Preference, when in [0, 1], fixes the preference during training
	// instead of drawing it per episode (a single-objective agent); a
	// negative value (the default) draws it.
	Preference float64 `toml:"preference"`
}

// DefaultSAC returns the defaults: Adam 3e-4, γ = 0.9, τ = 0.005, batch
// 128, buffer 1e5, 2,000 warm-up steps, an update every 2 steps, α₀ = 1
// with target entropy 0.5·log|A| (a low initial α collapses the policy
// onto one action before the critics know anything), a 64-wide encoder,
// a 128-wide trunk and one residual block.
func DefaultSAC() SACConfig {
	return SACConfig{
		Encoder: 64, Trunk: 128, Blocks: 1,
		ActorLR: 3e-4, CriticLR: 3e-4, AlphaLR: 3e-4,
		Gamma: 0.9, Tau: 0.005, Batch: 128, Buffer: 100_000, Warmup: 2000,
		UpdateEvery: 2, InitialAlpha: 1, TargetEntropy: 0.5, Preference: -1,
	}
}

// Validate reports settings out of range, naming the setting.
func (c SACConfig) Validate() error {
	var errs []error
	pos := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%s: must be positive and finite, is %v", name, v))
		}
	}
	pos("actor_lr", c.ActorLR)
	pos("critic_lr", c.CriticLR)
	pos("alpha_lr", c.AlphaLR)
	pos("initial_alpha", c.InitialAlpha)
	pos("target_entropy", c.TargetEntropy)
	if !(c.Gamma >= 0 && c.Gamma < 1) {
		errs = append(errs, fmt.Errorf("gamma: must be in [0, 1), is %v", c.Gamma))
	}
	if !(c.Tau > 0 && c.Tau <= 1) {
		errs = append(errs, fmt.Errorf("tau: must be in (0, 1], is %v", c.Tau))
	}
	if c.TargetEntropy > 1 {
		errs = append(errs, fmt.Errorf("target_entropy: a fraction of the maximum entropy, at most 1, is %v", c.TargetEntropy))
	}
	if c.Preference > 1 {
		errs = append(errs, fmt.Errorf("preference: must be in [0, 1] or negative (drawn per episode), is %v", c.Preference))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"encoder", c.Encoder}, {"trunk", c.Trunk}, {"batch", c.Batch}, {"buffer", c.Buffer}, {"update_every", c.UpdateEvery}} {
		if f.v < 1 {
			errs = append(errs, fmt.Errorf("%s: must be at least 1, is %d", f.name, f.v))
		}
	}
	if c.Blocks < 0 {
		errs = append(errs, fmt.Errorf("blocks: must not be negative, is %d", c.Blocks))
	}
	if c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup: must not be negative, is %d", c.Warmup))
	}
	return errors.Join(errs...)
}

// SAC is a preference-conditioned Discrete Soft Actor-Critic
// (Christodoulou 2019) with twin critics whose outputs are value vectors
// (one per objective), exact expectations over the discrete actions,
// automatic temperature, and preference relabelling at update time.
//
// The preference w weighs delay against energy: the scalar reward is
// w·r_delay + (1−w)·r_energy. w is appended to every column's features, so
// one network serves every trade-off.
type SAC struct {
	Cfg        SACConfig
	Cols, Feat int // the environment's columns and features per column

	Actor, Q1, Q2, T1, T2 *Net
	LogAlpha              float64
	ActorOpt, CriticOpt   *Adam
	AlphaOpt              scalarAdam
	Buf                   *Buffer
	Updates               int

	// Random streams, kept as sources so that checkpoints hold their
	// state: action sampling, replay sampling, relabelled preferences.
	actSrc, sampleSrc, prefSrc *rand.PCG
	actRng, sampleRng, prefRng *rand.Rand

	// Built on first use, for the batch size.
	critic [2]*criticGraph // one per critic
	actorG *actorGraph

	// Scratch, reused.
	one                *Batch
	oneOut, oneProbs   []float64
	fs, fsB            forwardScratch
	outT1, outT2       []float64
	outAs              []float64 // the actor on the current states
	criticParams       []*Param
	s, s2              *Batch
	outA, outQ1, outQ2 []float64
	idx                []int
	prefs              []float64
	criticGrads        [][]float64
	actorGrads         [][]float64
	last               UpdateStats
}

// UpdateStats reports the latest update.
type UpdateStats struct {
	CriticLoss, ActorLoss, Alpha, Entropy float64
}

// NewSAC returns an agent for an environment of the given shape, its
// weights drawn from streams (labels "rl/init/…"), its action and replay
// sampling from their own streams.
func NewSAC(cfg SACConfig, columns, features int, streams sim.Streams) (*SAC, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sac: %w", err)
	}
	if columns < 1 || features < 1 {
		return nil, fmt.Errorf("sac: environment of %d columns and %d features", columns, features)
	}
	a := Arch{Features: features + 1, Columns: columns, Encoder: cfg.Encoder, Trunk: cfg.Trunk, Blocks: cfg.Blocks, Outputs: 1}
	s := &SAC{Cfg: cfg, Cols: columns, Feat: features, LogAlpha: math.Log(cfg.InitialAlpha)}
	var err error
	if s.Actor, err = NewNet(a, streams.Rand("rl/init/actor")); err != nil {
		return nil, fmt.Errorf("sac: %w", err)
	}
	ca := a
	ca.Outputs = Objectives
	if s.Q1, err = NewNet(ca, streams.Rand("rl/init/critic-1")); err != nil {
		return nil, fmt.Errorf("sac: %w", err)
	}
	if s.Q2, err = NewNet(ca, streams.Rand("rl/init/critic-2")); err != nil {
		return nil, fmt.Errorf("sac: %w", err)
	}
	s.T1, s.T2 = s.Q1.Clone(), s.Q2.Clone()
	s.ActorOpt = NewAdam(cfg.ActorLR, s.Actor.Params)
	s.CriticOpt = NewAdam(cfg.CriticLR, append(append([]*Param(nil), s.Q1.Params...), s.Q2.Params...))
	if s.Buf, err = NewBuffer(cfg.Buffer, columns*features, columns, Objectives); err != nil {
		return nil, fmt.Errorf("sac: %w", err)
	}
	s.actSrc = streams.Source("rl/act")
	s.sampleSrc = streams.Source("rl/replay")
	s.prefSrc = streams.Source("rl/relabel")
	s.initScratch()
	return s, nil
}

func (s *SAC) initScratch() {
	s.actRng, s.sampleRng, s.prefRng = rand.New(s.actSrc), rand.New(s.sampleSrc), rand.New(s.prefSrc)
	s.one = NewBatch(s.Actor.Arch, 1)
	s.oneOut = make([]float64, s.Cols)
	s.oneProbs = make([]float64, s.Cols)
}

// Alpha returns the temperature.
func (s *SAC) Alpha() float64 { return math.Exp(s.LogAlpha) }

// LastUpdate returns the statistics of the latest update.
func (s *SAC) LastUpdate() UpdateStats { return s.last }

// fillColumns writes obs (Cols·Feat) with the preference appended to each
// column into dst (Cols·(Feat+1)).
func (s *SAC) fillColumns(dst []float64, obs []float64, w float64) {
	fillInput(dst, obs, s.Cols, s.Feat, w, !s.Cfg.RawInputs)
}

func (s *SAC) fillColumns32(dst []float64, obs []float32, w float64) {
	f := s.Feat
	for k := range s.Cols {
		row := dst[k*(f+1) : (k+1)*(f+1)]
		for j, v := range obs[k*f : (k+1)*f] {
			row[j] = inputOf(float64(v), !s.Cfg.RawInputs)
		}
		row[f] = w
	}
}

// fillInput writes an observation of cols columns of feat values, each
// through inputOf, with the preference appended to every column.
func fillInput(dst, obs []float64, cols, feat int, w float64, symlog bool) {
	for k := range cols {
		row := dst[k*(feat+1) : (k+1)*(feat+1)]
		for j, v := range obs[k*feat : (k+1)*feat] {
			row[j] = inputOf(v, symlog)
		}
		row[feat] = w
	}
}

// inputOf is the network input of an observation value: sign(x)·log(1+|x|)
// unless raw.
func inputOf(x float64, symlog bool) float64 {
	switch {
	case !symlog:
		return x
	case x < 0:
		return -math.Log1p(-x)
	}
	return math.Log1p(x)
}

// Probs writes the policy's action probabilities for one observation
// under preference w into probs (length Cols).
func (s *SAC) Probs(obs []float64, mask []bool, w float64, probs []float64) error {
	if len(obs) != s.Cols*s.Feat || len(mask) != s.Cols || len(probs) != s.Cols {
		return fmt.Errorf("sac: observation of %d values and %d mask entries, want %d and %d", len(obs), len(mask), s.Cols*s.Feat, s.Cols)
	}
	s.fillColumns(s.one.X, obs, w)
	copy(s.one.Mask, mask)
	s.Actor.Forward(s.one, s.oneOut, &s.fs)
	if !softmaxMasked(s.oneOut, mask, probs, nil) {
		return fmt.Errorf("sac: no action allowed")
	}
	return nil
}

// Act returns an action for one observation under preference w: sampled
// from the policy, or its most probable action when greedy.
func (s *SAC) Act(obs []float64, mask []bool, w float64, greedy bool) (int, error) {
	probs := s.oneProbs
	if err := s.Probs(obs, mask, w, probs); err != nil {
		return 0, err
	}
	if greedy {
		best := -1
		for a, p := range probs {
			if mask[a] && (best < 0 || p > probs[best]) {
				best = a
			}
		}
		return best, nil
	}
	return sampleCategorical(s.actRng, probs, mask), nil
}

// RandomAction returns a uniformly random allowed action (warm-up).
func (s *SAC) RandomAction(mask []bool) int { return uniformAllowed(s.actRng, mask) }

func sampleCategorical(rng *rand.Rand, probs []float64, mask []bool) int {
	u := rng.Float64()
	last := -1
	for a, p := range probs {
		if !mask[a] {
			continue
		}
		last = a
		u -= p
		if u < 0 {
			return a
		}
	}
	return last
}

// softmaxMasked writes the softmax of the allowed logits into probs (0 for
// masked actions) and, when logp is not nil, their logarithms (0 for
// masked). It reports false when no action is allowed.
func softmaxMasked(logits []float64, mask []bool, probs, logp []float64) bool {
	mx := math.Inf(-1)
	for a, l := range logits {
		if mask[a] && l > mx {
			mx = l
		}
	}
	if math.IsInf(mx, -1) {
		return false
	}
	sum := 0.0
	for a, l := range logits {
		if mask[a] {
			sum += math.Exp(l - mx)
		}
	}
	lse := mx + math.Log(sum)
	for a, l := range logits {
		if mask[a] {
			probs[a] = math.Exp(l - lse)
			if logp != nil {
				logp[a] = l - lse
			}
		} else {
			probs[a] = 0
			if logp != nil {
				logp[a] = 0
			}
		}
	}
	return true
}

// softTarget is the value-vector target of one transition: the reward
// plus, unless the episode terminated, γ times the next state's soft
// value Σ_a π(a|s')·(Q(s',a) − α·log π(a|s')·1), where Q(s',a) is the
// vector of whichever target critic has the lower scalarised value
// w·Q_delay + (1−w)·Q_energy at (s', a). The entropy bonus is added to
// every component, so that the scalarised target carries exactly α·H.
func softTarget(reward [Objectives]float64, terminated bool, gamma, alpha, w float64, probs, logp, q1, q2 []float64, mask []bool) [Objectives]float64 {
	y := reward
	if terminated {
		return y
	}
	var v [Objectives]float64
	for a, p := range probs {
		if !mask[a] || p == 0 {
			continue
		}
		qa := q1[a*Objectives : (a+1)*Objectives]
		if qb := q2[a*Objectives : (a+1)*Objectives]; scalarise(qb, w) < scalarise(qa, w) {
			qa = qb
		}
		for j := range v {
			v[j] += p * (qa[j] - alpha*logp[a])
		}
	}
	for j := range y {
		y[j] += gamma * v[j]
	}
	return y
}

// scalarise returns w·v[0] + (1−w)·v[1].
func scalarise(v []float64, w float64) float64 { return w*v[0] + (1-w)*v[1] }

// Observe stores a transition taken under preference w.
func (s *SAC) Observe(obs []float64, mask []bool, action int, reward [Objectives]float64, w float64, next []float64, nextMask []bool, terminated bool) {
	s.Buf.Add(obs, mask, action, reward[:], w, next, nextMask, terminated)
}

// Update performs one gradient step on the critics, the actor and the
// temperature from a sampled batch, then moves the target critics. It
// does nothing while the buffer holds fewer transitions than a batch.
func (s *SAC) Update() (UpdateStats, error) {
	B := s.Cfg.Batch
	if s.Buf.Len < B {
		return s.last, nil
	}
	if s.critic[0] == nil {
		if err := s.buildGraphs(); err != nil {
			return s.last, err
		}
	}
	C, F := s.Cols, s.Feat
	s.Buf.Sample(s.sampleRng, s.idx)
	for i, t := range s.idx {
		w := s.Buf.Pref[t]
		switch {
		case s.Cfg.Preference >= 0: // a single-objective agent
			w = s.Cfg.Preference
		case !s.Cfg.NoRelabel:
			w = s.prefRng.Float64()
		}
		s.prefs[i] = w
		rowLen := C * (F + 1)
		s.fillColumns32(s.s.X[i*rowLen:(i+1)*rowLen], s.Buf.Obs[t*C*F:(t+1)*C*F], w)
		s.fillColumns32(s.s2.X[i*rowLen:(i+1)*rowLen], s.Buf.Next[t*C*F:(t+1)*C*F], w)
		copy(s.s.Mask[i*C:(i+1)*C], s.Buf.Mask[t*C:(t+1)*C])
		copy(s.s2.Mask[i*C:(i+1)*C], s.Buf.NextMask[t*C:(t+1)*C])
	}
	alpha := s.Alpha()

	// The forward passes without gradients, on two goroutines (weights
	// are only read, each goroutine has its own scratch): the targets'
	// inputs on the next states, and the critics and the actor on the
	// current ones for the actor's loss and the temperature.
	// Both losses are then taken from the same pre-update weights, as in
	// the original SAC, and their graphs (disjoint weights) run at once.
	// Each goroutine's work is fixed, so the result does not depend on
	// scheduling.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Q1.Forward(s.s, s.outQ1, &s.fsB)
		s.Q2.Forward(s.s, s.outQ2, &s.fsB)
		s.Actor.Forward(s.s, s.outAs, &s.fsB)
	}()
	s.Actor.Forward(s.s2, s.outA, &s.fs)
	s.T1.Forward(s.s2, s.outT1, &s.fs)
	s.T2.Forward(s.s2, s.outT2, &s.fs)
	wg.Wait()

	probs := make([]float64, C)
	logp := make([]float64, C)
	sel, ys := s.critic[0].sel.data, s.critic[0].y.data
	clear(sel)
	for i, t := range s.idx {
		m := s.s2.Mask[i*C : (i+1)*C]
		var y [Objectives]float64
		copy(y[:], s.Buf.Reward[t*Objectives:(t+1)*Objectives])
		term := s.Buf.Terminated[t]
		if !term && softmaxMasked(s.outA[i*C:(i+1)*C], m, probs, logp) {
			y = softTarget(y, false, s.Cfg.Gamma, alpha, s.prefs[i], probs, logp,
				s.outT1[i*C*Objectives:(i+1)*C*Objectives], s.outT2[i*C*Objectives:(i+1)*C*Objectives], m)
		}
		copy(ys[i*Objectives:(i+1)*Objectives], y[:])
		sel[i*B*C+i*C+int(s.Buf.Action[t])] = 1
	}
	// The actor's inputs: the scalarised twin minimum.
	for i := range B {
		w := s.prefs[i]
		for a := range C {
			r := (i*C + a) * Objectives
			q := min(scalarise(s.outQ1[r:r+Objectives], w), scalarise(s.outQ2[r:r+Objectives], w))
			s.actorG.q.data[i*C+a] = q
			s.actorG.alpha.data[i*C+a] = alpha
		}
	}

	copy(s.critic[1].sel.data, sel)
	copy(s.critic[1].y.data, ys)
	// Three graphs on two goroutines: critic 1, then critic 2 and the actor.
	n1 := len(s.Q1.Params)
	var closs1, closs2, aloss float64
	var cerr1, cerr2, aerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		closs1, cerr1 = s.critic[0].step(s.s, s.criticGrads[:n1])
	}()
	closs2, cerr2 = s.critic[1].step(s.s, s.criticGrads[n1:])
	if cerr2 == nil {
		aloss, aerr = s.actorG.step(s.s, s.actorGrads)
	}
	wg.Wait()
	if err := errors.Join(cerr1, cerr2, aerr); err != nil {
		return s.last, err
	}
	closs := closs1 + closs2
	s.CriticOpt.Step(s.criticParams, s.criticGrads)
	s.ActorOpt.Step(s.Actor.Params, s.actorGrads)

	// Temperature: J(α) = α·mean(H(π(·|s)) − H̄(s)), H̄ a fraction of
	// log(allowed actions) of each state, with π the policy before this
	// update (computed by Net.Forward: gorgonia reuses the memory of the
	// graph's forward values during the backward pass, so they are not
	// read back).
	gap, ent := 0.0, 0.0
	for i := range B {
		m := s.s.Mask[i*C : (i+1)*C]
		n := 0
		for _, ok := range m {
			if ok {
				n++
			}
		}
		h := 0.0
		if softmaxMasked(s.outAs[i*C:(i+1)*C], m, probs, logp) {
			for a, p := range probs {
				if p > 0 {
					h -= p * logp[a]
				}
			}
		}
		ent += h
		gap += h - s.Cfg.TargetEntropy*math.Log(float64(max(n, 1)))
	}
	ent /= float64(B)
	if !s.Cfg.FixedAlpha {
		s.AlphaOpt.step(&s.LogAlpha, alpha*gap/float64(B), s.Cfg.AlphaLR)
	}
	s.T1.Polyak(s.Q1, s.Cfg.Tau)
	s.T2.Polyak(s.Q2, s.Cfg.Tau)
	s.Updates++
	s.last = UpdateStats{CriticLoss: closs, ActorLoss: aloss, Alpha: s.Alpha(), Entropy: ent}
	return s.last, nil
}

func (s *SAC) buildGraphs() error {
	B := s.Cfg.Batch
	var err error
	for i, q := range []*Net{s.Q1, s.Q2} {
		if s.critic[i], err = newCriticGraph(B, q); err != nil {
			return fmt.Errorf("sac: critic graph: %w", err)
		}
	}
	if s.actorG, err = newActorGraph(s.Actor, B); err != nil {
		return fmt.Errorf("sac: actor graph: %w", err)
	}
	s.s, s.s2 = NewBatch(s.Actor.Arch, B), NewBatch(s.Actor.Arch, B)
	s.outA = make([]float64, B*s.Cols)
	s.outQ1 = make([]float64, B*s.Cols*Objectives)
	s.outQ2 = make([]float64, B*s.Cols*Objectives)
	s.outAs = make([]float64, B*s.Cols)
	s.outT1 = make([]float64, B*s.Cols*Objectives)
	s.outT2 = make([]float64, B*s.Cols*Objectives)
	s.criticParams = append(append([]*Param(nil), s.Q1.Params...), s.Q2.Params...)
	s.idx = make([]int, B)
	s.prefs = make([]float64, B)
	s.criticGrads = nil
	for _, p := range append(append([]*Param(nil), s.Q1.Params...), s.Q2.Params...) {
		s.criticGrads = append(s.criticGrads, make([]float64, len(p.Data)))
	}
	s.actorGrads = nil
	for _, p := range s.Actor.Params {
		s.actorGrads = append(s.actorGrads, make([]float64, len(p.Data)))
	}
	return nil
}
