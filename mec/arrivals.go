package mec

import (
	"math/rand/v2"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

// arrivalStream is one phone's stream of one workload: an instance of
// the workload's arrival process drawing from the stream's own generator.
type arrivalStream struct {
	next     sim.Time
	phone    int32
	workload int32
	arr      workloads.Arrivals
	rng      *rand.Rand
}

// advance draws the next arrival; one beyond the range of simulated time
// (or none at all: a trace that has ended) saturates at sim.Forever, which
// is past any run's end.
func (s *arrivalStream) advance() {
	gap := sim.Seconds(s.arr.Next(s.rng))
	if gap >= sim.Forever-s.next {
		s.next = sim.Forever
		return
	}
	s.next += gap
}

// arrivalMerger merges every stream into one sequence ordered by time and,
// at equal times, by stream index. Keeping the order out of the kernel's
// insertion sequence makes task numbering the same under every policy.
// It is a binary min-heap over the streams.
type arrivalMerger struct {
	heap []*arrivalStream
}

func (m *arrivalMerger) less(i, j int) bool {
	a, b := m.heap[i], m.heap[j]
	if a.next != b.next {
		return a.next < b.next
	}
	if a.phone != b.phone {
		return a.phone < b.phone
	}
	return a.workload < b.workload
}

func (m *arrivalMerger) push(s *arrivalStream) {
	m.heap = append(m.heap, s)
	i := len(m.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !m.less(i, p) {
			break
		}
		m.heap[i], m.heap[p] = m.heap[p], m.heap[i]
		i = p
	}
}

// top returns the stream with the earliest next arrival.
func (m *arrivalMerger) top() *arrivalStream { return m.heap[0] }

// fix restores heap order after the top stream advanced.
func (m *arrivalMerger) fix() {
	n := len(m.heap)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.less(r, l) {
			c = r
		}
		if !m.less(c, i) {
			return
		}
		m.heap[i], m.heap[c] = m.heap[c], m.heap[i]
		i = c
	}
}
