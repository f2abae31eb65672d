package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mathext"

	"github.com/mecsim/mecsim/results"
)

// Files of a sweep folder. The folder is written in place while the sweep
// runs: each point's rows go to their own file, written atomically, so a
// sweep that is killed and started again with the same folder skips the
// points already there. When every point of the grid is in the folder, the
// rows are joined into the tables.
const (
	SweepManifestFile  = "sweep.json"    // the grid (results.SweepManifest)
	SweepConfigFile    = "config.toml"   // the resolved experiment
	SweepPointsDir     = "points"        // points/ID.csv: one point's rows, every replication and policy
	SweepRunsFile      = "runs.csv"      // every point's rows, in grid order
	SweepAggregateFile = "aggregate.csv" // mean and 95% confidence interval per point and policy
)

// Shard is a share of a grid's points: point i belongs to shard i mod
// Count. The zero value is the whole grid.
type Shard struct {
	Index, Count int
}

func (s Shard) count() int { return max(1, s.Count) }

// Has reports whether point i of a grid belongs to the shard.
func (s Shard) Has(i int) bool { return i%s.count() == s.Index }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.count()) }

// ParseShard reads "i/n": shard i (from 0) of n.
func ParseShard(text string) (Shard, error) {
	a, b, ok := strings.Cut(text, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, such as 0/4 (shards count from 0)", text)
	}
	return newShard(i, n, text)
}

func newShard(i, n int, from string) (Shard, error) {
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %d of %d (from %s): want 0 <= i < n", i, n, from)
	}
	return Shard{i, n}, nil
}

// Environment variables that give a shard's index and count.
const (
	EnvK8sIndex   = "JOB_COMPLETION_INDEX"   // Kubernetes Indexed Job: the index, from 0
	EnvSlurmID    = "SLURM_ARRAY_TASK_ID"    // Slurm job array: the task's id, used as the index (--array=0-(N-1))
	EnvSlurmCount = "SLURM_ARRAY_TASK_COUNT" // Slurm: the number of tasks in the array
)

// ShardFrom resolves the share of the points a process runs, and names
// where it came from. In order of precedence:
//
//  1. flag ("i/n", the --shard option), when not empty; count (--shards),
//     when > 0, must agree with its n;
//  2. the index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), or
//     else SLURM_ARRAY_TASK_ID (a Slurm job array, whose ids must then be
//     0 to n−1: the id is the index, so that one failed task resubmitted
//     alone, --array=5, still runs shard 5); the count from count (the
//     --shards option), or else, under Slurm, SLURM_ARRAY_TASK_COUNT;
//  3. the whole grid, when neither is set.
//
// getenv is os.Getenv, or a map's lookup in tests.
func ShardFrom(flag string, count int, getenv func(string) string) (Shard, string, error) {
	if count < 0 {
		return Shard{}, "", fmt.Errorf("--shards %d: want a count >= 1", count)
	}
	if flag != "" {
		s, err := ParseShard(flag)
		if err != nil {
			return Shard{}, "", err
		}
		if count > 0 && count != s.Count {
			return Shard{}, "", fmt.Errorf("--shard %s and --shards %d disagree", flag, count)
		}
		return s, "--shard", nil
	}
	atoi := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, fmt.Errorf("%s=%q: not an integer", name, v)
		}
		return n, true, nil
	}
	if i, ok, err := atoi(EnvK8sIndex); err != nil {
		return Shard{}, "", err
	} else if ok {
		if count == 0 {
			return Shard{}, "", fmt.Errorf("%s is set (a Kubernetes Indexed Job) but the shard count is not: pass --shards N, N the Job's completions", EnvK8sIndex)
		}
		s, err := newShard(i, count, EnvK8sIndex)
		return s, EnvK8sIndex, err
	}
	id, ok, err := atoi(EnvSlurmID)
	if err != nil || !ok {
		if err == nil && count > 0 {
			err = fmt.Errorf("--shards %d without a shard index: pass --shard i/%d, or run in a Slurm job array or a Kubernetes Indexed Job", count, count)
		}
		return Shard{}, "", err
	}
	n := count
	if n == 0 {
		var ok bool
		if n, ok, err = atoi(EnvSlurmCount); err != nil {
			return Shard{}, "", err
		} else if !ok {
			return Shard{}, "", fmt.Errorf("%s is set but neither --shards nor %s is", EnvSlurmID, EnvSlurmCount)
		}
	}
	s, err := newShard(id, n, EnvSlurmID)
	return s, EnvSlurmID, err
}

