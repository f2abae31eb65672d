package experiments

import (
	"fmt"

	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// MARLSelected is the checkpoint a validation chose for one multi-agent
// variant.
type MARLSelected struct {
	Method string  `json:"method"`
	Step   int     `json:"step"`
	Score  float64 `json:"validation_score"` // mean scalarised return per validation episode
}

// marlSelection scores the checkpoints of one multi-agent variant on
// validation episodes and keeps the best. The episodes have the training
// length and their own seeds (apart from training's and evaluation's);
// the agents act greedily; the score is the return the agents are
// trained for: the mean over phones of their reward vectors, scalarised
// by the variant's weights, summed over the episode; its parts are the
// three returns. Unlike the reference environment's selection there is
// no hypervolume here: a variant has one weight vector, and its front is
// made across variants.
type marlSelection struct {
	validationLog
	env     *MultiEnv
	seeds   []uint64
	weights []float64

	obs, rewards []float64
	mask         []bool
	actions      []int
}

// newMARLSelection prepares the validation of c's agents.
func (e Env) newMARLSelection(c *Config) (*marlSelection, error) {
	env, err := e.multiEnv(c, false)
	if err != nil {
		return nil, err
	}
	t := c.Train
	base := sim.NewStreams(c.Seed).Derive("validation").Seed()
	s := &marlSelection{env: env, seeds: make([]uint64, t.ValidationEpisodes), weights: t.MADDPG.Weights}
	s.header = []string{"step", "score", "delay", "energy", "balance"}
	for i := range s.seeds {
		s.seeds[i] = rl.EvalSeed(base, i)
	}
	n, o, k := env.Shape()
	s.obs, s.mask = make([]float64, n*o), make([]bool, n*k)
	s.actions, s.rewards = make([]int, n), make([]float64, n*rl.MultiObjectives)
	return s, nil
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
