package mec

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// Slotted mode (Scenario.DecisionInterval > 0) decides tasks at slot
// boundaries k·DecisionInterval instead of as they arise. Run drives a
// slotted world with its policy; a controller that decides for itself (a
// multi-agent learner) drives it without goroutines, as a deterministic
// core that returns to its caller at every boundary:
//
//	for {
//		more, err := w.NextSlot() // run to the next boundary
//		// read w.SlotStats(i) and w.Balance() for the slot just ended
//		for i := range phones {
//			for w.Waiting(i) > 0 {
//				obs, _ := w.ObserveWaiting(i) // phone i's next task
//				w.DecideWaiting(i, decide(obs))
//			}
//		}
//		if !more {
//			break // drained: w.Results
//		}
//	}
//
// Tasks a controller leaves undecided wait for the next boundary.

// SlotStats is one phone's accounting over one slot, the time from one
// boundary to the next.
type SlotStats struct {
	// InSystem is the integral over the slot of the number of the phone's
	// tasks in the system (arisen, not yet ended; a DAG job counts once),
	// in task-seconds. Summed over the slots of a run it is the total time
	// the phone's tasks spent in the system (Little's law), their latency
	// and the time refused tasks took to be refused.
	InSystem float64
	// Energy is the joules charged to the phone's tasks in the slot: a DAG
	// job's as each part is known (an input's or output's radio energy as
	// it is sent, local computing as a subtask ends, idling as the job
	// ends), another task's whole energy as it ends. Summed over a run it
	// is the sum of the tasks' recorded energies.
	Energy float64
	// Imposed is the waiting the phone's tasks imposed on the tasks queued
	// behind them away from the phone (at edge sites, the cloud, D2D
	// peers), the phone's own included, charged as each of its tasks
	// finishes computing there, in task-seconds: for each task still
	// waiting then, the time it waited while this one computed, over the
	// station's processors. It is the first-order difference the task
	// made to everyone's waits (those behind it would have started that
	// much earlier without it). At a station of one processor, summed over
	// a drained run it is the total waiting there: while a task waits the
	// processor is busy, and the task on it is charged as it finishes.
	// With more processors, the part of a wait that overlaps another
	// processor's task which finishes after the waiting task started is
	// not charged, and the sum is a lower bound. Not charged: waits behind
	// LLM requests decoded in continuous batches (llm_batch > 1), which
	// end outside a station's queue, and a vision batch's followers (its
	// leader's phone is charged for the batch); at a D2D peer, waits
	// behind the peer's own tasks. It is 0 unless World.MeasureImposed was
	// called: measuring costs a pass over a station's queue whenever a
	// task finishes there.
	Imposed float64
}

// slotQueue is a phone's state in slotted mode.
type slotQueue struct {
	waiting []int64 // tasks waiting for a decision, from head on
	head    int
	inSys   int // the phone's tasks in the system
	at      sim.Time
	area    sim.Time // ∫ inSys dt since the slot began, task·ns
	energy  float64  // joules charged in the slot so far
	imposed float64  // waiting imposed on the tasks behind in the slot so far, task·s
	last    SlotStats
}

// balanceStats averages the load balance over the boundaries that end a
// slot beginning before the scenario's duration: the steps of an episode.
type balanceStats struct {
	last, sum float64
	load      float64 // the edge's utilisation over the last slot
	n         int
}

// wait makes task id wait at its phone for the next boundary.
func (w *World) wait(id int64) {
	t := &w.tasks[id]
	t.place = placeNone
	q := &w.phones[t.phone].queue
	if q.head > 0 && q.head == len(q.waiting) {
		q.waiting, q.head = q.waiting[:0], 0
	}
	q.waiting = append(q.waiting, id)
	w.waiting++
}

// enter and leave count a task (a DAG job once) into and out of its
// phone's tasks in the system.
func (w *World) enter(now sim.Time, ph *phone) {
	ph.queue.accrue(now)
	ph.queue.inSys++
}

func (w *World) leave(now sim.Time, t *task) {
	q := &w.phones[t.phone].queue
	q.accrue(now)
	q.inSys--
	if t.job < 0 {
		// Its energy is charged when the slot closes, once everything
		// done at this instant (such as its idle share) is in its record.
		w.ended = append(w.ended, t.id)
	}
}

