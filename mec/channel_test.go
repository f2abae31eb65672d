package mec

import (
	"math"
	"testing"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// TestShadowingField checks the hashed shadowing field: zero mean and the
// model's σ over many places, strongly correlated a few metres apart and
// nearly independent several decorrelation distances apart.
func TestShadowingField(t *testing.T) {
	c := channel{sigmaDB: 8, decorr: 50, seed: 42}
	const n = 20000
	var sum, sq, near, far float64
	for i := range n {
		p := topology.Point{X: float64(i%200) * 37.3, Y: float64(i/200) * 41.9}
		v := c.shadowDB(0, p)
		sum += v
		sq += v * v
		near += v * c.shadowDB(0, topology.Point{X: p.X + 5, Y: p.Y})
		far += v * c.shadowDB(0, topology.Point{X: p.X + 400, Y: p.Y})
	}
	mean, sd := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
	// Standard error of the mean: 8/√20000 ≈ 0.057 dB (more with the
	// field's correlation); of the s.d.: a few per cent.
	if math.Abs(mean) > 0.3 || math.Abs(sd-8) > 0.4 {
		t.Errorf("shadowing mean %.3f dB, s.d. %.3f dB; want 0 and 8", mean, sd)
	}
	if rn, rf := near/sq, far/sq; rn < 0.8 || math.Abs(rf) > 0.1 {
		t.Errorf("correlation at 5 m %.3f (want > 0.8), at 400 m %.3f (want ≈ 0)", rn, rf)
	}
	if c.shadowDB(0, topology.Point{X: 10, Y: 10}) == c.shadowDB(1, topology.Point{X: 10, Y: 10}) {
		t.Error("two cells see the same shadowing")
	}
}

// TestFadingGains checks Rayleigh fading: power gain with mean 1 and
// variance 1 (exponential), constant within a coherence interval, and the
// Rician gain's mean 1 with variance (2K+1)/(K+1)².
func TestFadingGains(t *testing.T) {
	for _, k := range []float64{0, 10} {
		c := channel{fading: true, k: k, block: 10 * sim.Millisecond, seed: 7}
		const n = 200000
		var sum, sq float64
		for i := range n {
			g := c.fadingGain(i%50, i/50%7, sim.Time(i)*10*sim.Millisecond)
			sum += g
			sq += g * g
		}
		mean := sum / n
		vr := sq/n - mean*mean
		want := (2*k + 1) / ((k + 1) * (k + 1))
		if math.Abs(mean-1) > 0.01 || math.Abs(vr-want) > 0.03*math.Max(want, 0.2) {
			t.Errorf("K=%v: gain mean %.4f (want 1), variance %.4f (want %.4f)", k, mean, vr, want)
		}
		if c.fadingGain(3, 1, 12*sim.Millisecond) != c.fadingGain(3, 1, 19*sim.Millisecond) {
			t.Errorf("K=%v: gain changed within a coherence interval", k)
		}
	}
}
