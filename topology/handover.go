package topology

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/sim"
)

// BestCell returns the index of the largest received power in rxDBm, the
// lowest index among equals; NaN entries are skipped. It returns -1 if
// there is no cell to choose.
func BestCell(rxDBm []float64) int {
	best := -1
	for i, v := range rxDBm {
		if !math.IsNaN(v) && (best < 0 || v > rxDBm[best]) {
			best = i
		}
	}
	return best
}

// HandoverConfig sets the handover rule, the A3 event of 3GPP TS 36.331
// §5.5.4.4 without offsets: a neighbour must beat the serving cell by
// more than Hysteresis dB, continuously for TimeToTrigger, before the user
// moves to it; the move then costs Interruption without service.
type HandoverConfig struct {
	Hysteresis    float64  // dB, ≥ 0; zero: any stronger neighbour
	TimeToTrigger sim.Time // ≥ 0; zero: at once
	Interruption  sim.Time // ≥ 0; zero: seamless
}

// Validate reports every field out of range, in one error.
func (c HandoverConfig) Validate() error {
	var errs []error
	if !(c.Hysteresis >= 0) || math.IsInf(c.Hysteresis, 0) {
		errs = append(errs, fmt.Errorf("handover: hysteresis %v dB must be non-negative and finite", c.Hysteresis))
	}
	if c.TimeToTrigger < 0 {
		errs = append(errs, fmt.Errorf("handover: time to trigger %v is negative", c.TimeToTrigger))
	}
	if c.Interruption < 0 {
		errs = append(errs, fmt.Errorf("handover: interruption %v is negative", c.Interruption))
	}
	return errors.Join(errs...)
}

// notPending marks a cell that does not beat the serving cell.
const notPending = sim.Forever

// Handover is one user's association state machine. It sees the world
// only through Update: the received power from every cell at a time. The
// first Update attaches the user to the strongest cell, which is not a
// handover and costs no interruption. After that, a neighbour that beats
// the serving cell by more than the hysteresis starts its time-to-trigger
// timer; one that stops beating it has its timer reset; when timers have
// run out, the user moves to the strongest of those neighbours, and is out
// of service for the interruption. No handover is executed during an
// interruption: a neighbour whose timer ran out then waits for its end.
//
// The machine knows the powers only at the times it is updated and
// assumes them constant in between, so timers are as exact as the updates:
// call Update whenever Lookahead.NextCheck says.
type Handover struct {
	cfg     HandoverConfig
	serving int
	since   []sim.Time // per cell, when it began to beat the serving cell; notPending if it does not
	until   sim.Time   // end of the current interruption
	last    sim.Time   // time of the last Update
	count   int
}

// NewHandover returns a user's handover state, not yet attached.
func NewHandover(cfg HandoverConfig) (*Handover, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Handover{cfg: cfg, serving: -1, until: math.MinInt64, last: math.MinInt64}, nil
}

// Config returns the rule the machine was made with.
func (h *Handover) Config() HandoverConfig { return h.cfg }

// Serving returns the serving cell, or -1 before the first Update.
func (h *Handover) Serving() int { return h.serving }

// Count returns the number of handovers so far (not the first attach).
func (h *Handover) Count() int { return h.count }

// InService reports whether the user has a serving cell at t and is not
// in a handover interruption; t must not be before the last Update (the
// machine remembers only the latest interruption).
func (h *Handover) InService(t sim.Time) bool { return h.serving >= 0 && t >= h.until }

// InterruptedUntil returns the end of the latest interruption (a time in
// the past if there is none under way).
func (h *Handover) InterruptedUntil() sim.Time { return h.until }

// NextDeadline returns the earliest time at which a running
// time-to-trigger timer would move the user if the powers stay as last
// seen, or sim.Forever if no neighbour beats the serving cell.
func (h *Handover) NextDeadline() sim.Time {
	d := sim.Forever
	for _, s := range h.since {
		if s != notPending {
			d = min(d, max(s+h.cfg.TimeToTrigger, h.until))
		}
	}
	return d
}

