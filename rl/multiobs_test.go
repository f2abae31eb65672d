package rl

import (
	"math"
	"reflect"
	"testing"

	"github.com/mecsim/mecsim/policies"
)

// TestMultiSpace checks the fixed action order (local processors, sites,
// cloud), the mapping back to an observation's targets and the masks.
func TestMultiSpace(t *testing.T) {
	s := MultiSpace{Locals: 2, Sites: 3}
	if s.Actions() != 6 || s.ObsLen() != MultiHead+6*TargetFeatures {
		t.Fatalf("%d actions, %d features", s.Actions(), s.ObsLen())
	}
	// A phone in range of sites 0 and 2, with a D2D peer listed last.
	targets := []policies.Target{
		{Kind: policies.Local, Index: 0, ComputeTime: 0.1, Energy: 0.2, QueueLen: 1},
		{Kind: policies.Local, Index: 1, ComputeTime: 0.05, Energy: 0.1, OutOfMemory: true},
		{Kind: policies.Edge, Index: 0, TransferTime: 0.02, ComputeTime: 0.01, QueueLen: 4},
		{Kind: policies.Edge, Index: 2, TransferTime: 0.03, ComputeTime: 0.01},
		{Kind: policies.Cloud, Index: -1, TransferTime: 0.1, ComputeTime: 0.001, QueueLen: 2},
		{Kind: policies.D2D, Index: 7},
	}
	task := &policies.Observation{Task: policies.Task{Ops: 1e9, InputBytes: 1e6, Priority: 0.1},
		Device: policies.Device{Waiting: 3, Battery: 0.5, Throttle: 1}, Targets: targets}
	none := &policies.Observation{Task: policies.Task{ID: -1}, Device: policies.Device{Battery: 1, Throttle: 1}, Targets: targets}
	oom := &policies.Observation{Device: policies.Device{Waiting: 1}, Targets: []policies.Target{
		{Kind: policies.Local, Index: 0, OutOfMemory: true}, {Kind: policies.Cloud, Index: -1, OutOfMemory: true}}}
	for _, c := range []struct {
		name    string
		obs     *policies.Observation
		mask    []bool
		targets []int // Target of each action, -1 when absent
	}{
		{"a task", task, []bool{true, false, true, false, true, true}, []int{0, 1, 2, -1, 3, 4}},
		{"nothing to decide", none, []bool{true, false, false, false, false, false}, []int{0, 1, 2, -1, 3, 4}},
		{"out of memory everywhere", oom, []bool{true, false, false, false, false, true}, []int{0, -1, -1, -1, -1, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := make([]float64, s.ObsLen())
			mask := make([]bool, s.Actions())
			if err := s.Encode(c.obs, dst, mask); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(mask, c.mask) {
				t.Errorf("mask %v, want %v", mask, c.mask)
			}
			for a, want := range c.targets {
				k, ok := s.Target(c.obs, a)
				if !ok {
					k = -1
				}
				if k != want {
					t.Errorf("action %d → target %d, want %d", a, k, want)
				}
				present := dst[MultiHead+a*TargetFeatures+TargetPresent]
				if (present == 1) != (want >= 0) {
					t.Errorf("action %d present = %v", a, present)
				}
			}
			for i, x := range dst {
				if math.IsNaN(x) || x < 0 || x > 5 {
					t.Errorf("feature %d = %v, not of the order of one", i, x)
				}
			}
		})
	}
	dst := make([]float64, s.ObsLen())
	mask := make([]bool, s.Actions())
	_ = s.Encode(task, dst, mask)
	if got, want := dst[MultiWaiting], math.Log1p(3); got != want {
		t.Errorf("waiting feature %v, want %v", got, want)
	}
	if got, want := dst[MultiHead+2*TargetFeatures+TargetLatency], math.Log1p(0.03/0.1); math.Abs(got-want) > 1e-12 {
		t.Errorf("edge-0 latency feature %v, want %v", got, want)
	}
	if got := dst[MultiHead+2*TargetFeatures+TargetQueueLen]; got != math.Log1p(4) {
		t.Errorf("edge-0 queue feature %v, want log(5)", got)
	}
	if _, ok := s.Target(task, 6); ok {
		t.Error("action 6 of 6 maps to a target")
	}
	if err := s.Encode(task, dst[:3], mask); err == nil {
		t.Error("encoding into a short slice: no error")
	}
}
