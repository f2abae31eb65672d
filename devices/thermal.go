package devices

import (
	"fmt"
	"math"
)

// ThermalState is the temperature of one device under its lumped RC model
// (Device.Thermal): a heat capacity C that the power P warms and a
// resistance R to ambient through which it cools,
//
//	C·dT/dt = P − (T − Ta)/R.
//
// Over an interval of constant power the solution is exact,
//
//	T(t) = T∞ + (T0 − T∞)·exp(−t/τ),  T∞ = Ta + P·R,  τ = R·C,
//
// so the state advances by whole intervals of any length without
// step-size error. Build it with NewThermalState; its zero value has no
// thermal model (see Enabled).
//
// The power is held constant over each interval, including while clocks
// are throttled: a throttled chip draws less, so the model runs somewhat
// hot, which matches the measured behaviour of phones that settle at
// their clock floor under sustained LLM load (dossier §4.1: 0.4–0.6 of
// the initial rate for a mobile GPU).
type ThermalState struct {
	Model Thermal // the device's parameters
	TempC float64 // current temperature, °C
}

// NewThermalState returns the state of a device at rest: at ambient
// temperature.
func NewThermalState(th Thermal) ThermalState {
	return ThermalState{Model: th, TempC: th.AmbientC}
}

// Enabled reports whether the model has a heat capacity and a resistance.
// A device without them (edge boxes and servers, whose cooling keeps up)
// never heats and never throttles: Advance leaves the temperature alone
// and ClockScale is 1.
func (s ThermalState) Enabled() bool {
	return s.Model.CapacityJPerK > 0 && s.Model.ResistanceKPerW > 0
}

// Steady returns T∞ = Ta + P·R, the temperature that a sustained power
// of watts approaches.
func (th Thermal) Steady(watts float64) float64 {
	return th.AmbientC + watts*th.ResistanceKPerW
}

// Advance moves the state dt seconds on at a constant power of watts,
// with the exact solution of the RC equation. It panics on a negative or
// NaN dt or power, which are programmer errors.
func (s *ThermalState) Advance(watts, dt float64) {
	checkThermalArgs(watts, dt)
	if !s.Enabled() || dt == 0 {
		return
	}
	s.TempC = s.at(watts, dt)
}

// at returns the temperature t seconds on at a constant power.
func (s ThermalState) at(watts, t float64) float64 {
	inf := s.Model.Steady(watts)
	if math.IsInf(t, 1) {
		return inf
	}
	return inf + (s.TempC-inf)*math.Exp(-t/s.Model.TimeConstant())
}

// ClockScale returns the fraction of full clock the device runs at: 1 at
// or below TripC, falling linearly with temperature to MinClock at MaxC,
// and MinClock above it. Work that takes w seconds at full clock takes
// w / ClockScale at a fixed temperature.
func (s ThermalState) ClockScale() float64 { return s.Model.clockAt(s.TempC) }

func (th Thermal) clockAt(tempC float64) float64 {
	if !(th.CapacityJPerK > 0 && th.ResistanceKPerW > 0) || tempC <= th.TripC {
		return 1
	}
	if tempC >= th.MaxC {
		return th.MinClock
	}
	return 1 - th.slope()*(tempC-th.TripC)
}

// slope is the clock lost per kelvin above TripC.
func (th Thermal) slope() float64 { return (1 - th.MinClock) / (th.MaxC - th.TripC) }

// TimeTo returns the seconds until the temperature reaches tempC at a
// constant power of watts: 0 if it is there already, +Inf if the power
// never takes it there (the steady temperature stops short, or the model
// is disabled).
func (s ThermalState) TimeTo(tempC, watts float64) float64 {
	checkThermalArgs(watts, 0)
	if s.TempC == tempC {
		return 0
	}
	if !s.Enabled() {
		return math.Inf(1)
	}
	inf := s.Model.Steady(watts)
	// T moves monotonically from T0 towards T∞; it reaches tempC only if
	// tempC lies strictly between them (T∞ itself only as t → ∞).
	if (tempC-s.TempC)*(inf-tempC) <= 0 {
		return math.Inf(1)
	}
	return s.Model.TimeConstant() * math.Log((inf-s.TempC)/(inf-tempC))
}

