package sim

import (
	"flag"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("sim.seed", 1, "seed of the randomised kernel tests; 0 picks one from the clock and logs it")

// testRand returns the generator of a randomised test. The seed comes from
// -sim.seed and is logged, so that a failure can be replayed.
func testRand(t testing.TB) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -sim.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0x5eed))
}

// handlerFunc adapts a function to Handler. A func value is one pointer,
// so storing it in the calendar costs no allocation.
type handlerFunc func(Event)

func (f handlerFunc) HandleEvent(ev Event) { f(ev) }

// recorder logs every event it handles, checking that the kernel's clock
// agrees with the event's time.
type recorder struct {
	t   *testing.T
	k   *Kernel
	log []Event
}

func (r *recorder) HandleEvent(ev Event) {
	if r.k.Now() != ev.At {
		r.t.Errorf("handling %+v with the clock at %v", ev, r.k.Now())
	}
	r.log = append(r.log, ev)
}

func (r *recorder) ids() []int64 {
	ids := make([]int64, len(r.log))
	for i, ev := range r.log {
		ids[i] = ev.ID
	}
	return ids
}

func TestKernelOrdersByTime(t *testing.T) {
	k := NewKernel(4) // smaller than the number of events: the calendar grows
	r := &recorder{t: t, k: k}
	for i, at := range []Time{50, 10, 30, 20, 40, 0, 60} {
		k.Schedule(at, r, int32(i), int64(at))
	}
	if k.Pending() != 7 {
		t.Fatalf("Pending = %d, want 7", k.Pending())
	}
	k.Run()
	if want := []int64{0, 10, 20, 30, 40, 50, 60}; !slices.Equal(r.ids(), want) {
		t.Errorf("fired %v, want %v", r.ids(), want)
	}
	// Kind travels with the event.
	if ev := r.log[1]; ev.Kind != 1 || ev.At != 10 {
		t.Errorf("second event %+v, want At 10 Kind 1", ev)
	}
	if k.Now() != 60 || k.Pending() != 0 || k.Fired() != 7 {
		t.Errorf("after Run: Now %v Pending %d Fired %d; want 60, 0, 7", k.Now(), k.Pending(), k.Fired())
	}
}

func TestKernelFIFOAtEqualTimes(t *testing.T) {
	var k Kernel // the zero Kernel is ready to use
	r := &recorder{t: t, k: &k}
	// Interleave three instants so that the heap must really keep the
	// insertion order among equal keys, not just happen to.
	var want []int64
	for i := range 300 {
		at := Time(i%3) * Second
		k.Schedule(at, r, 0, int64(i))
	}
	for at := range 3 {
		for i := at; i < 300; i += 3 {
			want = append(want, int64(i))
		}
	}
	k.Run()
	if !slices.Equal(r.ids(), want) {
		t.Errorf("fired %v,\nwant %v", r.ids(), want)
	}
}

// An event scheduled for now from a handler runs after the events already
// pending at now, and before anything later.
func TestKernelScheduleAtNowFromHandler(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	k.Schedule(5, handlerFunc(func(ev Event) {
		r.HandleEvent(ev)
		k.After(0, r, 0, 99)
	}), 0, 1)
	k.Schedule(5, r, 0, 2)
	k.Schedule(6, r, 0, 3)
	k.Run()
	if want := []int64{1, 2, 99, 3}; !slices.Equal(r.ids(), want) {
		t.Errorf("fired %v, want %v", r.ids(), want)
	}
}

