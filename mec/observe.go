package mec

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// observe fills w.obs for task id, reusing its storage. Estimates use the
// links' and queues' state now, with this task added as one more user.
func (w *World) observe(now sim.Time, id int64) {
	t := &w.tasks[id]
	ph := &w.phones[t.phone]
	wl := &w.sc.Workloads[t.workload]
	first, rest := w.partBytes(t, 0), w.partBytes(t, 1)
	if wl.Kind != LLM {
		rest = 0
	}
	inBits, outBits := 8*wl.inputBytes(), 8*(first+rest)

	pos := w.where(ph)
	o := &w.obs
	o.Now = now.Seconds()
	o.Task = policies.Task{
		ID:          id,
		Kind:        wl.Kind.String(),
		Model:       wl.Name(),
		InputBytes:  wl.inputBytes(),
		OutputBytes: first + rest,
		Deadline:    wl.Deadline,
	}
	if w.slotted {
		o.Task.Waited = (now - t.arrival).Seconds()
		o.Task.Priority = w.local[t.workload].first + w.local[t.workload].rest
	}
	if wl.Kind == Vision {
		o.Task.Ops = wl.Model.Ops()
	} else {
		o.Task.PromptTokens, o.Task.OutputTokens = int(t.prompt), int(t.output)
		o.Task.TTFTSLO, o.Task.TPOTSLO = wl.TTFTSLO, wl.TPOTSLO
	}
	o.Device = policies.Device{
		Index:     int(t.phone),
		X:         pos.X,
		Y:         pos.Y,
		QueueLen:  ph.cpu.length(),
		Cell:      ph.cell,
		CellUsers: w.sites[ph.cell].up.Active(),
		Waiting:   ph.queue.n(),
	}
	w.deviceState(now, ph)
	o.Targets = o.Targets[:0]
	w.places = w.places[:0]
	w.placeCost = w.placeCost[:0]
	w.placeIn = w.placeIn[:0]

	lc := &w.local[t.workload]
	o.Targets = append(o.Targets, policies.Target{
		Kind:        policies.Local,
		Name:        "local",
		Index:       0,
		QueueLen:    ph.cpu.length(),
		QueueWait:   ph.cpu.wait(now),
		ComputeTime: lc.first + lc.rest,
		FirstTime:   lc.first,
		Energy:      w.sc.PhoneCPU.Power() * (lc.first + lc.rest),
		OutOfMemory: lc.fitErr != nil,
	})
	w.places = append(w.places, placeLocal)
	w.addCost(t, placeLocal, *lc, w.sc.PhoneCPU)
	for k := range w.sc.PhoneExtra {
		c, st := &w.localExtra[k][t.workload], &ph.extra[k]
		cost := w.sc.PhoneExtra[k]
		o.Targets = append(o.Targets, policies.Target{
			Kind:        policies.Local,
			Name:        w.localNames[k+1],
			Index:       k + 1,
			QueueLen:    st.length(),
			QueueWait:   st.wait(now),
			ComputeTime: c.first + c.rest,
			FirstTime:   c.first,
			Energy:      cost.Power() * (c.first + c.rest),
			OutOfMemory: c.fitErr != nil,
		})
		w.places = append(w.places, placeLocalBase-(k+1))
		w.addCost(t, placeLocalBase-(k+1), *c, cost)
	}

	for i := range w.sites {
		s := &w.sites[i]
		d := pos.Dist(s.Pos)
		if d > s.Coverage {
			continue
		}
		up, down, upRate := w.radioTimes(i, pos, inBits, outBits)
		c := &w.siteCost[i][t.workload]
		// The queue drains while the input is on its way.
		wait, compute := max(0, w.seenWait(&s.server, now)-up), c.first+c.rest
		o.Targets = append(o.Targets, policies.Target{
			Kind:         policies.Edge,
			Name:         s.name,
			Index:        i,
			Distance:     d,
			UplinkRate:   upRate,
			TransferTime: up + down,
			QueueLen:     w.seenLength(&s.server),
			QueueWait:    wait,
			ComputeTime:  compute,
			FirstTime:    c.first,
			Energy:       w.offloadEnergy(up, down, wait+compute),
			OutOfMemory:  c.fitErr != nil,
		})
		w.places = append(w.places, i)
		w.addCost(t, i, *c, s.Processor)
	}

	cell := &w.sites[ph.cell]
	d := pos.Dist(cell.Pos)
	up, down, upRate := w.radioTimes(ph.cell, pos, inBits, outBits)
	wanIn := w.sc.Cloud.WAN.TransferTime(inBits)
	wan := wanIn + w.sc.Cloud.WAN.TransferTime(outBits)
	c := &w.cloudCost[t.workload]
	wait, compute := max(0, w.seenWait(&w.cloud, now)-up-wanIn), c.first+c.rest
	o.Targets = append(o.Targets, policies.Target{
		Kind:         policies.Cloud,
		Name:         "cloud",
		Index:        -1,
		Distance:     d,
		UplinkRate:   upRate,
		TransferTime: up + down + wan,
		QueueLen:     w.seenLength(&w.cloud),
		QueueWait:    wait,
		ComputeTime:  compute,
		FirstTime:    c.first,
		Energy:       w.offloadEnergy(up, down, wan+wait+compute),
		OutOfMemory:  c.fitErr != nil,
	})
	w.places = append(w.places, placeCloud)
	w.addCost(t, placeCloud, *c, w.sc.Cloud.Processor)

	if w.sc.D2D != nil {
		w.observePeers(now, t, ph, inBits, outBits)
	}
}

