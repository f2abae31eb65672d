package devices

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// thermalFixture is a phone-class RC model with τ = R·C = 4 × 12 = 48 s,
// inside the 30–60 s of dossier §4.1, and R chosen so that 6 W (a mobile
// GPU at 5 W plus 1 W for the rest of the phone) settles at 25 + 6·4 =
// 49 °C, above MaxC: a phone whose sustained budget is about 3–4 W
// (dossier §1.1) throttles under GPU decode and settles at MinClock.
// These are the figures proposed for the galaxy-s24 profile.
var thermalFixture = Thermal{
	CapacityJPerK: 12, ResistanceKPerW: 4, AmbientC: 25,
	TripC: 40, MaxC: 48, MinClock: 0.5,
	Source: "test fixture",
}

const (
	thermalTol = 1e-9 // relative, for closed forms evaluated two ways
	refTol     = 1e-4 // relative, against the naive reference integration
)

func closeRel(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300)
}

func TestThermalAdvanceOneStep(t *testing.T) {
	// C = 40 J/K, R = 1.2 K/W: τ = 48 s. From 25 °C at 10 W for one τ:
	// T∞ = 25 + 10·1.2 = 37, T = 37 − 12·e⁻¹ = 32.585447...
	th := Thermal{CapacityJPerK: 40, ResistanceKPerW: 1.2, AmbientC: 25, TripC: 40, MaxC: 48, MinClock: 0.5}
	s := NewThermalState(th)
	s.Advance(10, 48)
	want := 37 - 12*math.Exp(-1)
	if !closeRel(s.TempC, want, thermalTol) {
		t.Fatalf("T after one τ = %v, want %v", s.TempC, want)
	}
	// Energy balance over the step, by hand:
	//   in     P·t = 10·48 = 480 J
	//   stored C·ΔT = 40·(12 − 12/e) = 480·(1 − 1/e) = 303.42 J
	//   lost   ∫(T−Ta)/R dt = (12·48 − 12·48·(1 − 1/e))/1.2 = 480/e = 176.58 J
	stored := th.CapacityJPerK * (s.TempC - th.AmbientC)
	if !closeRel(stored, 480*(1-math.Exp(-1)), thermalTol) {
		t.Errorf("stored %v J, want 480(1 − 1/e) = %v", stored, 480*(1-math.Exp(-1)))
	}
	// The loss integrated independently (Simpson on 1000 sub-steps, each
	// advanced by the exact solution) must close the balance.
	lost := simpsonLoss(NewThermalState(th), 10, 48, 1000)
	if !closeRel(lost, 480/math.E, 1e-8) {
		t.Errorf("lost %v J, want 480/e = %v", lost, 480/math.E)
	}
	if !closeRel(stored+lost, 480, 1e-8) {
		t.Errorf("stored + lost = %v J, want the 480 J put in", stored+lost)
	}
}

// simpsonLoss integrates (T − Ta)/R over dt seconds at watts, with n
// (even) Simpson intervals.
func simpsonLoss(s ThermalState, watts, dt float64, n int) float64 {
	h := dt / float64(n)
	f := func(s ThermalState) float64 { return (s.TempC - s.Model.AmbientC) / s.Model.ResistanceKPerW }
	sum := f(s)
	for i := 1; i <= n; i++ {
		s.Advance(watts, h)
		w := 2.0
		if i == n {
			w = 1
		} else if i%2 == 1 {
			w = 4
		}
		sum += w * f(s)
	}
	return sum * h / 3
}

func TestThermalAdvanceIsExact(t *testing.T) {
	// One step of 100 s equals a thousand of 0.1 s: the exact solution has
	// no step-size error (Euler would not compose).
	one, many := NewThermalState(thermalFixture), NewThermalState(thermalFixture)
	one.Advance(7, 100)
	for range 1000 {
		many.Advance(7, 0.1)
	}
	if !closeRel(one.TempC, many.TempC, 1e-12) {
		t.Errorf("one step %v °C, 1000 steps %v °C", one.TempC, many.TempC)
	}
}

