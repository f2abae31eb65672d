package mec

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// Event kinds handled by the World. Events about a delivery back to the
// phone carry ref = task<<1 | part, part 0 being the result (or an LLM's
// first token) and part 1 the rest of an LLM's output.
const (
	evArrival      int32 = iota // next task arrival (of the merged streams)
	evUplinkDone                // a transfer on site ID's uplink finished
	evDownlinkDone              // a transfer on site ID's downlink finished
	evWANUp                     // task ID's input reached the cloud
	evWANDown                   // delivery ref reached the cell site from the cloud
	evFirstDone                 // task ID's first part of computation (a prefill) finished
	evComputeDone               // task ID finished computing
	evD2DUpDone                 // task ID's input reached its D2D peer
	evD2DDownDone               // delivery ref reached the phone from its D2D peer
	evMobility                  // phone ID's association is due for a check
	evRefresh                   // transfers in progress take up their phones' positions
	evRetryUp                   // task ID's upload waits out its phone's handover interruption
	evRetryDown                 // delivery ref waits out its phone's handover interruption
	evForward                   // delivery ref reached the phone's new cell over the backhaul
	evRecluster                 // D2D clusters are formed again from the phones' positions
	evEngine                    // a continuous-batching LLM engine's prefill or request finished
	evTurn                      // session ID's next prompt
	evDAGReady                  // DAG subtask ID's inputs are at its place
	evDAGOut                    // an exit output of DAG job ID is back at the phone
	evReport                    // the servers report their state to the phones
	evKVReady                   // split LLM request ID's KV cache reached where it decodes
)

// where a task runs.
const (
	placeDAG = -4 // a DAG job's own row: its subtasks run in several places
	// placeLocalBase-k is the phone's k-th extra processor (Scenario.
	// PhoneExtra[k-1]); placeLocal is its first.
	placeLocalBase = -100
	placeNone      = -3 // refused before any decision
	placeLocal     = -2
	placeCloud     = -1
	// 0, 1, … are edge sites.
)

// phone is one handset. It has one radio: its uploads go one at a time,
// in order, and so do its downloads; tasks wait for the radio in upQueue
// and downQueue.
type phone struct {
	mob  topology.Mobility
	ho   *topology.Handover // association; nil when phones do not move
	cell int                // serving cell: the site through which the phone reaches the cloud
	cpu  station

	sessions int // LLM sessions begun on the phone

	extra []station // the phone's other processors (Scenario.PhoneExtra)

	upBusy, downBusy   bool
	upQueue, downQueue fifo // tasks, and delivery refs, waiting for the radio

	// Idle energy while tasks are away (uploaded, not yet coming back) is
	// the phone's, once, whatever the number of tasks away: each task is
	// charged its share. idleShare accumulates IdlePowerW·dt/away, so a
	// task's share is the growth of idleShare while it is away.
	away      int
	idleShare float64
	idleLast  sim.Time

	// The phone's SoC heats while it computes and throttles its clocks
	// (thermal, advanced to thermalAt); its battery pays for computing and
	// the radio, and a phone that runs flat takes no more tasks.
	// Slotted mode: the tasks waiting for a decision, in the order they
	// are decided once sorted at a boundary, and the accounting of the
	// slot in progress and of the last one.
	queue slotQueue

	thermal   devices.ThermalState
	thermalAt sim.Time
	battery   devices.BatteryState
	flat      bool
}

type site struct {
	Site
	name             string
	up, down         topology.SharedLink
	upEvent, dnEvent sim.EventID
	server           station
}

// costs are the compute seconds of one task of a workload at one place,
// fixed for the run, and whether its model fits there.
type costs struct {
	first, rest float64
	fitErr      error
}

type task struct {
	id        int64 // index in World.tasks
	phone     int32
	workload  int32
	place     int // placeLocal, placeCloud or a site index
	link      int // site whose radio carries the transfers
	arrival   sim.Time
	start     sim.Time // computation started
	queued    sim.Time // joined its station's queue
	finish    sim.Time // last result at the phone
	service   sim.Time // total compute time at the chosen place
	first     sim.Time // compute time of the first part (an LLM's prefill)
	token1    sim.Time // first result (first token) at the phone
	txStart   sim.Time
	rxStart   sim.Time
	txTime    sim.Time
	rxTime    sim.Time
	idleMark  float64  // phone's idleShare when the task went away
	idleJ     float64  // the task's share of the phone's idle energy
	peerJ     float64  // energy a D2D peer spent on the task
	hoMark    int32    // the phone's handover count when the task arose
	split     bool     // an LLM request whose prefill and decode run in different places
	decodeAt  int      // split request: where it decodes
	decode    sim.Time // split LLM request: decode time at decodeAt
	phase2    bool     // split LLM request: decoding, after the prefill
	away      bool     // counted among the phone's tasks away
	extraJ    float64  // phone energy outside the usual accounting (a split's local prefill and KV transfer)
	session   int32    // LLM session of the task, or -1
	job       int32    // DAG job the task stands for or belongs to, or -1
	sub       int32    // subtask index within the job, or -1 for the job's own row
	turn      int16    // turn of the session
	ctx       int32    // tokens of conversation before this turn's prompt
	inBytes   float64  // bytes the task uploads where it runs
	prompt    int32    // LLM: prompt tokens of this request
	output    int32    // LLM: output tokens of this request
	handovers int32    // handovers of the phone while the task was in flight
	pending   int8     // deliveries still to reach the phone
	refused   refusal  // why the task did not run, or ranOK
	follower  bool     // computed in a batch led by another task
	forwarded bool     // sent on to the cloud by a full edge server
	done      bool
}

// refusal is why a task did not run, as a small number rather than its
// results status string, so that the task table holds no pointers and the
// garbage collector need not scan it (it took a fifth of a large run).
type refusal uint8

const (
	ranOK refusal = iota
	refusedNoMemory
	refusedBatteryFlat
	refusedQueueFull
	refusedPeerLost
	refusedDropped
)

// status returns the results status of r.
func (r refusal) status() string {
	return [...]string{results.StatusOK, results.StatusNoMemory, results.StatusBatteryFlat, results.StatusQueueFull,
		results.StatusPeerLost, results.StatusDropped}[r]
}

// maxPresize is the table NewWorld starts with when it cannot trust the
// expected number of tasks (about 16 MB).
const maxPresize = 1 << 16

// maxExpected is the most tasks NewWorld trusts an expectation for: up to
// it the table is sized for the expected arrivals, so that a run of
// millions of tasks never grows and copies it (copying a growing table
// took a third of a 1.8-million-task run's time).
const maxExpected = 1 << 24

// World runs one policy over one scenario. Build it with NewWorld, run it
// with Run; a World is used once.
type World struct {
	sc     *Scenario
	policy policies.Policy
	k      *sim.Kernel

	phones   []phone
	sites    []site
	cloud    station
	tasks    []task
	arrivals arrivalMerger

	// per workload: costs on the phone, at each site, in the cloud
	local, cloudCost []costs
	localExtra       [][]costs // per extra local processor, per workload
	localNames       []string  // place names of the phone's processors
	siteCost         [][]costs

	ch   channel
	rx   []float64          // scratch: received power from each cell, dBm
	look topology.Lookahead // when a moving phone's best cell may change

	clusters    d2d.Clustering // D2D clusters, if the scenario has D2D
	clusterRand *rand.Rand
	clusterPos  []topology.Point // scratch for re-clustering
	peerNames   []string         // "peer-N" for each phone

	sessions  []conversation
	jobs      []job
	streams   sim.Streams
	tokenRand []*rand.Rand // per phone × workload, for workloads whose token counts vary
	jobCount  []int        // per phone × workload: given DAG jobs begun

	obs       policies.Observation
	places    []int     // place of each target in obs.Targets
	placeCost []costs   // compute costs of the observed task at each target
	placeIn   []float64 // bytes the observed task uploads to each target
	batchBuf  []int64   // scratch for dispatch

	slotted  bool  // decisions wait for slot boundaries (Scenario.DecisionInterval > 0)
	imposing bool  // SlotStats.Imposed is measured (MeasureImposed)
	started  bool  // the run's first events are scheduled
	slot     int64 // index of the boundary the world stands at, in slotted mode; -1 before the first
	obsID    int64 // the task w.obs describes, or -1
	asIs     bool  // observe the servers as they are, not as reported (ObserveWaitingAsIs)
	waiting  int   // tasks waiting for a decision, over all phones
	ended    []int64
	balance  balanceStats

	progress func(now sim.Time)
	taskDone func(r results.Task)
	err      error
	open     int // tasks arisen and not yet finished
}

