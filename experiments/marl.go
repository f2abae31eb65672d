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
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// A multi-agent training folder holds, besides checkpoint, config.toml,
// curve.csv, summary.json and timing.json, the evaluation table eval.csv
// (one row per method: the trained agents, each ablation, each baseline)
// and a folder ablation-NAME per ablation with its own checkpoint and
// curve.

// MARLTrainResult is summary.json of a multi-agent training folder.
type MARLTrainResult struct {
	Name     string `json:"name"`
	Steps    int    `json:"steps"`
	Episodes int    `json:"episodes"`
	Updates  int    `json:"updates"`
	// Evaluation holds one row per method on the same seeds (common random
	// numbers), each episode the whole duration of the file, drained: the
	// trained agents ("maddpg"), each ablation ("maddpg-no-lstm", …) and
	// the file's policies.
	Evaluation []SlottedEval `json:"evaluation"`
	// Pareto is, in latency (s) and energy per job (J), the front of the
	// agents trained at each reward weight (knob: the energy weight) and
	// each baseline's point, with normalised hypervolumes in the box of
	// all of them (reference point 1.1, 1.1).
	Pareto []results.ParetoPolicy `json:"pareto"`
	// Selected names, under train.select = "validation", the checkpoint
	// each variant's evaluation used (its best file).
	Selected []MARLSelected `json:"selected,omitempty"`
}

// marlVariant is one multi-agent training: the configured agents or an
// ablation.
type marlVariant struct {
	name  string
	dir   string
	cfg   *Config
	sweep bool // a point of the weight sweep
}

func (e Env) marlVariants(c *Config, dir string) ([]marlVariant, error) {
	vs := []marlVariant{{name: AlgorithmMADDPG, dir: dir, cfg: c}}
	for _, a := range c.Train.Ablations {
		vc := *c
		t := *c.Train
		t.Ablations, t.WeightSweep = nil, nil
		vc.Train = &t
		switch a {
		case "no-lstm":
			t.MADDPG.LSTM = false
		case "no-comm":
			t.MADDPG.Comm = false
		case "independent":
			t.MADDPG.Critic = rl.CriticIndependent
		case "fifo":
			vc.Priority = "fifo"
		default:
			return nil, fmt.Errorf("unknown ablation %q", a)
		}
		vs = append(vs, marlVariant{name: AlgorithmMADDPG + "-" + a, dir: filepath.Join(dir, "ablation-"+a), cfg: &vc})
	}
	for i, ws := range c.Train.WeightSweep {
		vc := *c
		t := *c.Train
		t.Ablations, t.WeightSweep = nil, nil
		t.MADDPG.Weights = ws
		vc.Train = &t
		vs = append(vs, marlVariant{name: weightsName(ws), dir: filepath.Join(dir, fmt.Sprintf("weights-%d", i+1)), cfg: &vc, sweep: true})
	}
	return vs, nil
}

// weightsName names the agents trained with reward weights ws.
func weightsName(ws []float64) string {
	return fmt.Sprintf("%s-w%s/%s/%s", AlgorithmMADDPG, fmtWeight(ws[0]), fmtWeight(ws[1]), fmtWeight(ws[2]))
}

