package topology

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mecsim/mecsim/sim"
)

// Gudmundson is a unit-variance Gaussian process along a user's path whose
// values at positions Δd apart are correlated by exp(−Δd/Decorr): the
// exponential model of M. Gudmundson, "Correlation model for shadow fading
// in mobile radio systems", Electronics Letters 27(23), 1991. Each sample
// is z' = ρ·z + √(1−ρ²)·n with ρ = exp(−Δd/Decorr) and n ~ N(0, 1), so the
// marginal stays N(0, 1) and successive samples have correlation ρ.
//
// The zero value is ready to use; its first sample is drawn afresh.
type Gudmundson struct {
	// Decorr is the decorrelation distance in metres. Zero means no
	// spatial correlation: a fresh independent value whenever the user has
	// moved, the same value while it stays put.
	Decorr float64

	z       float64
	at      Point
	started bool
}

// At returns the process's value at position p, drawing from r. Calls
// must follow the user along its path: the correlation is with the
// previous call's position.
func (g *Gudmundson) At(p Point, r *rand.Rand) float64 {
	if !g.started {
		g.z, g.at, g.started = r.NormFloat64(), p, true
		return g.z
	}
	d := g.at.Dist(p)
	g.at = p
	if d == 0 {
		return g.z
	}
	rho := 0.0
	if g.Decorr > 0 {
		rho = math.Exp(-d / g.Decorr)
	}
	g.z = rho*g.z + math.Sqrt(1-rho*rho)*r.NormFloat64()
	return g.z
}

// Shadowing is the log-normal shadowing of one link in dB: SigmaDB times a
// Gudmundson process, so a moving user sees shadowing correlated over the
// process's Decorr. SigmaDB may change between calls (a link that moves
// between line of sight and not, PathLoss.Shadowing) without breaking the
// correlation of the underlying process.
//
// Positive values are extra loss: received power is
// DBmToWatts(tx − pathloss − shadowing).
type Shadowing struct {
	SigmaDB float64 // standard deviation, dB
	Gudmundson
}

// NewShadowing returns the shadowing process of model m in the given
// line-of-sight state.
func NewShadowing(m PathLoss, los bool) Shadowing {
	s, d := m.Shadowing(los)
	return Shadowing{SigmaDB: s, Gudmundson: Gudmundson{Decorr: d}}
}

// At returns the shadowing in dB at position p, drawing from r.
func (s *Shadowing) At(p Point, r *rand.Rand) float64 {
	return s.SigmaDB * s.Gudmundson.At(p, r)
}

// Validate reports a negative or non-finite σ or decorrelation distance.
func (s Shadowing) Validate() error {
	if !(s.SigmaDB >= 0) || math.IsInf(s.SigmaDB, 0) {
		return fmt.Errorf("topology: shadowing σ %v dB: want finite ≥ 0", s.SigmaDB)
	}
	if !(s.Decorr >= 0) || math.IsInf(s.Decorr, 0) {
		return fmt.Errorf("topology: shadowing decorrelation distance %v m: want finite ≥ 0", s.Decorr)
	}
	return nil
}

// LOSState is a spatially consistent line-of-sight state for a moving
// user, in the manner of TR 38.901 §7.6.3.3: a Gudmundson process is
// mapped through the normal CDF to a uniform value u, and the user has
// line of sight while u < PathLoss.LOSProb(d2D). Nearby positions so share
// their state instead of flickering between LOS and NLOS with every
// independent draw. Decorr is the state's decorrelation distance; 50 m
// outdoors and 10 m indoors are the values of TR 38.901's spatial-
// consistency table (Table 7.6.3.3-1, recalled, not re-read).
type LOSState struct {
	Gudmundson
}

// At reports whether the user at position p, d2D from the base station,
// has line of sight under model m, drawing from r.
func (s *LOSState) At(p Point, d2D float64, m PathLoss, r *rand.Rand) bool {
	u := 0.5 * math.Erfc(-s.Gudmundson.At(p, r)/math.Sqrt2) // Φ(z)
	return u < m.LOSProb(d2D)
}