func TestThermalCoolsToAmbient(t *testing.T) {
	// At rest from 45 °C: T = 25 + 20·e^(−t/τ); after 10τ, 20·e⁻¹⁰ = 9.1e-4 K.
	s := ThermalState{Model: thermalFixture, TempC: 45}
	tau := thermalFixture.TimeConstant()
	s.Advance(0, tau)
	if want := 25 + 20*math.Exp(-1); !closeRel(s.TempC, want, thermalTol) {
		t.Errorf("after τ at rest: %v °C, want %v", s.TempC, want)
	}
	s.Advance(0, 9*tau)
	if want := 25 + 20*math.Exp(-10); !closeRel(s.TempC, want, thermalTol) {
		t.Errorf("after 10τ at rest: %v °C, want %v", s.TempC, want)
	}
	s.Advance(0, math.Inf(1))
	if s.TempC != 25 {
		t.Errorf("at rest for ever: %v °C, want ambient 25", s.TempC)
	}
}

func TestClockScale(t *testing.T) {
	// 1 up to TripC 40, then −(1 − 0.5)/(48 − 40) = −1/16 per kelvin, floor 0.5.
	for _, c := range []struct{ tempC, want float64 }{
		{-10, 1}, {25, 1}, {40, 1}, {41, 1 - 1.0/16}, {44, 0.75}, {47, 1 - 7.0/16}, {48, 0.5}, {80, 0.5},
	} {
		s := ThermalState{Model: thermalFixture, TempC: c.tempC}
		if got := s.ClockScale(); !closeRel(got, c.want, 1e-15) {
			t.Errorf("ClockScale at %v °C = %v, want %v", c.tempC, got, c.want)
		}
	}
}

func TestTimeToThrottle(t *testing.T) {
	// t = τ·ln((T∞ − T0)/(T∞ − TripC)), τ = 48 s, T0 = 25.
	for _, c := range []struct {
		name  string
		t0, w float64
		want  float64
	}{
		// 6 W: T∞ = 49; 48·ln(24/9) = 47.0798 s, about one τ.
		{"gpu decode 6 W", 25, 6, 48 * math.Log(24.0/9)},
		// 8.23 W (GPU 5 + NPU 2.23 + base 1): T∞ = 57.92; 48·ln(32.92/17.92).
		{"gpu+npu 8.23 W", 25, 8.23, 48 * math.Log(32.92/17.92)},
		// 3.23 W (NPU 2.23 + base 1): T∞ = 37.92 < 40, never.
		{"npu decode 3.23 W", 25, 3.23, math.Inf(1)},
		// 3.75 W settles exactly at TripC: never above it.
		{"steady at trip", 25, 3.75, math.Inf(1)},
		{"already hot", 41, 0, 0},
		// Warm start: from 35 °C at 6 W, 48·ln(14/9).
		{"warm start", 35, 6, 48 * math.Log(14.0/9)},
	} {
		s := ThermalState{Model: thermalFixture, TempC: c.t0}
		got := s.TimeToThrottle(c.w)
		if !closeRel(got, c.want, thermalTol) {
			t.Errorf("%s: TimeToThrottle = %v s, want %v", c.name, got, c.want)
		}
		if !math.IsInf(got, 1) && got > 0 {
			s.Advance(c.w, got)
			if !closeRel(s.TempC, thermalFixture.TripC, 1e-12) {
				t.Errorf("%s: after %v s at %v W the temperature is %v, want TripC", c.name, got, c.w, s.TempC)
			}
		}
	}
}

// naiveRun integrates the work's progress with small steps of dt, each
// advancing the temperature exactly and progressing at the clock scale of
// the step's midpoint, and interpolates the last step: the reference for
// Run.
func naiveRun(s *ThermalState, work, watts, dt float64) float64 {
	wall := 0.0
	for {
		mid := *s
		mid.Advance(watts, dt/2)
		rate := mid.ClockScale()
		if rate*dt >= work {
			s.Advance(watts, work/rate)
			return wall + work/rate
		}
		work -= rate * dt
		wall += dt
		s.Advance(watts, dt)
	}
}