func TestKernelCancel(t *testing.T) {
	// Five events at 10..50 with IDs 1..5; a case cancels some of them
	// (by index), possibly after firing some.
	for _, tc := range []struct {
		name    string
		before  int    // events fired before cancelling
		cancel  []int  // indexes of the events to cancel, in order
		results []bool // what each Cancel reports
		fired   []int64
	}{
		{"head", 0, []int{0}, []bool{true}, []int64{2, 3, 4, 5}},
		{"middle", 0, []int{2}, []bool{true}, []int64{1, 2, 4, 5}},
		{"last", 0, []int{4}, []bool{true}, []int64{1, 2, 3, 4}},
		{"all", 0, []int{3, 0, 4, 1, 2}, []bool{true, true, true, true, true}, nil},
		{"already fired", 2, []int{0, 1, 2}, []bool{false, false, true}, []int64{1, 2, 4, 5}},
		{"twice", 0, []int{1, 1}, []bool{true, false}, []int64{1, 3, 4, 5}},
		{"new head after fire", 1, []int{1}, []bool{true}, []int64{1, 3, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := NewKernel(0)
			r := &recorder{t: t, k: k}
			ids := make([]EventID, 5)
			for i := range ids {
				ids[i] = k.Schedule(Time(10*(i+1)), r, 0, int64(i+1))
			}
			for range tc.before {
				k.Step()
			}
			for j, i := range tc.cancel {
				if got := k.Cancel(ids[i]); got != tc.results[j] {
					t.Errorf("Cancel #%d (event %d) = %v, want %v", j, i+1, got, tc.results[j])
				}
			}
			if want := 5 - tc.before - count(tc.results, true); k.Pending() != want {
				t.Errorf("Pending = %d, want %d", k.Pending(), want)
			}
			k.Run()
			if !slices.Equal(r.ids(), tc.fired) {
				t.Errorf("fired %v, want %v", r.ids(), tc.fired)
			}
		})
	}
}

func count[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

func TestKernelCancelEdgeCases(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}

	if k.Cancel(EventID{}) {
		t.Error("Cancel(zero EventID) = true")
	}
	if !(EventID{}).IsZero() {
		t.Error("zero EventID is not IsZero")
	}

	// A stale ID must not cancel the event that reuses its slot.
	a := k.Schedule(10, r, 0, 1)
	if a.IsZero() {
		t.Fatal("Schedule returned the zero EventID")
	}
	if !k.Cancel(a) {
		t.Fatal("Cancel(a) = false")
	}
	b := k.Schedule(10, r, 0, 2)
	if k.Cancel(a) {
		t.Error("stale Cancel(a) cancelled the event that reused its slot")
	}
	if at, ok := k.When(b); !ok || at != 10 {
		t.Errorf("When(b) = %v, %v; want 10, true", at, ok)
	}

	// An ID from another, larger kernel names no event here.
	other := NewKernel(0)
	var far EventID
	for range 10 {
		far = other.Schedule(1, r, 0, 0)
	}
	if k.Cancel(far) {
		t.Error("Cancel of an ID from another kernel's unused slot = true")
	}

	// From inside a handler: cancelling itself reports false (it has
	// fired); cancelling a later event removes it.
	var self, later EventID
	self = k.Schedule(20, handlerFunc(func(ev Event) {
		if k.Cancel(self) {
			t.Error("a handler cancelled its own, firing event")
		}
		if !k.Cancel(later) {
			t.Error("a handler could not cancel a pending event")
		}
	}), 0, 3)
	later = k.Schedule(30, r, 0, 4)
	k.Run()
	if want := []int64{2}; !slices.Equal(r.ids(), want) {
		t.Errorf("fired %v, want %v", r.ids(), want)
	}
}

func TestKernelWhen(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	a := k.Schedule(7, r, 0, 1)
	b := k.Schedule(9, r, 0, 2)
	c := k.After(Forever, r, 0, 3)
	for _, tc := range []struct {
		id     EventID
		at     Time
		ok     bool
		action func()
	}{
		{a, 7, true, nil},
		{b, 9, true, nil},
		{c, Forever, true, nil},
		{EventID{}, 0, false, nil},
		{a, 0, false, func() { k.Step() }},              // fired
		{b, 0, false, func() { k.Cancel(b) }},           // cancelled
		{c, Forever, true, func() { k.RunUntil(1000) }}, // still pending
	} {
		if tc.action != nil {
			tc.action()
		}
		if at, ok := k.When(tc.id); at != tc.at || ok != tc.ok {
			t.Errorf("When(%+v) = %v, %v; want %v, %v", tc.id, at, ok, tc.at, tc.ok)
		}
	}
}

