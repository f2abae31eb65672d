package topology

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

func TestBestCell(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		rx   []float64
		want int
	}{
		{nil, -1},
		{[]float64{nan}, -1},
		{[]float64{-90}, 0},
		{[]float64{-90, -80, -85}, 1},
		{[]float64{-80, -80}, 0}, // ties: lowest index
		{[]float64{nan, -100, nan}, 1},
		{[]float64{-inf, -inf}, 0},
		{[]float64{-90, inf}, 1},
	} {
		if got := BestCell(c.rx); got != c.want {
			t.Errorf("BestCell(%v) = %d, want %d", c.rx, got, c.want)
		}
	}
}

func TestHandoverConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  HandoverConfig
		want string // in the error; empty: valid
	}{
		{HandoverConfig{}, ""},
		{HandoverConfig{Hysteresis: 3, TimeToTrigger: 320 * sim.Millisecond, Interruption: 50 * sim.Millisecond}, ""},
		{HandoverConfig{Hysteresis: -1}, "hysteresis -1"},
		{HandoverConfig{Hysteresis: math.NaN()}, "hysteresis NaN"},
		{HandoverConfig{Hysteresis: math.Inf(1)}, "hysteresis +Inf"},
		{HandoverConfig{TimeToTrigger: -1}, "time to trigger"},
		{HandoverConfig{Interruption: -1}, "interruption"},
	} {
		_, err := NewHandover(c.cfg)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one containing %q", c.cfg, err, c.want)
		}
	}
}

// TestHandoverScript feeds the machine hand-made powers and checks each
// step: H = 3 dB, TTT = 2 s, 0.5 s interruption.
func TestHandoverScript(t *testing.T) {
	h, err := NewHandover(HandoverConfig{Hysteresis: 3, TimeToTrigger: 2 * sim.Second, Interruption: sim.Second / 2})
	if err != nil {
		t.Fatal(err)
	}
	if h.Serving() != -1 || h.InService(0) {
		t.Fatalf("before the first update: serving %d, in service %v", h.Serving(), h.InService(0))
	}
	const never = -1.0
	for _, s := range []struct {
		at       float64 // seconds
		rx       []float64
		handover bool
		serving  int
		count    int
		deadline float64 // seconds; never: sim.Forever
		note     string
	}{
		{0, []float64{-80, -90, -85}, false, 0, 0, never, "attach to the strongest: not a handover"},
		{1, []float64{-80, -78, -85}, false, 0, 0, never, "2 dB better: within the hysteresis"},
		{1.5, []float64{-80, -77, -85}, false, 0, 0, never, "exactly 3 dB better: not more than the hysteresis"},
		{2, []float64{-80, -76.9, -85}, false, 0, 0, 4, "3.1 dB better: timer starts"},
		{3, []float64{-80, -76, -85}, false, 0, 0, 4, "1 s of the 2 s"},
		{3.5, []float64{-80, -79, -85}, false, 0, 0, never, "drops back: timer reset"},
		{4, []float64{-80, -76, -85}, false, 0, 0, 6, "better again: timer restarts"},
		{5.999, []float64{-80, -70, -85}, false, 0, 0, 6, "1 ms short of the trigger"},
		{6, []float64{-80, -70, -85}, true, 1, 1, never, "handover, interrupted to 6.5 s; nobody beats the new cell"},
		{6.2, []float64{-80, -90, -70}, false, 1, 1, 8.2, "cells 0 and 2 both beat the new cell; timers start"},
		{8.3, []float64{-80, -90, -70}, true, 2, 2, never, "both ran out: the strongest wins"},
		{8.4, []float64{-80, -90, -70}, false, 2, 2, never, "in interruption, nothing pending"},
		{9, []float64{-60, -90, -70}, false, 2, 2, 11, "cell 0 beats cell 2: timer starts"},
	} {
		at := sim.Seconds(s.at)
		got := h.Update(at, s.rx)
		want := sim.Forever
		if s.deadline != never {
			want = sim.Seconds(s.deadline)
		}
		if got != s.handover || h.Serving() != s.serving || h.Count() != s.count || h.NextDeadline() != want {
			t.Fatalf("at %v (%s): handover %v serving %d count %d deadline %v; want %v %d %d %v",
				at, s.note, got, h.Serving(), h.Count(), h.NextDeadline(), s.handover, s.serving, s.count, want)
		}
	}
	// The latest handover was at 8.3 s.
	for _, c := range []struct {
		at float64
		in bool
	}{{8.3, false}, {8.79, false}, {8.8, true}, {100, true}} {
		if got := h.InService(sim.Seconds(c.at)); got != c.in {
			t.Errorf("InService(%vs) = %v, want %v (interrupted 8.3 s to 8.8 s)", c.at, got, c.in)
		}
	}
}

