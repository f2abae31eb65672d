package workloads

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bursty is a two-state MMPP: quiet at 1/s for 20 s on average, then a
// burst at 40/s for 2 s. π = (10/11, 1/11), so the mean rate is
// (10·1 + 40)/11 = 50/11 ≈ 4.545/s.
var bursty = MMPP{
	Rates:     []float64{1, 40},
	Generator: [][]float64{{0, 1.0 / 20}, {1.0 / 2, 0}},
}

// fourState is an MMPP with one silent state and jumps that are not
// reversible, written in the generator convention.
var fourState = MMPP{
	Rates: []float64{0, 3, 12, 0.5},
	Generator: [][]float64{
		{-0.3, 0.2, 0, 0.1},
		{0.05, -0.55, 0.5, 0},
		{0, 0, -2, 2},
		{0.4, 0.1, 0, -0.5},
	},
}

func TestMMPPStationary(t *testing.T) {
	const tol = 1e-12
	// Two states: π₀ = q₁₀/(q₀₁+q₁₀).
	pi, err := bursty.Stationary()
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{10.0 / 11, 1.0 / 11}; math.Abs(pi[0]-want[0]) > tol || math.Abs(pi[1]-want[1]) > tol {
		t.Errorf("two states: π = %v, want %v", pi, want)
	}
	if got, want := bursty.MeanRate(), 50.0/11; math.Abs(got-want) > tol {
		t.Errorf("two states: MeanRate %v, want %v", got, want)
	}

	// A birth–death chain is reversible: πᵢ₊₁ = πᵢ·q(i→i+1)/q(i+1→i).
	bd := MMPP{
		Rates:     []float64{1, 2, 3, 4},
		Generator: [][]float64{{0, 2, 0, 0}, {1, 0, 3, 0}, {0, 0.5, 0, 1}, {0, 0, 4, 0}},
	}
	w := []float64{1, 2, 2 * 3 / 0.5, 2 * 3 / 0.5 * 1 / 4.0}
	var sum float64
	for _, v := range w {
		sum += v
	}
	pi, err = bd.Stationary()
	if err != nil {
		t.Fatal(err)
	}
	for i := range pi {
		if math.Abs(pi[i]-w[i]/sum) > tol {
			t.Errorf("birth–death: π = %v, want %v/%v", pi, w, sum)
			break
		}
	}

	// Any chain: πQ = 0 and Σπ = 1; rates many orders of magnitude apart
	// make the solve ill-conditioned but it must still hold.
	stiff := MMPP{Rates: []float64{1, 1, 1}, Generator: [][]float64{{0, 1e-6, 0}, {0, 0, 1e6}, {1, 1, 0}}}
	for name, m := range map[string]MMPP{"four states": fourState, "stiff": stiff} {
		pi, err := m.Stationary()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q := generator(m)
		var total, scale float64
		for j := range pi {
			var flow float64
			for i := range pi {
				flow += pi[i] * q.At(i, j)
				scale = max(scale, math.Abs(pi[i]*q.At(i, j)))
			}
			if math.Abs(flow) > 1e-12*scale {
				t.Errorf("%s: (πQ)[%d] = %g (π = %v)", name, j, flow, pi)
			}
			total += pi[j]
		}
		if math.Abs(total-1) > tol {
			t.Errorf("%s: Σπ = %v", name, total)
		}
	}
}

// generator returns m's generator with its diagonal filled in.
func generator(m MMPP) *mat.Dense {
	k := len(m.Rates)
	q := mat.NewDense(k, k, nil)
	for i := range k {
		var out float64
		for j := range k {
			if j != i {
				q.Set(i, j, m.Generator[i][j])
				out += m.Generator[i][j]
			}
		}
		q.Set(i, i, -out)
	}
	return q
}

// TestMMPPEqualRatesKS checks the degenerate MMPP whose states all share
// one rate: switching is then invisible, and the gaps of one instance are
// independent exponentials. This tests that jumps within a gap neither
// lose nor add time.
func TestMMPPEqualRatesKS(t *testing.T) {
	m := MMPP{Rates: []float64{3, 3, 3}, Generator: [][]float64{{0, 5, 1}, {2, 0, 7}, {9, 0.5, 0}}}
	xs := gaps(m.New(), testRand(t, "test/mmpp-equal"), 100_000)
	checkKS(t, "MMPP, equal rates", xs, func(x float64) float64 { return 1 - math.Exp(-3*x) })
}

// phaseType returns the CDF of the time to the next arrival of an MMPP
// whose state is distributed as alpha: 1 − α·exp((Q − Λ)x)·1, a
// phase-type law (Fischer and Meier-Hellstern 1993, §3).
func phaseType(m MMPP, alpha []float64) func(float64) float64 {
	k := len(m.Rates)
	d := generator(m)
	for i := range k {
		d.Set(i, i, d.At(i, i)-m.Rates[i])
	}
	a := mat.NewVecDense(k, alpha)
	ones := mat.NewVecDense(k, nil)
	for i := range k {
		ones.SetVec(i, 1)
	}
	return func(x float64) float64 {
		var dx, e mat.Dense
		dx.Scale(x, d)
		e.Exp(&dx)
		var v mat.VecDense
		v.MulVec(&e, ones)
		return 1 - mat.Dot(a, &v)
	}
}

// embedded returns M = (Λ − Q)⁻¹Λ, whose row i is the distribution of the
// state at the next arrival given state i now.
func embedded(t *testing.T, m MMPP) *mat.Dense {
	k := len(m.Rates)
	lq := generator(m)
	lq.Scale(-1, lq)
	lam := mat.NewDense(k, k, nil)
	for i := range k {
		lq.Set(i, i, lq.At(i, i)+m.Rates[i])
		lam.Set(i, i, m.Rates[i])
	}
	var mm mat.Dense
	if err := mm.Solve(lq, lam); err != nil {
		t.Fatal(err)
	}
	return &mm
}

