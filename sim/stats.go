package sim

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is a running summary of a sample: count, mean, variance, minimum
// and maximum, in constant space. The mean and variance are updated with
// Welford's algorithm, which stays accurate when the mean is large compared
// with the spread.
//
// The zero Summary is empty and ready to use. Statistics that an empty (or,
// for the variance, a one-element) sample does not define are NaN.
type Summary struct {
	n        int
	mean, m2 float64 // m2 is the sum of squared deviations from the mean
	min, max float64
}

// Add adds x to the sample. A NaN makes every statistic but N NaN.
func (s *Summary) Add(x float64) {
	s.n++
	if s.n == 1 {
		s.mean, s.m2, s.min, s.max = x, 0, x, x
		return
	}
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
	// A NaN sticks: once stored, no comparison with it is true.
	if x < s.min || math.IsNaN(x) {
		s.min = x
	}
	if x > s.max || math.IsNaN(x) {
		s.max = x
	}
}

// Merge adds every value summarised by o to s, as if each had been added
// with Add (up to rounding), using the pairwise update of Chan, Golub and
// LeVeque. It combines the summaries of independent replications or of
// parallel workers.
func (s *Summary) Merge(o Summary) {
	switch {
	case o.n == 0:
		return
	case s.n == 0:
		*s = o
		return
	}
	n := s.n + o.n
	d := o.mean - s.mean
	s.mean += d * float64(o.n) / float64(n)
	s.m2 += o.m2 + d*d*float64(s.n)*float64(o.n)/float64(n)
	s.n = n
	if o.min < s.min || math.IsNaN(o.min) {
		s.min = o.min
	}
	if o.max > s.max || math.IsNaN(o.max) {
		s.max = o.max
	}
}

// N returns the number of values added.
func (s Summary) N() int { return s.n }

// Mean returns the sample mean, or NaN if the sample is empty.
func (s Summary) Mean() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.mean
}

// Variance returns the unbiased sample variance (divisor n-1), or NaN if
// fewer than two values were added.
func (s Summary) Variance() float64 {
	if s.n < 2 {
		return math.NaN()
	}
	return s.m2 / float64(s.n-1)
}

// StdDev returns the sample standard deviation, the square root of Variance.
func (s Summary) StdDev() float64 { return math.Sqrt(s.Variance()) }

// StdErr returns the standard error of the mean, StdDev/√n.
func (s Summary) StdErr() float64 { return s.StdDev() / math.Sqrt(float64(s.n)) }

// Min returns the smallest value added, or NaN if the sample is empty.
func (s Summary) Min() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.min
}

// Max returns the largest value added, or NaN if the sample is empty.
func (s Summary) Max() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.max
}

// HalfWidth returns the half-width of the two-sided confidence interval for
// the mean at the given level (0.95 for 95%): t·StdErr, where t is the
// (1+level)/2 quantile of Student's t distribution with n-1 degrees of
// freedom. The interval assumes independent, identically distributed,
// roughly normal values, such as the means of independent replications.
// It is NaN if fewer than two values were added. A level outside (0, 1)
// is a programming error and panics.
func (s Summary) HalfWidth(level float64) float64 {
	if !(level > 0 && level < 1) {
		panic(fmt.Sprintf("sim: confidence level %v outside (0, 1)", level))
	}
	if s.n < 2 {
		return math.NaN()
	}
	return studentT(float64(s.n-1), (1+level)/2) * s.StdErr()
}

// CI returns the two-sided confidence interval for the mean at the given
// level: Mean ∓ HalfWidth(level). See HalfWidth for its assumptions.
func (s Summary) CI(level float64) (lo, hi float64) {
	hw := s.HalfWidth(level)
	return s.Mean() - hw, s.Mean() + hw
}

// MeanCI returns the mean of xs and the half-width of its two-sided
// Student t confidence interval at the given level, as Summary.HalfWidth.
func MeanCI(xs []float64, level float64) (mean, halfWidth float64) {
	var s Summary
	for _, x := range xs {
		s.Add(x)
	}
	return s.Mean(), s.HalfWidth(level)
}

// studentT returns the p quantile of the standard Student t distribution
// with nu degrees of freedom. Quantile is deterministic and never touches
// the distribution's Src, so no random source is involved; do not call
// Rand on this value.
func studentT(nu, p float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(p)
}

