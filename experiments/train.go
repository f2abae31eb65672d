package experiments

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/refenv"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// Files of a training folder.
const (
	CheckpointFile = "checkpoint"
	CurveFile      = "curve.csv"
	EvalFile       = "eval.csv"
	// EvalLayoutsFile holds, for a multi-agent run, every method's
	// evaluation on each layout alone.
	EvalLayoutsFile = "eval_layouts.csv"
	TrainSummary    = "summary.json"
	TimingFile      = "timing.json"
	WorldEvalDir    = "eval" // a mecsim world's evaluation: an ordinary results folder
)

// TrainOptions tune a training run without changing its results.
type TrainOptions struct {
	Resume   bool              // continue the run in the folder from its checkpoint
	Progress func(rl.Progress) // after every episode
	Workers  int               // parallel evaluations; 0 means GOMAXPROCS
	// MARLProgress is Progress for algorithm = "maddpg", after every
	// episode of each variant (the agents, then each ablation).
	MARLProgress func(variant string, p rl.MARLProgress)
}

// TrainOutcome is a finished training run and its evaluation.
type TrainOutcome struct {
	Config  *Config
	Curve   []rl.CurvePoint
	Summary TrainResult
	// Fronts are the reference environment's evaluations, one per number
	// of edge servers, as Pareto summaries (latency: the episode's summed
	// delay in s; energy: its summed energy in J) for figures.
	Fronts []results.Summary
	// World is a mecsim world's evaluation (every policy's Pareto front,
	// "sac" across the preferences).
	World *Outcome
	// Validation is every checkpoint's validation under train.select =
	// "validation".
	Validation []ValidationRow
	// WallSeconds is the training time of this invocation (not of earlier
	// ones a resumed run continues); it is written to timing.json, the one
	// file that differs between identical runs.
	WallSeconds float64
	// StepsThisRun is the number of steps this invocation took (all of
	// them, unless it resumed a run).
	StepsThisRun int

	// Under algorithm = "maddpg": the agents' learning curve, the
	// evaluation of every variant and baseline, and each variant's
	// training time in this invocation.
	MARLCurve   []rl.MARLCurvePoint
	MARL        *MARLTrainResult
	MARLPareto  results.Summary // the agents' front over reward weights and the baselines' points
	VariantWall []VariantTiming
}

// TrainResult is summary.json of a training folder.
type TrainResult struct {
	Name        string  `json:"name"`
	Environment string  `json:"environment"`
	Steps       int     `json:"steps"`
	Episodes    int     `json:"episodes"`
	Updates     int     `json:"updates"`
	Alpha       float64 `json:"final_alpha"`
	// Selected is the checkpoint evaluated under train.select =
	// "validation"; otherwise the last is.
	Selected    *Selected    `json:"selected,omitempty"`
	Evaluations []Evaluation `json:"evaluations,omitempty"`
}

// Evaluation scores every method on one system (the reference
// environment with a given number of edge servers).
//
// Objectives are per-episode sums, to minimise: the delay (s) and the
// energy (J) that the reward utilities charge. Hypervolume is taken with
// the documented reference point RefPoint = nadir + 10% of (nadir − ideal),
// where ideal and nadir bound every point of every method on this system;
// Normalized is the same volume in the unit box from ideal to nadir
// (results.NormalizedHypervolume, reference (1.1, 1.1)), comparable
// across systems.
type Evaluation struct {
	Edges    int            `json:"edges,omitempty"`
	Ideal    results.Point  `json:"ideal"`
	Nadir    results.Point  `json:"nadir"`
	RefPoint results.Point  `json:"reference_point"`
	Methods  []MethodResult `json:"methods"`
}

// MethodResult is one method's front on one system.
type MethodResult struct {
	Method      string          `json:"method"`
	Hypervolume float64         `json:"hypervolume"`
	Normalized  float64         `json:"normalized_hypervolume"`
	Points      []rl.EvalPoint  `json:"-"`
	Front       []results.Point `json:"front"`
}

