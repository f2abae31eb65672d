package topology

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/integrate/quad"

	"github.com/mecsim/mecsim/sim"
)

// Scheduling is how a cell shares its resource blocks among active users.
type Scheduling int

// The resource-block schedulers. (Equal sharing of the whole band, with
// no resource blocks, is SharedLink.)
const (
	// RoundRobin gives the RBs to the users in turn, blind to their
	// channels: RB k goes to user (k + t) mod n in TTI t, so over any n
	// TTIs each user holds each RB exactly once.
	RoundRobin Scheduling = iota + 1
	// ProportionalFair gives each RB, every TTI, to the user with the
	// highest ratio of its instantaneous rate on that RB to its own
	// average served rate (Jalali, Padovani and Pankaj, VTC 2000), the
	// average being an exponentially weighted moving average. In the long
	// run it maximises the sum of the logarithms of the users' rates.
	ProportionalFair
)

// Scheduler names, as written in experiment files.
const (
	SchedulingRoundRobin       = "round-robin"
	SchedulingProportionalFair = "proportional-fair"
)

// ParseScheduling returns the scheduler called name, or an error listing
// the known names.
func ParseScheduling(name string) (Scheduling, error) {
	switch name {
	case SchedulingRoundRobin:
		return RoundRobin, nil
	case SchedulingProportionalFair:
		return ProportionalFair, nil
	}
	return 0, fmt.Errorf("topology: unknown scheduler %q (known: %s)", name,
		strings.Join([]string{SchedulingProportionalFair, SchedulingRoundRobin}, ", "))
}

// String returns the scheduler's name.
func (s Scheduling) String() string {
	switch s {
	case RoundRobin:
		return SchedulingRoundRobin
	case ProportionalFair:
		return SchedulingProportionalFair
	}
	return fmt.Sprintf("Scheduling(%d)", int(s))
}

// ChannelVariation says how a user's SINR varies from one TTI to the next
// around its mean, for Grid.LongRunRates.
type ChannelVariation int

const (
	// StaticChannel holds every SINR at its mean.
	StaticChannel ChannelVariation = iota
	// RayleighChannel multiplies each mean by a power gain |h|² ~ Exp(1)
	// drawn independently per user, RB and scheduling decision (Fading
	// with K = 0, each coherence interval being at least one TTI).
	RayleighChannel
)

// Grid is the resource grid of one direction of a cell: RBs resource
// blocks of RBHz each (12 subcarriers × the subcarrier spacing: 180 kHz
// for LTE, 360 kHz for NR at 30 kHz), allocated every TTI, each carrying
// RBHz × Rate.SpectralEff(SINR) bit/s to the user that holds it.
//
// A user's SINR on an RB is its SINR over that RB's bandwidth: in the
// downlink the base station spreads its power over all RBs, so the SINR
// per RB is the SINR over the whole band; in the uplink a phone puts its
// power on its own RBs, so the caller gives the SINR with the power
// spread over the RBs the user expects to hold.
type Grid struct {
	RBs  int       // resource blocks
	RBHz float64   // bandwidth of one RB, Hz
	TTI  sim.Time  // scheduling interval (1 ms in LTE, 0.5 ms in NR at 30 kHz)
	Rate RateModel // SINR to spectral efficiency
}

// Validate reports a grid that cannot schedule.
func (g Grid) Validate() error {
	var errs []error
	if g.RBs < 1 {
		errs = append(errs, fmt.Errorf("%d resource blocks: want ≥ 1", g.RBs))
	}
	if !(g.RBHz > 0) || math.IsInf(g.RBHz, 0) {
		errs = append(errs, fmt.Errorf("resource block of %v Hz: want finite > 0", g.RBHz))
	}
	if g.TTI <= 0 {
		errs = append(errs, fmt.Errorf("TTI %v: want > 0", g.TTI))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("topology: grid: %w", err)
	}
	return g.Rate.Validate()
}