// MeasureImposed makes a slotted world measure SlotStats.Imposed from
// now on.
func (w *World) MeasureImposed() { w.imposing = w.slotted }

// impose charges task t, whose computation at station st ends now, with
// the waiting it imposed on the tasks still queued there (SlotStats.Imposed).
func (w *World) impose(now sim.Time, t *task, st *station) {
	// The run that ends now began service ago (a split request's decode
	// keeps its prefill's start; a phone's thermal stretch is in service).
	begin := now - t.service
	var sum sim.Time
	for _, e := range st.queue.h {
		sum += now - max(begin, w.tasks[e.id].queued)
	}
	w.phones[t.phone].queue.imposed += sum.Seconds() / float64(st.servers)
}

// n is the number of tasks waiting.
func (q *slotQueue) n() int { return len(q.waiting) - q.head }

// front is the next task to decide.
func (q *slotQueue) front() int64 { return q.waiting[q.head] }

// pop removes the front task, reusing the storage once none is left.
func (q *slotQueue) pop() {
	q.head++
	if q.head == len(q.waiting) {
		q.waiting, q.head = q.waiting[:0], 0
	}
}

func (q *slotQueue) accrue(now sim.Time) {
	q.area += sim.Time(q.inSys) * (now - q.at)
	q.at = now
}

// jobEnergy charges joules to a DAG job.
func (w *World) jobEnergy(j *job, joules float64) {
	j.energy += joules
	if w.slotted {
		w.phones[w.tasks[j.head].phone].queue.energy += joules
	}
}

// accrueBusy brings station st's busy time up to now, before its number
// of busy processors changes.
func (w *World) accrueBusy(now sim.Time, st *station) {
	if w.slotted {
		st.busyArea += float64(st.busy) * (now - st.busyAt).Seconds()
		st.busyAt = now
	}
}

// slotRank is the upward rank of each subtask of job g arising with task
// head: compute times on the phone's processor, transfers at the rate the
// phone's uplink to its cell would give it alone now (none if it gives
// none).
func (w *World) slotRank(head *task, g workloads.DAG) []float64 {
	ph := &w.phones[head.phone]
	s := &w.sites[ph.cell]
	rate := s.up.RateWith(1, topology.DBmToWatts(w.rxDBm(w.sc.TxPowerDBm, w.where(ph), ph.cell)))
	return g.UpwardRank(func(i int) float64 { return w.sc.PhoneCPU.Compute(g.Tasks[i].Ops) },
		func(e workloads.Edge) float64 {
			if !(rate > 0) {
				return 0
			}
			return 8 * e.Bytes / rate
		})
}

// priority is the key of a waiting task under ByRank.
func (w *World) priority(id int64) float64 {
	t := &w.tasks[id]
	if t.sub >= 0 {
		return w.jobs[t.job].prio[t.sub]
	}
	c := &w.local[t.workload]
	return c.first + c.rest
}

// NextSlot closes the slot in progress and runs the world to the next
// decision boundary: every event due at or before it fires, and the tasks
// that arise or become ready meanwhile wait at their phones, sorted by the
// scenario's priority rule. The first call starts the run and stops at
// boundary 0. It reports false once the run has drained: no event is
// pending and no task waits. A slot's accounting (SlotStats, Balance) is
// ready when NextSlot returns.
func (w *World) NextSlot() (bool, error) {
	if !w.slotted {
		return false, errors.New("mec: NextSlot on a world that decides tasks as they arise (Scenario.DecisionInterval is 0)")
	}
	if w.err != nil {
		return false, w.err
	}
	if !w.started {
		w.start()
	}
	w.slot++
	if w.slot > int64(sim.Forever/w.sc.DecisionInterval) {
		w.fail(fmt.Errorf("mec: slot %d lies beyond the range of simulated time", w.slot))
		return false, w.err
	}
	b := sim.Time(w.slot) * w.sc.DecisionInterval
	w.k.RunUntil(b)
	if w.err != nil {
		return false, w.err
	}
	w.closeSlot(b)
	for i := range w.phones {
		q := &w.phones[i].queue
		if q.n() > 1 && w.sc.Priority == ByRank {
			// Stable: ties stay in order of arrival.
			slices.SortStableFunc(q.waiting[q.head:], func(a, b int64) int {
				pa, pb := w.priority(a), w.priority(b)
				switch {
				case pa > pb:
					return -1
				case pa < pb:
					return 1
				}
				return 0
			})
		}
	}
	return w.k.Pending() > 0 || w.waiting > 0, nil
}

