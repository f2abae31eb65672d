package mec

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// Scenario is a resolved, validated description of the world: plain data
// with units in its field names' comments, built by package experiments
// from an experiment file or by hand in Go.
type Scenario struct {
	Duration sim.Time // arrivals are generated in [0, Duration); the run then drains

	Width, Height float64 // area in which phones are placed uniformly, metres
	Phones        int
	PhoneCPU      devices.Cost // the phone's processor and engine for its own tasks
	// PhoneExtra lists the phone's other processors (an NPU, a GPU, a
	// GPU+NPU pair, each with its engine): more local targets, each with
	// its own queue, sharing the phone's thermal state and battery.
	PhoneExtra []devices.Cost
	TxPowerDBm float64 // radiated uplink power
	TxPowerW   float64 // electrical power while transmitting
	RxPowerW   float64 // electrical power while receiving
	IdlePowerW float64 // power while waiting for an offloaded result

	UplinkHz   float64 // bandwidth of each cell's uplink, shared by its uploads
	DownlinkHz float64 // bandwidth of each cell's downlink, shared by its downloads
	Channel    topology.Channel
	BSPowerDBm float64 // radiated downlink power of each base station

	Sites     []Site
	Cloud     CloudSite
	Workloads []Workload

	// D2D, if set, groups phones into clusters whose members may run each
	// other's tasks over device-to-device links.
	D2D *D2D

	// Mobility moves the phones; its zero value keeps them where they are
	// placed. Phones associate with the cell of strongest received power
	// under Handover's rule; a result due to a phone that has moved is
	// forwarded over Backhaul to its new cell.
	Mobility Mobility
	Handover topology.HandoverConfig
	Backhaul topology.WANLink
	// LinkRefresh is how often transfers in progress take up their
	// phones' new positions and fading; zero leaves their rates as they
	// started.
	LinkRefresh sim.Time

	// Propagation beyond the macro path loss: another path-loss model
	// (averaged over its line-of-sight probability), its log-normal
	// shadowing, and Rayleigh or Rician fading redrawn every coherence
	// interval.
	PathLoss  topology.PathLoss // nil: 128.1 + 37.6·log10(d/km)
	Shadowing bool              // with the model's σ and decorrelation distance (8 dB, 50 m for macro)
	Fading    bool
	RicianK   float64  // 0 for Rayleigh
	Coherence sim.Time // fading redraw interval
	// Interference makes each cell's uplink receiver hear the phones
	// uploading in the other cells, and each phone receiving hear the
	// other cells' base stations that are sending (all cells share one
	// band), updated every LinkRefresh.
	Interference bool

	// Scheduler shares each cell's band by OFDMA resource blocks of RBHz
	// under round robin or proportional fairness instead of equal shares;
	// nil keeps equal shares.
	Scheduler *topology.Scheduling
	RBHz      float64

	// StaleState, when positive, shows phones the edge servers' and the
	// cloud's queues as reported every StaleState, not as they are: what a
	// real phone learns from periodic load reports.
	StaleState sim.Time

	// DecisionInterval, when positive, makes decisions in slots: a task
	// that arises (and a DAG subtask that becomes ready) waits at its
	// phone, and at each boundary k·DecisionInterval (k = 0, 1, …) every
	// phone's waiting tasks are decided, phone by phone in index order,
	// each phone's in the order of Priority. A task arising exactly at a
	// boundary is decided at it. Zero decides each task as it arises (the
	// event-driven mode).
	DecisionInterval sim.Time
	// Priority orders a phone's waiting tasks at a boundary (slotted mode
	// only).
	Priority Priority
}

// Priority is the order in which a phone's waiting tasks are decided at
// a slot boundary.
type Priority int

// Priority rules.
const (
	// ByRank decides the highest upward rank first (HEFT's order): a DAG
	// subtask's estimated compute time on the phone plus the longest path
	// of estimated compute and transfer times from it to an exit of its
	// job, transfers at the rate the phone's uplink would give it alone
	// when the job arose; a task that is not a DAG subtask ranks by its
	// compute time on the phone. Ties go in order of arrival.
	ByRank Priority = iota
	// ByArrival decides in order of arrival (a subtask arrives when it
	// becomes ready).
	ByArrival
)

// ParsePriority reads "rank" (or "") or "fifo".
func ParsePriority(s string) (Priority, error) {
	switch s {
	case "rank", "":
		return ByRank, nil
	case "fifo":
		return ByArrival, nil
	}
	return 0, fmt.Errorf("unknown priority %q (known: rank, fifo)", s)
}

func (p Priority) String() string {
	if p == ByArrival {
		return "fifo"
	}
	return "rank"
}