// NewWorld builds the world of sc for policy p. Positions and arrivals are
// drawn from streams of the given family, so two worlds built from the same
// scenario and streams see the same phones and the same tasks.
func NewWorld(sc *Scenario, streams sim.Streams, p policies.Policy) (*World, error) {
	if err := sc.check(); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("mec: nil policy")
	}
	w := &World{sc: sc, policy: p, k: sim.NewKernel(1024), streams: streams, slotted: sc.DecisionInterval > 0, slot: -1, obsID: -1}
	w.sites = make([]site, len(sc.Sites))
	for i, s := range sc.Sites {
		w.sites[i] = site{
			Site:   s,
			name:   fmt.Sprintf("edge-%d", i),
			up:     topology.SharedLink{Bandwidth: sc.UplinkHz, Channel: sc.Channel},
			down:   topology.SharedLink{Bandwidth: sc.DownlinkHz, Channel: sc.Channel, SplitPower: true},
			server: newStation(s.Servers, s.Discipline, s.QueueLimit, s.Batch, s.LLMBatch),
		}
	}
	w.cloud = newStation(sc.Cloud.Servers, FIFO, 0, 1, sc.Cloud.LLMBatch)
	if sc.Scheduler != nil {
		variation := topology.StaticChannel
		if sc.Fading && sc.RicianK == 0 {
			variation = topology.RayleighChannel
		}
		rate := topology.RateModel{MaxSpectralEff: sc.Channel.MaxSpectralEff}
		for i := range w.sites {
			for _, l := range []*topology.SharedLink{&w.sites[i].up, &w.sites[i].down} {
				g := topology.Grid{RBs: int(l.Bandwidth / sc.RBHz), RBHz: sc.RBHz, TTI: sim.Millisecond / 2, Rate: rate}
				if g.RBs < 1 {
					return nil, fmt.Errorf("mec: a %.0f Hz band holds no resource block of %.0f Hz", l.Bandwidth, sc.RBHz)
				}
				l.Scheduler = &topology.RBShare{Grid: g, Policy: *sc.Scheduler, Variation: variation}
			}
		}
	}

	w.local = make([]costs, len(sc.Workloads))
	w.cloudCost = make([]costs, len(sc.Workloads))
	w.siteCost = make([][]costs, len(sc.Sites))
	for i := range w.siteCost {
		w.siteCost[i] = make([]costs, len(sc.Workloads))
	}
	w.localNames = []string{"local"}
	w.localExtra = make([][]costs, len(sc.PhoneExtra))
	for k, c := range sc.PhoneExtra {
		name := c.Name()
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // "device/processor@engine" → "processor@engine"
		}
		w.localNames = append(w.localNames, "local-"+name)
		w.localExtra[k] = make([]costs, len(sc.Workloads))
		for j := range sc.Workloads {
			w.localExtra[k][j] = costsOf(&sc.Workloads[j], c)
		}
	}
	for j := range sc.Workloads {
		wl := &sc.Workloads[j]
		w.local[j] = costsOf(wl, sc.PhoneCPU)
		w.cloudCost[j] = costsOf(wl, sc.Cloud.Processor)
		for i := range sc.Sites {
			w.siteCost[i][j] = costsOf(wl, sc.Sites[i].Processor)
		}
	}

	w.ch = channel{pathLoss: sc.PathLoss, fading: sc.Fading, k: sc.RicianK, block: sc.Coherence,
		seed: streams.Source("topology/channel").Uint64()}
	if sc.Shadowing {
		pl := sc.PathLoss
		if pl == nil {
			pl = topology.Macro{}
		}
		w.ch.sigmaDB, w.ch.decorr = pl.Shadowing(false)
	}
	w.phones = make([]phone, sc.Phones)
	w.rx = make([]float64, len(sc.Sites))
	for i := range w.phones {
		mob, err := newMobility(sc, i, streams)
		if err != nil {
			return nil, fmt.Errorf("mec: phone %d: %w", i, err)
		}
		host := sc.PhoneCPU.Host()
		ph := phone{
			mob: mob, cpu: station{servers: 1}, extra: make([]station, len(sc.PhoneExtra)),
			thermal: devices.NewThermalState(host.Thermal),
			battery: devices.NewBatteryState(host.Battery),
		}
		for k := range ph.extra {
			ph.extra[k].servers = 1
		}
		pos := mob.Position(0)
		ph.cell = topology.BestCell(w.cellPowers(pos))
		if sc.Mobility.moving() {
			if ph.ho, err = topology.NewHandover(sc.Handover); err != nil {
				return nil, fmt.Errorf("mec: %w", err)
			}
			ph.ho.Update(0, w.cellPowers(pos))
			ph.cell = ph.ho.Serving()
		}
		w.phones[i] = ph
	}
	w.look = topology.Lookahead{Cells: len(sc.Sites), Scratch: &topology.LookaheadScratch{}, Rx: func(p topology.Point, dBm []float64) {
		for j := range sc.Sites {
			dBm[j] = w.rxDBm(sc.BSPowerDBm, p, j)
		}
	}}
	// With the macro path loss (monotone in distance), no shadowing and
	// random-waypoint phones (speed at most MaxSpeed), the lookahead may
	// skip the cells too far away to matter: with 100 sites they took
	// most of a run's time, each sample of each phone's path computing a
	// logarithm per site.
	if w.ch.pathLoss == nil && w.ch.sigmaDB == 0 && sc.Mobility.Model == "random-waypoint" && len(sc.Sites) > 1 {
		w.look.MaxSpeed = sc.Mobility.MaxSpeed
		w.look.Reach = func(p topology.Point, r float64, lo, hi []float64) {
			for j, site := range sc.Sites {
				d := p.Dist(site.Pos)
				lo[j] = sc.BSPowerDBm - topology.MacroPathLoss(d+r)
				hi[j] = sc.BSPowerDBm - topology.MacroPathLoss(max(d-r, 0))
			}
		}
		w.look.RxCells = func(p topology.Point, cells []int, dBm []float64) {
			for _, j := range cells {
				dBm[j] = w.rxDBm(sc.BSPowerDBm, p, j)
			}
		}
	}
	// Streams are named by model and its occurrence among the workloads,
	// so adding a workload of another model changes no one's arrivals.
	labels := make([]string, len(sc.Workloads))
	seen := map[string]int{}
	for j := range sc.Workloads {
		name := sc.Workloads[j].Name()
		labels[j] = fmt.Sprintf("workload/%s#%d", name, seen[name])
		seen[name]++
	}
	for i := range w.phones {
		for j, wl := range sc.Workloads {
			s := &arrivalStream{
				phone:    int32(i),
				workload: int32(j),
				arr:      wl.processOf(i).New(),
				rng:      streams.Rand(fmt.Sprintf("%s/phone-%d/arrivals", labels[j], i)),
			}
			s.advance()
			w.arrivals.push(s)
		}
	}
	if sc.D2D != nil {
		pos := make([]topology.Point, len(w.phones))
		w.peerNames = make([]string, len(w.phones))
		for i := range w.phones {
			pos[i] = w.where(&w.phones[i])
			w.peerNames[i] = fmt.Sprintf("peer-%d", i)
		}
		w.clusterRand = streams.Rand("d2d/clusters")
		cl, err := d2d.KMeans(pos, sc.D2D.Cluster, w.clusterRand)
		if err != nil {
			return nil, fmt.Errorf("mec: d2d clusters: %w", err)
		}
		w.clusters = cl
		w.clusterPos = pos
	}
	// Size the task table for the expected arrivals (plus five standard
	// deviations), so that it rarely has to grow and copy during the run;
	// an expectation beyond maxExpected is not trusted (a trace replay
	// whose times all fall at 0 has an infinite mean rate, and a guess of
	// 1e8 tasks took 25 GB before the first arrival): the table then
	// starts at maxPresize tasks and grows as needed.
	var rate float64
	for i := range sc.Workloads {
		rate += sc.Workloads[i].process().MeanRate()
	}
	expect := rate * float64(sc.Phones) * sc.Duration.Seconds()
	presize := maxPresize
	if expect < maxExpected { // false for +Inf and NaN
		presize = int(expect + 5*math.Sqrt(expect) + 16)
	}
	w.tasks = make([]task, 0, presize)
	w.tokenRand = make([]*rand.Rand, len(w.phones)*len(sc.Workloads))
	w.jobCount = make([]int, len(w.phones)*len(sc.Workloads))
	for j := range sc.Workloads {
		if sc.Workloads[j].varies() || sc.Workloads[j].Kind == DAG {
			for i := range w.phones {
				w.tokenRand[i*len(sc.Workloads)+j] = streams.Rand(fmt.Sprintf("%s/phone-%d/tokens", labels[j], i))
			}
		}
	}
	w.obs.Targets = make([]policies.Target, 0, len(sc.Sites)+2)
	w.places = make([]int, 0, len(sc.Sites)+2)
	return w, nil
}

