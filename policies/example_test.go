package policies_test

import (
	"fmt"

	"github.com/mecsim/mecsim/policies"
)

// GreenDeadline is a policy written against the API: it picks the target on
// which the phone spends the least energy among those estimated to meet
// the deadline, and the fastest target when none is.
type GreenDeadline struct{}

func (GreenDeadline) Decide(obs *policies.Observation) (policies.Decision, error) {
	best, fastest := -1, 0
	for i := range obs.Targets {
		t := &obs.Targets[i]
		if t.EstimatedLatency() < obs.Targets[fastest].EstimatedLatency() {
			fastest = i
		}
		if t.EstimatedLatency() <= obs.Task.Deadline && (best < 0 || t.Energy < obs.Targets[best].Energy) {
			best = i
		}
	}
	if best < 0 {
		best = fastest
	}
	return policies.Decision{Target: best}, nil
}

// A new policy is a type with a Decide method, added to a registry under
// the name that experiment files use.
func Example() {
	reg := policies.Builtin()
	err := reg.Add(policies.Entry{
		Name:    "green-deadline",
		Summary: "least phone energy that meets the deadline",
		New:     func(policies.Env) (policies.Policy, error) { return GreenDeadline{}, nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := reg.New("green-deadline", policies.Env{})
	obs := &policies.Observation{
		Task: policies.Task{Deadline: 0.050},
		Targets: []policies.Target{
			{Kind: policies.Local, Name: "local", ComputeTime: 0.040, Energy: 0.120},
			{Kind: policies.Edge, Name: "edge-0", TransferTime: 0.015, ComputeTime: 0.002, Energy: 0.025},
			{Kind: policies.Cloud, Name: "cloud", TransferTime: 0.090, ComputeTime: 0.001, Energy: 0.020},
		},
	}
	d, _ := p.Decide(obs)
	fmt.Println(obs.Targets[d.Target].Name)
	fmt.Println(reg.Names())
	// Output:
	// edge-0
	// [local edge-nearest cloud random greedy-latency greedy-offload d2d-greedy edge-least-loaded min-energy weighted deadline-eft oracle lyapunov green-deadline]
}

func ExampleGreedyLatency() {
	obs := &policies.Observation{Targets: []policies.Target{
		{Kind: policies.Local, Name: "local", ComputeTime: 0.040},
		{Kind: policies.Edge, Name: "edge-0", TransferTime: 0.012, QueueWait: 0.003, ComputeTime: 0.002},
	}}
	d, _ := policies.GreedyLatency{}.Decide(obs)
	fmt.Printf("%s: %.0f ms\n", obs.Targets[d.Target].Name, 1e3*obs.Targets[d.Target].EstimatedLatency())
	// Output: edge-0: 17 ms
}
