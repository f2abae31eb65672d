package rl

import (
	"fmt"
	"math/rand/v2"
)

// Buffer is a replay buffer of transitions with vector rewards and the
// preference the behaviour policy acted under. Observations are stored as
// float32 (half the memory; observations need no more precision) and the
// oldest transition is overwritten when the buffer is full.
type Buffer struct {
	Cap        int // capacity in transitions
	ObsLen     int // values per observation (columns × features, without the preference)
	Cols       int // columns (actions)
	Objectives int // reward components

	Obs, Next      []float32 // Cap·ObsLen each
	Mask, NextMask []bool    // Cap·Cols each
	Action         []int32
	Reward         []float64 // Cap·Objectives
	Pref           []float64
	Terminated     []bool
	Len, Head      int // transitions held; index of the next write
	AddedTotal     int // transitions ever added
}

// NewBuffer returns an empty buffer.
func NewBuffer(capacity, obsLen, cols, objectives int) (*Buffer, error) {
	if capacity < 1 || obsLen < 1 || cols < 1 || objectives < 1 {
		return nil, fmt.Errorf("rl: buffer of capacity %d for observations of %d values, %d actions, %d objectives", capacity, obsLen, cols, objectives)
	}
	return &Buffer{
		Cap: capacity, ObsLen: obsLen, Cols: cols, Objectives: objectives,
	}, nil
}

// ensure grows the storage up to the transition at index i, so that a
// large buffer that is never filled costs only what it holds.
func (b *Buffer) ensure(i int) {
	if i < b.Len {
		return
	}
	n := i + 1
	b.Obs = append(b.Obs, make([]float32, n*b.ObsLen-len(b.Obs))...)
	b.Next = append(b.Next, make([]float32, n*b.ObsLen-len(b.Next))...)
	b.Mask = append(b.Mask, make([]bool, n*b.Cols-len(b.Mask))...)
	b.NextMask = append(b.NextMask, make([]bool, n*b.Cols-len(b.NextMask))...)
	b.Action = append(b.Action, make([]int32, n-len(b.Action))...)
	b.Reward = append(b.Reward, make([]float64, n*b.Objectives-len(b.Reward))...)
	b.Pref = append(b.Pref, make([]float64, n-len(b.Pref))...)
	b.Terminated = append(b.Terminated, make([]bool, n-len(b.Terminated))...)
}

// Add stores a transition.
func (b *Buffer) Add(obs []float64, mask []bool, action int, reward []float64, pref float64, next []float64, nextMask []bool, terminated bool) {
	i := b.Head
	b.ensure(i)
	for j, v := range obs {
		b.Obs[i*b.ObsLen+j] = float32(v)
	}
	for j, v := range next {
		b.Next[i*b.ObsLen+j] = float32(v)
	}
	copy(b.Mask[i*b.Cols:(i+1)*b.Cols], mask)
	copy(b.NextMask[i*b.Cols:(i+1)*b.Cols], nextMask)
	b.Action[i] = int32(action)
	copy(b.Reward[i*b.Objectives:(i+1)*b.Objectives], reward)
	b.Pref[i] = pref
	b.Terminated[i] = terminated
	b.Head = (b.Head + 1) % b.Cap
	b.Len = min(b.Len+1, b.Cap)
	b.AddedTotal++
}

// Sample draws n indices uniformly with replacement into idx.
func (b *Buffer) Sample(rng *rand.Rand, idx []int) {
	for i := range idx {
		idx[i] = rng.IntN(b.Len)
	}
}