func fmtWeight(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// trainMARL trains the phones of c's slotted world as MADDPG agents (and
// each ablation), then evaluates them against c's policies.
func (e Env) trainMARL(c *Config, dir string, opt TrainOptions) (*TrainOutcome, error) {
	vs, err := e.marlVariants(c, dir)
	if err != nil {
		return nil, err
	}
	out := &TrainOutcome{Config: c}
	res := MARLTrainResult{Name: c.Name}
	seeds := make([]uint64, c.Train.EvalEpisodes)
	evalSeed := sim.NewStreams(c.Seed).Derive("evaluation").Seed()
	for i := range seeds {
		seeds[i] = rl.EvalSeed(evalSeed, i)
	}
	runs, err := e.trainMARLVariants(vs, opt)
	if err != nil {
		return nil, err
	}
	for i, v := range vs {
		vr := runs[i]
		for _, r := range vr {
			out.VariantWall = append(out.VariantWall, VariantTiming{Name: r.name(), WallSeconds: r.wall, Steps: r.steps})
		}
		r := vr[0]
		agent := r.tr.Agent
		if r.sel != nil {
			var b ValidationRow
			found := false
			for _, rr := range vr {
				if bb, ok := rr.sel.best(); ok && (!found || bb.Score > b.Score) {
					r, b, found = rr, bb, true
				}
			}
			if !found {
				return nil, fmt.Errorf("%s: no checkpoint was validated", v.name)
			}
			best := filepath.Join(r.dir, BestFile)
			if agent, err = rl.LoadMADDPG(best); err != nil {
				return nil, err
			}
			rel, err := filepath.Rel(dir, best)
			if err != nil {
				return nil, err
			}
			res.Selected = append(res.Selected, MARLSelected{Method: v.name, Restart: r.restart + 1, Path: filepath.ToSlash(rel), Step: b.Step, Score: b.Score})
		}
		if i == 0 {
			// The configured agents' curve is the chosen restart's; the
			// wall time and steps, those of every restart.
			tr := r.tr
			out.MARLCurve = tr.Curve
			res.Steps, res.Episodes, res.Updates = tr.Step, tr.Episode, tr.Agent.Updates
			for _, rr := range vr {
				out.WallSeconds += rr.wall
				out.StepsThisRun += rr.steps
			}
		}
		row, err := e.evaluateMARL(v.cfg, agent, v.name, seeds)
		if err != nil {
			return nil, fmt.Errorf("evaluating %s: %w", v.name, err)
		}
		res.Evaluation = append(res.Evaluation, row)
	}
	base, err := e.EvaluateSlotted(c, c.Policies, seeds)
	if err != nil {
		return nil, err
	}
	res.Evaluation = append(res.Evaluation, base...)
	if out.MARLPareto, err = marlPareto(c, vs, res.Evaluation); err != nil {
		return nil, err
	}
	res.Pareto = out.MARLPareto.Pareto
	out.MARL = &res
	if err := results.WriteFileAtomic(filepath.Join(dir, EvalFile), func(w io.Writer) error { return writeSlotted(w, res.Evaluation) }); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, EvalLayoutsFile), func(w io.Writer) error { return writeLayouts(w, res.Evaluation) }); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, TrainSummary), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}); err != nil {
		return nil, err
	}
	timing := map[string]float64{}
	for _, v := range out.VariantWall {
		timing[v.Name+"_wall_seconds"] = v.WallSeconds
		timing[v.Name+"_steps_this_run"] = float64(v.Steps)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, TimingFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(timing)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// marlPareto builds the Pareto summary of the evaluation: one policy
// "maddpg" whose points are the agents of every reward weight (the
// configured one and the sweep's; ablations are left out), and one per
// baseline.
func marlPareto(c *Config, vs []marlVariant, rows []SlottedEval) (results.Summary, error) {
	type entry struct {
		name   string
		knobs  []float64
		points []results.Point
	}
	agents := entry{name: AlgorithmMADDPG}
	var others []entry
	for i, r := range rows {
		p := results.Point{r.Latency, r.Energy}
		if math.IsNaN(r.Latency) || math.IsNaN(r.Energy) {
			continue // no job ran: no point
		}
		switch {
		case i == 0:
			agents.knobs, agents.points = append(agents.knobs, c.Train.MADDPG.Weights[1]), append(agents.points, p)
		case i < len(vs) && vs[i].sweep:
			agents.knobs, agents.points = append(agents.knobs, vs[i].cfg.Train.MADDPG.Weights[1]), append(agents.points, p)
		case i < len(vs):
			// an ablation
		default:
			others = append(others, entry{name: r.Policy, knobs: []float64{0}, points: []results.Point{p}})
		}
	}
	all := append([]entry{agents}, others...)
	var every []results.Point
	for _, e := range all {
		every = append(every, e.points...)
	}
	ideal, nadir, err := results.Bounds(every)
	if err != nil {
		return results.Summary{}, err
	}
	sum := results.Summary{ParetoIdeal: ideal, ParetoNadir: nadir}
	for _, e := range all {
		front, err := results.NonDominated(e.points)
		if err != nil {
			return sum, err
		}
		hv := 0.0
		if nadir[0] > ideal[0] && nadir[1] > ideal[1] {
			if hv, err = results.NormalizedHypervolume(front, ideal, nadir); err != nil {
				return sum, err
			}
		}
		pp := results.ParetoPolicy{Policy: e.name, Hypervolume: hv}
		if e.name == AlgorithmMADDPG {
			pp.Knob = "energy weight"
		}
		on, _ := results.ParetoIndices(e.points)
		for j, p := range e.points {
			pp.Points = append(pp.Points, results.ParetoPoint{Knob: e.knobs[j], MeanLatency: p[0], MeanEnergy: p[1], OnFront: slices.Contains(on, j)})
		}
		sum.Pareto = append(sum.Pareto, pp)
	}
	return sum, nil
}

// VariantTiming is one variant's training time in this invocation.
type VariantTiming struct {
	Name        string
	WallSeconds float64
	Steps       int
}

// multiEnv returns c's multi-agent environment for training or, with
// drain, for evaluation over the whole duration.
func (e Env) multiEnv(c *Config, drain bool) (*MultiEnv, error) {
	t := c.Train
	opt := MultiOptions{Episode: t.Episode, LatencyScale: t.LatencyScale, EnergyScale: t.EnergyScale, Drain: drain,
		Estimate: t.Reward != "outcome", Marginal: t.Reward == "marginal", Difference: t.Reward == "difference", Team: t.TeamReward,
		PerTask: t.MADDPG.PerTask}
	if drain {
		opt.Episode = c.Duration
	}
	return e.NewMultiEnv(c, opt)
}

// marlRun is one training of a variant (one of its restarts), prepared
// and then run.
type marlRun struct {
	v       marlVariant
	variant int    // v's index among the variants
	restart int    // 0 for the first training, k−1 for restart k
	dir     string // its folder: the variant's, or restart-k in it
	tr      *rl.MARLTrainer
	sel     *marlSelection // nil unless train.select = "validation"
	wall    float64        // seconds this run took
	steps   int            // steps this run took
}

// name names the run in progress reports and timings.
func (r *marlRun) name() string {
	if r.restart == 0 {
		return r.v.name
	}
	return fmt.Sprintf("%s-restart-%d", r.v.name, r.restart+1)
}

// restartSeed is the seed of restart k−1 of a training of seed: the seed
// itself for the first, so that restarts = 1 trains as before.
func restartSeed(seed uint64, restart int) uint64 {
	if restart == 0 {
		return seed
	}
	return sim.NewStreams(seed).Derive(fmt.Sprintf("restart %d", restart+1)).Seed()
}

// trainMARLVariants trains every restart of every variant, up to
// opt.Workers (default GOMAXPROCS) at once: each is independent of the
// others (its own seeds, folder and networks), so the results do not
// depend on how many run together. They are prepared one at a time
// first, since building gorgonia graphs is not safe from several
// goroutines. runs[i] holds variant i's restarts in order.
func (e Env) trainMARLVariants(vs []marlVariant, opt TrainOptions) ([][]*marlRun, error) {
	runs := make([][]*marlRun, len(vs))
	var all []*marlRun
	for i, v := range vs {
		for k := range v.cfg.Train.Restarts {
			r, err := e.prepareMARLRun(v, k, opt)
			if err != nil {
				return nil, variantErr(i, v, err)
			}
			r.variant = i
			runs[i] = append(runs[i], r)
			all = append(all, r)
		}
	}
	var mu sync.Mutex // progress reports one at a time
	progress := func(name string, p rl.MARLProgress) {
		if opt.MARLProgress != nil {
			mu.Lock()
			defer mu.Unlock()
			opt.MARLProgress(name, p)
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(all))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(all)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = all[i].train(progress)
			}
		}()
	}
	for i := range all {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			r := all[i]
			if r.restart > 0 {
				err = fmt.Errorf("restart %d: %w", r.restart+1, err)
			}
			return nil, variantErr(r.variant, r.v, err)
		}
	}
	return runs, nil
}