// Hz returns the occupied bandwidth RBs × RBHz.
func (g Grid) Hz() float64 { return float64(g.RBs) * g.RBHz }

// RBRate returns the rate in bit/s of one RB held at SINR sinr.
func (g Grid) RBRate(sinr float64) float64 { return g.Rate.Rate(g.RBHz, sinr) }

// DefaultPFWindow is the proportional-fair averaging time constant, in
// TTIs, used when RBScheduler.Window is zero: 100 TTIs, the usual choice
// (100 ms in LTE).
const DefaultPFWindow = 100.0

// RBScheduler allocates a grid's RBs to the active users, one TTI per
// Step, under RoundRobin or ProportionalFair. It is a deterministic state
// machine: the same calls give the same allocations. The world need not
// step it TTI by TTI; Grid.LongRunRates gives the rates it converges to.
type RBScheduler struct {
	Grid   Grid
	Policy Scheduling
	// Window is the proportional-fair time constant t_c in TTIs: after
	// each TTI every active user's average becomes (1 − 1/t_c)·avg +
	// (1/t_c)·served. Zero means DefaultPFWindow; values below 1 act as 1
	// (no memory beyond the last TTI).
	Window float64

	avg  map[int64]float64 // PF average served rate per user, bit/s
	next int               // RR: the user who gets RB 0 next TTI
}

// Step schedules one TTI. ids are the active users in a stable order (map
// order must not reach it), and sinr[u][k] is user ids[u]'s SINR on RB k
// during the TTI. Step sets bits[u] to the bits user u receives in the TTI
// and, if alloc is not nil, alloc[k] to the index in ids of the user
// holding RB k, or −1 if the RB is unused (no user can use it). The
// lengths must match Grid.RBs and len(ids): a mismatch is a programming
// error and panics.
//
// A user new to a proportional-fair scheduler starts with the average its
// round-robin share would give at this TTI's channel, so it is neither
// starved nor handed the whole grid. Call Forget when a user leaves.
func (s *RBScheduler) Step(ids []int64, sinr [][]float64, alloc []int, bits []float64) {
	n, K := len(ids), s.Grid.RBs
	if len(sinr) != n || len(bits) != n || (alloc != nil && len(alloc) != K) {
		panic(fmt.Sprintf("topology: RBScheduler.Step with %d users, %d SINR rows, %d bit counts and %d allocations for %d RBs",
			n, len(sinr), len(bits), len(alloc), K))
	}
	for u := range sinr {
		if len(sinr[u]) != K {
			panic(fmt.Sprintf("topology: RBScheduler.Step: user %d has %d SINRs for %d RBs", ids[u], len(sinr[u]), K))
		}
	}
	clear(bits)
	if n == 0 {
		for k := range alloc {
			alloc[k] = -1
		}
		return
	}
	tti := s.Grid.TTI.Seconds()
	switch s.Policy {
	case RoundRobin:
		s.next %= n
		for k := range K {
			u := (k + s.next) % n
			bits[u] += s.Grid.RBRate(sinr[u][k]) * tti
			if alloc != nil {
				alloc[k] = u
			}
		}
		s.next = (s.next + 1) % n
	case ProportionalFair:
		s.stepPF(ids, sinr, alloc, bits)
	default:
		panic(fmt.Sprintf("topology: RBScheduler with policy %v", s.Policy))
	}
}