func costsOf(wl *Workload, c devices.Cost) costs {
	first, rest := wl.compute(c)
	return costs{first: first, rest: rest, fitErr: wl.fits(c)}
}

// OnTaskDone sets a function called as each task ends, done or refused,
// with its record (as Run will return it, without the policy's name): the
// outcome a learning agent is rewarded with.
func (w *World) OnTaskDone(f func(r results.Task)) { w.taskDone = f }

// OnProgress sets a function called now and then during Run with the
// simulated time reached; the command line uses it for a progress line.
func (w *World) OnProgress(f func(now sim.Time)) { w.progress = f }

// Run simulates arrivals up to the scenario's duration, then lets every
// task in flight finish, and returns one record per task in task order.
func (w *World) Run(policyName string) ([]results.Task, error) {
	if w.started {
		return nil, errors.New("mec: a World runs once")
	}
	w.start()
	if w.slotted {
		if err := w.runSlotted(); err != nil {
			return nil, err
		}
		return w.Results(policyName)
	}
	const slice = 100000
	for w.k.Pending() > 0 && w.err == nil {
		for i := 0; i < slice && w.err == nil && w.k.Step(); i++ {
		}
		if w.progress != nil {
			w.progress(w.k.Now())
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.Results(policyName)
}

// start schedules the run's first events.
func (w *World) start() {
	w.started = true
	if first := w.arrivals.top().next; first < w.sc.Duration {
		w.k.Schedule(first, w, evArrival, 0)
	}
	if w.sc.Mobility.moving() {
		for i := range w.phones {
			w.scheduleCheck(0, i)
		}
		if d := w.sc.D2D; d != nil && d.Recluster > 0 && d.Recluster < w.sc.Duration {
			w.k.Schedule(d.Recluster, w, evRecluster, 0)
		}
	}
	if w.sc.StaleState > 0 {
		w.report(0)
	}
	fadingMoves := w.sc.Fading && w.sc.Scheduler == nil
	if (w.sc.Mobility.moving() || fadingMoves || w.sc.Interference) && w.sc.LinkRefresh > 0 {
		w.k.Schedule(w.sc.LinkRefresh, w, evRefresh, 0)
	}
}

// Results returns one record per task in task order, policyName in each,
// once the run has drained: every task has ended.
func (w *World) Results(policyName string) ([]results.Task, error) {
	if w.err != nil {
		return nil, w.err
	}
	for id := range w.tasks {
		if !w.tasks[id].done {
			return nil, fmt.Errorf("mec: task %d never finished (a bug in the world: please report it)", id)
		}
	}
	out := make([]results.Task, 0, len(w.tasks))
	for id := range w.tasks {
		if w.tasks[id].sub >= 0 {
			continue // a DAG subtask: its job has the row
		}
		out = append(out, w.record(int64(id), policyName))
	}
	return out, nil
}

// fail stops the run with err.
func (w *World) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.k.Stop()
}

// HandleEvent implements sim.Handler.
func (w *World) HandleEvent(ev sim.Event) {
	switch ev.Kind {
	case evArrival:
		w.arrive(ev.At)
	case evUplinkDone:
		w.uplinkDone(ev.At, int(ev.ID))
	case evDownlinkDone:
		w.downlinkDone(ev.At, int(ev.ID))
	case evWANUp:
		w.enqueue(ev.At, ev.ID)
	case evWANDown:
		w.startDownlink(ev.At, ev.ID)
	case evFirstDone:
		w.firstDone(ev.At, ev.ID)
	case evComputeDone:
		w.computeDone(ev.At, ev.ID)
	case evD2DUpDone:
		w.d2dUpDone(ev.At, ev.ID)
	case evD2DDownDone:
		w.d2dDownDone(ev.At, ev.ID)
	case evMobility:
		w.checkCell(ev.At, int(ev.ID))
	case evRefresh:
		w.refresh(ev.At)
	case evRetryUp:
		w.startUplink(ev.At, ev.ID)
	case evRetryDown, evForward:
		w.startDownlink(ev.At, ev.ID)
	case evRecluster:
		w.recluster(ev.At)
	case evEngine:
		w.engineEvent(ev.At, ev.ID)
	case evTurn:
		w.nextTurn(ev.At, int(ev.ID))
	case evDAGReady:
		w.dagReady(ev.At, ev.ID)
	case evDAGOut:
		w.dagOut(ev.At, int(ev.ID))
	case evReport:
		w.report(ev.At)
	case evKVReady:
		w.kvReady(ev.At, ev.ID)
	default:
		w.fail(fmt.Errorf("mec: unknown event kind %d", ev.Kind))
	}
}

func (w *World) arrive(now sim.Time) {
	s := w.arrivals.top()
	phone, workload := s.phone, s.workload
	s.advance()
	w.arrivals.fix()
	if next := w.arrivals.top().next; next < w.sc.Duration {
		w.k.Schedule(next, w, evArrival, 0)
	}
	session := int32(-1)
	if wl := &w.sc.Workloads[workload]; wl.Kind == LLM && wl.Turns > 1 {
		session = int32(len(w.sessions))
		n := w.phones[phone].sessions
		w.phones[phone].sessions++
		w.sessions = append(w.sessions, conversation{
			phone: phone, workload: workload, lastPlace: placeNone,
			rng: w.streams.Rand(fmt.Sprintf("workload/%s/phone-%d/session-%d", wl.Name(), phone, n)),
		})
	}
	w.newTask(now, phone, workload, session)
}

// nextTurn is the next prompt of session si, after its user's think time.
func (w *World) nextTurn(now sim.Time, si int) {
	ss := &w.sessions[si]
	w.newTask(now, ss.phone, ss.workload, int32(si))
}

// newTask creates a task that arises now on phone and places it.
func (w *World) newTask(now sim.Time, phone, workload, session int32) {
	id := int64(len(w.tasks))
	w.tasks = append(w.tasks, task{id: int64(len(w.tasks)), phone: phone, workload: workload, arrival: now, session: session, job: -1, sub: -1})
	w.open++
	if w.slotted {
		w.enter(now, &w.phones[phone])
	}
	if wl := &w.sc.Workloads[workload]; wl.Kind == LLM {
		p, o := wl.PromptTokens, wl.OutputTokens
		if wl.varies() {
			p, o = wl.drawTokens(w.tokenRand[int(phone)*len(w.sc.Workloads)+int(workload)])
		}
		w.tasks[id].prompt, w.tasks[id].output = int32(p), int32(o)
	}
	if session >= 0 {
		ss := &w.sessions[session]
		w.tasks[id].turn, w.tasks[id].ctx = int16(ss.turn), int32(ss.ctx)
	}
	if ho := w.phones[phone].ho; ho != nil {
		w.tasks[id].hoMark = int32(ho.Count())
	}
	if w.phones[phone].flat {
		// A phone whose battery ran flat takes no more work.
		t := &w.tasks[id]
		t.refused, t.place = refusedBatteryFlat, placeNone
		w.finishTask(now, t)
		return
	}
	if w.sc.Workloads[workload].Kind == DAG {
		t := &w.tasks[id]
		t.place = placeDAG
		w.newJob(now, id)
		return
	}
	w.decide(now, id)
}

// decide has the policy place task id now or, in slotted mode, makes it
// wait at its phone for the next boundary.
func (w *World) decide(now sim.Time, id int64) {
	if w.slotted {
		w.wait(id)
		return
	}
	w.observeTask(now, id)
	d, err := w.policy.Decide(&w.obs)
	if err != nil {
		w.fail(fmt.Errorf("task %d: policy: %w", id, err))
		return
	}
	w.apply(now, id, d)
}

// observeTask fills w.obs for task id, a DAG subtask or another.
func (w *World) observeTask(now sim.Time, id int64) {
	if w.tasks[id].sub >= 0 {
		w.observeSubtask(now, id)
	} else {
		w.observe(now, id)
	}
	w.obsID = id
}

// apply carries out decision d on task id, whose observation w.obs holds.
func (w *World) apply(now sim.Time, id int64, d policies.Decision) {
	w.obsID = -1
	if w.tasks[id].sub >= 0 {
		w.applySubtask(now, id, d)
		return
	}
	if d.Target < 0 || d.Target >= len(w.places) {
		w.fail(fmt.Errorf("task %d: policy chose target %d of %d", id, d.Target, len(w.places)))
		return
	}
	t := &w.tasks[id]
	t.place = w.places[d.Target]
	if wl := &w.sc.Workloads[t.workload]; wl.DropLate && w.obs.Targets[d.Target].EstimatedLatency() > wl.Deadline-(now-t.arrival).Seconds() {
		// A frame that would be late wherever the policy sends it is
		// dropped at once, as a camera pipeline does.
		t.refused = refusedDropped
		w.finishTask(now, t)
		return
	}
	c := &w.placeCost[d.Target]
	t.inBytes = w.placeIn[d.Target]
	if d.Split {
		wl := &w.sc.Workloads[t.workload]
		if wl.Kind != LLM || d.DecodeTarget < 0 || d.DecodeTarget >= len(w.places) || d.DecodeTarget == d.Target ||
			w.isPeer(t.place) || w.isPeer(w.places[d.DecodeTarget]) {
			w.fail(fmt.Errorf("task %d: policy split %s prefill at target %d and decode at %d of %d (LLM requests only, two different non-peer targets)",
				id, wl.Kind, d.Target, d.DecodeTarget, len(w.places)))
			return
		}
		dc := &w.placeCost[d.DecodeTarget]
		if dc.fitErr != nil {
			c = dc // refused below
		}
		t.split, t.decodeAt, t.decode = true, w.places[d.DecodeTarget], sim.Seconds(dc.rest)
	}
	if t.session >= 0 {
		w.sessions[t.session].lastPlace = t.place
		if t.split {
			w.sessions[t.session].lastPlace = t.decodeAt // the KV cache ends there
		}
	}
	if c.fitErr != nil {
		// The model does not fit where the policy sent it: refused.
		t.refused = refusedNoMemory
		w.finishTask(now, t)
		return
	}
	t.first = sim.Seconds(c.first)
	t.service = t.first + sim.Seconds(c.rest)
	if t.split {
		t.service = t.first // only the prefill here
	}
	if !isLocal(t.place) {
		st := w.stationOf(t)
		st.incoming++
		st.incomingWork += t.service.Seconds()
	}
	switch {
	case isLocal(t.place):
		w.enqueue(now, id)
	case t.place == placeCloud:
		t.link = w.phones[t.phone].cell
		w.startUplink(now, id)
	case w.isPeer(t.place):
		w.startUplink(now, id)
	default:
		t.link = t.place
		w.startUplink(now, id)
	}
}

// Places beyond the edge sites are D2D peers: place len(sites)+p runs on
// phone p.
func (w *World) isPeer(place int) bool { return place >= len(w.sites) }
func (w *World) peerPlace(p int) int   { return len(w.sites) + p }

// runner is the phone whose processor runs a local or D2D task.
func (w *World) runner(t *task) *phone {
	if w.isPeer(t.place) {
		return &w.phones[t.place-len(w.sites)]
	}
	return &w.phones[t.phone]
}

// d2dTime is the seconds to send bytes between task t's phone and its peer.
func (w *World) d2dTime(t *task, bytes float64) float64 {
	d := w.where(&w.phones[t.phone]).Dist(w.where(w.runner(t)))
	return 8 * bytes / w.sc.D2D.Link.Rate(d)
}

func (w *World) d2dUpDone(now sim.Time, id int64) {
	t := &w.tasks[id]
	t.txTime = now - t.txStart
	ph := &w.phones[t.phone]
	link := &w.sc.D2D.Link
	w.drain(ph, link.TxElectricalW*t.txTime.Seconds())
	peerRx := link.RxElectricalW * t.txTime.Seconds()
	t.peerJ += peerRx
	w.drain(w.runner(t), peerRx)
	w.freeUplink(now, ph)
	w.goAway(now, ph, t)
	w.enqueue(now, id)
}

func (w *World) d2dDownDone(now sim.Time, ref int64) {
	id, part := ref>>1, ref&1
	t := &w.tasks[id]
	dt := (now - t.rxStart).Seconds()
	t.rxTime += now - t.rxStart
	ph := &w.phones[t.phone]
	link := &w.sc.D2D.Link
	w.drain(ph, link.RxElectricalW*dt)
	peerTx := link.TxElectricalW * dt
	t.peerJ += peerTx
	w.drain(w.runner(t), peerTx)
	w.freeDownlink(now, ph)
	w.arrived(now, id, part)
}

// freeUplink marks the phone's radio free to send and starts the next
// queued upload, if any.
func (w *World) freeUplink(now sim.Time, ph *phone) {
	ph.upBusy = false
	if ph.upQueue.len() > 0 {
		w.startUplink(now, ph.upQueue.pop())
	}
}

// freeDownlink marks the phone free to receive and starts the next
// queued download, if any.
func (w *World) freeDownlink(now sim.Time, ph *phone) {
	ph.downBusy = false
	if ph.downQueue.len() > 0 {
		w.startDownlink(now, ph.downQueue.pop())
	}
}

func (w *World) startUplink(now sim.Time, id int64) {
	t := &w.tasks[id]
	ph := &w.phones[t.phone]
	if ph.upBusy {
		ph.upQueue.push(id)
		return
	}
	if ph.ho != nil && !ph.ho.InService(now) {
		w.k.Schedule(ph.ho.InterruptedUntil(), w, evRetryUp, id)
		return
	}
	if w.isPeer(t.place) {
		up := w.d2dTime(t, t.inBytes)
		if math.IsInf(up, 1) {
			// The peer has moved out of range since the decision.
			st := w.stationOf(t)
			st.incoming--
			st.incomingWork -= t.service.Seconds()
			t.refused = refusedPeerLost
			w.finishTask(now, t)
			w.freeUplink(now, ph)
			return
		}
		ph.upBusy = true
		t.txStart = now
		w.scheduleIn(now, up, evD2DUpDone, id, id)
		return
	}
	ph.upBusy = true
	if t.place == placeCloud {
		t.link = ph.cell // the cell the phone is attached to now
	}
	s := &w.sites[t.link]
	bits := 8 * t.inBytes
	rx := w.rxW(w.sc.TxPowerDBm, int(t.phone), t.link)
	t.txStart = now
	if err := s.up.Start(now, id, bits, rx); err != nil {
		w.fail(err)
		return
	}
	s.upEvent = w.reschedule(s.upEvent, &s.up, evUplinkDone, t.link)
}

// completeNext ends the transfer whose completion event fired on link l
// of site si and schedules the link's next completion in *ev.
func (w *World) completeNext(now sim.Time, l *topology.SharedLink, ev *sim.EventID, kind int32, si int) (int64, bool) {
	id, _, ok := l.NextCompletion()
	if !ok || !l.Complete(now, id) {
		w.fail(fmt.Errorf("mec: site %d: a link event with no transfer", si))
		return 0, false
	}
	*ev = w.reschedule(sim.EventID{}, l, kind, si)
	return id, true
}

func (w *World) uplinkDone(now sim.Time, si int) {
	s := &w.sites[si]
	id, ok := w.completeNext(now, &s.up, &s.upEvent, evUplinkDone, si)
	if !ok {
		return
	}
	t := &w.tasks[id]
	t.txTime = now - t.txStart
	ph := &w.phones[t.phone]
	w.drain(ph, w.sc.TxPowerW*t.txTime.Seconds())
	w.freeUplink(now, ph)
	w.goAway(now, ph, t)
	if t.place == placeCloud {
		bits := 8 * t.inBytes
		w.scheduleIn(now, w.sc.Cloud.WAN.TransferTime(bits), evWANUp, id, id)
		return
	}
	w.enqueue(now, id)
}

// goAway and comeBack bracket the time a task is away from its phone, for
// the phone's idle energy.
func (w *World) goAway(now sim.Time, ph *phone, t *task) {
	if t.away {
		return
	}
	w.accrueIdle(now, ph)
	t.idleMark = ph.idleShare
	t.away = true
	ph.away++
}

func (w *World) comeBack(now sim.Time, ph *phone, t *task) {
	if !t.away {
		return
	}
	w.accrueIdle(now, ph)
	t.idleJ += ph.idleShare - t.idleMark
	t.away = false
	ph.away--
	w.drain(ph, ph.idleShare-t.idleMark)
}

// drain takes joules from the phone's battery.
func (w *World) drain(ph *phone, joules float64) {
	if ph.battery.Drain(joules) {
		ph.flat = true
	}
}

func (w *World) accrueIdle(now sim.Time, ph *phone) {
	if ph.away > 0 {
		ph.idleShare += w.sc.IdlePowerW * (now - ph.idleLast).Seconds() / float64(ph.away)
	}
	ph.idleLast = now
}

// scheduleIn schedules an event the given seconds after now, and fails
// the run if that lies beyond the range of simulated time.
// id is the event's ID: a task, or a delivery ref (task<<1 | part).
func (w *World) scheduleIn(now sim.Time, seconds float64, kind int32, id, task int64) {
	d := sim.Seconds(seconds)
	if !(seconds >= 0) || d >= sim.Forever-now {
		w.fail(fmt.Errorf("mec: task %d: a delay of %v s cannot be simulated", task, seconds))
		return
	}
	w.k.Schedule(now+d, w, kind, id)
}

// deliver sends part of task id's output back to its phone: from the
// cloud over the WAN first, from an edge site straight over the cell.
func (w *World) deliver(now sim.Time, id int64, part int64) {
	t := &w.tasks[id]
	ref := id<<1 | part
	if t.place == placeCloud {
		bits := 8 * w.partBytes(t, part)
		w.scheduleIn(now, w.sc.Cloud.WAN.TransferTime(bits), evWANDown, ref, id)
		return
	}
	w.startDownlink(now, ref)
}

func (w *World) partBytes(t *task, part int64) float64 {
	wl := &w.sc.Workloads[t.workload]
	if wl.Kind == LLM {
		if part == 0 {
			return wl.TokenBytes
		}
		return float64(t.output-1) * wl.TokenBytes
	}
	first, rest := wl.outputBytes()
	if part == 0 {
		return first
	}
	return rest
}

func (w *World) startDownlink(now sim.Time, ref int64) {
	id, part := ref>>1, ref&1
	t := &w.tasks[id]
	ph := &w.phones[t.phone]
	if !w.isPeer(t.place) && ph.cell != t.link && ph.ho != nil && int32(ph.ho.Count()) > t.hoMark {
		// The phone has handed over to another cell since the task
		// arose: the result follows it over the backhaul.
		t.link = ph.cell
		w.scheduleIn(now, w.sc.Backhaul.TransferTime(8*w.partBytes(t, part)), evForward, ref, id)
		return
	}
	if ph.downBusy {
		ph.downQueue.push(ref)
		return
	}
	if ph.ho != nil && !ph.ho.InService(now) {
		w.k.Schedule(ph.ho.InterruptedUntil(), w, evRetryDown, ref)
		return
	}
	ph.downBusy = true
	if part == w.lastPart(t) {
		w.comeBack(now, ph, t)
	}
	if w.isPeer(t.place) {
		down := w.d2dTime(t, w.partBytes(t, part))
		if math.IsInf(down, 1) {
			// The peer has moved out of range: the result is lost.
			t.refused = refusedPeerLost
			w.finishTask(now, t)
			w.freeDownlink(now, ph)
			return
		}
		t.rxStart = now
		w.scheduleIn(now, down, evD2DDownDone, ref, id)
		return
	}
	s := &w.sites[t.link]
	rx := w.rxW(w.sc.BSPowerDBm, int(t.phone), t.link)
	t.rxStart = now
	if err := s.down.Start(now, ref, 8*w.partBytes(t, part), rx); err != nil {
		w.fail(err)
		return
	}
	s.dnEvent = w.reschedule(s.dnEvent, &s.down, evDownlinkDone, t.link)
}

func (w *World) downlinkDone(now sim.Time, si int) {
	s := &w.sites[si]
	ref, ok := w.completeNext(now, &s.down, &s.dnEvent, evDownlinkDone, si)
	if !ok {
		return
	}
	id, part := ref>>1, ref&1
	t := &w.tasks[id]
	t.rxTime += now - t.rxStart
	ph := &w.phones[t.phone]
	w.drain(ph, w.sc.RxPowerW*(now-t.rxStart).Seconds())
	w.freeDownlink(now, ph)
	w.arrived(now, id, part)
}

// arrived records that part of task id's output reached the phone.
func (w *World) arrived(now sim.Time, id, part int64) {
	t := &w.tasks[id]
	if t.done {
		return // part of a result already lost
	}
	if part == 0 {
		t.token1 = now
	}
	t.pending--
	if t.pending == 0 {
		w.finishTask(now, t)
	}
}

// finishTask ends a task, done or refused, once.
func (w *World) finishTask(now sim.Time, t *task) {
	if t.done {
		return
	}
	t.finish = now
	t.done = true
	w.open--
	if w.slotted && t.sub < 0 {
		w.leave(now, t)
	}
	if w.taskDone != nil {
		w.taskDone(w.record(t.id, ""))
	}
	if ho := w.phones[t.phone].ho; ho != nil {
		t.handovers = int32(ho.Count()) - t.hoMark
	}
	if t.session >= 0 && t.refused == ranOK {
		// The user reads the answer, thinks, and asks again, with the
		// whole conversation so far as context.
		ss := &w.sessions[t.session]
		wl := &w.sc.Workloads[t.workload]
		ss.turn++
		ss.ctx += int(t.prompt + t.output)
		if ss.turn < wl.Turns {
			w.scheduleIn(now, ss.rng.ExpFloat64()*wl.ThinkTime, evTurn, int64(t.session), int64(len(w.tasks)))
		}
	}
}

// reschedule replaces a link's pending completion event with one at its
// new next completion. A transfer that would never finish fails the run:
// its phone is too far from the cell for any rate at all.
func (w *World) reschedule(old sim.EventID, l *topology.SharedLink, kind int32, si int) sim.EventID {
	w.k.Cancel(old)
	id, at, ok := l.NextCompletion()
	if !ok {
		return sim.EventID{}
	}
	if at == sim.Forever {
		w.fail(fmt.Errorf("mec: task %d: its transfer at %s would never finish (the rate is zero or too low to simulate)", id, w.sites[si].name))
		return sim.EventID{}
	}
	return w.k.Schedule(at, w, kind, int64(si))
}

// isLocal reports whether place is one of the phone's own processors, and
// localIndex which: 0 for the first, k for PhoneExtra[k-1].
func isLocal(place int) bool { return place == placeLocal || place < placeLocalBase }
func localIndex(place int) int {
	if place == placeLocal {
		return 0
	}
	return placeLocalBase - place
}

// localCost is the phone's k-th processor.
func (w *World) localCost(k int) devices.Cost {
	if k == 0 {
		return w.sc.PhoneCPU
	}
	return w.sc.PhoneExtra[k-1]
}

func (w *World) stationOf(t *task) *station {
	if w.isPeer(t.place) {
		return &w.runner(t).cpu
	}
	if t.place < placeLocalBase {
		return &w.phones[t.phone].extra[localIndex(t.place)-1]
	}
	switch t.place {
	case placeLocal:
		return &w.phones[t.phone].cpu
	case placeCloud:
		return &w.cloud
	}
	return &w.sites[t.place].server
}

func (w *World) enqueue(now sim.Time, id int64) {
	t := &w.tasks[id]
	st := w.stationOf(t)
	if t.job >= 0 || !isLocal(t.place) && !t.forwarded && !t.phase2 {
		// A DAG subtask was reserved wherever it runs, its own phone too.
		st.incoming--
		st.incomingWork -= t.service.Seconds()
	}
	if w.llmBatching(st, t) && !t.phase2 && st.queue.len() == 0 && w.admit(now, st, t.place, id) {
		return
	}
	if st.full() && t.job < 0 { // a DAG job's subtasks are never turned away midway
		w.overflow(now, id)
		return
	}
	w.push(now, st, id)
}

// push queues task id at station st, which starts it at once if a
// processor is free.
func (w *World) push(now sim.Time, st *station, id int64) {
	t := &w.tasks[id]
	t.queued = now
	st.queue.push(id, st.key(t.service, t.arrival+sim.Seconds(w.sc.Workloads[t.workload].Deadline)))
	st.queuedWork += t.service.Seconds()
	if st.busy < st.servers {
		w.dispatch(now, st)
	}
}

// overflow handles a task that finds its edge server's queue full: it is
// refused, or forwarded to the cloud over the site's WAN link, as the site
// says.
func (w *World) overflow(now sim.Time, id int64) {
	t := &w.tasks[id]
	if t.place < 0 || !w.sc.Sites[t.place].ForwardWhenFull {
		t.refused = refusedQueueFull
		w.finishTask(now, t)
		w.comeBack(now, &w.phones[t.phone], t)
		return
	}
	t.forwarded = true
	t.place = placeCloud // t.link stays the site: results come back through it
	c := &w.cloudCost[t.workload]
	t.first = sim.Seconds(c.first)
	t.service = t.first + sim.Seconds(c.rest)
	bits := 8 * t.inBytes
	w.scheduleIn(now, w.sc.Cloud.WAN.TransferTime(bits), evWANUp, id, id)
}

// dispatch starts the task at the head of st's queue on a free processor,
// together with the queued tasks of the same vision model behind it, up
// to the station's batch size: a batch reads the weights once.
func (w *World) dispatch(now sim.Time, st *station) {
	if head := &w.tasks[st.queue.peek()]; w.llmBatching(st, head) && !head.phase2 {
		id := st.queue.pop()
		st.queuedWork -= head.service.Seconds()
		if !w.admit(now, st, head.place, id) {
			panic("mec: no engine for an LLM request on a free accelerator") // dispatch runs only with one free
		}
		return
	}
	lead := st.queue.pop()
	t := &w.tasks[lead]
	st.queuedWork -= t.service.Seconds()
	if isLocal(t.place) || w.isPeer(t.place) {
		w.heat(now, lead)
	}
	service := t.service
	wl := &w.sc.Workloads[t.workload]
	if wl.Kind == Vision && st.batch > 1 && st.queue.len() > 0 && w.tasks[st.queue.peek()].workload == t.workload {
		members := w.batchBuf[:0]
		for len(members)+1 < st.batch && st.queue.len() > 0 && w.tasks[st.queue.peek()].workload == t.workload {
			f := st.queue.pop()
			st.queuedWork -= w.tasks[f].service.Seconds()
			members = append(members, f)
		}
		service = sim.Seconds(w.processorAt(t).VisionBatch(wl.Model, len(members)+1))
		for _, f := range members {
			w.startTask(now, f, service, true)
		}
		w.batchBuf = members
	}
	if service >= sim.Forever-now {
		w.fail(fmt.Errorf("mec: task %d: a compute time of %v cannot be simulated", lead, service))
		return
	}
	w.accrueBusy(now, st)
	st.busy++
	st.finishTotal += (now + service).Seconds()
	w.startTask(now, lead, service, false)
}

// startTask starts task id's computation, which takes service; a
// follower in a batch finishes with its leader but frees no processor.
func (w *World) startTask(now sim.Time, id int64, service sim.Time, follower bool) {
	t := &w.tasks[id]
	t.service = service
	t.follower = follower
	if t.phase2 {
		// A split request's decoding: its first token is already on its
		// way from where the prefill ran.
		w.k.Schedule(now+service, w, evComputeDone, id)
		return
	}
	t.start = now
	if w.sc.Workloads[t.workload].Kind == LLM {
		t.pending = 2
		w.k.Schedule(now+t.first, w, evFirstDone, id)
	} else {
		t.pending = 1
	}
	w.k.Schedule(now+service, w, evComputeDone, id)
}

// stationAt returns the station of a place that is not a phone.
func (w *World) stationAt(place int) *station {
	if place == placeCloud {
		return &w.cloud
	}
	return &w.sites[place].server
}

func (w *World) processorAtPlace(place int) devices.Cost {
	if place == placeCloud {
		return w.sc.Cloud.Processor
	}
	return w.sc.Sites[place].Processor
}

func (w *World) processorAt(t *task) devices.Cost {
	if w.isPeer(t.place) {
		return w.sc.PhoneCPU
	}
	if isLocal(t.place) {
		return w.localCost(localIndex(t.place))
	}
	switch t.place {
	case placeLocal:
		return w.sc.PhoneCPU
	case placeCloud:
		return w.sc.Cloud.Processor
	}
	return w.sc.Sites[t.place].Processor
}

// lastPart is the part of a task's output that completes it: the result,
// or the rest of an LLM's output after its first token.
func (w *World) lastPart(t *task) int64 {
	if w.sc.Workloads[t.workload].Kind == LLM {
		return 1
	}
	return 0
}

// heat runs local task id on its phone's SoC from now: the SoC cools
// while idle up to now, then the task's work runs at the clock the
// temperature allows, heating it, and the battery pays for the work.
func (w *World) heat(now sim.Time, id int64) {
	t := &w.tasks[id]
	ph := w.runner(t)
	host := w.sc.PhoneCPU.Host()
	power := w.processorAt(t).Power()
	if ph.thermal.Enabled() {
		// The task's own work at full clock (t.first and t.service as
		// decided), stretched by the throttling.
		// With several processors (extra_processors) another task may
		// already have taken the SoC's thermal state past now: the SoC
		// has not been idle, and this task's heat is added after that
		// work's (overlapping work is integrated one task after the
		// other, which overstates the temperature a little while both run).
		work1, work2 := t.first.Seconds(), (t.service - t.first).Seconds()
		ph.thermal.Advance(host.BasePowerW, max(0, now-ph.thermalAt).Seconds())
		first := ph.thermal.Run(work1, power+host.BasePowerW)
		rest := ph.thermal.Run(work2, power+host.BasePowerW)
		t.first = sim.Seconds(first)
		t.service = t.first + sim.Seconds(rest)
		ph.thermalAt = max(ph.thermalAt, now+t.service)
	}
	w.drain(ph, power*t.service.Seconds())
	if ph != &w.phones[t.phone] {
		t.peerJ += power * t.service.Seconds()
	}
}

// firstDone sends an LLM's first token on its way as soon as the prefill
// has produced it.
func (w *World) firstDone(now sim.Time, id int64) {
	if isLocal(w.tasks[id].place) {
		w.arrived(now, id, 0)
		return
	}
	w.deliver(now, id, 0)
}

func (w *World) computeDone(now sim.Time, id int64) {
	t := &w.tasks[id]
	if !t.follower {
		st := w.stationOf(t)
		if w.imposing && !isLocal(t.place) {
			w.impose(now, t, st)
		}
		w.accrueBusy(now, st)
		st.busy--
		st.finishTotal -= (t.start + t.service).Seconds()
		if st.queue.len() > 0 {
			w.dispatch(now, st)
		}
	}
	if t.job >= 0 {
		w.subtaskDone(now, id)
		return
	}
	if t.split && !t.phase2 {
		w.moveKV(now, id)
		return
	}
	part := w.lastPart(t)
	if isLocal(t.place) {
		w.arrived(now, id, part)
		return
	}
	w.deliver(now, id, part)
}

// record turns a finished task into its results row.
func (w *World) record(id int64, policy string) results.Task {
	t := &w.tasks[id]
	wl := &w.sc.Workloads[t.workload]
	var place string
	switch {
	case t.place == placeNone:
		place = "none"
	case t.place == placeDAG:
		place = "dag"
	case t.place == placeLocal:
		place = "local"
	case isLocal(t.place):
		place = w.localNames[localIndex(t.place)]
	case t.place == placeCloud:
		place = "cloud"
	case w.isPeer(t.place):
		place = w.peerNames[t.place-len(w.sites)]
	default:
		place = w.sites[t.place].name
	}
	r := results.Task{
		ID:       id,
		Policy:   policy,
		Device:   int(t.phone),
		Kind:     wl.Kind.String(),
		Model:    wl.Name(),
		Arrival:  t.arrival.Seconds(),
		Place:    place,
		Status:   results.StatusOK,
		Deadline: wl.Deadline,
		TTFTMet:  true,
		TPOTMet:  true,
	}
	r.Forwarded = t.forwarded
	r.Handovers = int(t.handovers)
	r.Turn = int(t.turn)
	if t.refused != ranOK {
		r.Status = t.refused.status()
		r.Start, r.Finish = r.Arrival, t.finish.Seconds()
		r.TTFTMet, r.TPOTMet = false, false
		r.Energy = w.sc.TxPowerW*t.txTime.Seconds() + t.idleJ // what it cost before it was refused
		return r
	}
	r.Start = t.start.Seconds()
	r.Finish = t.finish.Seconds()
	r.Latency = (t.finish - t.arrival).Seconds()
	r.Met = r.Latency <= wl.Deadline
	switch {
	case t.split:
		// A split request: the phone's radio and idle time, its part of
		// the computing, and the KV cache's transfer.
		r.Energy = w.sc.TxPowerW*t.txTime.Seconds() + w.sc.RxPowerW*t.rxTime.Seconds() + t.idleJ + t.extraJ
		if isLocal(t.place) {
			r.Energy += w.processorAt(t).Power() * t.service.Seconds()
		}
	case t.place == placeDAG:
		r.Start = r.Arrival
		r.Energy = w.jobs[t.job].energy
		if cp := w.criticalPathLocal(int(t.job)); cp > 0 {
			r.Slowdown = r.Latency / cp
		}
	case isLocal(t.place):
		r.Energy = w.processorAt(t).Power() * t.service.Seconds()
	case w.isPeer(t.place):
		// The requester's radio and idle time, and all the peer spent.
		link := &w.sc.D2D.Link
		r.Energy = link.TxElectricalW*t.txTime.Seconds() + link.RxElectricalW*t.rxTime.Seconds() + t.idleJ + t.peerJ
	default:
		r.Energy = w.sc.TxPowerW*t.txTime.Seconds() + w.sc.RxPowerW*t.rxTime.Seconds() + t.idleJ
	}
	if wl.Kind == LLM {
		r.TTFT = (t.token1 - t.arrival).Seconds()
		if t.output > 1 {
			r.TPOT = (t.finish - t.token1).Seconds() / float64(t.output-1)
		}
		r.TTFTMet = r.TTFT <= wl.TTFTSLO
		r.TPOTMet = r.TPOT <= wl.TPOTSLO
	}
	return r
}

// where returns the phone's position now.
func (w *World) where(ph *phone) topology.Point { return ph.mob.Position(w.k.Now()) }

// cellPowers fills w.rx with the power each cell's base station is
// received with at p, in dBm.
func (w *World) cellPowers(p topology.Point) []float64 {
	for j := range w.sc.Sites {
		w.rx[j] = w.rxDBm(w.sc.BSPowerDBm, p, j)
	}
	return w.rx
}

// checkCell updates phone i's association at now and schedules the next
// check for when its best cell may change. Checks stop with the arrivals:
// while the run drains, phones keep their cells.
func (w *World) checkCell(now sim.Time, i int) {
	ph := &w.phones[i]
	if ph.ho.Update(now, w.cellPowers(w.where(ph))) {
		ph.cell = ph.ho.Serving()
	}
	w.scheduleCheck(now, i)
}

func (w *World) scheduleCheck(now sim.Time, i int) {
	ph := &w.phones[i]
	next := w.look.NextCheck(ph.mob, ph.ho, now)
	if next <= now {
		next = now + sim.Millisecond
	}
	if next < w.sc.Duration || w.open > 0 && next < sim.Forever {
		w.k.Schedule(next, w, evMobility, int64(i))
	}
}

// refresh gives every transfer in progress the received power of its
// phone's position now, so that a phone walking away slows down.
func (w *World) refresh(now sim.Time) {
	if w.sc.Interference {
		w.interfere(now)
	}
	for si := range w.sites {
		s := &w.sites[si]
		// Indexed loops rather than Each: a closure here would allocate on
		// every refresh.
		changed := false
		for k := range s.up.Active() {
			id := s.up.Flow(k)
			changed = s.up.SetReceived(now, id, w.rxW(w.sc.TxPowerDBm, int(w.tasks[id].phone), si)) || changed
		}
		if changed {
			s.upEvent = w.reschedule(s.upEvent, &s.up, evUplinkDone, si)
		}
		changed = false
		for k := range s.down.Active() {
			ref := s.down.Flow(k)
			changed = s.down.SetReceived(now, ref, w.rxW(w.sc.BSPowerDBm, int(w.tasks[ref>>1].phone), si)) || changed
		}
		if changed {
			s.dnEvent = w.reschedule(s.dnEvent, &s.down, evDownlinkDone, si)
		}
	}
	// Links keep changing while transfers run, after the arrivals too.
	if next := now + w.sc.LinkRefresh; next < w.sc.Duration || w.open > 0 {
		w.k.Schedule(next, w, evRefresh, 0)
	}
}

// recluster groups the phones again where they are now.
func (w *World) recluster(now sim.Time) {
	for i := range w.phones {
		w.clusterPos[i] = w.where(&w.phones[i])
	}
	cl, err := d2d.Recluster(w.clusterPos, w.clusters, w.sc.D2D.Cluster, w.clusterRand)
	if err != nil {
		w.fail(fmt.Errorf("mec: d2d re-clustering at %v: %w", now, err))
		return
	}
	w.clusters = cl
	if next := now + w.sc.D2D.Recluster; next < w.sc.Duration {
		w.k.Schedule(next, w, evRecluster, 0)
	}
}

// interfere sets each cell's uplink interference, the power its receiver
// hears from every phone uploading in another cell, and each download's,
// the power its phone hears from the other cells' base stations.
func (w *World) interfere(now sim.Time) {
	for si := range w.sites {
		var sum float64
		for sj := range w.sites {
			if sj == si {
				continue
			}
			up := &w.sites[sj].up
			for k := range up.Active() {
				ph := &w.phones[w.tasks[up.Flow(k)].phone]
				sum += topology.DBmToWatts(w.rxDBm(w.sc.TxPowerDBm, w.where(ph), si))
			}
		}
		s := &w.sites[si]
		if s.up.SetInterference(now, sum) {
			s.upEvent = w.reschedule(s.upEvent, &s.up, evUplinkDone, si)
		}
	}
	// Downlink: a phone receiving from its cell hears every other base
	// station that is sending to anyone, at full power.
	for si := range w.sites {
		s := &w.sites[si]
		changed := false
		for k := range s.down.Active() {
			ref := s.down.Flow(k)
			pos := w.where(&w.phones[w.tasks[ref>>1].phone])
			var sum float64
			for sj := range w.sites {
				if sj != si && w.sites[sj].down.Active() > 0 {
					sum += topology.DBmToWatts(w.rxDBm(w.sc.BSPowerDBm, pos, sj))
				}
			}
			changed = s.down.SetFlowInterference(now, ref, sum) || changed
		}
		if changed {
			s.dnEvent = w.reschedule(s.dnEvent, &s.down, evDownlinkDone, si)
		}
	}
}

// newMobility builds phone i's path from its own stream.
func newMobility(sc *Scenario, i int, streams sim.Streams) (topology.Mobility, error) {
	area := topology.Area(sc.Width, sc.Height)
	m := &sc.Mobility
	switch m.Model {
	case "", "static":
		r := streams.Rand(fmt.Sprintf("topology/phone-%d/position", i))
		return topology.Static{Pos: topology.Point{X: r.Float64() * sc.Width, Y: r.Float64() * sc.Height}}, nil
	case "random-waypoint":
		return topology.NewRandomWaypoint(topology.RandomWaypointConfig{
			Area: area, MinSpeed: m.MinSpeed, MaxSpeed: m.MaxSpeed, Pause: m.Pause,
		}, streams.Rand(fmt.Sprintf("topology/phone-%d/mobility", i)))
	case "gauss-markov":
		return topology.NewGaussMarkov(topology.GaussMarkovConfig{
			Area: area, Step: m.Step, Alpha: m.Alpha, MeanSpeed: m.MeanSpeed, SpeedStdDev: m.SpeedStdDev,
			DirectionStdDev: 0.5, RandomMeanDirection: true, EdgeMargin: 0.05 * min(sc.Width, sc.Height),
		}, streams.Rand(fmt.Sprintf("topology/phone-%d/mobility", i)))
	case "trace":
		if len(m.Tracks) == 0 {
			return nil, errors.New("trace mobility without tracks")
		}
		return m.Tracks[i%len(m.Tracks)], nil
	}
	return nil, fmt.Errorf("unknown mobility model %q", m.Model)
}

// conversation is a multi-turn LLM conversation: each turn's prompt comes
// after the previous answer and a think time, with the conversation so
// far as context. A place that served the previous turn still holds its
// KV cache and prefills only the new prompt; any other place must be sent
// the whole conversation and prefill all of it.
type conversation struct {
	phone, workload int32
	turn            int
	ctx             int // tokens of conversation so far
	lastPlace       int // place of the previous turn; placeNone before the first
	rng             *rand.Rand
}

// moveKV sends a split request's KV cache from where its prefill ran to
// where it decodes: the prompt's (and conversation's) keys and values, at
// the quantisation's KV size, over the same paths as DAG data.
func (w *World) moveKV(now sim.Time, id int64) {
	t := &w.tasks[id]
	wl := &w.sc.Workloads[t.workload]
	bytes := float64(int(t.ctx)+int(t.prompt)) * wl.LLM.KVBytesPerToken(wl.Quant.KVBytes)
	from, to := t.place, t.decodeAt
	if isLocal(from) {
		from = placeLocal // the phone's processors share its memory
	}
	if isLocal(to) {
		to = placeLocal
	}
	dt, energy, _ := w.dataTime(int(t.phone), from, to, bytes)
	t.extraJ += energy
	ph := &w.phones[t.phone]
	w.drain(ph, energy)
	if isLocal(t.place) && !isLocal(t.decodeAt) {
		w.goAway(now, ph, t) // the phone now waits for the rest
	}
	w.scheduleIn(now, dt, evKVReady, id, id)
}

// kvReady queues a split request's decoding where its KV cache now is.
func (w *World) kvReady(now sim.Time, id int64) {
	t := &w.tasks[id]
	if isLocal(t.place) {
		t.extraJ += w.processorAt(t).Power() * t.first.Seconds() // the prefill on the phone
	}
	t.place, t.phase2 = t.decodeAt, true
	switch {
	case isLocal(t.place):
		w.comeBack(now, &w.phones[t.phone], t)
	case t.place == placeCloud:
		t.link = w.phones[t.phone].cell
	default:
		t.link = t.place
	}
	t.first, t.service = 0, t.decode
	w.push(now, w.stationOf(t), id)
}
