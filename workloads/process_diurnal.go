package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Day is the default cycle of the diurnal processes: 24 hours, in seconds.
const Day = 24 * 3600.0

// PiecewisePoisson is a non-homogeneous Poisson process whose rate is
// constant on each segment of a cycle that repeats, such as an hour-by-hour
// profile of a day. With Breaks nil, the cycle is cut into len(Rates)
// equal segments: 24 rates and the zero Period give one rate per hour of
// the day.
//
// Times run from the beginning of the simulation; Offset says where in the
// cycle the simulation begins (8·3600 to begin at 08:00). An instance
// tracks the time of its last arrival, and samples the next one exactly,
// by inverting the integrated rate: nothing is approximated.
type PiecewisePoisson struct {
	Rates  []float64 // arrivals per second on each segment; finite, ≥ 0
	Breaks []float64 // start of each segment within the cycle, seconds: 0 first, increasing, < Period; nil for equal segments
	Period float64   // length of the cycle in seconds; 0 means Day
	Offset float64   // position in the cycle at simulation time 0, seconds in [0, Period)
}

// Validate reports whether the rates, breaks, period and offset are well
// formed.
func (p PiecewisePoisson) Validate() error {
	var errs []error
	period := p.period()
	if !(period > 0) || math.IsInf(period, 1) {
		errs = append(errs, fmt.Errorf("Period %v: want a finite time > 0 in seconds, or 0 for a day", p.Period))
		period = math.Inf(1)
	}
	if len(p.Rates) == 0 {
		errs = append(errs, errors.New("no Rates: want at least one segment"))
	}
	for i, v := range p.Rates {
		if !(v >= 0) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("Rates[%d] = %v: %w", i, v, errBadRate))
		}
	}
	if p.Breaks != nil {
		if len(p.Breaks) != len(p.Rates) {
			errs = append(errs, fmt.Errorf("%d Breaks for %d Rates: want one segment start per rate", len(p.Breaks), len(p.Rates)))
		}
		for i, b := range p.Breaks {
			switch {
			case i == 0 && b != 0:
				errs = append(errs, fmt.Errorf("Breaks[0] = %v: want 0, the start of the cycle", b))
			case i > 0 && !(b > p.Breaks[i-1]):
				errs = append(errs, fmt.Errorf("Breaks[%d] = %v: want more than Breaks[%d] = %v", i, b, i-1, p.Breaks[i-1]))
			case !(b < period):
				errs = append(errs, fmt.Errorf("Breaks[%d] = %v: want less than the period %v", i, b, period))
			}
		}
	}
	if !(p.Offset >= 0 && p.Offset < period) {
		errs = append(errs, fmt.Errorf("Offset %v: want a time in [0, %v) seconds", p.Offset, period))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: PiecewisePoisson: %w", errors.Join(errs...))
}

func (p PiecewisePoisson) period() float64 {
	if p.Period == 0 {
		return Day
	}
	return p.Period
}

// segments returns the start of each segment and the cycle's end.
func (p PiecewisePoisson) segments() (starts []float64, period float64) {
	period = p.period()
	if p.Breaks != nil {
		return p.Breaks, period
	}
	n := len(p.Rates)
	starts = make([]float64, n)
	for i := range starts {
		starts[i] = period * float64(i) / float64(n)
	}
	return starts, period
}

// MeanRate returns the rate averaged over one cycle, or NaN if p is
// invalid.
func (p PiecewisePoisson) MeanRate() float64 {
	if p.Validate() != nil {
		return math.NaN()
	}
	starts, period := p.segments()
	var sum float64
	for i, v := range p.Rates {
		sum += v * (segEnd(starts, i, period) - starts[i])
	}
	return sum / period
}

func segEnd(starts []float64, i int, period float64) float64 {
	if i+1 < len(starts) {
		return starts[i+1]
	}
	return period
}

// RateAt returns the rate, arrivals per second, at simulation time t ≥ 0.
// p must be valid.
func (p PiecewisePoisson) RateAt(t float64) float64 {
	starts, period := p.segments()
	return p.Rates[segment(starts, math.Mod(p.Offset+t, period))]
}

// segment returns the index of the segment holding x ∈ [0, period).
func segment(starts []float64, x float64) int {
	i, found := slices.BinarySearch(starts, x)
	if !found {
		i--
	}
	return max(i, 0)
}

// Expected returns the expected number of arrivals in [t0, t1) of
// simulation time, 0 ≤ t0 ≤ t1: the integral of the rate. p must be valid.
func (p PiecewisePoisson) Expected(t0, t1 float64) float64 {
	return p.cumulative(p.Offset+t1) - p.cumulative(p.Offset+t0)
}

// cumulative integrates the rate from the start of a cycle to x ≥ 0.
func (p PiecewisePoisson) cumulative(x float64) float64 {
	starts, period := p.segments()
	cycles := math.Floor(x / period)
	x -= cycles * period
	var sum, full float64
	for i, v := range p.Rates {
		lo, hi := starts[i], segEnd(starts, i, period)
		full += v * (hi - lo)
		if x > lo {
			sum += v * (min(x, hi) - lo)
		}
	}
	return cycles*full + sum
}

// New returns an instance at simulation time 0. It panics if p is
// invalid.
func (p PiecewisePoisson) New() Arrivals {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	starts, period := p.segments()
	a := &piecewiseArrivals{
		rate:   append([]float64(nil), p.Rates...),
		length: make([]float64, len(p.Rates)),
		seg:    segment(starts, p.Offset),
	}
	for i := range a.length {
		a.length[i] = segEnd(starts, i, period) - starts[i]
		a.cycle += a.rate[i] * a.length[i]
	}
	a.pos = p.Offset - starts[a.seg]
	a.period = period
	return a
}

