package refenv

import (
	"errors"
	"fmt"
	"math"
)

// RateModel is how an uplink's rate follows from its channel gain.
type RateModel int

const (
	// ReferenceRate is the rate of the reference code: the gain g is first
	// normalised by the noise power, γ = g/N, and enters the SNR squared,
	// SNR = P·γ²/N = P·g²/N³. It gives the 0.3–1 Gbit/s uplinks of the
	// published results.
	ReferenceRate RateModel = iota
	// ShannonRate is the textbook rate B·log2(1 + P·g/N).
	ShannonRate
)

// String returns the model's name.
func (m RateModel) String() string {
	switch m {
	case ReferenceRate:
		return "reference"
	case ShannonRate:
		return "shannon"
	}
	return fmt.Sprintf("RateModel(%d)", int(m))
}

// DelayModel is how the delay utility of a placement is computed.
type DelayModel int

const (
	// ExactDelay charges the exact increase in the sum of completion times,
	// measured from the decision instant, of every task on the chosen server
	// under processor sharing: the tasks executing there, the tasks still
	// uploading to it (each joining when its upload ends) and the new task,
	// which joins after its own upload and whose completion time includes
	// that upload.
	ExactDelay DelayModel = iota
	// ReferenceDelay reproduces the reference code's estimate, quirks
	// included: tasks still uploading are ignored, the new task's upload
	// time is not charged to it, and while the new task uploads only the
	// task in the processor-sharing phase it arrives in is advanced (see
	// the package documentation).
	ReferenceDelay
)

// String returns the model's name.
func (m DelayModel) String() string {
	switch m {
	case ExactDelay:
		return "exact"
	case ReferenceDelay:
		return "reference"
	}
	return fmt.Sprintf("DelayModel(%d)", int(m))
}

// Config holds every number of the environment. Reference returns the
// GMORL preset; all fields are required (a zero is taken literally, except
// where a comment says otherwise).
type Config struct {
	// Edges is the number of edge servers E; 0 draws E per episode,
	// uniformly from MinEdges..MaxEdges.
	Edges    int
	MinEdges int // smallest E drawn when Edges is 0
	MaxEdges int // largest E drawn when Edges is 0

	Users           int     // users sending tasks; each (server, user) pair has its own channel
	Slots           int     // decisions (slots) per episode
	SlotSeconds     float64 // length of a slot, s
	ArrivalsPerSlot float64 // mean of the Poisson number of tasks arriving per slot

	CyclesPerBit float64    // C, CPU cycles per bit of task
	CloudGHz     [2]float64 // cloud CPU speed drawn per episode uniformly in [lo, hi] GHz; lo = hi fixes it
	EdgeGHz      [2]float64 // each edge's CPU speed, drawn likewise, GHz
	Kappa        float64    // effective switched capacitance κ; execution energy is κ·C·f² J per bit

	CloudDistanceM [2]float64 // user–cloud distance drawn uniformly in [lo, hi] m, per user and episode
	EdgeDistanceM  [2]float64 // user–edge distance drawn likewise, per edge, user and episode
	PathLossDB     float64    // path loss at 1 km, dB (133.6)
	PathLossSlope  float64    // path-loss slope, dB per decade of distance (35)
	ShadowingDB    float64    // fixed shadowing loss added to the path loss, dB
	BandwidthHz    float64    // uplink bandwidth B, Hz
	NoiseDBmPerHz  float64    // noise power spectral density N0, dBm/Hz
	TxPowerW       float64    // user transmit power, W
	Rate           RateModel  // how the rate follows from the gain

	Delay DelayModel // how the delay utility is computed

	MinTaskMbit float64 // task sizes are clipped to [MinTaskMbit, MaxTaskMbit], Mbit
	MaxTaskMbit float64

	EnergyScale float64 // energy utility = −EnergyScale × energy in J
	DelayScale  float64 // delay utility = −DelayScale × delay increase in s

	Bins     int     // histogram bins of the executing tasks' remaining bits
	BinMbit  float64 // width of a bin, Mbit; the last bin is open
	Columns  int     // observation columns: the cloud, the edges, then padding
	PadValue float64 // value of every feature of a padding column
	// RewardFeatures appends to each column the two utilities (delay,
	// energy) that placing the task there would earn now, exactly as Step
	// would return them: an observation encoder that shows the agent each
	// action's one-step consequence. Not part of the reference observation;
	// off in Reference().
	RewardFeatures bool
}

// Reference returns the GMORL preset (the "multi-edge" configuration of the
// reference code): E drawn from 1..10, cloud and edge CPU speeds drawn per
// episode, the reference rate model and the exact delay utility.
func Reference() Config {
	return Config{
		Edges:           0,
		MinEdges:        1,
		MaxEdges:        10,
		Users:           10,
		Slots:           100,
		SlotSeconds:     1,
		ArrivalsPerSlot: 1,
		CyclesPerBit:    1000,
		CloudGHz:        [2]float64{3, 5},
		EdgeGHz:         [2]float64{1.5, 2.5},
		Kappa:           5e-31,
		CloudDistanceM:  [2]float64{1000, 2000},
		EdgeDistanceM:   [2]float64{50, 500},
		PathLossDB:      133.6,
		PathLossSlope:   35,
		ShadowingDB:     8,
		BandwidthHz:     16.6e6,
		NoiseDBmPerHz:   -174,
		TxPowerW:        0.01,
		Rate:            ReferenceRate,
		Delay:           ExactDelay,
		MinTaskMbit:     0.1,
		MaxTaskMbit:     100,
		EnergyScale:     50,
		DelayScale:      0.01,
		Bins:            60,
		BinMbit:         1,
		Columns:         11,
		PadValue:        -1,
	}
}

