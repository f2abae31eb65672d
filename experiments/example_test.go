package experiments_test

import (
	"fmt"
	"os"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/policies"
)

// GreenDeadline picks the target on which the phone spends the least energy
// among those estimated to meet the deadline, else the fastest one. It is
// the policy of the README's example.
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

// A new policy, registered by name and run on the quickstart scenario next
// to the built-in ones: the README's example, kept compiling here.
func Example_newPolicy() {
	env, err := experiments.DefaultEnv()
	if err != nil {
		panic(err)
	}
	env.Policies.Add(policies.Entry{
		Name: "green-deadline",
		New:  func(policies.Env) (policies.Policy, error) { return GreenDeadline{}, nil },
	})
	cfg, err := experiments.Load("quickstart.toml", env.Known())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Duration /= 4 // keep the example quick
	cfg.Policies = append(cfg.Policies, "green-deadline")
	out, err := env.Run(cfg, experiments.Options{})
	if err != nil {
		panic(err)
	}
	byName := map[string]float64{}
	for _, s := range out.Summary.Policies {
		fmt.Printf("%-15s %5d tasks\n", s.Policy, s.Tasks)
		byName[s.Policy] = s.MeanEnergy
	}
	fmt.Println("green-deadline spends less than local:", byName["green-deadline"] < byName["local"])
	// Output:
	// local            2636 tasks
	// edge-nearest     2636 tasks
	// cloud            2636 tasks
	// random           2636 tasks
	// greedy-latency   2636 tasks
	// green-deadline   2636 tasks
	// green-deadline spends less than local: true
}