// Update gives the machine the power received from each cell at t, in dBm
// (NaN counts as no signal), and reports whether the user was handed over
// at t. Times must be non-decreasing and the number of cells constant:
// otherwise Update panics.
func (h *Handover) Update(t sim.Time, rxDBm []float64) bool {
	if t < h.last {
		panic(fmt.Sprintf("topology: Handover.Update at %v after %v", t, h.last))
	}
	h.last = t
	if h.serving < 0 {
		h.serving = BestCell(rxDBm)
		if h.serving < 0 {
			return false
		}
		h.since = make([]sim.Time, len(rxDBm))
		h.arm(t, rxDBm)
		return false
	}
	if len(rxDBm) != len(h.since) {
		panic(fmt.Sprintf("topology: Handover.Update with %d cells, was %d", len(rxDBm), len(h.since)))
	}
	h.arm(t, rxDBm)
	if t < h.until {
		return false
	}
	target := -1
	for c, s := range h.since {
		if s != notPending && t-s >= h.cfg.TimeToTrigger && (target < 0 || rxDBm[c] > rxDBm[target]) {
			target = c
		}
	}
	if target < 0 {
		return false
	}
	h.serving = target
	h.count++
	h.until = t + h.cfg.Interruption
	for c := range h.since {
		h.since[c] = notPending
	}
	h.arm(t, rxDBm)
	return true
}

// arm starts the timer of each neighbour that beats the serving cell at t
// and resets the others.
func (h *Handover) arm(t sim.Time, rxDBm []float64) {
	for c := range h.since {
		if h.beats(c, rxDBm) {
			if h.since[c] == notPending {
				h.since[c] = t
			}
		} else {
			h.since[c] = notPending
		}
	}
}

// beats reports whether cell c satisfies the A3 condition against the
// serving cell.
func (h *Handover) beats(c int, rxDBm []float64) bool {
	return beats(c, h.serving, h.cfg.Hysteresis, rxDBm)
}

func beats(c, serving int, hyst float64, rxDBm []float64) bool {
	if c == serving || math.IsNaN(rxDBm[c]) {
		return false
	}
	s := rxDBm[serving]
	if math.IsNaN(s) {
		s = math.Inf(-1)
	}
	return rxDBm[c] > s+hyst
}

// RxFunc writes into dBm the power, in dBm, received at p from each cell;
// len(dBm) is the number of cells. It must depend on the position only.
type RxFunc func(p Point, dBm []float64)

// Lookahead finds when a moving user's association could next change, so
// that the world can schedule one check event there instead of polling.
//
// It follows the user's path from a time, evaluating the received powers
// every Step and at every end of a leg, and when the state of interest
// differs from that at the start it bisects that interval down to
// Resolution. The time it returns is at most Resolution after the change.
// A change that begins and reverts between two samples — a crossing
// shorter than Step, or a detour inside one leg that goes in and out
// between grid points — is missed, so choose Step well below the time a
// user takes to cross the smallest feature of the coverage map (a 1 s step
// at walking speed resolves about 1.5 m). Pauses cost nothing: powers do
// not change while the user stands still.
//
// The zero values of Step, Resolution and Horizon mean 1 s, 1 ms and 60 s.
type Lookahead struct {
	Cells      int      // number of cells
	Rx         RxFunc   // received power from each cell at a position
	Step       sim.Time // sampling interval along the path
	Resolution sim.Time // accuracy of the time returned
	Horizon    sim.Time // how far to look; if nothing changes by then, check again then

	// With many cells most cannot matter to a user: NextCheck then
	// evaluates only the cells that could come within the hysteresis of
	// the serving cell before the horizon, when all three of these are
	// set. MaxSpeed bounds the user's speed (m/s), so that a scan stays
	// within MaxSpeed × Horizon of its start; Reach writes, for each cell,
	// bounds lo ≤ power ≤ hi (dBm) on the power received anywhere within
	// r metres of p; RxCells writes the powers of the listed cells only.
	// The times returned are the same as without them.
	MaxSpeed float64
	Reach    func(p Point, r float64, lo, hi []float64)
	RxCells  func(p Point, cells []int, dBm []float64)

	// Scratch, when set, holds the buffers of NextCheck and
	// NextBestChange between calls, so that a world checking its users
	// allocates nothing per check; a Lookahead with Scratch serves one
	// goroutine at a time.
	Scratch *LookaheadScratch
}

// LookaheadScratch is the reusable memory of a Lookahead.
type LookaheadScratch struct {
	rx, scan, lo, hi []float64
	base             []bool
	cells            []int
}

// buffers returns scratch sized for l's cells: l.Scratch's, or new.
func (l Lookahead) buffers() *LookaheadScratch {
	sc := l.Scratch
	if sc == nil {
		sc = &LookaheadScratch{}
	}
	n := l.Cells
	if len(sc.rx) != n {
		sc.rx, sc.scan, sc.lo, sc.hi = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		sc.base = make([]bool, n)
		sc.cells = make([]int, 0, n)
	}
	return sc
}

func (l Lookahead) settings() (step, res, horizon sim.Time) {
	step, res, horizon = l.Step, l.Resolution, l.Horizon
	if step <= 0 {
		step = sim.Second
	}
	if res <= 0 {
		res = sim.Millisecond
	}
	if horizon <= 0 {
		horizon = 60 * sim.Second
	}
	return step, res, horizon
}

