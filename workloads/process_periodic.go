package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Periodic is a jittered periodic process, such as the frames of a camera
// at Rate frames per second: each gap is the period 1/Rate plus an
// independent, zero-mean jitter. Gaps are never negative, so arrivals
// never go back in time, and the long-run rate is exactly Rate.
//
// The first gap is the time from 0 to the next frame of a camera that was
// switched on at a random moment long before: a uniform phase in
// [0, 1/Rate) without jitter and, with jitter, the equilibrium forward
// recurrence time of the gaps (a uniform fraction of a length-biased gap).
// So the process is stationary from time 0, and cameras started together
// are not in step.
//
// The zero value has Rate 0: a process that never produces an arrival.
type Periodic struct {
	Rate   float64   // arrivals per second; finite, ≥ 0
	Jitter float64   // seconds: the half-width (UniformJitter) or the standard deviation (GaussianJitter); 0 for none
	Law    JitterLaw // the jitter's distribution; the zero value is UniformJitter
}

// JitterLaw is the distribution of a Periodic process's jitter.
type JitterLaw int

const (
	// UniformJitter is uniform on [−Jitter, +Jitter], which must not
	// exceed the period.
	UniformJitter JitterLaw = iota
	// GaussianJitter is normal with mean 0 and standard deviation Jitter,
	// truncated symmetrically to (−period, +period) so that gaps stay
	// positive and their mean stays the period. Jitter must not exceed
	// the period; below a third of it the truncation removes less than
	// 0.3% of the mass.
	GaussianJitter
)

func (l JitterLaw) String() string {
	switch l {
	case UniformJitter:
		return "uniform"
	case GaussianJitter:
		return "gaussian"
	}
	return fmt.Sprintf("JitterLaw(%d)", int(l))
}

// Validate reports whether the rate is finite and ≥ 0, the law is known,
// and the jitter is finite, ≥ 0 and no more than the period.
func (p Periodic) Validate() error {
	var errs []error
	if !(p.Rate >= 0) || math.IsInf(p.Rate, 1) {
		errs = append(errs, fmt.Errorf("Rate %v: %w", p.Rate, errBadRate))
	}
	if p.Law != UniformJitter && p.Law != GaussianJitter {
		errs = append(errs, fmt.Errorf("Law %v: want uniform or gaussian", p.Law))
	}
	switch {
	case !(p.Jitter >= 0) || math.IsInf(p.Jitter, 1):
		errs = append(errs, fmt.Errorf("Jitter %v: want a finite time ≥ 0 in seconds", p.Jitter))
	case p.Rate > 0 && p.Jitter > 1/p.Rate:
		errs = append(errs, fmt.Errorf("Jitter %v s exceeds the period %v s (Rate %v)", p.Jitter, 1/p.Rate, p.Rate))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: Periodic: %w", errors.Join(errs...))
}

// MeanRate returns p.Rate.
func (p Periodic) MeanRate() float64 { return p.Rate }

// New returns an instance whose first gap is drawn on its first Next. It
// panics if p is invalid.
func (p Periodic) New() Arrivals {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return &periodicArrivals{period: 1 / p.Rate, jitter: p.Jitter, law: p.Law}
}

// periodicArrivals is one Periodic instance.
type periodicArrivals struct {
	period, jitter float64
	law            JitterLaw
	started        bool
}

func (a *periodicArrivals) Next(r *rand.Rand) float64 {
	if math.IsInf(a.period, 1) {
		return math.Inf(1)
	}
	if a.started {
		return a.gap(r)
	}
	a.started = true
	if a.jitter == 0 {
		return r.Float64() * a.period
	}
	// The gap that straddles time 0 is length-biased: its density is
	// g·f(g)/period. Gaps lie in [0, 2·period], so accepting a draw g with
	// probability g/(2·period) samples it (half the draws are accepted);
	// time 0 falls uniformly within it.
	for {
		g := a.gap(r)
		if r.Float64()*2*a.period < g {
			return r.Float64() * g
		}
	}
}

// gap draws the period plus one jitter.
func (a *periodicArrivals) gap(r *rand.Rand) float64 {
	if a.jitter == 0 {
		return a.period
	}
	if a.law == UniformJitter {
		return a.period + (2*r.Float64()-1)*a.jitter
	}
	for {
		// Accepted with probability ≥ 68% since jitter ≤ period.
		if e := r.NormFloat64() * a.jitter; math.Abs(e) < a.period {
			return a.period + e
		}
	}
}