// Train trains the agent of c's [train] table in the folder dir, writing
// a checkpoint and the learning curve every train.checkpoint_every steps
// (at episode ends) and at the end, then evaluates it against the file's
// other policies and writes the evaluation. With opt.Resume the run in dir
// continues from its checkpoint exactly as if it had not stopped.
func (e Env) Train(c *Config, dir string, opt TrainOptions) (*TrainOutcome, error) {
	if c.Train == nil {
		return nil, InputErrors{{Key: "train", Msg: "mecsim train needs a [train] table"}}
	}
	t := c.Train
	if t.Algorithm == AlgorithmMADDPG {
		return e.trainMARL(c, dir, opt)
	}
	newEnv, err := e.trainingEnv(c)
	if err != nil {
		return nil, err
	}
	ckpt := filepath.Join(dir, CheckpointFile)
	var tr *rl.Trainer
	if opt.Resume {
		env, err := newEnv()
		if err != nil {
			return nil, err
		}
		if tr, err = rl.LoadTrainer(ckpt, env, t.Steps); err != nil {
			return nil, err
		}
	} else {
		if _, err := os.Stat(ckpt); err == nil {
			return nil, fmt.Errorf("%s holds a training run already: continue it with --resume %s, or write to another folder", dir, dir)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := results.OpenLiveFolder(dir); err != nil {
			return nil, err
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, "config.toml"), c.WriteTOML); err != nil {
			return nil, err
		}
		env, err := newEnv()
		if err != nil {
			return nil, err
		}
		cols, feats := env.Shape()
		agent, err := rl.NewSAC(t.SAC, cols, feats, rlStreams(c.Seed))
		if err != nil {
			return nil, err
		}
		if tr, err = rl.NewTrainer(agent, env, c.Seed, t.Steps); err != nil {
			return nil, err
		}
	}

	var sel *selection
	if t.Select == SelectValidation {
		if sel, err = newSelection(c, opt.Workers); err != nil {
			return nil, err
		}
		if opt.Resume {
			if err := sel.resume(dir, tr.Step); err != nil {
				return nil, err
			}
		}
	}
	save := func(tr *rl.Trainer) error {
		if sel != nil {
			if err := sel.checkpoint(tr, dir); err != nil {
				return err
			}
		}
		if err := tr.Save(ckpt); err != nil {
			return err
		}
		return results.WriteFileAtomic(filepath.Join(dir, CurveFile), func(w io.Writer) error { return writeCurve(w, tr.Curve) })
	}
	next := (tr.Step/t.CheckpointEvery + 1) * t.CheckpointEvery
	start, step0 := time.Now(), tr.Step
	err = tr.Run(func(tr *rl.Trainer) error {
		if tr.Step >= next && !tr.Done() {
			next = (tr.Step/t.CheckpointEvery + 1) * t.CheckpointEvery
			return save(tr)
		}
		return nil
	}, opt.Progress)
	if err != nil {
		return nil, err
	}
	wall := time.Since(start).Seconds()
	if err := save(tr); err != nil {
		return nil, err
	}

	out := &TrainOutcome{Config: c, Curve: tr.Curve, WallSeconds: wall, StepsThisRun: tr.Step - step0}
	out.Summary = TrainResult{Name: c.Name, Environment: c.Environment, Steps: tr.Step, Episodes: tr.Episode,
		Updates: tr.Agent.Updates, Alpha: tr.Agent.Alpha()}
	agent := tr.Agent
	if sel != nil {
		b, _ := sel.best()
		out.Summary.Selected = &Selected{Step: b.Step, Score: b.Score}
		out.Validation = sel.rows
		if agent, err = rl.LoadSAC(filepath.Join(dir, BestFile)); err != nil {
			return nil, err
		}
	}
	if c.Environment == EnvReference {
		if err := e.evaluateReference(c, agent, out, opt.Workers); err != nil {
			return nil, err
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, EvalFile), func(w io.Writer) error { return writeEval(w, out.Summary.Evaluations) }); err != nil {
			return nil, err
		}
	} else {
		world, err := e.evaluateWorld(c, agent, opt.Workers)
		if err != nil {
			return nil, err
		}
		out.World = world
		if err := world.WriteFolder(filepath.Join(dir, WorldEvalDir), nil); err != nil {
			return nil, err
		}
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, TrainSummary), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out.Summary)
	}); err != nil {
		return nil, err
	}
	timing := map[string]float64{"train_wall_seconds": wall, "steps_this_run": float64(out.StepsThisRun),
		"steps_per_second": float64(out.StepsThisRun) / math.Max(wall, 1e-9)}
	if err := results.WriteFileAtomic(filepath.Join(dir, TimingFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(timing)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// rlStreams are the agent's streams: its weights and sampling derive from
// the file's seed under a label of their own.
func rlStreams(seed uint64) sim.Streams { return sim.NewStreams(seed).Derive("agent") }

// trainingEnv returns a constructor of the environment c trains in.
func (e Env) trainingEnv(c *Config) (func() (rl.Env, error), error) {
	if c.Environment == EnvReference {
		rc, err := c.Reference.config()
		if err != nil {
			return nil, InputErrors{{Key: "reference", Msg: err.Error()}}
		}
		return func() (rl.Env, error) { return refenv.New(rc) }, nil
	}
	wc := *c
	wc.Duration = c.Train.Episode
	sc, err := e.Scenario(&wc)
	if err != nil {
		return nil, err
	}
	return func() (rl.Env, error) {
		w := newWorldEnv(sc, c.Train)
		if c.Train.Reward == "outcome" {
			w.outcomes = true
			return outcomeEnv{w}, nil
		}
		return w, nil
	}, nil
}

// evaluateReference evaluates the agent and the file's other methods on
// the reference environment at each of reference.eval_edges.
func (e Env) evaluateReference(c *Config, agent *rl.SAC, out *TrainOutcome, workers int) error {
	var methods []rl.Method
	for _, name := range c.Policies {
		if name == "sac" {
			methods = append(methods, agent.Greedy("sac"))
			continue
		}
		m, err := referenceMethod(name)
		if err != nil {
			return err
		}
		methods = append(methods, m)
	}
	base, err := c.Reference.config()
	if err != nil {
		return err
	}
	evalSeed := sim.NewStreams(c.Seed).Derive("evaluation").Seed()
	for _, edges := range c.Reference.EvalEdges {
		rc := base
		rc.Edges = edges
		points, err := rl.Evaluate(func() (rl.Env, error) { return refenv.New(rc) }, methods,
			rl.EvalConfig{Preferences: c.Train.Preferences, Episodes: c.Train.EvalEpisodes, Seed: evalSeed, Workers: workers})
		if err != nil {
			return fmt.Errorf("%d edge servers: %w", edges, err)
		}
		ev, front, err := score(edges, methods, points, rc)
		if err != nil {
			return err
		}
		out.Summary.Evaluations = append(out.Summary.Evaluations, ev)
		out.Fronts = append(out.Fronts, front)
	}
	return nil
}

// score turns evaluation points (costs in reward units) into physical
// objectives (s, J per episode), fronts and hypervolumes.
func score(edges int, methods []rl.Method, points []rl.EvalPoint, rc refenv.Config) (Evaluation, results.Summary, error) {
	ev := Evaluation{Edges: edges}
	var all []results.Point
	per := make([][]results.Point, len(methods))
	byMethod := make([][]rl.EvalPoint, len(methods))
	k := 0
	for i, m := range methods {
		for k < len(points) && points[k].Method == m.Name {
			p := points[k]
			p.Delay /= rc.DelayScale
			p.Energy /= rc.EnergyScale
			p.DelayCI /= rc.DelayScale
			p.EnergyCI /= rc.EnergyScale
			byMethod[i] = append(byMethod[i], p)
			per[i] = append(per[i], results.Point{p.Delay, p.Energy})
			k++
		}
		all = append(all, per[i]...)
	}
	ideal, nadir, err := results.Bounds(all)
	if err != nil {
		return ev, results.Summary{}, err
	}
	ref := results.Point{nadir[0] + 0.1*(nadir[0]-ideal[0]), nadir[1] + 0.1*(nadir[1]-ideal[1])}
	ev.Ideal, ev.Nadir, ev.RefPoint = ideal, nadir, ref
	sum := results.Summary{ParetoIdeal: ideal, ParetoNadir: nadir}
	for i, m := range methods {
		front, err := results.NonDominated(per[i])
		if err != nil {
			return ev, sum, err
		}
		hv, err := results.Hypervolume(front, ref)
		if err != nil {
			return ev, sum, err
		}
		nhv, err := results.NormalizedHypervolume(front, ideal, nadir)
		if err != nil {
			return ev, sum, err
		}
		ev.Methods = append(ev.Methods, MethodResult{Method: m.Name, Hypervolume: hv, Normalized: nhv, Points: byMethod[i], Front: front})
		pp := results.ParetoPolicy{Policy: m.Name, Hypervolume: nhv}
		if m.Conditioned {
			pp.Knob = "w"
		}
		onFront, _ := results.ParetoIndices(per[i])
		for j, p := range byMethod[i] {
			w := p.Preference
			if math.IsNaN(w) {
				w = 0
			}
			pp.Points = append(pp.Points, results.ParetoPoint{Knob: w, MeanLatency: p.Delay, MeanEnergy: p.Energy, OnFront: slices.Contains(onFront, j)})
		}
		sum.Pareto = append(sum.Pareto, pp)
	}
	return ev, sum, nil
}

// evaluateWorld runs the file's Pareto evaluation on the mecsim world with
// "sac" the trained agent at each preference.
func (e Env) evaluateWorld(c *Config, agent *rl.SAC, workers int) (*Outcome, error) {
	reg, err := e.registryCopy()
	if err != nil {
		return nil, err
	}
	if err := reg.Add(agentEntry("sac", agent, c.Train.Preferences)); err != nil {
		return nil, err
	}
	ev := e
	ev.Policies = reg
	wc := *c
	wc.Pareto = true
	return ev.Run(&wc, Options{Workers: workers})
}

// agentEntry is a trained agent as a registry entry: at preference 0.5,
// and across prefs in a Pareto evaluation.
func agentEntry(name string, agent *rl.SAC, prefs []float64) policies.Entry {
	return policies.Entry{
		Name:    name,
		Summary: "a trained preference-conditioned Discrete SAC agent",
		New:     func(policies.Env) (policies.Policy, error) { return rl.NewWorldPolicy(agent, 0.5) },
		Knob: &policies.Knob{Name: "w", Values: prefs, New: func(_ policies.Env, w float64) (policies.Policy, error) {
			return rl.NewWorldPolicy(agent, w)
		}},
	}
}

func writeCurve(w io.Writer, curve []rl.CurvePoint) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"step", "episode", "preference", "return", "delay_return", "energy_return", "length", "dropped", "critic_loss", "actor_loss", "alpha", "entropy"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, p := range curve {
		cw.Write([]string{strconv.Itoa(p.Step), strconv.Itoa(p.Episode), f(p.Preference), f(p.Return), f(p.Delay), f(p.Energy),
			strconv.Itoa(p.Length), strconv.Itoa(p.Dropped), f(p.CriticLoss), f(p.ActorLoss), f(p.Alpha), f(p.Entropy)})
	}
	cw.Flush()
	return cw.Error()
}

func writeEval(w io.Writer, evs []Evaluation) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"edges", "method", "preference", "delay_s", "energy_j", "delay_ci95", "energy_ci95", "episodes"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, ev := range evs {
		for _, m := range ev.Methods {
			for _, p := range m.Points {
				pref := ""
				if !math.IsNaN(p.Preference) {
					pref = f(p.Preference)
				}
				cw.Write([]string{strconv.Itoa(ev.Edges), m.Method, pref, f(p.Delay), f(p.Energy), f(p.DelayCI), f(p.EnergyCI), strconv.Itoa(p.Episodes)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// withAgents returns e with a registry that also holds an entry for every
// "sac:PATH" policy of c, its agent read from the checkpoint at PATH.
func (e Env) withAgents(c *Config) (Env, error) {
	var reg *policies.Registry
	for _, name := range c.Policies {
		if _, ok := e.Policies.Lookup(name); ok {
			continue
		}
		if name == "sac" {
			return e, fmt.Errorf("policy \"sac\" is the agent this file trains: run \"mecsim train\" on it, then name the result as \"sac:DIR/checkpoint\"")
		}
		path, ok := strings.CutPrefix(name, agentPrefix)
		if !ok {
			continue
		}
		if reg == nil {
			var err error
			if reg, err = e.registryCopy(); err != nil {
				return e, err
			}
		}
		agent, err := rl.LoadSAC(path)
		if err != nil {
			return e, fmt.Errorf("policy %q: %w", name, err)
		}
		if agent.Feat != rl.WorldFeatures {
			return e, fmt.Errorf("policy %q: the agent was trained on another environment (%d features per column, a mecsim world has %d)", name, agent.Feat, rl.WorldFeatures)
		}
		if _, dup := reg.Lookup(name); !dup {
			if err := reg.Add(agentEntry(name, agent, rl.Preferences(11))); err != nil {
				return e, err
			}
		}
	}
	if reg != nil {
		e.Policies = reg
	}
	return e, nil
}

// registryCopy returns a registry holding e's entries, to which a run may
// add its agents without changing e's.
func (e Env) registryCopy() (*policies.Registry, error) {
	reg := &policies.Registry{}
	for _, en := range e.Policies.Entries() {
		if err := reg.Add(en); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
