package devices

import (
	"fmt"
	"math"
)

// JoulesPerWh converts watt-hours to joules.
const JoulesPerWh = 3600

// BatteryState is the charge left in a device's battery. Build it with
// NewBatteryState; a device with no battery (Battery.CapacityWh == 0) is on
// mains power and never drains.
type BatteryState struct {
	capacity float64 // joules when full; 0 on mains power
	charge   float64 // joules left
}

// NewBatteryState returns a full battery of the given capacity. It panics
// on a negative or non-finite capacity, which Device.Validate rejects.
func NewBatteryState(b Battery) BatteryState {
	if !(b.CapacityWh >= 0) || math.IsInf(b.CapacityWh, 0) {
		panic(fmt.Sprintf("devices: battery capacity %v Wh", b.CapacityWh))
	}
	j := b.CapacityWh * JoulesPerWh
	return BatteryState{capacity: j, charge: j}
}

// Mains reports whether the device runs on mains power.
func (b BatteryState) Mains() bool { return b.capacity == 0 }

// Drain takes joules from the battery and reports whether it is flat
// afterwards; the charge stops at zero. Draining a flat battery reports
// true again, and a mains-powered device never drains. It panics on
// negative or NaN joules, a programmer error (compute and radio only
// consume).
func (b *BatteryState) Drain(joules float64) (flat bool) {
	if !(joules >= 0) {
		panic(fmt.Sprintf("devices: drain of %v J", joules))
	}
	if b.Mains() {
		return false
	}
	b.charge = max(b.charge-joules, 0)
	return b.charge == 0
}

// Empty reports whether the battery has run flat. A device whose battery
// is empty stops accepting work.
func (b BatteryState) Empty() bool { return !b.Mains() && b.charge == 0 }

// Fraction returns the state of charge in [0, 1]: 1 on mains power.
func (b BatteryState) Fraction() float64 {
	if b.Mains() {
		return 1
	}
	return b.charge / b.capacity
}

// Joules returns the charge left: +Inf on mains power.
func (b BatteryState) Joules() float64 {
	if b.Mains() {
		return math.Inf(1)
	}
	return b.charge
}

// TimeToEmpty returns the seconds a sustained power of watts takes to
// flatten the battery: +Inf on mains power or at zero power.
func (b BatteryState) TimeToEmpty(watts float64) float64 {
	if !(watts >= 0) {
		panic(fmt.Sprintf("devices: power %v W", watts))
	}
	if b.Mains() || watts == 0 {
		return math.Inf(1)
	}
	return b.charge / watts
}