// closeSlot ends every phone's slot at boundary b and takes the balance.
func (w *World) closeSlot(b sim.Time) {
	for _, id := range w.ended {
		t := &w.tasks[id]
		w.phones[t.phone].queue.energy += w.record(id, "").Energy
	}
	w.ended = w.ended[:0]
	for i := range w.phones {
		q := &w.phones[i].queue
		q.accrue(b)
		q.last = SlotStats{InSystem: q.area.Seconds(), Energy: q.energy, Imposed: q.imposed}
		q.area, q.energy, q.imposed = 0, 0, 0
	}
	for i := range w.sites {
		w.accrueBusy(b, &w.sites[i].server)
	}
	w.balance.last = w.jain(func(st *station) float64 { return st.busyArea })
	var busy, capacity float64
	for i := range w.sites {
		busy += w.sites[i].server.busyArea
		capacity += float64(w.sites[i].server.servers)
		w.sites[i].server.busyArea = 0
	}
	w.balance.load = 0
	if capacity > 0 {
		w.balance.load = busy / (capacity * w.sc.DecisionInterval.Seconds())
	}
	if w.slot >= 1 && w.slot <= w.episodeSlots() {
		w.balance.sum += w.balance.last
		w.balance.n++
	}
}

// episodeSlots is the number of slots that begin before the scenario's
// duration: boundary k ends one of them for 1 ≤ k ≤ episodeSlots.
func (w *World) episodeSlots() int64 {
	n := int64(w.sc.Duration / w.sc.DecisionInterval)
	if sim.Time(n)*w.sc.DecisionInterval < w.sc.Duration {
		n++
	}
	return n
}

// jain is Jain's fairness index of the edge sites' loads, each load(site)
// per server: (Σx)² / (n·Σx²), 1 when the load is even (or there is
// none), 1/n when one site has all.
func (w *World) jain(load func(*station) float64) float64 {
	var sum, sq float64
	for i := range w.sites {
		st := &w.sites[i].server
		x := load(st) / float64(st.servers)
		sum += x
		sq += x * x
	}
	if sq == 0 {
		return 1
	}
	return sum * sum / (float64(len(w.sites)) * sq)
}

// Boundary returns the boundary the world stands at.
func (w *World) Boundary() sim.Time { return w.k.Now() }

// SlotStats returns phone i's accounting over the slot that ended at the
// last boundary (zero for the first, at time 0).
func (w *World) SlotStats(i int) SlotStats { return w.phones[i].queue.last }

// Balance returns the load balance of the edge sites over the slot that
// ended at the last boundary: Jain's fairness index (Σx)²/(n·Σx²) of
// their busy times per server x (processor-seconds busy over the slot,
// divided by the site's processors). It lies in [1/sites, 1]: 1 when the
// sites are equally busy (or all idle), 1/sites when one site does all
// the work.
func (w *World) Balance() float64 { return w.balance.last }

// EdgeLoad returns the edge sites' utilisation over the slot that ended
// at the last boundary: their processors' busy seconds over the slot
// divided by processors × decision interval, in [0, 1] (0 with no site).
// It weighs Balance where imbalance should count only as much as there
// is load to balance.
func (w *World) EdgeLoad() float64 { return w.balance.load }

// MeanBalance returns the mean of Balance over the slots that begin
// before the scenario's duration, as far as the run has gone (1 if none
// has ended).
func (w *World) MeanBalance() float64 {
	if w.balance.n == 0 {
		return 1
	}
	return w.balance.sum / float64(w.balance.n)
}

// Waiting returns the number of phone i's tasks waiting for a decision.
func (w *World) Waiting(i int) int {
	if i < 0 || i >= len(w.phones) {
		return 0
	}
	return w.phones[i].queue.n()
}

