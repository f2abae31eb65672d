package mec

import (
	"fmt"

	"github.com/mecsim/mecsim/sim"
)

// llmEngine is one accelerator serving LLM requests by continuous
// batching (as Orca and vLLM do): requests join a running batch after
// their prefill, every decode step produces one token for every request in
// the batch, and a request leaves as soon as its last token is out.
//
// The decode steps are modelled as a fluid: with b requests in the batch
// each gains a token every DecodeBatch(b) seconds, so, as on a
// processor-sharing link, the engine schedules one event at the next
// request to finish and reschedules it whenever the batch changes. A
// prefill stalls the decoding while it runs (prefill-first scheduling).
type llmEngine struct {
	workload   int32    // the workload it serves; -1 when idle
	members    []member // requests decoding
	waiting    fifo     // requests waiting for their prefill here
	prefilling int64    // request whose prefill runs, or -1
	last       sim.Time // time the members' progress was last brought up to date
	step       float64  // seconds per decode step at the current batch size
	event      sim.EventID
}

type member struct {
	id   int64
	left float64 // tokens still to decode
}

// active counts the requests the engine holds.
func (e *llmEngine) active() int {
	n := len(e.members) + e.waiting.len()
	if e.prefilling >= 0 {
		n++
	}
	return n
}

// engineKey packs a station and an engine into an event ID.
func engineKey(place, engine int) int64 { return int64(place+2)<<16 | int64(engine) }

// llmBatching reports whether st serves task t's LLM requests by
// continuous batching.
func (w *World) llmBatching(st *station, t *task) bool {
	return st.llmBatch > 1 && w.sc.Workloads[t.workload].Kind == LLM
}

// admit places LLM request id on an engine of st: one serving its model
// with room, else an idle accelerator. It reports false when neither
// exists and the request must queue.
func (w *World) admit(now sim.Time, st *station, place int, id int64) bool {
	t := &w.tasks[id]
	free := -1
	for i := range st.engines {
		e := &st.engines[i]
		if e.workload == t.workload && e.active() < st.llmBatch {
			w.join(now, st, place, i, id)
			return true
		}
		if e.workload < 0 && free < 0 {
			free = i
		}
	}
	if free < 0 || st.busy >= st.servers {
		return false
	}
	w.accrueBusy(now, st)
	st.busy++
	st.engines[free].workload = t.workload
	st.engines[free].last = now
	w.join(now, st, place, free, id)
	return true
}

// join queues id for its prefill on engine i, starting it if the engine
// is not already prefilling.
func (w *World) join(now sim.Time, st *station, place, i int, id int64) {
	e := &st.engines[i]
	w.tasks[id].start = now
	w.tasks[id].pending = 2 // the first token, then the rest
	e.waiting.push(id)
	if e.prefilling < 0 {
		w.nextPrefill(now, st, place, i)
	}
}

// nextPrefill starts the next waiting prefill, or resumes decoding.
func (w *World) nextPrefill(now sim.Time, st *station, place, i int) {
	e := &st.engines[i]
	w.advance(now, e)
	w.k.Cancel(e.event)
	if e.waiting.len() == 0 {
		e.prefilling = -1
		w.scheduleEngine(now, st, place, i)
		return
	}
	id := e.waiting.pop()
	t := &w.tasks[id]
	t.start = now
	e.prefilling = id
	e.event = w.k.Schedule(now+t.first, w, evEngine, engineKey(place, i))
}

// advance brings the members' progress up to now; nothing decodes while a
// prefill runs.
func (w *World) advance(now sim.Time, e *llmEngine) {
	if e.prefilling < 0 && len(e.members) > 0 && e.step > 0 {
		tokens := (now - e.last).Seconds() / e.step
		for j := range e.members {
			e.members[j].left -= tokens
		}
	}
	e.last = now
}

// scheduleEngine sets the decode step for the batch and the event at the
// next request to finish.
func (w *World) scheduleEngine(now sim.Time, st *station, place, i int) {
	e := &st.engines[i]
	e.event = sim.EventID{}
	if len(e.members) == 0 {
		return
	}
	wl := &w.sc.Workloads[e.workload]
	ctx := wl.PromptTokens + wl.OutputTokens/2
	e.step = w.processorAtPlace(place).DecodeBatch(wl.LLM, wl.Quant, ctx, len(e.members))
	least := e.members[0].left
	for _, m := range e.members[1:] {
		least = min(least, m.left)
	}
	d := sim.Seconds(max(least, 0) * e.step)
	if d < 0 || d >= sim.Forever-now {
		w.fail(fmt.Errorf("mec: LLM batch step of %v s cannot be simulated", e.step))
		return
	}
	// Round up so the finishing request has its last token when the event fires.
	e.event = w.k.Schedule(now+d+1, w, evEngine, engineKey(place, i))
}

// engineEvent handles the end of a prefill or of a request's decoding.
func (w *World) engineEvent(now sim.Time, key int64) {
	place, i := int(key>>16)-2, int(key&0xffff)
	st := w.stationAt(place)
	e := &st.engines[i]
	if e.prefilling >= 0 {
		id := e.prefilling
		e.prefilling = -1
		e.last = now
		w.deliver(now, id, 0) // the first token comes out of the prefill
		if out := w.tasks[id].output; out > 1 {
			e.members = append(e.members, member{id: id, left: float64(out - 1)})
		} else {
			w.deliver(now, id, 1)
		}
		w.nextPrefill(now, st, place, i)
		return
	}
	w.advance(now, e)
	kept := e.members[:0]
	for _, m := range e.members {
		if m.left <= 1e-9 {
			w.deliver(now, m.id, 1)
			continue
		}
		kept = append(kept, m)
	}
	e.members = kept
	// Queued requests of the same model take the places freed.
	for st.queue.len() > 0 && e.active() < st.llmBatch && w.tasks[st.queue.peek()].workload == e.workload {
		id := st.queue.pop()
		st.queuedWork -= w.tasks[id].service.Seconds()
		w.join(now, st, place, i, id)
	}
	if e.active() == 0 {
		e.workload = -1
		w.accrueBusy(now, st)
		st.busy--
		if st.queue.len() > 0 {
			w.dispatch(now, st)
		}
		return
	}
	if e.prefilling < 0 {
		w.scheduleEngine(now, st, place, i)
	}
}
