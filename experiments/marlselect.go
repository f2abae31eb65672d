package experiments

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mecsim/mecsim/results"
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

// marlValidationRow is one checkpoint's validation: the agents' mean
// scalarised return per episode and its three parts (each averaged over
// the agents, as in curve.csv).
type marlValidationRow struct {
	Step                          int
	Score, Delay, Energy, Balance float64
}

// marlSelection scores the checkpoints of one multi-agent variant on
// validation episodes and keeps the best. The episodes have the training
// length and their own seeds (apart from training's and evaluation's);
// the agents act greedily; the score is the return the agents are
// trained for: the mean over phones of their reward vectors, scalarised
// by the variant's weights, summed over the episode. Unlike the
// reference environment's selection there is no hypervolume here: a
// variant has one weight vector, and its front is made across variants.
type marlSelection struct {
	env     *MultiEnv
	seeds   []uint64
	weights []float64
	rows    []marlValidationRow

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
	for i := range s.seeds {
		s.seeds[i] = rl.EvalSeed(base, i)
	}
	n, o, k := env.Shape()
	s.obs, s.mask = make([]float64, n*o), make([]bool, n*k)
	s.actions, s.rewards = make([]int, n), make([]float64, n*rl.MultiObjectives)
	return s, nil
}

// validate plays the validation episodes with m's greedy agents and
// records their score at step. The agents' recurrent state is restored
// afterwards, so that validating leaves training exactly as it was.
func (s *marlSelection) validate(m *rl.MADDPG, step int) (marlValidationRow, error) {
	row := marlValidationRow{Step: step}
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
				row.Delay += r[rl.MultiDelay] * scale
				row.Energy += r[rl.MultiEnergy] * scale
				row.Balance += r[rl.MultiBalance] * scale
			}
			if term || trunc {
				break
			}
		}
	}
	w := s.weights
	row.Score = w[0]*row.Delay + w[1]*row.Energy + w[2]*row.Balance
	if math.IsNaN(row.Score) {
		return row, fmt.Errorf("validation at step %d: score is NaN", step)
	}
	s.rows = append(s.rows, row)
	return row, nil
}

// best returns the best row so far (the earliest of equal scores) and
// whether there is one.
func (s *marlSelection) best() (marlValidationRow, bool) {
	var b marlValidationRow
	found := false
	for _, r := range s.rows {
		if !found || r.Score > b.Score {
			b, found = r, true
		}
	}
	return b, found
}

// checkpoint validates the trainer's agents, writes them to dir's best
// file if they are the best so far, and rewrites the validation file. It
// runs before the trainer's checkpoint is written, so that a run killed
// in between repeats this validation on resuming and reaches the same
// choice.
func (s *marlSelection) checkpoint(tr *rl.MARLTrainer, dir string) error {
	if n := len(s.rows); n > 0 && s.rows[n-1].Step == tr.Step {
		return nil // validated already (a finished run resumed)
	}
	row, err := s.validate(tr.Agent, tr.Step)
	if err != nil {
		return err
	}
	if b, _ := s.best(); b.Step == row.Step {
		if err := tr.Agent.Save(filepath.Join(dir, BestFile)); err != nil {
			return err
		}
	}
	return results.WriteFileAtomic(filepath.Join(dir, ValidationFile), s.write)
}

var marlValidationHeader = []string{"step", "score", "delay", "energy", "balance"}

func (s *marlSelection) write(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(marlValidationHeader)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range s.rows {
		cw.Write([]string{strconv.Itoa(r.Step), f(r.Score), f(r.Delay), f(r.Energy), f(r.Balance)})
	}
	cw.Flush()
	return cw.Error()
}

// resume reads the rows of dir's validation file up to step: rows of
// validations after the checkpoint the run continues from are dropped,
// since the resumed run repeats them.
func (s *marlSelection) resume(dir string, step int) error {
	f, err := os.Open(filepath.Join(dir, ValidationFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	for i, rec := range recs {
		if i == 0 {
			continue
		}
		if len(rec) != len(marlValidationHeader) {
			return fmt.Errorf("%s line %d: %d fields, want %d", f.Name(), i+1, len(rec), len(marlValidationHeader))
		}
		var row marlValidationRow
		if row.Step, err = strconv.Atoi(rec[0]); err != nil {
			return fmt.Errorf("%s line %d: %w", f.Name(), i+1, err)
		}
		for j, p := range []*float64{&row.Score, &row.Delay, &row.Energy, &row.Balance} {
			if *p, err = strconv.ParseFloat(rec[j+1], 64); err != nil {
				return fmt.Errorf("%s line %d: %w", f.Name(), i+1, err)
			}
		}
		if row.Step <= step {
			s.rows = append(s.rows, row)
		}
	}
	return nil
}