// TestHandoverDuringInterruption: a neighbour whose timer runs out during
// an interruption waits for its end.
func TestHandoverDuringInterruption(t *testing.T) {
	h, _ := NewHandover(HandoverConfig{TimeToTrigger: sim.Second, Interruption: 5 * sim.Second})
	for _, s := range []struct {
		at       sim.Time
		rx       []float64
		handover bool
		serving  int
		deadline sim.Time
	}{
		{0, []float64{-70, -80}, false, 0, sim.Forever},
		{1 * sim.Second, []float64{-90, -80}, false, 0, 2 * sim.Second},
		{2 * sim.Second, []float64{-90, -80}, true, 1, sim.Forever}, // interrupted until 7 s
		{3 * sim.Second, []float64{-70, -80}, false, 1, 7 * sim.Second},
		{5 * sim.Second, []float64{-70, -80}, false, 1, 7 * sim.Second}, // timer ran out at 4 s
		{7 * sim.Second, []float64{-70, -80}, true, 0, sim.Forever},
	} {
		got := h.Update(s.at, s.rx)
		if got != s.handover || h.Serving() != s.serving || h.NextDeadline() != s.deadline {
			t.Fatalf("at %v: handover %v serving %d deadline %v; want %v %d %v",
				s.at, got, h.Serving(), h.NextDeadline(), s.handover, s.serving, s.deadline)
		}
	}
	if h.Count() != 2 || h.InterruptedUntil() != 12*sim.Second {
		t.Errorf("count %d, interrupted until %v; want 2, 12s", h.Count(), h.InterruptedUntil())
	}
}

func TestHandoverMisusePanics(t *testing.T) {
	for name, f := range map[string]func(h *Handover){
		"time backwards": func(h *Handover) { h.Update(sim.Second, []float64{1}); h.Update(0, []float64{1}) },
		"cells change":   func(h *Handover) { h.Update(0, []float64{1, 2}); h.Update(sim.Second, []float64{1}) },
	} {
		h, _ := NewHandover(HandoverConfig{})
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(h)
		}()
	}
}

// handoverCells is a pair of equal macro cells 1 km apart, at x = ±500 m,
// transmitting 43 dBm (46 dBm is the 3GPP macro total; 43 per 10 MHz).
var handoverCells = []Point{{-500, 0}, {500, 0}}

// a3X returns where, on the line y = d, cell 1 of handoverCells first beats
// cell 0 by hyst dB under MacroPathLoss (beyond its 35 m floor): where
// 37.6·log10(d1/d0) = hyst, d1² = (x+500)² + d², d0² = (500−x)² + d².
// With r = 10^(hyst/37.6) that is x² − b·x + 500² + d² = 0 with
// b = 1000·(r²+1)/(r²−1); on y = 0 it is 500·(r−1)/(r+1).
func a3X(hyst, d float64) float64 {
	r2 := math.Pow(10, 2*hyst/37.6)
	b := 1000 * (r2 + 1) / (r2 - 1)
	return (b - math.Sqrt(b*b-4*(500*500+d*d))) / 2
}

func TestA3X(t *testing.T) {
	r := math.Pow(10, 3/37.6)
	if got, want := a3X(3, 0), 500*(r-1)/(r+1); math.Abs(got-want) > 1e-9 {
		t.Errorf("a3X(3, 0) = %v, want %v", got, want)
	}
	for _, d := range []float64{0, 1000} {
		x := a3X(3, d)
		if diff := MacroPathLoss(math.Hypot(x+500, d)) - MacroPathLoss(math.Hypot(500-x, d)); math.Abs(diff-3) > 1e-9 {
			t.Errorf("a3X(3, %v) = %v: cells differ by %v dB there", d, x, diff)
		}
	}
}

func handoverRx(cells []Point) RxFunc {
	return func(p Point, dBm []float64) {
		for i, c := range cells {
			dBm[i] = 43 - MacroPathLoss(p.Dist(c))
		}
	}
}

