package topology

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/mecsim/mecsim/sim"
)

// Mobility is the path of one user through simulated time.
//
// A path is a sequence of straight legs at constant velocity (a pause is a
// leg that does not move), so a position costs one interpolation and the
// world knows when the velocity next changes: the End of the current leg.
//
// Models draw their future lazily from the stream they were given, so
// their paths are reproducible but forgetful: Position must be called with
// non-decreasing times (the world's clock), and it forgets the legs that
// ended before. Legs may look ahead as far as it likes without forgetting
// anything, from any time not before the last Position call. Asking about
// a forgotten past is a programming error and panics.
type Mobility interface {
	// Position returns where the user is at t. Successive calls must
	// have non-decreasing t.
	Position(t sim.Time) Point
	// Legs yields the path's legs in order, starting with the one in
	// effect at t, until the caller stops or a leg ends at sim.Forever.
	// t must not be before the last Position call, and Position must not
	// be called during the iteration.
	Legs(t sim.Time) iter.Seq[Leg]
}

// Leg is one straight piece of a path: the user moves at constant velocity
// from From at Start to To at End. A leg with From == To is a pause. Only
// a pause may end at sim.Forever.
type Leg struct {
	Start, End sim.Time
	From, To   Point
}

// At returns the position on the leg at t, holding From before Start and
// To after End.
func (l Leg) At(t sim.Time) Point {
	switch {
	case t <= l.Start || l.From == l.To:
		return l.From
	case t >= l.End:
		return l.To
	}
	f := float64(t-l.Start) / float64(l.End-l.Start)
	return Point{l.From.X + (l.To.X-l.From.X)*f, l.From.Y + (l.To.Y-l.From.Y)*f}
}

// Moving reports whether the leg is not a pause.
func (l Leg) Moving() bool { return l.From != l.To }

// Velocity returns the leg's velocity in m/s.
func (l Leg) Velocity() (vx, vy float64) {
	if !l.Moving() {
		return 0, 0
	}
	dt := (l.End - l.Start).Seconds()
	return (l.To.X - l.From.X) / dt, (l.To.Y - l.From.Y) / dt
}

// Speed returns the leg's speed in m/s.
func (l Leg) Speed() float64 { return math.Hypot(l.Velocity()) }

// Rect is an axis-aligned rectangle, the area users move in; its boundary
// is inside it.
type Rect struct{ Min, Max Point }

// Area returns the rectangle [0, width] × [0, height].
func Area(width, height float64) Rect { return Rect{Max: Point{width, height}} }

// Width returns the rectangle's extent along X.
func (r Rect) Width() float64 { return r.Max.X - r.Min.X }

// Height returns the rectangle's extent along Y.
func (r Rect) Height() float64 { return r.Max.Y - r.Min.Y }

// Contains reports whether p is in r, boundary included.
func (r Rect) Contains(p Point) bool {
	return p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y
}

// Validate reports a rectangle that is not finite or has no area.
func (r Rect) Validate() error {
	for _, v := range []float64{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("area %v is not finite", r)
		}
	}
	if !(r.Width() > 0 && r.Height() > 0) {
		return fmt.Errorf("area %v has no area: width %v, height %v", r, r.Width(), r.Height())
	}
	return nil
}

// uniform draws a point uniformly in r.
func (r Rect) uniform(rng *rand.Rand) Point {
	return Point{r.Min.X + rng.Float64()*r.Width(), r.Min.Y + rng.Float64()*r.Height()}
}

// clamp returns the point of r nearest to p.
func (r Rect) clamp(p Point) Point {
	return Point{min(max(p.X, r.Min.X), r.Max.X), min(max(p.Y, r.Min.Y), r.Max.Y)}
}

// MeanLegLength returns the mean distance between two points drawn
// uniformly and independently in r: the mean leg of a random waypoint
// path. Closed form for a w × h rectangle with diagonal d (Ghosh 1951):
//
//	(w³/h² + h³/w² + d(3 − w²/h² − h²/w²))/15 + (h²/w·ln((w+d)/h) + w²/h·ln((h+d)/w))/6
//
// which is 0.5214·side for a square.
func (r Rect) MeanLegLength() float64 {
	w, h := r.Width(), r.Height()
	d := math.Hypot(w, h)
	return (w*w*w/(h*h)+h*h*h/(w*w)+d*(3-w*w/(h*h)-h*h/(w*w)))/15 +
		(h*h/w*math.Log((w+d)/h)+w*w/h*math.Log((h+d)/w))/6
}

// Static is a user who never moves.
type Static struct{ Pos Point }

