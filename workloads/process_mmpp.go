package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// MMPP is a Markov-modulated Poisson process: a continuous-time Markov
// chain moves among states, and while it is in state i arrivals form a
// Poisson process of rate Rates[i]. Two states, a quiet one and a busy one
// with short sojourns, make bursty traffic.
//
// Generator is the chain's generator matrix Q: Q[i][j] for j ≠ i is the
// rate (per second) of jumps from state i to state j, so state i is left
// after an exponential sojourn of mean 1/Σⱼ Q[i][j]. Each diagonal entry
// must be 0 or minus the sum of its row's off-diagonal entries: either
// the generator convention or a plain matrix of jump rates may be written.
// GeneratorFromSojourns builds Q from mean sojourn times and a jump matrix.
// The chain must be irreducible (every state reachable from every other),
// so that it has one stationary distribution π.
//
// An instance draws its initial state from π on its first Next, so the
// process is stationary from time 0, and its long-run rate is π·Rates.
type MMPP struct {
	Rates     []float64   // arrivals per second in each state; finite, ≥ 0
	Generator [][]float64 // len(Rates) × len(Rates) jump rates per second
}

// Validate reports whether the rates and the generator are well formed
// and the chain is irreducible.
func (m MMPP) Validate() error {
	var errs []error
	k := len(m.Rates)
	if k == 0 {
		errs = append(errs, errors.New("no states: want at least one rate"))
	}
	for i, v := range m.Rates {
		if !(v >= 0) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("Rates[%d] = %v: %w", i, v, errBadRate))
		}
	}
	if len(m.Generator) != k {
		errs = append(errs, fmt.Errorf("Generator has %d rows, want one per state (%d)", len(m.Generator), k))
		return mmppError(errs)
	}
	shapeOK := true
	for i, row := range m.Generator {
		if len(row) != k {
			errs = append(errs, fmt.Errorf("Generator[%d] has %d columns, want %d", i, len(row), k))
			shapeOK = false
			continue
		}
		var out float64
		for j, q := range row {
			if j == i {
				continue
			}
			if !(q >= 0) || math.IsInf(q, 1) {
				errs = append(errs, fmt.Errorf("Generator[%d][%d] = %v: want a finite jump rate ≥ 0", i, j, q))
				shapeOK = false
			}
			out += q
		}
		if d := row[i]; d != 0 && !(math.Abs(d+out) <= 1e-9*out) {
			errs = append(errs, fmt.Errorf("Generator[%d][%d] = %v: want 0 or minus the row's other entries (%v)", i, i, d, -out))
		}
	}
	if shapeOK && k > 0 {
		if err := m.irreducible(); err != nil {
			errs = append(errs, err)
		}
	}
	return mmppError(errs)
}

func mmppError(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("workloads: MMPP: %w", errors.Join(errs...))
}