// deviceState fills the observation's battery and thermal state of ph.
func (w *World) deviceState(now sim.Time, ph *phone) {
	d := &w.obs.Device
	d.Battery, d.Throttle = ph.battery.Fraction(), 1
	if ph.thermal.Enabled() {
		th := ph.thermal
		if now > ph.thermalAt {
			th.Advance(w.sc.PhoneCPU.Host().BasePowerW, (now - ph.thermalAt).Seconds())
		}
		d.TempC, d.Throttle = th.TempC, th.ClockScale()
	}
}

// seenWait and seenLength are a server's state as a phone sees it: as it
// is, or, with Scenario.StaleState, as it was reported at the last
// report, the waiting work aged by the time since.
func (w *World) seenWait(st *station, now sim.Time) float64 {
	if w.sc.StaleState <= 0 || w.asIs {
		return st.wait(now)
	}
	return max(0, st.reportWait-(now-st.reportAt).Seconds())
}

func (w *World) seenLength(st *station) int {
	if w.sc.StaleState <= 0 || w.asIs {
		return st.length()
	}
	return st.reportLen
}

// report takes every server's state for the phones to see, every
// StaleState.
func (w *World) report(now sim.Time) {
	for i := range w.sites {
		w.sites[i].server.takeReport(now)
	}
	w.cloud.takeReport(now)
	if next := now + w.sc.StaleState; next < w.sc.Duration || w.open > 0 {
		w.k.Schedule(next, w, evReport, 0)
	}
}

// addCost records the observed task's costs at a target: the cached ones,
// or, for a turn of an LLM session, the turn's own, and rewrites the
// target's estimates for the turn.
func (w *World) addCost(t *task, place int, c costs, cost devices.Cost) {
	wl := &w.sc.Workloads[t.workload]
	if t.session < 0 && !wl.varies() {
		w.placeCost = append(w.placeCost, c)
		w.placeIn = append(w.placeIn, wl.inputBytes())
		return
	}
	reuse := t.session >= 0 && w.sessions[t.session].lastPlace == place
	tc, in := wl.turnCosts(cost, int(t.ctx), int(t.prompt), int(t.output), reuse)
	w.placeCost = append(w.placeCost, tc)
	w.placeIn = append(w.placeIn, in)
	tg := &w.obs.Targets[len(w.obs.Targets)-1]
	if base := wl.inputBytes(); base > 0 && tg.TransferTime > 0 && tg.UplinkRate > 0 {
		tg.TransferTime += 8 * (in - base) / tg.UplinkRate
	}
	tg.ComputeTime, tg.FirstTime = tc.first+tc.rest, tc.first
	tg.OutOfMemory = tc.fitErr != nil
}