// Mobility says how phones move.
type Mobility struct {
	Model string // "static" (or ""), "random-waypoint", "gauss-markov" or "trace"

	MinSpeed, MaxSpeed float64  // random waypoint, m/s
	Pause              sim.Time // random waypoint

	MeanSpeed, SpeedStdDev float64  // Gauss–Markov, m/s
	Alpha                  float64  // Gauss–Markov memory in [0, 1]
	Step                   sim.Time // Gauss–Markov update interval

	Tracks []*topology.Track // trace replay: phone i follows Tracks[i mod len]
}

// moving reports whether phones move at all.
func (m *Mobility) moving() bool { return m.Model != "" && m.Model != "static" }

// D2D configures device-to-device offloading.
type D2D struct {
	Link    d2d.Link       // the radio between peers
	Rule    d2d.AcceptRule // when a peer takes work
	Cluster d2d.Config     // how phones are grouped
	// Recluster is how often moving phones are grouped again (warm
	// started from the previous clusters, keeping their ids); zero keeps
	// the first clusters.
	Recluster sim.Time
}

// Site is an edge site: a base station and, beside it, a server that takes
// offloaded tasks from phones within Coverage metres.
type Site struct {
	Pos       topology.Point
	Coverage  float64 // metres
	Processor devices.Cost
	Servers   int // processors sharing one queue

	Discipline      Discipline // order of service
	QueueLimit      int        // most tasks that may wait; 0 for no limit
	ForwardWhenFull bool       // a task finding the queue full goes on to the cloud, else it is refused
	Batch           int        // most vision tasks of one model served as one batch; 0 or 1 for none
	LLMBatch        int        // most LLM requests per accelerator in continuous batching; 0 or 1 for none
}

// CloudSite is the data centre, reached from a phone's nearest cell over a
// WAN link.
type CloudSite struct {
	WAN       topology.WANLink
	Processor devices.Cost
	Servers   int
	LLMBatch  int // most LLM requests per accelerator in continuous batching; 0 or 1 for none
}

// Kind of task a workload generates.
type Kind int

// Kinds of workload.
const (
	Vision Kind = iota // one inference of a vision model per task
	LLM                // one LLM request: a prompt in, generated tokens streamed back
	DAG                // a job of dependent subtasks, each placed when it becomes ready
)

func (k Kind) String() string {
	switch k {
	case LLM:
		return "llm"
	case DAG:
		return "dag"
	}
	return "vision"
}

// Workload is a stream of tasks that every phone generates as a Poisson
// process: vision inferences, or LLM requests.
type Workload struct {
	Kind     Kind
	Rate     float64           // Poisson arrivals per second per phone, when Arrivals is nil
	Arrivals workloads.Process // the arrival process of each phone; nil for Poisson at Rate
	// PhoneArrivals, if set, gives phone i the process PhoneArrivals[i mod
	// len] instead (trace replay, one device's times per phone).
	PhoneArrivals []workloads.Process
	Deadline      float64 // relative deadline for the whole task, seconds

	Model workloads.Model // for Vision

	// Job draws each DAG job's graph, for DAG workloads: subtasks with
	// operations, data on each edge, the job's input (from the phone to
	// its entry subtasks) and output (from its exit subtasks back).
	Job workloads.LayeredDAG
	// PhoneJobs, if set, replaces the generator with given jobs: phone i's
	// k-th arrival is PhoneJobs[i mod len][k] (with PhoneArrivals replaying
	// their times, as for a cluster trace).
	PhoneJobs [][]workloads.DAG
	// SkippedRows counts the malformed rows of the jobs' trace that were
	// skipped; informational, for the results.
	SkippedRows int
	// DropLate drops a vision frame at once when the policy's chosen
	// target is estimated to miss its deadline (counted as "dropped").
	DropLate bool

	// For LLM requests: the model at a quantisation, the prompt and the
	// output length in tokens, the bytes one token takes on the air, and
	// the service-level objectives on time to first token and time per
	// output token.
	LLM          workloads.LLM
	Quant        workloads.Quant
	PromptTokens int
	OutputTokens int
	TokenBytes   float64
	TTFTSLO      float64
	TPOTSLO      float64
	// Turns makes each arrival a conversation of this many prompts, each
	// asked an exponential think time (mean ThinkTime seconds) after the
	// previous answer, with the conversation so far as context; 0 or 1
	// for single requests.
	Turns     int
	ThinkTime float64
	// PromptSigma and OutputSigma, when positive, draw each request's
	// prompt and output lengths from log-normal laws with medians
	// PromptTokens and OutputTokens and these σ (of the natural log).
	PromptSigma, OutputSigma float64
	// PromptHist and OutputHist, when set, draw the lengths from empirical
	// histograms instead: pairs of (tokens, weight).
	PromptHist, OutputHist [][2]float64
}

// varies reports whether requests of wl differ in their token counts.
func (wl *Workload) varies() bool {
	return wl.PromptSigma > 0 || wl.OutputSigma > 0 || len(wl.PromptHist) > 0 || len(wl.OutputHist) > 0
}