// Position returns s.Pos.
func (s Static) Position(sim.Time) Point { return s.Pos }

// Legs yields one pause from t for ever.
func (s Static) Legs(t sim.Time) iter.Seq[Leg] {
	return func(yield func(Leg) bool) {
		yield(Leg{Start: t, End: sim.Forever, From: s.Pos, To: s.Pos})
	}
}

// legQueue is the lazily drawn path of a random model: the legs from the
// one holding the last Position time to the furthest one looked at.
type legQueue struct {
	legs    []Leg         // contiguous; legs[0] holds floor
	dropped int           // legs forgotten before legs[0]
	floor   sim.Time      // time of the last Position call
	next    func(Leg) Leg // draws the leg after its argument
}

func (q *legQueue) start(first Leg, next func(Leg) Leg) {
	q.legs = append(q.legs[:0], first)
	q.dropped = 0
	q.floor = math.MinInt64
	q.next = next
}

// find returns the index in q.legs of the leg in effect at t (the first if
// t is before it), drawing legs as needed. A leg is in effect on
// [Start, End).
func (q *legQueue) find(t sim.Time) int {
	for q.legs[len(q.legs)-1].End <= t {
		q.legs = append(q.legs, q.next(q.legs[len(q.legs)-1]))
	}
	return sort.Search(len(q.legs), func(i int) bool { return q.legs[i].End > t })
}

func (q *legQueue) checkFloor(t sim.Time) {
	if t < q.floor {
		panic(fmt.Sprintf("topology: mobility asked about %v after Position(%v)", t, q.floor))
	}
}

// Position implements Mobility.
func (q *legQueue) Position(t sim.Time) Point {
	q.checkFloor(t)
	q.floor = t
	i := q.find(t)
	q.legs = q.legs[i:]
	q.dropped += i
	return q.legs[0].At(t)
}

// Legs implements Mobility.
func (q *legQueue) Legs(t sim.Time) iter.Seq[Leg] {
	return func(yield func(Leg) bool) {
		q.checkFloor(t)
		abs := q.dropped + q.find(t) // absolute index, robust to appends
		for {
			i := abs - q.dropped
			if i < 0 {
				panic("topology: Position called while iterating over Legs")
			}
			for i >= len(q.legs) {
				q.legs = append(q.legs, q.next(q.legs[len(q.legs)-1]))
			}
			l := q.legs[i]
			if !yield(l) || l.End == sim.Forever {
				return
			}
			abs++
		}
	}
}

// legEnd returns the end of a leg of dur seconds from start: at least one
// nanosecond later, so that every leg holds some time.
func legEnd(start sim.Time, dur float64) sim.Time {
	return max(start+sim.Seconds(dur), start+1)
}

// RandomWaypointConfig sets up a random waypoint walk (Johnson & Maltz
// 1996): the user picks a destination uniformly in the area and a speed
// uniformly in [MinSpeed, MaxSpeed], walks there in a straight line,
// pauses, and repeats.
//
// MinSpeed must be positive. A long-known flaw of the model (Yoon, Liu &
// Noble, "Random waypoint considered harmful", INFOCOM 2003) is that
// slow legs last longer than fast ones, so the speed seen over time is not
// uniform: its stationary density is f(v) ∝ 1/v on [MinSpeed, MaxSpeed],
// with mean (MaxSpeed − MinSpeed)/ln(MaxSpeed/MinSpeed), below the
// (MinSpeed + MaxSpeed)/2 a reader expects. With MinSpeed = 0 that mean
// is zero: the average speed decays for the whole run and never settles.
//
// Starting users at uniform points also misleads: the stationary spatial
// density is peaked in the centre (the walk crosses the middle more often
// than the edges), and the path needs about a thousand seconds of typical
// legs to get there. By default the walk starts from its stationary
// distribution instead (Navidi & Camp, "Stationary distributions for the
// random waypoint mobility model", IEEE TMC 2004), so statistics are
// correct from time zero and no warm-up is needed.
type RandomWaypointConfig struct {
	Area               Rect
	MinSpeed, MaxSpeed float64  // m/s; 0 < MinSpeed ≤ MaxSpeed
	Pause              sim.Time // at each waypoint; zero: none

	// ColdStart starts the user at a uniform point, leaving at once for
	// its first waypoint, as many simulators do; the statistics of such a
	// run are biased until it has warmed up (discard at least several
	// mean leg durations, Area.MeanLegLength()/MinSpeed + Pause).
	ColdStart bool
}

