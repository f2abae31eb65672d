package topology

import "math"

// Point is a position in the plane, in metres.
type Point struct{ X, Y float64 }

// Dist returns the Euclidean distance between p and q in metres.
func (p Point) Dist(q Point) float64 { return math.Hypot(p.X-q.X, p.Y-q.Y) }

// MinMacroDistance is the distance below which MacroPathLoss is held
// constant: 3GPP TR 36.814's macro-cell layouts keep users at least 35 m
// from the base station, and the model is not meant for shorter ranges.
const MinMacroDistance = 35.0

// MacroPathLoss returns the path loss in dB at distance d metres in the
// 3GPP macro-cell model 128.1 + 37.6·log10(d / 1 km) (TR 36.814, Table
// A.2.1.1.2-3, 2 GHz). Distances below MinMacroDistance use
// MinMacroDistance.
func MacroPathLoss(d float64) float64 {
	d = max(d, MinMacroDistance)
	return 128.1 + 37.6*math.Log10(d/1000)
}

// DBmToWatts converts a power in dBm to watts.
func DBmToWatts(dbm float64) float64 { return math.Pow(10, (dbm-30)/10) }

// ShannonRate is the capacity in bit/s of a channel of bandwidth hz with
// signal-to-noise ratio snr (linear): hz·log2(1 + snr). It uses log1p so
// that a very weak signal still gets its small positive rate.
func ShannonRate(hz, snr float64) float64 { return hz * math.Log1p(snr) / math.Ln2 }

// Channel is the noise side of a wireless link budget, and the ceiling
// that real modulation and coding put on Shannon's formula.
type Channel struct {
	NoiseDBmPerHz float64 // thermal noise density, e.g. −174 dBm/Hz at 290 K
	NoiseFigureDB float64 // receiver noise figure, dB
	// MaxSpectralEff caps the rate at this many bit/s per Hz, the best
	// entry of the modulation-and-coding table (7.4063 for 5G NR 256-QAM,
	// 3GPP TS 38.214 Table 5.2.2.1-3). Zero means no cap.
	MaxSpectralEff float64
}

// NoiseWatts returns the noise power in watts over hz of bandwidth.
func (c Channel) NoiseWatts(hz float64) float64 {
	return DBmToWatts(c.NoiseDBmPerHz+c.NoiseFigureDB) * hz
}

// ReceivedWatts returns the power in watts received at distance d from a
// transmitter of txDBm, under MacroPathLoss.
func ReceivedWatts(txDBm, d float64) float64 {
	return DBmToWatts(txDBm - MacroPathLoss(d))
}

// Rate returns the Shannon rate in bit/s of a transfer given hz of
// bandwidth and received signal power rxW. Noise is counted over the same
// hz, so a user given a smaller share of a cell also gets less noise.
func (c Channel) Rate(hz, rxW float64) float64 {
	if hz <= 0 || rxW <= 0 {
		return 0
	}
	r := ShannonRate(hz, rxW/c.NoiseWatts(hz))
	if c.MaxSpectralEff > 0 {
		r = min(r, c.MaxSpectralEff*hz)
	}
	return r
}
