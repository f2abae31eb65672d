package policies

// EdgeLeastLoaded offloads every task to the edge server in range with the
// least work waiting (its queue-wait estimate, then its queue length, then
// its index), and runs it locally when no edge server is in range.
type EdgeLeastLoaded struct{}

// Decide picks the least-loaded edge target.
func (EdgeLeastLoaded) Decide(obs *Observation) (Decision, error) {
	best := -1
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.Kind != Edge || t.OutOfMemory {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := &obs.Targets[best]
		if t.QueueWait < b.QueueWait || t.QueueWait == b.QueueWait && t.QueueLen < b.QueueLen {
			best = i
		}
	}
	if best < 0 {
		return firstOfKind(obs, Local)
	}
	return Decision{Target: best}, nil
}

// MinEnergy picks the target on which the phone spends the least energy,
// whatever the latency, among those that can hold the task's model.
type MinEnergy struct{}

// Decide picks the minimum of Target.Energy; ties go to the target listed
// first.
func (MinEnergy) Decide(obs *Observation) (Decision, error) {
	return argmin(obs, func(t *Target) float64 { return t.Energy })
}

// Weighted minimises Omega × latency + (1 − Omega) × energy, each
// estimate normalised over the task's targets to [0, 1] (the best target
// 0, the worst 1), so that the preference Omega in [0, 1] trades them
// whatever their units and scales: 1 is greedy-latency, 0 is min-energy.
type Weighted struct {
	Omega float64
}

// Decide picks the least weighted sum.
func (p Weighted) Decide(obs *Observation) (Decision, error) {
	loL, hiL, loE, hiE := spans(obs)
	return argmin(obs, func(t *Target) float64 {
		return p.Omega*unit(t.EstimatedLatency(), loL, hiL) + (1-p.Omega)*unit(t.Energy, loE, hiE)
	})
}

// DeadlineEFT picks, among the targets estimated to meet the task's
// deadline (what is left of it after the time the task has waited for its
// decision, and, for an LLM request, its time-to-first-token objective),
// the one that finishes earliest; when none does, the one that is least
// late.
type DeadlineEFT struct{}

// Decide picks the earliest-finishing target that meets the deadline.
func (DeadlineEFT) Decide(obs *Observation) (Decision, error) {
	best, late := -1, -1
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.OutOfMemory {
			continue
		}
		finish := t.EstimatedLatency()
		meets := finish <= obs.Task.Deadline-obs.Task.Waited
		if obs.Task.Kind == "llm" && obs.Task.TTFTSLO > 0 {
			meets = meets && t.TransferTime+t.QueueWait+t.FirstTime <= obs.Task.TTFTSLO-obs.Task.Waited
		}
		if meets && (best < 0 || finish < obs.Targets[best].EstimatedLatency()) {
			best = i
		}
		if late < 0 || finish < obs.Targets[late].EstimatedLatency() {
			late = i
		}
	}
	switch {
	case best >= 0:
		return Decision{Target: best}, nil
	case late >= 0:
		return Decision{Target: late}, nil
	}
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	return Decision{Target: 0}, nil
}

// argmin returns the target minimising f among those that can hold the
// task's model (any target, if none can).
func argmin(obs *Observation, f func(*Target) float64) (Decision, error) {
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	best := -1
	var bestV float64
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.OutOfMemory {
			continue
		}
		if v := f(t); best < 0 || v < bestV {
			best, bestV = i, v
		}
	}
	if best < 0 {
		best = 0
	}
	return Decision{Target: best}, nil
}

// spans returns the ranges of the latency and energy estimates over the
// targets that can hold the task's model.
func spans(obs *Observation) (loL, hiL, loE, hiE float64) {
	first := true
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.OutOfMemory {
			continue
		}
		l, e := t.EstimatedLatency(), t.Energy
		if first {
			loL, hiL, loE, hiE, first = l, l, e, e, false
			continue
		}
		loL, hiL, loE, hiE = min(loL, l), max(hiL, l), min(loE, e), max(hiE, e)
	}
	return loL, hiL, loE, hiE
}

// unit maps x from [lo, hi] to [0, 1]; a span of zero maps to 0.
func unit(x, lo, hi float64) float64 {
	if hi <= lo {
		return 0
	}
	return (x - lo) / (hi - lo)
}

// Lyapunov is the drift-plus-penalty policy of online MEC offloading
// (Neely's framework, as in Mao et al. 2016): each phone keeps a virtual
// queue Q of energy spent beyond its budget per task, and each decision
// minimises V × latency + Q × energy; Q then grows by the chosen target's
// energy less the budget (never below zero). A large V favours latency,
// a small one holds the phone to its energy budget in the long run.
type Lyapunov struct {
	V      float64 // weight of latency (per second) against the energy queue
	Budget float64 // energy budget per task, joules

	queues map[int]float64 // per phone
}

// NewLyapunov returns the policy with its queues empty.
func NewLyapunov(v, budget float64) *Lyapunov {
	return &Lyapunov{V: v, Budget: budget, queues: map[int]float64{}}
}

// Queue returns phone i's energy queue.
func (p *Lyapunov) Queue(i int) float64 { return p.queues[i] }

// Decide minimises V × estimated latency + Q × energy and updates the
// phone's queue with the choice.
func (p *Lyapunov) Decide(obs *Observation) (Decision, error) {
	q := p.queues[obs.Device.Index]
	d, err := argmin(obs, func(t *Target) float64 { return p.V*t.EstimatedLatency() + q*t.Energy })
	if err != nil {
		return d, err
	}
	p.queues[obs.Device.Index] = max(0, q+obs.Targets[d.Target].Energy-p.Budget)
	return d, nil
}