func TestKernelRunUntil(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	for _, at := range []Time{1, 2, 3, 5, 8} {
		k.Schedule(at*Second, r, 0, int64(at))
	}
	// Events due exactly at end fire.
	k.RunUntil(3 * Second)
	if want := []int64{1, 2, 3}; !slices.Equal(r.ids(), want) {
		t.Errorf("RunUntil(3s) fired %v, want %v", r.ids(), want)
	}
	k.RunUntil(4 * Second)
	if k.Now() != 4*Second || k.Pending() != 2 || len(r.log) != 3 {
		t.Errorf("after RunUntil(4s): Now %v, Pending %d, fired %d; want 4s, 2, 3", k.Now(), k.Pending(), len(r.log))
	}
	// A later event can still be scheduled relative to the new clock.
	k.After(Second, r, 0, 6) // at 5 s, after the pending event at 5 s
	k.RunUntil(6 * Second)
	if want := []int64{1, 2, 3, 5, 6}; !slices.Equal(r.ids(), want) || k.Now() != 6*Second {
		t.Errorf("fired %v at %v, want %v at 6s", r.ids(), k.Now(), want)
	}
	if !panics(func() { k.RunUntil(5 * Second) }) {
		t.Error("RunUntil before now did not panic")
	}
	k.RunUntil(6 * Second) // an empty step is fine
	k.Run()
	if k.Now() != 8*Second || k.Pending() != 0 {
		t.Errorf("after Run: Now %v Pending %d, want 8s, 0", k.Now(), k.Pending())
	}
	// With nothing pending the clock still moves to end.
	k.RunUntil(20 * Second)
	if k.Now() != 20*Second {
		t.Errorf("RunUntil on an empty calendar: Now %v, want 20s", k.Now())
	}
}

func TestKernelStop(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	stopper := handlerFunc(func(ev Event) {
		r.HandleEvent(ev)
		k.Stop()
	})
	k.Schedule(1, r, 0, 1)
	k.Schedule(2, stopper, 0, 2)
	k.Schedule(3, r, 0, 3)
	k.Schedule(4, stopper, 0, 4)
	k.Schedule(10, r, 0, 10)

	k.Run()
	if want := []int64{1, 2}; !slices.Equal(r.ids(), want) || k.Now() != 2 || k.Pending() != 3 {
		t.Errorf("Run stopped after %v at %v with %d pending; want %v at 2 with 3", r.ids(), k.Now(), k.Pending(), want)
	}
	// A stopped RunUntil leaves the clock at the stopping event, not at end.
	k.RunUntil(8)
	if want := []int64{1, 2, 3, 4}; !slices.Equal(r.ids(), want) || k.Now() != 4 {
		t.Errorf("RunUntil stopped after %v at %v; want %v at 4", r.ids(), k.Now(), want)
	}
	// Stop does not stick: the next Run resumes.
	k.Run()
	if want := []int64{1, 2, 3, 4, 10}; !slices.Equal(r.ids(), want) || k.Now() != 10 {
		t.Errorf("resumed Run fired %v, now %v; want %v at 10", r.ids(), k.Now(), want)
	}
}

func TestKernelStep(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	if k.Step() {
		t.Error("Step on an empty calendar reported true")
	}
	k.Schedule(3, r, 0, 1)
	k.Schedule(3, r, 0, 2)
	if !k.Step() || k.Now() != 3 || len(r.log) != 1 || k.Fired() != 1 {
		t.Errorf("after one Step: Now %v, fired %v", k.Now(), r.ids())
	}
}

func TestKernelMisusePanics(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	k.Schedule(10, r, 0, 0)
	k.Run()
	for name, f := range map[string]func(){
		"Schedule in the past": func() { k.Schedule(9, r, 0, 0) },
		"After negative":       func() { k.After(-1, r, 0, 0) },
		"Schedule nil handler": func() { k.Schedule(11, nil, 0, 0) },
		"RunUntil in the past": func() { k.RunUntil(9) },
	} {
		if !panics(f) {
			t.Errorf("%s did not panic", name)
		}
	}
	// The failed calls left the calendar untouched.
	if k.Pending() != 0 {
		t.Errorf("Pending = %d after refused calls, want 0", k.Pending())
	}
	// Scheduling at now is allowed.
	k.Schedule(k.Now(), r, 0, 0)
}

