// Command mecsim runs mobile edge computing offloading experiments.
//
//	mecsim run FILE [-o DIR] [--seed N]   simulate and write a results folder
//	mecsim train FILE [-o DIR] [--resume DIR]
//	                                      train the agent of FILE's [train] table and evaluate it
//	mecsim sweep FILE [-o DIR] [--shard i/n] [--point P]
//	                                      run FILE's grid × replications: runs.csv, aggregate.csv
//	mecsim merge -o DIR PART...           join the parts of a sharded sweep
//	mecsim validate FILE                  check an experiment file without running it
//	mecsim calibrate [--data FILE] [--json] [-o DIR]
//	                                      the cost model against published measurements
//	mecsim figures [-o DIR] [--quick]     regenerate the figure suite (experiments/figures)
//	mecsim version                        print the version
//
// Exit status: 0 on success, 2 on bad input (a bad experiment file or bad
// arguments), 1 on any other failure.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"golang.org/x/term"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/results"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitBadUse  = 2
)

func main() {
	os.Exit(mainWithArgs(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `mecsim: a discrete-event simulator for mobile edge computing offloading.

Usage:
  mecsim run FILE [-o DIR] [--seed N]   simulate FILE and write a results folder
  mecsim train FILE [-o DIR] [--resume DIR]
                                        train FILE's agent (checkpoints, learning curve) and evaluate it
  mecsim sweep FILE [-o DIR] [--shard i/n | --shards n] [--point P]
                                        run FILE's [sweep] grid × replications on every core:
                                        runs.csv and aggregate.csv (mean, 95% CI); resumable
  mecsim merge -o DIR PART...           join the parts of a sharded sweep into one table
  mecsim validate FILE                  check FILE without running it
  mecsim calibrate [--data FILE] [--json] [-o DIR]
                                        predict published measurements with the cost model
  mecsim figures [-o DIR] [--quick] [--only NAMES]
                                        regenerate the figure suite (PNG, SVG, CSV) into DIR (default runs/figures)
  mecsim version                        print the version

Run "mecsim COMMAND -h" for a command's options.
`

// errUsage marks a command-line mistake already reported to the user.
var errUsage = errors.New("usage")

func mainWithArgs(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadUse
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(args[1:], stdout, stderr)
	case "validate":
		err = cmdValidate(args[1:], stdout, stderr)
	case "sweep":
		err = cmdSweep(args[1:], stdout, stderr)
	case "merge":
		err = cmdMerge(args[1:], stdout, stderr)
	case "train":
		err = cmdTrain(args[1:], stdout, stderr)
	case "calibrate":
		err = cmdCalibrate(args[1:], stdout, stderr)
	case "figures":
		err = cmdFigures(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "mecsim", version())
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "mecsim: unknown command %q\n\n%s", args[0], usage)
		return exitBadUse
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitBadUse
	case experiments.IsInputError(err), isTableError(err):
		fmt.Fprintf(stderr, "mecsim: %v\n", err)
		return exitBadUse
	default:
		fmt.Fprintf(stderr, "mecsim: %v\n", err)
		return exitFailure
	}
}

// parse parses flags that may come before or after the one positional
// argument, as in "mecsim run FILE -o DIR".
func parse(fs *flag.FlagSet, args []string) (string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintf(fs.Output(), "mecsim %s: want one experiment file, got %d arguments\n", fs.Name(), len(pos))
		fs.Usage()
		return "", errUsage
	}
	return pos[0], nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: mecsim %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "validate FILE\n\nChecks FILE as run would, without simulating.", stderr)
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
	if cfg.Environment == experiments.EnvReference {
		edges := fmt.Sprintf("E drawn from %d to %d", cfg.Reference.MinEdges, cfg.Reference.MaxEdges)
		if cfg.Reference.Edges > 0 {
			edges = fmt.Sprintf("E = %d", cfg.Reference.Edges)
		}
		fmt.Fprintf(stdout, "%s: ok (%s: the reference environment, %s, %d methods, %d training steps)\n",
			path, cfg.Name, edges, len(cfg.Policies), cfg.Train.Steps)
		return nil
	}
	if _, err := env.Scenario(cfg); err != nil {
		return err
	}
	grid := ""
	if cfg.Sweep != nil {
		g, err := env.Grid(cfg)
		if err != nil {
			return err
		}
		grid = fmt.Sprintf(", a sweep of %d points × %d replications", len(g.Points), g.Replications)
	}
	fmt.Fprintf(stdout, "%s: ok (%s: %d policies, %d phones, %d edge sites, %d workloads%s)\n",
		path, cfg.Name, len(cfg.Policies), cfg.Phones.Count, len(cfg.Edges), len(cfg.Workloads), grid)
	return nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "run FILE [-o DIR] [--seed N]\n\nSimulates FILE and writes a results folder (default runs/NAME).", stderr)
	out := fs.String("o", "", "results folder (default runs/NAME, NAME from the file)")
	seed := fs.Uint64("seed", 0, "master seed, overriding the file's")
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })

	env, err := experiments.DefaultEnv()
	if err != nil {
		return err
	}
	cfg, err := experiments.Load(path, env.Known())
	if err != nil {
		return err
	}
	if seedSet {
		cfg.Seed = *seed
		if err := cfg.Validate(env.Known()); err != nil {
			return err
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("runs", cfg.Name)
	}
	if inside(path, dir) {
		return fmt.Errorf("-o %s: the results folder would replace the experiment file %s", dir, path)
	}

	start := time.Now()
	progress := progressLine(stderr, start)
	outcome, err := env.Run(cfg, experiments.Options{Progress: progress.update})
	progress.done()
	if err != nil {
		return err
	}
	err = outcome.WriteFolder(dir, func(tmp string) error {
		figures := filepath.Join(tmp, "figures")
		if err := plots.WriteFigures(figures, outcome.Tasks, outcome.Summary.Policies, cfg.Policies); err != nil {
			return err
		}
		if err := plots.WritePareto(figures, outcome.Summary); err != nil {
			return err
		}
		return plots.WriteSweepFigures(figures, outcome.Summary, cfg.Policies)
	})
	if err != nil {
		return err
	}
	for _, pt := range outcome.Summary.Sweep {
		fmt.Fprintf(stdout, "%s = %v\n", outcome.Summary.SweepKey, pt.Value)
		printSummary(stdout, results.Summary{Policies: pt.Policies})
	}
	if len(outcome.Summary.Sweep) > 0 {
		fmt.Fprintln(stdout, "all points")
	}
	printSummary(stdout, outcome.Summary)
	if len(outcome.Summary.Pareto) > 0 {
		fmt.Fprintf(stdout, "\n%-18s %6s %12s\n", "policy", "points", "hypervolume")
		for _, pp := range outcome.Summary.Pareto {
			fmt.Fprintf(stdout, "%-18s %6d %12.4f\n", pp.Policy, len(pp.Points), pp.Hypervolume)
		}
	}
	fmt.Fprintf(stdout, "results in %s (%.1fs)\n", dir, time.Since(start).Seconds())
	return nil
}