// NextBestChange returns the first time after from at which the strongest
// cell (BestCell) differs from the strongest at from, to within
// Resolution. If there is none within Horizon it returns a time at least
// Horizon after from up to which there is none; if the user stops moving
// for ever first, sim.Forever.
func (l Lookahead) NextBestChange(m Mobility, from sim.Time) sim.Time {
	sc := l.buffers()
	l.Rx(positionAt(m, from), sc.rx)
	best := BestCell(sc.rx)
	return l.scanCells(m, from, nil, sc, func(rx []float64) bool { return BestCell(rx) != best })
}

// NextCheck returns when h should next be updated: the earliest of its
// pending time-to-trigger deadline and the first time after from at which
// the set of neighbours beating its serving cell by the hysteresis
// changes along m's path (to within Resolution, as NextBestChange). Call
// it right after h.Update(from, …); before the first Update it returns
// from.
func (l Lookahead) NextCheck(m Mobility, h *Handover, from sim.Time) sim.Time {
	s := h.Serving()
	if s < 0 {
		return from
	}
	hyst := h.cfg.Hysteresis
	sc := l.buffers()
	p := positionAt(m, from)
	l.Rx(p, sc.rx)
	base := sc.base
	for c := range base {
		base[c] = beats(c, s, hyst, sc.rx)
	}
	cells := l.relevant(p, s, hyst, sc)
	next := l.scanCells(m, from, cells, sc, func(rx []float64) bool {
		for c := range base {
			if beats(c, s, hyst, rx) != base[c] {
				return true
			}
		}
		return false
	})
	return max(min(next, h.NextDeadline()), from)
}

// relevant returns the cells NextCheck must follow from p, or nil for
// all of them. A cell c that does not beat the serving cell s at p and
// whose power can nowhere within reach exceed the least power of s there
// plus the hysteresis never beats s before the horizon, so its state
// cannot change: the scan may leave it out.
func (l Lookahead) relevant(p Point, s int, hyst float64, sc *LookaheadScratch) []int {
	if l.Reach == nil || l.RxCells == nil || !(l.MaxSpeed > 0) {
		return nil
	}
	_, _, horizon := l.settings()
	// A metre of slack: legs end on whole nanoseconds, so a very short
	// leg may move a hair faster than MaxSpeed.
	r := l.MaxSpeed*horizon.Seconds() + 1
	lo, hi, base := sc.lo, sc.hi, sc.base
	l.Reach(p, r, lo, hi)
	floor := lo[s] + hyst
	cells := sc.cells[:0]
	for c := range l.Cells {
		if c == s || base[c] || !(hi[c] <= floor) {
			cells = append(cells, c)
		}
	}
	if len(cells) == l.Cells {
		return nil
	}
	return cells
}

// positionAt returns m's position at t without moving its clock on.
func positionAt(m Mobility, t sim.Time) Point {
	for leg := range m.Legs(t) {
		return leg.At(t)
	}
	panic("topology: a Mobility yielded no legs")
}

// scanCells returns the first time after from, to within the resolution, at
// which changed reports true for the powers at the user's position.
// It evaluates only the listed cells (all when cells is nil); the others
// read NaN, which beats nothing. Its powers go in sc.scan.
func (l Lookahead) scanCells(m Mobility, from sim.Time, cells []int, sc *LookaheadScratch, changed func(rx []float64) bool) sim.Time {
	step, res, horizon := l.settings()
	limit := sim.Forever
	if horizon < sim.Forever-from {
		limit = from + horizon
	}
	rx := sc.scan
	if cells != nil {
		for c := range rx {
			rx[c] = math.NaN()
		}
	}
	differs := func(p Point) bool {
		if cells != nil {
			l.RxCells(p, cells, rx)
		} else {
			l.Rx(p, rx)
		}
		return changed(rx)
	}
	grid := from // last grid time sampled or skipped
	for leg := range m.Legs(from) {
		if !leg.Moving() {
			if leg.End >= limit {
				return leg.End
			}
			continue
		}
		prev := max(leg.Start, from) // known unchanged
		for prev < leg.End && prev < limit {
			if grid <= prev {
				grid = from + ((prev-from)/step+1)*step
				if grid <= prev { // overflow, near sim.Forever
					grid = limit
				}
			}
			t := min(grid, leg.End, limit)
			if differs(leg.At(t)) {
				for t-prev > res {
					mid := prev + (t-prev)/2
					if differs(leg.At(mid)) {
						t = mid
					} else {
						prev = mid
					}
				}
				return t
			}
			prev = t
		}
		if prev >= limit {
			return limit
		}
	}
	return sim.Forever // the path ended in a pause for ever
}