// After saturates at Forever rather than overflowing into the past (it
// used to panic with "scheduled at -9.22e+09s" once the clock had moved).
func TestKernelAfterSaturates(t *testing.T) {
	k := NewKernel(0)
	r := &recorder{t: t, k: k}
	k.RunUntil(5 * Second)
	for _, d := range []Time{Forever, Forever - 1, Forever - 5*Second} {
		id := k.After(d, r, 0, 0)
		if at, _ := k.When(id); at != Forever {
			t.Errorf("After(%d) at %v, want Forever", d, at)
		}
	}
	id := k.After(Forever-5*Second-1, r, 0, 0)
	if at, _ := k.When(id); at != Forever-1 {
		t.Errorf("After(Forever-5s-1) at %d, want Forever-1", at)
	}
}

// refCalendar is the obviously correct calendar the heap is checked
// against: an unsorted slice scanned for the earliest (time, sequence).
type refCalendar struct {
	now     Time
	seq     uint64
	pending []refEvent
}

type refEvent struct {
	at    Time
	seq   uint64
	token int64
}

func (c *refCalendar) schedule(at Time, token int64) {
	c.pending = append(c.pending, refEvent{at, c.seq, token})
	c.seq++
}

func (c *refCalendar) find(token int64) int {
	return slices.IndexFunc(c.pending, func(e refEvent) bool { return e.token == token })
}

func (c *refCalendar) cancel(token int64) bool {
	i := c.find(token)
	if i < 0 {
		return false
	}
	c.pending = slices.Delete(c.pending, i, i+1)
	return true
}

// pop removes and returns the earliest event, if it is due by end.
func (c *refCalendar) pop(end Time) (refEvent, bool) {
	if len(c.pending) == 0 {
		return refEvent{}, false
	}
	best := 0
	for i, e := range c.pending {
		b := c.pending[best]
		if e.at < b.at || (e.at == b.at && e.seq < b.seq) {
			best = i
		}
	}
	e := c.pending[best]
	if e.at > end {
		return refEvent{}, false
	}
	c.pending = slices.Delete(c.pending, best, best+1)
	c.now = e.at
	return e, true
}

