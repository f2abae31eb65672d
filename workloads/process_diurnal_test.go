package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// diurnal is what the tests need of a time-varying Poisson process.
type diurnal interface {
	Process
	Expected(t0, t1 float64) float64
	RateAt(t float64) float64
}

// evening is an hour-by-hour profile of a day with a quiet night, a
// morning and an evening peak, and an hour with no arrivals at all.
var evening = func() PiecewisePoisson {
	perHour := []float64{ // arrivals per hour
		20, 10, 5, 0, 5, 10, 40, 90, 120, 100, 80, 85,
		95, 90, 80, 75, 85, 110, 150, 180, 170, 130, 80, 40,
	}
	rates := make([]float64, len(perHour))
	for h, v := range perHour {
		rates[h] = v / 3600
	}
	return PiecewisePoisson{Rates: rates, Offset: 7.5 * 3600}
}()

// diurnals returns the time-varying processes under test, with the cycle
// to bin their arrivals by.
func diurnals() []struct {
	name   string
	p      diurnal
	period float64
} {
	return []struct {
		name   string
		p      diurnal
		period float64
	}{
		{"hourly profile", evening, Day},
		{"breakpoints", PiecewisePoisson{Rates: []float64{2, 0, 0.5, 7}, Breaks: []float64{0, 10, 25, 26}, Period: 60, Offset: 12.5}, 60},
		{"sinusoid", SinusoidalPoisson{Mean: 0.01, Amplitude: 0.008, Peak: 19 * 3600, Offset: 3 * 3600}, Day},
		{"full sinusoid", SinusoidalPoisson{Mean: 3, Amplitude: 3, Period: 10, Peak: 2.5}, 10},
	}
}

// arrivalTimes runs one instance until horizon and returns the times.
func arrivalTimes(a Arrivals, r *rand.Rand, horizon float64) []float64 {
	var ts []float64
	for t := a.Next(r); t < horizon; t += a.Next(r) {
		ts = append(ts, t)
	}
	return ts
}

// TestDiurnalBins counts arrivals per 1/24 of the cycle (per hour of a
// day) over many cycles and compares the counts with the integral of the
// rate over each bin by Pearson's χ². Bins the rate never reaches must
// stay empty.
func TestDiurnalBins(t *testing.T) {
	const bins = 24
	for _, tt := range diurnals() {
		cycles := math.Ceil(2e5 / tt.p.Expected(0, tt.period)) // about 200 000 arrivals
		r := testRand(t, "test/diurnal-bins/"+tt.name)
		counts := make([]float64, bins)
		width := tt.period / bins
		for _, at := range arrivalTimes(tt.p.New(), r, cycles*tt.period) {
			counts[min(int(math.Mod(at, tt.period)/width), bins-1)]++
		}
		var obs, exp []float64
		for b := range bins {
			e := cycles * tt.p.Expected(float64(b)*width, float64(b+1)*width)
			if e == 0 {
				if counts[b] != 0 {
					t.Errorf("%s: %v arrivals in bin %d, where the rate is zero", tt.name, counts[b], b)
				}
				continue
			}
			obs = append(obs, counts[b])
			exp = append(exp, e)
		}
		// The expectations are known, not fitted: one degree of freedom
		// per nonempty bin.
		checkChiSquare(t, fmt.Sprintf("%s, %d bins over %v cycles", tt.name, bins, cycles), obs, exp, len(obs))
	}
}

// TestDiurnalRescaledKS applies the time-rescaling theorem: if arrivals
// tₖ come from a Poisson process with integrated rate Λ, then the
// increments Λ(tₖ) − Λ(tₖ₋₁) are independent unit exponentials.
func TestDiurnalRescaledKS(t *testing.T) {
	const n = 100_000
	cases := diurnals()
	// Sparse: a burst of 1 s per 100 s cycle at 10⁻²/s, so gaps span
	// about 100 cycles, which Next skips whole.
	cases = append(cases, struct {
		name   string
		p      diurnal
		period float64
	}{"sparse", PiecewisePoisson{Rates: []float64{0, 1e-2, 0}, Breaks: []float64{0, 40, 41}, Period: 100, Offset: 99}, 100})
	for _, tt := range cases {
		r := testRand(t, "test/diurnal-ks/"+tt.name)
		a := tt.p.New()
		xs := make([]float64, n)
		var now float64
		for i := range xs {
			next := now + a.Next(r)
			xs[i] = tt.p.Expected(now, next)
			now = next
		}
		checkKS(t, tt.name+", rescaled gaps", xs, func(x float64) float64 { return 1 - math.Exp(-x) })
	}
}

// TestDiurnalIntegral checks Expected against a numerical integral of
// RateAt, and a whole cycle against MeanRate.
func TestDiurnalIntegral(t *testing.T) {
	for _, tt := range diurnals() {
		p := tt.p
		if got, want := p.Expected(0, tt.period), p.MeanRate()*tt.period; math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: one cycle expects %v arrivals, MeanRate·period = %v", tt.name, got, want)
		}
		// Midpoint rule over an interval that straddles cycles; the
		// piecewise rates are exact on the grid away from breakpoints.
		t0, t1 := 0.3*tt.period, 2.45*tt.period
		const steps = 200_000
		h := (t1 - t0) / steps
		var sum float64
		for i := range steps {
			sum += p.RateAt(t0+(float64(i)+0.5)*h) * h
		}
		if got := p.Expected(t0, t1); math.Abs(got-sum) > 1e-4*sum {
			t.Errorf("%s: Expected(%v, %v) = %v, numerical integral %v", tt.name, t0, t1, got, sum)
		}
	}
	// Hour 0 of the simulation is 07:30–08:30: half of 07:00's rate, half of 08:00's.
	if got, want := evening.Expected(0, 3600), (90+120)/2.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("first hour expects %v arrivals, want %v", got, want)
	}
	if got := evening.RateAt(30 * 60); got != 120.0/3600 {
		t.Errorf("rate at 08:00 is %v", got)
	}
	if s := (SinusoidalPoisson{Mean: 1, Amplitude: 0.5, Peak: 18 * 3600, Offset: 6 * 3600}); s.RateAt(12*3600) != 1.5 || math.Abs(s.RateAt(0)-0.5) > 1e-12 {
		t.Errorf("sinusoid peaks at %v at 18:00, %v at 06:00; want 1.5 and 0.5", s.RateAt(12*3600), s.RateAt(0))
	}
}
