package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tinyReference is a reference-environment experiment small enough to
// train in seconds: one edge server, a tiny network, a short run.
const tinyReference = `
name = "tiny"
seed = 3
environment = "reference"
policies = ["sac", "greedy-w", "cloud", "random"]

[reference]
edges = 1
cloud_ghz = [4, 4]
edge_ghz = [2, 2]
columns = 2
slots = 20

[train]
steps = 600
checkpoint_every = 100
eval_episodes = 2
preferences = [0, 0.5, 1]

[train.sac]
encoder = 8
trunk = 8
blocks = 0
batch = 16
warmup = 100
`

// tinySelected is tinyReference choosing its agent by validation.
var tinySelected = strings.Replace(tinyReference, "preferences = [0, 0.5, 1]\n",
	"preferences = [0, 0.5, 1]\nselect = \"validation\"\nvalidation_episodes = 1\n", 1)

func writeTiny(t *testing.T) string {
	t.Helper()
	return writeFile(t, tinyReference)
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func train(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := mainWithArgs(append([]string{"train"}, args...), &stdout, &stderr); code != exitOK {
		t.Fatalf("mecsim train %v: exit %d\n%s", args, code, stderr.String())
	}
	return stdout.String()
}

// TestMain lets a test run this binary as mecsim itself (to kill it).
func TestMain(m *testing.M) {
	if args := os.Getenv("MECSIM_TEST_MAIN"); args != "" {
		os.Exit(mainWithArgs(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestTrainWritesEverything: a training folder holds the checkpoint, the
// curve, the evaluation, the summary and the figures, and the same file
// and seed give the same checkpoint (weights, optimiser, buffer) byte for
// byte.
func TestTrainWritesEverything(t *testing.T) {
	file := writeTiny(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	out := train(t, file, "-o", a)
	if !strings.Contains(out, "greedy-w") || !strings.Contains(out, "E = 1 edge servers") {
		t.Errorf("output lacks the evaluation table:\n%s", out)
	}
	for _, name := range []string{"checkpoint", "config.toml", "curve.csv", "eval.csv", "summary.json", "timing.json",
		"figures/learning_curve.png", "figures/learning_curve.svg", "figures/pareto_e1.png", "figures/pareto_e1.svg"} {
		if _, err := os.Stat(filepath.Join(a, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	train(t, file, "-o", b)
	for _, name := range []string{"checkpoint", "curve.csv", "eval.csv", "summary.json"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) || len(x) == 0 {
			t.Errorf("%s differs between two runs of one file and seed", name)
		}
	}
	// A second train into a folder with a run refuses; a policy by path
	// on the reference environment's agent is refused clearly elsewhere.
	var stdout, stderr bytes.Buffer
	if code := mainWithArgs([]string{"train", file, "-o", a}, &stdout, &stderr); code == exitOK || !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("training into a folder that holds a run: exit %d, %s", code, stderr.String())
	}
}

// TestTrainSelectsByValidation: under select = "validation" every
// checkpoint is scored, the best is kept and evaluated, and the summary
// names it.
func TestTrainSelectsByValidation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sel")
	out := train(t, writeFile(t, tinySelected), "-o", dir)
	if !strings.Contains(out, "best on validation") {
		t.Errorf("output does not name the chosen checkpoint:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "validation.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 1+6 || lines[0] != "step,score,hv_e1" {
		t.Fatalf("validation.csv: want a header and 6 checkpoints (every 100 of 600 steps), got\n%s", raw)
	}
	bestStep, bestScore := "", math.Inf(-1)
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		x, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		if x > bestScore {
			bestStep, bestScore = f[0], x
		}
	}
	var sum struct {
		Selected struct {
			Step  int     `json:"step"`
			Score float64 `json:"validation_score"`
		} `json:"selected"`
	}
	raw, _ = os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if strconv.Itoa(sum.Selected.Step) != bestStep || sum.Selected.Score != bestScore {
		t.Errorf("summary selects step %d (%v); validation.csv's best is step %s (%v)", sum.Selected.Step, sum.Selected.Score, bestStep, bestScore)
	}
	if _, err := os.Stat(filepath.Join(dir, "best")); err != nil {
		t.Errorf("no best agent: %v", err)
	}
}

// TestTrainKilledAndResumed kills a training process after its first
// checkpoints, resumes it, and checks that the result equals an
// uninterrupted run's, byte for byte; with selection by validation too.
func TestTrainKilledAndResumed(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		files      []string
	}{
		{"last", tinyReference, nil},
		{"validation", tinySelected, []string{"best", "validation.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) { killAndResume(t, writeFile(t, tc.text), tc.files) })
	}
}

func killAndResume(t *testing.T, file string, extra []string) {
	whole := filepath.Join(t.TempDir(), "whole")
	train(t, file, "-o", whole)

	killed := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MECSIM_TEST_MAIN="+strings.Join([]string{"train", file, "-o", killed}, "\x1f"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for a checkpoint, then kill without warning.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(killed, "checkpoint")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "summary.json")); err == nil {
		t.Skip("the run finished before it could be killed")
	}
	train(t, file, "--resume", killed)
	for _, name := range append([]string{"checkpoint", "curve.csv", "eval.csv", "summary.json"}, extra...) {
		x, _ := os.ReadFile(filepath.Join(whole, name))
		y, _ := os.ReadFile(filepath.Join(killed, name))
		if !bytes.Equal(x, y) || len(x) == 0 {
			t.Errorf("%s: the resumed run differs from the uninterrupted one", name)
		}
	}
}

// tinyAgents is a slotted world of three phones trained as multi-agent
// DDPG, twice, choosing by the validation outcome.
const tinyAgents = `
name = "agents"
seed = 5
duration = "6s"
policies = ["local", "cloud"]
decision_interval = "200ms"

[phones]
count = 3
processor = "sd8gen3-cpu"

[[edge]]
x_m = 500.0
y_m = 500.0

[[workload]]
kind       = "dag"
rate       = 0.5
deadline   = "4s"
layers     = 3
width      = [1, 2]
fan_out    = [1, 2]
ops        = [1e9, 5e9]
edge_bytes = [1e4, 1e5]
job_input  = [1e5, 1e5]
job_output = [1e3, 1e3]

[train]
algorithm = "maddpg"
steps = 40
episode = "2s"
checkpoint_every = 20
select = "validation"
validation_score = "outcome"
validation_episode = "3s"
validation_episodes = 2
restarts = 2
eval_episodes = 2

[train.maddpg]
hidden = 8
batch = 8
warmup = 10
lstm_size = 4
message = 2
comm_hidden = 3
`

// TestTrainAgentsWithRestarts: "mecsim train" on multi-agent DDPG with
// restarts trains each in its folder, names the agents it evaluated, and
// those agents run by path.
func TestTrainAgentsWithRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "agents")
	out := train(t, writeFile(t, tinyAgents), "-o", dir)
	for _, want := range []string{"maddpg-restart-2", "evaluated: ", "maddpg ", "cloud "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Selected []struct {
			Restart int    `json:"restart"`
			Path    string `json:"path"`
		} `json:"selected"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Selected) != 1 || sum.Selected[0].Restart < 1 || sum.Selected[0].Restart > 2 {
		t.Fatalf("summary.json selected %+v", sum.Selected)
	}
	for _, f := range []string{"validation.csv", "restart-2/validation.csv", "restart-2/checkpoint", sum.Selected[0].Path} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	byPath := strings.Replace(tinyAgents, `policies = ["local", "cloud"]`,
		`policies = ["maddpg:`+filepath.ToSlash(filepath.Join(dir, sum.Selected[0].Path))+`"]`, 1)
	var stdout, stderr bytes.Buffer
	if code := mainWithArgs([]string{"run", writeFile(t, byPath), "-o", filepath.Join(t.TempDir(), "run")}, &stdout, &stderr); code != exitOK {
		t.Errorf("running the chosen agents by path: exit %d\n%s", code, stderr.String())
	}
}