// ObserveWaiting returns the observation of phone i's next waiting task,
// valid until the next call into the world.
func (w *World) ObserveWaiting(i int) (*policies.Observation, error) {
	if err := w.checkWaiting(i); err != nil {
		return nil, err
	}
	w.observeTask(w.k.Now(), w.phones[i].queue.front())
	return &w.obs, nil
}

// ObserveWaitingAsIs returns the observation of phone i's next waiting
// task with the servers' queues as they are, whatever
// Scenario.StaleState: what a trainer, which sees the whole world, may
// reward a decision with while the phone decides on ObserveWaiting's
// stale view. Its targets are ObserveWaiting's, in the same order; it is
// valid until the next call into the world.
func (w *World) ObserveWaitingAsIs(i int) (*policies.Observation, error) {
	if err := w.checkWaiting(i); err != nil {
		return nil, err
	}
	w.asIs = true
	w.observeTask(w.k.Now(), w.phones[i].queue.front())
	w.asIs = false
	w.obsID = -1 // DecideWaiting acts on the phone's view, observed again
	return &w.obs, nil
}

// DecideWaiting carries out decision d on phone i's next waiting task, d
// naming a target of its observation. A decision the task cannot take (a
// target out of range, a split of a task that is not an LLM request) is
// an error, and the task keeps waiting.
func (w *World) DecideWaiting(i int, d policies.Decision) error {
	if err := w.checkWaiting(i); err != nil {
		return err
	}
	q := &w.phones[i].queue
	id := q.front()
	now := w.k.Now()
	if w.obsID != id {
		w.observeTask(now, id)
	}
	if err := w.checkDecision(id, d); err != nil {
		return err
	}
	q.pop()
	w.waiting--
	w.apply(now, id, d)
	return w.err
}

func (w *World) checkWaiting(i int) error {
	switch {
	case !w.slotted:
		return errors.New("mec: no task waits in a world that decides tasks as they arise")
	case w.err != nil:
		return w.err
	case i < 0 || i >= len(w.phones):
		return fmt.Errorf("mec: phone %d of %d", i, len(w.phones))
	case w.phones[i].queue.n() == 0:
		return fmt.Errorf("mec: phone %d has no task waiting", i)
	}
	return nil
}

// checkDecision refuses a decision that apply would fail the run for.
func (w *World) checkDecision(id int64, d policies.Decision) error {
	if d.Target < 0 || d.Target >= len(w.places) {
		return fmt.Errorf("mec: task %d: target %d of %d", id, d.Target, len(w.places))
	}
	t := &w.tasks[id]
	if !d.Split || t.sub >= 0 {
		return nil
	}
	if w.sc.Workloads[t.workload].Kind != LLM || d.DecodeTarget < 0 || d.DecodeTarget >= len(w.places) || d.DecodeTarget == d.Target ||
		w.isPeer(w.places[d.Target]) || w.isPeer(w.places[d.DecodeTarget]) {
		return fmt.Errorf("mec: task %d: split prefill at target %d and decode at %d of %d (LLM requests only, two different non-peer targets)",
			id, d.Target, d.DecodeTarget, len(w.places))
	}
	return nil
}

// ObservePhone returns what phone i sees with no task to place: its
// state, and its targets in the usual order (local processors, the edge
// sites in range, the cloud; no D2D peers) with their queue lengths and
// distances and no estimates. It is valid until the next call into the
// world.
func (w *World) ObservePhone(i int) (*policies.Observation, error) {
	if i < 0 || i >= len(w.phones) {
		return nil, fmt.Errorf("mec: phone %d of %d", i, len(w.phones))
	}
	now := w.k.Now()
	ph := &w.phones[i]
	pos := w.where(ph)
	o := &w.obs
	w.obsID = -1
	o.Now = now.Seconds()
	o.Task = policies.Task{ID: -1, DAGJob: -1, Subtask: -1}
	o.Device = policies.Device{Index: i, X: pos.X, Y: pos.Y, QueueLen: ph.cpu.length(), Cell: ph.cell,
		CellUsers: w.sites[ph.cell].up.Active(), Waiting: ph.queue.n()}
	w.deviceState(now, ph)
	o.Targets = o.Targets[:0]
	o.Targets = append(o.Targets, policies.Target{Kind: policies.Local, Name: "local", QueueLen: ph.cpu.length()})
	for k := range w.sc.PhoneExtra {
		o.Targets = append(o.Targets, policies.Target{Kind: policies.Local, Name: w.localNames[k+1], Index: k + 1,
			QueueLen: ph.extra[k].length()})
	}
	for si := range w.sites {
		s := &w.sites[si]
		if d := pos.Dist(s.Pos); d <= s.Coverage {
			o.Targets = append(o.Targets, policies.Target{Kind: policies.Edge, Name: s.name, Index: si, Distance: d,
				QueueLen: w.seenLength(&s.server)})
		}
	}
	o.Targets = append(o.Targets, policies.Target{Kind: policies.Cloud, Name: "cloud", Index: -1,
		Distance: pos.Dist(w.sites[ph.cell].Pos), QueueLen: w.seenLength(&w.cloud)})
	return o, nil
}

