package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mecsim/mecsim/sim"
)

// The statistical tests of this file and its process_*_test.go siblings
// compare draws with the law each process is configured with, at fixed
// seeds (go test -seed=N replays another). Each test logs its statistic and
// critical value; go test -v shows them.

// ksCritical is the asymptotic critical value of √n·D, the scaled
// one-sample Kolmogorov–Smirnov statistic, at the 1% level: the 0.99
// quantile of Kolmogorov's distribution, 1.6276 (Smirnov 1948, table 1;
// TestKolmogorovQuantile recomputes it). For the sample sizes used here
// (n ≥ 10⁴) the exact finite-n quantile is within 0.1% of it.
const ksCritical = 1.628

// ciLevel is the confidence level of the intervals around estimated
// long-run rates.
const ciLevel = 0.99

// ksStatistic returns the one-sample Kolmogorov–Smirnov statistic of xs
// against a continuous cdf: the largest distance between the empirical
// and the hypothesised distribution function.
func ksStatistic(xs []float64, cdf func(float64) float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := float64(len(s))
	var d float64
	for i, x := range s {
		f := cdf(x)
		d = max(d, float64(i+1)/n-f, f-float64(i)/n)
	}
	return d
}

// checkKS fails t if the independent draws xs are rejected as coming from
// cdf at the 1% level.
func checkKS(t *testing.T, name string, xs []float64, cdf func(float64) float64) {
	t.Helper()
	d := ksStatistic(xs, cdf)
	crit := ksCritical / math.Sqrt(float64(len(xs)))
	t.Logf("%s: KS D = %.5f over n = %d (√n·D = %.3f), 1%% critical %.5f", name, d, len(xs), d*math.Sqrt(float64(len(xs))), crit)
	if d > crit {
		t.Errorf("%s: KS statistic %.5f exceeds the 1%% critical value %.5f (n = %d)", name, d, crit, len(xs))
	}
}

// kolmogorovCDF is P(K ≤ x) for Kolmogorov's limiting distribution:
// 1 − 2 Σₖ (−1)^(k−1) exp(−2k²x²).
func kolmogorovCDF(x float64) float64 {
	var s float64
	for k := 1; k <= 100; k++ {
		term := math.Exp(-2 * float64(k*k) * x * x)
		if k%2 == 0 {
			term = -term
		}
		s += term
	}
	return 1 - 2*s
}

func TestKolmogorovQuantile(t *testing.T) {
	if p := kolmogorovCDF(ksCritical); math.Abs(p-0.99) > 1e-4 {
		t.Errorf("P(K ≤ %v) = %.6f, want 0.99", ksCritical, p)
	}
}

// TestKSDetects checks that the KS check has teeth: exponential draws
// with a rate 3% off are rejected at this sample size.
func TestKSDetects(t *testing.T) {
	r := testRand(t, "test/ks")
	xs := gaps(Poisson{Rate: 1.03}.New(), r, 100_000)
	d := ksStatistic(xs, func(x float64) float64 { return 1 - math.Exp(-x) })
	if crit := ksCritical / math.Sqrt(float64(len(xs))); d <= crit {
		t.Errorf("KS statistic %.5f ≤ critical %.5f: a 3%% rate error goes unnoticed", d, crit)
	}
}

// chiSquareCritical returns the 1% critical value of Pearson's statistic
// with df degrees of freedom. Quantile draws nothing; the source is set
// only because a distuv value must never fall back to the global one.
func chiSquareCritical(df int) float64 {
	return distuv.ChiSquared{K: float64(df), Src: rand.NewPCG(1, 1)}.Quantile(0.99)
}

// checkChiSquare fails t if counts with the given expectations (each a
// Poisson or multinomial count, expected ≥ 5) are rejected at the 1%
// level; df is the degrees of freedom.
func checkChiSquare(t *testing.T, name string, counts, expected []float64, df int) {
	t.Helper()
	var x2 float64
	for i, o := range counts {
		if expected[i] < 5 {
			t.Fatalf("%s: bin %d expects %.2f, fewer than 5: the χ² approximation fails", name, i, expected[i])
		}
		x2 += (o - expected[i]) * (o - expected[i]) / expected[i]
	}
	crit := chiSquareCritical(df)
	t.Logf("%s: χ² = %.2f with %d degrees of freedom, 1%% critical %.2f", name, x2, df, crit)
	if x2 > crit {
		t.Errorf("%s: χ² = %.2f exceeds the 1%% critical value %.2f (%d df)", name, x2, crit, df)
	}
}

// gaps draws n gaps from one instance.
func gaps(a Arrivals, r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = a.Next(r)
	}
	return xs
}

// nthGaps draws the k-th gap (0 for the first) of n independent instances.
func nthGaps(p Process, r *rand.Rand, k, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		a := p.New()
		for range k {
			a.Next(r)
		}
		xs[i] = a.Next(r)
	}
	return xs
}

