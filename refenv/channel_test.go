package refenv

import (
	"math"
	"testing"
)

// rateTol is the relative tolerance of the hand-computed rates, which are
// written to 7 significant digits.
const rateTol = 1e-6

// The preset's channel by hand. The noise over the band is
// N = N0·B = 10^((−174 − 30)/10) W/Hz × 16.6e6 Hz = 3.981072e-21 × 16.6e6
// = 6.608579e-14 W.
//
// At 100 m with |h|² = 1 the loss is 133.6 + 35·log10(0.1) + 8 = 106.6 dB,
// g = 10^−10.66 = 2.187762e-11.
//
//	Shannon:   SNR = 0.01·g/N = 3.310487; 16.6e6·log2(4.310487) = 34.99033 Mbit/s.
//	Reference: γ = g/N = 331.0487; SNR = 0.01·γ²/N = 1.658348e16;
//	           16.6e6·log2(1 + 1.658348e16) = 894.4179 Mbit/s.
//
// At 1000 m the loss is 141.6 dB, g = 6.918310e-15:
//
//	Shannon:   SNR = 1.046868e-3, rate 16.6e6·log2(1.001046868) = 25.05805 kbit/s.
//	Reference: γ = 0.1046868, SNR = 1.658348e9, rate 508.4099 Mbit/s.
//
// At 2000 m the loss is 133.6 + 35·0.30103 + 8 = 152.1360 dB, g = 6.114980e-16:
//
//	Shannon:   SNR = 9.253093e-5, rate 2.215896 kbit/s.
//	Reference: γ = 9.253093e-3, SNR = 1.295585e7, rate 392.2099 Mbit/s.
//
// At 100 m with |h|² = 0.25, g = 5.469404e-12:
//
//	Shannon:   SNR = 0.8276218, rate 14.44146 Mbit/s.
//	Reference: γ = 82.76218, SNR = 1.036468e15, rate 828.0179 Mbit/s
//	           (the fading enters squared: 2·log2(0.25) = −4 bit/s/Hz).
func TestUplinkRateByHand(t *testing.T) {
	c := Reference()
	if n := c.NoiseW(); math.Abs(n-6.608579e-14) > rateTol*6.608579e-14 {
		t.Errorf("NoiseW() = %v, want 6.608579e-14", n)
	}
	for _, tc := range []struct {
		d, h             float64
		shannon, refRate float64
	}{
		{100, 1, 34.99033e6, 894.4179e6},
		{1000, 1, 25.05805e3, 508.4099e6},
		{2000, 1, 2.215896e3, 392.2099e6},
		{100, 0.25, 14.44146e6, 828.0179e6},
	} {
		c.Rate = ShannonRate
		if got := c.UplinkRate(tc.d, tc.h); math.Abs(got-tc.shannon) > rateTol*tc.shannon {
			t.Errorf("Shannon rate at %v m, |h|² = %v: %v, want %v", tc.d, tc.h, got, tc.shannon)
		}
		c.Rate = ReferenceRate
		if got := c.UplinkRate(tc.d, tc.h); math.Abs(got-tc.refRate) > rateTol*tc.refRate {
			t.Errorf("reference rate at %v m, |h|² = %v: %v, want %v", tc.d, tc.h, got, tc.refRate)
		}
	}
}

// Energy by hand: a 10 Mbit task uploaded at 500 Mbit/s with 10 mW takes
// 0.02 s, 2e-4 J; executing it at 2 GHz costs 1e7 × 5e-31 × 1000 × (2e9)²
// = 0.02 J: 0.0202 J, energy utility −50 × 0.0202 = −1.01. At 4 GHz the
// execution costs four times as much, 0.08 J: 0.0802 J in all.
func TestTaskEnergyByHand(t *testing.T) {
	c := Reference()
	for _, tc := range []struct{ ghz, want float64 }{{2, 0.0202}, {4, 0.0802}} {
		if got := c.TaskEnergyJ(10e6, 500e6, tc.ghz); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("energy at %v GHz = %v J, want %v", tc.ghz, got, tc.want)
		}
	}
}
