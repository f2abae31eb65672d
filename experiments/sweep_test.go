package experiments

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/results"
)

// tinySweep is a grid of 2 × 2 points × 2 replications of a world small
// enough to run in milliseconds. Its sweep starts on line 6.
const tinySweep = `name = "tiny"
seed = 5
duration = "5s"
policies = ["local", "edge-nearest"]

[sweep]
replications = 2

[[sweep.param]]
key = "phones.count"
values = [2, 3]

[[sweep.param]]
key = "workload[0].rate"
range = {from = 1.0, to = 2.0, step = 1.0}

[phones]
count = 4

[[edge]]
x_m = 500.0
y_m = 500.0

[[workload]]
model = "mobilenet-v2"
rate = 1.0
`

func tinyGrid(t *testing.T, text string) (Env, *Grid) {
	t.Helper()
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("t.toml", []byte(text), env.Known())
	if err != nil {
		t.Fatal(err)
	}
	g, err := env.Grid(c)
	if err != nil {
		t.Fatal(err)
	}
	return env, g
}

// sweepWith replaces tinySweep's sweep (lines 6 to 15) by sweep.
func sweepWith(sweep string) string {
	lines := strings.Split(tinySweep, "\n")
	return strings.Join(lines[:5], "\n") + "\n" + sweep + "\n" + strings.Join(lines[15:], "\n")
}

func TestGridExpands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sweep  string
		keys   []string
		labels []string
		reps   int
	}{{
		name:   "two parameters, the first slowest",
		sweep:  "[sweep]\nreplications = 2\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 3]\n[[sweep.param]]\nkey = \"workload[0].rate\"\nrange = {from = 1.0, to = 2.0, step = 1.0}",
		keys:   []string{"phones.count", "workload[0].rate"},
		labels: []string{"phones.count=2,workload[0].rate=1", "phones.count=2,workload[0].rate=2", "phones.count=3,workload[0].rate=1", "phones.count=3,workload[0].rate=2"},
		reps:   2,
	}, {
		name:   "the one-key form",
		sweep:  "[sweep]\nkey = \"phones.count\"\nvalues = [5, 20]",
		keys:   []string{"phones.count"},
		labels: []string{"phones.count=5", "phones.count=20"},
		reps:   1,
	}, {
		name:   "durations in seconds or with units",
		sweep:  "[sweep]\n[[sweep.param]]\nkey = \"workload[0].deadline\"\nvalues = [\"50ms\", 0.2, 1]",
		keys:   []string{"workload[0].deadline"},
		labels: []string{"workload[0].deadline=0.05", "workload[0].deadline=0.2", "workload[0].deadline=1"},
		reps:   1,
	}, {
		name:   "strings and booleans",
		sweep:  "[sweep]\n[[sweep.param]]\nkey = \"radio.fading\"\nvalues = [\"none\", \"rayleigh\"]\n[[sweep.param]]\nkey = \"radio.shadowing\"\nvalues = [false, true]",
		keys:   []string{"radio.fading", "radio.shadowing"},
		labels: []string{"radio.fading=none,radio.shadowing=false", "radio.fading=none,radio.shadowing=true", "radio.fading=rayleigh,radio.shadowing=false", "radio.fading=rayleigh,radio.shadowing=true"},
		reps:   1,
	}, {
		name:   "a geometric range, and an edge by its index",
		sweep:  "[sweep]\n[[sweep.param]]\nkey = \"edge[0].servers\"\nrange = {from = 1, to = 10, factor = 2}",
		keys:   []string{"edge[0].servers"},
		labels: []string{"edge[0].servers=1", "edge[0].servers=2", "edge[0].servers=4", "edge[0].servers=8"},
		reps:   1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, g := tinyGrid(t, sweepWith(tc.sweep))
			var labels []string
			for i, p := range g.Points {
				labels = append(labels, p.Label)
				if p.Index != i || len(p.ID) != 16 {
					t.Errorf("point %d: index %d, id %q", i, p.Index, p.ID)
				}
			}
			if !slices.Equal(g.Keys, tc.keys) || !slices.Equal(labels, tc.labels) || g.Replications != tc.reps {
				t.Errorf("keys %q, points %q, %d replications; want %q, %q, %d", g.Keys, labels, g.Replications, tc.keys, tc.labels, tc.reps)
			}
		})
	}
}

