package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/results"
)

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", `sweep FILE [-o DIR] [--shard i/n | --shards n] [--point P] [--seed N] [--workers N]

Runs every point × replication of FILE's [sweep] and writes runs.csv and
aggregate.csv to a sweep folder (default runs/NAME). Killed and started
again with the same folder, it skips the points already written.

A shard runs the points whose index mod n is i, into its own folder
(default runs/NAME-shard-I-of-N) or one shared by all shards; "mecsim merge"
joins the parts. The shard comes from --shard, else from the index in
JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm,
--array=0-(N-1)), with the count from --shards or SLURM_ARRAY_TASK_COUNT.
See docs/cluster.md.`, stderr)
	out := fs.String("o", "", "sweep folder (default runs/NAME, or runs/NAME-shard-I-of-N)")
	shardFlag := fs.String("shard", "", "run only shard `i/n` (i from 0): the points whose index mod n is i")
	shards := fs.Int("shards", 0, "number of shards when the index comes from the environment (Slurm, Kubernetes)")
	point := fs.String("point", "", "run one point alone, named by its id or as key=value,..., and print its rows as CSV")
	seed := fs.Uint64("seed", 0, "master seed, overriding the file's")
	workers := fs.Int("workers", 0, "replications run at once (default GOMAXPROCS)")
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	env, err := experiments.DefaultEnv()
	if err != nil {
		return err
	}
	cfg, err := experiments.Load(path, env.Known())
	if err != nil {
		return err
	}
	if set["seed"] {
		cfg.Seed = *seed
		if err := cfg.Validate(env.Known()); err != nil {
			return err
		}
	}
	grid, err := env.Grid(cfg)
	if err != nil {
		return err
	}

	if set["point"] {
		if set["o"] || set["shard"] || set["shards"] {
			fmt.Fprintln(stderr, "mecsim sweep: --point prints one point's rows; it takes no -o, --shard or --shards")
			return errUsage
		}
		p, err := grid.Find(*point)
		if err != nil {
			fmt.Fprintf(stderr, "mecsim sweep: --point: %v\n", err)
			return errUsage
		}
		rows, err := env.RunPoint(grid, p, *workers)
		if err != nil {
			return err
		}
		return results.WriteSweepRows(stdout, grid.Keys, rows)
	}

	shard, from, err := experiments.ShardFrom(*shardFlag, *shards, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mecsim sweep: %v\n", err)
		return errUsage
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("runs", cfg.Name)
		if shard.Count > 1 {
			dir += fmt.Sprintf("-shard-%d-of-%d", shard.Index, shard.Count)
		}
	}
	if inside(path, dir) {
		return fmt.Errorf("-o %s: the sweep folder would hold the experiment file %s", dir, path)
	}
	if shard.Count > 1 {
		fmt.Fprintf(stderr, "mecsim sweep: shard %s (from %s)\n", shard, from)
	}

	start := time.Now()
	prog := newSweepProgress(stderr, isTerminal(stderr), start)
	rep, err := env.RunSweep(grid, dir, experiments.SweepOptions{Shard: shard, Workers: *workers, Progress: prog.update})
	prog.done()
	if err != nil {
		return err
	}
	skipped := ""
	if rep.Skipped > 0 {
		skipped = fmt.Sprintf(" (%d already done)", rep.Skipped)
	}
	if rep.Complete {
		fmt.Fprintf(stdout, "%s: %d points%s × %d replications × %d policies: %s and %s in %s (%.1fs)\n",
			cfg.Name, len(grid.Points), skipped, grid.Replications, len(cfg.Policies),
			experiments.SweepRunsFile, experiments.SweepAggregateFile, dir, time.Since(start).Seconds())
		return nil
	}
	fmt.Fprintf(stdout, "%s: shard %s: %d of %d points%s in %s (%.1fs); when every shard is done, join them with\n  mecsim merge -o OUT %s ...\n",
		cfg.Name, shard, rep.Points, len(grid.Points), skipped, dir, time.Since(start).Seconds(), dir)
	return nil
}

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", `merge -o OUT DIR...

Joins the sweep folders DIR... (the parts that shards wrote) into OUT:
runs.csv and aggregate.csv as one process running the whole grid writes
them. Refuses parts of different sweeps, and names the points missing or
in more than one part.`, stderr)
	out := fs.String("o", "", "folder for the merged tables (required)")
	dirs, err := parseAll(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(dirs) == 0 {
		fmt.Fprintln(stderr, "mecsim merge: want -o OUT and at least one sweep folder")
		fs.Usage()
		return errUsage
	}
	rep, err := experiments.MergeSweeps(dirs, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d points from %d parts, %d rows: %s and %s in %s\n", rep.Experiment, rep.Points, len(dirs), rep.Rows,
		experiments.SweepRunsFile, experiments.SweepAggregateFile, *out)
	return nil
}

// parseAll parses flags placed anywhere among any number of positional
// arguments.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// sweepProgress shows a sweep's progress on stderr: a progress bar (runs
// done, points done, rate, time left) on a terminal, else one line per
// tenth of the runs.
type sweepProgress struct {
	w      io.Writer
	start  time.Time
	bar    *progressbar.ProgressBar
	tty    bool
	tenths int
}

func newSweepProgress(w io.Writer, tty bool, start time.Time) *sweepProgress {
	return &sweepProgress{w: w, tty: tty, start: start}
}

func (s *sweepProgress) update(p experiments.SweepProgress) {
	if p.RunsTotal == 0 {
		return
	}
	desc := fmt.Sprintf("points %d/%d", p.Points, p.PointsTotal)
	if s.tty {
		if s.bar == nil {
			s.bar = progressbar.NewOptions(p.RunsTotal,
				progressbar.OptionSetWriter(s.w),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("runs"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetRenderBlankState(true),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(s.w) }),
			)
		}
		s.bar.Describe(desc)
		s.bar.Set(p.Runs)
		return
	}
	tenths := 10 * p.Runs / p.RunsTotal
	if tenths <= s.tenths {
		return
	}
	s.tenths = tenths
	elapsed := time.Since(s.start).Seconds()
	var b strings.Builder
	fmt.Fprintf(&b, "sweep: %3d%%  %d/%d runs, %s", 100*p.Runs/p.RunsTotal, p.Runs, p.RunsTotal, desc)
	if elapsed > 0 && p.Runs > 0 {
		rate := float64(p.Runs) / elapsed
		fmt.Fprintf(&b, ", %.2f runs/s, %s left", rate, time.Duration(float64(p.RunsTotal-p.Runs)/rate*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintln(s.w, b.String())
}

func (s *sweepProgress) done() {
	if s.bar != nil && !s.bar.IsFinished() {
		s.bar.Exit()
		fmt.Fprintln(s.w)
	}
}