func (s *RBScheduler) stepPF(ids []int64, sinr [][]float64, alloc []int, bits []float64) {
	n, K := len(ids), s.Grid.RBs
	if s.avg == nil {
		s.avg = make(map[int64]float64)
	}
	avg := make([]float64, n)
	for u, id := range ids {
		a, ok := s.avg[id]
		if !ok {
			for k := range K {
				a += s.Grid.RBRate(sinr[u][k])
			}
			a /= float64(n)
		}
		avg[u] = a
	}
	tti := s.Grid.TTI.Seconds()
	for k := range K {
		best, bestRate, bestMetric := -1, 0.0, 0.0
		for u := range n {
			r := s.Grid.RBRate(sinr[u][k])
			if r <= 0 {
				continue
			}
			m := math.Inf(1)
			if avg[u] > 0 {
				m = r / avg[u]
			}
			if best < 0 || m > bestMetric {
				best, bestRate, bestMetric = u, r, m
			}
		}
		if alloc != nil {
			alloc[k] = best
		}
		if best >= 0 {
			bits[best] += bestRate * tti
		}
	}
	w := s.Window
	if w <= 0 {
		w = DefaultPFWindow
	}
	w = max(w, 1)
	for u, id := range ids {
		s.avg[id] = (1-1/w)*avg[u] + bits[u]/tti/w
	}
}

// Forget drops a user's proportional-fair average, as when it leaves the
// cell; it is harmless for a user the scheduler has not seen.
func (s *RBScheduler) Forget(id int64) { delete(s.avg, id) }

// LongRunRates appends to dst the long-run rate in bit/s of each active
// user when the grid is shared under policy, user u's mean SINR on RB k
// being meanSINR[u][k] and the SINR varying around its mean as v says. It
// is what an RBScheduler's per-user throughput converges to, so a world
// can treat the cell as a processor-sharing link whose per-user rates it
// recomputes whenever the set of users or their means change.
//
//   - RoundRobin: each user holds each RB 1/n of the time, so its rate is
//     (1/n)·Σ_k E[r(SINR_uk)].
//   - ProportionalFair, StaticChannel: the allocation that maximises
//     Σ_u log(rate_u), the point a PF scheduler with a long window
//     converges to (Kushner and Whiting 2004). With the same SINR on every
//     RB it is an equal time share, rate_u = r_u/n; in general it is the
//     equilibrium of a linear Fisher market with equal budgets, found by
//     proportional-response dynamics (Zhang 2011). These converge
//     linearly in typical cases (10 users on 273 RBs: about 1e−10
//     relative in 1,000 iterations, 5 ms), but only as 1/t when a user is
//     indifferent between RBs at the optimum, where they stop after 20,000
//     iterations within about 1e−4.
//   - ProportionalFair, RayleighChannel: PF serves each RB to the user
//     whose fading is strongest relative to its own mean, so each user
//     still holds 1/n of the time but at its better moments (multiuser
//     diversity): rate_u = Σ_k ∫ r(SINR_uk·x)·e^(−x)·(1 − e^(−x))^(n−1) dx
//     (Tse and Viswanath, Fundamentals of Wireless Communication, §6.7).
//     The selection by normalised fading is exact when the users' means
//     are equal and the usual approximation of PF otherwise.
//
// meanSINR must have one row of Grid.RBs values per user.
func (g Grid) LongRunRates(dst []float64, policy Scheduling, v ChannelVariation, meanSINR [][]float64) []float64 {
	n := len(meanSINR)
	for u := range meanSINR {
		if len(meanSINR[u]) != g.RBs {
			panic(fmt.Sprintf("topology: LongRunRates: user %d has %d SINRs for %d RBs", u, len(meanSINR[u]), g.RBs))
		}
	}
	if policy == ProportionalFair && v == StaticChannel {
		return append(dst, g.pfStatic(meanSINR)...)
	}
	for u := range n {
		var r float64
		for _, s := range meanSINR[u] {
			r += g.longRunRB(policy, v, s, n)
		}
		dst = append(dst, r)
	}
	return dst
}

// FlatLongRunRates is LongRunRates when each user's SINR is the same on
// every RB (a frequency-flat channel): sinr[u] is user u's mean SINR.
// Proportional fairness over static flat channels is then an equal time
// share, exactly.
func (g Grid) FlatLongRunRates(dst []float64, policy Scheduling, v ChannelVariation, sinr []float64) []float64 {
	n := len(sinr)
	for _, s := range sinr {
		if policy == ProportionalFair && v == StaticChannel {
			dst = append(dst, float64(g.RBs)*g.RBRate(s)/float64(n))
			continue
		}
		dst = append(dst, float64(g.RBs)*g.longRunRB(policy, v, s, n))
	}
	return dst
}

