package mec

import (
	"fmt"
	"sort"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// A DAG job is a graph of dependent subtasks. Each subtask is placed by
// the policy when it becomes ready (all its parents done): its inputs then
// travel from the places its parents ran at (and, for an entry subtask,
// the job's input from the phone), it queues and computes at its place,
// and an exit subtask's output travels back to the phone. The job ends
// when the last output is back.
//
// Data between places takes the time the links give it when it starts —
// the phone's uplink or downlink at the rate one more user would get, the
// WAN, the backhaul — without occupying them: DAG traffic does not slow
// other transfers down. Subtasks compute in the stations' queues like any
// task.
type job struct {
	dag         workloads.DAG
	head        int64     // the task that stands for the job in results
	rank        []float64 // HEFT upward rank of each subtask
	prio        []float64 // slotted mode: upward rank with estimated transfers (Priority ByRank)
	level       []int
	place       []int   // where each subtask runs, once placed
	parentsLeft []int   // parents of each subtask not yet done
	outputsLeft int     // exit outputs not yet back at the phone
	energy      float64 // the phone's energy for the job: computing and radio
	busy        float64 // seconds the phone spent computing or on the radio for it
}

// newJob draws the job's graph and starts its entry subtasks.
func (w *World) newJob(now sim.Time, head int64) {
	t := &w.tasks[head]
	wl := &w.sc.Workloads[t.workload]
	var g workloads.DAG
	slot := int(t.phone)*len(w.sc.Workloads) + int(t.workload)
	if len(wl.PhoneJobs) > 0 {
		jobs := wl.PhoneJobs[int(t.phone)%len(wl.PhoneJobs)]
		g = jobs[w.jobCount[slot]%len(jobs)]
		w.jobCount[slot]++
	} else {
		g = wl.Job.Generate(w.tokenRand[slot])
	}
	j := job{dag: g, head: head, place: make([]int, len(g.Tasks)), parentsLeft: make([]int, len(g.Tasks))}
	for i, s := range g.Tasks {
		j.parentsLeft[i] = len(s.Parents)
		j.place[i] = placeNone
	}
	j.outputsLeft = len(g.Exits())
	j.rank = g.UpwardRank(func(s int) float64 { return w.sc.PhoneCPU.Compute(g.Tasks[s].Ops) },
		func(workloads.Edge) float64 { return 0 })
	j.level = g.Levels()
	if w.slotted {
		j.prio = w.slotRank(t, g)
	}
	t.job = int32(len(w.jobs))
	w.jobs = append(w.jobs, j)
	w.readyAll(now, int(t.job), g.Entries())
}

// readyAll places subtasks that became ready together, the highest
// upward rank first (HEFT's order), ties by index.
func (w *World) readyAll(now sim.Time, ji int, subs []int) {
	rank := w.jobs[ji].rank
	sort.SliceStable(subs, func(a, b int) bool { return rank[subs[a]] > rank[subs[b]] })
	for _, s := range subs {
		w.readySubtask(now, ji, s)
	}
}

// readySubtask asks the policy where subtask s of job ji runs and sends
// its inputs there.
func (w *World) readySubtask(now sim.Time, ji, s int) {
	head := &w.tasks[w.jobs[ji].head]
	id := int64(len(w.tasks))
	w.tasks = append(w.tasks, task{id: int64(len(w.tasks)), phone: head.phone, workload: head.workload, arrival: now,
		session: -1, job: int32(ji), sub: int32(s)})
	w.open++
	w.decide(now, id)
}

// applySubtask carries out decision d on DAG subtask id: it sends the
// subtask's inputs where d says.
func (w *World) applySubtask(now sim.Time, id int64, d policies.Decision) {
	if d.Target < 0 || d.Target >= len(w.places) {
		w.fail(fmt.Errorf("task %d: policy chose target %d of %d", id, d.Target, len(w.places)))
		return
	}
	t := &w.tasks[id]
	ji, s := int(t.job), int(t.sub)
	t.place = w.places[d.Target]
	j := &w.jobs[ji]
	j.place[s] = t.place
	t.service = sim.Seconds(w.processorAt(t).Compute(j.dag.Tasks[s].Ops))
	t.first = t.service
	// Reserved at its station until its inputs arrive, as other tasks'
	// are on their way: otherwise the decisions after it (its siblings',
	// the other phones' of the same boundary) see the station without it.
	st := w.stationOf(t)
	st.incoming++
	st.incomingWork += t.service.Seconds()
	in, energy, radio := w.inputTime(ji, s, t.place)
	w.jobEnergy(j, energy)
	j.busy += radio
	w.scheduleIn(now, in, evDAGReady, id, id)
}

// inputTime is how long subtask s's inputs take to reach place, and the
// phone's radio energy and time for them.
func (w *World) inputTime(ji, s, place int) (seconds, energy, radio float64) {
	j := &w.jobs[ji]
	phone := int(w.tasks[j.head].phone)
	st := &j.dag.Tasks[s]
	if len(st.Parents) == 0 {
		seconds, energy, radio = w.dataTime(phone, placeLocal, place, st.InputBytes)
	}
	for _, p := range st.Parents {
		e, _ := j.dag.Edge(p, s)
		d, en, r := w.dataTime(phone, j.place[p], place, e.Bytes)
		seconds, energy, radio = max(seconds, d), energy+en, radio+r
	}
	return seconds, energy, radio
}

// dataTime is the seconds bytes take from one place to another for a
// phone's job, and the phone's radio energy and radio time for them.
func (w *World) dataTime(phone, from, to int, bytes float64) (seconds, energy, radio float64) {
	if from == to || bytes <= 0 {
		return 0, 0, 0
	}
	bits := 8 * bytes
	ph := &w.phones[phone]
	pos := w.where(ph)
	up := func(si int) float64 {
		s := &w.sites[si]
		return bits / s.up.RateWith(s.up.Active()+1, topology.DBmToWatts(w.rxDBm(w.sc.TxPowerDBm, pos, si)))
	}
	down := func(si int) float64 {
		s := &w.sites[si]
		return bits / s.down.RateWith(s.down.Active()+1, topology.DBmToWatts(w.rxDBm(w.sc.BSPowerDBm, pos, si)))
	}
	wan := w.sc.Cloud.WAN.TransferTime(bits)
	switch {
	case from == placeLocal && to == placeCloud:
		u := up(ph.cell)
		return u + wan, w.sc.TxPowerW * u, u
	case from == placeLocal:
		u := up(to)
		return u, w.sc.TxPowerW * u, u
	case to == placeLocal && from == placeCloud:
		d := down(ph.cell)
		return wan + d, w.sc.RxPowerW * d, d
	case to == placeLocal:
		d := down(from)
		return d, w.sc.RxPowerW * d, d
	case from == placeCloud || to == placeCloud:
		return wan, 0, 0
	}
	return w.sc.Backhaul.TransferTime(bits), 0, 0 // edge to edge
}

// dagReady queues a subtask whose inputs have arrived.
func (w *World) dagReady(now sim.Time, id int64) {
	w.enqueue(now, id)
}

// subtaskDone passes a finished subtask's results on: its children may
// become ready, and an exit subtask's output goes back to the phone.
func (w *World) subtaskDone(now sim.Time, id int64) {
	t := &w.tasks[id]
	ji, s := int(t.job), int(t.sub)
	j := &w.jobs[ji]
	if t.place == placeLocal {
		w.jobEnergy(j, w.sc.PhoneCPU.Power()*t.service.Seconds())
		j.busy += t.service.Seconds()
	}
	w.finishTask(now, t)
	var ready []int
	for _, c := range j.dag.Tasks[s].Children {
		j.parentsLeft[c]--
		if j.parentsLeft[c] == 0 {
			ready = append(ready, c)
		}
	}
	w.readyAll(now, ji, ready)
	j = &w.jobs[ji]
	if len(j.dag.Tasks[s].Children) == 0 {
		out, energy, radio := w.dataTime(int(w.tasks[j.head].phone), j.place[s], placeLocal, j.dag.Tasks[s].OutputBytes)
		w.jobEnergy(j, energy)
		j.busy += radio
		w.scheduleIn(now, out, evDAGOut, int64(ji), j.head)
	}
}

// dagOut counts an exit output back at the phone; the last one ends the
// job.
func (w *World) dagOut(now sim.Time, ji int) {
	j := &w.jobs[ji]
	j.outputsLeft--
	if j.outputsLeft == 0 {
		head := &w.tasks[j.head]
		// The phone idles for the job whenever it is neither computing
		// nor sending or receiving for it.
		w.jobEnergy(j, w.sc.IdlePowerW*max(0, (now-head.arrival).Seconds()-j.busy))
		w.finishTask(now, head)
	}
}

// criticalPathLocal is the job's critical path with every subtask on the
// phone and no transfers: the reference of its slowdown.
func (w *World) criticalPathLocal(ji int) float64 {
	j := &w.jobs[ji]
	cp, _ := j.dag.CriticalPath(func(s int) float64 { return w.sc.PhoneCPU.Compute(j.dag.Tasks[s].Ops) },
		func(workloads.Edge) float64 { return 0 })
	return cp
}

// observeSubtask fills w.obs for a ready subtask: the phone, each edge in
// range and the cloud (no D2D peers), with transfer estimates from the
// places its parents ran at.
func (w *World) observeSubtask(now sim.Time, id int64) {
	t := &w.tasks[id]
	ph := &w.phones[t.phone]
	j := &w.jobs[t.job]
	st := &j.dag.Tasks[t.sub]
	pos := w.where(ph)
	o := &w.obs
	o.Now = now.Seconds()
	var inBytes float64
	for _, p := range st.Parents {
		e, _ := j.dag.Edge(p, int(t.sub))
		inBytes += e.Bytes
	}
	if len(st.Parents) == 0 {
		inBytes = st.InputBytes
	}
	o.Task = policies.Task{ID: id, Kind: "dag", Model: "dag", Ops: st.Ops, InputBytes: inBytes,
		OutputBytes: st.OutputBytes, Deadline: w.sc.Workloads[t.workload].Deadline,
		DAGJob: j.head, Subtask: int(t.sub), Level: j.level[t.sub], Rank: j.rank[t.sub], Children: len(st.Children)}
	if w.slotted {
		o.Task.Waited = (now - t.arrival).Seconds()
		o.Task.Priority = j.prio[t.sub]
	}
	o.Device = policies.Device{Index: int(t.phone), X: pos.X, Y: pos.Y, QueueLen: ph.cpu.length(),
		Cell: ph.cell, CellUsers: w.sites[ph.cell].up.Active(), Waiting: ph.queue.n()}
	w.deviceState(now, ph)
	o.Targets = o.Targets[:0]
	w.places = w.places[:0]
	add := func(kind policies.TargetKind, name string, index, place int, dist float64, cost func() float64, stn *station) {
		in, inJ, inRadio := w.inputTime(int(t.job), int(t.sub), place)
		var out, outJ, outRadio float64
		if len(st.Children) == 0 {
			out, outJ, outRadio = w.dataTime(int(t.phone), place, placeLocal, st.OutputBytes)
		}
		// The phone idles for its job while the data crosses the WAN or
		// the backhaul, as the job's realised energy counts it (dagOut;
		// exactly so along a chain: siblings running side by side each
		// count their own span here, the job's once there).
		carried := max(0, in-inRadio) + max(0, out-outRadio)
		compute := cost()
		// The phone knows its own queue; the servers' it sees as they
		// were last reported, with Scenario.StaleState.
		seen, length := stn.wait(now), stn.length()
		if place != placeLocal {
			seen, length = w.seenWait(stn, now), w.seenLength(stn)
		}
		wait := max(0, seen-in)
		energy := inJ + outJ + w.sc.IdlePowerW*(carried+wait+compute)
		if place == placeLocal {
			energy = inJ + outJ + w.sc.IdlePowerW*carried + w.sc.PhoneCPU.Power()*compute
		}
		o.Targets = append(o.Targets, policies.Target{Kind: kind, Name: name, Index: index, Distance: dist,
			TransferTime: in + out, QueueLen: length, QueueWait: wait, ComputeTime: compute,
			FirstTime: compute, Energy: energy})
		w.places = append(w.places, place)
	}
	add(policies.Local, "local", 0, placeLocal, 0, func() float64 { return w.sc.PhoneCPU.Compute(st.Ops) }, &ph.cpu)
	for i := range w.sites {
		s := &w.sites[i]
		if d := pos.Dist(s.Pos); d <= s.Coverage {
			add(policies.Edge, s.name, i, i, d, func() float64 { return s.Processor.Compute(st.Ops) }, &s.server)
		}
	}
	add(policies.Cloud, "cloud", -1, placeCloud, pos.Dist(w.sites[ph.cell].Pos),
		func() float64 { return w.sc.Cloud.Processor.Compute(st.Ops) }, &w.cloud)
}