// irreducible reports a state that cannot reach, or be reached from,
// state 0 along positive jump rates.
func (m MMPP) irreducible() error {
	k := len(m.Rates)
	for _, reverse := range []bool{false, true} {
		seen := make([]bool, k)
		seen[0] = true
		stack := []int{0}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for j := range k {
				q := m.Generator[i][j]
				if reverse {
					q = m.Generator[j][i]
				}
				if j != i && q > 0 && !seen[j] {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		for j, ok := range seen {
			if !ok {
				if reverse {
					return fmt.Errorf("the chain is not irreducible: state 0 cannot be reached from state %d", j)
				}
				return fmt.Errorf("the chain is not irreducible: state %d cannot be reached from state 0", j)
			}
		}
	}
	return nil
}

// Stationary returns the stationary distribution π of the modulating
// chain: the long-run fraction of time spent in each state, the solution
// of πQ = 0 with Σπ = 1. It returns Validate's error if m is invalid.
func (m MMPP) Stationary() ([]float64, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	k := len(m.Rates)
	if k == 1 {
		return []float64{1}, nil
	}
	// Qᵀπᵀ = 0 has rank k−1 for an irreducible chain; replacing its last
	// equation by Σπ = 1 makes the system nonsingular.
	a := mat.NewDense(k, k, nil)
	for i := range k {
		var out float64
		for j := range k {
			if j != i {
				a.Set(j, i, m.Generator[i][j])
				out += m.Generator[i][j]
			}
		}
		a.Set(i, i, -out)
	}
	for j := range k {
		a.Set(k-1, j, 1)
	}
	b := mat.NewVecDense(k, nil)
	b.SetVec(k-1, 1)
	var x mat.VecDense
	if err := x.SolveVec(a, b); err != nil {
		var c mat.Condition
		if !errors.As(err, &c) || math.IsInf(float64(c), 1) {
			return nil, fmt.Errorf("workloads: MMPP: stationary distribution: %w", err)
		}
		// A large but finite condition number (rates many orders of
		// magnitude apart): the solution is computed; clean it below.
	}
	pi := make([]float64, k)
	var sum float64
	for i := range k {
		v := x.AtVec(i)
		if math.IsNaN(v) || v < -1e-9 {
			return nil, fmt.Errorf("workloads: MMPP: stationary distribution: π[%d] = %v: the generator is too ill-conditioned", i, v)
		}
		pi[i] = max(v, 0)
		sum += pi[i]
	}
	for i := range pi {
		pi[i] /= sum
	}
	return pi, nil
}

// MeanRate returns the long-run arrival rate π·Rates, or NaN if m is
// invalid.
func (m MMPP) MeanRate() float64 {
	pi, err := m.Stationary()
	if err != nil {
		return math.NaN()
	}
	var rate float64
	for i, p := range pi {
		rate += p * m.Rates[i]
	}
	return rate
}

// New returns an instance that draws its initial state from the
// stationary distribution on its first Next. It panics if m is invalid.
func (m MMPP) New() Arrivals {
	pi, err := m.Stationary()
	if err != nil {
		panic(err)
	}
	k := len(m.Rates)
	a := &mmppArrivals{
		state: -1,
		pi:    pi,
		rate:  append([]float64(nil), m.Rates...),
		exit:  make([]float64, k),
		jump:  make([][]float64, k),
		dead:  true,
	}
	for i := range k {
		a.jump[i] = make([]float64, k)
		var out float64
		for j := range k {
			if j != i {
				out += m.Generator[i][j]
			}
			a.jump[i][j] = out // cumulative off-diagonal rates
		}
		a.exit[i] = out
		if m.Rates[i] > 0 {
			a.dead = false
		}
	}
	return a
}

// mmppArrivals is one MMPP instance.
type mmppArrivals struct {
	state int         // current state; −1 before the first Next
	pi    []float64   // stationary distribution, for the initial state
	rate  []float64   // arrival rate per state
	exit  []float64   // total jump rate out of each state
	jump  [][]float64 // jump[i][j]: Σ of Q[i][l] over l ≤ j, l ≠ i
	dead  bool        // every rate is zero: no arrival ever
}

// Next runs the chain forward from the last arrival to the next one.
// In state i two exponential clocks compete, the next arrival (rate λᵢ)
// and the next jump (rate qᵢ): the first of them rings after an
// exponential time of rate λᵢ+qᵢ, and it is the arrival with probability
// λᵢ/(λᵢ+qᵢ). One uniform draw decides both whether it is an arrival and,
// if not, to which state the chain jumps. Nothing is approximated.
func (a *mmppArrivals) Next(r *rand.Rand) float64 {
	if a.state < 0 {
		a.state = pick(a.pi, r.Float64())
	}
	if a.dead {
		return math.Inf(1)
	}
	var gap float64
	for {
		i := a.state
		total := a.rate[i] + a.exit[i]
		gap += r.ExpFloat64() / total
		u := r.Float64() * total
		if u < a.rate[i] || a.exit[i] == 0 {
			return gap
		}
		a.state = upper(a.jump[i], u-a.rate[i], i)
	}
}

// pick returns the index i at which the running sum of weights (summing
// to 1) first exceeds u ∈ [0, 1), skipping zero weights.
func pick(weights []float64, u float64) int {
	last := 0
	var sum float64
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		sum += w
		last = i
		if u < sum {
			return i
		}
	}
	return last // u beyond the rounded total
}

// upper returns the first j ≠ skip with cum[j] > u, where cum holds
// cumulative jump rates and u ∈ [0, cum[last]).
func upper(cum []float64, u float64, skip int) int {
	last := -1
	prev := 0.0
	for j, c := range cum {
		if j == skip || c == prev {
			continue // the state itself, or a zero rate
		}
		prev = c
		last = j
		if u < c {
			return j
		}
	}
	return last // u beyond the rounded total
}

// GeneratorFromSojourns builds an MMPP generator from the mean time spent
// in each state per visit (seconds, > 0) and the jump matrix: jump[i][j]
// is the probability that a sojourn in state i ends in state j. Rows of
// jump must sum to 1 and have 0 on the diagonal. A single state, which is
// never left, takes jump [[0]] and any sojourn.
func GeneratorFromSojourns(sojourn []float64, jump [][]float64) ([][]float64, error) {
	k := len(sojourn)
	var errs []error
	if len(jump) != k {
		errs = append(errs, fmt.Errorf("jump has %d rows, want one per state (%d)", len(jump), k))
	}
	q := make([][]float64, k)
	for i, s := range sojourn {
		if k > 1 && !(s > 0 && !math.IsInf(s, 1)) {
			errs = append(errs, fmt.Errorf("sojourn[%d] = %v: want a finite time > 0", i, s))
		}
		q[i] = make([]float64, k)
		if i >= len(jump) {
			continue
		}
		if len(jump[i]) != k {
			errs = append(errs, fmt.Errorf("jump[%d] has %d columns, want %d", i, len(jump[i]), k))
			continue
		}
		var sum float64
		for j, p := range jump[i] {
			switch {
			case !(p >= 0 && p <= 1):
				errs = append(errs, fmt.Errorf("jump[%d][%d] = %v: want a probability", i, j, p))
			case j == i && p != 0:
				errs = append(errs, fmt.Errorf("jump[%d][%d] = %v: want 0 (a sojourn ends by leaving the state)", i, j, p))
			case j != i && k > 1:
				q[i][j] = p / s
				q[i][i] -= p / s
			}
			sum += p
		}
		if k > 1 && math.Abs(sum-1) > 1e-9 {
			errs = append(errs, fmt.Errorf("jump[%d] sums to %v, want 1", i, sum))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("workloads: MMPP: %w", errors.Join(errs...))
	}
	return q, nil
}
