package topology

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// PathLoss is a large-scale propagation model between a base station (or
// access point) and a user: the median loss at a horizontal distance, in or
// out of line of sight, the probability of line of sight, and the
// log-normal shadowing drawn around the median. Carrier frequency and
// antenna heights are parameters of the model value, not of each call.
//
// Models are values whose methods never fail: distances below a model's
// range are held at its minimum, and distances beyond it extrapolate the
// formula. NewPathLoss validates parameters that come from user input.
type PathLoss interface {
	// LossDB returns the path loss in dB at horizontal distance d2D metres,
	// in line of sight if los. Models with a single state ignore los.
	LossDB(d2D float64, los bool) float64
	// LOSProb returns the probability that a user at horizontal distance
	// d2D has line of sight to the base station.
	LOSProb(d2D float64) float64
	// Shadowing returns the standard deviation in dB of the log-normal
	// shadowing in the given state, and its decorrelation distance in
	// metres (see Shadowing).
	Shadowing(los bool) (sigmaDB, decorrM float64)
}

// Path-loss model names, as written in experiment files and cell presets.
const (
	PathLossMacro     = "macro"      // Macro: 128.1 + 37.6·log10(d km), TR 36.814
	PathLossUMi       = "umi"        // UMi: TR 38.901 UMi street canyon
	PathLossUMa       = "uma"        // UMa: TR 38.901 urban macro
	PathLossInH       = "inh"        // InH: TR 38.901 indoor hotspot, office
	PathLossFreeSpace = "free-space" // FreeSpace: Friis
)

// PathLossNames returns the names NewPathLoss accepts, sorted.
func PathLossNames() []string {
	return []string{PathLossFreeSpace, PathLossInH, PathLossMacro, PathLossUMa, PathLossUMi}
}

// NewPathLoss returns the model called name for a carrier of freqGHz and
// antennas at heights hBS and hUT metres above ground. It refuses an
// unknown name (listing the known ones) and parameters outside the range
// the model was fitted for: 0.5–100 GHz and a user 1.5–22.5 m high for
// the TR 38.901 street models (Table 7.4.1-1), 0.5–100 GHz for the indoor
// model. The macro model is the 2 GHz fit of TR 36.814 and ignores
// frequency and heights, which must still be positive.
func NewPathLoss(name string, freqGHz, hBS, hUT float64) (PathLoss, error) {
	bad := func(format string, args ...any) (PathLoss, error) {
		return nil, fmt.Errorf("topology: path loss %q: %s", name, fmt.Sprintf(format, args...))
	}
	if !(freqGHz > 0) || math.IsInf(freqGHz, 0) {
		return bad("carrier %v GHz: want a finite frequency > 0", freqGHz)
	}
	if !(hBS > 0) || !(hUT > 0) || math.IsInf(hBS, 0) || math.IsInf(hUT, 0) {
		return bad("antenna heights %v m (base station) and %v m (user): want finite heights > 0", hBS, hUT)
	}
	street := func() error {
		if freqGHz < 0.5 || freqGHz > 100 {
			return fmt.Errorf("carrier %v GHz outside TR 38.901's 0.5–100 GHz", freqGHz)
		}
		if hUT < 1.5 || hUT > 22.5 {
			return fmt.Errorf("user height %v m outside TR 38.901's 1.5–22.5 m", hUT)
		}
		if hBS <= hUT {
			return fmt.Errorf("base station height %v m not above the user's %v m", hBS, hUT)
		}
		return nil
	}
	switch name {
	case PathLossMacro:
		return Macro{}, nil
	case PathLossFreeSpace:
		return FreeSpace{FreqGHz: freqGHz, HBS: hBS, HUT: hUT}, nil
	case PathLossUMi:
		if err := street(); err != nil {
			return bad("%v", err)
		}
		return UMi{FreqGHz: freqGHz, HBS: hBS, HUT: hUT}, nil
	case PathLossUMa:
		if err := street(); err != nil {
			return bad("%v", err)
		}
		return UMa{FreqGHz: freqGHz, HBS: hBS, HUT: hUT}, nil
	case PathLossInH:
		if freqGHz < 0.5 || freqGHz > 100 {
			return bad("carrier %v GHz outside TR 38.901's 0.5–100 GHz", freqGHz)
		}
		return InH{FreqGHz: freqGHz, HBS: hBS, HUT: hUT}, nil
	}
	return nil, fmt.Errorf("topology: unknown path-loss model %q (known: %s)", name, strings.Join(PathLossNames(), ", "))
}

