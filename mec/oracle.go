package mec

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
)

// Scripted is a policy that replays a fixed sequence of choices, one per
// decision in order (target indices); past the end it picks the first
// target. It records how many targets each decision offered.
type Scripted struct {
	Choices []int
	offered []int
}

// Decide plays the next choice.
func (s *Scripted) Decide(obs *policies.Observation) (policies.Decision, error) {
	k := len(s.offered)
	s.offered = append(s.offered, len(obs.Targets))
	if len(obs.Targets) == 0 {
		return policies.Decision{}, errors.New("mec: scripted policy: no targets")
	}
	if k < len(s.Choices) && s.Choices[k] < len(obs.Targets) {
		return policies.Decision{Target: s.Choices[k]}, nil
	}
	return policies.Decision{Target: 0}, nil
}

// ErrTooBig is wrapped by Oracle when a scenario has more placements than
// it may try.
var ErrTooBig = errors.New("mec: oracle: too many placements to search")

// Oracle searches every sequence of placements of a tiny scenario — each
// decision's every target, in order, with the world re-run for each — and
// returns the policy that replays the best one: the least mean latency,
// every task that does not run counting as late by ten times its
// deadline. It refuses, wrapping ErrTooBig, when the search would take
// more than maxRuns runs. Other policies can be checked against it: none
// can do better on the scenario it was searched for.
func Oracle(sc *Scenario, streams sim.Streams, maxRuns int) (*Scripted, float64, error) {
	best, bestCost := []int(nil), math.Inf(1)
	runs := 0
	var search func(prefix []int) error
	search = func(prefix []int) error {
		if runs++; runs > maxRuns {
			return fmt.Errorf("%w (more than %d runs)", ErrTooBig, maxRuns)
		}
		p := &Scripted{Choices: prefix}
		cost, err := oracleCost(sc, streams, p)
		if err != nil {
			return err
		}
		if len(prefix) == len(p.offered) {
			if cost < bestCost {
				best, bestCost = append([]int(nil), prefix...), cost
			}
			return nil
		}
		for c := range p.offered[len(prefix)] {
			if err := search(append(append([]int(nil), prefix...), c)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := search(nil); err != nil {
		return nil, 0, err
	}
	return &Scripted{Choices: best}, bestCost, nil
}

// oracleCost runs the world with p and returns the mean latency, tasks
// that did not run counting ten times their deadline.
func oracleCost(sc *Scenario, streams sim.Streams, p policies.Policy) (float64, error) {
	w, err := NewWorld(sc, streams, p)
	if err != nil {
		return 0, err
	}
	tasks, err := w.Run("oracle")
	if err != nil {
		return 0, err
	}
	return OracleCost(tasks), nil
}

// OracleCost is the oracle's objective over a run's tasks: the mean
// latency, a task that did not run counting ten times its deadline.
func OracleCost(tasks []results.Task) float64 {
	if len(tasks) == 0 {
		return 0
	}
	var sum float64
	for _, t := range tasks {
		if t.Status != results.StatusOK {
			sum += 10 * t.Deadline
			continue
		}
		sum += t.Latency
	}
	return sum / float64(len(tasks))
}