// ShareRate returns the long-run rate of one user of mean SINR sinr on
// every RB when n users share the grid and the others see the same
// channel statistics: what a phone can estimate before it joins.
func (g Grid) ShareRate(policy Scheduling, v ChannelVariation, sinr float64, n int) float64 {
	n = max(n, 1)
	if policy == ProportionalFair && v == StaticChannel {
		return float64(g.RBs) * g.RBRate(sinr) / float64(n)
	}
	return float64(g.RBs) * g.longRunRB(policy, v, sinr, n)
}

// longRunRB returns one user's long-run rate on one RB of mean SINR s
// shared by n users, for every case but static proportional fairness.
func (g Grid) longRunRB(policy Scheduling, v ChannelVariation, s float64, n int) float64 {
	switch {
	case policy != RoundRobin && policy != ProportionalFair:
		panic(fmt.Sprintf("topology: LongRunRates with policy %v", policy))
	case v == StaticChannel:
		return g.RBRate(s) / float64(n)
	case v != RayleighChannel:
		panic(fmt.Sprintf("topology: LongRunRates with channel variation %d", v))
	case policy == RoundRobin:
		return g.RBHz * rayleighSE(g.Rate, s, 1) / float64(n)
	}
	return g.RBHz * rayleighSE(g.Rate, s, n)
}

// pfStatic returns the rates maximising Σ log(rate_u) over time-sharing
// allocations of the RBs, for static per-RB SINRs, by proportional
// response: each user spreads a budget of 1 over the RBs as bids, an RB
// goes to its bidders in proportion to their bids, and each user re-bids
// in proportion to what each RB gave it. The fixed point is the Fisher
// market equilibrium, whose allocation is the PF optimum.
func (g Grid) pfStatic(sinr [][]float64) []float64 {
	n, K := len(sinr), g.RBs
	rates := make([]float64, n)
	a := make([]float64, n*K) // rate of RB k for user u, at a[u*K+k]
	b := make([]float64, n*K) // bids
	for u := range n {
		var sum float64
		for k := range K {
			a[u*K+k] = g.RBRate(sinr[u][k])
			sum += a[u*K+k]
		}
		if sum > 0 {
			for k := range K {
				b[u*K+k] = a[u*K+k] / sum
			}
		}
	}
	inv := make([]float64, K) // 1/price, 0 for an RB nobody bids on
	const (
		maxIter = 20000
		every   = 10    // iterations between convergence checks
		tol     = 1e-10 // Frank–Wolfe gap per served user
	)
	for it := range maxIter {
		clear(inv)
		for u := range n {
			for k, bid := range b[u*K : (u+1)*K] {
				inv[k] += bid
			}
		}
		for k, p := range inv {
			if p > 0 {
				inv[k] = 1 / p
			}
		}
		for u := range n {
			au, bu := a[u*K:(u+1)*K], b[u*K:(u+1)*K]
			var r float64
			for k := range bu {
				r += au[k] * bu[k] * inv[k]
			}
			rates[u] = r
		}
		// The Frank–Wolfe gap Σ_k max_u a_uk/rate_u − (users served)
		// bounds how far Σ log(rate) is from its maximum.
		if it%every == 0 {
			var gap float64
			served := 0
			for u := range n {
				if rates[u] > 0 {
					served++
				}
			}
			for k := range K {
				var m float64
				for u := range n {
					if rates[u] > 0 {
						m = max(m, a[u*K+k]/rates[u])
					}
				}
				gap += m
			}
			if gap-float64(served) <= tol*float64(max(served, 1)) {
				break
			}
		}
		for u := range n {
			if rates[u] <= 0 {
				continue
			}
			au, bu, ir := a[u*K:(u+1)*K], b[u*K:(u+1)*K], 1/rates[u]
			for k := range bu {
				bu[k] *= au[k] * inv[k] * ir
			}
		}
	}
	return rates
}