// Validate reports every field out of range, in one error.
func (c RandomWaypointConfig) Validate() error {
	var errs []error
	if err := c.Area.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("random waypoint: %w", err))
	}
	if !(c.MinSpeed > 0) || math.IsInf(c.MinSpeed, 0) {
		errs = append(errs, fmt.Errorf("random waypoint: min speed %v m/s must be positive and finite", c.MinSpeed))
	}
	if !(c.MaxSpeed >= c.MinSpeed) || math.IsInf(c.MaxSpeed, 0) {
		errs = append(errs, fmt.Errorf("random waypoint: max speed %v m/s must be finite and at least min speed %v m/s", c.MaxSpeed, c.MinSpeed))
	}
	if c.Pause < 0 {
		errs = append(errs, fmt.Errorf("random waypoint: pause %v is negative", c.Pause))
	}
	return errors.Join(errs...)
}

// MeanSpeed returns the stationary mean speed of a moving user,
// (MaxSpeed − MinSpeed)/ln(MaxSpeed/MinSpeed): the harmonic mean of the
// speeds drawn per leg.
func (c RandomWaypointConfig) MeanSpeed() float64 { return 1 / c.meanInvSpeed() }

// meanInvSpeed is E[1/V] for V uniform on [MinSpeed, MaxSpeed].
func (c RandomWaypointConfig) meanInvSpeed() float64 {
	if c.MaxSpeed == c.MinSpeed {
		return 1 / c.MinSpeed
	}
	return math.Log(c.MaxSpeed/c.MinSpeed) / (c.MaxSpeed - c.MinSpeed)
}

// PausedFraction returns the stationary probability that the user is
// pausing: E[P] / (E[P] + E[L]·E[1/V]), with E[L] the mean leg length
// (Navidi & Camp 2004).
func (c RandomWaypointConfig) PausedFraction() float64 {
	p := c.Pause.Seconds()
	if p == 0 {
		return 0
	}
	return p / (p + c.Area.MeanLegLength()*c.meanInvSpeed())
}

// RandomWaypoint is one user's random waypoint path.
type RandomWaypoint struct {
	legQueue
	cfg RandomWaypointConfig
	rng *rand.Rand
}

// NewRandomWaypoint returns a random waypoint path drawn from rng, which
// the path owns from then on. It starts at time zero.
func NewRandomWaypoint(cfg RandomWaypointConfig, rng *rand.Rand) (*RandomWaypoint, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		panic("topology: NewRandomWaypoint with a nil *rand.Rand")
	}
	m := &RandomWaypoint{cfg: cfg, rng: rng}
	var first Leg
	if cfg.ColdStart {
		first = m.move(0, cfg.Area.uniform(rng))
	} else {
		first = m.stationary()
	}
	m.start(first, m.nextLeg)
	return m, nil
}

// stationary draws the first leg from the stationary distribution, by
// Navidi & Camp's perfect simulation: pausing with the stationary pause
// probability, at a uniform waypoint for a uniform part of the pause;
// otherwise on a leg drawn with probability proportional to its length
// (longer legs hold the user longer), at a uniform point along it, at a
// speed from the stationary density ∝ 1/v (slower legs hold it longer).
func (m *RandomWaypoint) stationary() Leg {
	c, r := m.cfg, m.rng
	if c.Pause > 0 && r.Float64() < c.PausedFraction() {
		p := c.Area.uniform(r)
		return Leg{Start: 0, End: 1 + sim.Time(r.Int64N(int64(c.Pause))), From: p, To: p}
	}
	diag := math.Hypot(c.Area.Width(), c.Area.Height())
	var a, b Point
	for {
		a, b = c.Area.uniform(r), c.Area.uniform(r)
		if r.Float64()*diag < a.Dist(b) {
			break
		}
	}
	u := r.Float64()
	from := Point{a.X + (b.X-a.X)*u, a.Y + (b.Y-a.Y)*u}
	v := c.MinSpeed * math.Pow(c.MaxSpeed/c.MinSpeed, r.Float64()) // inverse CDF of ∝ 1/v
	return Leg{Start: 0, End: legEnd(0, from.Dist(b)/v), From: from, To: b}
}

// move draws a leg from p at start to a new waypoint.
func (m *RandomWaypoint) move(start sim.Time, p Point) Leg {
	c, r := m.cfg, m.rng
	to := c.Area.uniform(r)
	v := c.MinSpeed + (c.MaxSpeed-c.MinSpeed)*r.Float64()
	return Leg{Start: start, End: legEnd(start, p.Dist(to)/v), From: p, To: to}
}

func (m *RandomWaypoint) nextLeg(last Leg) Leg {
	if last.Moving() && m.cfg.Pause > 0 {
		return Leg{Start: last.End, End: last.End + m.cfg.Pause, From: last.To, To: last.To}
	}
	return m.move(last.End, last.To)
}

