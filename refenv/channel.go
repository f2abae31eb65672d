package refenv

import "math"

// NoiseW returns the noise power N = N0·B over the uplink band, W.
// The preset's −174 dBm/Hz over 16.6 MHz gives N ≈ 6.61e-14 W.
func (c Config) NoiseW() float64 {
	return math.Pow(10, (c.NoiseDBmPerHz-30)/10) * c.BandwidthHz
}

// Gain returns the linear power gain of an uplink at distanceM metres with
// Rayleigh power fading |h|² = fading: 10^(−L/10)·fading, where
// L = PathLossDB + PathLossSlope·log10(d/1 km) + ShadowingDB.
func (c Config) Gain(distanceM, fading float64) float64 {
	return c.link().gain(distanceM, fading)
}

// UplinkRate returns the rate, bit/s, of an uplink at distanceM metres with
// Rayleigh power fading |h|² = fading, under c.Rate:
//
//	ShannonRate:   B·log2(1 + P·g/N)
//	ReferenceRate: B·log2(1 + P·γ²/N), γ = g/N
//
// where g is Gain and N is NoiseW. For the preset, a user 100 m from an edge
// with |h|² = 1 gets 35.0 Mbit/s under ShannonRate and 894 Mbit/s under
// ReferenceRate.
func (c Config) UplinkRate(distanceM, fading float64) float64 {
	return c.link().rate(distanceM, fading)
}

// TaskEnergyJ returns the energy, J, of placing a task of sizeBits on a
// server of cpuGHz reached at rateBps: the upload at TxPowerW for
// sizeBits/rateBps seconds plus the execution, κ·C·f² per bit.
func (c Config) TaskEnergyJ(sizeBits, rateBps, cpuGHz float64) float64 {
	f := cpuGHz * 1e9
	return sizeBits/rateBps*c.TxPowerW + sizeBits*c.Kappa*c.CyclesPerBit*f*f
}

// link is the uplink model with its constants worked out once:
// g = g1km·(d/1 km)^−slope·fading, so that a rate costs a logarithm, an
// exponential and a log1p.
type link struct {
	g1km    float64 // 10^(−(PathLossDB + ShadowingDB)/10)
	slope   float64 // PathLossSlope/10
	noise   float64 // N, W
	power   float64 // P, W
	bw      float64 // B, Hz
	squared bool    // ReferenceRate
}

func (c Config) link() link {
	return link{
		g1km:    math.Pow(10, -(c.PathLossDB+c.ShadowingDB)/10),
		slope:   c.PathLossSlope / 10,
		noise:   c.NoiseW(),
		power:   c.TxPowerW,
		bw:      c.BandwidthHz,
		squared: c.Rate == ReferenceRate,
	}
}

func (l link) gain(distanceM, fading float64) float64 {
	return l.g1km * math.Exp(-l.slope*math.Log(distanceM/1000)) * fading
}

func (l link) rate(distanceM, fading float64) float64 {
	g := l.gain(distanceM, fading)
	var snr float64
	if l.squared {
		gamma := g / l.noise
		snr = l.power * gamma * gamma / l.noise
	} else {
		snr = l.power * g / l.noise
	}
	return l.bw * math.Log1p(snr) / math.Ln2
}
