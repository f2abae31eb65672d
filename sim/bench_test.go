package sim

import (
	"container/heap"
	"fmt"
	"testing"
)

// The hold model (Jones, "An empirical comparison of priority-queue and
// event-set implementations", CACM 1986) is the classic benchmark of an
// event calendar: with N events pending, each operation removes the
// earliest and schedules a new one at its time plus a random increment, so
// the calendar stays at size N. One benchmark op is one such hold: a pop,
// a handler call and a push.
//
// Increments are exponential with mean 1 ms, drawn before the timer starts
// into a ring of holdRing values, so the generator is not measured.

var holdSizes = []int{10, 1000, 100_000}

const holdRing = 1 << 16

func holdIncrements() []Time {
	r := NewStreams(1).Rand("bench/hold")
	inc := make([]Time, holdRing)
	for i := range inc {
		inc[i] = Seconds(r.ExpFloat64() * 1e-3)
	}
	return inc
}

// holder is the handler of the hold model on Kernel: each event schedules
// its successor.
type holder struct {
	k   *Kernel
	inc []Time
	i   int
}

func (h *holder) next() Time {
	d := h.inc[h.i&(holdRing-1)]
	h.i++
	return d
}

func (h *holder) HandleEvent(Event) { h.k.After(h.next(), h, 0, 0) }

func reportRate(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// BenchmarkHold measures the kernel's 4-ary heap calendar. Steady state
// allocates nothing per event.
func BenchmarkHold(b *testing.B) {
	for _, n := range holdSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := NewKernel(n + 1)
			h := &holder{k: k, inc: holdIncrements()}
			for range n {
				k.After(h.next(), h, 0, 0)
			}
			for range 2 * n { // reach the steady-state spread of times
				k.Step()
			}
			b.ReportAllocs()
			for b.Loop() {
				k.Step()
			}
			reportRate(b, "events/s")
			if k.Pending() != n {
				b.Fatalf("Pending = %d, want %d", k.Pending(), n)
			}
		})
	}
}

// stdKernel is the textbook calendar for comparison: container/heap over
// a binary heap of *stdItem, one allocation per event, cancellation by
// heap.Remove at the item's tracked index (as in the container/heap
// priority-queue example).
type stdKernel struct {
	now Time
	seq uint64
	pq  stdQueue
}

type stdItem struct {
	at    Time
	seq   uint64
	h     Handler
	kind  int32
	id    int64
	index int
}

type stdQueue []*stdItem

func (q stdQueue) Len() int { return len(q) }
func (q stdQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q stdQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *stdQueue) Push(x any) {
	it := x.(*stdItem)
	it.index = len(*q)
	*q = append(*q, it)
}
func (q *stdQueue) Pop() any {
	old := *q
	n := len(old) - 1
	it := old[n]
	old[n] = nil
	it.index = -1
	*q = old[:n]
	return it
}

func (k *stdKernel) after(d Time, h Handler, kind int32, id int64) *stdItem {
	it := &stdItem{at: k.now + d, seq: k.seq, h: h, kind: kind, id: id}
	k.seq++
	heap.Push(&k.pq, it)
	return it
}

func (k *stdKernel) cancel(it *stdItem) bool {
	if it.index < 0 {
		return false
	}
	heap.Remove(&k.pq, it.index)
	return true
}

func (k *stdKernel) step() {
	it := heap.Pop(&k.pq).(*stdItem)
	k.now = it.at
	it.h.HandleEvent(Event{At: it.at, Kind: it.kind, ID: it.id})
}

type stdHolder struct {
	k   *stdKernel
	inc []Time
	i   int
}

func (h *stdHolder) next() Time {
	d := h.inc[h.i&(holdRing-1)]
	h.i++
	return d
}

func (h *stdHolder) HandleEvent(Event) { h.k.after(h.next(), h, 0, 0) }

