package sim

import (
	"math"
	"testing"
)

// tol is the tolerance of the hand-computed values below, which are
// written with at least nine significant digits.
const tol = 1e-9

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// panics reports whether f panics; documented misuse must.
func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

func TestSummary(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name                     string
		xs                       []float64
		mean, variance, min, max float64
	}{
		{"empty", nil, nan, nan, nan, nan},
		{"one", []float64{3}, 3, nan, 3, 3},
		// Σ(x-5)² = 9+1+1+1+0+0+4+16 = 32, over n-1 = 7.
		{"classic", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, 32.0 / 7, 2, 9},
		{"negative", []float64{-1, -3}, -2, 2, -3, -1},
		// A large offset defeats the naive Σx² - n·mean² formula in
		// float64; Welford keeps the variance exact: (36+9+9+36)/3.
		{"offset", []float64{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, 1e9 + 10, 30, 1e9 + 4, 1e9 + 16},
		{"constant", []float64{0.1, 0.1, 0.1}, 0.1, 0, 0.1, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Summary
			for _, x := range tc.xs {
				s.Add(x)
			}
			if s.N() != len(tc.xs) {
				t.Errorf("N = %d, want %d", s.N(), len(tc.xs))
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"Mean", s.Mean(), tc.mean},
				{"Variance", s.Variance(), tc.variance},
				{"StdDev", s.StdDev(), math.Sqrt(tc.variance)},
				{"Min", s.Min(), tc.min},
				{"Max", s.Max(), tc.max},
			} {
				if !near(c.got, c.want, tol) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestSummaryNaNPropagates(t *testing.T) {
	var s Summary
	for _, x := range []float64{1, math.NaN(), 2} {
		s.Add(x)
	}
	for what, v := range map[string]float64{"Mean": s.Mean(), "Variance": s.Variance(), "Min": s.Min(), "Max": s.Max()} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v after adding a NaN, want NaN", what, v)
		}
	}
}

func TestSummaryMerge(t *testing.T) {
	xs := []float64{3.5, -1, 7, 2.25, 1e3, 4, 4, -8.5, 0, 11}
	var all Summary
	for _, x := range xs {
		all.Add(x)
	}
	for split := 0; split <= len(xs); split++ {
		var a, b Summary
		for _, x := range xs[:split] {
			a.Add(x)
		}
		for _, x := range xs[split:] {
			b.Add(x)
		}
		a.Merge(b)
		if a.N() != all.N() || !near(a.Mean(), all.Mean(), 1e-12) || !near(a.Variance(), all.Variance(), 1e-12) ||
			a.Min() != all.Min() || a.Max() != all.Max() {
			t.Errorf("split %d: merged %+v, sequential %+v", split, a, all)
		}
	}
}

// Quantiles of Student's t distribution, from standard tables (and
// scipy.stats.t.ppf), to ten significant digits.
func TestStudentTQuantile(t *testing.T) {
	for _, tc := range []struct{ nu, p, want float64 }{
		{1, 0.975, 12.70620474},
		{4, 0.95, 2.131846786},
		{9, 0.975, 2.262157163},
		{9, 0.995, 3.249835542},
		{29, 0.995, 2.756385904},
		{29, 0.5, 0},
	} {
		if got := studentT(tc.nu, tc.p); !near(got, tc.want, 1e-8) {
			t.Errorf("t quantile(ν=%v, p=%v) = %.10g, want %.10g", tc.nu, tc.p, got, tc.want)
		}
	}
}

func TestConfidenceInterval(t *testing.T) {
	// 1..10: mean 5.5, sample variance 55/6, standard error √(55/6/10).
	one2ten := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	se := math.Sqrt(55.0 / 6 / 10)
	for _, tc := range []struct {
		name     string
		xs       []float64
		level    float64
		mean, hw float64
	}{
		{"95%", one2ten, 0.95, 5.5, 2.262157163 * se},
		{"99%", one2ten, 0.99, 5.5, 3.249835542 * se},
		// Two values 0 and 2: mean 1, s = √2, se = 1, ν = 1.
		{"two", []float64{0, 2}, 0.95, 1, 12.70620474},
		{"constant", []float64{4, 4, 4}, 0.99, 4, 0},
		{"one", []float64{4}, 0.95, 4, math.NaN()},
		{"empty", nil, 0.95, math.NaN(), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mean, hw := MeanCI(tc.xs, tc.level)
			if !near(mean, tc.mean, tol) || !near(hw, tc.hw, 1e-8) {
				t.Errorf("MeanCI = %v ± %v, want %v ± %v", mean, hw, tc.mean, tc.hw)
			}
			var s Summary
			for _, x := range tc.xs {
				s.Add(x)
			}
			lo, hi := s.CI(tc.level)
			if !near(lo, tc.mean-tc.hw, 1e-8) || !near(hi, tc.mean+tc.hw, 1e-8) {
				t.Errorf("CI = [%v, %v], want [%v, %v]", lo, hi, tc.mean-tc.hw, tc.mean+tc.hw)
			}
		})
	}
	for _, level := range []float64{0, 1, -0.5, 95, math.NaN()} {
		if !panics(func() { MeanCI(one2ten, level) }) {
			t.Errorf("MeanCI(level %v) did not panic", level)
		}
	}
}