// TestGridSetsValues: each point's config holds its values and nothing
// else changes; the base config is untouched.
func TestGridSetsValues(t *testing.T) {
	_, g := tinyGrid(t, sweepWith("[sweep]\n[[sweep.param]]\nkey = \"edge[0].x_m\"\nvalues = [100, 900]\n[[sweep.param]]\nkey = \"workload[0].deadline\"\nvalues = [\"50ms\"]"))
	c := g.Config(g.Points[1], 0)
	if c.Edges[0].X != 900 || c.Workloads[0].Deadline.Seconds() != 0.05 || c.Sweep != nil {
		t.Errorf("point 1: edge x %v, deadline %v, sweep %v", c.Edges[0].X, c.Workloads[0].Deadline, c.Sweep)
	}
	if g.Base.Edges[0].X != 500 || g.Base.Workloads[0].Deadline.Seconds() != 0.1 {
		t.Errorf("the base config changed: edge x %v, deadline %v", g.Base.Edges[0].X, g.Base.Workloads[0].Deadline)
	}
}

func TestSweepRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, sweep, want string
	}{
		{"unknown key in a param", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvals = [1]",
			`t.toml:9: sweep.param[0].vals: unknown key; known keys in [[sweep.param]]: key, values, range`},
		{"no such config key", "[sweep]\n[[sweep.param]]\nkey = \"phones.cuont\"\nvalues = [1]",
			`t.toml:8: sweep.param[0].key: no key "phones.cuont"`},
		{"index out of range", "[sweep]\n[[sweep.param]]\nkey = \"edge[3].x_m\"\nvalues = [1]",
			`t.toml:8: sweep.param[0].key: "edge[3]": index 3, but the file has 1`},
		{"a list of tables without index", "[sweep]\n[[sweep.param]]\nkey = \"edge.x_m\"\nvalues = [1]",
			`name one by its index, such as edge[0]`},
		{"not a single value", "[sweep]\n[[sweep.param]]\nkey = \"policies\"\nvalues = [1]",
			`"policies" is not a single number, duration, string or boolean`},
		{"the seed", "[sweep]\n[[sweep.param]]\nkey = \"seed\"\nvalues = [1, 2]",
			`t.toml:8: sweep.param[0].key: seed cannot be swept: seeds are derived per point and replication: set replications instead`},
		{"a fraction for a count", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 2.5]",
			`t.toml:9: sweep.param[0].values[1]: phones.count takes whole numbers, got 2.5`},
		{"a string for a number", "[sweep]\n[[sweep.param]]\nkey = \"workload[0].rate\"\nvalues = [\"fast\"]",
			`sweep.param[0].values[0]: workload[0].rate takes numbers, got string "fast"`},
		{"a value out of range", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2,\n 0]",
			`t.toml:10: sweep.param[0].values[1]: phones.count = 0: phones.count: must be between 1 and 1000000, got 0`},
		{"a value twice", "[sweep]\n[[sweep.param]]\nkey = \"workload[0].rate\"\nvalues = [2, 2.0]",
			`sweep.param[0].values[1]: workload[0].rate = 2 is listed twice (also value 0)`},
		{"a key twice", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [3]",
			`t.toml:11: sweep.param[1].key: phones.count is swept twice (also sweep.param[0])`},
		{"values and a range", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2]\nrange = {from = 1, to = 2, step = 1}",
			`t.toml:10: sweep.param[0].range: give either values or a range, not both`},
		{"step and factor", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nrange = {from = 1, to = 2, step = 1, factor = 2}",
			`sweep.param[0].range: give one of step (arithmetic) and factor (geometric)`},
		{"a range downwards", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nrange = {from = 3, to = 2, step = 1}",
			`sweep.param[0].range: to (2) must not be below from (3)`},
		{"a range of strings", "[sweep]\n[[sweep.param]]\nkey = \"radio.fading\"\nrange = {from = 1, to = 2, step = 1}",
			`radio.fading is not a number: list its values instead`},
		{"no values", "[sweep]\n[[sweep.param]]\nkey = \"phones.count\"",
			`sweep.param[0].values: list at least one value for phones.count (or give a range)`},
		{"both forms", "[sweep]\nkey = \"phones.count\"\nvalues = [2]\n[[sweep.param]]\nkey = \"workload[0].rate\"\nvalues = [1]",
			`t.toml:7: sweep.key: give either key and values or [[sweep.param]] tables, not both`},
		{"no replications", "[sweep]\nreplications = 0\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2]",
			`t.toml:7: sweep.replications: must be between 1 and 10000, got 0`},
		{"an empty sweep", "[sweep]\nreplications = 2",
			`t.toml:6: sweep: name a key to vary`},
		{"the optional tables", "[sweep]\n[[sweep.param]]\nkey = \"train.steps\"\nvalues = [1]",
			`a sweep varies the simulated world, not the optional [train] table`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := DefaultEnv()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse("t.toml", []byte(sweepWith(tc.sweep)), env.Known())
			if err == nil || !IsInputError(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant an input error containing %s", err, tc.want)
			}
		})
	}
}

