package sim

import "fmt"

// Event is what a handler receives: the time it fires and the two values
// given when it was scheduled. Kind and ID are the handler's own: a kind of
// event and the entity or task it concerns.
type Event struct {
	At   Time
	Kind int32
	ID   int64
}

// Handler reacts to events. Handlers are long-lived values (usually a
// pointer to a component of the model); the kernel stores the interface
// value with each event, which costs no allocation for pointer types.
type Handler interface {
	HandleEvent(ev Event)
}

// EventID names a scheduled event so that it can be cancelled. The zero
// EventID names no event. An EventID stays safe to use after its event has
// fired or been cancelled: Cancel then reports false.
type EventID struct {
	slot int32 // index into the kernel's slab, plus one
	gen  uint32
}

// IsZero reports whether id names no event.
func (id EventID) IsZero() bool { return id.slot == 0 }

// arity of the calendar heap. A 4-ary heap is half as deep as a binary
// heap, so a push sifts through half the levels. Measured with
// BenchmarkHold and BenchmarkCancelSchedule (amd64 VM, 2026-11), arity 2
// was 4-8% faster on the hold model at N <= 1000 and level at N = 100 000,
// but 15-35% slower at cancel+schedule for N <= 1000, which timeouts make
// common. Change the constant and rerun those benchmarks to compare again.
const arity = 4

// heapEntry is one pending event in the calendar. The ordering key is held
// inline so that sifting touches only the heap array.
type heapEntry struct {
	at   Time
	seq  uint64
	slot int32
}