// observePeers lists the phone's cluster peers that are in D2D range and
// would accept the task, in index order.
func (w *World) observePeers(now sim.Time, t *task, ph *phone, inBits, outBits float64) {
	link := &w.sc.D2D.Link
	c := &w.local[t.workload]
	cl := w.clusters.ClusterOf(int(t.phone))
	if cl == nil {
		return
	}
	for _, p := range cl.Members {
		if p == int(t.phone) {
			continue
		}
		peer := &w.phones[p]
		d := w.where(ph).Dist(w.where(peer))
		rate := link.Rate(d)
		if !(rate > 0) {
			continue
		}
		wait := peer.cpu.wait(now)
		ok, _ := w.sc.D2D.Rule.Accept(d2d.State{
			Battery:   peer.battery.Fraction(),
			QueueLen:  peer.cpu.length(),
			QueueWork: wait,
		})
		if !ok || peer.flat {
			continue
		}
		up, down := inBits/rate, outBits/rate
		wait = max(0, wait-up)
		w.obs.Targets = append(w.obs.Targets, policies.Target{
			Kind:         policies.D2D,
			Name:         w.peerNames[p],
			Index:        p,
			Distance:     d,
			UplinkRate:   rate,
			TransferTime: up + down,
			QueueLen:     peer.cpu.length(),
			QueueWait:    wait,
			ComputeTime:  c.first + c.rest,
			FirstTime:    c.first,
			Energy:       link.TxElectricalW*up + link.RxElectricalW*down + w.sc.IdlePowerW*(wait+c.first+c.rest),
			OutOfMemory:  c.fitErr != nil,
		})
		w.places = append(w.places, w.peerPlace(p))
		w.addCost(t, w.peerPlace(p), *c, w.sc.PhoneCPU)
	}
}

// radioTimes estimates the upload and download times through site s for a
// phone at pos, if the transfers started now, and returns the uplink rate
// the estimate uses. It ignores the phone's own radio queue: a phone that
// is still sending an earlier task sees an optimistic upload time. The
// link's loss and shadowing are computed once for both directions (they
// dominated the observation's cost).
func (w *World) radioTimes(si int, pos topology.Point, inBits, outBits float64) (up, down, upRate float64) {
	s := &w.sites[si]
	loss, shadow := w.ch.lossDB(pos.Dist(w.sc.Sites[si].Pos)), w.ch.shadowDB(si, pos)
	upRate = s.up.RateWith(s.up.Active()+1, topology.DBmToWatts(w.sc.TxPowerDBm-loss+shadow))
	downRate := s.down.RateWith(s.down.Active()+1, topology.DBmToWatts(w.sc.BSPowerDBm-loss+shadow))
	return inBits / upRate, outBits / downRate, upRate
}

// offloadEnergy is the phone's energy for an offloaded task: transmitting,
// receiving, and idling while the task is away.
func (w *World) offloadEnergy(up, down, away float64) float64 {
	return w.sc.TxPowerW*up + w.sc.RxPowerW*down + w.sc.IdlePowerW*away
}