// rayleighSE returns ∫₀^∞ SE(s·x)·e^(−x)·(1 − e^(−x))^(n−1) dx for the
// rate model m: with n = 1 the mean efficiency under Rayleigh fading of
// mean SINR s, and in general the share of it a user gets when it is
// served whenever its fading is the largest of n. With u = 1 − e^(−x) the
// integral is ∫₀¹ SE(s·x(u))·u^(n−1) du, x(u) = −ln(1 − u). It is split
// where SE changes form (floor, cap, CQI thresholds and the points where
// attenuated Shannon crosses a CQI step): constant pieces integrate in
// closed form, smooth ones by Gauss–Legendre, and an uncapped tail by
// geometrically shrinking segments towards u = 1.
func rayleighSE(m RateModel, s float64, n int) float64 {
	if !(s > 0) {
		return 0
	}
	eta := m.Efficiency
	if eta <= 0 {
		eta = 1
	}
	// Breakpoints in SINR.
	pts := []float64{m.MinSINR}
	levels := []float64{}
	if m.MaxSpectralEff > 0 {
		levels = append(levels, m.MaxSpectralEff)
	}
	if m.CQI != nil {
		pts = append(pts, m.CQI.sinr...)
		for _, e := range m.CQI.entries {
			levels = append(levels, e.Efficiency)
		}
	}
	for _, l := range levels {
		pts = append(pts, math.Expm1(l/eta*math.Ln2)) // η·log2(1+γ) = l
	}
	// To u = 1 − e^(−γ/s), sorted, inside (0, 1).
	us := []float64{0}
	for _, p := range pts {
		if u := -math.Expm1(-p / s); u > 0 && u < 1 {
			us = append(us, u)
		}
	}
	slices.Sort(us)
	us = slices.Compact(us)
	us = append(us, 1)

	fn := float64(n)
	se := func(u float64) float64 { return m.SpectralEff(s * -math.Log1p(-u)) }
	var total float64
	for i := 0; i+1 < len(us); i++ {
		lo, hi := us[i], us[i+1]
		mid := 0.5 * (lo + hi)
		x := s * -math.Log1p(-mid)
		shannon := eta * math.Log1p(x) / math.Ln2
		if c := se(mid); c < shannon || x < m.MinSINR {
			// Constant on the segment: a cap, a CQI step or zero.
			total += c * (math.Pow(hi, fn) - math.Pow(lo, fn)) / fn
			continue
		}
		f := func(u float64) float64 { return se(u) * math.Pow(u, fn-1) }
		if hi < 1 {
			total += integrate32(f, lo, hi)
			continue
		}
		// Uncapped Shannon up to u = 1, where x(u) → ∞ logarithmically.
		a := lo
		for range 16 {
			b := 1 - 0.1*(1-a)
			total += integrate32(f, a, b)
			a = b
		}
	}
	return total
}

// gaussLegendre32 holds 32-point Gauss–Legendre nodes and weights on [−1, 1].
var gaussLegendre32 = func() (g struct{ x, w []float64 }) {
	g.x, g.w = make([]float64, 32), make([]float64, 32)
	quad.Legendre{}.FixedLocations(g.x, g.w, -1, 1)
	return g
}()

// integrate32 integrates f over [lo, hi] with the 32-point rule.
func integrate32(f func(float64) float64, lo, hi float64) float64 {
	h, c := 0.5*(hi-lo), 0.5*(hi+lo)
	var s float64
	for i, x := range gaussLegendre32.x {
		s += gaussLegendre32.w[i] * f(c+h*x)
	}
	return h * s
}
