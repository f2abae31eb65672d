package topology

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// plTol is the tolerance, in dB, of the hand-computed path losses below:
// they are written to 4 decimals.
const plTol = 1e-4

// The hand computations use log10(3.5) = 0.544068, so 20·log10(3.5) =
// 10.8814 and 21.3·log10(3.5) = 11.5886, and c = 3e8 m/s in the
// breakpoint distance, as TR 38.901 does.
func TestPathLossHandComputed(t *testing.T) {
	umi := UMi{FreqGHz: 3.5, HBS: 10, HUT: 1.5} // d'BP = 4·9·0.5·3.5e9/3e8 = 210 m
	uma := UMa{FreqGHz: 3.5, HBS: 25, HUT: 1.5} // d'BP = 4·24·0.5·3.5e9/3e8 = 560 m
	inh := InH{FreqGHz: 5.5, HBS: 3, HUT: 1}
	for _, c := range []struct {
		name string
		m    PathLoss
		d    float64
		los  bool
		want float64
	}{
		// UMi, 100 m: d3D = √(100² + 8.5²) = 100.3606, log10 = 2.001563;
		// below d'BP so PL1 = 32.4 + 21·2.001563 + 10.8814 = 32.4 + 42.0328 + 10.8814.
		{"umi los 100 m", umi, 100, true, 85.3142},
		// NLOS: PL' = 35.3·2.001563 + 22.4 + 11.5886 − 0.3·0 = 70.6552 + 33.9886,
		// above PL_LOS, so it is the loss.
		{"umi nlos 100 m", umi, 100, false, 104.6438},
		// 500 m is past d'BP: d3D = 500.0722, log10 = 2.699033;
		// PL2 = 32.4 + 40·2.699033 + 10.8814 − 9.5·log10(210² + 8.5²)
		//     = 32.4 + 107.9613 + 10.8814 − 9.5·log10(44172.25) = 151.2427 − 44.1289.
		{"umi los 500 m", umi, 500, true, 107.1138},
		// PL' = 35.3·2.699033 + 33.9886 = 95.2759 + 33.9886.
		{"umi nlos 500 m", umi, 500, false, 129.2645},
		// 5 m is held at 10 m: d3D = √(100 + 72.25) = 13.1244, log10 = 1.118080;
		// PL1 = 32.4 + 21·1.118080 + 10.8814 = 32.4 + 23.4797 + 10.8814.
		{"umi los 5 m held at 10 m", umi, 5, true, 66.7610},
		// UMa, 200 m: d3D = √(200² + 23.5²) = 201.3759, log10 = 2.304007;
		// PL1 = 28 + 22·2.304007 + 10.8814 = 28 + 50.6882 + 10.8814.
		{"uma los 200 m", uma, 200, true, 89.5695},
		// PL' = 13.54 + 39.08·2.304007 + 10.8814 − 0.6·0 = 13.54 + 90.0406 + 10.8814.
		{"uma nlos 200 m", uma, 200, false, 114.4620},
		// 1 km is past d'BP: d3D = 1000.2761, log10 = 3.000120;
		// PL2 = 28 + 40·3.000120 + 10.8814 − 9·log10(560² + 23.5²)
		//     = 28 + 120.0048 + 10.8814 − 9·log10(314152.25) = 158.8862 − 49.4743.
		{"uma los 1 km", uma, 1000, true, 109.4119},
		// PL' = 13.54 + 39.08·3.000120 + 10.8814 = 13.54 + 117.2447 + 10.8814.
		{"uma nlos 1 km", uma, 1000, false, 141.6660},
		// InH at 5.5 GHz, 10 m: d3D = √(100 + 2²) = 10.1980, log10 = 1.008517;
		// 20·log10(5.5) = 14.8073, 24.9·log10(5.5) = 18.4350.
		// LOS: 32.4 + 17.3·1.008517 + 14.8073 = 32.4 + 17.4473 + 14.8073.
		{"inh los 10 m", inh, 10, true, 64.6546},
		// NLOS: 38.3·1.008517 + 17.30 + 18.4350 = 38.6262 + 35.7350.
		{"inh nlos 10 m", inh, 10, false, 74.3612},
		// Friis at 2.4 GHz over 100 m, antennas at equal heights:
		// 4π·100·2.4e9/299792458 = 10060.056, 20·log10 = 80.0520.
		{"free space 100 m", FreeSpace{FreqGHz: 2.4, HBS: 1.5, HUT: 1.5}, 100, true, 80.0520},
		// At 1 m (the hold distance): 20·log10(4π·1e9/c) + 20·log10(2.4) = 32.4478 + 7.6042.
		{"free space 0 m held at 1 m", FreeSpace{FreqGHz: 2.4, HBS: 1.5, HUT: 1.5}, 0, true, 40.0520},
		// The existing macro model: 128.1 + 37.6·log10(0.5).
		{"macro 500 m", Macro{}, 500, false, 116.7813},
	} {
		if got := c.m.LossDB(c.d, c.los); math.Abs(got-c.want) > plTol {
			t.Errorf("%s: LossDB = %.6f, want %.4f", c.name, got, c.want)
		}
	}
}

