package policies

import (
	"errors"
	"math/rand/v2"
	"slices"
)

// errNoTargets is returned when an observation lists no target at all,
// which the world never produces: every phone can run a task locally.
var errNoTargets = errors.New("policies: observation has no targets")

// AlwaysLocal runs every task on the phone's own processor.
type AlwaysLocal struct{}

// Decide picks the local target.
func (AlwaysLocal) Decide(obs *Observation) (Decision, error) {
	return firstOfKind(obs, Local)
}

// AlwaysCloud sends every task to the cloud; if the cloud is not listed
// (the phone has no cell) the task runs locally.
type AlwaysCloud struct{}

// Decide picks the cloud target.
func (AlwaysCloud) Decide(obs *Observation) (Decision, error) {
	if d, err := firstOfKind(obs, Cloud); err == nil {
		return d, nil
	}
	return firstOfKind(obs, Local)
}

// EdgeNearest offloads every task to the nearest edge server in range, and
// runs it locally when none is.
type EdgeNearest struct{}

// Decide picks the edge target at the smallest distance; ties go to the
// lower index.
func (EdgeNearest) Decide(obs *Observation) (Decision, error) {
	best := -1
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.Kind == Edge && (best < 0 || t.Distance < obs.Targets[best].Distance) {
			best = i
		}
	}
	if best < 0 {
		return firstOfKind(obs, Local)
	}
	return Decision{Target: best}, nil
}

// Random picks a target uniformly at random from its own stream.
type Random struct {
	Rand *rand.Rand
}

// Decide picks any target that can hold the task's model with equal
// probability (any target at all if none can).
func (p Random) Decide(obs *Observation) (Decision, error) {
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	n := 0
	for i := range obs.Targets {
		if !obs.Targets[i].OutOfMemory {
			n++
		}
	}
	if n == 0 {
		return Decision{Target: p.Rand.IntN(len(obs.Targets))}, nil
	}
	k := p.Rand.IntN(n)
	for i := range obs.Targets {
		if !obs.Targets[i].OutOfMemory {
			if k == 0 {
				return Decision{Target: i}, nil
			}
			k--
		}
	}
	panic("unreachable")
}

// GreedyLatency picks the target with the smallest estimated latency —
// transfer, queueing and computation — ignoring energy, among the targets
// that can hold the task's model. Ties go to the target listed first.
type GreedyLatency struct{}

// Decide picks the minimum of Target.EstimatedLatency.
func (GreedyLatency) Decide(obs *Observation) (Decision, error) {
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	best := fastest(obs, nil)
	if best < 0 {
		best = 0 // nothing fits anywhere: the task will be refused wherever it goes
	}
	return Decision{Target: best}, nil
}

// GreedyOffload is GreedyLatency without the phone: it picks the edge
// server or cloud of least estimated latency among those that can hold
// the task's model, and runs the task locally only when there is neither.
// Where the phone is slow and its energy dear, it is the offloading rule a
// learner has to beat: a phone beyond every edge site's reach sends its
// tasks to the cloud rather than running them itself, as edge-nearest
// would. D2D peers are not among its targets. Ties go to the target
// listed first.
type GreedyOffload struct{}

// Decide picks the minimum of Target.EstimatedLatency over edge and cloud
// targets.
func (GreedyOffload) Decide(obs *Observation) (Decision, error) {
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	if best := fastest(obs, []TargetKind{Edge, Cloud}); best >= 0 {
		return Decision{Target: best}, nil
	}
	return firstOfKind(obs, Local)
}

// D2DGreedy offloads to the phone's fastest willing D2D peer when that
// beats running locally, by estimated latency; it never uses the cellular
// network.
type D2DGreedy struct{}

// Decide picks the minimum estimated latency among the local and the D2D
// targets that can hold the task's model.
func (D2DGreedy) Decide(obs *Observation) (Decision, error) {
	if best := fastest(obs, []TargetKind{Local, D2D}); best >= 0 {
		return Decision{Target: best}, nil
	}
	return firstOfKind(obs, Local)
}

// fastest returns the index of the target of least estimated latency
// among those of the given kinds (any kind, if kinds is nil) that can
// hold the task's model, the first listed on a tie, or −1 if there is
// none.
func fastest(obs *Observation, kinds []TargetKind) int {
	best := -1
	var bestL float64
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.OutOfMemory || (kinds != nil && !slices.Contains(kinds, t.Kind)) {
			continue
		}
		if l := t.EstimatedLatency(); best < 0 || l < bestL {
			best, bestL = i, l
		}
	}
	return best
}

func firstOfKind(obs *Observation, k TargetKind) (Decision, error) {
	for i := range obs.Targets {
		if obs.Targets[i].Kind == k {
			return Decision{Target: i}, nil
		}
	}
	if len(obs.Targets) == 0 {
		return Decision{}, errNoTargets
	}
	return Decision{}, errors.New("policies: no " + k.String() + " target in observation")
}
