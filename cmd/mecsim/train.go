package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/term"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/rl"
)

func cmdTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "train FILE [-o DIR] [--resume DIR]\n\nTrains the agent of FILE's [train] table, checkpointing into DIR (default runs/NAME),\nthen evaluates it against FILE's other policies.", stderr)
	out := fs.String("o", "", "training folder (default runs/NAME, NAME from the file)")
	resume := fs.String("resume", "", "continue the training run in this folder from its checkpoint")
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	env, err := experiments.DefaultEnv()
	if err != nil {
		return err
	}
	cfg, err := experiments.Load(path, env.Known())
	if err != nil {
		return err
	}
	dir := *out
	switch {
	case *resume != "" && dir != "" && filepath.Clean(dir) != filepath.Clean(*resume):
		return fmt.Errorf("-o %s and --resume %s: a resumed run continues in its own folder", dir, *resume)
	case *resume != "":
		dir = *resume
	case dir == "":
		dir = filepath.Join("runs", cfg.Name)
	}
	if inside(path, dir) {
		return fmt.Errorf("-o %s: the training folder would hold the experiment file %s", dir, path)
	}
	bar := newTrainProgress(stderr)
	outcome, err := env.Train(cfg, dir, experiments.TrainOptions{Resume: *resume != "", Progress: bar.update, MARLProgress: bar.updateMARL})
	bar.done()
	if err != nil {
		return err
	}
	if outcome.MARL != nil {
		return reportMARL(stdout, dir, outcome)
	}
	figures := filepath.Join(dir, "figures")
	steps := make([]float64, len(outcome.Curve))
	returns := make([]float64, len(outcome.Curve))
	for i, p := range outcome.Curve {
		steps[i], returns[i] = float64(p.Step), p.Return
	}
	if err := plots.WriteLearningCurve(figures, steps, returns, 20); err != nil {
		return err
	}
	for i, ev := range outcome.Summary.Evaluations {
		// plots.Pareto draws ms and mJ; per-episode sums read better in s
		// and J.
		front := outcome.Fronts[i]
		front.Pareto = slices.Clone(front.Pareto)
		for k := range front.Pareto {
			pts := slices.Clone(front.Pareto[k].Points)
			for j := range pts {
				pts[j].MeanLatency /= 1e3
				pts[j].MeanEnergy /= 1e3
			}
			front.Pareto[k].Points = pts
		}
		p, err := plots.Pareto(front)
		if err != nil {
			return err
		}
		p.Title.Text = fmt.Sprintf("Reference environment, E = %d: each method's points and front", ev.Edges)
		p.X.Label.Text = "delay charged per episode (s)"
		p.Y.Label.Text = "energy per episode (J)"
		if err := plots.Save(p, figures, fmt.Sprintf("pareto_e%d", ev.Edges), plots.DefaultWidth, plots.DefaultHeight); err != nil {
			return err
		}
	}
	if outcome.World != nil {
		if err := plots.WritePareto(filepath.Join(dir, experiments.WorldEvalDir, "figures"), outcome.World.Summary); err != nil {
			return err
		}
	}

	s := outcome.Summary
	fmt.Fprintf(stdout, "trained %s: %d steps, %d episodes, %d updates; this run took %d steps in %.1fs (%.0f steps/s); final α %.4f\n",
		s.Name, s.Steps, s.Episodes, s.Updates, outcome.StepsThisRun, outcome.WallSeconds, float64(outcome.StepsThisRun)/max(outcome.WallSeconds, 1e-9), s.Alpha)
	if s.Selected != nil {
		fmt.Fprintf(stdout, "evaluated the checkpoint at step %d, best on validation (mean normalised hypervolume %.4f; all in %s)\n",
			s.Selected.Step, s.Selected.Score, experiments.ValidationFile)
	}
	for _, ev := range s.Evaluations {
		fmt.Fprintf(stdout, "\nE = %d edge servers (reference point %.4g s, %.4g J per episode)\n", ev.Edges, ev.RefPoint[0], ev.RefPoint[1])
		fmt.Fprintf(stdout, "%-14s %14s %12s %7s\n", "method", "hypervolume", "normalised", "points")
		for _, m := range ev.Methods {
			fmt.Fprintf(stdout, "%-14s %14.6g %12.4f %7d\n", m.Method, m.Hypervolume, m.Normalized, len(m.Points))
		}
	}
	if len(s.Evaluations) > 1 {
		fmt.Fprintf(stdout, "\nmean over %d systems\n%-14s %12s\n", len(s.Evaluations), "method", "normalised")
		for j, m := range s.Evaluations[0].Methods {
			mean := 0.0
			for _, ev := range s.Evaluations {
				mean += ev.Methods[j].Normalized / float64(len(s.Evaluations))
			}
			fmt.Fprintf(stdout, "%-14s %12.4f\n", m.Method, mean)
		}
	}
	if outcome.World != nil {
		fmt.Fprintln(stdout)
		printSummary(stdout, outcome.World.Summary)
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", dir)
	return nil
}

// trainProgress shows training on a terminal as one updating line, and
// elsewhere as a line every tenth of the run.
type trainProgress struct {
	w     io.Writer
	tty   bool
	shown bool
	last  time.Time
	tenth int
	// tenths is, per multi-agent variant, the tenths of its run reported.
	tenths map[string]int
}