// TestGridRefusesBadCombinations: values valid one by one but not
// together are refused by Grid, naming the point.
func TestGridRefusesBadCombinations(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	text := sweepWith("[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 8]\n[[sweep.param]]\nkey = \"d2d.clusters\"\nvalues = [1, 4]")
	text = strings.Replace(text, "[phones]\ncount = 4", "[phones]\ncount = 4\n[d2d]\nenabled = true", 1)
	c, err := Parse("t.toml", []byte(text), env.Known())
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Grid(c)
	want := "sweep: point phones.count=2,d2d.clusters=4: d2d.clusters: must be between 0 and phones.count (2), got 4"
	if err == nil || !IsInputError(err) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestRangeExpand(t *testing.T) {
	for _, tc := range []struct {
		r    SweepRange
		want []float64
		err  string
	}{
		{SweepRange{From: 0.1, To: 0.5, Step: 0.1}, []float64{0.1, 0.2, 0.3, 0.4, 0.5}, ""},
		{SweepRange{From: 0, To: 1, Step: 0.3}, []float64{0, 0.3, 0.6, 0.9}, ""},
		{SweepRange{From: 2, To: 2, Step: 1}, []float64{2}, ""},
		{SweepRange{From: 1e-3, To: 1, Factor: 10}, []float64{1e-3, 1e-2, 0.1, 1}, ""},
		{SweepRange{From: 1, To: 2, Step: -1}, nil, "step must be > 0"},
		{SweepRange{From: 0, To: 2, Factor: 2}, nil, "factor > 1 and from > 0"},
		{SweepRange{From: 0, To: 1e9, Step: 1}, nil, "more than the 10000"},
		{SweepRange{From: 0, To: math.Inf(1), Step: 1}, nil, "finite"},
	} {
		got, err := tc.r.expand()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: got %v, %v; want error %q", tc.r, got, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, %v; want %v", tc.r, got, err, tc.want)
		}
	}
}

// TestSeedsFollowValues: a point's seeds depend on its values and the
// replication, not on its place in the grid.
func TestSeedsFollowValues(t *testing.T) {
	_, small := tinyGrid(t, sweepWith("[sweep]\nreplications = 2\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 3]"))
	_, big := tinyGrid(t, sweepWith("[sweep]\nreplications = 2\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [1, 3, 2, 5]"))
	p, err := big.Find("phones.count=3")
	if err != nil {
		t.Fatal(err)
	}
	if p.Index != 1 || small.Points[1].Index != 1 || small.Points[1].ID != p.ID {
		t.Fatalf("phones.count=3 is point %d (id %s) and %d (id %s)", small.Points[1].Index, small.Points[1].ID, p.Index, p.ID)
	}
	q, _ := big.Find("phones.count=2")
	if small.Seed(small.Points[1], 1) != big.Seed(p, 1) || small.Seed(small.Points[0], 0) != big.Seed(q, 0) {
		t.Error("a point's seeds changed with the grid around it")
	}
	seeds := map[uint64]bool{}
	for _, pt := range big.Points {
		for r := range 2 {
			seeds[big.Seed(pt, r)] = true
		}
	}
	if len(seeds) != 8 {
		t.Errorf("%d distinct seeds for 4 points × 2 replications", len(seeds))
	}
}

func TestFindPoint(t *testing.T) {
	_, g := tinyGrid(t, sweepWith("[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 3]\n[[sweep.param]]\nkey = \"workload[0].deadline\"\nvalues = [\"50ms\", \"1s\"]"))
	want := g.Points[3] // phones.count=3, deadline 1 s
	for _, spec := range []string{want.ID, want.Label, "workload[0].deadline=1s,phones.count=3", "phones.count=3.0, workload[0].deadline=1"} {
		p, err := g.Find(spec)
		if err != nil || p.ID != want.ID {
			t.Errorf("Find(%q) = %s, %v; want %s", spec, p.Label, err, want.Label)
		}
	}
	for _, spec := range []string{"phones.count=4,workload[0].deadline=1", "phones.count=3", "colour=red", "0123"} {
		if _, err := g.Find(spec); err == nil {
			t.Errorf("Find(%q): no error", spec)
		}
	}
}