// inside reports whether file is dir or lies within it.
func inside(file, dir string) bool {
	f, err1 := filepath.Abs(file)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, f)
	return err == nil && filepath.IsLocal(rel) || rel == "."
}

func printSummary(w io.Writer, s results.Summary) {
	llm := false
	for _, p := range s.Policies {
		llm = llm || p.LLMTasks > 0
	}
	fmt.Fprintf(w, "%-16s %7s %7s %9s %9s %7s %10s", "policy", "tasks", "refused", "mean ms", "p95 ms", "miss %", "energy mJ")
	if llm {
		fmt.Fprintf(w, " %9s %9s %9s %9s", "TTFT ms", "TTFT p95", "TPOT ms", "TPOT p95")
	}
	fmt.Fprintln(w)
	for _, p := range s.Policies {
		fmt.Fprintf(w, "%-16s %7d %7d %9.2f %9.2f %7.2f %10.3f", p.Policy, p.Tasks, p.Refused,
			1e3*p.MeanLatency, 1e3*p.P95Latency, 100*p.DeadlineMiss, 1e3*p.MeanEnergy)
		if llm {
			fmt.Fprintf(w, " %9.1f %9.1f %9.2f %9.2f", 1e3*p.MeanTTFT, 1e3*p.P95TTFT, 1e3*p.MeanTPOT, 1e3*p.P95TPOT)
		}
		fmt.Fprintln(w)
	}
}

// progress writes a progress line to a terminal once a run has taken more
// than a couple of seconds, and nothing when stderr is not a terminal.
type progress struct {
	w     io.Writer
	start time.Time
	shown bool
	on    bool
}

func progressLine(stderr io.Writer, start time.Time) *progress {
	p := &progress{w: stderr, start: start}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

func (p *progress) update(frac float64) {
	if !p.on || time.Since(p.start) < 2*time.Second {
		return
	}
	p.shown = true
	fmt.Fprintf(p.w, "\rsimulating: %5.1f%%  %5.1fs", 100*frac, time.Since(p.start).Seconds())
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v0.1.0-dev"
}
