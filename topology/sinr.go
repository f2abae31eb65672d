package topology

import (
	"errors"
	"fmt"
	"math"
)

// ThermalNoiseDBmPerHz is the thermal noise density kT at 290 K, in dBm/Hz.
const ThermalNoiseDBmPerHz = -174.0

// WattsToDBm converts a power in watts to dBm.
func WattsToDBm(w float64) float64 { return 10*math.Log10(w) + 30 }

// FromDB converts a ratio in dB to a linear ratio: 10^(db/10).
func FromDB(db float64) float64 { return math.Pow(10, db/10) }

// ToDB converts a linear ratio to dB: 10·log10(x).
func ToDB(x float64) float64 { return 10 * math.Log10(x) }

// SINR returns the signal-to-interference-plus-noise ratio (linear) of a
// transmission received at signalW watts, over noiseW watts of noise and
// the received powers in watts of the interferers on the same resource
// (the same resource blocks, in neighbouring cells). Powers must be
// non-negative; with no interferers it is the SNR.
func SINR(signalW, noiseW float64, interferersW ...float64) float64 {
	den := noiseW
	for _, w := range interferersW {
		den += w
	}
	return signalW / den
}

// SINR returns the SINR of a transmission received at signalW watts over
// hz of bandwidth, with this channel's noise over hz and the interferers'
// received powers on the same hz.
func (c Channel) SINR(hz, signalW float64, interferersW ...float64) float64 {
	return SINR(signalW, c.NoiseWatts(hz), interferersW...)
}

// RateSINR returns the Shannon rate hz·log2(1 + sinr) in bit/s, capped at
// MaxSpectralEff·hz when the channel has a cap: Rate for a given SINR
// rather than a received power, so interference can count.
func (c Channel) RateSINR(hz, sinr float64) float64 {
	if hz <= 0 || !(sinr > 0) {
		return 0
	}
	r := ShannonRate(hz, sinr)
	if c.MaxSpectralEff > 0 {
		r = min(r, c.MaxSpectralEff*hz)
	}
	return r
}

// RateModel maps SINR to spectral efficiency the way link-level results
// are abstracted in system-level simulation: attenuated Shannon,
//
//	SE = 0                                    SINR < MinSINR
//	SE = min(η·log2(1 + SINR), MaxSpectralEff)  otherwise
//
// (3GPP TR 36.942 Annex A.2), further held to the step of a CQI table
// when one is given: the efficiency of the highest CQI whose threshold
// the SINR reaches, 0 below CQI 1. Every zero field means "none": η = 1,
// no floor, no ceiling, no table, which is plain Shannon.
type RateModel struct {
	// Efficiency is η in (0, 1], the fraction of Shannon's efficiency a
	// real link attains (TR 36.942 Table A.2-1: 0.6 for the LTE downlink,
	// 0.4 for the uplink). Zero means 1.
	Efficiency float64
	// MinSINR is the linear SINR below which the rate is 0. Zero means no
	// floor.
	MinSINR float64
	// MaxSpectralEff caps the efficiency in bit/s/Hz. Zero means no cap.
	MaxSpectralEff float64
	// CQI, if not nil, holds the efficiency to the table's steps.
	CQI *CQITable
}

// SpectralEff returns the efficiency in bit/s/Hz at the linear SINR sinr.
func (m RateModel) SpectralEff(sinr float64) float64 {
	if !(sinr > 0) || sinr < m.MinSINR {
		return 0
	}
	se := math.Log1p(sinr) / math.Ln2
	if m.Efficiency > 0 {
		se *= m.Efficiency
	}
	if m.MaxSpectralEff > 0 {
		se = min(se, m.MaxSpectralEff)
	}
	if m.CQI != nil {
		se = min(se, m.CQI.SpectralEff(sinr))
	}
	return se
}

// Rate returns the rate in bit/s over hz of bandwidth at SINR sinr.
func (m RateModel) Rate(hz, sinr float64) float64 {
	if hz <= 0 {
		return 0
	}
	return hz * m.SpectralEff(sinr)
}

// Validate reports parameters out of range.
func (m RateModel) Validate() error {
	var errs []error
	if !(m.Efficiency >= 0 && m.Efficiency <= 1) {
		errs = append(errs, fmt.Errorf("implementation efficiency %v: want 0 < η ≤ 1 (0 for 1)", m.Efficiency))
	}
	if !(m.MinSINR >= 0) || math.IsInf(m.MinSINR, 0) {
		errs = append(errs, fmt.Errorf("minimum SINR %v: want finite ≥ 0 (linear)", m.MinSINR))
	}
	if !(m.MaxSpectralEff >= 0) || math.IsInf(m.MaxSpectralEff, 0) {
		errs = append(errs, fmt.Errorf("maximum spectral efficiency %v: want finite ≥ 0", m.MaxSpectralEff))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("topology: rate model: %w", err)
	}
	return nil
}

// LinkBudget is one direction of a radio link: the transmitter's power,
// the receiver's noise (Channel, whose MaxSpectralEff also lets a
// SharedLink use it directly) and the mapping from SINR to rate. A cell
// has one for its downlink (base-station power, UE noise figure) and one
// for its uplink (UE power, base-station noise figure).
type LinkBudget struct {
	TxPowerDBm float64
	Channel    Channel
	Rate       RateModel
}

// RxWatts returns the power received in watts through a loss of lossDB
// (path loss plus shadowing, less any antenna gains; a fading power gain
// multiplies the result).
func (b LinkBudget) RxWatts(lossDB float64) float64 {
	return DBmToWatts(b.TxPowerDBm - lossDB)
}

// SINR returns the SINR of a signal of signalW watts over hz of bandwidth
// at this link's receiver, with interferers' received powers on the same
// hz.
func (b LinkBudget) SINR(hz, signalW float64, interferersW ...float64) float64 {
	return b.Channel.SINR(hz, signalW, interferersW...)
}

// RateAt returns the rate in bit/s over hz of bandwidth at SINR sinr.
func (b LinkBudget) RateAt(hz, sinr float64) float64 { return b.Rate.Rate(hz, sinr) }