// runSlotted drives a slotted run with the world's policy, deciding every
// waiting task at each boundary, and skips the boundaries at which nothing
// can be waiting.
func (w *World) runSlotted() error {
	for n := 0; ; n++ {
		more, err := w.NextSlot()
		if err != nil {
			return err
		}
		now := w.k.Now()
		for i := range w.phones {
			q := &w.phones[i].queue
			for q.n() > 0 {
				id := q.front()
				w.observeTask(now, id)
				d, err := w.policy.Decide(&w.obs)
				if err != nil {
					return fmt.Errorf("task %d: policy: %w", id, err)
				}
				q.pop()
				w.waiting--
				w.apply(now, id, d)
				if w.err != nil {
					return w.err
				}
			}
		}
		if !more {
			return nil
		}
		if w.progress != nil && n%1024 == 0 {
			w.progress(now)
		}
		// Nothing happens before the next event: the boundaries before it
		// find nothing waiting and the sites as they are now.
		next, ok := w.k.Next()
		if !ok {
			continue
		}
		k := int64(next / w.sc.DecisionInterval)
		if sim.Time(k)*w.sc.DecisionInterval < next {
			k++
		}
		if k-1 > w.slot {
			// Every processor busy now stays busy through the skipped
			// slots, and the slot that ends at boundary k starts afresh.
			if counted := min(k-1, w.episodeSlots()) - w.slot; counted > 0 {
				w.balance.sum += float64(counted) * w.jain(func(st *station) float64 { return float64(st.busy) })
				w.balance.n += int(counted)
			}
			w.slot = k - 1
			at := sim.Time(w.slot) * w.sc.DecisionInterval
			for i := range w.sites {
				st := &w.sites[i].server
				w.accrueBusy(at, st)
				st.busyArea = 0
			}
		}
	}
}

// SlotBound returns, in slotted mode, a latency that task id (a task, or
// the row of a DAG job) cannot beat under any placement: the wait from
// its arrival to the first boundary at or after it, plus one decision
// interval for every level of its graph below the first. A subtask is
// decided at a boundary; whatever its parents' placements, they finish
// no sooner than the boundary they were decided at, and what happens
// then is handled after that boundary's decisions, so it waits at least
// for the next one. A job whose longest chain holds L subtasks thus has
// its last ones decided at least L−1 boundaries after its first, and
// ends no sooner (later, when its last subtasks take any time). The gap
// between a policy's latency and this bound is all that any policy could
// gain on it. It is 0 for an event-driven world, a DAG subtask or an id
// that is no task.
func (w *World) SlotBound(id int64) float64 {
	if !w.slotted || id < 0 || id >= int64(len(w.tasks)) {
		return 0
	}
	t := &w.tasks[id]
	if t.sub >= 0 {
		return 0 // a subtask: its job's row has the bound
	}
	iv := w.sc.DecisionInterval
	first := (t.arrival + iv - 1) / iv * iv
	levels := 0
	if t.job >= 0 && int(t.job) < len(w.jobs) {
		for _, l := range w.jobs[t.job].level {
			levels = max(levels, l)
		}
	}
	return (first - t.arrival + sim.Time(levels)*iv).Seconds()
}
