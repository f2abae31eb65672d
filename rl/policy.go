package rl

import (
	"fmt"
	"math"

	"github.com/mecsim/mecsim/policies"
)

// Features of a column of a mecsim world's observation (one column per
// target of policies.Observation), as EncodeObservation writes them.
// Times and energies enter as log(1 + x/scale), so that a 10 ms vision
// inference and a 10 s LLM answer are both in a few units.
const (
	WorldLocal     = iota // 1 for the phone's own processors
	WorldEdge             // 1 for an edge server
	WorldCloud            // 1 for the cloud
	WorldD2D              // 1 for a D2D peer
	WorldTransfer         // log(1 + transfer time / 10 ms)
	WorldQueueWait        // log(1 + queue wait / 10 ms)
	WorldCompute          // log(1 + compute time / 10 ms)
	WorldLatency          // log(1 + estimated latency / 10 ms)
	WorldEnergy           // log(1 + phone energy / 10 mJ)
	WorldRate             // log(1 + uplink rate / 10 Mbit/s)
	WorldQueueLen         // log(1 + tasks queued at the target)
	WorldDeadline         // log(1 + task deadline / 10 ms), 0 without a deadline
	WorldBattery          // the phone's state of charge
	WorldThrottle         // the phone's clock fraction
	WorldFeatures         // number of features
)

// logScaled is log(1 + x/scale), and 0 for a quantity that is not a
// positive finite number (unknown, or infinite: out of reach).
func logScaled(x, scale float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) {
		return 0
	}
	return math.Log1p(x / scale)
}

// EncodeObservation writes obs's targets as columns of WorldFeatures
// features into dst (columns·WorldFeatures values) and marks in mask the
// targets that may be chosen (present and not out of memory). Targets
// beyond columns are left out (and can never be chosen); columns beyond
// the targets are zero and masked.
func EncodeObservation(obs *policies.Observation, columns int, dst []float64, mask []bool) error {
	if len(dst) != columns*WorldFeatures || len(mask) != columns {
		return fmt.Errorf("rl: encoding into %d values and %d mask entries, want %d and %d", len(dst), len(mask), columns*WorldFeatures, columns)
	}
	clear(dst)
	clear(mask)
	lg := logScaled
	for k, t := range obs.Targets {
		if k >= columns {
			break
		}
		col := dst[k*WorldFeatures : (k+1)*WorldFeatures]
		switch t.Kind {
		case policies.Local:
			col[WorldLocal] = 1
		case policies.Edge:
			col[WorldEdge] = 1
		case policies.Cloud:
			col[WorldCloud] = 1
		case policies.D2D:
			col[WorldD2D] = 1
		}
		col[WorldTransfer] = lg(t.TransferTime, 0.01)
		col[WorldQueueWait] = lg(t.QueueWait, 0.01)
		col[WorldCompute] = lg(t.ComputeTime, 0.01)
		col[WorldLatency] = lg(t.EstimatedLatency(), 0.01)
		col[WorldEnergy] = lg(t.Energy, 0.01)
		col[WorldRate] = lg(t.UplinkRate, 10e6)
		col[WorldQueueLen] = math.Log1p(float64(t.QueueLen))
		col[WorldDeadline] = lg(obs.Task.Deadline, 0.01)
		col[WorldBattery] = obs.Device.Battery
		col[WorldThrottle] = obs.Device.Throttle
		mask[k] = !t.OutOfMemory
	}
	return nil
}

// WorldPolicy is a trained agent placing tasks in a mecsim world under a
// fixed preference w: a policies.Policy.
type WorldPolicy struct {
	actor *ActorPolicy
	w     float64
	obs   []float64
	mask  []bool
}

// NewWorldPolicy returns the greedy policy of an agent trained on mecsim
// worlds (observations of WorldFeatures features per column) under
// preference w.
func NewWorldPolicy(s *SAC, w float64) (*WorldPolicy, error) {
	if s.Feat != WorldFeatures {
		return nil, fmt.Errorf("sac: the agent reads %d features per column, a mecsim world gives %d (was it trained on another environment?)", s.Feat, WorldFeatures)
	}
	if !(w >= 0 && w <= 1) {
		return nil, fmt.Errorf("sac: preference %v outside [0, 1]", w)
	}
	return &WorldPolicy{actor: s.ActorPolicy(), w: w, obs: make([]float64, s.Cols*WorldFeatures), mask: make([]bool, s.Cols)}, nil
}

// Decide picks the target the agent prefers. When no target is allowed
// (every one out of memory), it picks the first, which the world refuses.
func (p *WorldPolicy) Decide(obs *policies.Observation) (policies.Decision, error) {
	if err := EncodeObservation(obs, p.actor.cols, p.obs, p.mask); err != nil {
		return policies.Decision{}, err
	}
	allowed := false
	for _, ok := range p.mask {
		allowed = allowed || ok
	}
	if !allowed {
		return policies.Decision{Target: 0}, nil
	}
	a, err := p.actor.Act(p.obs, p.mask, p.w)
	if err != nil {
		return policies.Decision{}, err
	}
	return policies.Decision{Target: a}, nil
}
