package policies

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Env is what a policy constructor may draw on: a random stream of its own
// (derived from the experiment's seed and the policy's name, so the same
// seed gives the same choices).
type Env struct {
	Rand *rand.Rand
}

// Entry describes one policy in a Registry.
type Entry struct {
	Name    string                        // the name experiment files use
	Summary string                        // one line for listings and help
	New     func(env Env) (Policy, error) // builds a fresh instance for one run
	// Knob, if set, is the policy's tunable trade-off (a preference ω, a
	// Lyapunov V): a Pareto evaluation runs the policy at each value and
	// draws the front the values trace.
	Knob *Knob
}

// Knob is a policy parameter that trades latency against energy.
type Knob struct {
	Name   string
	Values []float64 // the grid a Pareto evaluation runs
	New    func(env Env, v float64) (Policy, error)
}

// Registry maps policy names to constructors. It is an ordinary value,
// built explicitly: Builtin lists mecsim's own policies, and a program that
// adds its own calls Add on the result.
type Registry struct {
	entries []Entry
}

// Builtin returns a registry of the built-in baselines.
func Builtin() *Registry {
	r := &Registry{}
	for _, e := range []Entry{
		{"local", "run every task on the phone", func(Env) (Policy, error) { return AlwaysLocal{}, nil }, nil},
		{"edge-nearest", "offload to the nearest edge server in range, else run locally", func(Env) (Policy, error) { return EdgeNearest{}, nil }, nil},
		{"cloud", "offload every task to the cloud", func(Env) (Policy, error) { return AlwaysCloud{}, nil }, nil},
		{"random", "pick a target uniformly at random", newRandom, nil},
		{"greedy-latency", "pick the target with the least estimated latency", func(Env) (Policy, error) { return GreedyLatency{}, nil }, nil},
		{"greedy-offload", "pick the edge server or cloud with the least estimated latency (the phone only when neither fits)", func(Env) (Policy, error) { return GreedyOffload{}, nil }, nil},
		{"d2d-greedy", "run locally or on the fastest willing D2D peer", func(Env) (Policy, error) { return D2DGreedy{}, nil }, nil},
		{"edge-least-loaded", "offload to the edge server in range with the least work waiting", func(Env) (Policy, error) { return EdgeLeastLoaded{}, nil }, nil},
		{"min-energy", "pick the target where the phone spends the least energy", func(Env) (Policy, error) { return MinEnergy{}, nil }, nil},
		{"weighted", "minimise an equal-weight sum of normalised latency and energy", func(Env) (Policy, error) { return Weighted{Omega: 0.5}, nil },
			&Knob{Name: "omega", Values: []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1},
				New: func(_ Env, v float64) (Policy, error) { return Weighted{Omega: v}, nil }}},
		{"deadline-eft", "earliest finish among targets meeting the deadline, else least late", func(Env) (Policy, error) { return DeadlineEFT{}, nil }, nil},
		{"oracle", "exhaustive search over every placement sequence (tiny scenarios only)", func(Env) (Policy, error) {
			return nil, fmt.Errorf("oracle searches a whole scenario: run it from an experiment (package experiments builds it with mec.Oracle)")
		}, nil},
		// V = 1 per second against a 50 mJ budget per task: a vision task's
		// radio energy on a typical phone (README, quickstart) is of that order.
		{"lyapunov", "drift-plus-penalty over each phone's energy queue (V = 1, budget 50 mJ per task)", func(Env) (Policy, error) { return NewLyapunov(1, 0.05), nil },
			&Knob{Name: "V", Values: []float64{0.001, 0.01, 0.1, 1, 10, 100, 1000},
				New: func(_ Env, v float64) (Policy, error) { return NewLyapunov(v, 0.05), nil }}},
	} {
		if err := r.Add(e); err != nil {
			panic(err) // the built-in list is fixed: a clash is a bug in this file
		}
	}
	return r
}

// Add registers a policy. Names must be non-empty and unique.
func (r *Registry) Add(e Entry) error {
	if e.Name == "" || e.New == nil {
		return fmt.Errorf("policies: entry %q needs a name and a constructor", e.Name)
	}
	if _, ok := r.Lookup(e.Name); ok {
		return fmt.Errorf("policies: %q is already registered", e.Name)
	}
	r.entries = append(r.entries, e)
	return nil
}

// Lookup returns the entry named name.
func (r *Registry) Lookup(name string) (Entry, bool) {
	for _, e := range r.entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Names returns the registered names in the order they were added.
func (r *Registry) Names() []string {
	names := make([]string, len(r.entries))
	for i, e := range r.entries {
		names[i] = e.Name
	}
	return names
}

// Entries returns a copy of the registered entries, in order.
func (r *Registry) Entries() []Entry { return append([]Entry(nil), r.entries...) }

// New builds the policy named name. An unknown name is an error that lists
// the known ones.
func (r *Registry) New(name string, env Env) (Policy, error) {
	e, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown policy %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	p, err := e.New(env)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", name, err)
	}
	return p, nil
}

func newRandom(env Env) (Policy, error) {
	if env.Rand == nil {
		return nil, fmt.Errorf("random needs a random stream (Env.Rand is nil)")
	}
	return Random{Rand: env.Rand}, nil
}