// handoverRun drives h along m as the world would: one Update at each
// time NextCheck names, until end. It returns the handover times.
func handoverRun(t *testing.T, m Mobility, h *Handover, la Lookahead, end sim.Time) (times []sim.Time, updates int) {
	t.Helper()
	rx := make([]float64, la.Cells)
	for at := sim.Time(0); at < end; {
		la.Rx(m.Position(at), rx)
		if h.Update(at, rx) {
			times = append(times, at)
		}
		updates++
		next := la.NextCheck(m, h, at)
		if next <= at {
			t.Fatalf("NextCheck(%v) = %v: not in the future", at, next)
		}
		at = next
	}
	return times, updates
}

// boundaryWalk walks north along the boundary x = 0 between the two cells
// for 2 km, zigzagging 5 m either side of it every 20 m, then turns east
// and walks 300 m into cell 1. At ±5 m the cells differ by
// 37.6·log10(505/495) = 0.33 dB.
func boundaryWalk(t *testing.T) *Track {
	var times []sim.Time
	var pts []Point
	at := sim.Time(0)
	add := func(p Point) {
		if len(pts) > 0 {
			at += sim.Seconds(p.Dist(pts[len(pts)-1]) / 1.5) // walking at 1.5 m/s
		}
		times = append(times, at)
		pts = append(pts, p)
	}
	for i := range 101 {
		add(Point{X: float64(1-2*(i%2)) * -5, Y: -1000 + 20*float64(i)})
	}
	add(Point{X: 300, Y: 1000})
	tr, err := NewTrack("boundary", times, pts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestHandoverBoundaryWalk(t *testing.T) {
	la := Lookahead{Cells: 2, Rx: handoverRx(handoverCells)}
	for _, c := range []struct {
		cfg     HandoverConfig
		min     int // handovers
		max     int
		comment string
	}{
		{HandoverConfig{}, 50, 200, "no hysteresis, no TTT: ping-pong at every zigzag"},
		{HandoverConfig{TimeToTrigger: 3 * sim.Second}, 50, 200, "TTT 3 s, shorter than the 7.5 s spent on each side, does not help"},
		{HandoverConfig{Hysteresis: 3}, 1, 1, "3 dB: one handover, once clearly inside cell 1"},
		{HandoverConfig{Hysteresis: 3, TimeToTrigger: 320 * sim.Millisecond, Interruption: 50 * sim.Millisecond}, 1, 1, "typical LTE settings"},
	} {
		t.Run(fmt.Sprintf("%+v", c.cfg), func(t *testing.T) {
			walk := boundaryWalk(t)
			h, err := NewHandover(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			times, updates := handoverRun(t, walk, h, la, 3000*sim.Second)
			t.Logf("%s: %d handovers in %d updates", c.comment, h.Count(), updates)
			if h.Count() < c.min || h.Count() > c.max || h.Count() != len(times) {
				t.Fatalf("%d handovers (%d reported), want %d to %d", h.Count(), len(times), c.min, c.max)
			}
			if h.Serving() != 1 {
				t.Errorf("ends served by cell %d, want 1", h.Serving())
			}
			if c.max == 1 {
				// A3 with 3 dB on the final eastward leg, 1 km north of
				// the cells: 237.4 m east of the boundary.
				x := a3X(3, 1000)
				legStart, from := walk.Sample(walk.Len() - 2) // the eastward leg
				cross := legStart + sim.Seconds((x-from.X)/1.5)
				want := cross + c.cfg.TimeToTrigger
				if d := times[0] - want; d < 0 || d > 2*sim.Millisecond {
					t.Errorf("handover at %v, want %v (A3 met at x = %.2f m at %v, plus TTT)", times[0], want, x, cross)
				}
			}
		})
	}
}

// TestHandoverTimeToTrigger walks straight from cell 0 to cell 1 at 1 m/s
// and checks that the handover comes TTT after the A3 condition is met,
// and not at all if the user turns back before TTT is over.
func TestHandoverTimeToTrigger(t *testing.T) {
	const hyst = 3.0
	xA3 := a3X(hyst, 0)           // 45.82 m
	tA3 := sim.Seconds(xA3 + 400) // from x = −400 at 1 m/s
	res := sim.Millisecond
	la := Lookahead{Cells: 2, Rx: handoverRx(handoverCells), Resolution: res}
	straight, err := NewTrack("straight", []sim.Time{0, 800 * sim.Second}, []Point{{-400, 0}, {400, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ttt := range []sim.Time{0, 320 * sim.Millisecond, 2 * sim.Second, 10 * sim.Second, 60 * sim.Second} {
		t.Run(ttt.String(), func(t *testing.T) {
			h, _ := NewHandover(HandoverConfig{Hysteresis: hyst, TimeToTrigger: ttt, Interruption: 40 * sim.Millisecond})
			times, updates := handoverRun(t, straight, h, la, 900*sim.Second)
			if len(times) != 1 {
				t.Fatalf("handovers at %v, want one", times)
			}
			want := tA3 + ttt
			t.Logf("TTT %v: handover at %v, A3 met at %v, %d updates", ttt, times[0], tA3, updates)
			if d := times[0] - want; d < 0 || d > res {
				t.Errorf("handover at %v, want %v (A3 at %v + TTT %v) to within %v", times[0], want, tA3, ttt, res)
			}
			if h.InService(times[0]+39*sim.Millisecond) || !h.InService(times[0]+40*sim.Millisecond) {
				t.Errorf("interruption of 40 ms after %v not as expected", times[0])
			}
		})
	}
	// Into the A3 region for 5 s and back out: a TTT of 5 s or less
	// hands over, a longer one does not.
	back, err := NewTrack("back", []sim.Time{0, sim.Seconds(xA3 + 2.5 + 400), sim.Seconds(2 * (xA3 + 2.5 + 400))},
		[]Point{{-400, 0}, {xA3 + 2.5, 0}, {-400, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ttt  sim.Time
		want int
	}{{4990 * sim.Millisecond, 1}, {5010 * sim.Millisecond, 0}} {
		h, _ := NewHandover(HandoverConfig{Hysteresis: hyst, TimeToTrigger: c.ttt})
		times, _ := handoverRun(t, back, h, la, 2000*sim.Second)
		// After a handover to cell 1 and the walk back, the user hands
		// back to cell 0: count the first one only.
		got := 0
		if len(times) > 0 && times[0] < sim.Seconds(xA3+405) {
			got = 1
		}
		if got != c.want {
			t.Errorf("5 s in the A3 region, TTT %v: handovers at %v, want %d on the way in", c.ttt, times, c.want)
		}
	}
}

func TestLookaheadNextBestChange(t *testing.T) {
	la := Lookahead{Cells: 2, Rx: handoverRx(handoverCells), Step: 2 * sim.Second, Resolution: 10 * sim.Millisecond, Horizon: 100 * sim.Second}
	straight, _ := NewTrack("s", []sim.Time{0, 800 * sim.Second}, []Point{{-400, 0}, {400, 0}})
	pauseThenGo, _ := NewTrack("p", []sim.Time{0, 1000 * sim.Second, 1010 * sim.Second}, []Point{{-10, 0}, {-10, 0}, {10, 0}})
	for _, c := range []struct {
		name   string
		m      Mobility
		from   sim.Time
		lo, hi sim.Time
	}{
		// Equal cells: the best changes on the boundary x = 0, reached at
		// 400 s; ties go to cell 0, so the change is just after.
		{"crossing", straight, 350 * sim.Second, 400 * sim.Second, 400*sim.Second + 10*sim.Millisecond},
		{"beyond the horizon", straight, 0, 100 * sim.Second, 100 * sim.Second},
		{"no change within the horizon", straight, 401 * sim.Second, 501 * sim.Second, 501 * sim.Second},
		{"no change ever", straight, 750 * sim.Second, sim.Forever, sim.Forever},
		{"standing still", Static{Pos: Point{-10, 0}}, 0, sim.Forever, sim.Forever},
		// A pause that outlasts the horizon is skipped whole; the
		// walk then crosses x = 0 halfway along its 10 s leg.
		{"long pause", pauseThenGo, 0, 1000 * sim.Second, 1000 * sim.Second},
		{"after the pause", pauseThenGo, 1000 * sim.Second, 1005 * sim.Second, 1005*sim.Second + 10*sim.Millisecond},
	} {
		if got := la.NextBestChange(c.m, c.from); got < c.lo || got > c.hi {
			t.Errorf("%s from %v: %v, want in [%v, %v]", c.name, c.from, got, c.lo, c.hi)
		}
	}
}

// TestLookaheadAgainstPolling runs random waypoint users among seven
// cells twice: updated when NextCheck says, and polled every 10 ms. Both
// must see the same handovers, at times within the polling interval
// plus the resolution.
func TestLookaheadAgainstPolling(t *testing.T) {
	if testing.Short() {
		t.Skip("polls every 10 ms")
	}
	const (
		poll  = 10 * sim.Millisecond
		end   = 1800 * sim.Second
		users = 10
	)
	// A centre cell and a ring of six at 500 m.
	cells := []Point{{0, 0}}
	for k := range 6 {
		a := float64(k) * math.Pi / 3
		cells = append(cells, Point{500 * math.Cos(a), 500 * math.Sin(a)})
	}
	la := Lookahead{Cells: len(cells), Rx: handoverRx(cells)}
	cfg := RandomWaypointConfig{Area: Rect{Min: Point{-800, -800}, Max: Point{800, 800}}, MinSpeed: 1, MaxSpeed: 15, Pause: 10 * sim.Second}
	hcfg := HandoverConfig{Hysteresis: 2, TimeToTrigger: 320 * sim.Millisecond, Interruption: 30 * sim.Millisecond}
	s := mobilityStreams(t)
	var total, totalUpdates int
	for u := range users {
		m1, _ := NewRandomWaypoint(cfg, s.Rand(fmt.Sprintf("user-%d", u)))
		m2, _ := NewRandomWaypoint(cfg, s.Rand(fmt.Sprintf("user-%d", u)))
		h1, _ := NewHandover(hcfg)
		h2, _ := NewHandover(hcfg)
		got, updates := handoverRun(t, m1, h1, la, end)
		var want []sim.Time
		rx := make([]float64, len(cells))
		for at := sim.Time(0); at < end; at += poll {
			la.Rx(m2.Position(at), rx)
			if h2.Update(at, rx) {
				want = append(want, at)
			}
		}
		if len(got) != len(want) || h1.Serving() != h2.Serving() {
			t.Fatalf("user %d: event-driven handovers at %v, polled at %v", u, got, want)
		}
		for i := range got {
			if d := got[i] - want[i]; d > la.Resolution+sim.Millisecond || d < -poll-sim.Millisecond {
				t.Errorf("user %d handover %d: event-driven at %v, polled at %v", u, i, got[i], want[i])
			}
		}
		total += len(got)
		totalUpdates += updates
	}
	t.Logf("%d handovers; %d event-driven updates against %d polls", total, totalUpdates, users*int(end/poll))
}

// BenchmarkLookaheadNextCheck is one check event of a user walking among
// seven cells: an Update and the search for the next check.
func BenchmarkLookaheadNextCheck(b *testing.B) {
	cells := []Point{{0, 0}}
	for k := range 6 {
		a := float64(k) * math.Pi / 3
		cells = append(cells, Point{500 * math.Cos(a), 500 * math.Sin(a)})
	}
	la := Lookahead{Cells: len(cells), Rx: handoverRx(cells)}
	cfg := RandomWaypointConfig{Area: Rect{Min: Point{-800, -800}, Max: Point{800, 800}}, MinSpeed: 0.5, MaxSpeed: 15}
	m, _ := NewRandomWaypoint(cfg, rand.New(rand.NewPCG(1, 2)))
	h, _ := NewHandover(HandoverConfig{Hysteresis: 3, TimeToTrigger: 320 * sim.Millisecond})
	rx := make([]float64, len(cells))
	var at sim.Time
	for b.Loop() {
		la.Rx(m.Position(at), rx)
		h.Update(at, rx)
		at = la.NextCheck(m, h, at)
	}
	b.ReportMetric(at.Seconds()/float64(b.N), "sim-s/check")
}

// TestLookaheadPruningChangesNothing: on a 6 × 6 grid of cells, a
// lookahead that skips the cells out of reach (MaxSpeed, Reach, RxCells)
// names exactly the check times and handovers of one that evaluates every
// cell, and skips most of the cells.
func TestLookaheadPruningChangesNothing(t *testing.T) {
	var cells []Point
	for y := 500.0; y < 6000; y += 1000 {
		for x := 500.0; x < 6000; x += 1000 {
			cells = append(cells, Point{x, y})
		}
	}
	const maxSpeed = 15
	rxAll := handoverRx(cells)
	var fullN, prunedN int // cell powers each lookahead computed
	full := Lookahead{Cells: len(cells), Rx: func(p Point, dBm []float64) { fullN += len(cells); rxAll(p, dBm) }}
	pruned := Lookahead{Cells: len(cells), Rx: func(p Point, dBm []float64) { prunedN += len(cells); rxAll(p, dBm) }}
	pruned.MaxSpeed = maxSpeed
	pruned.Reach = func(p Point, r float64, lo, hi []float64) {
		for i, c := range cells {
			d := p.Dist(c)
			lo[i] = 43 - MacroPathLoss(d+r)
			hi[i] = 43 - MacroPathLoss(max(d-r, 0))
		}
	}
	pruned.RxCells = func(p Point, idx []int, dBm []float64) {
		prunedN += len(idx)
		for _, i := range idx {
			dBm[i] = 43 - MacroPathLoss(p.Dist(cells[i]))
		}
	}
	cfg := RandomWaypointConfig{Area: Rect{Max: Point{6000, 6000}}, MinSpeed: 1, MaxSpeed: maxSpeed, Pause: 5 * sim.Second}
	hcfg := HandoverConfig{Hysteresis: 3, TimeToTrigger: 160 * sim.Millisecond}
	s := mobilityStreams(t)
	samples := 0
	for u := range 5 {
		m1, _ := NewRandomWaypoint(cfg, s.Rand(fmt.Sprintf("user-%d", u)))
		m2, _ := NewRandomWaypoint(cfg, s.Rand(fmt.Sprintf("user-%d", u)))
		h1, _ := NewHandover(hcfg)
		h2, _ := NewHandover(hcfg)
		rx := make([]float64, len(cells))
		for at1, at2 := sim.Time(0), sim.Time(0); at1 < 3600*sim.Second; {
			rxAll(m1.Position(at1), rx)
			ho1 := h1.Update(at1, rx)
			rxAll(m2.Position(at2), rx)
			ho2 := h2.Update(at2, rx)
			if at1 != at2 || ho1 != ho2 || h1.Serving() != h2.Serving() {
				t.Fatalf("user %d: full lookahead at %v (handover %v, serving %d), pruned at %v (%v, %d)", u, at1, ho1, h1.Serving(), at2, ho2, h2.Serving())
			}
			at1, at2 = full.NextCheck(m1, h1, at1), pruned.NextCheck(m2, h2, at2)
			samples++
		}
	}
	t.Logf("%d checks: %d cell powers computed with pruning, %d without", samples, prunedN, fullN)
	if prunedN == 0 || 2*prunedN > fullN {
		t.Errorf("pruning computed %d cell powers, without it %d: want fewer than half", prunedN, fullN)
	}
}

// TestLookaheadScratchReusesBuffers: with Scratch, a check (Update and
// NextCheck) among 100 cells allocates less than one power slice's worth
// (what is left is the mobility's leg iterators), so a world's handover
// events do not allocate in proportion to its cells.
func TestLookaheadScratchReusesBuffers(t *testing.T) {
	var cells []Point
	for k := range 100 {
		cells = append(cells, Point{float64(k%10) * 300, float64(k/10) * 300})
	}
	la := Lookahead{Cells: len(cells), Rx: handoverRx(cells), Scratch: &LookaheadScratch{}}
	cfg := RandomWaypointConfig{Area: Rect{Max: Point{3000, 3000}}, MinSpeed: 0.5, MaxSpeed: 15}
	m, _ := NewRandomWaypoint(cfg, rand.New(rand.NewPCG(1, 2)))
	h, _ := NewHandover(HandoverConfig{Hysteresis: 3, TimeToTrigger: 320 * sim.Millisecond})
	rx := make([]float64, len(cells))
	var at sim.Time
	check := func() {
		la.Rx(m.Position(at), rx)
		h.Update(at, rx)
		at = la.NextCheck(m, h, at)
	}
	for range 100 { // warm up: the handover's and the scratch's own state
		check()
	}
	const checks = 1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range checks {
		check()
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.TotalAlloc-before.TotalAlloc) / checks; per >= 8*float64(len(cells)) {
		t.Errorf("%.0f bytes allocated per check among %d cells: the buffers are not reused", per, len(cells))
	}
}
