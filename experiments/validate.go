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

	"github.com/mecsim/mecsim/refenv"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// Files of a training folder under train.select = "validation".
const (
	BestFile       = "best"           // the chosen agent
	ValidationFile = "validation.csv" // every checkpoint's validation score
)

// Selected is the checkpoint a validation chose.
type Selected struct {
	Step  int     `json:"step"`
	Score float64 `json:"validation_score"` // mean normalised hypervolume over the systems
}

// ValidationRow is one checkpoint's validation: its score and the parts
// it is made of. In the reference environment the score is the mean
// normalised hypervolume and the parts each system's (reference.
// eval_edges, in order); with multi-agent training the score is the
// scalarised return and the parts its delay, energy and balance returns.
type ValidationRow struct {
	Step  int
	Score float64
	Parts []float64
}

// validationLog is every validated checkpoint of a training run, as its
// folder's validation file holds them: a step, a score and the parts in
// the columns header names after "step" and "score".
type validationLog struct {
	header []string
	rows   []ValidationRow
}

// record validates the checkpoint of step, unless the last row is of
// that step already (a finished run resumed); saves the agent to dir's
// best file when the row is the best so far; and rewrites the validation
// file. It runs before the trainer's checkpoint is written, so that a run
// killed in between repeats this validation on resuming and reaches the
// same choice.
func (l *validationLog) record(dir string, step int, validate func() (ValidationRow, error), save func(path string) error) error {
	if n := len(l.rows); n > 0 && l.rows[n-1].Step == step {
		return nil
	}
	row, err := validate()
	if err != nil {
		return err
	}
	if math.IsNaN(row.Score) {
		return fmt.Errorf("validation at step %d: score is NaN", step)
	}
	row.Step = step
	l.rows = append(l.rows, row)
	if b, _ := l.best(); b.Step == step {
		if err := save(filepath.Join(dir, BestFile)); err != nil {
			return err
		}
	}
	return results.WriteFileAtomic(filepath.Join(dir, ValidationFile), l.write)
}

// selection scores checkpoints on validation episodes and keeps the best.
//
// Each system's normalisation box (ideal, nadir) is fixed once, by the
// file's other methods on the same validation episodes, so that the
// scores of different checkpoints compare; an agent better than every
// other method in some objective has coordinates below 0 there, which
// only adds volume.
type selection struct {
	validationLog
	systems []validationSystem
	cfg     rl.EvalConfig
}

type validationSystem struct {
	edges        int
	rc           refenv.Config
	ideal, nadir results.Point
}

// newSelection evaluates c's methods other than "sac" on the validation
// episodes of every system in reference.eval_edges.
func newSelection(c *Config, workers int) (*selection, error) {
	var methods []rl.Method
	for _, name := range c.Policies {
		if name == "sac" {
			continue
		}
		m, err := referenceMethod(name)
		if err != nil {
			return nil, err
		}
		methods = append(methods, m)
	}
	if len(methods) == 0 {
		return nil, InputErrors{{Key: "train.select", Msg: fmt.Sprintf("%q needs at least one method besides \"sac\" in policies to fix the scale of the hypervolume", SelectValidation)}}
	}
	base, err := c.Reference.config()
	if err != nil {
		return nil, err
	}
	s := &selection{cfg: rl.EvalConfig{Preferences: c.Train.Preferences, Episodes: c.Train.ValidationEpisodes,
		Seed: sim.NewStreams(c.Seed).Derive("validation").Seed(), Workers: workers}}
	for _, edges := range c.Reference.EvalEdges {
		rc := base
		rc.Edges = edges
		points, err := rl.Evaluate(func() (rl.Env, error) { return refenv.New(rc) }, methods, s.cfg)
		if err != nil {
			return nil, fmt.Errorf("validation, %d edge servers: %w", edges, err)
		}
		ideal, nadir, err := results.Bounds(evalCosts(points))
		if err != nil {
			return nil, fmt.Errorf("validation, %d edge servers: %w", edges, err)
		}
		for j := range ideal {
			if !(nadir[j] > ideal[j]) {
				return nil, fmt.Errorf("validation, %d edge servers: the methods besides \"sac\" all score %v in objective %d; add one that differs", edges, ideal[j], j)
			}
		}
		s.systems = append(s.systems, validationSystem{edges: edges, rc: rc, ideal: ideal, nadir: nadir})
	}
	s.header = []string{"step", "score"}
	for _, sys := range s.systems {
		s.header = append(s.header, fmt.Sprintf("hv_e%d", sys.edges))
	}
	return s, nil
}

// evalCosts returns the points' (delay, energy) costs.
func evalCosts(points []rl.EvalPoint) []results.Point {
	ps := make([]results.Point, len(points))
	for i, p := range points {
		ps[i] = results.Point{p.Delay, p.Energy}
	}
	return ps
}

// validate scores the agent's greedy policy.
func (s *selection) validate(agent *rl.SAC) (ValidationRow, error) {
	var row ValidationRow
	methods := []rl.Method{agent.Greedy("sac")}
	for _, sys := range s.systems {
		rc := sys.rc
		points, err := rl.Evaluate(func() (rl.Env, error) { return refenv.New(rc) }, methods, s.cfg)
		if err != nil {
			return row, fmt.Errorf("validation, %d edge servers: %w", sys.edges, err)
		}
		front, err := results.NonDominated(evalCosts(points))
		if err != nil {
			return row, err
		}
		hv, err := results.NormalizedHypervolume(front, sys.ideal, sys.nadir)
		if err != nil {
			return row, err
		}
		row.Parts = append(row.Parts, hv)
		row.Score += hv / float64(len(s.systems))
	}
	return row, nil
}

// best returns the best row so far (the earliest of equal scores) and
// whether there is one.
func (l *validationLog) best() (ValidationRow, bool) {
	var b ValidationRow
	found := false
	for _, r := range l.rows {
		if !found || r.Score > b.Score {
			b, found = r, true
		}
	}
	return b, found
}

// resume reads the rows of dir's validation file up to step: rows of
// validations after the checkpoint the run continues from are dropped,
// since the resumed run repeats them.
func (l *validationLog) resume(dir string, step int) error {
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
		if len(rec) != len(l.header) {
			return fmt.Errorf("%s line %d: %d fields, want %d", f.Name(), i+1, len(rec), len(l.header))
		}
		var row ValidationRow
		if row.Step, err = strconv.Atoi(rec[0]); err != nil {
			return fmt.Errorf("%s line %d: %w", f.Name(), i+1, err)
		}
		vals := make([]float64, len(rec)-1)
		for j, x := range rec[1:] {
			if vals[j], err = strconv.ParseFloat(x, 64); err != nil {
				return fmt.Errorf("%s line %d: %w", f.Name(), i+1, err)
			}
		}
		row.Score, row.Parts = vals[0], vals[1:]
		if row.Step <= step {
			l.rows = append(l.rows, row)
		}
	}
	return nil
}

func (l *validationLog) write(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(l.header)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range l.rows {
		rec := []string{strconv.Itoa(r.Step), f(r.Score)}
		for _, x := range r.Parts {
			rec = append(rec, f(x))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// checkpoint validates the trainer's agent and records it (record).
func (s *selection) checkpoint(tr *rl.Trainer, dir string) error {
	return s.record(dir, tr.Step, func() (ValidationRow, error) { return s.validate(tr.Agent) }, tr.Agent.Save)
}