// DrawLOS reports whether a user at horizontal distance d2D has line of
// sight, drawn from r with the model's LOS probability. It consumes one
// draw of r whatever the probability, so the stream stays aligned.
func DrawLOS(m PathLoss, d2D float64, r *rand.Rand) bool {
	return r.Float64() < m.LOSProb(d2D)
}

// MeanLossDB returns the loss of the LOS-probability-weighted mean path
// gain at d2D, −10·log10(p·g_LOS + (1−p)·g_NLOS) with g = 10^(−PL/10):
// the expected mix of the two states when LOS is not drawn. Shadowing is
// not included.
func MeanLossDB(m PathLoss, d2D float64) float64 {
	p := m.LOSProb(d2D)
	switch p {
	case 1:
		return m.LossDB(d2D, true)
	case 0:
		return m.LossDB(d2D, false)
	}
	g := p*math.Pow(10, -m.LossDB(d2D, true)/10) + (1-p)*math.Pow(10, -m.LossDB(d2D, false)/10)
	return -10 * math.Log10(g)
}

// Macro is the 3GPP macro-cell model 128.1 + 37.6·log10(d km) of
// MacroPathLoss (TR 36.814 Table A.2.1.1.2-3, 2 GHz), a non-line-of-sight
// fit: LOSProb is 0 and los is ignored. Shadowing is 8 dB with a 50 m
// decorrelation distance (the same table; 50 m as in TR 25.814's macro
// assumptions).
type Macro struct{}

// LossDB returns MacroPathLoss(d2D).
func (Macro) LossDB(d2D float64, _ bool) float64 { return MacroPathLoss(d2D) }

// LOSProb returns 0: the model is a non-line-of-sight fit.
func (Macro) LOSProb(float64) float64 { return 0 }

// Shadowing returns 8 dB and 50 m.
func (Macro) Shadowing(bool) (sigmaDB, decorrM float64) { return 8, 50 }

// SpeedOfLight is c in m/s, used by FreeSpace. TR 38.901's breakpoint
// distance uses its own rounded 3.0e8 m/s.
const SpeedOfLight = 299792458.0

// MinFreeSpaceDistance is the 3-D distance in metres below which FreeSpace
// is held constant: Friis' formula holds only in the far field and goes to
// −∞ dB at zero distance.
const MinFreeSpaceDistance = 1.0

// FreeSpace is Friis' free-space loss 20·log10(4π·d3D·f/c) over the 3-D
// distance between antennas at heights HBS and HUT. It is always in line
// of sight and has no shadowing.
type FreeSpace struct {
	FreqGHz  float64 // carrier frequency, GHz
	HBS, HUT float64 // antenna heights, m
}

// LossDB returns the free-space loss at d2D, holding the 3-D distance at
// MinFreeSpaceDistance or more.
func (m FreeSpace) LossDB(d2D float64, _ bool) float64 {
	d := max(dist3D(d2D, m.HBS, m.HUT), MinFreeSpaceDistance)
	return 20 * math.Log10(4*math.Pi*d*m.FreqGHz*1e9/SpeedOfLight)
}

// LOSProb returns 1.
func (FreeSpace) LOSProb(float64) float64 { return 1 }

// Shadowing returns no shadowing.
func (FreeSpace) Shadowing(bool) (sigmaDB, decorrM float64) { return 0, 0 }

// MinStreetDistance is the horizontal distance in metres below which the
// TR 38.901 UMi and UMa models are held constant: Table 7.4.1-1 defines
// them from d2D = 10 m.
const MinStreetDistance = 10.0

// UMi is the TR 38.901 urban-micro street-canyon model (Table 7.4.1-1)
// with its LOS probability (Table 7.4.2-1). The nominal deployment has
// HBS = 10 m and HUT = 1.5 m. Shadowing σ is 4 dB in LOS and 7.82 dB in
// NLOS (Table 7.4.1-1), decorrelating over 10 m and 13 m (Table 7.5-6).
//
// The effective environment height hE is 1 m, as the table's note 1 sets
// for UMi; distances below MinStreetDistance are held at it.
type UMi struct {
	FreqGHz  float64 // carrier frequency, GHz
	HBS, HUT float64 // antenna heights, m
}