// Fading is the small-scale fading of one link: a power gain |h|² with
// mean 1, Rayleigh (|h|² ~ Exp(1)) when K is 0 and Rician with factor K
// otherwise, held for a coherence interval and then redrawn (block
// fading). Time is cut into intervals [k·Coherence, (k+1)·Coherence);
// Gain draws at its first call in an interval and returns the same value
// for later calls in it.
//
// The gains depend only on the stream and the intervals in which Gain is
// called. To keep common random numbers across policies, give each link
// its own stream and call Gain at times that do not depend on the policy,
// such as every NextRedraw (where the world must recompute rates anyway).
//
// The zero value is Rayleigh fading drawn once and held.
type Fading struct {
	// K is the Rician factor: the power of the line-of-sight component
	// over that of the scattered ones, linear (not dB). Zero is Rayleigh.
	K float64
	// Coherence is the interval between redraws. Zero holds the first
	// draw for ever.
	Coherence sim.Time

	gain  float64
	block int64
	drawn bool
}

// Gain returns the power gain at now, drawing from r when now is in a new
// coherence interval. Time must not go backwards across intervals.
func (f *Fading) Gain(now sim.Time, r *rand.Rand) float64 {
	var block int64
	if f.Coherence > 0 {
		block = int64(now / f.Coherence)
	}
	if f.drawn && block == f.block {
		return f.gain
	}
	if f.drawn && block < f.block {
		panic(fmt.Sprintf("topology: fading asked for %v, before its interval %d of %v", now, f.block, f.Coherence))
	}
	f.gain, f.block, f.drawn = FadingGain(f.K, r), block, true
	return f.gain
}

// NextRedraw returns when the gain held at now will be redrawn: the start
// of the next coherence interval, or sim.Forever if it is never redrawn.
func (f *Fading) NextRedraw(now sim.Time) sim.Time {
	if f.Coherence <= 0 {
		return sim.Forever
	}
	k := now / f.Coherence
	if k >= sim.Forever/f.Coherence-1 {
		return sim.Forever
	}
	return (k + 1) * f.Coherence
}

// Validate reports a negative or non-finite K or a negative interval.
func (f Fading) Validate() error {
	var errs []error
	if !(f.K >= 0) || math.IsInf(f.K, 0) {
		errs = append(errs, fmt.Errorf("topology: Rician K %v: want finite ≥ 0", f.K))
	}
	if f.Coherence < 0 {
		errs = append(errs, fmt.Errorf("topology: coherence interval %v: want ≥ 0", f.Coherence))
	}
	return errors.Join(errs...)
}

// FadingGain draws one small-scale power gain with mean 1: Exp(1) for
// Rayleigh fading (k = 0), and for Rician fading with factor k the power
// of h = √(k/(k+1)) + √(1/(k+1))·CN(0, 1), whose variance is
// (2k+1)/(k+1)².
func FadingGain(k float64, r *rand.Rand) float64 {
	if k == 0 {
		return r.ExpFloat64()
	}
	s := math.Sqrt(0.5 / (k + 1)) // per-dimension deviation of the scattered part
	x := math.Sqrt(k/(k+1)) + s*r.NormFloat64()
	y := s * r.NormFloat64()
	return x*x + y*y
}

// CoherenceTime returns the coherence time of a channel seen by a user
// moving at speed m/s on a carrier of freqGHz: 0.423/f_D with the maximum
// Doppler shift f_D = v·f/c (Clarke's model, the 50 % correlation
// definition of T. S. Rappaport, Wireless Communications, 2nd ed., eq.
// 5.40c). A user at rest gives sim.Forever.
func CoherenceTime(speed, freqGHz float64) sim.Time {
	fd := speed * freqGHz * 1e9 / SpeedOfLight
	if !(fd > 0) {
		return sim.Forever
	}
	return sim.Seconds(0.423 / fd)
}