// checkRate runs reps independent instances of p for horizon seconds
// each and fails t if p.MeanRate() lies outside the confidence interval
// of the mean arrival rate. Every process starts stationary (or, for the
// diurnal ones, horizon is a whole number of cycles), so each
// replication's rate is an unbiased estimate of the long-run rate.
func checkRate(t *testing.T, name string, p Process, r *rand.Rand, reps int, horizon float64) {
	t.Helper()
	rates := make([]float64, reps)
	var arrivals int
	for i := range rates {
		a := p.New()
		var now float64
		n := 0
		for {
			now += a.Next(r)
			if now >= horizon {
				break
			}
			n++
		}
		arrivals += n
		rates[i] = float64(n) / horizon
	}
	mean, hw := sim.MeanCI(rates, ciLevel)
	want := p.MeanRate()
	t.Logf("%s: rate %.6g ± %.2g (%.0f%% CI, %d arrivals in %d replications of %g s), configured %.6g (off by %.2f half-widths)",
		name, mean, hw, 100*ciLevel, arrivals, reps, horizon, want, (mean-want)/hw)
	if math.Abs(mean-want) > hw {
		t.Errorf("%s: long-run rate %.6g ± %.2g excludes the configured %.6g", name, mean, hw, want)
	}
}

// processes is one valid example of every process, for the tests that
// every Process must pass.
func processes(t *testing.T) map[string]Process {
	t.Helper()
	q, err := GeneratorFromSojourns([]float64{10, 1, 0.5}, [][]float64{{0, 0.8, 0.2}, {0.5, 0, 0.5}, {1, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	hourly := make([]float64, 24)
	for h := range hourly {
		hourly[h] = 0.5 + 0.4*math.Sin(float64(h))
	}
	return map[string]Process{
		"poisson":    Poisson{Rate: 4},
		"mmpp":       MMPP{Rates: []float64{0.5, 20, 5}, Generator: q},
		"periodic":   Periodic{Rate: 30, Jitter: 0.004, Law: GaussianJitter},
		"piecewise":  PiecewisePoisson{Rates: hourly, Offset: 8 * 3600},
		"sinusoidal": SinusoidalPoisson{Mean: 2, Amplitude: 1.5, Period: 600, Peak: 100, Offset: 50},
		"replay":     Replay{Times: []float64{0, 0.5, 0.5}},
	}
}

// TestProcessInstancesIndependent checks the Process contract: an
// instance's sequence depends only on its stream (the same stream gives
// the same gaps), instances keep their state to themselves (interleaving
// two instances changes neither), and every gap is ≥ 0.
func TestProcessInstancesIndependent(t *testing.T) {
	streams := sim.NewStreams(*seed)
	const n = 2000
	for name, p := range processes(t) {
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		alone := gaps(p.New(), streams.Rand("a"), n)
		if again := gaps(p.New(), streams.Rand("a"), n); !slices.Equal(alone, again) {
			t.Errorf("%s: two instances on equal streams differ", name)
		}
		a, b := p.New(), p.New()
		ra, rb := streams.Rand("a"), streams.Rand("b")
		aloneB := gaps(p.New(), streams.Rand("b"), n)
		for i := range n {
			ga, gb := a.Next(ra), b.Next(rb)
			if ga != alone[i] || gb != aloneB[i] {
				t.Fatalf("%s: gap %d changes when two instances interleave: %v, %v; alone %v, %v", name, i, ga, gb, alone[i], aloneB[i])
			}
			if !(ga >= 0) {
				t.Fatalf("%s: gap %d is %v", name, i, ga)
			}
		}
	}
}

// TestProcessRates checks every process's long-run rate against MeanRate.
func TestProcessRates(t *testing.T) {
	horizons := map[string]float64{"piecewise": Day, "sinusoidal": 600, "replay": 10}
	for name, p := range processes(t) {
		h, ok := horizons[name]
		if !ok {
			h = 100
		}
		if name == "replay" {
			// No randomness: the count is exact.
			a := p.New()
			var now float64
			n := 0
			for now += a.Next(nil); !math.IsInf(now, 1); now += a.Next(nil) {
				n++
			}
			if n != 3 || p.MeanRate() != 3/0.5 {
				t.Errorf("replay: %d arrivals, MeanRate %v; want 3 and 6", n, p.MeanRate())
			}
			continue
		}
		checkRate(t, name, p, testRand(t, "test/rate/"+name), 400, h)
	}
}

// TestProcessValidate checks that every kind of bad configuration is
// refused with a message naming the field, and that New panics on it.
func TestProcessValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    Process
		want []string // substrings of the error
	}{
		{"poisson negative", Poisson{Rate: -1}, []string{"rate -1"}},
		{"mmpp no states", MMPP{}, []string{"no states"}},
		{"mmpp bad rate", MMPP{Rates: []float64{1, math.NaN()}, Generator: [][]float64{{0, 1}, {1, 0}}}, []string{"Rates[1] = NaN"}},
		{"mmpp rows", MMPP{Rates: []float64{1, 2}, Generator: [][]float64{{0, 1}}}, []string{"1 rows"}},
		{"mmpp columns", MMPP{Rates: []float64{1, 2}, Generator: [][]float64{{0, 1}, {1}}}, []string{"Generator[1] has 1 columns"}},
		{"mmpp negative jump", MMPP{Rates: []float64{1, 2}, Generator: [][]float64{{0, -1}, {1, 0}}}, []string{"Generator[0][1] = -1"}},
		{"mmpp diagonal", MMPP{Rates: []float64{1, 2}, Generator: [][]float64{{-2, 1}, {1, 0}}}, []string{"Generator[0][0] = -2", "(-1)"}},
		{"mmpp reducible", MMPP{Rates: []float64{1, 2}, Generator: [][]float64{{0, 1}, {0, 0}}}, []string{"not irreducible", "state 0 cannot be reached from state 1"}},
		{"mmpp unreachable", MMPP{Rates: []float64{1, 2, 3}, Generator: [][]float64{{0, 1, 0}, {1, 0, 0}, {1, 0, 0}}}, []string{"state 2 cannot be reached from state 0"}},
		{"periodic rate", Periodic{Rate: math.Inf(1)}, []string{"Rate +Inf"}},
		{"periodic jitter", Periodic{Rate: 100, Jitter: 0.02}, []string{"Jitter 0.02 s exceeds the period 0.01 s"}},
		{"periodic law", Periodic{Rate: 1, Law: 7}, []string{"Law JitterLaw(7)"}},
		{"periodic negative jitter", Periodic{Rate: 1, Jitter: -1, Law: GaussianJitter}, []string{"Jitter -1"}},
		{"piecewise empty", PiecewisePoisson{}, []string{"no Rates"}},
		{"piecewise period", PiecewisePoisson{Rates: []float64{1}, Period: -5}, []string{"Period -5"}},
		{"piecewise breaks", PiecewisePoisson{Rates: []float64{1, 2, 3}, Breaks: []float64{0, 50, 40}, Period: 100}, []string{"Breaks[2] = 40: want more than Breaks[1] = 50"}},
		{"piecewise first break", PiecewisePoisson{Rates: []float64{1, 2}, Breaks: []float64{10, 50}, Period: 100}, []string{"Breaks[0] = 10"}},
		{"piecewise break count", PiecewisePoisson{Rates: []float64{1, 2}, Breaks: []float64{0}, Period: 100}, []string{"1 Breaks for 2 Rates"}},
		{"piecewise break past period", PiecewisePoisson{Rates: []float64{1, 2}, Breaks: []float64{0, 100}, Period: 100}, []string{"Breaks[1] = 100: want less than the period 100"}},
		{"piecewise offset", PiecewisePoisson{Rates: []float64{1}, Offset: Day}, []string{"Offset 86400"}},
		{"piecewise all", PiecewisePoisson{Rates: []float64{-1}, Offset: -1}, []string{"Rates[0] = -1", "Offset -1"}},
		{"sinusoid amplitude", SinusoidalPoisson{Mean: 1, Amplitude: 2}, []string{"Amplitude 2"}},
		{"sinusoid peak", SinusoidalPoisson{Mean: 1, Period: 10, Peak: 10}, []string{"Peak 10"}},
		{"sinusoid mean", SinusoidalPoisson{Mean: math.NaN()}, []string{"Mean NaN"}},
		{"replay order", Replay{Times: []float64{1, 3, 2}}, []string{"Times[2] = 2: before Times[1] = 3"}},
		{"replay negative", Replay{Times: []float64{-1}}, []string{"Times[0] = -1"}},
	} {
		err := tt.p.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepts %+v", tt.name, tt.p)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New does not panic", tt.name)
				}
			}()
			tt.p.New()
		}()
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("%s: MeanRate panics: %v", tt.name, v)
				}
			}()
			tt.p.MeanRate()
		}()
	}
}