// LossDB returns PL_UMi-LOS in line of sight and max(PL_UMi-LOS,
// PL'_UMi-NLOS) otherwise, with d3D = √(d2D² + (HBS−HUT)²) and d'BP the
// breakpoint distance:
//
//	PL1 = 32.4 + 21·log10(d3D) + 20·log10(fc)                                  10 m ≤ d2D ≤ d'BP
//	PL2 = 32.4 + 40·log10(d3D) + 20·log10(fc) − 9.5·log10(d'BP² + (hBS−hUT)²)   d'BP ≤ d2D
//	PL'_NLOS = 35.3·log10(d3D) + 22.4 + 21.3·log10(fc) − 0.3·(hUT − 1.5)
func (m UMi) LossDB(d2D float64, los bool) float64 {
	d2D = max(d2D, MinStreetDistance)
	d3 := dist3D(d2D, m.HBS, m.HUT)
	lf := math.Log10(m.FreqGHz)
	var pl float64
	if bp := breakpoint(m.FreqGHz, m.HBS, m.HUT); d2D <= bp {
		pl = 32.4 + 21*math.Log10(d3) + 20*lf
	} else {
		dh := m.HBS - m.HUT
		pl = 32.4 + 40*math.Log10(d3) + 20*lf - 9.5*math.Log10(bp*bp+dh*dh)
	}
	if los {
		return pl
	}
	return max(pl, 35.3*math.Log10(d3)+22.4+21.3*lf-0.3*(m.HUT-1.5))
}

// LOSProb returns Table 7.4.2-1's UMi probability: 1 up to 18 m, then
// 18/d2D + exp(−d2D/36)·(1 − 18/d2D).
func (UMi) LOSProb(d2D float64) float64 {
	if d2D <= 18 {
		return 1
	}
	return 18/d2D + math.Exp(-d2D/36)*(1-18/d2D)
}

// Shadowing returns 4 dB over 10 m in LOS and 7.82 dB over 13 m in NLOS.
func (UMi) Shadowing(los bool) (sigmaDB, decorrM float64) {
	if los {
		return 4, 10
	}
	return 7.82, 13
}

// UMa is the TR 38.901 urban-macro model (Table 7.4.1-1) with its LOS
// probability (Table 7.4.2-1). The nominal deployment has HBS = 25 m and
// HUT = 1.5 m. Shadowing σ is 4 dB in LOS and 6 dB in NLOS (Table
// 7.4.1-1), decorrelating over 37 m and 50 m (Table 7.5-6).
//
// The effective environment height hE is 1 m. Note 1 of Table 7.4.1-1
// draws hE at random for users above 13 m; below 13 m it is 1 m with
// probability 1, so the model is exact for phones at street level.
type UMa struct {
	FreqGHz  float64 // carrier frequency, GHz
	HBS, HUT float64 // antenna heights, m
}

// LossDB returns PL_UMa-LOS in line of sight and max(PL_UMa-LOS,
// PL'_UMa-NLOS) otherwise:
//
//	PL1 = 28.0 + 22·log10(d3D) + 20·log10(fc)                                10 m ≤ d2D ≤ d'BP
//	PL2 = 28.0 + 40·log10(d3D) + 20·log10(fc) − 9·log10(d'BP² + (hBS−hUT)²)   d'BP ≤ d2D
//	PL'_NLOS = 13.54 + 39.08·log10(d3D) + 20·log10(fc) − 0.6·(hUT − 1.5)
func (m UMa) LossDB(d2D float64, los bool) float64 {
	d2D = max(d2D, MinStreetDistance)
	d3 := dist3D(d2D, m.HBS, m.HUT)
	lf := math.Log10(m.FreqGHz)
	var pl float64
	if bp := breakpoint(m.FreqGHz, m.HBS, m.HUT); d2D <= bp {
		pl = 28.0 + 22*math.Log10(d3) + 20*lf
	} else {
		dh := m.HBS - m.HUT
		pl = 28.0 + 40*math.Log10(d3) + 20*lf - 9*math.Log10(bp*bp+dh*dh)
	}
	if los {
		return pl
	}
	return max(pl, 13.54+39.08*math.Log10(d3)+20*lf-0.6*(m.HUT-1.5))
}