func TestLOSProbHandComputed(t *testing.T) {
	for _, c := range []struct {
		name string
		m    PathLoss
		d    float64
		want float64
	}{
		{"umi 18 m", UMi{}, 18, 1},
		// 18/50 + exp(−50/36)·(1 − 18/50) = 0.36 + 0.249352·0.64.
		{"umi 50 m", UMi{}, 50, 0.5195854},
		{"uma 10 m", UMa{HUT: 1.5}, 10, 1},
		// 0.18 + exp(−100/63)·0.82 = 0.18 + 0.204477·0.82; C'(1.5 m) = 0.
		{"uma 100 m", UMa{HUT: 1.5}, 100, 0.3476708},
		// hUT = 18 m: C' = (5/10)^1.5 = 0.353553, so the factor is
		// 1 + 0.353553·1.25·(100/100)³·exp(−100/150) = 1 + 0.441942·0.513417 = 1.226901.
		{"uma 100 m, 18 m high", UMa{HUT: 18}, 100, 0.4265575},
		{"inh 1 m", InH{}, 1, 1},
		// exp(−(3 − 1.2)/4.7) = exp(−0.382979).
		{"inh 3 m", InH{}, 3, 0.6818274},
		// 0.32·exp(−(20 − 6.5)/32.6) = 0.32·0.660928.
		{"inh 20 m", InH{}, 20, 0.2114969},
		{"macro", Macro{}, 100, 0},
		{"free space", FreeSpace{}, 100, 1},
	} {
		if got := c.m.LOSProb(c.d); math.Abs(got-c.want) > 1e-7 {
			t.Errorf("%s: LOSProb = %.8f, want %.7f", c.name, got, c.want)
		}
	}
}

// TestMeanLoss checks the expected mix at UMi 50 m: p = 0.519585, PL_LOS =
// 79.0896 dB, PL_NLOS = 94.1807 dB, so the mean gain is
// 0.519585·10^(−7.90896) + 0.480415·10^(−9.41807) = 6.5865e−9, 81.8105 dB.
func TestMeanLoss(t *testing.T) {
	m := UMi{FreqGHz: 3.5, HBS: 10, HUT: 1.5}
	if got := MeanLossDB(m, 50); math.Abs(got-81.8105) > plTol {
		t.Errorf("MeanLossDB = %.6f, want 81.8105", got)
	}
	if got, want := MeanLossDB(m, 10), m.LossDB(10, true); got != want {
		t.Errorf("MeanLossDB within 18 m = %v, want the LOS loss %v", got, want)
	}
	if got, want := MeanLossDB(Macro{}, 300), MacroPathLoss(300); got != want {
		t.Errorf("MeanLossDB(macro) = %v, want %v", got, want)
	}
}

// TestNLOSNeverBelowLOS checks the max() of Table 7.4.1-1 and that the
// losses grow with distance, over the whole range, for both street models.
func TestNLOSNeverBelowLOS(t *testing.T) {
	for _, m := range []PathLoss{
		UMi{FreqGHz: 3.5, HBS: 10, HUT: 1.5}, UMa{FreqGHz: 3.5, HBS: 25, HUT: 1.5},
		UMi{FreqGHz: 28, HBS: 10, HUT: 1.5}, UMa{FreqGHz: 0.7, HBS: 25, HUT: 1.5},
		InH{FreqGHz: 5.5, HBS: 3, HUT: 1},
	} {
		prevL, prevN := 0.0, 0.0
		for d := 1.0; d <= 5000; d *= 1.05 {
			l, n := m.LossDB(d, true), m.LossDB(d, false)
			if n < l {
				t.Fatalf("%T at %v m: NLOS %v below LOS %v", m, d, n, l)
			}
			if l < prevL || n < prevN {
				t.Fatalf("%T at %v m: loss fell (LOS %v after %v, NLOS %v after %v)", m, d, l, prevL, n, prevN)
			}
			prevL, prevN = l, n
		}
	}
}

func TestDrawLOSFrequency(t *testing.T) {
	const draws = 200000
	r := rand.New(rand.NewPCG(1, 2))
	m := UMi{}
	hits := 0
	for range draws {
		if DrawLOS(m, 50, r) {
			hits++
		}
	}
	// p = 0.5196; the binomial standard error over 2e5 draws is 0.0011.
	if got := float64(hits) / draws; math.Abs(got-0.5195854) > 0.005 {
		t.Errorf("LOS fraction %v, want 0.5196", got)
	}
}

func TestNewPathLoss(t *testing.T) {
	for _, name := range PathLossNames() {
		h := 25.0
		if name == PathLossInH {
			h = 3
		}
		m, err := NewPathLoss(name, 3.5, h, 1.5)
		if err != nil {
			t.Fatalf("NewPathLoss(%q): %v", name, err)
		}
		if l := m.LossDB(100, true); !(l > 0) {
			t.Errorf("%s: loss %v at 100 m", name, l)
		}
	}
	for _, c := range []struct {
		name          string
		f, hBS, hUT   float64
		wantSubstring string
	}{
		{"umx", 3.5, 25, 1.5, "known: free-space, inh, macro, uma, umi"},
		{"umi", 0.3, 10, 1.5, "0.5–100 GHz"},
		{"uma", 3.5, 25, 30, "1.5–22.5 m"},
		{"umi", 3.5, 1.5, 1.5, "not above"},
		{"free-space", 0, 10, 1.5, "frequency"},
		{"macro", 2, -1, 1.5, "heights"},
		{"inh", math.NaN(), 3, 1, "frequency"},
	} {
		_, err := NewPathLoss(c.name, c.f, c.hBS, c.hUT)
		if err == nil || !strings.Contains(err.Error(), c.wantSubstring) {
			t.Errorf("NewPathLoss(%q, %v, %v, %v) = %v, want an error containing %q", c.name, c.f, c.hBS, c.hUT, err, c.wantSubstring)
		}
	}
}