func TestRunHandComputed(t *testing.T) {
	th := thermalFixture
	for _, c := range []struct {
		name           string
		t0, work, w    float64
		want, wantTemp float64
	}{
		// Cool enough throughout: 10 s at 6 W from 25 °C reaches
		// 49 − 24·e^(−10/48) = 29.51 °C, below TripC, so wall = work.
		{"below trip", 25, 10, 6, 10, 49 - 24*math.Exp(-10.0/48)},
		// Above MaxC and heating: MinClock all along, wall = work/0.5.
		{"at the floor", 50, 10, 6, 20, 49 + (50-49)*math.Exp(-20.0/48)},
		// Already at MaxC with T∞ = 49 above it: still the floor.
		{"at max, heating", 48, 3, 6, 6, 49 - math.Exp(-6.0/48)},
		// At rest nothing is computed, and zero work takes no time.
		{"no work", 30, 0, 6, 0, 30},
	} {
		s := ThermalState{Model: th, TempC: c.t0}
		got := s.Run(c.work, c.w)
		if !closeRel(got, c.want, thermalTol) || !closeRel(s.TempC, c.wantTemp, thermalTol) {
			t.Errorf("%s: Run = %v s ending at %v °C, want %v s at %v °C", c.name, got, s.TempC, c.want, c.wantTemp)
		}
	}
}

func TestRunMatchesReference(t *testing.T) {
	// Every region and crossing: heating through the band into the floor,
	// cooling from the floor through the band below the trip, starting
	// inside the band either way, and a steady state inside the band.
	cases := []struct {
		name        string
		t0, work, w float64
	}{
		{"heat through band to floor", 25, 200, 8.23},
		{"heat into band", 38, 20, 6},
		{"cool from floor to below trip", 55, 60, 2},
		{"cool inside band", 46, 5, 4},
		{"steady in band", 44, 30, 4.75}, // T∞ = 25 + 19 = 44
		{"start at trip heating", 40, 15, 6},
		{"start at max cooling", 48, 15, 3},
	}
	for _, c := range cases {
		s := ThermalState{Model: thermalFixture, TempC: c.t0}
		ref := s
		got := s.Run(c.work, c.w)
		want := naiveRun(&ref, c.work, c.w, 1e-3)
		if !closeRel(got, want, refTol) || math.Abs(s.TempC-ref.TempC) > 1e-3 {
			t.Errorf("%s: Run = %v s ending at %v °C; reference %v s at %v °C", c.name, got, s.TempC, want, ref.TempC)
		}
	}
	if s := (ThermalState{Model: thermalFixture, TempC: 44}); !closeRel(s.Run(30, 4.75), 30/0.75, thermalTol) {
		t.Errorf("steady at 44 °C the clock is 0.75, so 30 s of work takes 40 s")
	}
}

func TestRunComposes(t *testing.T) {
	// Running a then b equals running a+b from the same state, for random
	// states, powers and amounts of work: the regions and their crossings
	// join up without loss.
	rng := rand.New(rand.NewPCG(3, 1))
	for i := range 2000 {
		t0 := 20 + 40*rng.Float64()
		w := 12 * rng.Float64()
		a, b := 100*rng.Float64(), 100*rng.Float64()
		whole := ThermalState{Model: thermalFixture, TempC: t0}
		parts := whole
		tw := whole.Run(a+b, w)
		tp := parts.Run(a, w)
		tp += parts.Run(b, w)
		if !closeRel(tw, tp, 1e-9) || math.Abs(whole.TempC-parts.TempC) > 1e-9 {
			t.Fatalf("case %d (T0 %v, %v W, %v + %v s): whole %v s at %v °C, parts %v s at %v °C",
				i, t0, w, a, b, tw, whole.TempC, tp, parts.TempC)
		}
		if tw < a+b-1e-9 || tw > (a+b)/thermalFixture.MinClock+1e-9 {
			t.Fatalf("case %d: %v s of work took %v s, outside [work, work/MinClock]", i, a+b, tw)
		}
	}
}

