package topology

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

func TestDefaultCatalogue(t *testing.T) {
	c := presetCatalogue(t)
	if got, want := strings.Join(c.CellNames(), ","), "lte-macro,nr-macro,nr-small,wifi6-ap"; got != want {
		t.Errorf("cells %s, want %s", got, want)
	}
	if got, want := strings.Join(c.WiredNames(), ","), "backhaul,wan"; got != want {
		t.Errorf("wired %s, want %s", got, want)
	}
	if got, want := strings.Join(c.CQITableNames(), ","), "nr-256qam,nr-64qam"; got != want {
		t.Errorf("CQI tables %s, want %s", got, want)
	}
	for _, name := range c.CellNames() {
		p, _ := c.Cell(name)
		if _, err := p.Model(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, g := range []Grid{p.DownlinkGrid(), p.UplinkGrid()} {
			if err := g.Validate(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if p.OccupiedHz() > p.BandwidthHz || p.Source == "" || p.Downlink.Channel.NoiseDBmPerHz != -174 {
			t.Errorf("%s: occupied %v of %v Hz, noise %v, source %q", name, p.OccupiedHz(), p.BandwidthHz, p.Downlink.Channel.NoiseDBmPerHz, p.Source)
		}
	}
	for _, name := range c.WiredNames() {
		w, _ := c.Wired(name)
		if !(w.Bandwidth > 0) || w.Latency < 0 || w.Source == "" {
			t.Errorf("%s: %+v", name, w)
		}
	}
}

func TestCellPresetValues(t *testing.T) {
	c := presetCatalogue(t)
	nr, err := c.Cell("nr-macro")
	if err != nil {
		t.Fatal(err)
	}
	if nr.RBs != 273 || nr.RBHz != 360e3 || nr.TTI != sim.Millisecond/2 || nr.CarrierGHz != 3.5 || nr.BandwidthHz != 100e6 {
		t.Errorf("nr-macro grid: %d RBs of %v Hz every %v at %v GHz in %v Hz", nr.RBs, nr.RBHz, nr.TTI, nr.CarrierGHz, nr.BandwidthHz)
	}
	if nr.Downlink.TxPowerDBm != 53 || nr.Uplink.TxPowerDBm != 23 ||
		nr.Downlink.Channel.NoiseFigureDB != 9 || nr.Uplink.Channel.NoiseFigureDB != 5 {
		t.Errorf("nr-macro budgets: %+v / %+v", nr.Downlink, nr.Uplink)
	}
	if nr.Downlink.Rate.CQI.Name() != "nr-256qam" || nr.Uplink.Rate.CQI.Name() != "nr-64qam" || nr.Downlink.Channel.MaxSpectralEff != 7.4063 {
		t.Errorf("nr-macro rate models: %+v / %+v", nr.Downlink.Rate, nr.Uplink.Rate)
	}
	lte, _ := c.Cell("lte-macro")
	if lte.Downlink.Rate.Efficiency != 0.6 || lte.Uplink.Rate.Efficiency != 0.4 || !near(lte.Uplink.Rate.MinSINR, 0.1, relTol) ||
		lte.Uplink.Rate.MaxSpectralEff != 2 || lte.Downlink.Rate.CQI != nil {
		t.Errorf("lte-macro rate models: %+v / %+v", lte.Downlink.Rate, lte.Uplink.Rate)
	}
	wifi, _ := c.Cell("wifi6-ap")
	if wifi.Downlink.Rate.MinSINR != 0 || wifi.Downlink.Rate.CQI != nil {
		t.Errorf("wifi6-ap: empty min SINR and CQI should give none: %+v", wifi.Downlink.Rate)
	}
	wan, _ := c.Wired("wan")
	if wan.Bandwidth != 1e9 || wan.Latency != 0.03 {
		t.Errorf("wan: %+v", wan)
	}
	// 1 MB over the WAN preset: 30 ms + 8e6/1e9 s = 38 ms.
	if got := wan.TransferTime(8e6); !near(got, 0.038, relTol) {
		t.Errorf("wan transfer time %v, want 0.038 s", got)
	}
}

// TestPresetLinkBudgets works three presets through by hand.
func TestPresetLinkBudgets(t *testing.T) {
	c := presetCatalogue(t)
	for _, tc := range []struct {
		cell string
		d    float64
		los  bool
		up   bool
		want float64 // bit/s over the whole grid
	}{
		// nr-macro downlink, 200 m NLOS: UMa loss 114.4620 dB (see
		// TestPathLossHandComputed), received 53 − 114.4620 = −61.4620 dBm;
		// noise over 273·360 kHz = 98.28 MHz: −174 + 9 + 79.9247 =
		// −85.0753 dBm; SNR 23.6134 dB lies between the 256QAM table's
		// CQI 12 (22.7 dB) and 13 (24.8 dB), so 5.5547 bit/s/Hz:
		// 98.28e6 · 5.5547 = 545.915916 Mbit/s.
		{"nr-macro", 200, false, false, 545915916},
		// wifi6-ap downlink, 10 m LOS: InH loss 64.6546 dB, received
		// −44.6546 dBm; noise over 37·2031.25 kHz = 75.15625 MHz:
		// −174 + 7 + 78.7597 = −88.2403 dBm; SNR 43.59 dB, Shannon
		// 14.5 bit/s/Hz capped at 7.5063: 75.15625e6·7.5063 = 564.145359 Mbit/s.
		{"wifi6-ap", 10, true, false, 564145359.375},
		// lte-macro uplink, 500 m: as TestLinkBudget, over 100·180 kHz.
		{"lte-macro", 500, false, true, 10870055.74},
	} {
		p, err := c.Cell(tc.cell)
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.Model()
		if err != nil {
			t.Fatal(err)
		}
		b := p.Downlink
		if tc.up {
			b = p.Uplink
		}
		hz := p.OccupiedHz()
		rate := b.RateAt(hz, b.SINR(hz, b.RxWatts(m.LossDB(tc.d, tc.los))))
		if !near(rate, tc.want, 1e-8) {
			t.Errorf("%s at %v m: %v bit/s, want %v", tc.cell, tc.d, rate, tc.want)
		}
	}
}

func TestUnknownNames(t *testing.T) {
	c := presetCatalogue(t)
	for _, tc := range []struct {
		err  error
		want error
		list string
	}{
		{func() error { _, err := c.Cell("5g"); return err }(), ErrUnknownCell, "lte-macro, nr-macro, nr-small, wifi6-ap"},
		{func() error { _, err := c.Wired("fibre"); return err }(), ErrUnknownWired, "backhaul, wan"},
		{func() error { _, err := c.CQITable("lte"); return err }(), ErrUnknownCQITable, "nr-256qam, nr-64qam"},
	} {
		if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.list) {
			t.Errorf("error %v: want %v listing %s", tc.err, tc.want, tc.list)
		}
	}
}

const cellsHeader = "name,technology,pathloss,carrier_ghz,bandwidth_mhz,rbs,rb_khz,tti_ms,isd_m,bs_height_m,ue_height_m,bs_power_dbm,ue_power_dbm,bs_noise_figure_db,ue_noise_figure_db,dl_efficiency,ul_efficiency,dl_min_sinr_db,ul_min_sinr_db,dl_max_se,ul_max_se,dl_cqi,ul_cqi,source\n"

// goodCell is a valid row to mutate: a 10 MHz LTE-like cell.
const goodCell = "test,lte,macro,2,10,50,180,1,500,25,1.5,46,23,5,9,1,1,,,4,2,nr-64qam,,here"

func TestParseCatalogueErrors(t *testing.T) {
	for _, tc := range []struct {
		name, cells, wired string
		line               int
		column, want       string
	}{
		{"unknown path loss", strings.Replace(goodCell, "macro", "hata", 1), "", 3, "pathloss", "unknown path-loss model"},
		{"path loss out of range", strings.Replace(goodCell, "lte,macro,2,", "nr,umi,200,", 1), "", 3, "pathloss", "0.5–100 GHz"},
		{"unknown CQI table", strings.Replace(goodCell, "nr-64qam", "lte-cqi", 1), "", 3, "dl_cqi", "unknown CQI table"},
		{"grid wider than the channel", strings.Replace(goodCell, ",50,180,", ",60,180,", 1), "", 3, "rbs", "more than the 10 MHz channel"},
		{"efficiency above 1", strings.Replace(goodCell, ",1,1,,,", ",1.2,1,,,", 1), "", 3, "dl_efficiency", "0 < η ≤ 1"},
		{"bad technology", strings.Replace(goodCell, ",lte,", ",5g,", 1), "", 3, "technology", "want lte, nr or wifi"},
		{"not a number", strings.Replace(goodCell, ",46,", ",lots,", 1), "", 3, "bs_power_dbm", "not a finite number"},
		{"no source", strings.TrimSuffix(goodCell, "here"), "", 3, "source", "empty"},
		{"duplicate", goodCell + "\n" + goodCell, "", 4, "name", "already defined on line 3"},
		{"bad wired", "", "name,bandwidth_gbps,latency_ms,source\nx,0,1,y\n", 2, "bandwidth_gbps", "want > 0"},
	} {
		files := CatalogueFiles{CellsName: "cells.csv", WiredName: "wired.csv"}
		if tc.cells != "" {
			files.Cells = strings.NewReader("# a comment line\n" + cellsHeader + tc.cells + "\n")
		}
		if tc.wired != "" {
			files.Wired = strings.NewReader(tc.wired)
		}
		_, err := ParseCatalogue(files)
		pe, ok := errors.AsType[*ParseError](err)
		if !ok {
			t.Errorf("%s: error %v, want a *ParseError", tc.name, err)
			continue
		}
		file := "cells.csv"
		if tc.wired != "" {
			file = "wired.csv"
		}
		if pe.File != file || pe.Line != tc.line || pe.Column != tc.column || !strings.Contains(pe.Error(), tc.want) {
			t.Errorf("%s: %v; want %s line %d column %s containing %q", tc.name, err, file, tc.line, tc.column, tc.want)
		}
	}
	// The good row parses, with the built-in CQI tables and wired presets.
	c, err := ParseCatalogue(CatalogueFiles{Cells: strings.NewReader(cellsHeader + goodCell)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Cell("test")
	if err != nil || p.Uplink.Rate.CQI != nil || p.Downlink.Rate.CQI.Name() != "nr-64qam" || !math.IsInf(-ToDB(p.Uplink.Rate.MinSINR), 1) {
		t.Errorf("test cell: %+v, %v", p, err)
	}
	if _, err := c.Wired("wan"); err != nil {
		t.Error(err)
	}
}