// maxArrivalsPerSlot bounds the Poisson mean: arrivals are drawn by Knuth's
// product of uniforms, which needs e^−λ well above the smallest normal
// float64.
const maxArrivalsPerSlot = 500

// Validate reports every setting out of range, as one error naming the
// fields.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("refenv: "+format, args...))
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	positive := func(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
	nonNegative := func(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }
	interval := func(name, unit string, r [2]float64) {
		if !positive(r[0]) || !positive(r[1]) || r[0] > r[1] {
			bad("%s = [%v, %v] %s, want 0 < lo ≤ hi < ∞", name, r[0], r[1], unit)
		}
	}

	maxE := c.Edges
	switch {
	case c.Edges < 0:
		bad("Edges = %d, want ≥ 0 (0 draws E from MinEdges..MaxEdges)", c.Edges)
	case c.Edges == 0:
		if c.MinEdges < 1 || c.MaxEdges < c.MinEdges {
			bad("MinEdges = %d, MaxEdges = %d, want 1 ≤ MinEdges ≤ MaxEdges when Edges is 0", c.MinEdges, c.MaxEdges)
		}
		maxE = c.MaxEdges
	}
	if c.Columns < maxE+1 || c.Columns < 1 {
		bad("Columns = %d, want ≥ %d (the cloud and up to %d edges)", c.Columns, maxE+1, maxE)
	}
	if c.Users < 1 {
		bad("Users = %d, want ≥ 1", c.Users)
	}
	if c.Slots < 1 {
		bad("Slots = %d, want ≥ 1", c.Slots)
	}
	if !positive(c.SlotSeconds) {
		bad("SlotSeconds = %v s, want > 0 and finite", c.SlotSeconds)
	}
	if !(c.ArrivalsPerSlot >= 0 && c.ArrivalsPerSlot <= maxArrivalsPerSlot) {
		bad("ArrivalsPerSlot = %v, want in [0, %d]", c.ArrivalsPerSlot, maxArrivalsPerSlot)
	}
	if !positive(c.CyclesPerBit) {
		bad("CyclesPerBit = %v, want > 0 and finite", c.CyclesPerBit)
	}
	interval("CloudGHz", "GHz", c.CloudGHz)
	interval("EdgeGHz", "GHz", c.EdgeGHz)
	if !nonNegative(c.Kappa) {
		bad("Kappa = %v, want ≥ 0 and finite", c.Kappa)
	}
	interval("CloudDistanceM", "m", c.CloudDistanceM)
	interval("EdgeDistanceM", "m", c.EdgeDistanceM)
	if !finite(c.PathLossDB) {
		bad("PathLossDB = %v dB, want finite", c.PathLossDB)
	}
	if !finite(c.PathLossSlope) {
		bad("PathLossSlope = %v dB/decade, want finite", c.PathLossSlope)
	}
	if !finite(c.ShadowingDB) {
		bad("ShadowingDB = %v dB, want finite", c.ShadowingDB)
	}
	if !positive(c.BandwidthHz) {
		bad("BandwidthHz = %v Hz, want > 0 and finite", c.BandwidthHz)
	}
	if !finite(c.NoiseDBmPerHz) {
		bad("NoiseDBmPerHz = %v dBm/Hz, want finite", c.NoiseDBmPerHz)
	}
	if !positive(c.TxPowerW) {
		bad("TxPowerW = %v W, want > 0 and finite", c.TxPowerW)
	}
	if c.Rate != ReferenceRate && c.Rate != ShannonRate {
		bad("Rate = %v, want ReferenceRate or ShannonRate", c.Rate)
	}
	if c.Delay != ExactDelay && c.Delay != ReferenceDelay {
		bad("Delay = %v, want ExactDelay or ReferenceDelay", c.Delay)
	}
	if !positive(c.MinTaskMbit) {
		bad("MinTaskMbit = %v Mbit, want > 0 and finite (size 0 marks the dummy task)", c.MinTaskMbit)
	}
	if !positive(c.MaxTaskMbit) || c.MaxTaskMbit < c.MinTaskMbit {
		bad("MaxTaskMbit = %v Mbit, want finite and ≥ MinTaskMbit = %v", c.MaxTaskMbit, c.MinTaskMbit)
	}
	if !nonNegative(c.EnergyScale) {
		bad("EnergyScale = %v, want ≥ 0 and finite", c.EnergyScale)
	}
	if !nonNegative(c.DelayScale) {
		bad("DelayScale = %v, want ≥ 0 and finite", c.DelayScale)
	}
	if c.Bins < 1 {
		bad("Bins = %d, want ≥ 1", c.Bins)
	}
	if !positive(c.BinMbit) {
		bad("BinMbit = %v Mbit, want > 0 and finite", c.BinMbit)
	}
	if !finite(c.PadValue) {
		bad("PadValue = %v, want finite", c.PadValue)
	}
	return errors.Join(errs...)
}

// Features returns the number of features per column: NumScalars scalars,
// Bins histogram bins, and with RewardFeatures the two utilities.
func (c Config) Features() int {
	if c.RewardFeatures {
		return NumScalars + c.Bins + 2
	}
	return NumScalars + c.Bins
}
