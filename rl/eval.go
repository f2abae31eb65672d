package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/mecsim/mecsim/sim"
)

// Chooser picks an action in env's current state, whose observation and
// mask are given, under preference w.
type Chooser func(env Env, obs []float64, mask []bool, w float64) (int, error)

// Method is a way of acting that an evaluation compares: a trained agent,
// a greedy baseline, a fixed rule.
type Method struct {
	Name string
	// Conditioned methods act differently under different preferences;
	// the others are evaluated once and give a single point.
	Conditioned bool
	// New returns a fresh chooser for one evaluation run, with rng its own
	// random stream.
	New func(rng *rand.Rand) (Chooser, error)
}

// Lookahead is an environment that can tell, without stepping, the reward
// vector an action would get now.
type Lookahead interface {
	Rewards(action int) ([Objectives]float64, error)
}

// GreedyW returns the method that picks the allowed action with the
// largest immediate scalarised reward w·r_delay + (1−w)·r_energy,
// computed exactly by the environment (which must be a Lookahead); ties go
// to the lower action.
func GreedyW() Method {
	return Method{Name: "greedy-w", Conditioned: true, New: func(*rand.Rand) (Chooser, error) {
		return func(env Env, _ []float64, mask []bool, w float64) (int, error) {
			la, ok := env.(Lookahead)
			if !ok {
				return 0, fmt.Errorf("greedy-w needs an environment that computes rewards ahead")
			}
			best, bestV := -1, math.Inf(-1)
			for a, ok := range mask {
				if !ok {
					continue
				}
				r, err := la.Rewards(a)
				if err != nil {
					return 0, err
				}
				if v := w*r[0] + (1-w)*r[1]; v > bestV {
					best, bestV = a, v
				}
			}
			if best < 0 {
				return 0, fmt.Errorf("no action allowed")
			}
			return best, nil
		}, nil
	}}
}

// RandomMethod picks an allowed action uniformly at random.
func RandomMethod() Method {
	return Method{Name: "random", New: func(rng *rand.Rand) (Chooser, error) {
		return func(_ Env, _ []float64, mask []bool, _ float64) (int, error) {
			return uniformAllowed(rng, mask), nil
		}, nil
	}}
}

func uniformAllowed(rng *rand.Rand, mask []bool) int {
	n := 0
	for _, ok := range mask {
		if ok {
			n++
		}
	}
	k := rng.IntN(max(n, 1))
	for a, ok := range mask {
		if ok {
			if k == 0 {
				return a
			}
			k--
		}
	}
	return 0
}

// Greedy returns the trained agent acting greedily (its most probable
// action) as a method. Choosers share the agent's weights, read only, so
// the agent must not train while they run.
func (s *SAC) Greedy(name string) Method {
	return Method{Name: name, Conditioned: true, New: func(*rand.Rand) (Chooser, error) {
		p := s.ActorPolicy()
		return func(_ Env, obs []float64, mask []bool, w float64) (int, error) {
			return p.Act(obs, mask, w)
		}, nil
	}}
}

// ActorPolicy is a trained actor's greedy policy with scratch of its own,
// so that several can act at once on one set of weights.
type ActorPolicy struct {
	net        *Net
	cols, feat int
	symlog     bool
	in         *Batch
	out, probs []float64
	fs         forwardScratch
}

// ActorPolicy returns the agent's greedy policy.
func (s *SAC) ActorPolicy() *ActorPolicy {
	return &ActorPolicy{net: s.Actor, cols: s.Cols, feat: s.Feat, symlog: !s.Cfg.RawInputs, in: NewBatch(s.Actor.Arch, 1),
		out: make([]float64, s.Cols), probs: make([]float64, s.Cols)}
}

// Shape returns the columns and features per column the policy reads.
func (p *ActorPolicy) Shape() (columns, features int) { return p.cols, p.feat }

