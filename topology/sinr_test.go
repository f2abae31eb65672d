package topology

import (
	"math"
	"testing"
)

func TestSINR(t *testing.T) {
	// 1 nW over 0.1 nW of noise and 0.2 + 0.7 nW of interference: 1.
	if got := SINR(1e-9, 1e-10, 2e-10, 7e-10); !near(got, 1, relTol) {
		t.Errorf("SINR = %v, want 1", got)
	}
	if got := SINR(1e-9, 1e-10); !near(got, 10, relTol) {
		t.Errorf("SNR = %v, want 10", got)
	}
	// Noise over 1 MHz at −174 dBm/Hz and a 9 dB noise figure:
	// 10^((−174 + 9 − 30)/10)·1e6 = 3.16228e−14 W; a −90 dBm (1e−12 W)
	// signal has SNR 31.6228 (15 dB), and a −95 dBm interferer
	// (3.16228e−13 W) brings it to 1e−12/3.47851e−13 = 2.87480.
	c := Channel{NoiseDBmPerHz: ThermalNoiseDBmPerHz, NoiseFigureDB: 9}
	if got := c.SINR(1e6, DBmToWatts(-90)); !near(got, 31.6227766, 1e-8) {
		t.Errorf("Channel.SINR = %v, want 31.6228", got)
	}
	if got := c.SINR(1e6, DBmToWatts(-90), DBmToWatts(-95)); !near(got, 1/(0.0316227766+0.316227766), 1e-8) {
		t.Errorf("Channel.SINR with interference = %v, want 2.87480", got)
	}
}

func TestDBConversions(t *testing.T) {
	for _, c := range []struct{ db, lin float64 }{{0, 1}, {10, 10}, {-10, 0.1}, {3, 1.9952623149688795}} {
		if got := FromDB(c.db); !near(got, c.lin, relTol) {
			t.Errorf("FromDB(%v) = %v, want %v", c.db, got, c.lin)
		}
		if got := ToDB(c.lin); !near(got, c.db, relTol) {
			t.Errorf("ToDB(%v) = %v, want %v", c.lin, got, c.db)
		}
	}
	if got := WattsToDBm(0.2); !near(got, 23.010299956639813, relTol) {
		t.Errorf("WattsToDBm(0.2) = %v, want 23.0103", got)
	}
	if got := WattsToDBm(DBmToWatts(46)); !near(got, 46, relTol) {
		t.Errorf("round trip of 46 dBm gave %v", got)
	}
}

func TestChannelRateSINR(t *testing.T) {
	c := Channel{}
	// 1 MHz at SINR 15: 1e6·log2(16) = 4 Mbit/s.
	if got := c.RateSINR(1e6, 15); !near(got, 4e6, relTol) {
		t.Errorf("RateSINR = %v, want 4e6", got)
	}
	c.MaxSpectralEff = 3
	if got := c.RateSINR(1e6, 15); !near(got, 3e6, relTol) {
		t.Errorf("capped RateSINR = %v, want 3e6", got)
	}
	for _, bad := range [][2]float64{{0, 15}, {1e6, 0}, {1e6, -1}, {1e6, math.NaN()}} {
		if got := c.RateSINR(bad[0], bad[1]); got != 0 {
			t.Errorf("RateSINR(%v, %v) = %v, want 0", bad[0], bad[1], got)
		}
	}
	// With no interference, Rate and RateSINR agree.
	c = Channel{NoiseDBmPerHz: -174, NoiseFigureDB: 7}
	rx := DBmToWatts(-100)
	if a, b := c.Rate(5e6, rx), c.RateSINR(5e6, c.SINR(5e6, rx)); !near(a, b, relTol) {
		t.Errorf("Rate %v and RateSINR %v differ", a, b)
	}
}