// GaussMarkovConfig sets up a Gauss–Markov walk (Camp, Boleng & Davies,
// "A survey of mobility models for ad hoc network research", WCMC 2002).
// Every Step the speed s and direction d are updated with memory Alpha:
//
//	sₙ = α·sₙ₋₁ + (1−α)·s̄ + √(1−α²)·σₛ·z
//	dₙ = α·dₙ₋₁ + (1−α)·d̄ + √(1−α²)·σ_d·z′
//
// with z, z′ standard normal, and the user moves at velocity
// sₙ·(cos dₙ, sin dₙ) until the next update. Alpha = 1 keeps the first
// velocity for ever; Alpha = 0 draws a fresh one every step. The √(1−α²)
// factor makes σₛ and σ_d the stationary standard deviations, so the
// first speed and direction are drawn from N(s̄, σₛ) and N(d̄, σ_d) and
// the speed is stationary from the start, with mean s̄. Speed is a
// Gaussian process: a negative sₙ walks backwards at |sₙ|, so keep
// σₛ well below s̄ (P(s < 0) = Φ(−s̄/σₛ)).
//
// Near the border the mean direction d̄ is replaced by the direction
// pointing away from it (Camp et al.: 0 at the left edge, π/2 at the
// bottom, π/4 in the bottom-left corner, and so on), so users do not hug
// the edges; and a user who still reaches the border reflects off it like
// light off a mirror, so it never leaves the area. Directions are angles
// in radians, anticlockwise from the X axis; d̄ is taken at its
// representative nearest to dₙ₋₁, so the walk never turns a full circle
// to reach its mean.
type GaussMarkovConfig struct {
	Area  Rect
	Step  sim.Time // time between updates, > 0
	Alpha float64  // memory, in [0, 1]

	MeanSpeed   float64 // s̄, m/s, ≥ 0
	SpeedStdDev float64 // σₛ, m/s, ≥ 0

	MeanDirection   float64 // d̄, radians
	DirectionStdDev float64 // σ_d, radians, ≥ 0
	// RandomMeanDirection draws the user's d̄ uniformly in [0, 2π) from
	// its stream instead of using MeanDirection, so that a crowd does not
	// all drift the same way.
	RandomMeanDirection bool

	// EdgeMargin is the distance from the border, in metres, within which
	// the mean direction points away from it. Zero: no steering, only
	// reflection.
	EdgeMargin float64
}

// Validate reports every field out of range, in one error.
func (c GaussMarkovConfig) Validate() error {
	var errs []error
	bad := func(v float64) bool { return !(v >= 0) || math.IsInf(v, 0) }
	if err := c.Area.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("gauss-markov: %w", err))
	}
	if c.Step <= 0 {
		errs = append(errs, fmt.Errorf("gauss-markov: step %v must be positive", c.Step))
	}
	if !(c.Alpha >= 0 && c.Alpha <= 1) {
		errs = append(errs, fmt.Errorf("gauss-markov: alpha %v must be in [0, 1]", c.Alpha))
	}
	if bad(c.MeanSpeed) {
		errs = append(errs, fmt.Errorf("gauss-markov: mean speed %v m/s must be non-negative and finite", c.MeanSpeed))
	}
	if bad(c.SpeedStdDev) {
		errs = append(errs, fmt.Errorf("gauss-markov: speed standard deviation %v m/s must be non-negative and finite", c.SpeedStdDev))
	}
	if math.IsNaN(c.MeanDirection) || math.IsInf(c.MeanDirection, 0) {
		errs = append(errs, fmt.Errorf("gauss-markov: mean direction %v must be finite", c.MeanDirection))
	}
	if bad(c.DirectionStdDev) {
		errs = append(errs, fmt.Errorf("gauss-markov: direction standard deviation %v rad must be non-negative and finite", c.DirectionStdDev))
	}
	if bad(c.EdgeMargin) {
		errs = append(errs, fmt.Errorf("gauss-markov: edge margin %v m must be non-negative and finite", c.EdgeMargin))
	}
	return errors.Join(errs...)
}

// GaussMarkov is one user's Gauss–Markov path.
type GaussMarkov struct {
	legQueue
	cfg      GaussMarkovConfig
	rng      *rand.Rand
	meanDir  float64  // this user's d̄
	s, d     float64  // speed and direction of the current step
	stepEnd  sim.Time // when the current step ends
	noiseMul float64  // √(1−α²)
}