// fromHist draws a value of an empirical histogram of (value, weight).
func fromHist(h [][2]float64, r *rand.Rand) int {
	var total float64
	for _, b := range h {
		total += b[1]
	}
	x := r.Float64() * total
	for _, b := range h {
		if x < b[1] {
			return int(b[0])
		}
		x -= b[1]
	}
	return int(h[len(h)-1][0])
}

// drawTokens draws one request's prompt and output lengths.
func (wl *Workload) drawTokens(r *rand.Rand) (prompt, output int) {
	prompt, output = wl.PromptTokens, wl.OutputTokens
	switch {
	case len(wl.PromptHist) > 0:
		prompt = max(1, fromHist(wl.PromptHist, r))
	case wl.PromptSigma > 0:
		prompt = max(1, int(math.Round(float64(prompt)*math.Exp(wl.PromptSigma*r.NormFloat64()))))
	}
	switch {
	case len(wl.OutputHist) > 0:
		output = max(1, fromHist(wl.OutputHist, r))
	case wl.OutputSigma > 0:
		output = max(1, int(math.Round(float64(output)*math.Exp(wl.OutputSigma*r.NormFloat64()))))
	}
	return min(prompt, 1<<20), min(output, 1<<20)
}

// process returns the workload's arrival process (for phone 0 when
// phones differ).
func (wl *Workload) process() workloads.Process { return wl.processOf(0) }

// processOf returns phone i's arrival process.
func (wl *Workload) processOf(i int) workloads.Process {
	if len(wl.PhoneArrivals) > 0 {
		return wl.PhoneArrivals[i%len(wl.PhoneArrivals)]
	}
	if wl.Arrivals != nil {
		return wl.Arrivals
	}
	return workloads.Poisson{Rate: wl.Rate}
}

// Name is the model's name.
func (wl *Workload) Name() string {
	switch wl.Kind {
	case LLM:
		return wl.LLM.Name
	case DAG:
		return "dag"
	}
	return wl.Model.Name
}

// inputBytes is what an offloaded task uploads: the image, or the prompt.
func (wl *Workload) inputBytes() float64 {
	if wl.Kind == LLM {
		return float64(wl.PromptTokens) * wl.TokenBytes
	}
	return wl.Model.InputBytes
}

// outputBytes is what comes back: the result, or (for LLMs) the first
// token and then the rest of the output.
func (wl *Workload) outputBytes() (first, rest float64) {
	if wl.Kind == LLM {
		return wl.TokenBytes, float64(wl.OutputTokens-1) * wl.TokenBytes
	}
	return wl.Model.OutputBytes, 0
}

// compute returns the seconds of computation of one task of wl on c: for
// an LLM request, the prefill (which yields the first token) and the
// decode steps that yield the rest.
func (wl *Workload) compute(c devices.Cost) (first, rest float64) {
	if wl.Kind == Vision {
		return c.Vision(wl.Model), 0
	}
	first = c.Prefill(wl.LLM, wl.Quant, wl.PromptTokens)
	for j := 1; j < wl.OutputTokens; j++ {
		rest += c.Decode(wl.LLM, wl.Quant, wl.PromptTokens+j)
	}
	return first, rest
}

// turnCosts returns the compute seconds and upload bytes of an LLM
// session's turn with ctx tokens of conversation before its prompt, at a
// place that does (reuse) or does not hold the conversation's KV cache.
// Reusing it, the place prefills only the new prompt — the difference
// between prefilling the whole conversation and the old part, and at
// least a fresh prompt's prefill — and receives only the new prompt;
// otherwise the phone sends the whole conversation and the place
// prefills all of it.
func (wl *Workload) turnCosts(c devices.Cost, ctx, prompt, output int, reuse bool) (cs costs, in float64) {
	total := ctx + prompt
	full := c.Prefill(wl.LLM, wl.Quant, total)
	if reuse && ctx > 0 {
		cs.first = max(full-c.Prefill(wl.LLM, wl.Quant, ctx), c.Prefill(wl.LLM, wl.Quant, prompt))
		in = float64(prompt) * wl.TokenBytes
	} else {
		cs.first = full
		in = float64(total) * wl.TokenBytes
	}
	for j := 1; j < output; j++ {
		cs.rest += c.Decode(wl.LLM, wl.Quant, total+j)
	}
	cs.fitErr = c.Fits(wl.LLM.FootprintBytes(wl.Quant, total+output))
	return cs, in
}

// fits reports whether wl's model fits the memory of c's device.
func (wl *Workload) fits(c devices.Cost) error {
	if wl.Kind == Vision {
		return c.Fits(wl.Model.Params * 4)
	}
	return c.Fits(wl.LLM.FootprintBytes(wl.Quant, wl.PromptTokens+wl.OutputTokens))
}