// TimeWeighted is the time average of a piecewise-constant quantity, such
// as a queue length or the number of busy servers: the integral of the
// value over an averaging window divided by the window's length.
//
// The zero TimeWeighted starts its window at time zero with value zero.
// Reset starts a new window, which is how a warm-up period is discarded.
type TimeWeighted struct {
	start Time    // beginning of the averaging window
	last  Time    // time of the last change (or of the start)
	value float64 // the value held since last
	area  float64 // integral of the value over [start, last], in value·ns
}

// NewTimeWeighted returns a time average whose window starts at start with
// the given initial value.
func NewTimeWeighted(start Time, value float64) TimeWeighted {
	return TimeWeighted{start: start, last: start, value: value}
}

// Set records that the quantity takes value from now on. Times must not
// decrease: going back in time is a programming error and panics.
func (w *TimeWeighted) Set(now Time, value float64) {
	w.advance(now)
	w.value = value
}

// Add changes the quantity by delta at now, as Set(now, Value()+delta).
func (w *TimeWeighted) Add(now Time, delta float64) { w.Set(now, w.value+delta) }

// Value returns the current value.
func (w TimeWeighted) Value() float64 { return w.value }

// Start returns the start of the averaging window.
func (w TimeWeighted) Start() Time { return w.start }

// Mean returns the time average over [Start(), now], holding the current
// value until now. It is NaN for an empty window (now equal to the start)
// and panics if now is before the last change.
func (w TimeWeighted) Mean(now Time) float64 {
	w.advance(now) // w is a copy: this does not change the collector
	if now == w.start {
		return math.NaN()
	}
	return w.area / float64(now-w.start)
}

// Reset discards the history and starts a new window at now, keeping the
// current value. Calling it at the end of a warm-up period removes the
// initial transient from Mean.
func (w *TimeWeighted) Reset(now Time) {
	w.advance(now)
	w.start, w.area = now, 0
}

func (w *TimeWeighted) advance(now Time) {
	if now < w.last {
		panic(fmt.Sprintf("sim: time-weighted statistic updated at %v, before its last change at %v", now, w.last))
	}
	w.area += w.value * float64(now-w.last)
	w.last = now
}

// Samples keeps every value added so that percentiles can be read. It
// costs 8 bytes per value; use Summary where the mean and spread suffice.
//
// The zero Samples is empty and ready to use.
type Samples struct {
	xs     []float64
	sorted bool // xs is in increasing order
	nans   int  // number of NaN values added
}

// Add adds x to the sample.
func (s *Samples) Add(x float64) {
	if math.IsNaN(x) {
		s.nans++
	}
	if len(s.xs) == 0 {
		s.sorted = true
	} else if s.sorted && x < s.xs[len(s.xs)-1] {
		s.sorted = false
	}
	s.xs = append(s.xs, x)
}

// N returns the number of values added.
func (s *Samples) N() int { return len(s.xs) }

// Reset empties the sample, keeping its storage.
func (s *Samples) Reset() { s.xs, s.sorted, s.nans = s.xs[:0], false, 0 }

// Percentile returns the p-quantile of the sample, for p in [0, 1]: 0 is
// the minimum, 0.5 the median, 1 the maximum. Between order statistics it
// interpolates linearly: with the values sorted as x[0] ≤ … ≤ x[n-1] and
// h = p·(n-1), it returns x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). This is
// definition 7 of Hyndman and Fan (1996), the default of R's quantile,
// NumPy's percentile and spreadsheets' PERCENTILE.INC.
//
// Percentile sorts the stored values the first time it is called after an
// Add. It returns NaN for an empty sample or one that holds a NaN, and
// panics if p is outside [0, 1].
func (s *Samples) Percentile(p float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("sim: percentile %v outside [0, 1]", p))
	}
	n := len(s.xs)
	if n == 0 || s.nans > 0 {
		return math.NaN()
	}
	if !s.sorted {
		slices.Sort(s.xs)
		s.sorted = true
	}
	h := p * float64(n-1)
	i := int(h)
	frac := h - float64(i)
	if i >= n-1 || frac == 0 {
		return s.xs[i]
	}
	return s.xs[i] + frac*(s.xs[i+1]-s.xs[i])
}
