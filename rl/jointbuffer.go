package rl

import "fmt"

// JointTransition is one step of a MultiEnv seen by every agent: the
// observations (agents × obs), masks (agents × actions), actions,
// rewards (agents × MultiObjectives), next observations and masks, and
// the LSTM states (agents × state) the actors acted from.
type JointTransition struct {
	Obs, Next      []float64
	Mask, NextMask []bool
	Actions        []int
	Rewards        []float64
	H, C           []float64
	Terminated     bool
}

// JointBuffer is a replay buffer of joint transitions; observations and
// states are stored as float32, and storage grows as it fills.
type JointBuffer struct {
	Cap, Agents, ObsLen, Actions, State int

	Obs, Next      []float32
	Mask, NextMask []bool
	Action         []int32
	Reward         []float64
	H, C           []float32
	Terminated     []bool
	Len, Head      int
	AddedTotal     int
}

// NewJointBuffer returns an empty buffer.
func NewJointBuffer(capacity, agents, obs, actions, state int) (*JointBuffer, error) {
	if capacity < 1 || agents < 1 || obs < 1 || actions < 1 || state < 0 {
		return nil, fmt.Errorf("rl: joint buffer of capacity %d for %d agents, %d-value observations, %d actions, state %d", capacity, agents, obs, actions, state)
	}
	return &JointBuffer{Cap: capacity, Agents: agents, ObsLen: obs, Actions: actions, State: state}, nil
}

func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

func putFloat32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}

// Add stores a transition, overwriting the oldest when full.
func (b *JointBuffer) Add(t JointTransition) {
	i := b.Head
	N := b.Agents
	o, k, s := N*b.ObsLen, N*b.Actions, N*b.State
	if i >= b.Len {
		b.Obs, b.Next = growTo(b.Obs, (i+1)*o), growTo(b.Next, (i+1)*o)
		b.Mask, b.NextMask = growTo(b.Mask, (i+1)*k), growTo(b.NextMask, (i+1)*k)
		b.Action = growTo(b.Action, (i+1)*N)
		b.Reward = growTo(b.Reward, (i+1)*N*MultiObjectives)
		b.H, b.C = growTo(b.H, (i+1)*s), growTo(b.C, (i+1)*s)
		b.Terminated = growTo(b.Terminated, i+1)
	}
	putFloat32(b.Obs[i*o:(i+1)*o], t.Obs)
	putFloat32(b.Next[i*o:(i+1)*o], t.Next)
	copy(b.Mask[i*k:(i+1)*k], t.Mask)
	copy(b.NextMask[i*k:(i+1)*k], t.NextMask)
	for j, a := range t.Actions {
		b.Action[i*N+j] = int32(a)
	}
	copy(b.Reward[i*N*MultiObjectives:(i+1)*N*MultiObjectives], t.Rewards)
	if s > 0 {
		putFloat32(b.H[i*s:(i+1)*s], t.H)
		putFloat32(b.C[i*s:(i+1)*s], t.C)
	}
	b.Terminated[i] = t.Terminated
	b.Head = (b.Head + 1) % b.Cap
	b.Len = min(b.Len+1, b.Cap)
	b.AddedTotal++
}
