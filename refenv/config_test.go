package refenv

import (
	"math"
	"strings"
	"testing"
)

func TestReferenceIsValid(t *testing.T) {
	c := Reference()
	if err := c.Validate(); err != nil {
		t.Fatalf("Reference().Validate() = %v", err)
	}
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if cols, feats := e.Shape(); cols != 11 || feats != 67 {
		t.Errorf("Shape() = %d, %d; want 11, 67", cols, feats)
	}
}

// Every bad setting is refused with the field's name in the error.
func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(*Config)
	}{
		{"Edges", func(c *Config) { c.Edges = -1 }},
		{"MaxEdges", func(c *Config) { c.MinEdges, c.MaxEdges = 5, 4 }},
		{"MinEdges", func(c *Config) { c.MinEdges = 0 }},
		{"Columns", func(c *Config) { c.Columns = 10 }},              // MaxEdges 10 needs 11
		{"Columns", func(c *Config) { c.Edges, c.Columns = 12, 11 }}, // a fixed E needs E+1
		{"Users", func(c *Config) { c.Users = 0 }},
		{"Slots", func(c *Config) { c.Slots = 0 }},
		{"SlotSeconds", func(c *Config) { c.SlotSeconds = 0 }},
		{"SlotSeconds", func(c *Config) { c.SlotSeconds = math.NaN() }},
		{"ArrivalsPerSlot", func(c *Config) { c.ArrivalsPerSlot = -1 }},
		{"ArrivalsPerSlot", func(c *Config) { c.ArrivalsPerSlot = 1000 }},
		{"CyclesPerBit", func(c *Config) { c.CyclesPerBit = 0 }},
		{"CloudGHz", func(c *Config) { c.CloudGHz = [2]float64{5, 3} }},
		{"EdgeGHz", func(c *Config) { c.EdgeGHz = [2]float64{0, 2} }},
		{"Kappa", func(c *Config) { c.Kappa = -1e-31 }},
		{"CloudDistanceM", func(c *Config) { c.CloudDistanceM = [2]float64{0, 100} }},
		{"EdgeDistanceM", func(c *Config) { c.EdgeDistanceM = [2]float64{50, math.Inf(1)} }},
		{"PathLossDB", func(c *Config) { c.PathLossDB = math.NaN() }},
		{"PathLossSlope", func(c *Config) { c.PathLossSlope = math.Inf(1) }},
		{"ShadowingDB", func(c *Config) { c.ShadowingDB = math.NaN() }},
		{"BandwidthHz", func(c *Config) { c.BandwidthHz = 0 }},
		{"NoiseDBmPerHz", func(c *Config) { c.NoiseDBmPerHz = math.Inf(-1) }},
		{"TxPowerW", func(c *Config) { c.TxPowerW = 0 }},
		{"Rate", func(c *Config) { c.Rate = 7 }},
		{"Delay", func(c *Config) { c.Delay = -1 }},
		{"MinTaskMbit", func(c *Config) { c.MinTaskMbit = 0 }},
		{"MaxTaskMbit", func(c *Config) { c.MaxTaskMbit = 0.05 }},
		{"EnergyScale", func(c *Config) { c.EnergyScale = -50 }},
		{"DelayScale", func(c *Config) { c.DelayScale = math.NaN() }},
		{"Bins", func(c *Config) { c.Bins = 0 }},
		{"BinMbit", func(c *Config) { c.BinMbit = 0 }},
		{"PadValue", func(c *Config) { c.PadValue = math.NaN() }},
	} {
		c := Reference()
		tc.set(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted a bad value", tc.field)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name the field", tc.field, err)
		}
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted a bad config", tc.field)
		}
	}
}

// All violations come back together.
func TestValidateReportsAll(t *testing.T) {
	c := Reference()
	c.Users, c.Bins, c.TxPowerW = 0, 0, -1
	err := c.Validate()
	for _, f := range []string{"Users", "Bins", "TxPowerW"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
}

// A fixed E needs no MinEdges/MaxEdges, and a smaller E needs fewer
// columns.
func TestValidateFixedEdges(t *testing.T) {
	c := Reference()
	c.Edges, c.MinEdges, c.MaxEdges, c.Columns = 3, 0, 0, 4
	if err := c.Validate(); err != nil {
		t.Errorf("fixed E = 3 with 4 columns: %v", err)
	}
}