// BenchmarkHoldContainerHeap is BenchmarkHold on the stdKernel, with the
// same increments, for comparison.
func BenchmarkHoldContainerHeap(b *testing.B) {
	for _, n := range holdSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := &stdKernel{pq: make(stdQueue, 0, n+1)}
			h := &stdHolder{k: k, inc: holdIncrements()}
			for range n {
				k.after(h.next(), h, 0, 0)
			}
			for range 2 * n {
				k.step()
			}
			b.ReportAllocs()
			for b.Loop() {
				k.step()
			}
			reportRate(b, "events/s")
			if k.pq.Len() != n {
				b.Fatalf("pending = %d, want %d", k.pq.Len(), n)
			}
		})
	}
}

// BenchmarkCancelSchedule measures rescheduling, as a timeout that is
// pushed back: with N events pending, each op cancels one pending event
// chosen pseudo-randomly (from a pre-drawn ring of indexes) and schedules
// a replacement.
func BenchmarkCancelSchedule(b *testing.B) {
	for _, n := range holdSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := NewKernel(n + 1)
			h := &holder{k: k, inc: holdIncrements()}
			ids := make([]EventID, n)
			for j := range ids {
				ids[j] = k.After(h.next(), h, 0, 0)
			}
			pick := victimRing(n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := pick[i&(holdRing-1)]
				i++
				if !k.Cancel(ids[j]) {
					b.Fatal("Cancel of a pending event failed")
				}
				ids[j] = k.After(h.next(), h, 0, 0)
			}
			reportRate(b, "ops/s")
		})
	}
}

// BenchmarkCancelScheduleContainerHeap is BenchmarkCancelSchedule on the
// stdKernel.
func BenchmarkCancelScheduleContainerHeap(b *testing.B) {
	for _, n := range holdSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			k := &stdKernel{pq: make(stdQueue, 0, n+1)}
			h := &stdHolder{k: k, inc: holdIncrements()}
			items := make([]*stdItem, n)
			for j := range items {
				items[j] = k.after(h.next(), h, 0, 0)
			}
			pick := victimRing(n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := pick[i&(holdRing-1)]
				i++
				if !k.cancel(items[j]) {
					b.Fatal("cancel of a pending event failed")
				}
				items[j] = k.after(h.next(), h, 0, 0)
			}
			reportRate(b, "ops/s")
		})
	}
}

func victimRing(n int) []int {
	r := NewStreams(1).Rand("bench/victims")
	pick := make([]int, holdRing)
	for i := range pick {
		pick[i] = r.IntN(n)
	}
	return pick
}

// The stdKernel must be a faithful calendar for the comparison to mean
// anything: same order as Kernel on the same schedule.
func TestStdKernelMatchesKernel(t *testing.T) {
	inc := holdIncrements()
	k := NewKernel(0)
	s := &stdKernel{}
	var got, want []int64
	rk := handlerFunc(func(ev Event) { got = append(got, ev.ID) })
	rs := handlerFunc(func(ev Event) { want = append(want, ev.ID) })
	var kids []EventID
	var sids []*stdItem
	for i := range 2000 {
		d := inc[i] % 50 // small range: many ties
		kids = append(kids, k.After(d, rk, 0, int64(i)))
		sids = append(sids, s.after(d, rs, 0, int64(i)))
		if i%7 == 3 {
			j := int(inc[i+1]) % len(kids)
			if a, b := k.Cancel(kids[j]), s.cancel(sids[j]); a != b {
				t.Fatalf("cancel %d: Kernel %v, stdKernel %v", j, a, b)
			}
		}
		if i%3 == 0 {
			k.Step()
			s.step()
		}
	}
	k.Run()
	for s.pq.Len() > 0 {
		s.step()
	}
	if len(got) != len(want) || firstDiff(got, want) != len(got) {
		t.Errorf("orders differ at %d (of %d, %d)", firstDiff(got, want), len(got), len(want))
	}
}
