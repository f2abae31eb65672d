package workloads

import (
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

// seed makes a failing random test replayable: go test -seed=N.
var seed = flag.Uint64("seed", 1, "master seed for randomised tests")

func testRand(t *testing.T, label string) *rand.Rand {
	t.Helper()
	t.Logf("seed %d, stream %q (replay with -seed=%d)", *seed, label, *seed)
	return sim.NewStreams(*seed).Rand(label)
}

var _ Arrivals = Poisson{}

func TestPoissonMoments(t *testing.T) {
	const n = 1_000_000
	// The sample mean of n exponential gaps has standard error (1/λ)/√n, and
	// the sample variance has standard error √(8/n)/λ² (fourth central
	// moment 9/λ⁴). Allowing six standard errors makes a false alarm
	// rarer than one in 10⁸ runs.
	const sigmas = 6
	for _, rate := range []float64{0.5, 3, 250} {
		r := testRand(t, "test/poisson")
		p := Poisson{Rate: rate}
		var sum, sumSq float64
		gaps := make([]float64, n)
		for i := range gaps {
			g := p.Next(r)
			if !(g >= 0) {
				t.Fatalf("rate %v: gap %v", rate, g)
			}
			gaps[i] = g
			sum += g
		}
		mean := sum / n
		for _, g := range gaps {
			sumSq += (g - mean) * (g - mean)
		}
		variance := sumSq / (n - 1)

		wantMean, wantVar := 1/rate, 1/(rate*rate)
		if d := math.Abs(mean - wantMean); d > sigmas*wantMean/math.Sqrt(n) {
			t.Errorf("rate %v: mean gap %.6g, want %.6g ± %.2g", rate, mean, wantMean, sigmas*wantMean/math.Sqrt(n))
		}
		if d := math.Abs(variance - wantVar); d > sigmas*math.Sqrt(8.0/n)*wantVar {
			t.Errorf("rate %v: variance %.6g, want %.6g ± %.2g", rate, variance, wantVar, sigmas*math.Sqrt(8.0/n)*wantVar)
		}

		// Quantiles: P(gap ≤ x) = 1 − e^(−λx). The empirical CDF at a point
		// has standard error √(p(1−p)/n) ≤ 0.5/√n.
		slices.Sort(gaps)
		for _, q := range []float64{0.1, 0.5, 0.9, 0.99} {
			x := -math.Log(1-q) / rate
			got := float64(countLE(gaps, x)) / n
			if math.Abs(got-q) > sigmas*0.5/math.Sqrt(n) {
				t.Errorf("rate %v: P(gap ≤ %.4g) = %.5f, want %.5f", rate, x, got, q)
			}
		}
	}
}

func countLE(sorted []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(sorted, x, func(v, x float64) int {
		if v <= x {
			return -1
		}
		return 1
	})
	return i
}

func TestPoissonReproducible(t *testing.T) {
	streams := sim.NewStreams(42)
	a, b := streams.Rand("workload/phone-3/arrivals"), streams.Rand("workload/phone-3/arrivals")
	p := Poisson{Rate: 7}
	for i := range 1000 {
		if x, y := p.Next(a), p.Next(b); x != y {
			t.Fatalf("draw %d: %v != %v from the same stream", i, x, y)
		}
	}
}

func TestPoissonZeroRate(t *testing.T) {
	if g := (Poisson{}).Next(rand.New(rand.NewPCG(1, 2))); !math.IsInf(g, 1) {
		t.Errorf("zero rate: gap %v, want +Inf", g)
	}
	if sim.Seconds(math.Inf(1)) != sim.Forever {
		t.Error("an infinite gap does not convert to sim.Forever")
	}
}

func TestPoissonInvalidRate(t *testing.T) {
	for _, rate := range []float64{-1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		p := Poisson{Rate: rate}
		if p.Validate() == nil {
			t.Errorf("Validate accepts rate %v", rate)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Next with rate %v does not panic", rate)
				}
			}()
			p.Next(rand.New(rand.NewPCG(1, 2)))
		}()
	}
	for _, rate := range []float64{0, 1e-9, 1e9} {
		if err := (Poisson{Rate: rate}).Validate(); err != nil {
			t.Errorf("Validate(%v) = %v", rate, err)
		}
	}
}

func TestTaskMissed(t *testing.T) {
	task := Task{Arrival: sim.Second, Deadline: sim.Second + 100*sim.Millisecond}
	for _, tt := range []struct {
		finish sim.Time
		missed bool
	}{
		{sim.Second + 50*sim.Millisecond, false},
		{task.Deadline, false},
		{task.Deadline + 1, true},
	} {
		if got := task.Missed(tt.finish); got != tt.missed {
			t.Errorf("Missed(%v) = %v, want %v", tt.finish, got, tt.missed)
		}
	}
}
