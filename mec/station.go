package mec

import (
	"fmt"

	"github.com/mecsim/mecsim/sim"
)

// Discipline is the order in which a station serves its queue.
type Discipline int

// Queue disciplines.
const (
	FIFO Discipline = iota // first come, first served
	SJF                    // shortest job (least compute time) first
	EDF                    // earliest absolute deadline first
)

// ParseDiscipline reads "fifo", "sjf" or "edf".
func ParseDiscipline(s string) (Discipline, error) {
	switch s {
	case "fifo", "":
		return FIFO, nil
	case "sjf":
		return SJF, nil
	case "edf":
		return EDF, nil
	}
	return 0, fmt.Errorf("unknown queue discipline %q (known: fifo, sjf, edf)", s)
}

func (d Discipline) String() string { return [...]string{"fifo", "sjf", "edf"}[d] }

// station is a pool of identical processors in front of one queue: a
// phone's CPU (one processor, FIFO), an edge server or the cloud.
type station struct {
	servers    int
	busy       int
	discipline Discipline
	limit      int // most tasks that may wait (not counting those in service); 0 for no limit
	batch      int // most vision tasks of one model served together; 0 or 1 for no batching
	llmBatch   int // most LLM requests decoded together per accelerator; 0 or 1 for none
	engines    []llmEngine
	queue      pqueue

	// For the waiting-time estimate a phone would compute: the service
	// time of queued tasks, and the sum of running batches' finish times,
	// in seconds (a sum of integer times could overflow on long runs).
	queuedWork  float64
	finishTotal float64

	// Tasks on their way: sent here by a decision, not yet arrived. Phones
	// count them, as a server that accepts a task reserves room for it;
	// otherwise every phone would see the same idle server and herd to it.
	incoming     int
	incomingWork float64

	// Slotted mode: processor-seconds busy since busyAt in the slot in
	// progress, for the load balance.
	busyArea float64
	busyAt   sim.Time

	// The last report of the state, for phones that see it late.
	reportLen  int
	reportWait float64
	reportAt   sim.Time
}

func (s *station) takeReport(now sim.Time) {
	s.reportLen, s.reportWait, s.reportAt = s.length(), s.wait(now), now
}

func newStation(servers int, d Discipline, limit, batch, llmBatch int) station {
	st := station{servers: servers, discipline: d, limit: limit, batch: batch, llmBatch: llmBatch}
	if llmBatch > 1 {
		st.engines = make([]llmEngine, servers)
		for i := range st.engines {
			st.engines[i].workload, st.engines[i].prefilling = -1, -1
		}
	}
	return st
}

// length returns the tasks queued, in service or on their way.
func (s *station) length() int { return s.busy + s.queue.len() + s.incoming }

// full reports whether a task arriving now would find no room to wait.
func (s *station) full() bool {
	return s.limit > 0 && s.busy >= s.servers && s.queue.len() >= s.limit
}

// wait estimates how long a task arriving now waits before it starts: the
// work ahead of it spread over the processors, or zero if one is free.
func (s *station) wait(now sim.Time) float64 {
	if s.busy+s.queue.len()+s.incoming < s.servers {
		return 0
	}
	remaining := max(0, s.finishTotal-float64(s.busy)*now.Seconds())
	return (s.queuedWork + s.incomingWork + remaining) / float64(s.servers)
}

// key is the priority of a task under the station's discipline: smaller
// is served first, ties in order of arrival.
func (s *station) key(service, deadline sim.Time) float64 {
	switch s.discipline {
	case SJF:
		return service.Seconds()
	case EDF:
		return deadline.Seconds()
	}
	return 0
}

// pqueue is a binary min-heap of task ids by (key, arrival order). Under
// FIFO every key is 0 and it is a plain queue.
type pqueue struct {
	h   []pentry
	seq uint64
}

type pentry struct {
	key float64
	seq uint64
	id  int64
}

func (a pentry) less(b pentry) bool { return a.key < b.key || a.key == b.key && a.seq < b.seq }

func (q *pqueue) len() int { return len(q.h) }

func (q *pqueue) push(id int64, key float64) {
	q.h = append(q.h, pentry{key: key, seq: q.seq, id: id})
	q.seq++
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.h[i].less(q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *pqueue) peek() int64 { return q.h[0].id }

func (q *pqueue) pop() int64 {
	top := q.h[0].id
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && q.h[r].less(q.h[l]) {
			c = r
		}
		if !q.h[c].less(q.h[i]) {
			break
		}
		q.h[i], q.h[c] = q.h[c], q.h[i]
		i = c
	}
	return top
}

// fifo is a queue of task indices (or delivery refs) that reuses its
// storage.
type fifo struct {
	items []int64
	head  int
}

func (q *fifo) len() int { return len(q.items) - q.head }

func (q *fifo) push(x int64) {
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 64 && q.head > len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, x)
}

func (q *fifo) pop() int64 {
	x := q.items[q.head]
	q.head++
	return x
}
