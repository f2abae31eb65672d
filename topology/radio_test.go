package topology

import (
	"math"
	"testing"
)

const relTol = 1e-9

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestMacroPathLoss(t *testing.T) {
	for _, c := range []struct {
		d, want float64
	}{
		{1000, 128.1},                        // log10(1) = 0
		{100, 128.1 - 37.6},                  // one decade nearer
		{10000, 128.1 + 37.6},                // one decade further
		{500, 116.7812721630343},             // 128.1 + 37.6·log10(0.5)
		{10, 128.1 + 37.6*math.Log10(0.035)}, // held at 35 m
		{0, 128.1 + 37.6*math.Log10(0.035)},  // co-located
		{MinMacroDistance, 128.1 + 37.6*math.Log10(0.035)},
	} {
		if got := MacroPathLoss(c.d); !near(got, c.want, relTol) {
			t.Errorf("MacroPathLoss(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}

func TestDBmToWatts(t *testing.T) {
	for _, c := range []struct{ dbm, w float64 }{
		{30, 1}, {0, 1e-3}, {23, 0.19952623149688797}, {-174, 3.981071705534969e-21}, {43, 19.952623149688797},
	} {
		if got := DBmToWatts(c.dbm); !near(got, c.w, relTol) {
			t.Errorf("DBmToWatts(%v) = %v, want %v", c.dbm, got, c.w)
		}
	}
}

// TestShannonRateByHand checks a full link budget worked by hand in dB:
// 23 dBm at 100 m loses 90.5 dB, arriving at −67.5 dBm; noise over 10 MHz
// with a 9 dB noise figure is −174 + 9 + 70 = −95 dBm; SNR = 27.5 dB, so
// the rate is 10 MHz · log2(1 + 10^2.75) = 91.378654974 Mbit/s.
func TestShannonRateByHand(t *testing.T) {
	c := Channel{NoiseDBmPerHz: -174, NoiseFigureDB: 9}
	rx := ReceivedWatts(23, 100)
	if want := DBmToWatts(-67.5); !near(rx, want, relTol) {
		t.Fatalf("received power %v W, want %v W", rx, want)
	}
	if got, want := c.NoiseWatts(10e6), DBmToWatts(-95); !near(got, want, relTol) {
		t.Fatalf("noise %v W, want %v W", got, want)
	}
	if got, want := c.Rate(10e6, rx), 91378654.97425963; !near(got, want, relTol) {
		t.Errorf("rate %v bit/s, want %v", got, want)
	}
	for _, c := range []struct{ hz, snr, want float64 }{
		{1e6, 1, 1e6},    // log2(2) = 1
		{1e6, 3, 2e6},    // log2(4) = 2
		{20e6, 15, 80e6}, // log2(16) = 4
		{1e6, 0, 0},
	} {
		if got := ShannonRate(c.hz, c.snr); !near(got, c.want, relTol) {
			t.Errorf("ShannonRate(%v, %v) = %v, want %v", c.hz, c.snr, got, c.want)
		}
	}
	if got := c.Rate(0, rx); got != 0 {
		t.Errorf("rate over no bandwidth = %v, want 0", got)
	}
}

func TestWANTransferTime(t *testing.T) {
	w := WANLink{Latency: 0.04, Bandwidth: 1e9}
	if got, want := w.TransferTime(8e6), 0.048; !near(got, want, relTol) {
		t.Errorf("TransferTime = %v, want %v", got, want)
	}
}
