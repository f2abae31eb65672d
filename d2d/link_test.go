package d2d_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/d2d"
)

const relTol = 1e-9

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// handLink is the wifi-direct-5g-20 preset's numbers, written out so the
// test does not move when the data file is edited.
var handLink = d2d.Link{
	Name: "hand", Tech: "wifi-direct", CarrierHz: 5.18e9, BandwidthHz: 20e6, TxDBm: 20, NoiseFigureDB: 10,
	MaxSpectralEff: 3.9, PathLossExponent: 3, RefDistance: 1, Range: 200,
	TxElectricalW: 1.0, RxElectricalW: 0.6, Source: "test",
}

// TestLinkRateByHand works the link budget in dB.
//
//	FSPL(1 m) = 20·log10(4π·1 m·5.18 GHz / 299 792 458 m/s) = 20·log10(217.129544) = 46.734378 dB
//	noise     = −174 dBm/Hz + 10 dB + 10·log10(20 MHz) = −174 + 10 + 73.010300 = −90.989700 dBm
//
//	 10 m: PL = 46.734378 + 30·1        =  76.734378 dB; rx = −56.734378 dBm; SNR = 34.255322 dB;
//	       Shannon 20 MHz·log2(1 + 2665.7) = 227.6 Mbit/s, above the ceiling 3.9·20 MHz = 78 Mbit/s
//	100 m: PL = 46.734378 + 30·2        = 106.734378 dB; rx = −86.734378 dBm; SNR = 4.255322 dB = 2.6639874;
//	       20 MHz·log2(3.6639874) = 37.468291 Mbit/s
//	200 m: PL = 46.734378 + 30·2.301030 = 115.765278 dB; rx = −95.765278 dBm; SNR = −4.775578 dB = 0.3329984;
//	       20 MHz·log2(1.3329984) = 8.293501 Mbit/s
//	beyond 200 m: no link.
func TestLinkRateByHand(t *testing.T) {
	for _, c := range []struct {
		d, pathLoss, rate float64
	}{
		{0, 46.73437841678804, 78e6},   // co-located: the loss at d0
		{0.5, 46.73437841678804, 78e6}, // below d0
		{1, 46.73437841678804, 78e6},
		{10, 76.73437841678804, 78e6},
		{100, 106.73437841678805, 37468290.66317194},
		{200, 115.76527828670748, 8293501.454239848},
		{200.001, 115.76534343071691, 0},
		{1000, 136.73437841678805, 0},
	} {
		if got := handLink.PathLoss(c.d); !near(got, c.pathLoss, relTol) {
			t.Errorf("PathLoss(%v) = %v dB, want %v", c.d, got, c.pathLoss)
		}
		if got := handLink.Rate(c.d); !near(got, c.rate, relTol) {
			t.Errorf("Rate(%v) = %v bit/s, want %v", c.d, got, c.rate)
		}
		if got, want := handLink.InRange(c.d), c.d <= 200; got != want {
			t.Errorf("InRange(%v) = %v", c.d, got)
		}
	}
	// −86.734378 dBm at 100 m, in watts.
	if got, want := handLink.ReceivedWatts(100), math.Pow(10, (-86.73437841678805-30)/10); !near(got, want, relTol) {
		t.Errorf("ReceivedWatts(100) = %v W, want %v", got, want)
	}
	for _, d := range []float64{-1, math.NaN(), math.Inf(1)} {
		if r := handLink.Rate(d); r != 0 || handLink.InRange(d) {
			t.Errorf("distance %v: rate %v, in range %v; want no link", d, r, handLink.InRange(d))
		}
	}
}

// TestFreeSpace: with n = 2 the log-distance model is Friis's free-space
// loss at every distance, 20·log10(4π·d·f/c); at 37 m and 5.9 GHz that is
// 20·log10(9150.46) = 79.2289 dB.
func TestFreeSpace(t *testing.T) {
	l := handLink
	l.PathLossExponent, l.CarrierHz = 2, 5.9e9
	for _, d := range []float64{1, 2.5, 37, 480} {
		want := 20 * math.Log10(4*math.Pi*d*5.9e9/299792458)
		if got := l.PathLoss(d); !near(got, want, relTol) {
			t.Errorf("PathLoss(%v) = %v dB, want free space %v", d, got, want)
		}
	}
	if got := l.PathLoss(37); math.Abs(got-79.2289) > 1e-4 {
		t.Errorf("PathLoss(37 m, 5.9 GHz) = %v dB, want 79.2289", got)
	}
}

// TestSenderEnergyByHand: 1 MB is 8e6 bits.
//
//	 10 m: 8e6 / 78e6 bit/s = 0.102564 s; sender 1.0 W → 0.102564 J, receiver 0.6 W → 0.061538 J
//	100 m: 8e6 / 37.468291e6 = 0.213514 s; sender 0.213514 J, receiver 0.128108 J
func TestSenderEnergyByHand(t *testing.T) {
	for _, c := range []struct {
		bytes, d, time, tx, rx float64
	}{
		{1e6, 10, 8.0 / 78, 8.0 / 78, 0.6 * 8 / 78},
		{1e6, 100, 0.21351387689172865, 0.21351387689172865, 0.6 * 0.21351387689172865},
		{0, 100, 0, 0, 0},
	} {
		tt, ok := handLink.TransferTime(c.bytes, c.d)
		if !ok || !near(tt, c.time, relTol) {
			t.Errorf("TransferTime(%v B, %v m) = %v, %v; want %v s", c.bytes, c.d, tt, ok, c.time)
		}
		tx, ok := handLink.SenderEnergy(c.bytes, c.d)
		if !ok || !near(tx, c.tx, relTol) {
			t.Errorf("SenderEnergy(%v B, %v m) = %v, %v; want %v J", c.bytes, c.d, tx, ok, c.tx)
		}
		rx, ok := handLink.ReceiverEnergy(c.bytes, c.d)
		if !ok || !near(rx, c.rx, relTol) {
			t.Errorf("ReceiverEnergy(%v B, %v m) = %v, %v; want %v J", c.bytes, c.d, rx, ok, c.rx)
		}
	}
	// Out of range, or nonsense bytes: no transfer.
	for _, c := range []struct{ bytes, d float64 }{{1e6, 250}, {-1, 10}, {math.NaN(), 10}} {
		if tt, ok := handLink.TransferTime(c.bytes, c.d); ok || !math.IsInf(tt, 1) {
			t.Errorf("TransferTime(%v, %v) = %v, %v; want +Inf, false", c.bytes, c.d, tt, ok)
		}
		if e, ok := handLink.SenderEnergy(c.bytes, c.d); ok || e != 0 {
			t.Errorf("SenderEnergy(%v, %v) = %v, %v; want 0, false", c.bytes, c.d, e, ok)
		}
	}
}