func TestTimeWeighted(t *testing.T) {
	type step struct {
		op    byte // 's' Set, 'a' Add, 'r' Reset
		at    Time
		value float64
	}
	for _, tc := range []struct {
		name  string
		start Time
		init  float64
		steps []step
		at    Time
		want  float64
	}{
		// 0 on [0,2), 3 on [2,5), 1 on [5,10): (0·2 + 3·3 + 1·5)/10.
		{"zero value", 0, 0, []step{{'s', 2 * Second, 3}, {'s', 5 * Second, 1}}, 10 * Second, 1.4},
		{"constant", 0, 2.5, nil, 7 * Second, 2.5},
		// Reset at 5 s keeps the value 1; then 1 on [5,7), 4 on [7,10): 14/5.
		{"reset", 0, 0, []step{{'s', 2 * Second, 3}, {'s', 5 * Second, 1}, {'r', 5 * Second, 0}, {'s', 7 * Second, 4}}, 10 * Second, 2.8},
		// A queue: +1 at 1, +1 at 2, -1 at 4, -1 at 8, starting at 1 s:
		// 1 on [1,2), 2 on [2,4), 1 on [4,8), 0 on [8,9): 9/8.
		{"add", Second, 0, []step{{'a', Second, 1}, {'a', 2 * Second, 1}, {'a', 4 * Second, -1}, {'a', 8 * Second, -1}}, 9 * Second, 9.0 / 8},
		// Several changes at one instant: only the last value is held.
		{"same instant", 0, 0, []step{{'s', Second, 5}, {'s', Second, 7}, {'s', Second, 2}}, 2 * Second, 1},
		{"empty window", 3 * Second, 1, nil, 3 * Second, math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewTimeWeighted(tc.start, tc.init)
			for _, s := range tc.steps {
				switch s.op {
				case 's':
					w.Set(s.at, s.value)
				case 'a':
					w.Add(s.at, s.value)
				case 'r':
					w.Reset(s.at)
				}
			}
			if got := w.Mean(tc.at); !near(got, tc.want, tol) {
				t.Errorf("Mean(%v) = %v, want %v", tc.at, got, tc.want)
			}
			// Mean reads without changing the collector.
			if got := w.Mean(tc.at); !near(got, tc.want, tol) {
				t.Errorf("second Mean(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}

	w := NewTimeWeighted(0, 0)
	w.Set(5*Second, 1)
	if !panics(func() { w.Set(4*Second, 2) }) {
		t.Error("Set before the last change did not panic")
	}
	if !panics(func() { w.Mean(4 * Second) }) {
		t.Error("Mean before the last change did not panic")
	}
}

func TestPercentile(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"min", []float64{1, 2, 3, 4}, 0, 1},
		{"max", []float64{1, 2, 3, 4}, 1, 4},
		{"median even", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"median odd", []float64{5, 1, 3}, 0.5, 3},
		// h = 0.25·3 = 0.75: 1 + 0.75·(2-1).
		{"quartile", []float64{1, 2, 3, 4}, 0.25, 1.75},
		// h = 0.9·3 = 2.7: 3 + 0.7·(4-3), unsorted input.
		{"p90 unsorted", []float64{4, 2, 1, 3}, 0.9, 3.7},
		// Wikipedia "Percentile", second variant (C = 1): h = 0.4·4 = 1.6,
		// 20 + 0.6·(35-20) = 29.
		{"wikipedia", []float64{15, 20, 35, 40, 50}, 0.4, 29},
		{"one value", []float64{7}, 0.99, 7},
		{"ties", []float64{2, 2, 2, 9}, 0.5, 2},
		{"infinite max", []float64{1, 2, math.Inf(1)}, 0.5, 2},
		{"empty", nil, 0.5, nan},
		{"nan", []float64{1, nan, 3}, 0.5, nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Samples
			for _, x := range tc.xs {
				s.Add(x)
			}
			if got := s.Percentile(tc.p); !near(got, tc.want, tol) {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}

	var s Samples
	s.Add(1)
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if !panics(func() { s.Percentile(p) }) {
			t.Errorf("Percentile(%v) did not panic", p)
		}
	}
}

// Adding after a Percentile must re-sort before the next one.
func TestPercentileAddAfterRead(t *testing.T) {
	var s Samples
	for _, x := range []float64{5, 3, 9} {
		s.Add(x)
	}
	if got := s.Percentile(0); got != 3 {
		t.Fatalf("min = %v, want 3", got)
	}
	s.Add(1)
	s.Add(10)
	if got := s.Percentile(0); got != 1 {
		t.Errorf("min after Add = %v, want 1", got)
	}
	if got := s.Percentile(1); got != 10 {
		t.Errorf("max after Add = %v, want 10", got)
	}
	if s.N() != 5 {
		t.Errorf("N = %d, want 5", s.N())
	}
	s.Reset()
	s.Add(4)
	if s.N() != 1 || s.Percentile(0.3) != 4 {
		t.Errorf("after Reset: N = %d, Percentile = %v; want 1, 4", s.N(), s.Percentile(0.3))
	}
}
