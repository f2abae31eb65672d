package rl

import (
	"fmt"

	"github.com/mecsim/mecsim/policies"
)

// MultiSpace is the action space of one phone of a slotted mecsim world
// as a multi-agent learner sees it: a fixed list of targets — the phone's
// processors (Locals of them, the first its own CPU), each edge site by
// index, then the cloud — whichever of them a given observation lists.
// D2D peers are not actions. It maps a policies.Observation to an
// agent's observation vector and mask (Encode) and an action back to the
// observation's target (Target), so that a trained agent can place tasks
// as a policies.Policy with the very encoding it was trained on.
type MultiSpace struct {
	Locals int // the phone's processors (1 + its extra processors)
	Sites  int // edge sites
}

// Features of an agent's observation, as MultiSpace.Encode writes them:
// MultiHead features of the phone and its next task, then TargetFeatures
// features for each action in order. Counts enter as log(1 + n), sizes,
// times and energies as log(1 + x/scale), so that values are of the order
// of one.
const (
	MultiWaiting  = iota // log(1 + tasks waiting for a decision at the phone)
	MultiHasTask         // 1 when the phone has a task to decide
	MultiOps             // log(1 + operations of the next task / 1e9)
	MultiIn              // log(1 + bytes it uploads / 1 MB)
	MultiOut             // log(1 + bytes of its result / 1 MB)
	MultiPriority        // log(1 + its priority / 100 ms) (policies.Task.Priority)
	MultiWaited          // log(1 + seconds it has waited / 100 ms)
	MultiBattery         // the phone's state of charge
	MultiThrottle        // the phone's clock fraction
	MultiHead            // number of features before the targets'
)

// Features of each action's target, at offset MultiHead + action ×
// TargetFeatures.
const (
	TargetPresent  = iota // 1 when the observation lists the target (an edge site in range)
	TargetLatency         // log(1 + estimated latency of the task there / 100 ms)
	TargetEnergy          // log(1 + phone energy of the task there / 100 mJ)
	TargetQueueLen        // log(1 + tasks queued, in service or on their way there, as the phone sees them)
	TargetFeatures        // number of features per target
)

// Actions returns the number of actions.
func (s MultiSpace) Actions() int { return s.Locals + s.Sites + 1 }

// ObsLen returns the length of an agent's observation.
func (s MultiSpace) ObsLen() int { return MultiHead + s.Actions()*TargetFeatures }

// Action returns the action that names target t, or -1 for a target that
// is not an action (a D2D peer, an index out of range).
func (s MultiSpace) Action(t *policies.Target) int {
	switch {
	case t.Kind == policies.Local && t.Index >= 0 && t.Index < s.Locals:
		return t.Index
	case t.Kind == policies.Edge && t.Index >= 0 && t.Index < s.Sites:
		return s.Locals + t.Index
	case t.Kind == policies.Cloud:
		return s.Locals + s.Sites
	}
	return -1
}

// Target returns the index in obs.Targets of the target action names,
// and false when the observation does not list it (an edge site out of
// range, an action out of range).
func (s MultiSpace) Target(obs *policies.Observation, action int) (int, bool) {
	if action < 0 || action >= s.Actions() {
		return 0, false
	}
	for k := range obs.Targets {
		if s.Action(&obs.Targets[k]) == action {
			return k, true
		}
	}
	return 0, false
}

// Encode writes obs as an agent's observation into dst (ObsLen values)
// and marks in mask (Actions entries) the actions it may take: the
// targets listed that can hold the task's model (all those listed, if
// none can). An observation without a task (Device.Waiting = 0, as
// mec.World.ObservePhone gives) still describes the phone and the queues
// it sees, and allows action 0 alone: the agent has nothing to decide.
func (s MultiSpace) Encode(obs *policies.Observation, dst []float64, mask []bool) error {
	if s.Locals < 1 || s.Sites < 0 {
		return fmt.Errorf("rl: action space of %d local processors and %d sites", s.Locals, s.Sites)
	}
	if len(dst) != s.ObsLen() || len(mask) != s.Actions() {
		return fmt.Errorf("rl: encoding into %d values and %d mask entries, want %d and %d", len(dst), len(mask), s.ObsLen(), s.Actions())
	}
	clear(dst)
	clear(mask)
	lg := logScaled
	task := obs.Device.Waiting > 0
	dst[MultiWaiting] = lg(float64(obs.Device.Waiting), 1)
	dst[MultiBattery] = obs.Device.Battery
	dst[MultiThrottle] = obs.Device.Throttle
	if task {
		dst[MultiHasTask] = 1
		dst[MultiOps] = lg(obs.Task.Ops, 1e9)
		dst[MultiIn] = lg(obs.Task.InputBytes, 1e6)
		dst[MultiOut] = lg(obs.Task.OutputBytes, 1e6)
		dst[MultiPriority] = lg(obs.Task.Priority, 0.1)
		dst[MultiWaited] = lg(obs.Task.Waited, 0.1)
	}
	allowed := false
	for k := range obs.Targets {
		t := &obs.Targets[k]
		a := s.Action(t)
		if a < 0 {
			continue
		}
		col := dst[MultiHead+a*TargetFeatures : MultiHead+(a+1)*TargetFeatures]
		col[TargetPresent] = 1
		col[TargetQueueLen] = lg(float64(t.QueueLen), 1)
		if task {
			col[TargetLatency] = lg(t.EstimatedLatency(), 0.1)
			col[TargetEnergy] = lg(t.Energy, 0.1)
			mask[a] = !t.OutOfMemory
			allowed = allowed || mask[a]
		}
	}
	switch {
	case !task:
		clear(mask)
		mask[0] = true
	case !allowed:
		for k := range obs.Targets {
			if a := s.Action(&obs.Targets[k]); a >= 0 {
				mask[a] = true
				allowed = true
			}
		}
		if !allowed {
			mask[0] = true
		}
	}
	return nil
}