// SweepOptions tune a sweep without changing its results.
type SweepOptions struct {
	Shard   Shard // the share of the points to run; the zero value runs all
	Workers int   // replications run at once; 0 means GOMAXPROCS
	// Progress, if set, is called after each replication with the counts
	// so far. Calls are serialised.
	Progress func(SweepProgress)
}

// SweepProgress counts a sweep's work in this process: replications
// (runs) and whole points, done and to do.
type SweepProgress struct {
	Runs, RunsTotal     int
	Points, PointsTotal int
}

// SweepReport is what RunSweep did.
type SweepReport struct {
	Points   int  // points of the shard
	Skipped  int  // of them, already in the folder
	Complete bool // every point of the grid is in the folder, and the tables were written
}

// unit is one replication of one point.
type unit struct {
	point, rep int
}

// RunSweep runs the shard's points of g into the sweep folder dir, skipping
// those already there, and writes the tables when the folder then holds
// every point of the grid. dir may be shared by several shards (on a
// shared file system) or be one shard's own, to be merged by MergeSweeps.
// A folder that holds another sweep (sweep.json differs) or other results
// is refused.
func (e Env) RunSweep(g *Grid, dir string, opt SweepOptions) (*SweepReport, error) {
	e, err := e.withAgents(g.Base)
	if err != nil {
		return nil, err
	}
	m := g.Manifest()
	if err := openSweepFolder(dir, m, g.Base); err != nil {
		return nil, err
	}
	points := filepath.Join(dir, SweepPointsDir)
	rep := &SweepReport{}
	var todo []GridPoint
	for _, p := range g.Points {
		if !opt.Shard.Has(p.Index) {
			continue
		}
		rep.Points++
		if _, err := os.Stat(filepath.Join(points, p.ID+".csv")); err == nil {
			rep.Skipped++
			continue
		}
		removeTemps(points, p.ID+".csv")
		todo = append(todo, p)
	}

	var units []unit
	for i := range todo {
		for r := range g.Replications {
			units = append(units, unit{i, r})
		}
	}
	rows := make([][][]results.SweepRow, len(todo))
	left := make([]int, len(todo))
	for i := range todo {
		rows[i] = make([][]results.SweepRow, g.Replications)
		left[i] = g.Replications
	}
	prog := SweepProgress{RunsTotal: len(units), Points: rep.Skipped, PointsTotal: rep.Points}
	if opt.Progress != nil {
		opt.Progress(prog)
	}
	err = e.runUnits(g, todo, units, opt.Workers, func(u unit, rs []results.SweepRow) error {
		rows[u.point][u.rep] = rs
		prog.Runs++
		if left[u.point]--; left[u.point] == 0 {
			p := todo[u.point]
			var all []results.SweepRow
			for _, r := range rows[u.point] {
				all = append(all, r...)
			}
			rows[u.point] = nil
			if err := results.WriteFileAtomic(filepath.Join(points, p.ID+".csv"), func(w io.Writer) error {
				return results.WriteSweepRows(w, g.Keys, all)
			}); err != nil {
				return fmt.Errorf("sweep point %s: %w", p.Label, err)
			}
			prog.Points++
		}
		if opt.Progress != nil {
			opt.Progress(prog)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}

	files := map[string]string{}
	for _, p := range m.Points {
		path := filepath.Join(points, p.ID+".csv")
		if _, err := os.Stat(path); err != nil {
			return rep, nil // other shards' points are still to come
		}
		files[p.ID] = path
	}
	if err := writeTables(dir, m, files, func(name string, fn func(io.Writer) error) error {
		return results.WriteFileAtomic(filepath.Join(dir, name), fn)
	}); err != nil {
		return rep, err
	}
	rep.Complete = true
	return rep, nil
}

// RunPoint runs every replication of point p alone, as RunSweep would
// within the whole grid, and returns its rows: replications in order, and
// the policies in the experiment's order within each.
func (e Env) RunPoint(g *Grid, p GridPoint, workers int) ([]results.SweepRow, error) {
	e, err := e.withAgents(g.Base)
	if err != nil {
		return nil, err
	}
	units := make([]unit, g.Replications)
	for r := range units {
		units[r] = unit{0, r}
	}
	byRep := make([][]results.SweepRow, g.Replications)
	err = e.runUnits(g, []GridPoint{p}, units, workers, func(u unit, rs []results.SweepRow) error {
		byRep[u.rep] = rs
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []results.SweepRow
	for _, rs := range byRep {
		out = append(out, rs...)
	}
	return out, nil
}

// runUnits runs units on a pool of workers (0 means GOMAXPROCS), each on
// its own kernel with its own seed, and hands each unit's rows to done in
// the calling goroutine. After the first error (of a run or of done) no
// new unit starts; the error is returned once the running ones end.
func (e Env) runUnits(g *Grid, points []GridPoint, units []unit, workers int, done func(unit, []results.SweepRow) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type result struct {
		u    unit
		rows []results.SweepRow
		err  error
	}
	jobs := make(chan unit)
	out := make(chan result)
	stop := make(chan struct{})
	go func() {
		defer close(jobs)
		for _, u := range units {
			select {
			case jobs <- u:
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(workers, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				rows, err := e.runReplication(g, points[u.point], u.rep)
				out <- result{u, rows, err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	var first error
	for r := range out {
		if first != nil {
			continue
		}
		err := r.err
		if err == nil {
			err = done(r.u, r.rows)
		}
		if err != nil {
			first = err
			close(stop)
		}
	}
	return first
}

// runReplication runs every policy of replication rep of point p.
func (e Env) runReplication(g *Grid, p GridPoint, rep int) ([]results.SweepRow, error) {
	c := g.Config(p, rep)
	o, err := e.runOne(c, Options{Workers: 1})
	if err != nil {
		if p.Label == "" {
			return nil, fmt.Errorf("replication %d: %w", rep, err)
		}
		return nil, fmt.Errorf("sweep point %s, replication %d: %w", p.Label, rep, err)
	}
	rows := make([]results.SweepRow, len(o.Summary.Policies))
	for i, s := range o.Summary.Policies {
		rows[i] = results.SweepRow{
			Point: p.ID, Values: p.Values, Replication: rep, Seed: c.Seed,
			Policy: s.Policy, Metrics: results.MetricsOf(s),
		}
	}
	return rows, nil
}

// openSweepFolder makes dir a sweep folder of manifest m, or accepts one
// that already is.
func openSweepFolder(dir string, m results.SweepManifest, c *Config) error {
	have, err := readManifest(dir)
	switch {
	case err == nil:
		if !reflect.DeepEqual(have, m) {
			return fmt.Errorf("sweep folder %s holds a sweep of another experiment or grid (its %s differs): choose another -o, or remove it", dir, SweepManifestFile)
		}
	case errors.Is(err, fs.ErrNotExist):
		entries, rerr := os.ReadDir(dir)
		if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return fmt.Errorf("sweep folder: %w", rerr)
		}
		for _, en := range entries {
			if n := en.Name(); n != results.Marker && n != SweepPointsDir && !strings.HasPrefix(n, ".") {
				return fmt.Errorf("sweep folder %s holds other results (%s, but no %s): choose another -o, or remove it", dir, n, SweepManifestFile)
			}
		}
	default:
		return err
	}
	if err := results.OpenLiveFolder(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, SweepPointsDir), 0o755); err != nil {
		return fmt.Errorf("sweep folder: %w", err)
	}
	// The manifest first: a shard starting beside this one then sees a
	// sweep folder, never a config.toml without its sweep.json.
	if err := results.WriteFileAtomic(filepath.Join(dir, SweepManifestFile), func(w io.Writer) error {
		return results.WriteSweepManifest(w, m)
	}); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(dir, SweepConfigFile), c.WriteTOML)
}

// readManifest reads dir's sweep.json.
func readManifest(dir string) (results.SweepManifest, error) {
	f, err := os.Open(filepath.Join(dir, SweepManifestFile))
	if err != nil {
		return results.SweepManifest{}, err
	}
	defer f.Close()
	m, err := results.ReadSweepManifest(f)
	if err != nil {
		return m, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return m, nil
}

// removeTemps removes what a killed process left of an atomic write of
// name in dir (WriteFileAtomic's ".NAME.tmp-*").
func removeTemps(dir, name string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "."+name+".tmp-*"))
	for _, s := range stale {
		os.Remove(s)
	}
}

// writeTables joins the point files (by point id) in the order of m,
// checks each, and writes runs.csv and aggregate.csv through write.
func writeTables(dir string, m results.SweepManifest, files map[string]string, write func(string, func(io.Writer) error) error) error {
	var all []results.SweepRow
	for _, p := range m.Points {
		rows, err := readPoint(files[p.ID], m, p)
		if err != nil {
			return err
		}
		all = append(all, rows...)
	}
	if err := write(SweepRunsFile, func(w io.Writer) error { return results.WriteSweepRows(w, m.Keys, all) }); err != nil {
		return err
	}
	agg := aggregate(m, all)
	return write(SweepAggregateFile, func(w io.Writer) error { return results.WriteSweepAggregates(w, m.Keys, agg) })
}

// readPoint reads one point's file and checks that it holds that point's
// rows: every replication, every policy, in order.
func readPoint(path string, m results.SweepManifest, p results.ManifestPoint) ([]results.SweepRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sweep point: %w", err)
	}
	defer f.Close()
	rows, err := results.ReadSweepRows(f, m.Keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	np := len(m.Policies)
	if len(rows) != m.Replications*np {
		return nil, fmt.Errorf("%s: %d rows, want %d (%d replications × %d policies)", path, len(rows), m.Replications*np, m.Replications, np)
	}
	for k, r := range rows {
		if r.Point != p.ID || !equalStrings(r.Values, p.Values) || r.Replication != k/np || r.Policy != m.Policies[k%np] {
			return nil, fmt.Errorf("%s: line %d is not point %s, replication %d, policy %s", path, k+2, p.ID, k/np, m.Policies[k%np])
		}
	}
	return rows, nil
}

func equalStrings(a, b []string) bool {
	return len(a) == len(b) && strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

// aggregate computes, per point and policy, the mean of each metric over
// the replications and the half-width of its 95% confidence interval.
// rows are in the order readPoint checks.
func aggregate(m results.SweepManifest, rows []results.SweepRow) []results.SweepAggregate {
	np, nr := len(m.Policies), m.Replications
	nm := len(results.SweepMetrics())
	t := math.NaN()
	if nr > 1 {
		t = studentT975(nr - 1)
	}
	var out []results.SweepAggregate
	for pi, p := range m.Points {
		base := pi * nr * np
		for j, policy := range m.Policies {
			a := results.SweepAggregate{Point: p.ID, Values: p.Values, Policy: policy, N: nr,
				Mean: make([]float64, nm), CI95: make([]float64, nm)}
			for k := range nm {
				var sum float64
				for r := range nr {
					sum += rows[base+r*np+j].Metrics[k]
				}
				mean := sum / float64(nr)
				var ss float64
				for r := range nr {
					d := rows[base+r*np+j].Metrics[k] - mean
					ss += d * d
				}
				a.Mean[k] = mean
				a.CI95[k] = t * math.Sqrt(ss/float64(nr-1)/float64(nr))
				if nr == 1 {
					a.CI95[k] = math.NaN()
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// studentT975 is the 0.975 quantile of Student's t with nu degrees of
// freedom, the factor of a two-sided 95% confidence interval. Two-sided,
// P(|T| > t) = I_x(nu/2, 1/2) with x = nu/(nu+t²), the regularised
// incomplete beta function; inverting it gives t.
func studentT975(nu int) float64 {
	n := float64(nu)
	x := mathext.InvRegIncBeta(n/2, 0.5, 0.05)
	return math.Sqrt(n * (1 - x) / x)
}

// MergeReport is what MergeSweeps did.
type MergeReport struct {
	Experiment string
	Points     int
	Rows       int
}

var pointFileRE = regexp.MustCompile(`^[0-9a-f]{16}\.csv$`)

// MergeSweeps joins the sweep folders dirs, the parts of one sweep (shards,
// or runs on several machines), into a new results folder out: config.toml,
// sweep.json, runs.csv and aggregate.csv, equal to what one process running
// the whole grid writes. It refuses parts of different sweeps, a point in
// more than one part and missing points, naming them.
func MergeSweeps(dirs []string, out string) (*MergeReport, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no sweep folders")
	}
	seenDir := map[string]bool{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if seenDir[abs] {
			return nil, fmt.Errorf("merge: %s is given twice", d)
		}
		seenDir[abs] = true
		if within(abs, out) {
			return nil, fmt.Errorf("merge: -o %s would replace the part %s: write the merged tables elsewhere", out, d)
		}
	}
	m, err := readManifest(dirs[0])
	if err != nil {
		return nil, fmt.Errorf("merge: %s is not a sweep folder: %w", dirs[0], err)
	}
	for _, d := range dirs[1:] {
		other, err := readManifest(d)
		if err != nil {
			return nil, fmt.Errorf("merge: %s is not a sweep folder: %w", d, err)
		}
		if !reflect.DeepEqual(m, other) {
			return nil, fmt.Errorf("merge: %s and %s are parts of different sweeps (their %s differ)", dirs[0], d, SweepManifestFile)
		}
	}
	index := map[string]int{}
	for i, p := range m.Points {
		index[p.ID] = i
	}
	files := map[string]string{}
	where := map[string][]string{}
	for _, d := range dirs {
		entries, err := os.ReadDir(filepath.Join(d, SweepPointsDir))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, en := range entries {
			if !pointFileRE.MatchString(en.Name()) {
				continue // a temporary file, or not ours
			}
			id := strings.TrimSuffix(en.Name(), ".csv")
			if _, ok := index[id]; !ok {
				return nil, fmt.Errorf("merge: %s is not a point of this sweep", filepath.Join(d, SweepPointsDir, en.Name()))
			}
			files[id] = filepath.Join(d, SweepPointsDir, en.Name())
			where[id] = append(where[id], d)
		}
	}
	describe := func(i int) string {
		return fmt.Sprintf("#%d %s (id %s)", i, label(m.Keys, m.Points[i].Values), m.Points[i].ID)
	}
	var missing, dups []string
	for i, p := range m.Points {
		switch ds := where[p.ID]; {
		case len(ds) == 0:
			missing = append(missing, describe(i))
		case len(ds) > 1:
			dups = append(dups, describe(i)+" in "+strings.Join(ds, " and "))
		}
	}
	var problems []string
	if len(dups) > 0 {
		problems = append(problems, fmt.Sprintf("%d points are in more than one part: %s", len(dups), listSome(dups)))
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d points are missing (run their shards, or the sweep again into one of the parts): %s", len(missing), len(m.Points), listSome(missing)))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("merge: %s", strings.Join(problems, "; "))
	}

	config, err := os.ReadFile(filepath.Join(dirs[0], SweepConfigFile))
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	f, err := results.CreateFolder(out)
	if err != nil {
		return nil, err
	}
	defer f.Abort()
	if err := f.WriteFile(SweepConfigFile, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(config))
		return err
	}); err != nil {
		return nil, err
	}
	if err := f.WriteFile(SweepManifestFile, func(w io.Writer) error { return results.WriteSweepManifest(w, m) }); err != nil {
		return nil, err
	}
	if err := writeTables(out, m, files, f.WriteFile); err != nil {
		return nil, err
	}
	if err := f.Commit(); err != nil {
		return nil, err
	}
	return &MergeReport{Experiment: m.Experiment, Points: len(m.Points), Rows: len(m.Points) * m.Replications * len(m.Policies)}, nil
}

// listSome lists up to 10 items, and how many more there are.
func listSome(items []string) string {
	const most = 10
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:most], ", ") + fmt.Sprintf(" and %d more", len(items)-most)
}

// within reports whether path is dir or lies inside it.
func within(path, dir string) bool {
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(d, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