func TestThermalDisabled(t *testing.T) {
	// Edge boxes and servers have no RC model: no heating, no throttling.
	s := NewThermalState(Thermal{})
	s.Advance(300, 3600)
	if s.Enabled() || s.TempC != 0 || s.ClockScale() != 1 {
		t.Errorf("disabled model: enabled %v, T %v, clock %v", s.Enabled(), s.TempC, s.ClockScale())
	}
	if got := s.Run(5, 300); got != 5 {
		t.Errorf("Run = %v, want 5", got)
	}
	if got := s.TimeToThrottle(300); !math.IsInf(got, 1) {
		t.Errorf("TimeToThrottle = %v, want +Inf", got)
	}
}

func TestThermalPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(s *ThermalState)
	}{
		{"negative dt", func(s *ThermalState) { s.Advance(1, -1) }},
		{"NaN power", func(s *ThermalState) { s.Advance(math.NaN(), 1) }},
		{"negative work", func(s *ThermalState) { s.Run(-1, 1) }},
		{"negative power", func(s *ThermalState) { s.Run(1, -1) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			s := NewThermalState(thermalFixture)
			c.f(&s)
		}()
	}
}

// throttleTrace runs decode steps of step(i) seconds at full clock,
// back to back at a constant power, for horizon seconds, and returns when
// the clock first fell below 1 and the ratio of the last step's rate to
// its unthrottled rate.
func throttleTrace(th Thermal, watts, horizon float64, step func(i int) float64) (trip, finalRatio float64) {
	s := NewThermalState(th)
	now, trip := 0.0, math.Inf(1)
	for i := 0; now < horizon; i++ {
		w := step(i)
		wall := s.Run(w, watts)
		now += wall
		finalRatio = w / wall
		if s.ClockScale() < 1 && math.IsInf(trip, 1) {
			trip = now
		}
	}
	return trip, finalRatio
}

func TestThrottlingCurve(t *testing.T) {
	// With the fixture (the figures proposed for the galaxy-s24 profile),
	// 70 ms decode steps (about 14 tok/s, HeteroInfer's Llama-8B decode):
	//   GPU alone, 6 W: trips at 48·ln(24/9) = 47.1 s ≈ τ, reaches MaxC
	//   at 48·ln(24/1) = 152.5 s, then runs at MinClock = 0.5.
	//   GPU+NPU, 8.23 W: trips at 29.2 s, reaches MaxC at
	//   48·ln(32.92/9.92) = 57.6 s.
	//   NPU alone, 3.23 W: never trips.
	const step = 0.070
	for _, c := range []struct {
		name      string
		watts     float64
		wantTrip  float64
		wantRatio float64
	}{
		{"gpu", 6, 48 * math.Log(24.0/9), 0.5},
		{"gpu+npu", 8.23, 48 * math.Log(32.92/17.92), 0.5},
		{"npu", 3.23, math.Inf(1), 1},
	} {
		trip, ratio := throttleTrace(thermalFixture, c.watts, 400, func(int) float64 { return step })
		if math.IsInf(c.wantTrip, 1) != math.IsInf(trip, 1) || (!math.IsInf(trip, 1) && math.Abs(trip-c.wantTrip) > step) {
			t.Errorf("%s: throttling starts at %v s, want %v s (within one step)", c.name, trip, c.wantTrip)
		}
		if !closeRel(ratio, c.wantRatio, 1e-9) {
			t.Errorf("%s: rate after 400 s = %v of the initial, want %v", c.name, ratio, c.wantRatio)
		}
	}
}

