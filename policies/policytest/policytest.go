// Package policytest checks that a policy keeps the contract of
// policies.Policy, whatever its strategy: it is the conformance suite a new
// policy's tests call, as gonum's testgraph is for graphs.
package policytest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/policies"
)

// Run checks the policies that newPolicy builds (a fresh one for each
// check) on observations drawn from a fixed stream:
//
//   - every decision names a listed target;
//   - an observation with no targets is an error, not a panic;
//   - a policy does not keep or change the observation it was given;
//   - on the same observation a fresh policy decides the same way twice
//     when Deterministic is set.
func Run(t *testing.T, newPolicy func() policies.Policy, opt Options) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range max(opt.Observations, 200) {
		o := Observation(r)
		before := fmt.Sprint(*o)
		p := newPolicy()
		d, err := p.Decide(o)
		if err != nil {
			t.Fatalf("observation %d: %v", i, err)
		}
		if d.Target < 0 || d.Target >= len(o.Targets) {
			t.Fatalf("observation %d: target %d of %d", i, d.Target, len(o.Targets))
		}
		if fmt.Sprint(*o) != before {
			t.Fatalf("observation %d: the policy changed its observation", i)
		}
		if opt.Deterministic {
			if d2, _ := newPolicy().Decide(o); d2 != d {
				t.Fatalf("observation %d: decided %d, then %d", i, d.Target, d2.Target)
			}
		}
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("no targets: panic %v, want an error", v)
			}
		}()
		if _, err := newPolicy().Decide(&policies.Observation{}); err == nil {
			t.Error("no targets: no error")
		}
	}()
}

// Options tune Run.
type Options struct {
	Observations  int  // how many random observations; at least 200
	Deterministic bool // the policy draws no random numbers
}

// Observation returns a random but plausible observation: the phone, up
// to three edge servers, the cloud and up to two D2D peers, with random
// estimates, some targets out of memory, vision or LLM tasks.
func Observation(r *rand.Rand) *policies.Observation {
	o := &policies.Observation{
		Now:    r.Float64() * 100,
		Task:   policies.Task{ID: r.Int64N(1000), Kind: "vision", Deadline: 0.01 + r.Float64()*0.2},
		Device: policies.Device{Index: r.IntN(50), QueueLen: r.IntN(5)},
	}
	if r.IntN(3) == 0 {
		o.Task.Kind, o.Task.TTFTSLO, o.Task.PromptTokens, o.Task.OutputTokens = "llm", 0.5+r.Float64(), 1+r.IntN(500), 1+r.IntN(200)
	}
	add := func(k policies.TargetKind, name string, index int) {
		o.Targets = append(o.Targets, policies.Target{
			Kind: k, Name: name, Index: index, Distance: r.Float64() * 1000,
			UplinkRate: r.Float64() * 1e8, TransferTime: r.Float64() * 0.1, QueueLen: r.IntN(10),
			QueueWait: r.Float64() * 0.1, ComputeTime: r.Float64() * 0.1, FirstTime: r.Float64() * 0.05,
			Energy: r.Float64() * 0.2, OutOfMemory: r.IntN(6) == 0,
		})
	}
	add(policies.Local, "local", -1)
	for i := range r.IntN(4) {
		add(policies.Edge, fmt.Sprintf("edge-%d", i), i)
	}
	add(policies.Cloud, "cloud", -1)
	for i := range r.IntN(3) {
		add(policies.D2D, fmt.Sprintf("peer-%d", i), i)
	}
	return o
}
