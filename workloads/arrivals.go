package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Arrivals is a process of task arrivals. Next returns the gap, in seconds,
// from one arrival to the next, drawn from r; a process that will produce
// no more arrivals returns +Inf.
//
// An Arrivals value is configuration. The caller owns the stream and passes
// it on every draw, so that each phone and purpose draws from its own named
// stream and two policies compared on one seed see the same arrivals.
// Implementations must draw only from r: there is no global fallback.
type Arrivals interface {
	Next(r *rand.Rand) float64
}

// Poisson is a homogeneous Poisson process: gaps between arrivals are
// independent and exponentially distributed with mean 1/Rate.
//
// The zero value has Rate 0: a process that never produces an arrival.
//
// A Poisson process has no state, so a Poisson value is both the Process
// and its instance: New returns the value itself.
type Poisson struct {
	Rate float64 // mean arrivals per second; finite and ≥ 0
}

// New returns p itself: a Poisson process is memoryless, and so is its
// instance. It panics if p is invalid.
func (p Poisson) New() Arrivals {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// MeanRate returns p.Rate.
func (p Poisson) MeanRate() float64 { return p.Rate }

// Next returns an exponential gap with mean 1/p.Rate seconds, or +Inf when
// the rate is zero. A negative, NaN or infinite rate is a programming error
// (Validate refuses it in configurations) and makes Next panic.
func (p Poisson) Next(r *rand.Rand) float64 {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if p.Rate == 0 {
		return math.Inf(1)
	}
	return r.ExpFloat64() / p.Rate
}

// Validate reports whether the rate is a finite number ≥ 0.
func (p Poisson) Validate() error {
	if !(p.Rate >= 0) || math.IsInf(p.Rate, 1) {
		return fmt.Errorf("workloads: Poisson rate %v: %w", p.Rate, errBadRate)
	}
	return nil
}

var errBadRate = errors.New("want a finite number of arrivals per second ≥ 0")