func newTrainProgress(stderr io.Writer) *trainProgress {
	p := &trainProgress{w: stderr}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *trainProgress) update(pr rl.Progress) {
	p.show(fmt.Sprintf("step %d/%d  episode %d  return %.3f  critic %.4g  actor %.4g  α %.4f  %.0f steps/s",
		pr.Step, pr.Steps, pr.Last.Episode+1, pr.Last.Return, pr.Last.CriticLoss, pr.Last.ActorLoss, pr.Last.Alpha, pr.StepsPerSecond), pr.Step, pr.Steps)
}

func (p *trainProgress) updateMARL(variant string, pr rl.MARLProgress) {
	line := fmt.Sprintf("%s: step %d/%d  episode %d  return %.3f  critic %.4g  actor %.4g  noise %.3f  %.0f steps/s",
		variant, pr.Step, pr.Steps, pr.Last.Episode+1, pr.Last.Return, pr.Last.CriticLoss, pr.Last.ActorLoss, pr.Last.Noise, pr.StepsPerSecond)
	if p.tty {
		// Variants train side by side: the line shows the latest report.
		p.show(line, pr.Step, pr.Steps)
		return
	}
	if p.tenths == nil {
		p.tenths = map[string]int{}
	}
	if tenth := 10 * pr.Step / max(pr.Steps, 1); tenth > p.tenths[variant] {
		p.tenths[variant] = tenth
		fmt.Fprintln(p.w, line)
	}
}

func (p *trainProgress) show(line string, step, steps int) {
	if p.tty {
		if time.Since(p.last) < 200*time.Millisecond && step < steps {
			return
		}
		p.last, p.shown = time.Now(), true
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	if tenth := 10 * step / max(steps, 1); tenth > p.tenth {
		p.tenth = tenth
		fmt.Fprintln(p.w, line)
	}
}

func (p *trainProgress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

// reportMARL draws the agents' learning curve and prints the evaluation
// of the agents, their ablations and the baselines.
func reportMARL(stdout io.Writer, dir string, outcome *experiments.TrainOutcome) error {
	steps := make([]float64, len(outcome.MARLCurve))
	returns := make([]float64, len(outcome.MARLCurve))
	for i, p := range outcome.MARLCurve {
		steps[i], returns[i] = float64(p.Step), p.Return
	}
	if err := plots.WriteLearningCurve(filepath.Join(dir, "figures"), steps, returns, 20); err != nil {
		return err
	}
	if err := plots.WritePareto(filepath.Join(dir, "figures"), outcome.MARLPareto); err != nil {
		return err
	}
	r := outcome.MARL
	fmt.Fprintf(stdout, "trained %s: %d steps, %d episodes, %d updates\n", r.Name, r.Steps, r.Episodes, r.Updates)
	for _, v := range outcome.VariantWall {
		fmt.Fprintf(stdout, "  %-22s this run took %d steps in %.1fs\n", v.Name, v.Steps, v.WallSeconds)
	}
	for _, s := range r.Selected {
		fmt.Fprintf(stdout, "  %-22s evaluated: %s, step %d of restart %d (validation score %.6g, %s)\n", s.Method, s.Path, s.Step, s.Restart, s.Score, experiments.ValidationFile)
	}
	fmt.Fprintf(stdout, "\n%-22s %7s %8s %14s %13s %8s %11s %7s\n", "method", "jobs", "refused", "latency (ms)", "energy (mJ)", "balance", "bound (ms)", "near %")
	for _, e := range r.Evaluation {
		fmt.Fprintf(stdout, "%-22s %7d %8d %14.1f %13.1f %8.4f %11.1f %7.1f\n", e.Policy, e.Jobs, e.Refused, e.Latency*1e3, e.Energy*1e3, e.Balance, e.Bound*1e3, 100*e.NearBound)
	}
	fmt.Fprintf(stdout, "(bound: no placement of a row's jobs could give a mean latency as low, mec.World.SlotBound; near: jobs within a slot of their bound, each level in one slot)\n")
	if len(r.Evaluation) > 1 && len(r.Evaluation[0].Layouts) > 1 {
		agents := r.Evaluation[0]
		fmt.Fprintf(stdout, "\n%s against each method, layout by layout (the same jobs; %s): mean and s.d. of the differences\n", agents.Policy, experiments.EvalLayoutsFile)
		fmt.Fprintf(stdout, "%-22s %9s %18s %18s\n", "method", "faster on", "latency (ms)", "energy (mJ)")
		for _, e := range r.Evaluation[1:] {
			faster, dl, sl, de, se, err := experiments.Paired(agents, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-22s %4d of %-2d %+9.2f ± %-6.2f %+9.2f ± %.2f\n", e.Policy, faster, len(e.Layouts), dl*1e3, sl*1e3, de*1e3, se*1e3)
		}
	}
	fmt.Fprintf(stdout, "\nnormalised hypervolume of latency and energy per job (the agents' front over reward weights)\n")
	for _, p := range r.Pareto {
		fmt.Fprintf(stdout, "%-22s %8.4f\n", p.Policy, p.Hypervolume)
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", dir)
	return nil
}
