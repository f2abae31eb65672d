package workloads

import (
	"fmt"
	"math"
	"testing"
)

// uniformGapCDF is the law of a gap period + U(−j, j).
func uniformGapCDF(period, j float64) func(float64) float64 {
	return func(x float64) float64 {
		return math.Min(1, math.Max(0, (x-(period-j))/(2*j)))
	}
}

// gaussianGapCDF is the law of a gap period + N(0, σ²) truncated to
// (−period, period).
func gaussianGapCDF(period, sigma float64) func(float64) float64 {
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	lo, hi := phi(-period/sigma), phi(period/sigma)
	return func(x float64) float64 {
		return math.Min(1, math.Max(0, (phi((x-period)/sigma)-lo)/(hi-lo)))
	}
}

// equilibriumCDF is the law of the forward recurrence time of a renewal
// process with gap law F, mean m and gaps at most top:
// Fₑ(x) = (1/m)∫₀ˣ (1 − F(u)) du, here by the trapezoid rule on a grid
// fine enough (10⁵ steps) that its error is far below the KS tolerance.
func equilibriumCDF(f func(float64) float64, m, top float64) func(float64) float64 {
	const steps = 100_000
	h := top / steps
	cum := make([]float64, steps+1)
	for i := 1; i <= steps; i++ {
		cum[i] = cum[i-1] + h*(2-f(float64(i-1)*h)-f(float64(i)*h))/2
	}
	return func(x float64) float64 {
		if x >= top {
			return 1
		}
		i := int(x / h)
		frac := x/h - float64(i)
		return math.Min(1, (cum[i]+frac*(cum[i+1]-cum[i]))/m)
	}
}

// TestPeriodicGapsKS checks gaps after the first against the jitter law,
// and the first gap, over independent instances, against the
// equilibrium forward recurrence time.
func TestPeriodicGapsKS(t *testing.T) {
	const fps = 30
	const period = 1.0 / fps
	for _, tt := range []struct {
		p   Periodic
		cdf func(float64) float64
	}{
		{Periodic{Rate: fps, Jitter: 0.002}, uniformGapCDF(period, 0.002)},
		{Periodic{Rate: fps, Jitter: period}, uniformGapCDF(period, period)},
		{Periodic{Rate: fps, Jitter: 0.002, Law: GaussianJitter}, gaussianGapCDF(period, 0.002)},
		{Periodic{Rate: fps, Jitter: period, Law: GaussianJitter}, gaussianGapCDF(period, period)},
	} {
		name := fmt.Sprintf("periodic %v fps, %v jitter %.4g s", tt.p.Rate, tt.p.Law, tt.p.Jitter)
		r := testRand(t, "test/periodic-ks/"+name)
		a := tt.p.New()
		a.Next(r) // the first gap has another law
		xs := gaps(a, r, 100_000)
		for i, x := range xs {
			if !(x >= 0 && x <= 2*period) {
				t.Fatalf("%s: gap %d is %v", name, i, x)
			}
		}
		checkKS(t, name, xs, tt.cdf)
		checkKS(t, name+", first gap", nthGaps(tt.p, r, 0, 20_000), equilibriumCDF(tt.cdf, period, 2*period))
	}

	// Without jitter: gaps are exactly the period, the first uniform in it.
	p := Periodic{Rate: fps}
	r := testRand(t, "test/periodic-ks/none")
	a := p.New()
	a.Next(r)
	for i, g := range gaps(a, r, 1000) {
		if g != period {
			t.Fatalf("no jitter: gap %d is %v, want %v", i, g, period)
		}
	}
	checkKS(t, "periodic without jitter, first gap", nthGaps(p, r, 0, 20_000),
		func(x float64) float64 { return math.Min(1, x/period) })
}

// TestPeriodicStationary counts arrivals in a window shorter than the
// period from time 0 over many instances. Only a process stationary from
// time 0 has the mean count Rate·window in every window; a camera whose
// first frame came a full gap after time 0, or at time 0, would not.
func TestPeriodicStationary(t *testing.T) {
	const fps = 30
	window := 0.37 / fps
	for _, p := range []Periodic{
		{Rate: fps},
		{Rate: fps, Jitter: 0.8 / fps},
		{Rate: fps, Jitter: 0.5 / fps, Law: GaussianJitter},
	} {
		name := fmt.Sprintf("periodic, %v jitter %.3g s, window %.3g s", p.Law, p.Jitter, window)
		checkRate(t, name, p, testRand(t, "test/periodic-stationary/"+name), 50_000, window)
	}
}