// LOSProb returns Table 7.4.2-1's UMa probability: 1 up to 18 m, then
// [18/d2D + exp(−d2D/63)·(1 − 18/d2D)]·(1 + C'(hUT)·(5/4)·(d2D/100)³·exp(−d2D/150)),
// with C'(hUT) = 0 up to 13 m and ((hUT − 13)/10)^1.5 above.
func (m UMa) LOSProb(d2D float64) float64 {
	if d2D <= 18 {
		return 1
	}
	p := 18/d2D + math.Exp(-d2D/63)*(1-18/d2D)
	if m.HUT > 13 {
		c := math.Pow((m.HUT-13)/10, 1.5)
		p *= 1 + c*1.25*math.Pow(d2D/100, 3)*math.Exp(-d2D/150)
	}
	return min(p, 1)
}

// Shadowing returns 4 dB over 37 m in LOS and 6 dB over 50 m in NLOS.
func (UMa) Shadowing(los bool) (sigmaDB, decorrM float64) {
	if los {
		return 4, 37
	}
	return 6, 50
}

// MinIndoorDistance is the 3-D distance in metres below which InH is held
// constant: Table 7.4.1-1 defines it from 1 m.
const MinIndoorDistance = 1.0

// InH is the TR 38.901 indoor-hotspot office model (Table 7.4.1-1) with
// the mixed-office LOS probability (Table 7.4.2-1), for a Wi-Fi access
// point or indoor small cell; the nominal deployment has HBS = 3 m and
// HUT = 1 m. Shadowing σ is 3 dB in LOS and 8.03 dB in NLOS (Table
// 7.4.1-1), decorrelating over 10 m and 6 m (Table 7.5-6).
type InH struct {
	FreqGHz  float64 // carrier frequency, GHz
	HBS, HUT float64 // antenna heights, m
}

// LossDB returns PL_InH-LOS in line of sight and max(PL_InH-LOS,
// PL'_InH-NLOS) otherwise, over the 3-D distance held at 1 m or more:
//
//	PL_LOS   = 32.4 + 17.3·log10(d3D) + 20·log10(fc)
//	PL'_NLOS = 38.3·log10(d3D) + 17.30 + 24.9·log10(fc)
func (m InH) LossDB(d2D float64, los bool) float64 {
	d3 := max(dist3D(d2D, m.HBS, m.HUT), MinIndoorDistance)
	lf := math.Log10(m.FreqGHz)
	pl := 32.4 + 17.3*math.Log10(d3) + 20*lf
	if los {
		return pl
	}
	return max(pl, 38.3*math.Log10(d3)+17.30+24.9*lf)
}

// LOSProb returns Table 7.4.2-1's mixed-office probability: 1 up to
// 1.2 m, exp(−(d2D − 1.2)/4.7) up to 6.5 m, then
// 0.32·exp(−(d2D − 6.5)/32.6).
func (InH) LOSProb(d2D float64) float64 {
	switch {
	case d2D <= 1.2:
		return 1
	case d2D < 6.5:
		return math.Exp(-(d2D - 1.2) / 4.7)
	}
	return 0.32 * math.Exp(-(d2D-6.5)/32.6)
}

// Shadowing returns 3 dB over 10 m in LOS and 8.03 dB over 6 m in NLOS.
func (InH) Shadowing(los bool) (sigmaDB, decorrM float64) {
	if los {
		return 3, 10
	}
	return 8.03, 6
}

// dist3D returns the distance between antennas d2D apart horizontally at
// heights h1 and h2.
func dist3D(d2D, h1, h2 float64) float64 { return math.Hypot(d2D, h1-h2) }

// breakpoint returns TR 38.901's breakpoint distance d'BP = 4·h'BS·h'UT·fc/c
// (Table 7.4.1-1, note 1) in metres, with effective heights h' = h − hE,
// hE = 1 m, fc in Hz and c = 3.0e8 m/s.
func breakpoint(freqGHz, hBS, hUT float64) float64 {
	const hE = 1.0
	return 4 * (hBS - hE) * (hUT - hE) * freqGHz * 1e9 / 3e8
}
