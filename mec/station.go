package mec

import "github.com/mecsim/mecsim/sim"

// station is a pool of identical processors in front of one FIFO queue:
// a phone's CPU (one processor), an edge server or the cloud.
type station struct {
	servers int
	busy    int
	queue   fifo

	// For the waiting-time estimate a phone would compute: the service
	// time of queued tasks, and the sum of running tasks' finish times, in
	// seconds (a sum of integer times could overflow on long runs).
	queuedWork  float64
	finishTotal float64
}

// length returns the tasks queued or in service.
func (s *station) length() int { return s.busy + s.queue.len() }

// wait estimates how long a task arriving now waits before it starts: the
// work ahead of it spread over the processors, or zero if one is free.
func (s *station) wait(now sim.Time) float64 {
	if s.busy < s.servers {
		return 0
	}
	remaining := max(0, s.finishTotal-float64(s.busy)*now.Seconds())
	return (s.queuedWork + remaining) / float64(s.servers)
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