// TestRateModel uses the LTE downlink of TR 36.942 Annex A.2: η = 0.6,
// SINR_min = −10 dB, a cap of 4.4 bit/s/Hz.
func TestRateModel(t *testing.T) {
	lte := RateModel{Efficiency: 0.6, MinSINR: FromDB(-10), MaxSpectralEff: 4.4}
	for _, c := range []struct {
		name   string
		m      RateModel
		sinrDB float64
		want   float64 // bit/s/Hz
	}{
		{"lte 10 dB", lte, 10, 2.0756590},         // 0.6·log2(11) = 0.6·3.459432
		{"lte at the floor", lte, -10, 0.0825021}, // 0.6·log2(1.1) = 0.6·0.137504
		{"lte below the floor", lte, -10.5, 0},
		{"lte capped", lte, 30, 4.4}, // 0.6·log2(1001) = 5.98 > 4.4
		{"plain shannon", RateModel{}, 0, 1},
		{"nr-64qam at 12 dB", RateModel{CQI: presetCQI(t, "nr-64qam")}, 12, 2.7305},                          // CQI 10 from 11.7 dB
		{"nr-64qam at 5.9 dB", RateModel{CQI: presetCQI(t, "nr-64qam")}, 5.9, 1.4766},                        // exactly CQI 7's threshold
		{"nr-64qam at −7 dB", RateModel{CQI: presetCQI(t, "nr-64qam")}, -7, 0},                               // CQI 0: out of range
		{"nr-256qam at 30 dB", RateModel{CQI: presetCQI(t, "nr-256qam")}, 30, 7.4063},                        // CQI 15
		{"nr-256qam capped by η", RateModel{Efficiency: 0.5, CQI: presetCQI(t, "nr-256qam")}, 30, 4.9836131}, // 0.5·log2(1001) = 4.983613 < 7.4063
	} {
		if got := c.m.SpectralEff(FromDB(c.sinrDB)); math.Abs(got-c.want) > 5e-7 {
			t.Errorf("%s: SpectralEff = %.7f, want %.7f", c.name, got, c.want)
		}
	}
	if got := lte.Rate(10e6, 10); !near(got, 10e6*2.0756590, 1e-7) {
		t.Errorf("Rate over 10 MHz at 10 dB = %v", got)
	}
	if err := lte.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []RateModel{{Efficiency: 1.5}, {Efficiency: -0.1}, {MinSINR: -1}, {MaxSpectralEff: math.Inf(1)}, {Efficiency: math.NaN()}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestCQITable(t *testing.T) {
	tab := presetCQI(t, "nr-64qam")
	if cqi, se := tab.Lookup(FromDB(22.7)); cqi != 15 || se != 5.5547 {
		t.Errorf("Lookup(22.7 dB) = %d, %v; want 15, 5.5547", cqi, se)
	}
	if cqi, se := tab.Lookup(FromDB(-6.8)); cqi != 0 || se != 0 {
		t.Errorf("Lookup(−6.8 dB) = %d, %v; want 0, 0", cqi, se)
	}
	if cqi, _ := tab.Lookup(math.NaN()); cqi != 0 {
		t.Errorf("Lookup(NaN) = CQI %d", cqi)
	}
	if got := tab.MaxSpectralEff(); got != 5.5547 {
		t.Errorf("MaxSpectralEff = %v", got)
	}
	if n := len(tab.Entries()); n != 15 {
		t.Errorf("%d entries, want 15", n)
	}
	// Each efficiency is modulation order × code rate / 1024, to the
	// table's 4 decimals (TS 38.214 lists them so).
	bits := map[string]float64{"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}
	for _, name := range []string{"nr-64qam", "nr-256qam"} {
		for _, e := range presetCQI(t, name).Entries() {
			if want := bits[e.Modulation] * e.CodeRate / 1024; math.Abs(e.Efficiency-want) > 6e-5 {
				t.Errorf("%s CQI %d: efficiency %v, but %s at %v/1024 gives %v", name, e.CQI, e.Efficiency, e.Modulation, e.CodeRate, want)
			}
		}
	}
	for _, bad := range [][]CQIEntry{
		nil,
		{{CQI: 1, Efficiency: 1, SINRDB: 0}, {CQI: 2, Efficiency: 0.5, SINRDB: 3}}, // efficiency falls
		{{CQI: 1, Efficiency: 1, SINRDB: 0}, {CQI: 2, Efficiency: 2, SINRDB: 0}},   // threshold does not rise
		{{CQI: 1, Efficiency: 0, SINRDB: 0}},
		{{CQI: 1, Efficiency: 1, SINRDB: math.Inf(1)}},
	} {
		if _, err := NewCQITable("bad", bad); err == nil {
			t.Errorf("NewCQITable(%v) accepted", bad)
		}
	}
}

func TestLinkBudget(t *testing.T) {
	b := LinkBudget{TxPowerDBm: 23, Channel: Channel{NoiseDBmPerHz: -174, NoiseFigureDB: 5}, Rate: RateModel{Efficiency: 0.4, MinSINR: 0.1, MaxSpectralEff: 2}}
	// 23 dBm through 116.7813 dB (the macro model at 500 m) is
	// −93.7813 dBm; the noise over 18 MHz is −174 + 5 + 72.5527 =
	// −96.4473 dBm, so SNR = 2.6660 dB = 1.847567 and the rate is
	// 18e6·0.4·log2(2.847567) = 18e6·0.603892 = 10.870056 Mbit/s.
	rx := b.RxWatts(MacroPathLoss(500))
	if got := WattsToDBm(rx); !near(got, -93.7812721630343, relTol) {
		t.Errorf("RxWatts = %v dBm", got)
	}
	sinr := b.SINR(18e6, rx)
	if !near(sinr, 1.847567349, 1e-8) {
		t.Errorf("SINR = %v, want 1.847567", sinr)
	}
	if got := b.RateAt(18e6, sinr); !near(got, 10870055.74, 1e-8) {
		t.Errorf("RateAt = %v, want 10.870056 Mbit/s", got)
	}
}

// testTable returns a CQI table of the built-in catalogue.
func presetCQI(t *testing.T, name string) *CQITable {
	t.Helper()
	c := presetCatalogue(t)
	tab, err := c.CQITable(name)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func presetCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
