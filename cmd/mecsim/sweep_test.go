package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mecsim/mecsim/experiments"
)

// sweepText is a grid of 2 × 4 points × 2 replications of a small world:
// about a second of work, long enough to be killed in the middle.
const sweepText = `name = "grid"
seed = 9
duration = "20s"
policies = ["local", "greedy-latency"]

[sweep]
replications = 2

[[sweep.param]]
key = "phones.count"
values = [6, 12]

[[sweep.param]]
key = "workload[0].rate"
range = {from = 1.0, to = 4.0, step = 1.0}

[phones]
processor = "pixel1-cpu"

[[edge]]
x_m = 500.0
y_m = 500.0
coverage_m = 600.0

[[workload]]
model = "mobilenet-v2"
rate = 1.0
`

// child starts this test binary as "mecsim args...", with extra
// environment variables.
func child(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "MECSIM_TEST_MAIN="+strings.Join(args, "\x1f")), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func sweep(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runMain(t, append([]string{"sweep"}, args...)...)
	if code != exitOK {
		t.Fatalf("mecsim sweep %v: exit %d\n%s", args, code, stderr)
	}
	return stdout
}

func sameTables(t *testing.T, want, got string) {
	t.Helper()
	for _, f := range []string{experiments.SweepRunsFile, experiments.SweepAggregateFile} {
		sameFile(t, filepath.Join(want, f), filepath.Join(got, f))
	}
}

// noShardEnv clears the variables a batch system sets, so that the test
// does not depend on where it runs.
func noShardEnv(t *testing.T) {
	for _, k := range []string{experiments.EnvK8sIndex, experiments.EnvSlurmID, experiments.EnvSlurmCount} {
		t.Setenv(k, "")
	}
}

// TestSweepShardsInProcessesMerge runs a sweep as three shards in three
// processes, taking their index from --shard, from Slurm's variables and
// from Kubernetes', and checks that the merged tables equal one process's
// byte for byte.
func TestSweepShardsInProcessesMerge(t *testing.T) {
	noShardEnv(t)
	file := writeFile(t, sweepText)
	tmp := t.TempDir()
	single := filepath.Join(tmp, "single")
	out := sweep(t, file, "-o", single)
	if !strings.Contains(out, "8 points × 2 replications × 2 policies") {
		t.Errorf("output: %s", out)
	}

	parts := []string{filepath.Join(tmp, "p0"), filepath.Join(tmp, "p1"), filepath.Join(tmp, "p2")}
	cmds := []*exec.Cmd{
		child(t, nil, "sweep", file, "--shard", "0/3", "-o", parts[0]),
		child(t, []string{"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=3"}, "sweep", file, "-o", parts[1]),
		child(t, []string{"JOB_COMPLETION_INDEX=2"}, "sweep", file, "--shards", "3", "-o", parts[2]),
	}
	for i, cmd := range cmds {
		err := cmd.Wait()
		log := cmd.Stdout.(*bytes.Buffer).String()
		if err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, log)
		}
		if want := []string{"shard 0/3: 3 of 8 points", "shard 1/3 (from SLURM_ARRAY_TASK_ID)", "shard 2/3 (from JOB_COMPLETION_INDEX)"}[i]; !strings.Contains(log, want) {
			t.Errorf("shard %d does not say %q:\n%s", i, want, log)
		}
	}
	merged := filepath.Join(tmp, "merged")
	code, stdout, stderr := runMain(t, append([]string{"merge", "-o", merged}, parts...)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "8 points from 3 parts, 32 rows") {
		t.Errorf("merge output: %s", stdout)
	}
	sameTables(t, single, merged)

	// Without one part, the merge fails and names the missing points.
	code, _, stderr = runMain(t, "merge", "-o", filepath.Join(tmp, "m2"), parts[0], parts[2])
	if code != exitFailure || !strings.Contains(stderr, "3 of 8 points are missing") || !strings.Contains(stderr, "#1 phones.count=6,workload[0].rate=2") {
		t.Errorf("merge without a part: exit %d, %s", code, stderr)
	}
}

