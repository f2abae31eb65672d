package topology

import (
	"flag"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// channelSeed is the master seed of the channel tests' streams. The
// tolerances are set at about five standard errors, so any seed should
// pass; 0 draws a random seed and logs it, to replay a failure.
var channelSeed = flag.Uint64("channel.seed", 20260101, "master seed of the channel tests' streams (0: random, logged)")

// channelRand returns the stream called label under channelSeed, so that
// tests do not share draws.
func channelRand(t testing.TB, label string) *rand.Rand {
	t.Helper()
	seed := resolvedChannelSeed()
	if *channelSeed == 0 {
		t.Logf("-channel.seed=%d", seed)
	}
	return sim.NewStreams(seed).Rand("topology-test/" + label)
}

// resolvedChannelSeed is channelSeed, or one random seed for the whole run.
var resolvedChannelSeed = sync.OnceValue(func() uint64 {
	if *channelSeed != 0 {
		return *channelSeed
	}
	return rand.Uint64()
})

// sampleMoments returns the sample mean and (n−1) variance of xs.
func sampleMoments(xs []float64) (mean, variance float64) {
	var s sim.Summary
	for _, x := range xs {
		s.Add(x)
	}
	return s.Mean(), s.Variance()
}

// TestFadingGainMoments checks the power gains against theory over 10⁶
// draws. The mean has variance Var/n, so its standard error is at most
// 1e−3; the sample variance of Exp(1) has standard error √((μ₄ − σ⁴)/n)
// = √(8/10⁶) = 2.8e−3. The tolerances are about five standard errors.
func TestFadingGainMoments(t *testing.T) {
	const n = 1_000_000
	for _, c := range []struct {
		name                   string
		k                      float64
		wantMean, wantVariance float64
		tolMean, tolVariance   float64
	}{
		{"rayleigh", 0, 1, 1, 0.005, 0.015},
		// Rician: variance (2K+1)/(K+1)² = 21/121 = 0.173554 at K = 10.
		{"rician K=10", 10, 1, 21.0 / 121, 0.003, 0.003},
		{"rician K=1", 1, 1, 3.0 / 4, 0.004, 0.01},
	} {
		r := channelRand(t, "fading/"+c.name)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = FadingGain(c.k, r)
		}
		mean, v := sampleMoments(xs)
		if math.Abs(mean-c.wantMean) > c.tolMean {
			t.Errorf("%s: mean %v, want %v ± %v", c.name, mean, c.wantMean, c.tolMean)
		}
		if math.Abs(v-c.wantVariance) > c.tolVariance {
			t.Errorf("%s: variance %v, want %v ± %v", c.name, v, c.wantVariance, c.tolVariance)
		}
	}
}

// TestRayleighIsExponential compares the empirical CDF of Rayleigh power
// gains with 1 − e^(−x) at a few points (Kolmogorov–Smirnov style: the
// binomial standard error at 10⁵ draws is below 1.6e−3).
func TestRayleighIsExponential(t *testing.T) {
	const n = 100_000
	r := channelRand(t, "fading/cdf")
	points := []float64{0.1, 0.5, 1, 2, 4}
	counts := make([]int, len(points))
	for range n {
		g := FadingGain(0, r)
		for i, p := range points {
			if g <= p {
				counts[i]++
			}
		}
	}
	for i, p := range points {
		if got, want := float64(counts[i])/n, -math.Expm1(-p); math.Abs(got-want) > 0.008 {
			t.Errorf("P(g ≤ %v) = %v, want %v", p, got, want)
		}
	}
}