// TimeToThrottle returns the seconds at a sustained power of watts until
// the clocks start to slow (the temperature passes TripC): 0 if they are
// already slowed, +Inf if that power never throttles the device.
func (s ThermalState) TimeToThrottle(watts float64) float64 {
	if s.TempC > s.Model.TripC {
		return 0
	}
	if !s.Enabled() || s.Model.Steady(watts) <= s.Model.TripC {
		return math.Inf(1)
	}
	return s.TimeTo(s.Model.TripC, watts)
}

// Run performs work that takes work seconds at full clock, at a constant
// power of watts, and returns the wall-clock seconds it takes; the state
// advances by that time. The work progresses at ClockScale(T(t)), so
//
//	work = ∫₀^wall ClockScale(T(t)) dt.
//
// The temperature moves monotonically over a constant-power interval, so
// it crosses TripC and MaxC at most once each; between crossings the
// integral has a closed form. Below TripC and above MaxC the rate is
// constant (1 and MinClock); between them it is linear in T, so
//
//	∫₀^t s dt' = a·t − b·(1 − exp(−t/τ)),
//	a = 1 − k·(T∞ − TripC),  b = k·(T0 − T∞)·τ,  k = (1 − MinClock)/(MaxC − TripC),
//
// which is inverted by safeguarded Newton iteration to 1e-12 relative.
// Run panics on negative or NaN arguments.
func (s *ThermalState) Run(work, watts float64) float64 {
	checkThermalArgs(watts, work)
	if !s.Enabled() || work == 0 {
		return work
	}
	th := s.Model
	inf := th.Steady(watts)
	wall := 0.0
	for range 4 { // at most three regions: below TripC, the band, above MaxC
		T0 := s.TempC
		rising := inf > T0
		// The region the next instant is in, and the temperature that ends it.
		var next float64 // boundary in the direction of travel, NaN if none
		var region int   // 0 below TripC, 1 in the band, 2 above MaxC
		switch {
		case T0 < th.TripC || (T0 == th.TripC && !rising):
			region, next = 0, th.TripC
		case T0 < th.MaxC || (T0 == th.MaxC && !rising):
			region = 1
			if rising {
				next = th.MaxC
			} else {
				next = th.TripC
			}
		default:
			region, next = 2, th.MaxC
		}
		// Regions 0 and 2 are left only towards the band.
		if (region == 0 && !rising) || (region == 2 && rising) {
			next = math.NaN()
		}
		leave := math.Inf(1)
		if !math.IsNaN(next) {
			leave = s.TimeTo(next, watts)
		}
		if region != 1 {
			rate := 1.0
			if region == 2 {
				rate = th.MinClock
			}
			if work <= rate*leave {
				t := work / rate
				s.Advance(watts, t)
				return wall + t
			}
			work -= rate * leave
			wall += leave
			s.TempC = next // exactly, not by a rounded exponential
			continue
		}
		k, tau := th.slope(), th.TimeConstant()
		a := 1 - k*(inf-th.TripC)
		b := k * (T0 - inf) * tau
		progress := func(t float64) float64 { return a*t + b*math.Expm1(-t/tau) }
		if done := progress(leave); work >= done {
			work -= done
			wall += leave
			s.TempC = next
			continue
		}
		// In the band the rate is at least MinClock, so work/MinClock
		// bounds the time from above.
		t := solveIncreasing(progress, func(t float64) float64 { return th.clockAt(s.at(watts, t)) }, work, min(leave, work/th.MinClock))
		s.Advance(watts, t)
		return wall + t
	}
	panic(fmt.Sprintf("devices: ThermalState.Run did not finish (T=%v, P=%v)", s.TempC, watts))
}

// solveIncreasing returns t in [0, hi] with f(t) = y, for f increasing
// with derivative df > 0 and f(0) = 0 ≤ y ≤ f(hi): Newton steps, kept in
// a shrinking bracket and replaced by bisection when they leave it.
func solveIncreasing(f, df func(float64) float64, y, hi float64) float64 {
	lo, t := 0.0, y // at full clock the work takes y seconds: a good start
	if t > hi {
		t = hi
	}
	for range 100 {
		g := f(t) - y
		if math.Abs(g) <= 1e-12*y {
			return t
		}
		if g > 0 {
			hi = t
		} else {
			lo = t
		}
		next := t - g/df(t)
		if !(next > lo && next < hi) {
			next = (lo + hi) / 2
		}
		if next == t {
			return t
		}
		t = next
	}
	return t
}

func checkThermalArgs(watts, dt float64) {
	if !(watts >= 0) || !(dt >= 0) {
		panic(fmt.Sprintf("devices: thermal power %v W and duration %v s must be non-negative", watts, dt))
	}
}