// Act returns the most probable allowed action (the lowest on ties).
func (p *ActorPolicy) Act(obs []float64, mask []bool, w float64) (int, error) {
	if len(obs) != p.cols*p.feat || len(mask) != p.cols {
		return 0, fmt.Errorf("sac: observation of %d values and %d mask entries, want %d and %d", len(obs), len(mask), p.cols*p.feat, p.cols)
	}
	fillInput(p.in.X, obs, p.cols, p.feat, w, p.symlog)
	copy(p.in.Mask, mask)
	p.net.Forward(p.in, p.out, &p.fs)
	best := -1
	for a, ok := range mask {
		if ok && (best < 0 || p.out[a] > p.out[best]) {
			best = a
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("sac: no action allowed")
	}
	return best, nil
}

// EvalConfig says how methods are evaluated: at each preference, over the
// same episodes (common random numbers: episode i's environment seed is
// EvalSeed(Seed, i) for every method and preference).
type EvalConfig struct {
	Preferences []float64
	Episodes    int
	Seed        uint64
	Workers     int // parallel evaluations; 0 means GOMAXPROCS
}

// Preferences returns 0, 1/(n−1), …, 1: n evenly spaced preferences.
func Preferences(n int) []float64 {
	if n < 2 {
		return []float64{0.5}
	}
	ws := make([]float64, n)
	for i := range ws {
		ws[i] = math.Round(float64(i)/float64(n-1)*1e12) / 1e12
	}
	return ws
}

// EvalSeed returns the environment seed of evaluation episode i.
func EvalSeed(master uint64, i int) uint64 {
	return sim.NewStreams(master).Derive(fmt.Sprintf("rl/eval/%d", i)).Seed()
}

// EvalPoint is a method's mean performance at one preference: the mean
// over episodes of each objective's undiscounted cost (minus the return),
// so lower is better, with 95% confidence half-widths.
type EvalPoint struct {
	Method       string
	Preference   float64 // NaN for a method not conditioned on it
	Delay        float64
	Energy       float64
	DelayCI      float64
	EnergyCI     float64
	Episodes     int
	MeanDecision float64 // decisions per episode
}

// Evaluate runs every method at every preference (once, for methods not
// conditioned on it) over cfg.Episodes episodes of environments from
// newEnv, in parallel, and returns the points in method order, then
// preference order. The result does not depend on Workers.
func Evaluate(newEnv func() (Env, error), methods []Method, cfg EvalConfig) ([]EvalPoint, error) {
	if cfg.Episodes < 1 {
		return nil, fmt.Errorf("rl: evaluation needs at least one episode, has %d", cfg.Episodes)
	}
	type job struct {
		m int
		w float64
	}
	var jobs []job
	for i, m := range methods {
		if !m.Conditioned {
			jobs = append(jobs, job{i, math.NaN()})
			continue
		}
		for _, w := range cfg.Preferences {
			jobs = append(jobs, job{i, w})
		}
	}
	out := make([]EvalPoint, len(jobs))
	errs := make([]error, len(jobs))
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				out[k], errs[k] = evalOne(newEnv, methods[jobs[k].m], jobs[k].w, cfg)
			}
		}()
	}
	for k := range jobs {
		next <- k
	}
	close(next)
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("evaluating %s: %w", methods[jobs[k].m].Name, err)
		}
	}
	return out, nil
}

func evalOne(newEnv func() (Env, error), m Method, w float64, cfg EvalConfig) (EvalPoint, error) {
	env, err := newEnv()
	if err != nil {
		return EvalPoint{}, err
	}
	wAct := w
	if math.IsNaN(w) {
		wAct = 0.5
	}
	label := fmt.Sprintf("rl/eval-method/%s/%v", m.Name, w)
	choose, err := m.New(sim.NewStreams(cfg.Seed).Rand(label))
	if err != nil {
		return EvalPoint{}, err
	}
	c, f := env.Shape()
	obs, mask := make([]float64, c*f), make([]bool, c)
	var delay, energy sim.Summary
	decisions := 0
	for i := range cfg.Episodes {
		env.Reset(EvalSeed(cfg.Seed, i))
		var d, e float64
		for {
			if err := env.Observe(obs, mask); err != nil {
				return EvalPoint{}, err
			}
			a, err := choose(env, obs, mask, wAct)
			if err != nil {
				return EvalPoint{}, fmt.Errorf("episode %d: %w", i, err)
			}
			r, term, trunc, err := env.Step(a)
			if err != nil {
				return EvalPoint{}, fmt.Errorf("episode %d: %w", i, err)
			}
			d -= r[0]
			e -= r[1]
			decisions++
			if term || trunc {
				break
			}
		}
		delay.Add(d)
		energy.Add(e)
	}
	p := EvalPoint{Method: m.Name, Preference: w, Delay: delay.Mean(), Energy: energy.Mean(), Episodes: cfg.Episodes,
		MeanDecision: float64(decisions) / float64(cfg.Episodes)}
	if cfg.Episodes > 1 {
		p.DelayCI, p.EnergyCI = delay.HalfWidth(0.95), energy.HalfWidth(0.95)
	}
	return p, nil
}
