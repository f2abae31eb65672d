package rl

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mecsim/mecsim/sim"
)

// DelayedEnv is an Env whose rewards are known only later — in a mecsim
// world a task's latency and energy are known when it ends, after other
// decisions. Its Step returns a zero reward; Ticket names the step just
// taken, and Resolved hands over, in the order they became known, the
// rewards of the tickets resolved since the last call. A transition enters
// the replay buffer when its reward is known; tickets still open when the
// episode ends are dropped.
type DelayedEnv interface {
	Env
	Ticket() int64
	Resolved(yield func(ticket int64, reward [Objectives]float64))
}

// pendingStep is a transition waiting for its reward.
type pendingStep struct {
	obs, next   []float64
	mask, nmask []bool
	action      int
	terminated  bool
}

// CurvePoint is one finished training episode: the learning curve.
type CurvePoint struct {
	Step       int     // environment steps done at the episode's end
	Episode    int     // 0-based
	Preference float64 // w the episode was played under
	Return     float64 // undiscounted scalarised return w·R_delay + (1−w)·R_energy
	Delay      float64 // undiscounted delay-utility return
	Energy     float64 // undiscounted energy-utility return
	Length     int     // decisions
	Dropped    int     // decisions whose reward never came (a DelayedEnv's open tickets at the episode's end)
	CriticLoss float64 // of the latest update (0 before the first)
	ActorLoss  float64
	Alpha      float64
	Entropy    float64 // mean policy entropy over the latest batch
}

// Progress is reported after every episode.
type Progress struct {
	Step, Steps    int
	Last           CurvePoint
	StepsPerSecond float64 // since this Run began
}

// Trainer runs a SAC agent on an environment episode by episode. Its
// whole state (agent, counters, random streams, curve) is in a
// checkpoint, which is taken between episodes, so a run resumed from a
// checkpoint continues exactly as if it had not stopped: each episode's
// environment seed derives from the master seed and the episode's index.
type Trainer struct {
	Agent   *SAC
	Env     Env
	Seed    uint64 // master seed
	Steps   int    // environment steps to train for
	Step    int    // steps done
	Episode int    // episodes done
	Curve   []CurvePoint

	prefSrc *rand.PCG
	prefRng *rand.Rand

	obs, next   []float64
	mask, nmask []bool
}

// NewTrainer returns a trainer for steps environment steps.
func NewTrainer(agent *SAC, env Env, seed uint64, steps int) (*Trainer, error) {
	c, f := env.Shape()
	if c != agent.Cols || f != agent.Feat {
		return nil, fmt.Errorf("rl: environment has %d columns of %d features, the agent %d of %d", c, f, agent.Cols, agent.Feat)
	}
	if steps < 1 {
		return nil, fmt.Errorf("rl: %d training steps", steps)
	}
	t := &Trainer{Agent: agent, Env: env, Seed: seed, Steps: steps}
	t.prefSrc = sim.NewStreams(seed).Source("rl/preference")
	t.init()
	return t, nil
}

func (t *Trainer) init() {
	t.prefRng = rand.New(t.prefSrc)
	c, f := t.Env.Shape()
	t.obs, t.next = make([]float64, c*f), make([]float64, c*f)
	t.mask, t.nmask = make([]bool, c), make([]bool, c)
}

// EpisodeSeed returns the environment seed of training episode i.
func EpisodeSeed(master uint64, i int) uint64 {
	return sim.NewStreams(master).Derive(fmt.Sprintf("rl/episode/%d", i)).Seed()
}

// Done reports whether the trainer has taken all its steps.
func (t *Trainer) Done() bool { return t.Step >= t.Steps }