func (a heapEntry) before(b heapEntry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// record is the payload of an event, at a stable slot while it is pending.
type record struct {
	h    Handler
	kind int32
	id   int64
	pos  int32 // index in heap, or -1 when the slot is free
	gen  uint32
}

// Kernel is a discrete-event kernel: a clock and a calendar of pending
// events, ordered by time and, at equal times, by the order in which they
// were scheduled. The zero Kernel is ready to use, at time zero.
//
// A Kernel is not safe for concurrent use; it is meant to be driven by one
// goroutine, which is what makes runs reproducible.
type Kernel struct {
	now     Time
	seq     uint64
	heap    []heapEntry
	slab    []record
	free    []int32
	stopped bool
	fired   uint64
}

// NewKernel returns a kernel at time zero with room for capacity pending
// events before it needs to grow.
func NewKernel(capacity int) *Kernel {
	return &Kernel{
		heap: make([]heapEntry, 0, capacity),
		slab: make([]record, 0, capacity),
		free: make([]int32, 0, capacity),
	}
}

// Now returns the current simulated time.
func (k *Kernel) Now() Time { return k.now }

// Pending returns the number of events in the calendar.
func (k *Kernel) Pending() int { return len(k.heap) }

// Next returns the time of the earliest pending event, and false when the
// calendar is empty.
func (k *Kernel) Next() (Time, bool) {
	if len(k.heap) == 0 {
		return 0, false
	}
	return k.heap[0].at, true
}

// Fired returns the number of events handled so far.
func (k *Kernel) Fired() uint64 { return k.fired }

// Schedule adds an event at time at for handler h and returns its ID.
// Scheduling into the past is a programming error and panics: a model that
// does so has lost causality, and no later result could be trusted.
func (k *Kernel) Schedule(at Time, h Handler, kind int32, id int64) EventID {
	if at < k.now {
		panic(fmt.Sprintf("sim: event scheduled at %v, before now %v", at, k.now))
	}
	if h == nil {
		panic("sim: nil handler")
	}
	var slot int32
	if n := len(k.free); n > 0 {
		slot = k.free[n-1]
		k.free = k.free[:n-1]
	} else {
		k.slab = append(k.slab, record{})
		slot = int32(len(k.slab) - 1)
	}
	r := &k.slab[slot]
	r.h, r.kind, r.id = h, kind, id
	r.pos = int32(len(k.heap))
	k.heap = append(k.heap, heapEntry{at: at, seq: k.seq, slot: slot})
	k.seq++
	k.up(len(k.heap) - 1)
	return EventID{slot: slot + 1, gen: r.gen}
}

// After schedules an event delay after now. A negative delay panics, as in
// Schedule. A delay that would carry past Forever (such as Forever itself,
// a "never" timeout) saturates at Forever instead of overflowing.
func (k *Kernel) After(delay Time, h Handler, kind int32, id int64) EventID {
	at := k.now + delay
	if delay > 0 && at < k.now {
		at = Forever
	}
	return k.Schedule(at, h, kind, id)
}

// Cancel removes a pending event. It reports whether the event was still
// pending; cancelling an event that has fired or was cancelled is harmless.
func (k *Kernel) Cancel(id EventID) bool {
	if id.slot <= 0 || int(id.slot) > len(k.slab) {
		return false
	}
	slot := id.slot - 1
	r := &k.slab[slot]
	if r.gen != id.gen || r.pos < 0 {
		return false
	}
	k.removeAt(int(r.pos))
	k.release(slot)
	return true
}

// When returns the time at which a pending event will fire, and false if
// the event is no longer pending.
func (k *Kernel) When(id EventID) (Time, bool) {
	if id.slot <= 0 || int(id.slot) > len(k.slab) {
		return 0, false
	}
	r := &k.slab[id.slot-1]
	if r.gen != id.gen || r.pos < 0 {
		return 0, false
	}
	return k.heap[r.pos].at, true
}

// Stop makes the running Run or RunUntil return after the current handler.
// Events still pending stay in the calendar; a later Run resumes them.
func (k *Kernel) Stop() { k.stopped = true }

// Step fires the next event, if any, and reports whether it did.
func (k *Kernel) Step() bool {
	if len(k.heap) == 0 {
		return false
	}
	k.fire()
	return true
}

// Run fires events until the calendar is empty or a handler calls Stop.
func (k *Kernel) Run() {
	k.stopped = false
	for len(k.heap) > 0 && !k.stopped {
		k.fire()
	}
}

// RunUntil fires every event due at or before end, in order, unless a
// handler calls Stop first. If it was not stopped, the clock then stands at
// end, so that time-weighted statistics can be closed at a known time.
func (k *Kernel) RunUntil(end Time) {
	if end < k.now {
		panic(fmt.Sprintf("sim: RunUntil(%v) before now %v", end, k.now))
	}
	k.stopped = false
	for len(k.heap) > 0 && !k.stopped && k.heap[0].at <= end {
		k.fire()
	}
	if !k.stopped {
		k.now = end
	}
}

// fire pops the earliest event, advances the clock and calls its handler.
func (k *Kernel) fire() {
	top := k.heap[0]
	k.removeAt(0)
	r := &k.slab[top.slot]
	h, ev := r.h, Event{At: top.at, Kind: r.kind, ID: r.id}
	k.release(top.slot)
	k.now = top.at
	k.fired++
	h.HandleEvent(ev)
}

func (k *Kernel) release(slot int32) {
	r := &k.slab[slot]
	r.h = nil // let the handler be collected if nothing else holds it
	r.pos = -1
	r.gen++
	k.free = append(k.free, slot)
}

// removeAt deletes heap[i], keeping the heap property.
func (k *Kernel) removeAt(i int) {
	last := len(k.heap) - 1
	if i != last {
		k.heap[i] = k.heap[last]
		k.slab[k.heap[i].slot].pos = int32(i)
	}
	k.heap = k.heap[:last]
	if i < last {
		if !k.down(i) {
			k.up(i)
		}
	}
}

func (k *Kernel) up(i int) {
	h := k.heap
	e := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(h[p]) {
			break
		}
		h[i] = h[p]
		k.slab[h[i].slot].pos = int32(i)
		i = p
	}
	h[i] = e
	k.slab[e.slot].pos = int32(i)
}

// down sifts heap[i] towards the leaves and reports whether it moved.
func (k *Kernel) down(i0 int) bool {
	h := k.heap
	n := len(h)
	i := i0
	e := h[i]
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		best := first
		end := min(first+arity, n)
		for c := first + 1; c < end; c++ {
			if h[c].before(h[best]) {
				best = c
			}
		}
		if !h[best].before(e) {
			break
		}
		h[i] = h[best]
		k.slab[h[i].slot].pos = int32(i)
		i = best
	}
	h[i] = e
	k.slab[e.slot].pos = int32(i)
	return i > i0
}