// check refuses a scenario the world cannot run. Package experiments
// validates user input with file and line; this guards programs that build
// a Scenario by hand.
func (sc *Scenario) check() error {
	var errs []error
	pos := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("mec: scenario %s = %v, want > 0", name, v))
		}
	}
	if sc.Duration <= 0 {
		errs = append(errs, fmt.Errorf("mec: scenario duration %v, want > 0", sc.Duration))
	}
	pos("width", sc.Width)
	pos("height", sc.Height)
	pos("uplink bandwidth", sc.UplinkHz)
	pos("downlink bandwidth", sc.DownlinkHz)
	pos("cloud WAN bandwidth", sc.Cloud.WAN.Bandwidth)
	if sc.Phones < 1 {
		errs = append(errs, fmt.Errorf("mec: scenario has %d phones", sc.Phones))
	}
	if len(sc.Sites) == 0 {
		errs = append(errs, errors.New("mec: scenario has no edge sites"))
	}
	for i, s := range sc.Sites {
		if s.Servers < 1 {
			errs = append(errs, fmt.Errorf("mec: site %d has %d servers", i, s.Servers))
		}
	}
	if sc.Cloud.Servers < 1 {
		errs = append(errs, fmt.Errorf("mec: cloud has %d servers", sc.Cloud.Servers))
	}
	if len(sc.Workloads) == 0 {
		errs = append(errs, errors.New("mec: scenario has no workloads"))
	}
	nonNeg := func(name string, v float64) {
		if !(v >= 0) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("mec: scenario %s = %v, want finite and >= 0", name, v))
		}
	}
	nonNeg("phone transmit power", sc.TxPowerW)
	nonNeg("phone receive power", sc.RxPowerW)
	nonNeg("phone idle power", sc.IdlePowerW)
	nonNeg("cloud WAN latency", sc.Cloud.WAN.Latency)
	for _, v := range []float64{sc.TxPowerDBm, sc.BSPowerDBm, sc.Channel.NoiseDBmPerHz, sc.Channel.NoiseFigureDB} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("mec: scenario radio figure %v is not finite", v))
		}
	}
	procErr := func(what string, p devices.Cost) {
		if p == nil {
			errs = append(errs, fmt.Errorf("mec: scenario %s is not set", what))
		}
	}
	procErr("phone processor", sc.PhoneCPU)
	for k, c := range sc.PhoneExtra {
		procErr(fmt.Sprintf("phone processor %d", k+1), c)
	}
	procErr("cloud processor", sc.Cloud.Processor)
	for i, s := range sc.Sites {
		procErr(fmt.Sprintf("site %d processor", i), s.Processor)
		pos(fmt.Sprintf("site %d coverage", i), s.Coverage)
		if s.Discipline < FIFO || s.Discipline > EDF {
			errs = append(errs, fmt.Errorf("mec: site %d has queue discipline %d", i, s.Discipline))
		}
		if s.QueueLimit < 0 || s.Batch < 0 || s.LLMBatch < 0 || s.LLMBatch > 1<<16 {
			errs = append(errs, fmt.Errorf("mec: site %d: queue limit %d, batch %d, LLM batch %d; want ≥ 0 (LLM batch ≤ 65536)", i, s.QueueLimit, s.Batch, s.LLMBatch))
		}
	}
	if sc.Cloud.LLMBatch < 0 || sc.Cloud.LLMBatch > 1<<16 || sc.Cloud.Servers > 1<<16 {
		errs = append(errs, fmt.Errorf("mec: cloud LLM batch %d or servers %d out of range", sc.Cloud.LLMBatch, sc.Cloud.Servers))
	}
	for i, s := range sc.Sites {
		if s.Servers > 1<<16 {
			errs = append(errs, fmt.Errorf("mec: site %d has %d servers, more than 65536", i, s.Servers))
		}
	}
	if sc.DecisionInterval < 0 {
		errs = append(errs, fmt.Errorf("mec: decision interval %v, want ≥ 0", sc.DecisionInterval))
	}
	if sc.Priority != ByRank && sc.Priority != ByArrival {
		errs = append(errs, fmt.Errorf("mec: priority rule %d", sc.Priority))
	}
	if sc.Fading && sc.Coherence <= 0 {
		errs = append(errs, fmt.Errorf("mec: fading with a coherence interval of %v, want > 0", sc.Coherence))
	}
	if (sc.Mobility.moving() || sc.Fading || sc.Interference) && sc.LinkRefresh < 0 {
		errs = append(errs, fmt.Errorf("mec: link refresh %v, want ≥ 0", sc.LinkRefresh))
	}
	if sc.Scheduler != nil && !(sc.RBHz > 0) {
		errs = append(errs, fmt.Errorf("mec: resource blocks of %v Hz", sc.RBHz))
	}
	if d := sc.D2D; d != nil {
		if err := d.Link.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mec: d2d link: %w", err))
		}
		if err := d.Rule.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mec: d2d acceptance rule: %w", err))
		}
		if err := d.Cluster.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mec: d2d clusters: %w", err))
		}
	}
	for i, wl := range sc.Workloads {
		if err := wl.process().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mec: scenario workload %d arrivals: %w", i, err))
		}
		pos(fmt.Sprintf("workload %d deadline", i), wl.Deadline)
		if wl.Kind == DAG && len(wl.PhoneJobs) == 0 {
			if err := wl.Job.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("mec: scenario workload %d: %w", i, err))
			}
			continue
		}
		if wl.Kind == LLM {
			if wl.PromptTokens < 1 || wl.OutputTokens < 1 {
				errs = append(errs, fmt.Errorf("mec: scenario workload %d: %d prompt and %d output tokens, want ≥ 1 each", i, wl.PromptTokens, wl.OutputTokens))
			}
			pos(fmt.Sprintf("workload %d token bytes", i), wl.TokenBytes)
			pos(fmt.Sprintf("workload %d TTFT objective", i), wl.TTFTSLO)
			pos(fmt.Sprintf("workload %d TPOT objective", i), wl.TPOTSLO)
			continue
		}
		m := wl.Model
		for _, v := range []float64{m.MACs, m.Params, m.ActivationBytes, m.InputBytes, m.OutputBytes} {
			if !(v >= 0) || math.IsInf(v, 1) {
				errs = append(errs, fmt.Errorf("mec: scenario workload %d: model %q has a negative or non-finite figure", i, m.Name))
				break
			}
		}
	}
	return errors.Join(errs...)
}