// TestStudentT pins the 97.5% quantiles of Student's t against the
// tables (Abramowitz and Stegun, Table 26.10).
func TestStudentT(t *testing.T) {
	for _, tc := range []struct {
		nu   int
		want float64
	}{{1, 12.706}, {2, 4.303}, {4, 2.776}, {9, 2.262}, {29, 2.045}, {120, 1.980}} {
		if got := studentT975(tc.nu); math.Abs(got-tc.want) > 5e-4 {
			t.Errorf("t(0.975, %d) = %.4f, want %.3f", tc.nu, got, tc.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	nm := len(results.SweepMetrics())
	m := results.SweepManifest{Keys: []string{"k"}, Replications: 3, Policies: []string{"a", "b"},
		Points: []results.ManifestPoint{{ID: "p", Values: []string{"1"}}}}
	var rows []results.SweepRow
	for r, x := range []float64{1, 2, 6} {
		for j, policy := range m.Policies {
			ms := make([]float64, nm)
			ms[0] = x * float64(j+1)
			rows = append(rows, results.SweepRow{Point: "p", Values: []string{"1"}, Replication: r, Policy: policy, Metrics: ms})
		}
	}
	agg := aggregate(m, rows)
	if len(agg) != 2 || agg[0].Policy != "a" || agg[1].Policy != "b" || agg[0].N != 3 {
		t.Fatalf("got %+v", agg)
	}
	// Policy a: 1, 2, 6: mean 3, sample sd √7, CI t(0.975, 2)·√7/√3.
	if want := 4.302652729911275 * math.Sqrt(7.0/3); agg[0].Mean[0] != 3 || math.Abs(agg[0].CI95[0]-want) > 1e-9 {
		t.Errorf("policy a: mean %v, CI %v; want 3, %v", agg[0].Mean[0], agg[0].CI95[0], want)
	}
	if agg[1].Mean[0] != 6 || agg[1].Mean[1] != 0 || agg[1].CI95[1] != 0 {
		t.Errorf("policy b: mean %v, %v, CI %v", agg[1].Mean[0], agg[1].Mean[1], agg[1].CI95[1])
	}
	m.Replications = 1
	if one := aggregate(m, rows[:2]); !math.IsNaN(one[0].CI95[0]) {
		t.Errorf("one replication: CI %v, want NaN (an empty cell)", one[0].CI95[0])
	}
}

func TestShardFrom(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flag  string
		count int
		env   map[string]string
		want  Shard
		from  string
		err   string
	}{
		{name: "none", want: Shard{}},
		{name: "flag", flag: "2/5", want: Shard{2, 5}, from: "--shard"},
		{name: "flag beats the environment", flag: "1/2", env: map[string]string{EnvSlurmID: "0", EnvSlurmCount: "4"}, want: Shard{1, 2}, from: "--shard"},
		{name: "flag and count disagree", flag: "1/2", count: 3, err: "disagree"},
		{name: "bad flag", flag: "2/2", err: "want 0 <= i < n"},
		{name: "not i/n", flag: "2", err: "want i/n"},
		{name: "slurm", env: map[string]string{EnvSlurmID: "3", EnvSlurmCount: "4"}, want: Shard{3, 4}, from: EnvSlurmID},
		{name: "slurm ids are indices", env: map[string]string{EnvSlurmID: "4", EnvSlurmCount: "4"}, err: "want 0 <= i < n"},
		{name: "slurm task resubmitted alone", count: 8, env: map[string]string{EnvSlurmID: "5", EnvSlurmCount: "1"}, want: Shard{5, 8}, from: EnvSlurmID},
		{name: "slurm with --shards", count: 8, env: map[string]string{EnvSlurmID: "5", EnvSlurmCount: "4"}, want: Shard{5, 8}, from: EnvSlurmID},
		{name: "slurm without a count", env: map[string]string{EnvSlurmID: "1"}, err: "neither --shards nor SLURM_ARRAY_TASK_COUNT"},
		{name: "kubernetes", count: 3, env: map[string]string{EnvK8sIndex: "2"}, want: Shard{2, 3}, from: EnvK8sIndex},
		{name: "kubernetes beats slurm", count: 3, env: map[string]string{EnvK8sIndex: "0", EnvSlurmID: "2", EnvSlurmCount: "3"}, want: Shard{0, 3}, from: EnvK8sIndex},
		{name: "kubernetes without a count", env: map[string]string{EnvK8sIndex: "2"}, err: "pass --shards N"},
		{name: "kubernetes out of range", count: 2, env: map[string]string{EnvK8sIndex: "2"}, err: "want 0 <= i < n"},
		{name: "count without an index", count: 2, err: "without a shard index"},
		{name: "garbage", env: map[string]string{EnvSlurmID: "x"}, err: "not an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, from, err := ShardFrom(tc.flag, tc.count, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, %v; want error %q", s, err, tc.err)
				}
				return
			}
			if err != nil || s != tc.want || from != tc.from {
				t.Errorf("got %v from %q, %v; want %v from %q", s, from, err, tc.want, tc.from)
			}
		})
	}
}