// piecewiseArrivals is one PiecewisePoisson instance.
type piecewiseArrivals struct {
	rate, length  []float64 // per segment
	period, cycle float64   // cycle length, and expected arrivals per cycle
	seg           int       // segment of the last arrival
	pos           float64   // its time since the segment began
}

// Next inverts the integrated rate: the integral of the rate from the
// last arrival to the next is exponential with mean 1, so it spends a unit
// exponential draw segment by segment, skipping whole cycles at once.
func (a *piecewiseArrivals) Next(r *rand.Rand) float64 {
	if a.cycle == 0 {
		return math.Inf(1)
	}
	e := r.ExpFloat64()
	var gap float64
	for {
		rest := max(a.length[a.seg]-a.pos, 0)
		mass := a.rate[a.seg] * rest
		if e < mass {
			dt := e / a.rate[a.seg]
			a.pos += dt
			return gap + dt
		}
		e -= mass
		gap += rest
		a.seg++
		a.pos = 0
		if a.seg == len(a.rate) {
			a.seg = 0
			if e >= a.cycle {
				n := math.Floor(e / a.cycle)
				e -= n * a.cycle
				gap += n * a.period
			}
		}
	}
}

// SinusoidalPoisson is a non-homogeneous Poisson process whose rate
// follows a sinusoid over a repeating cycle:
//
//	λ(t) = Mean + Amplitude·cos(2π(Offset + t − Peak)/Period)
//
// at simulation time t. Peak is the phase: the position in the cycle at
// which the rate is highest. An instance tracks the position in the cycle
// and samples arrivals exactly, by thinning a Poisson process of rate
// Mean + Amplitude (Lewis and Shedler, 1979).
type SinusoidalPoisson struct {
	Mean      float64 // arrivals per second averaged over the cycle; finite, ≥ 0
	Amplitude float64 // arrivals per second; 0 ≤ Amplitude ≤ Mean
	Period    float64 // length of the cycle in seconds; 0 means Day
	Peak      float64 // position in the cycle of the highest rate, seconds in [0, Period)
	Offset    float64 // position in the cycle at simulation time 0, seconds in [0, Period)
}

// Validate reports whether the parameters are finite and in range.
func (s SinusoidalPoisson) Validate() error {
	var errs []error
	period := s.period()
	if !(period > 0) || math.IsInf(period, 1) {
		errs = append(errs, fmt.Errorf("Period %v: want a finite time > 0 in seconds, or 0 for a day", s.Period))
		period = math.Inf(1)
	}
	if !(s.Mean >= 0) || math.IsInf(s.Mean, 1) {
		errs = append(errs, fmt.Errorf("Mean %v: %w", s.Mean, errBadRate))
	}
	if !(s.Amplitude >= 0 && s.Amplitude <= s.Mean) {
		errs = append(errs, fmt.Errorf("Amplitude %v: want a rate in [0, Mean = %v] so that the rate is never negative", s.Amplitude, s.Mean))
	}
	if !(s.Peak >= 0 && s.Peak < period) {
		errs = append(errs, fmt.Errorf("Peak %v: want a time in [0, %v) seconds", s.Peak, period))
	}
	if !(s.Offset >= 0 && s.Offset < period) {
		errs = append(errs, fmt.Errorf("Offset %v: want a time in [0, %v) seconds", s.Offset, period))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: SinusoidalPoisson: %w", errors.Join(errs...))
}

func (s SinusoidalPoisson) period() float64 {
	if s.Period == 0 {
		return Day
	}
	return s.Period
}

// MeanRate returns s.Mean.
func (s SinusoidalPoisson) MeanRate() float64 { return s.Mean }

// RateAt returns the rate, arrivals per second, at simulation time t.
func (s SinusoidalPoisson) RateAt(t float64) float64 {
	return s.rateIn(math.Mod(s.Offset+t, s.period()))
}

// rateIn returns the rate at position x of the cycle.
func (s SinusoidalPoisson) rateIn(x float64) float64 {
	return s.Mean + s.Amplitude*math.Cos(2*math.Pi*(x-s.Peak)/s.period())
}

// Expected returns the expected number of arrivals in [t0, t1) of
// simulation time: the integral of the rate.
func (s SinusoidalPoisson) Expected(t0, t1 float64) float64 {
	period := s.period()
	w := 2 * math.Pi / period
	// Reduce the arguments modulo the period first, so that long times
	// lose no precision inside the sine.
	sin := func(t float64) float64 { return math.Sin(w * math.Mod(s.Offset+t-s.Peak, period)) }
	return s.Mean*(t1-t0) + s.Amplitude/w*(sin(t1)-sin(t0))
}

// New returns an instance at simulation time 0. It panics if s is
// invalid.
func (s SinusoidalPoisson) New() Arrivals {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return &sinusoidalArrivals{s: s, period: s.period(), pos: s.Offset}
}

// sinusoidalArrivals is one SinusoidalPoisson instance.
type sinusoidalArrivals struct {
	s      SinusoidalPoisson
	period float64
	pos    float64 // position in the cycle of the last arrival
}

// Next thins a homogeneous process of the peak rate: a candidate at
// position x is kept with probability λ(x)/λmax.
func (a *sinusoidalArrivals) Next(r *rand.Rand) float64 {
	top := a.s.Mean + a.s.Amplitude
	if top == 0 {
		return math.Inf(1)
	}
	var gap float64
	for {
		dt := r.ExpFloat64() / top
		gap += dt
		a.pos += dt
		if a.pos >= a.period {
			a.pos = math.Mod(a.pos, a.period)
		}
		if r.Float64()*top < a.s.rateIn(a.pos) {
			return gap
		}
	}
}