func TestSustainedDecodeThrottles(t *testing.T) {
	// Sustained decode on the galaxy-s24 profile — Llama-3-8B at W4A16
	// from a 256-token prompt, HeteroInfer's setting — at the power of the
	// processors that decode plus the rest of the phone, throttles after
	// about the thermal time constant (τ 30–60 s, dossier §4.1), and the
	// token rate falls to about MinClock of the unthrottled rate.
	co := s24CoExec(t, 30e-6)
	d := co.GPU.Device
	th := d.Thermal
	tau := th.TimeConstant()
	if tau < 30 || tau > 60 {
		t.Errorf("τ = %v s, outside the measured 30–60 s", tau)
	}
	l, q := llm(t, "llama-3-8b", "w4a16")
	for _, c := range []struct {
		name  string
		cost  Cost
		watts float64
	}{
		{"gpu", co.GPU, co.GPU.Proc.ActiveW + d.BasePowerW},
		{"gpu+npu", co, co.Power() + d.BasePowerW},
	} {
		if steady := th.Steady(c.watts); steady < th.MaxC {
			t.Skipf("galaxy-s24 thermal data: %s decode at %.2f W settles at %.1f °C, below MaxC %.0f °C, so it never reaches MinClock (proposed: capacity 12 J/K, resistance 4 K/W)",
				c.name, c.watts, steady, th.MaxC)
		}
		step := func(i int) float64 { return c.cost.Decode(l, q, 256+i) }
		trip, ratio := throttleTrace(th, c.watts, 10*tau, step)
		t.Logf("%-7s %.2f W: %.1f tok/s at first, throttling after %.1f s (τ = %.0f s), then %.3f of full rate",
			c.name, c.watts, 1/step(0), trip, tau, ratio)
		if trip < tau/2 || trip > 2*tau {
			t.Errorf("%s at %.2f W: throttling starts at %.1f s, want about τ = %.0f s", c.name, c.watts, trip, tau)
		}
		if math.Abs(ratio-th.MinClock) > 0.02 {
			t.Errorf("%s at %.2f W: rate after 10τ is %.3f of the initial, want MinClock %.2f", c.name, c.watts, ratio, th.MinClock)
		}
	}
}

func ExampleThermalState() {
	// A phone decoding on its GPU at 6 W (5 W GPU, 1 W for the rest),
	// 70 ms per token at full clock, with τ = 48 s.
	s := NewThermalState(Thermal{
		CapacityJPerK: 12, ResistanceKPerW: 4, AmbientC: 25,
		TripC: 40, MaxC: 48, MinClock: 0.5,
	})
	fmt.Printf("throttling starts after %.1f s\n", s.TimeToThrottle(6))
	now, next := 0.0, 0.0
	for now < 240 {
		wall := s.Run(0.070, 6)
		if now >= next {
			fmt.Printf("t=%3.0f s  %.1f °C  %.1f tok/s\n", now, s.TempC, 1/wall)
			next += 60
		}
		now += wall
	}
	// Output:
	// throttling starts after 47.1 s
	// t=  0 s  25.0 °C  14.3 tok/s
	// t= 60 s  42.1 °C  12.4 tok/s
	// t=120 s  47.0 °C  8.0 tok/s
	// t=180 s  48.4 °C  7.1 tok/s
}

func TestRunRandomAgainstReference(t *testing.T) {
	// Run against the naive integration for random starting temperatures,
	// powers and amounts of work.
	rng := rand.New(rand.NewPCG(7, 2))
	for i := range 60 {
		t0 := 20 + 40*rng.Float64()
		w := 12 * rng.Float64()
		work := 60 * rng.Float64()
		s := ThermalState{Model: thermalFixture, TempC: t0}
		ref := s
		got := s.Run(work, w)
		want := naiveRun(&ref, work, w, 2e-3)
		if !closeRel(got, want, refTol) || math.Abs(s.TempC-ref.TempC) > 1e-3 {
			t.Errorf("case %d (T0 %v, %v W, %v s of work): Run = %v s at %v °C; reference %v s at %v °C",
				i, t0, w, work, got, s.TempC, want, ref.TempC)
		}
	}
}
