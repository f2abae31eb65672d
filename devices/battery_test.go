package devices

import (
	"math"
	"testing"
)

func TestBatteryDrain(t *testing.T) {
	// Galaxy S24: 15.1 Wh = 15.1 × 3600 = 54,360 J.
	const full = 15.1 * 3600
	b := NewBatteryState(Battery{CapacityWh: 15.1})
	steps := []struct {
		drain     float64
		wantFlat  bool
		wantLeft  float64
		wantFract float64
	}{
		{0, false, full, 1},
		// An hour of 6 W decoding (GPU 5 W + 1 W base) = 21,600 J:
		// 32,760 J left, 32,760/54,360 = 0.60265.
		{21600, false, 32760, 32760.0 / full},
		// 32,000 J more leaves 760 J, 0.01398.
		{32000, false, 760, 760.0 / full},
		// Exactly the rest: flat.
		{760, true, 0, 0},
		// Draining a flat battery stays flat at zero, never negative.
		{100, true, 0, 0},
	}
	for i, s := range steps {
		flat := b.Drain(s.drain)
		if flat != s.wantFlat || b.Empty() != s.wantFlat ||
			!closeRel(b.Joules(), s.wantLeft, 1e-12) || !closeRel(b.Fraction(), s.wantFract, 1e-12) {
			t.Errorf("step %d (drain %v J): flat %v empty %v, %v J = %v; want flat %v, %v J = %v",
				i, s.drain, flat, b.Empty(), b.Joules(), b.Fraction(), s.wantFlat, s.wantLeft, s.wantFract)
		}
	}
}

func TestBatteryOvershoot(t *testing.T) {
	// A drain larger than the charge flattens the battery at zero.
	b := NewBatteryState(Battery{CapacityWh: 1}) // 3600 J
	if !b.Drain(5000) || b.Joules() != 0 || b.Fraction() != 0 {
		t.Errorf("after draining 5000 J of 3600: %v J, fraction %v", b.Joules(), b.Fraction())
	}
}

func TestBatteryTimeToEmpty(t *testing.T) {
	b := NewBatteryState(Battery{CapacityWh: 15.1})
	// 54,360 J / 6 W = 9,060 s (2.5 h).
	if got := b.TimeToEmpty(6); !closeRel(got, 9060, 1e-12) {
		t.Errorf("TimeToEmpty(6 W) = %v s, want 9060", got)
	}
	if got := b.TimeToEmpty(0); !math.IsInf(got, 1) {
		t.Errorf("TimeToEmpty(0) = %v, want +Inf", got)
	}
}

func TestMainsNeverDrains(t *testing.T) {
	// Edge servers have battery.wh = 0: mains power.
	b := NewBatteryState(Battery{})
	if !b.Mains() || b.Drain(1e12) || b.Empty() || b.Fraction() != 1 ||
		!math.IsInf(b.Joules(), 1) || !math.IsInf(b.TimeToEmpty(400), 1) {
		t.Errorf("mains device: mains %v empty %v fraction %v joules %v", b.Mains(), b.Empty(), b.Fraction(), b.Joules())
	}
}

func TestCatalogueBatteries(t *testing.T) {
	// Phones start full; edge and server devices are on mains.
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.DeviceNames() {
		d, _ := c.Device(name)
		b := NewBatteryState(d.Battery)
		if b.Fraction() != 1 || b.Empty() {
			t.Errorf("%s: new battery at %v", name, b.Fraction())
		}
		if d.Class == "phone" && b.Mains() {
			t.Errorf("%s: a phone without a battery", name)
		}
	}
}

func TestBatteryPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"negative drain", func() { b := NewBatteryState(Battery{CapacityWh: 1}); b.Drain(-1) }},
		{"NaN drain", func() { b := NewBatteryState(Battery{CapacityWh: 1}); b.Drain(math.NaN()) }},
		{"negative capacity", func() { NewBatteryState(Battery{CapacityWh: -1}) }},
		{"negative power", func() { NewBatteryState(Battery{CapacityWh: 1}).TimeToEmpty(-1) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}