// TestKernelAgainstReference drives the heap calendar and the reference
// with the same random mix of Schedule, Cancel, When, Step and RunUntil,
// many of them at equal times, and requires identical behaviour.
func TestKernelAgainstReference(t *testing.T) {
	rng := testRand(t)
	ops := 200_000
	if testing.Short() {
		ops = 20_000
	}
	k := NewKernel(0)
	var ref refCalendar
	var fired []int64
	h := handlerFunc(func(ev Event) { fired = append(fired, ev.ID) })
	type issued struct {
		id    EventID
		token int64
	}
	var ids []issued
	var token int64

	// The target size of the calendar drifts so that the heap is
	// exercised both nearly empty and with hundreds of events.
	target := 1
	for op := range ops {
		if op%5000 == 0 {
			target = 1 + rng.IntN(600)
		}
		pSchedule := 30
		if k.Pending() < target {
			pSchedule = 70
		}
		c := 0 // Schedule
		if rng.IntN(100) >= pSchedule {
			c = 40 + rng.IntN(60) // Cancel 20, When 5, Step 25, RunUntil 10
		}
		switch {
		case c < 40: // Schedule, often at a time already in use
			var d Time
			switch rng.IntN(3) {
			case 0:
				d = Time(rng.IntN(4)) // 0..3: many ties, including now
			case 1:
				d = Time(rng.IntN(100))
			default:
				d = Time(rng.Int64N(1e6))
			}
			token++
			ids = append(ids, issued{k.Schedule(k.Now()+d, h, 0, token), token})
			ref.schedule(ref.now+d, token)
		case c < 60: // Cancel any ID ever issued: pending, fired or cancelled
			if len(ids) == 0 {
				continue
			}
			// Favour recent IDs, which are more likely to be pending.
			i := len(ids) - 1 - rng.IntN(min(len(ids), 1+rng.IntN(1000)))
			got, want := k.Cancel(ids[i].id), ref.cancel(ids[i].token)
			if got != want {
				t.Fatalf("op %d: Cancel(token %d) = %v, reference %v", op, ids[i].token, got, want)
			}
		case c < 65: // When
			if len(ids) == 0 {
				continue
			}
			i := rng.IntN(len(ids))
			at, ok := k.When(ids[i].id)
			j := ref.find(ids[i].token)
			if ok != (j >= 0) || (ok && at != ref.pending[j].at) {
				t.Fatalf("op %d: When(token %d) = %v, %v; reference index %d", op, ids[i].token, at, ok, j)
			}
		case c < 90: // Step
			fired = fired[:0]
			got := k.Step()
			e, want := ref.pop(Forever)
			if got != want || (got && (len(fired) != 1 || fired[0] != e.token)) {
				t.Fatalf("op %d: Step fired %v (%v), reference token %d (%v)", op, fired, got, e.token, want)
			}
		default: // RunUntil a little ahead
			end := k.Now() + Time(rng.IntN(200))
			fired = fired[:0]
			k.RunUntil(end)
			var want []int64
			for {
				e, ok := ref.pop(end)
				if !ok {
					break
				}
				want = append(want, e.token)
			}
			ref.now = end
			if !slices.Equal(fired, want) {
				t.Fatalf("op %d: RunUntil(%v) fired %v, reference %v", op, end, fired, want)
			}
		}
		if k.Now() != ref.now || k.Pending() != len(ref.pending) {
			t.Fatalf("op %d: kernel at %v with %d pending, reference at %v with %d", op, k.Now(), k.Pending(), ref.now, len(ref.pending))
		}
	}
	// Drain both.
	fired = fired[:0]
	k.Run()
	var want []int64
	for {
		e, ok := ref.pop(Forever)
		if !ok {
			break
		}
		want = append(want, e.token)
	}
	if !slices.Equal(fired, want) {
		t.Fatalf("drain fired %d events, reference %d; first difference at %d", len(fired), len(want), firstDiff(fired, want))
	}
	t.Logf("%d operations, %d events scheduled, %d fired", ops, token, k.Fired())
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

type counter struct{ n int }

func (c *counter) HandleEvent(Event) { c.n++ }

// In steady state the calendar reuses its slots: scheduling and firing an
// event, or scheduling and cancelling one, allocates nothing.
func TestKernelZeroAllocs(t *testing.T) {
	k := NewKernel(0)
	c := &counter{}
	for i := range 1000 {
		k.After(Time(i), c, 0, int64(i))
	}
	var d Time
	if a := testing.AllocsPerRun(10_000, func() {
		d = (d*7 + 13) % 2000
		k.After(d, c, 1, 2)
		k.Step()
	}); a != 0 {
		t.Errorf("Schedule+Step: %v allocations per event, want 0", a)
	}
	if a := testing.AllocsPerRun(10_000, func() {
		k.Cancel(k.After(5, c, 1, 2))
	}); a != 0 {
		t.Errorf("Schedule+Cancel: %v allocations per event, want 0", a)
	}
	// A func-valued handler is also one pointer in the interface.
	f := handlerFunc(func(Event) {})
	if a := testing.AllocsPerRun(10_000, func() {
		k.After(3, f, 0, 0)
		k.Step()
	}); a != 0 {
		t.Errorf("Schedule+Step with a handlerFunc: %v allocations per event, want 0", a)
	}
}

// TestKernelNext checks that Next reports the earliest pending event,
// through schedules, cancellations and firings.
func TestKernelNext(t *testing.T) {
	k := NewKernel(0)
	rec := &recorder{t: t, k: k}
	if _, ok := k.Next(); ok {
		t.Fatal("an empty kernel reports a next event")
	}
	a := k.Schedule(30, rec, 0, 1)
	k.Schedule(50, rec, 0, 2)
	for _, step := range []struct {
		do   func()
		want Time
		ok   bool
	}{
		{func() {}, 30, true},
		{func() { k.Schedule(20, rec, 0, 3) }, 20, true},
		{func() { k.Step() }, 30, true},
		{func() { k.Cancel(a) }, 50, true},
		{func() { k.Step() }, 0, false},
	} {
		step.do()
		if at, ok := k.Next(); at != step.want || ok != step.ok {
			t.Fatalf("Next() = %v, %v; want %v, %v", at, ok, step.want, step.ok)
		}
	}
}