func TestFadingBlocks(t *testing.T) {
	ms := sim.Millisecond
	f := Fading{Coherence: 10 * ms}
	r := channelRand(t, "fading/blocks")
	g0 := f.Gain(0, r)
	if g := f.Gain(9*ms+999, r); g != g0 {
		t.Errorf("gain changed inside the first interval: %v then %v", g0, g)
	}
	g1 := f.Gain(10*ms, r)
	if g1 == g0 {
		t.Errorf("gain not redrawn at the interval boundary")
	}
	if got := f.NextRedraw(10 * ms); got != 20*ms {
		t.Errorf("NextRedraw(10 ms) = %v, want 20 ms", got)
	}
	if got := f.NextRedraw(19 * ms); got != 20*ms {
		t.Errorf("NextRedraw(19 ms) = %v, want 20 ms", got)
	}

	// The same stream and the same calls give the same gains, and skipping
	// intervals draws once, not once per interval.
	a, b := Fading{Coherence: 10 * ms}, Fading{Coherence: 10 * ms}
	ra, rb := channelRand(t, "fading/same"), channelRand(t, "fading/same")
	for _, at := range []sim.Time{0, 5 * ms, 10 * ms, 95 * ms, 96 * ms, sim.Second} {
		if ga, gb := a.Gain(at, ra), b.Gain(at, rb); ga != gb {
			t.Fatalf("at %v: %v and %v from the same stream", at, ga, gb)
		}
	}
	// Blocks 0, 1, 9 and 100 were visited: four draws, whatever the
	// number of calls or of intervals skipped.
	ref := channelRand(t, "fading/same")
	for range 4 {
		ref.ExpFloat64()
	}
	rc := channelRand(t, "fading/same")
	c := Fading{Coherence: 10 * ms}
	for _, at := range []sim.Time{0, 5 * ms, 10 * ms, 95 * ms, 96 * ms, sim.Second} {
		c.Gain(at, rc)
	}
	if rc.ExpFloat64() != ref.ExpFloat64() {
		t.Error("Gain drew more or fewer than once per visited interval")
	}

	hold := Fading{}
	h0 := hold.Gain(0, r)
	if hold.Gain(sim.Second*3600, r) != h0 || hold.NextRedraw(0) != sim.Forever {
		t.Error("zero coherence does not hold the first draw")
	}

	defer func() {
		if recover() == nil {
			t.Error("asking for an earlier interval did not panic")
		}
	}()
	f.Gain(0, r)
}