// TestZeroRates checks that processes configured never to arrive return
// +Inf at once, instead of looping.
func TestZeroRates(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, p := range []Process{
		Poisson{},
		Periodic{},
		MMPP{Rates: []float64{0, 0}, Generator: [][]float64{{0, 1}, {1, 0}}},
		MMPP{Rates: []float64{0}, Generator: [][]float64{{0}}},
		PiecewisePoisson{Rates: []float64{0, 0}},
		SinusoidalPoisson{},
		Replay{},
	} {
		if err := p.Validate(); err != nil {
			t.Errorf("%#v: %v", p, err)
			continue
		}
		if g := p.New().Next(r); !math.IsInf(g, 1) {
			t.Errorf("%#v: gap %v, want +Inf", p, g)
		}
		if p.MeanRate() != 0 {
			t.Errorf("%#v: MeanRate %v, want 0", p, p.MeanRate())
		}
	}
}

func TestPoissonGapsKS(t *testing.T) {
	for _, rate := range []float64{0.2, 15} {
		xs := gaps(Poisson{Rate: rate}.New(), testRand(t, fmt.Sprintf("test/poisson-ks/%v", rate)), 100_000)
		checkKS(t, fmt.Sprintf("Poisson rate %v", rate), xs, func(x float64) float64 { return 1 - math.Exp(-rate*x) })
	}
}
