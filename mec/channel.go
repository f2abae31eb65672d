package mec

import (
	"math"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// channel is the large- and small-scale propagation between phones and
// cells. Shadowing and fading are deterministic functions of place and
// time — hashed from the run's seed — rather than draws in the order
// transfers happen, so every policy in a comparison sees the same channel
// at the same place and moment (common random numbers).
type channel struct {
	pathLoss topology.PathLoss // nil for the macro model
	sigmaDB  float64           // shadowing standard deviation; 0 for none
	decorr   float64           // shadowing decorrelation distance, m
	fading   bool
	k        float64  // Rician factor (0: Rayleigh)
	block    sim.Time // coherence interval
	seed     uint64
}

// lossDB returns the mean path loss at distance d: the macro model, or the
// chosen model averaged over its line-of-sight probability.
func (c *channel) lossDB(d float64) float64 {
	if c.pathLoss == nil {
		return topology.MacroPathLoss(d)
	}
	return topology.MeanLossDB(c.pathLoss, d)
}

// shadowDB returns the log-normal shadowing, in dB, of cell site seen
// from p: a spatially correlated field, white noise on a grid of the
// decorrelation distance interpolated bilinearly and renormalised to unit
// variance, so nearby places see nearly the same shadowing and places a
// decorrelation distance apart nearly independent values.
func (c *channel) shadowDB(site int, p topology.Point) float64 {
	if c.sigmaDB == 0 {
		return 0
	}
	gx, gy := p.X/c.decorr, p.Y/c.decorr
	ix, iy := math.Floor(gx), math.Floor(gy)
	fx, fy := gx-ix, gy-iy
	var sum, norm float64
	for dy := 0.0; dy <= 1; dy++ {
		for dx := 0.0; dx <= 1; dx++ {
			wgt := (1 - math.Abs(dx-fx)) * (1 - math.Abs(dy-fy))
			sum += wgt * c.normal(1, uint64(site), uint64(int64(ix+dx)), uint64(int64(iy+dy)))
			norm += wgt * wgt
		}
	}
	return c.sigmaDB * sum / math.Sqrt(norm)
}

// fadingGain returns the small-scale power gain between a phone and a
// cell at time t: Rayleigh (or Rician with factor k), redrawn every
// coherence interval.
func (c *channel) fadingGain(phone, site int, t sim.Time) float64 {
	if !c.fading {
		return 1
	}
	b := uint64(t / c.block)
	x := c.normal(2, uint64(phone), uint64(site), b<<1)
	y := c.normal(2, uint64(phone), uint64(site), b<<1|1)
	// h = √(k/(k+1)) + √(1/(k+1))·(x + iy)/√2, gain |h|², mean 1
	los, scat := math.Sqrt(c.k/(c.k+1)), math.Sqrt(1/(2*(c.k+1)))
	re, im := los+scat*x, scat*y
	return re*re + im*im
}

// normal is a standard normal value hashed from the seed and the key.
func (c *channel) normal(kind, a, b, d uint64) float64 {
	h := mix(c.seed ^ mix(kind^mix(a^mix(b^mix(d)))))
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := float64(mix(h)>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rxDBm returns the mean power, in dBm, received from a transmitter of
// txDBm between p and site: path loss and shadowing, no fading. It is
// what a phone can estimate and what association uses.
func (w *World) rxDBm(txDBm float64, p topology.Point, site int) float64 {
	return txDBm - w.ch.lossDB(p.Dist(w.sc.Sites[site].Pos)) + w.ch.shadowDB(site, p)
}

// rxW returns the power in watts that phone i and site exchange at now,
// fading included: what a transfer gets.
//
// Under an RB scheduler the fading is averaged by the scheduler's own
// model of it (multiuser diversity), so transfers see the mean power.
func (w *World) rxW(txDBm float64, i int, site int) float64 {
	p := w.where(&w.phones[i])
	rx := topology.DBmToWatts(w.rxDBm(txDBm, p, site))
	if w.sc.Scheduler != nil {
		return rx
	}
	return rx * w.ch.fadingGain(i, site, w.k.Now())
}