func TestFadingValidate(t *testing.T) {
	if err := (Fading{K: 3, Coherence: sim.Millisecond}).Validate(); err != nil {
		t.Error(err)
	}
	for _, f := range []Fading{{K: -1}, {K: math.NaN()}, {K: math.Inf(1)}, {Coherence: -1}} {
		if f.Validate() == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

// TestCoherenceTime: a walker at 1.5 m/s on 3.5 GHz sees
// f_D = 1.5·3.5e9/299792458 = 17.5121 Hz, so T_c = 0.423/17.5121 =
// 24.1547 ms; a car at 30 m/s on 2 GHz, f_D = 200.138 Hz and T_c =
// 2.1135 ms.
func TestCoherenceTime(t *testing.T) {
	for _, c := range []struct {
		v, f float64
		want sim.Time
	}{
		{1.5, 3.5, sim.Seconds(0.024154707)},
		{30, 2, sim.Seconds(0.002113537)},
		{0, 3.5, sim.Forever},
	} {
		if got := CoherenceTime(c.v, c.f); got != c.want {
			t.Errorf("CoherenceTime(%v m/s, %v GHz) = %v, want %v", c.v, c.f, got, c.want)
		}
	}
}

// sampleAutocorr returns the lag-k sample autocorrelation of xs.
func sampleAutocorr(xs []float64, k int) float64 {
	mean, v := sampleMoments(xs)
	var s float64
	for i := 0; i+k < len(xs); i++ {
		s += (xs[i] - mean) * (xs[i+k] - mean)
	}
	return s / float64(len(xs)-k) / v
}

// TestGudmundsonCorrelation walks a user in 5 m steps through shadowing
// with a 20 m decorrelation distance: successive samples should correlate
// by exp(−5/20) = 0.778801 and samples four steps apart by exp(−1) =
// 0.367879. For an AR(1) sequence the lag-1 estimate's standard error is
// about √((1 − ρ²)/n) = 1.4e−3 at n = 2·10⁵; the tolerance is 0.01. The
// marginal must stay N(0, σ²): σ = 8 dB.
func TestGudmundsonCorrelation(t *testing.T) {
	const (
		n    = 200_000
		step = 5.0
	)
	s := Shadowing{SigmaDB: 8, Gudmundson: Gudmundson{Decorr: 20}}
	r := channelRand(t, "gudmundson")
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = s.At(Point{X: float64(i) * step}, r)
	}
	for _, c := range []struct {
		lag  int
		want float64
	}{{1, 0.778801}, {2, 0.606531}, {4, 0.367879}} {
		if got := sampleAutocorr(xs, c.lag); math.Abs(got-c.want) > 0.01 {
			t.Errorf("lag %d (%v m): correlation %v, want %v", c.lag, float64(c.lag)*step, got, c.want)
		}
	}
	// The effective sample size of an AR(1) with ρ = 0.78 is n(1−ρ)/(1+ρ)
	// ≈ 25,000, so σ̂ has a relative standard error near 0.5 %.
	if _, v := sampleMoments(xs); math.Abs(math.Sqrt(v)-8) > 0.2 {
		t.Errorf("shadowing σ = %v dB, want 8", math.Sqrt(v))
	}

	// A user at rest keeps its value; with no decorrelation distance a
	// user who moves gets an independent one.
	if a, b := s.At(Point{X: 1e9}, r), s.At(Point{X: 1e9}, r); a != b {
		t.Errorf("a user at rest saw %v then %v", a, b)
	}
	ind := Gudmundson{}
	ys := make([]float64, n)
	for i := range ys {
		ys[i] = ind.At(Point{Y: float64(i)}, r)
	}
	// Standard error 1/√n = 2.2e−3.
	if c := sampleAutocorr(ys, 1); math.Abs(c) > 0.012 {
		t.Errorf("uncorrelated process: lag-1 correlation %v", c)
	}
}

func TestNewShadowing(t *testing.T) {
	s := NewShadowing(UMa{}, false)
	if s.SigmaDB != 6 || s.Decorr != 50 {
		t.Errorf("UMa NLOS shadowing %+v, want σ 6 dB over 50 m", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	if (Shadowing{SigmaDB: -1}).Validate() == nil || (Shadowing{Gudmundson: Gudmundson{Decorr: math.NaN()}}).Validate() == nil {
		t.Error("bad shadowing accepted")
	}
}

// TestLOSStateFrequency walks round a circle 50 m from a UMi base station,
// where P(LOS) = 0.5196, in 10 m steps with a 50 m decorrelation
// distance: the state holds LOS the right fraction of the time, and
// changes less often than independent draws would (2p(1−p) = 0.4992 per
// step).
func TestLOSStateFrequency(t *testing.T) {
	const n = 200_000
	r := channelRand(t, "losstate")
	s := LOSState{Gudmundson{Decorr: 50}}
	m := UMi{}
	los, flips := 0, 0
	prev := false
	for i := range n {
		a := float64(i) * 10 / 50 // radians: 10 m of arc
		p := Point{X: 50 * math.Cos(a), Y: 50 * math.Sin(a)}
		l := s.At(p, 50, m, r)
		if l {
			los++
		}
		if i > 0 && l != prev {
			flips++
		}
		prev = l
	}
	// Effective sample size ≈ n(1−ρ)/(1+ρ) with ρ ≈ exp(−9.97/50) = 0.82:
	// about 20,000, so the standard error of the fraction is 0.0035.
	if got := float64(los) / n; math.Abs(got-0.5195854) > 0.015 {
		t.Errorf("LOS fraction %v, want 0.5196", got)
	}
	if got := float64(flips) / n; got > 0.3 {
		t.Errorf("state changed on %v of steps: not spatially consistent", got)
	}
}