// variantErr names the ablation or weight an error came from (the
// configured agents' errors are the file's own).
func variantErr(i int, v marlVariant, err error) error {
	if i == 0 {
		return err
	}
	return fmt.Errorf("%s: %w", v.name, err)
}

// prepareMARLRun opens the folder of one restart of a variant (0: the
// first training), resuming its checkpoint when asked and there is one,
// and builds its networks' graphs.
func (e Env) prepareMARLRun(v marlVariant, restart int, opt TrainOptions) (*marlRun, error) {
	c, t := v.cfg, v.cfg.Train
	env, err := e.multiEnv(c, false)
	if err != nil {
		return nil, err
	}
	r := &marlRun{v: v, restart: restart, dir: v.dir}
	if restart > 0 {
		r.dir = filepath.Join(v.dir, fmt.Sprintf("restart-%d", restart+1))
	}
	seed := restartSeed(c.Seed, restart)
	ckpt := filepath.Join(r.dir, CheckpointFile)
	_, statErr := os.Stat(ckpt)
	switch {
	case opt.Resume && statErr == nil:
		if r.tr, err = rl.LoadMARLTrainer(ckpt, env, t.Steps); err != nil {
			return nil, err
		}
	case statErr == nil:
		return nil, fmt.Errorf("%s holds a training run already: continue it with --resume, or write to another folder", r.dir)
	case !errors.Is(statErr, fs.ErrNotExist):
		return nil, statErr
	default:
		if err := results.OpenLiveFolder(r.dir); err != nil {
			return nil, err
		}
		if restart == 0 {
			if err := results.WriteFileAtomic(filepath.Join(r.dir, "config.toml"), c.WriteTOML); err != nil {
				return nil, err
			}
		}
		agents, obs, actions := env.Shape()
		m, err := rl.NewMADDPG(t.MADDPG, agents, obs, actions, rlStreams(seed))
		if err != nil {
			return nil, err
		}
		if r.tr, err = rl.NewMARLTrainer(m, env, seed, t.Steps); err != nil {
			return nil, err
		}
	}
	if err := r.tr.Agent.Prepare(); err != nil {
		return nil, err
	}
	if t.Select == SelectValidation {
		if r.sel, err = e.newMARLSelection(c); err != nil {
			return nil, err
		}
		if err := r.sel.resume(r.dir, r.tr.Step); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// train runs the variant to its last step, checkpointing (and validating)
// every checkpoint_every steps and at the end.
func (r *marlRun) train(progress func(string, rl.MARLProgress)) error {
	t, dir := r.v.cfg.Train, r.dir
	ckpt := filepath.Join(dir, CheckpointFile)
	save := func(tr *rl.MARLTrainer) error {
		if r.sel != nil {
			if err := r.sel.checkpoint(tr, dir); err != nil {
				return err
			}
		}
		if err := tr.Save(ckpt); err != nil {
			return err
		}
		return results.WriteFileAtomic(filepath.Join(dir, CurveFile), func(w io.Writer) error { return writeMARLCurve(w, tr.Curve) })
	}
	tr := r.tr
	next := (tr.Step/t.CheckpointEvery + 1) * t.CheckpointEvery
	start, step0 := time.Now(), tr.Step
	err := tr.Run(func(tr *rl.MARLTrainer) error {
		if tr.Step >= next && !tr.Done() {
			next = (tr.Step/t.CheckpointEvery + 1) * t.CheckpointEvery
			return save(tr)
		}
		return nil
	}, func(p rl.MARLProgress) { progress(r.name(), p) })
	if err != nil {
		return err
	}
	r.wall = time.Since(start).Seconds()
	r.steps = tr.Step - step0
	return save(tr)
}

// evaluateMARL runs the agents greedily on c's slotted world for each
// seed, over the whole duration until every task has ended, and
// summarises their tasks as EvaluateSlotted does for a policy.
func (e Env) evaluateMARL(c *Config, m *rl.MADDPG, name string, seeds []uint64) (SlottedEval, error) {
	env, err := e.multiEnv(c, true)
	if err != nil {
		return SlottedEval{Policy: name}, err
	}
	return playMARLSeeds(env, m, name, seeds)
}

// playMARLSeeds plays the agents greedily on env, drained, once for each
// seed, and summarises their tasks over all of them.
func playMARLSeeds(env *MultiEnv, m *rl.MADDPG, name string, seeds []uint64) (SlottedEval, error) {
	row := SlottedEval{Policy: name}
	for _, seed := range seeds {
		one := SlottedEval{Policy: name, Seed: seed}
		if _, err := playMARL(env, m, seed, name, &one); err != nil {
			return row, err
		}
		row.merge(one)
	}
	row.finish(row.ran, len(seeds))
	return row, nil
}

// runMARLAgents runs MADDPG agents read from the checkpoint at path on a
// slotted world of sc until every task has ended: the policy
// "maddpg:PATH".
func runMARLAgents(sc *mec.Scenario, streams sim.Streams, path, name string) ([]results.Task, error) {
	m, err := rl.LoadMADDPG(path)
	if err != nil {
		return nil, err
	}
	env, err := agentsEnv(sc, m, path)
	if err != nil {
		return nil, err
	}
	var row SlottedEval
	return playMARL(env, m, streams.Seed(), name, &row)
}

// agentsEnv returns sc's slotted world, drained, for agents read from
// path, checking that it is the shape they were trained on.
func agentsEnv(sc *mec.Scenario, m *rl.MADDPG, path string) (*MultiEnv, error) {
	env := &MultiEnv{sc: sc, space: SpaceOf(sc), opt: MultiOptions{LatencyScale: 1, EnergyScale: 1, Drain: true, PerTask: m.Cfg.PerTask}, end: sc.Duration}
	if n, o, k := env.Shape(); n != m.Agents || o != m.Obs || k != m.Actions {
		return nil, fmt.Errorf("%s: agents trained for %d phones, observations of %d values and %d targets; this world has %d, %d, %d",
			path, m.Agents, m.Obs, m.Actions, n, o, k)
	}
	return env, nil
}

// playMARL plays one greedy, drained episode of the agents on env with
// seed and returns its records, counting them into row.
func playMARL(env *MultiEnv, m *rl.MADDPG, seed uint64, name string, row *SlottedEval) ([]results.Task, error) {
	n, o, k := env.Shape()
	obs, mask := make([]float64, n*o), make([]bool, n*k)
	actions, rewards := make([]int, n), make([]float64, n*rl.MultiObjectives)
	env.Reset(seed)
	m.ResetState()
	for {
		if err := env.Observe(obs, mask); err != nil {
			return nil, err
		}
		if err := m.Act(obs, mask, false, actions); err != nil {
			return nil, err
		}
		_, over, err := env.Step(actions, rewards)
		if err != nil {
			return nil, err
		}
		if over {
			break
		}
	}
	tasks, balance, err := env.Results(name)
	if err != nil {
		return nil, err
	}
	row.ran += row.add(tasks, balance, env.SlotBound, env.sc.DecisionInterval.Seconds())
	return tasks, nil
}

func writeMARLCurve(w io.Writer, curve []rl.MARLCurvePoint) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"step", "episode", "return", "delay_return", "energy_return", "balance_return", "length", "critic_loss", "actor_loss", "noise"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, p := range curve {
		cw.Write([]string{strconv.Itoa(p.Step), strconv.Itoa(p.Episode), f(p.Return), f(p.Delay), f(p.Energy), f(p.Balance),
			strconv.Itoa(p.Length), f(p.CriticLoss), f(p.ActorLoss), f(p.Noise)})
	}
	cw.Flush()
	return cw.Error()
}

func writeSlotted(w io.Writer, rows []SlottedEval) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"method", "jobs", "refused", "mean_latency_s", "mean_energy_j", "balance", "slot_bound_s", "near_bound"})
	for _, r := range rows {
		cw.Write(append([]string{r.Policy}, slottedFields(r)...))
	}
	cw.Flush()
	return cw.Error()
}

// writeLayouts writes eval_layouts.csv: every method's row on each
// evaluation layout alone, for paired comparisons.
func writeLayouts(w io.Writer, rows []SlottedEval) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"method", "seed", "jobs", "refused", "mean_latency_s", "mean_energy_j", "balance", "slot_bound_s", "near_bound"})
	for _, r := range rows {
		for _, l := range r.Layouts {
			cw.Write(append([]string{r.Policy, strconv.FormatUint(l.Seed, 10)}, slottedFields(l)...))
		}
	}
	cw.Flush()
	return cw.Error()
}

func slottedFields(r SlottedEval) []string {
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return []string{strconv.Itoa(r.Jobs), strconv.Itoa(r.Refused), f(r.Latency), f(r.Energy), f(r.Balance), f(r.Bound), f(r.NearBound)}
}