func readTables(t *testing.T, dir string) [2][]byte {
	t.Helper()
	var out [2][]byte
	for i, name := range []string{SweepRunsFile, SweepAggregateFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// TestSweepShardsResumeAndWorkers: the tables of a sweep are the same run
// on one worker or several, as shards merged, and killed in the middle
// and resumed; and they have the rows they should.
func TestSweepShardsResumeAndWorkers(t *testing.T) {
	env, g := tinyGrid(t, tinySweep)
	tmp := t.TempDir()
	whole := filepath.Join(tmp, "whole")
	rep, err := env.RunSweep(g, whole, SweepOptions{Workers: 1})
	if err != nil || !rep.Complete || rep.Points != 4 || rep.Skipped != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	want := readTables(t, whole)
	lines := strings.Split(strings.TrimSpace(string(want[0])), "\n")
	if len(lines) != 1+4*2*2 || !strings.HasPrefix(lines[0], "point,phones.count,workload[0].rate,replication,seed,policy,tasks_completed,") {
		t.Fatalf("runs.csv: %d lines, header %s", len(lines), lines[0])
	}
	if agg := strings.Split(strings.TrimSpace(string(want[1])), "\n"); len(agg) != 1+4*2 {
		t.Errorf("aggregate.csv: %d lines, want a header and 8 rows", len(agg))
	}

	t.Run("workers", func(t *testing.T) {
		dir := filepath.Join(tmp, "workers")
		prev := runtime.GOMAXPROCS(4)
		defer runtime.GOMAXPROCS(prev)
		if _, err := env.RunSweep(g, dir, SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := readTables(t, dir); !reflect.DeepEqual(got, want) {
			t.Error("the tables differ with 4 workers")
		}
	})

	t.Run("shards", func(t *testing.T) {
		var parts []string
		for i := range 3 {
			dir := filepath.Join(tmp, "part", string(rune('a'+i)))
			rep, err := env.RunSweep(g, dir, SweepOptions{Shard: Shard{i, 3}})
			if err != nil || rep.Complete || rep.Points != []int{2, 1, 1}[i] {
				t.Fatalf("shard %d: %+v, %v", i, rep, err)
			}
			parts = append(parts, dir)
		}
		merged := filepath.Join(tmp, "merged")
		if _, err := MergeSweeps(parts, merged); err != nil {
			t.Fatal(err)
		}
		if got := readTables(t, merged); !reflect.DeepEqual(got, want) {
			t.Error("the merged tables differ from one process's")
		}
		// Missing parts and duplicates are named.
		_, err := MergeSweeps(parts[:2], filepath.Join(tmp, "m2"))
		if err == nil || !strings.Contains(err.Error(), "1 of 4 points are missing") || !strings.Contains(err.Error(), "#2 phones.count=3,workload[0].rate=1 (id "+g.Points[2].ID+")") {
			t.Errorf("missing part: %v", err)
		}
		dup := filepath.Join(parts[1], SweepPointsDir, g.Points[0].ID+".csv")
		copyFile(t, filepath.Join(parts[0], SweepPointsDir, g.Points[0].ID+".csv"), dup)
		_, err = MergeSweeps(parts, filepath.Join(tmp, "m3"))
		if err == nil || !strings.Contains(err.Error(), "1 points are in more than one part: #0 phones.count=2,workload[0].rate=1") {
			t.Errorf("duplicate point: %v", err)
		}
		os.Remove(dup)
		if _, err := MergeSweeps(parts, parts[0]); err == nil || !strings.Contains(err.Error(), "would replace the part") {
			t.Errorf("merging into a part: %v", err)
		}
		if _, err := MergeSweeps([]string{parts[0], parts[0]}, filepath.Join(tmp, "m4")); err == nil || !strings.Contains(err.Error(), "given twice") {
			t.Errorf("a part twice: %v", err)
		}
		_, other := tinyGrid(t, strings.Replace(tinySweep, "seed = 5", "seed = 6", 1))
		odir := filepath.Join(tmp, "other")
		if _, err := env.RunSweep(other, odir, SweepOptions{Shard: Shard{2, 3}}); err != nil {
			t.Fatal(err)
		}
		if _, err := MergeSweeps([]string{parts[0], parts[1], odir}, filepath.Join(tmp, "m5")); err == nil || !strings.Contains(err.Error(), "parts of different sweeps") {
			t.Errorf("parts of different sweeps: %v", err)
		}
	})

	t.Run("shards sharing a folder", func(t *testing.T) {
		dir := filepath.Join(tmp, "shared")
		reps := make(chan *SweepReport, 3)
		errs := make(chan error, 3)
		for i := range 3 {
			go func() {
				rep, err := env.RunSweep(g, dir, SweepOptions{Shard: Shard{i, 3}, Workers: 1})
				reps <- rep
				errs <- err
			}()
		}
		complete := 0
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			if (<-reps).Complete {
				complete++
			}
		}
		if complete == 0 {
			t.Fatal("no shard wrote the tables")
		}
		if got := readTables(t, dir); !reflect.DeepEqual(got, want) {
			t.Error("the tables of shards sharing a folder differ")
		}
	})

	t.Run("resume", func(t *testing.T) {
		dir := filepath.Join(tmp, "resumed")
		if _, err := env.RunSweep(g, dir, SweepOptions{Shard: Shard{0, 2}}); err != nil {
			t.Fatal(err)
		}
		// What a kill leaves: a temporary file half written.
		stale := filepath.Join(dir, SweepPointsDir, "."+g.Points[1].ID+".csv.tmp-123")
		if err := os.WriteFile(stale, []byte("point,phones"), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := env.RunSweep(g, dir, SweepOptions{})
		if err != nil || !rep.Complete || rep.Skipped != 2 {
			t.Fatalf("resumed: %+v, %v", rep, err)
		}
		if got := readTables(t, dir); !reflect.DeepEqual(got, want) {
			t.Error("the resumed sweep's tables differ")
		}
		if _, err := os.Stat(stale); err == nil {
			t.Error("the stale temporary file is still there")
		}
		// Another experiment into the same folder is refused.
		_, other := tinyGrid(t, strings.Replace(tinySweep, "seed = 5", "seed = 6", 1))
		if _, err := env.RunSweep(other, dir, SweepOptions{}); err == nil || !strings.Contains(err.Error(), "holds a sweep of another experiment") {
			t.Errorf("another sweep into the folder: %v", err)
		}
	})

	t.Run("point alone", func(t *testing.T) {
		p := g.Points[2]
		rows, err := env.RunPoint(g, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := results.WriteSweepRows(&b, g.Keys, rows); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSpace(b.String()), "\n")
		if !slices.Equal(got[1:], lines[1+2*4:1+3*4]) {
			t.Errorf("point %s alone:\n%s\nwithin the sweep:\n%s", p.Label, strings.Join(got[1:], "\n"), strings.Join(lines[9:13], "\n"))
		}
	})
}

// TestSweepRefusesOtherResults: a sweep does not write into a folder of
// other results.
func TestSweepRefusesOtherResults(t *testing.T) {
	env, g := tinyGrid(t, tinySweep)
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{results.Marker, "tasks.csv"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.RunSweep(g, dir, SweepOptions{}); err == nil || !strings.Contains(err.Error(), "holds other results") {
		t.Errorf("got %v", err)
	}
}

// TestRunRefusesGrids: "mecsim run" runs the one-key form only, and says
// where a grid runs.
func TestRunRefusesGrids(t *testing.T) {
	env, g := tinyGrid(t, tinySweep)
	_, err := env.Run(g.Base, Options{})
	if err == nil || !IsInputError(err) || !strings.Contains(err.Error(), `runs with "mecsim sweep"`) {
		t.Errorf("got %v", err)
	}
	_, one := tinyGrid(t, sweepWith("[sweep]\n[[sweep.param]]\nkey = \"phones.count\"\nvalues = [2, 3]"))
	o, err := env.Run(one.Base, Options{})
	if err != nil || len(o.Summary.Sweep) != 2 || o.Summary.Sweep[1].Value != 3 || o.Summary.SweepKey != "phones.count" {
		t.Errorf("one [[sweep.param]] under run: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