// RunEpisode plays and learns from one episode.
func (t *Trainer) RunEpisode() (CurvePoint, error) {
	a := t.Agent
	w := a.Cfg.Preference
	if w < 0 {
		w = t.prefRng.Float64()
	}
	t.Env.Reset(EpisodeSeed(t.Seed, t.Episode))
	cp := CurvePoint{Episode: t.Episode, Preference: w}
	delayed, _ := t.Env.(DelayedEnv)
	var pending map[int64]pendingStep
	resolve := func(ticket int64, r [Objectives]float64) {
		p, ok := pending[ticket]
		if !ok {
			return
		}
		delete(pending, ticket)
		a.Observe(p.obs, p.mask, p.action, r, w, p.next, p.nmask, p.terminated)
		cp.Delay += r[0]
		cp.Energy += r[1]
	}
	if delayed != nil {
		pending = map[int64]pendingStep{}
	}
	if err := t.Env.Observe(t.obs, t.mask); err != nil {
		return cp, fmt.Errorf("episode %d: %w", t.Episode, err)
	}
	for {
		var act int
		if t.Step < a.Cfg.Warmup {
			act = a.RandomAction(t.mask)
		} else {
			var err error
			if act, err = a.Act(t.obs, t.mask, w, false); err != nil {
				return cp, fmt.Errorf("episode %d step %d: %w", t.Episode, t.Step, err)
			}
		}
		r, term, trunc, err := t.Env.Step(act)
		if err != nil {
			return cp, fmt.Errorf("episode %d step %d: %w", t.Episode, t.Step, err)
		}
		if err := t.Env.Observe(t.next, t.nmask); err != nil {
			return cp, fmt.Errorf("episode %d step %d: %w", t.Episode, t.Step, err)
		}
		if delayed != nil {
			pending[delayed.Ticket()] = pendingStep{obs: slices.Clone(t.obs), next: slices.Clone(t.next),
				mask: slices.Clone(t.mask), nmask: slices.Clone(t.nmask), action: act, terminated: term}
			delayed.Resolved(resolve)
		} else {
			a.Observe(t.obs, t.mask, act, r, w, t.next, t.nmask, term)
			cp.Delay += r[0]
			cp.Energy += r[1]
		}
		t.Step++
		cp.Length++
		if t.Step > a.Cfg.Warmup && t.Step%a.Cfg.UpdateEvery == 0 {
			if _, err := a.Update(); err != nil {
				return cp, fmt.Errorf("episode %d step %d: %w", t.Episode, t.Step, err)
			}
		}
		t.obs, t.next = t.next, t.obs
		t.mask, t.nmask = t.nmask, t.mask
		if term || trunc {
			break
		}
	}
	if delayed != nil {
		delayed.Resolved(resolve)
		cp.Dropped = len(pending)
	}
	cp.Return = w*cp.Delay + (1-w)*cp.Energy
	cp.Step = t.Step
	u := a.LastUpdate()
	cp.CriticLoss, cp.ActorLoss, cp.Alpha, cp.Entropy = u.CriticLoss, u.ActorLoss, a.Alpha(), u.Entropy
	t.Curve = append(t.Curve, cp)
	t.Episode++
	return cp, nil
}

// Run plays episodes until the trainer is done or, when afterEpisode
// returns an error (to checkpoint, to stop), until then. progress may be
// nil.
func (t *Trainer) Run(afterEpisode func(*Trainer) error, progress func(Progress)) error {
	return runEpisodes(func() int { return t.Step }, t.Done, t.RunEpisode,
		func(cp CurvePoint, rate float64) {
			if progress != nil {
				progress(Progress{Step: t.Step, Steps: t.Steps, Last: cp, StepsPerSecond: rate})
			}
		},
		func() error {
			if afterEpisode == nil {
				return nil
			}
			return afterEpisode(t)
		})
}

// runEpisodes is a trainer's loop: it plays episodes until done, after
// each reporting it with the steps per second since the loop began and
// calling after, whose error stops the loop.
func runEpisodes[C any](step func() int, done func() bool, episode func() (C, error), report func(C, float64), after func() error) error {
	start, step0 := time.Now(), step()
	for !done() {
		cp, err := episode()
		if err != nil {
			return err
		}
		rate := 0.0
		if el := time.Since(start).Seconds(); el > 0 {
			rate = float64(step()-step0) / el
		}
		report(cp, rate)
		if err := after(); err != nil {
			return err
		}
	}
	return nil
}
