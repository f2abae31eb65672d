package experiments

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// MARLSelected is the checkpoint a validation chose for one multi-agent
// variant.
type MARLSelected struct {
	Method  string  `json:"method"`
	Restart int     `json:"restart"` // 1 for the first training (train.restarts)
	Path    string  `json:"path"`    // the agents' file, in the training folder
	Step    int     `json:"step"`
	Score   float64 `json:"validation_score"` // by train.validation_score: larger is better
}

// marlSelection scores the checkpoints of one multi-agent variant on
// validation episodes and keeps the best. The episodes have their own
// seeds (apart from training's and evaluation's), the same for every
// checkpoint and every restart of the variant; the agents act greedily.
// Under train.validation_score = "return" the episodes have the training
// length and the score is the return the agents are trained for: the
// mean over phones of their reward vectors, scalarised by the variant's
// weights, summed over the episode; its parts are the three returns.
// Under "outcome" the jobs arriving in validation_episode run to their
// end, as in evaluation, and the score is minus their mean latency and
// phone energy, scaled and weighted as the reward's (outcomeScore).
// Unlike the reference environment's selection there is no hypervolume
// here: a variant has one weight vector, and its front is made across
// variants.
type marlSelection struct {
	validationLog
	env     *MultiEnv
	seeds   []uint64
	weights []float64
	outcome bool
	scale   [2]float64 // train.latency_scale, train.energy_scale

	// Buffers of the "return" score's step loop.
	obs, rewards []float64
	mask         []bool
	actions      []int
}

// newMARLSelection prepares the validation of c's agents.
func (e Env) newMARLSelection(c *Config) (*marlSelection, error) {
	t := c.Train
	outcome := t.ValidationScore == ValidationOutcome
	vc := c
	if outcome {
		// Jobs arrive over the validation episode and run to their end.
		d := *c
		d.Duration = t.ValidationEpisode
		vc = &d
	}
	env, err := e.multiEnv(vc, outcome)
	if err != nil {
		return nil, err
	}
	base := sim.NewStreams(c.Seed).Derive("validation").Seed()
	s := &marlSelection{env: env, seeds: make([]uint64, t.ValidationEpisodes), weights: t.MADDPG.Weights,
		outcome: outcome, scale: [2]float64{t.LatencyScale, t.EnergyScale}}
	s.header = []string{"step", "score", "delay", "energy", "balance"}
	if outcome {
		s.header = []string{"step", "score", "mean_latency_s", "mean_energy_j", "balance"}
	}
	for i := range s.seeds {
		s.seeds[i] = rl.EvalSeed(base, i)
	}
	if !outcome {
		// The return is summed here, step by step; an outcome is played
		// by playMARLSeeds with buffers of its own.
		n, o, k := env.Shape()
		s.obs, s.mask = make([]float64, n*o), make([]bool, n*k)
		s.actions, s.rewards = make([]int, n), make([]float64, n*rl.MultiObjectives)
	}
	return s, nil
}

// outcomeScore is the "outcome" score of a validation row: −(w_delay ×
// latency / latency_scale + w_energy × energy / energy_scale), the
// reward's weighting of a job's latency (s) and phone energy (J).
func outcomeScore(w []float64, scale [2]float64, latency, energy float64) float64 {
	return -(w[0]*latency/scale[0] + w[1]*energy/scale[1])
}

// validateOutcome plays the drained validation episodes and scores the
// jobs' realised mean latency and energy.
func (s *marlSelection) validateOutcome(m *rl.MADDPG) (ValidationRow, error) {
	var row ValidationRow
	sum, err := playMARLSeeds(s.env, m, "validation", s.seeds)
	if err != nil {
		return row, fmt.Errorf("validation: %w", err)
	}
	if math.IsNaN(sum.Latency) {
		return row, errors.New("validation: no job ran")
	}
	row.Score = outcomeScore(s.weights, s.scale, sum.Latency, sum.Energy)
	row.Parts = []float64{sum.Latency, sum.Energy, sum.Balance}
	return row, nil
}

// validate plays the validation episodes with m's greedy agents and
// scores them. The agents' recurrent state is restored afterwards, so
// that validating leaves training exactly as it was.
func (s *marlSelection) validate(m *rl.MADDPG) (ValidationRow, error) {
	var row ValidationRow
	var delay, energy, balance float64
	h, c := m.State()
	h0, c0 := append([]float64(nil), h...), append([]float64(nil), c...)
	defer func() {
		h, c := m.State()
		copy(h, h0)
		copy(c, c0)
	}()
	if s.outcome {
		return s.validateOutcome(m)
	}
	n, _, _ := s.env.Shape()
	scale := 1 / float64(n*len(s.seeds))
	for _, seed := range s.seeds {
		s.env.Reset(seed)
		m.ResetState()
		for {
			if err := s.env.Observe(s.obs, s.mask); err != nil {
				return row, fmt.Errorf("validation: %w", err)
			}
			if err := m.Act(s.obs, s.mask, false, s.actions); err != nil {
				return row, fmt.Errorf("validation: %w", err)
			}
			term, trunc, err := s.env.Step(s.actions, s.rewards)
			if err != nil {
				return row, fmt.Errorf("validation: %w", err)
			}
			for j := range n {
				r := s.rewards[j*rl.MultiObjectives : (j+1)*rl.MultiObjectives]
				delay += r[rl.MultiDelay] * scale
				energy += r[rl.MultiEnergy] * scale
				balance += r[rl.MultiBalance] * scale
			}
			if term || trunc {
				break
			}
		}
	}
	w := s.weights
	row.Score = w[0]*delay + w[1]*energy + w[2]*balance
	row.Parts = []float64{delay, energy, balance}
	return row, nil
}

// checkpoint validates the trainer's agents and records them (record).
func (s *marlSelection) checkpoint(tr *rl.MARLTrainer, dir string) error {
	return s.record(dir, tr.Step, func() (ValidationRow, error) { return s.validate(tr.Agent) }, tr.Agent.Save)
}