// NewGaussMarkov returns a Gauss–Markov path drawn from rng, which the
// path owns from then on. It starts at time zero at a uniform point.
func NewGaussMarkov(cfg GaussMarkovConfig, rng *rand.Rand) (*GaussMarkov, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		panic("topology: NewGaussMarkov with a nil *rand.Rand")
	}
	m := &GaussMarkov{cfg: cfg, rng: rng, meanDir: cfg.MeanDirection, noiseMul: math.Sqrt(1 - cfg.Alpha*cfg.Alpha)}
	if cfg.RandomMeanDirection {
		m.meanDir = 2 * math.Pi * rng.Float64()
	}
	start := cfg.Area.uniform(rng)
	m.s = cfg.MeanSpeed + cfg.SpeedStdDev*rng.NormFloat64()
	m.d = wrapAngle(m.meanDir + cfg.DirectionStdDev*rng.NormFloat64())
	m.stepEnd = cfg.Step
	m.start(m.walk(0, start), m.nextLeg)
	return m, nil
}

// wrapAngle returns a in (−π, π].
func wrapAngle(a float64) float64 {
	a = math.Remainder(a, 2*math.Pi)
	if a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}

func (m *GaussMarkov) nextLeg(last Leg) Leg {
	if last.End >= m.stepEnd {
		m.update(last.To)
		m.stepEnd = last.End + m.cfg.Step
	}
	return m.walk(last.End, last.To)
}

// update draws the next speed and direction at position p.
func (m *GaussMarkov) update(p Point) {
	c, a := m.cfg, m.cfg.Alpha
	mean := m.meanDir
	if c.EdgeMargin > 0 {
		var ix, iy float64
		if p.X-c.Area.Min.X < c.EdgeMargin {
			ix++
		}
		if c.Area.Max.X-p.X < c.EdgeMargin {
			ix--
		}
		if p.Y-c.Area.Min.Y < c.EdgeMargin {
			iy++
		}
		if c.Area.Max.Y-p.Y < c.EdgeMargin {
			iy--
		}
		if ix != 0 || iy != 0 {
			mean = math.Atan2(iy, ix)
		}
	}
	mean = m.d + wrapAngle(mean-m.d)
	m.s = a*m.s + (1-a)*c.MeanSpeed + m.noiseMul*c.SpeedStdDev*m.rng.NormFloat64()
	m.d = wrapAngle(a*m.d + (1-a)*mean + m.noiseMul*c.DirectionStdDev*m.rng.NormFloat64())
}

// walk returns the leg from p at start at the current velocity, up to the
// end of the step or the first reflection off the border, whichever comes
// first. A reflection changes the direction for the rest of the step.
func (m *GaussMarkov) walk(start sim.Time, p Point) Leg {
	r := m.cfg.Area
	for range 3 { // at most one reflection per axis before moving
		vx, vy := m.s*math.Cos(m.d), m.s*math.Sin(m.d)
		// A component that is rounding error of a move along the other
		// axis (cos(π/2) ≠ 0 in floating point) would otherwise hold the
		// user against a border it cannot reflect off.
		if math.Abs(vx) < 1e-12*math.Abs(m.s) {
			vx = 0
		}
		if math.Abs(vy) < 1e-12*math.Abs(m.s) {
			vy = 0
		}
		tx, ty := hitTime(p.X, vx, r.Min.X, r.Max.X), hitTime(p.Y, vy, r.Min.Y, r.Max.Y)
		th := min(tx, ty)
		dt := (m.stepEnd - start).Seconds()
		if th >= dt {
			end := m.stepEnd
			return Leg{Start: start, End: end, From: p, To: r.clamp(Point{p.X + vx*dt, p.Y + vy*dt})}
		}
		end := start + sim.Seconds(th)
		if end > start {
			dt = (end - start).Seconds()
			return Leg{Start: start, End: end, From: p, To: r.clamp(Point{p.X + vx*dt, p.Y + vy*dt})}
		}
		// At the border, heading out: reflect now.
		if tx <= th {
			m.d = wrapAngle(math.Pi - m.d)
		}
		if ty <= th {
			m.d = wrapAngle(-m.d)
		}
	}
	// Not reached: after reflecting both axes the user heads inwards.
	panic("topology: gauss-markov walk failed to leave the border")
}

// hitTime returns the time in seconds for a coordinate x moving at v to
// reach the border of [lo, hi], or +Inf if it does not move towards one.
func hitTime(x, v, lo, hi float64) float64 {
	switch {
	case v > 0:
		return max((hi-x)/v, 0)
	case v < 0:
		return max((lo-x)/v, 0)
	}
	return math.Inf(1)
}