// TestMMPPGapLawKS checks the gaps of MMPPs against their exact law. The
// gaps of one instance are correlated, so each sample takes the same gap
// of many independent instances: the first gap starts from π, and the
// (n+1)-th from π·Mⁿ, the state distribution at the n-th arrival.
func TestMMPPGapLawKS(t *testing.T) {
	const n = 20_000
	for name, m := range map[string]MMPP{"bursty": bursty, "four states": fourState} {
		r := testRand(t, "test/mmpp-law/"+name)
		pi, err := m.Stationary()
		if err != nil {
			t.Fatal(err)
		}
		mm := embedded(t, m)
		alpha := mat.NewVecDense(len(pi), slices.Clone(pi))
		for k := range 3 {
			if k > 0 {
				var next mat.VecDense
				next.MulVec(mm.T(), alpha)
				alpha = &next
			}
			xs := nthGaps(m, r, k, n)
			checkKS(t, fmt.Sprintf("%s MMPP, gap %d", name, k+1), xs, phaseType(m, alpha.RawVector().Data))
		}
	}
}

// TestMMPPArrivalStates checks the state of the chain at the n-th arrival
// of independent instances against π·Mⁿ by χ², and that this tends to
// the Palm distribution πᵢλᵢ/(π·λ): arrivals see busy states more often
// than time does.
func TestMMPPArrivalStates(t *testing.T) {
	const reps = 50_000
	m := fourState
	pi, _ := m.Stationary()
	k := len(pi)
	mm := embedded(t, m)
	r := testRand(t, "test/mmpp-states")
	for _, nth := range []int{1, 40} {
		alpha := mat.NewVecDense(k, slices.Clone(pi))
		for range nth {
			var next mat.VecDense
			next.MulVec(mm.T(), alpha)
			alpha = &next
		}
		counts := make([]float64, k)
		for range reps {
			a := m.New().(*mmppArrivals)
			for range nth {
				a.Next(r)
			}
			counts[a.state]++
		}
		var obs, exp []float64
		for i := range k {
			if m.Rates[i] == 0 {
				if counts[i] != 0 {
					t.Errorf("arrival %d: %v arrivals in silent state %d", nth, counts[i], i)
				}
				continue
			}
			obs = append(obs, counts[i])
			exp = append(exp, reps*alpha.AtVec(i))
		}
		checkChiSquare(t, fmt.Sprintf("MMPP state at arrival %d", nth), obs, exp, len(obs)-1)
		if nth == 40 {
			// The chain has mixed to within 10⁻⁵ by the 40th arrival.
			for i := range k {
				if palm := pi[i] * m.Rates[i] / m.MeanRate(); math.Abs(alpha.AtVec(i)-palm) > 1e-5 {
					t.Errorf("π·M^40 = %v, want near the Palm distribution, state %d: %v", alpha.RawVector().Data, i, palm)
				}
			}
		}
	}

	// The Palm distribution is the stationary law of the states at
	// arrivals: φ·M = φ.
	phi := make([]float64, k)
	for i := range k {
		phi[i] = pi[i] * m.Rates[i] / m.MeanRate()
	}
	var next mat.VecDense
	next.MulVec(mm.T(), mat.NewVecDense(k, slices.Clone(phi)))
	for i := range k {
		if math.Abs(next.AtVec(i)-phi[i]) > 1e-12 {
			t.Errorf("φ·M = %v, want φ = %v", next.RawVector().Data, phi)
			break
		}
	}
}

// TestMMPPBurstyRate checks the long-run rate of the bursty MMPP, whose
// counts are far more variable than Poisson counts.
func TestMMPPBurstyRate(t *testing.T) {
	checkRate(t, "bursty MMPP", bursty, testRand(t, "test/mmpp-rate"), 1000, 200)
}

func TestGeneratorFromSojourns(t *testing.T) {
	q, err := GeneratorFromSojourns([]float64{20, 2}, [][]float64{{0, 1}, {1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	m := MMPP{Rates: bursty.Rates, Generator: q}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := m.MeanRate(), bursty.MeanRate(); math.Abs(got-want) > 1e-12 {
		t.Errorf("MeanRate %v, want %v", got, want)
	}
	if q[0][0] != -1.0/20 || q[1][0] != 1.0/2 {
		t.Errorf("generator %v", q)
	}
	if _, err := GeneratorFromSojourns([]float64{5}, [][]float64{{0}}); err != nil {
		t.Errorf("one state: %v", err)
	}

	for _, tt := range []struct {
		name    string
		sojourn []float64
		jump    [][]float64
		want    string
	}{
		{"rows", []float64{1, 2}, [][]float64{{0, 1}}, "1 rows"},
		{"sojourn", []float64{0, 2}, [][]float64{{0, 1}, {1, 0}}, "sojourn[0] = 0"},
		{"columns", []float64{1, 2}, [][]float64{{0, 1}, {1}}, "jump[1] has 1 columns"},
		{"self", []float64{1, 2}, [][]float64{{0.5, 0.5}, {1, 0}}, "jump[0][0] = 0.5"},
		{"sum", []float64{1, 2, 3}, [][]float64{{0, 0.5, 0.4}, {1, 0, 0}, {0, 1, 0}}, "jump[0] sums to 0.9"},
		{"probability", []float64{1, 2}, [][]float64{{0, 1}, {1.5, 0}}, "jump[1][0] = 1.5"},
	} {
		_, err := GeneratorFromSojourns(tt.sojourn, tt.jump)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}