func TestPresets(t *testing.T) {
	links, err := d2d.Presets()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wifi-direct-5g-20", "wifi-direct-5g-40", "wifi-direct-5g-80", "lte-sidelink-10", "nr-sidelink-20"}
	if len(links) != len(want) {
		t.Fatalf("%d presets, want %d", len(links), len(want))
	}
	for i, l := range links {
		if l.Name != want[i] {
			t.Errorf("preset %d is %q, want %q", i, l.Name, want[i])
		}
		if err := l.Validate(); err != nil {
			t.Error(err)
		}
		// The rate falls with distance (ties where the ceiling holds) and
		// stops at the range.
		prev := math.Inf(1)
		for d := 0.0; d <= l.Range; d += l.Range / 200 {
			r := l.Rate(d)
			if !(r > 0) || r > prev {
				t.Errorf("%s: rate %v at %v m after %v", l.Name, r, d, prev)
			}
			prev = r
		}
		if r := l.Rate(l.Range * 1.001); r != 0 {
			t.Errorf("%s: rate %v beyond range", l.Name, r)
		}
		if !(l.Rate(0) == l.MaxSpectralEff*l.BandwidthHz) {
			t.Errorf("%s: rate at 0 m %v, want the ceiling %v", l.Name, l.Rate(0), l.MaxSpectralEff*l.BandwidthHz)
		}
	}
	// The 20 MHz Wi-Fi preset is the hand-worked link.
	l, err := d2d.Preset("wifi-direct-5g-20")
	if err != nil {
		t.Fatal(err)
	}
	l.Source, l.Name = "test", "hand"
	if l != handLink {
		t.Errorf("wifi-direct-5g-20 = %+v, want %+v", l, handLink)
	}
	if _, err := d2d.Preset("bluetooth"); err == nil || !strings.Contains(err.Error(), "nr-sidelink-20") {
		t.Errorf("Preset(bluetooth): %v, want an error listing the known presets", err)
	}
}

func TestParseLinksErrors(t *testing.T) {
	const header = "name,tech,carrier_ghz,bandwidth_mhz,tx_dbm,noise_figure_db,max_spectral_eff,path_loss_exponent,ref_distance_m,range_m,tx_electrical_w,rx_electrical_w,source\n"
	const good = "a,wifi-direct,5.18,20,20,10,3.9,3,1,200,1,0.6,src\n"
	for _, c := range []struct {
		name, in string
		line     int
		column   string
	}{
		{"empty", "", 1, ""},
		{"unknown column", "name,colour\n", 1, "colour"},
		{"missing column", "name,tech\n", 1, "carrier_ghz"},
		{"duplicate column", "name,name\n", 1, "name"},
		{"not a number", header + good + "b,wifi-direct,5.18,twenty,20,10,3.9,3,1,200,1,0.6,src\n", 3, "bandwidth_mhz"},
		{"duplicate name", "# comment\n" + header + good + good, 4, "name"},
		{"no source", header + "a,wifi-direct,5.18,20,20,10,3.9,3,1,200,1,0.6,\n", 2, "source"},
		{"negative bandwidth", header + "a,wifi-direct,5.18,-20,20,10,3.9,3,1,200,1,0.6,src\n", 2, ""},
		{"zero range", header + "a,wifi-direct,5.18,20,20,10,3.9,3,1,0,1,0.6,src\n", 2, ""},
		{"NaN power", header + "a,wifi-direct,5.18,20,NaN,10,3.9,3,1,200,1,0.6,src\n", 2, ""},
		{"short line", header + "a,wifi-direct\n", 2, ""},
	} {
		_, err := d2d.ParseLinks(strings.NewReader(c.in))
		var pe *d2d.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *ParseError", c.name, err)
			continue
		}
		if pe.Line != c.line || pe.Column != c.column {
			t.Errorf("%s: %v; want line %d, column %q", c.name, err, c.line, c.column)
		}
	}
	links, err := d2d.ParseLinks(strings.NewReader(header + good))
	if err != nil || len(links) != 1 || links[0].BandwidthHz != 20e6 || links[0].CarrierHz != 5.18e9 {
		t.Errorf("ParseLinks(good) = %+v, %v", links, err)
	}
}

func TestLinkValidate(t *testing.T) {
	if err := handLink.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := handLink
	bad.CarrierHz, bad.Range, bad.TxElectricalW, bad.TxDBm = 0, math.Inf(1), -1, math.NaN()
	err := bad.Validate()
	for _, field := range []string{"CarrierHz", "Range", "TxElectricalW", "TxDBm"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate: %v, want it to name %s", err, field)
		}
	}
}