// TestSweepKilledAndResumed kills a sweep (SIGKILL) once some points are
// written, starts it again with the same folder, and checks that it
// skips those points and ends with the tables of an uninterrupted sweep.
func TestSweepKilledAndResumed(t *testing.T) {
	noShardEnv(t)
	file := writeFile(t, sweepText)
	tmp := t.TempDir()
	whole := filepath.Join(tmp, "whole")
	sweep(t, file, "-o", whole)

	killed := filepath.Join(tmp, "killed")
	cmd := child(t, []string{"GOMAXPROCS=1"}, "sweep", file, "-o", killed)
	deadline := time.Now().Add(60 * time.Second)
	for {
		done, _ := filepath.Glob(filepath.Join(killed, "points", "*.csv"))
		if len(done) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no point written within a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, experiments.SweepRunsFile)); err == nil {
		t.Skip("the sweep finished before it could be killed")
	}
	done, _ := filepath.Glob(filepath.Join(killed, "points", "*.csv"))
	out := sweep(t, file, "-o", killed)
	if n := len(done); !strings.Contains(out, "8 points ("+strconv.Itoa(n)+" already done)") {
		t.Errorf("the resumed sweep does not report the %d points done before the kill: %s", n, out)
	}
	sameTables(t, whole, killed)
}

// TestSweepPointReproducesItsRows: --point runs one point alone and
// prints the same rows as the whole sweep wrote for it.
func TestSweepPointReproducesItsRows(t *testing.T) {
	noShardEnv(t)
	text := strings.Replace(sweepText, "values = [6, 12]", "values = [6]", 1)
	file := writeFile(t, text)
	dir := filepath.Join(t.TempDir(), "s")
	sweep(t, file, "-o", dir)
	raw, err := os.ReadFile(filepath.Join(dir, experiments.SweepRunsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	const rows = 2 * 2                 // per point: 2 replications × 2 policies
	want := lines[1+2*rows : 1+3*rows] // point #2: phones.count=6, rate 3
	id, _, _ := strings.Cut(want[0], ",")
	for _, spec := range []string{"workload[0].rate=3,phones.count=6", id} {
		got := strings.Split(strings.TrimSpace(sweep(t, file, "--point", spec)), "\n")
		if got[0] != lines[0] || strings.Join(got[1:], "\n") != strings.Join(want, "\n") {
			t.Errorf("--point %s:\n%s\nwant\n%s", spec, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestSweepBadUse(t *testing.T) {
	noShardEnv(t)
	file := writeFile(t, strings.Replace(sweepText, "values = [6, 12]", "values = [6]", 1))
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", file, "--point", "phones.count=6,workload[0].rate=1", "-o", dir}, "--point prints one point's rows"},
		{[]string{"sweep", file, "--point", "phones.count=7,workload[0].rate=1"}, "no point"},
		{[]string{"sweep", file, "--shard", "3/3"}, "want 0 <= i < n"},
		{[]string{"sweep", file, "--shards", "2"}, "without a shard index"},
		{[]string{"sweep", writeFile(t, strings.Replace(sweepText, "key = \"phones.count\"", "key = \"phones.cuont\"", 1))}, "sweep.param[0].key: no key \"phones.cuont\""},
		{[]string{"merge", dir}, "want -o OUT"},
	} {
		code, _, stderr := runMain(t, tc.args...)
		if code != exitBadUse || !strings.Contains(stderr, tc.want) {
			t.Errorf("mecsim %v: exit %d, %s; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestSweepProgress: off a terminal, one line per tenth of the runs with
// the rate and the time left; on a terminal, a progress bar.
func TestSweepProgress(t *testing.T) {
	var b bytes.Buffer
	p := newSweepProgress(&b, false, time.Now().Add(-10*time.Second))
	for i := range 41 {
		p.update(experiments.SweepProgress{Runs: i, RunsTotal: 40, Points: i / 4, PointsTotal: 10})
	}
	p.done()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[9], "sweep: 100%  40/40 runs, points 10/10, ") || !strings.Contains(lines[0], "runs/s") || !strings.Contains(lines[0], "left") {
		t.Errorf("got %d lines:\n%s", len(lines), b.String())
	}

	b.Reset()
	p = newSweepProgress(&b, true, time.Now())
	for i := range 41 {
		p.update(experiments.SweepProgress{Runs: i, RunsTotal: 40, Points: i / 4, PointsTotal: 10})
	}
	p.done()
	if out := b.String(); !strings.Contains(out, "points 10/10") || !strings.Contains(out, "40/40") || !strings.Contains(out, "100%") {
		t.Errorf("the bar shows %q", out)
	}
}
