package experiments

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// worldWithTwoProcessors is a small mecsim world whose phones have a CPU
// and an NPU (with the Galaxy S24's thermal model) and one edge server.
const worldWithTwoProcessors = `
name = "two"
seed = 2
duration = "8s"
policies = %s

[phones]
count = 6
processor = "sd8gen3-cpu"
extra_processors = ["sd8gen3-npu"]

[[edge]]
x_m = 500.0
y_m = 500.0

[[workload]]
model = "mobilenet-v2"
rate = 4.0
`

func parseText(t *testing.T, env Env, text string) *Config {
	t.Helper()
	c, err := Parse("t.toml", []byte(text), env.Known())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoLocalProcessorsShareTheSoC is a regression test: with two local
// processors on one thermally modelled SoC, a task started on one while
// the other's work had already advanced the thermal state past now used
// to panic (a negative idle time).
func TestTwoLocalProcessorsShareTheSoC(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c := parseText(t, env, strings.Replace(worldWithTwoProcessors, "%s", `["random", "local"]`, 1))
	out, err := env.Run(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) == 0 {
		t.Fatal("no tasks")
	}
}

// TestTrainOnAWorldAndUseTheAgent trains briefly on a mecsim world, then
// runs the agent by path as a policy of another experiment.
func TestTrainOnAWorldAndUseTheAgent(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(worldWithTwoProcessors, "%s", `["sac", "local", "greedy-latency"]`, 1) + `
[train]
steps = 300
episode = "3s"
columns = 4
preferences = [0, 1]

[train.sac]
encoder = 8
trunk = 8
batch = 16
warmup = 100
`
	c := parseText(t, env, text)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := env.Train(c, dir, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Rewards are realised outcomes: every episode's decisions were
	// rewarded (the world runs every task to its end), with latency and
	// energy costs.
	for _, cp := range out.Curve {
		if cp.Dropped != 0 || cp.Length == 0 || cp.Delay >= 0 || cp.Energy >= 0 {
			t.Errorf("episode %d: %d decisions, %d unrewarded, returns %v and %v", cp.Episode, cp.Length, cp.Dropped, cp.Delay, cp.Energy)
		}
	}
	if out.World == nil || len(out.World.Summary.Pareto) != 3 {
		t.Fatalf("want a Pareto evaluation of three policies, got %+v", out.World)
	}
	for _, name := range []string{CheckpointFile, CurveFile, TrainSummary, "eval/summary.json", "eval/tasks.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	// The agent by path, in an ordinary run.
	policy := `["sac:` + filepath.ToSlash(filepath.Join(dir, CheckpointFile)) + `", "local"]`
	run := parseText(t, env, strings.Replace(worldWithTwoProcessors, "%s", policy, 1))
	res, err := env.Run(run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Summary.Policies) != 2 || res.Summary.Policies[0].Tasks == 0 {
		t.Fatalf("the agent by path did not run: %+v", res.Summary.Policies)
	}
	// A missing checkpoint is a clear error.
	bad := parseText(t, env, strings.Replace(worldWithTwoProcessors, "%s", `["sac:nowhere/checkpoint"]`, 1))
	if _, err := env.Run(bad, Options{}); err == nil || !strings.Contains(err.Error(), "nowhere/checkpoint") {
		t.Errorf("missing checkpoint: %v", err)
	}
}

// TestLearningKeysAreChecked: bad learning settings are refused with line
// and key.
func TestLearningKeysAreChecked(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"unknown sac key", `environment = "reference"
policies = ["sac"]
[reference]
[train]
steps = 10
[train.sac]
gama = 0.9
`, `t.toml:7: train.sac.gama: unknown key; did you mean "gamma"?`},
		{"gamma out of range", `environment = "reference"
policies = ["sac"]
[reference]
[train]
steps = 10
[train.sac]
gamma = 1.5
`, "train.sac: gamma: must be in [0, 1)"},
		{"reference without train", `environment = "reference"
policies = ["greedy-w"]
[reference]
`, "train: the reference environment is trained"},
		{"unknown method", `environment = "reference"
policies = ["greedy-latency"]
[reference]
[train]
steps = 10
`, `unknown policy "greedy-latency"`},
		{"eval edges beyond the columns", `environment = "reference"
policies = ["greedy-w"]
[reference]
eval_edges = [11]
[train]
steps = 10
`, "reference.eval_edges[0]: must be between 1 and columns − 1 = 10, got 11"},
		{"sac without train in a world", strings.Replace(worldWithTwoProcessors, "%s", `["sac"]`, 1), `the policy "sac" is the agent this file trains`},
		{"unknown selection", `environment = "reference"
policies = ["sac", "greedy-w"]
[reference]
[train]
steps = 10
select = "best"
`, `t.toml:6: train.select: must be "last" or "validation", got "best"`},
		{"selection in a world", strings.Replace(worldWithTwoProcessors, "%s", `["greedy-latency"]`, 1) + `
[train]
steps = 10
select = "validation"
`, `train.select: "validation" is built for the reference environment`},
		{"unknown algorithm", `environment = "reference"
policies = ["sac", "greedy-w"]
[reference]
[train]
steps = 10
algorithm = "ppo"
`, `train.algorithm: must be "sac" or "maddpg", got "ppo"`},
		{"maddpg on the reference environment", `environment = "reference"
policies = ["greedy-w"]
[reference]
[train]
steps = 10
algorithm = "maddpg"
`, `train.algorithm: "maddpg" trains the phones of a mecsim world`},
		{"marginal reward for one agent", strings.Replace(worldWithTwoProcessors, "%s", `["greedy-latency"]`, 1) + `
[train]
steps = 10
reward = "marginal"
`, `train.reward: "marginal" charges a phone for the waits its decisions cause`},
		{"difference reward for one agent", strings.Replace(worldWithTwoProcessors, "%s", `["greedy-latency"]`, 1) + `
[train]
steps = 10
reward = "difference"
`, `train.reward: "difference" charges a phone for the waits its decisions cause`},
		{"team reward for one agent", strings.Replace(worldWithTwoProcessors, "%s", `["greedy-latency"]`, 1) + `
[train]
steps = 10
team_reward = true
`, `train.team_reward: shares rewards among the agents of algorithm = "maddpg"`},
		{"unknown ablation", strings.Replace(slottedDAGWorld, `ablations = ["no-comm"]`, `ablations = ["no-lstm", "no-critic"]`, 1), `train.ablations[1]: unknown ablation "no-critic"`},
		{"bad weight sweep", strings.Replace(slottedDAGWorld, "weight_sweep = [[1, 4, 0.1]]", "weight_sweep = [[1, -1, 0]]", 1), "train.weight_sweep[0]: weights[1]: must be ≥ 0"},
		{"restarts without validation", strings.Replace(slottedDAGWorld, "steps = 60", "steps = 60\nrestarts = 3", 1), `train.restarts: restarts are chosen among by validation: they need algorithm = "maddpg" and select = "validation"`},
		{"too many restarts", strings.Replace(slottedDAGWorld, "steps = 60", "steps = 60\nrestarts = 101", 1), "train.restarts: must be between 1 and 100, got 101"},
		{"unknown validation score", strings.Replace(slottedDAGWorld, "steps = 60", "steps = 60\nvalidation_score = \"latency\"", 1), `train.validation_score: must be "return" or "outcome", got "latency"`},
		{"outcome validation for one agent", strings.Replace(worldWithTwoProcessors, "%s", `["greedy-latency"]`, 1) + `
[train]
steps = 10
validation_score = "outcome"
`, `train.validation_score: "outcome" scores multi-agent checkpoints`},
		{"negative validation episode", strings.Replace(slottedDAGWorld, "steps = 60", "steps = 60\nvalidation_episode = \"-1s\"", 1), "train.validation_episode: must be > 0, got -1s"},
		{"negative prior", strings.Replace(slottedDAGWorld, "hidden = 8", "hidden = 8\nprior = -1", 1), "train.maddpg: prior: must be ≥ 0, got -1"},
		{"bad maddpg weights", strings.Replace(slottedDAGWorld, "hidden = 8", "hidden = 8\nweights = [1, 1]", 1), "train.maddpg: weights: want 3"},
		{"wrong type", `environment = "reference"
policies = ["greedy-w"]
[reference]
cloud_ghz = 4
[train]
steps = 10
`, "t.toml:4: reference.cloud_ghz"},
	} {
		_, err := Parse("t.toml", []byte(tc.text), env.Known())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestSelectionResume: resuming from a checkpoint drops the validations
// taken after it (the resumed run repeats them), and the best row is the
// earliest of equal scores.
func TestSelectionResume(t *testing.T) {
	dir := t.TempDir()
	text := "step,score,hv_e1,hv_e2\n100,0.5,0.4,0.6\n200,0.7,0.6,0.8\n300,0.7,0.7,0.7\n400,0.9,0.9,0.9\n"
	if err := os.WriteFile(filepath.Join(dir, ValidationFile), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	head := []string{"step", "score", "hv_e1", "hv_e2"}
	s := &selection{validationLog: validationLog{header: head}}
	if err := s.resume(dir, 300); err != nil {
		t.Fatal(err)
	}
	if len(s.rows) != 3 {
		t.Fatalf("resumed at step 300 with %d rows, want 3", len(s.rows))
	}
	b, ok := s.best()
	if !ok || b.Step != 200 || b.Score != 0.7 || b.Parts[1] != 0.8 {
		t.Errorf("best %+v, want step 200 (the earlier of two 0.7s)", b)
	}
	var buf bytes.Buffer
	if err := s.write(&buf); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(strings.Split(text, "\n")[:4], "\n") + "\n"; buf.String() != want {
		t.Errorf("rewritten:\n%s\nwant\n%s", buf.String(), want)
	}
	// A file of the wrong width is refused with its line.
	os.WriteFile(filepath.Join(dir, ValidationFile), []byte("step,score,hv_e1\n100,0.5,0.4\n"), 0o644)
	if err := (&validationLog{header: head}).resume(dir, 300); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a row of 3 fields for 2 systems: %v", err)
	}
}

// slottedDAGWorld is a small slotted world of phones with DAG jobs, for
// multi-agent training.
const slottedDAGWorld = `
name = "slots"
seed = 4
duration = "6s"
policies = ["local", "edge-nearest", "cloud"]
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
steps = 60
episode = "2s"
eval_episodes = 2
ablations = ["no-comm"]
weight_sweep = [[1, 4, 0.1]]

[train.maddpg]
lstm = true
comm = true
hidden = 8
batch = 8
warmup = 20
lstm_size = 4
message = 2
comm_hidden = 3
score_targets = true
`

// TestTrainMADDPGOnASlottedWorld: multi-agent training writes its
// folder, evaluates the agents, the ablation and the baselines on the
// same seeds, and the same file and seed give the same results, whether
// the variants train side by side or one after another.
func TestTrainMADDPGOnASlottedWorld(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c := parseText(t, env, slottedDAGWorld)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	out, err := env.Train(c, a, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, r := range out.MARL.Evaluation {
		methods = append(methods, r.Policy)
		if r.Jobs == 0 || !(r.Latency > 0) {
			t.Errorf("%s: %d jobs, mean latency %v", r.Policy, r.Jobs, r.Latency)
		}
	}
	if want := "maddpg maddpg-no-comm maddpg-w1/4/0.1 local edge-nearest cloud"; strings.Join(methods, " ") != want {
		t.Errorf("evaluated %v, want %s", methods, want)
	}
	// Every method saw the same jobs, so the same slot bound, below its
	// mean latency.
	for _, r := range out.MARL.Evaluation[1:] {
		if r.Jobs != out.MARL.Evaluation[0].Jobs {
			t.Errorf("%s saw %d jobs, maddpg %d", r.Policy, r.Jobs, out.MARL.Evaluation[0].Jobs)
		}
		if first := out.MARL.Evaluation[0]; r.Bound != first.Bound || !(r.Bound > 0 && r.Bound < r.Latency) {
			t.Errorf("%s: slot bound %v s (maddpg's %v s), mean latency %v s", r.Policy, r.Bound, first.Bound, r.Latency)
		}
	}
	evalCSV, err := os.ReadFile(filepath.Join(a, EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(string(evalCSV), "\n"); head != "method,jobs,refused,mean_latency_s,mean_energy_j,balance,slot_bound_s,near_bound" {
		t.Errorf("%s header %q", EvalFile, head)
	}
	// eval_layouts.csv: a row per method and layout, whose jobs add up
	// to the method's; the aggregate is the job-weighted mean of the
	// layouts' means.
	layoutsCSV, err := os.ReadFile(filepath.Join(a, EvalLayoutsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(layoutsCSV)), "\n")
	if lines[0] != "method,seed,jobs,refused,mean_latency_s,mean_energy_j,balance,slot_bound_s,near_bound" || len(lines) != 1+len(methods)*c.Train.EvalEpisodes {
		t.Errorf("%s: header %q and %d rows, want %d", EvalLayoutsFile, lines[0], len(lines)-1, len(methods)*c.Train.EvalEpisodes)
	}
	for _, r := range out.MARL.Evaluation {
		jobs, sum := 0, 0.0
		for _, l := range r.Layouts {
			jobs += l.Jobs
			sum += l.Latency * float64(l.Jobs-l.Refused)
		}
		if jobs != r.Jobs || math.Abs(sum/float64(r.Jobs-r.Refused)-r.Latency) > 1e-12*r.Latency {
			t.Errorf("%s: layouts of %d jobs and mean latency %v; the row: %d, %v", r.Policy, jobs, sum/float64(r.Jobs-r.Refused), r.Jobs, r.Latency)
		}
	}
	if out.MARL.Updates == 0 {
		t.Error("no updates")
	}
	// The Pareto summary: the agents' two weights, then each baseline.
	if p := out.MARL.Pareto; len(p) != 4 || p[0].Policy != "maddpg" || len(p[0].Points) != 2 || p[0].Points[1].Knob != 4 || p[1].Policy != "local" {
		t.Errorf("Pareto summary %+v", p)
	}
	// The same again, the variants trained one at a time instead of side
	// by side.
	if _, err := env.Train(parseText(t, env, slottedDAGWorld), b, TrainOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	// The agents by path: the same evaluation from the checkpoint, and a
	// run of a file naming them beside a baseline.
	byPath := strings.Replace(slottedDAGWorld, `policies = ["local", "edge-nearest", "cloud"]`,
		fmt.Sprintf(`policies = ["maddpg:%s", "local"]`, filepath.Join(a, CheckpointFile)), 1)
	pc := parseText(t, env, byPath)
	seeds := []uint64{rl.EvalSeed(sim.NewStreams(pc.Seed).Derive("evaluation").Seed(), 0), rl.EvalSeed(sim.NewStreams(pc.Seed).Derive("evaluation").Seed(), 1)}
	rows, err := env.EvaluateSlotted(pc, pc.Policies[:1], seeds)
	if err != nil {
		t.Fatal(err)
	}
	got, want := rows[0], out.MARL.Evaluation[0]
	if !sameEval(got, want) {
		t.Errorf("agents by path: %+v; the training's evaluation: %+v", got, want)
	}
	run, err := env.Run(pc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := run.Summary.Policies[0]; s.Policy != pc.Policies[0] || s.Tasks == 0 {
		t.Errorf("run with the agents by path: %+v", s)
	}
	for _, name := range []string{CheckpointFile, CurveFile, EvalFile, EvalLayoutsFile, TrainSummary, "ablation-no-comm/" + CheckpointFile} {
		x, errX := os.ReadFile(filepath.Join(a, name))
		y, errY := os.ReadFile(filepath.Join(b, name))
		if errX != nil || errY != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of one file and seed (%v, %v)", name, errX, errY)
		}
	}
}

// TestMADDPGResume: a multi-agent run stopped at 30 steps and resumed to
// 60 ends exactly as a run of 60 steps (checkpoint, curve, evaluation),
// also when checkpoints are validated and the best is evaluated.
func TestMADDPGResume(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	plain := strings.Replace(strings.Replace(slottedDAGWorld, `ablations = ["no-comm"]`, "", 1), "weight_sweep = [[1, 4, 0.1]]", "", 1)
	selecting := strings.Replace(plain, "episode = \"2s\"", "episode = \"2s\"\ncheckpoint_every = 10\nselect = \"validation\"\nvalidation_episodes = 2", 1)
	for _, c := range []struct {
		name, text string
		files      []string
	}{
		{"last", plain, []string{CheckpointFile, CurveFile, EvalFile}},
		{"validation", selecting, []string{CheckpointFile, CurveFile, EvalFile, ValidationFile, BestFile, TrainSummary}},
		{"restarts", strings.Replace(selecting, "validation_episodes = 2", "validation_episodes = 2\nrestarts = 2\nvalidation_score = \"outcome\"", 1),
			[]string{CheckpointFile, ValidationFile, "restart-2/" + CheckpointFile, "restart-2/" + CurveFile, "restart-2/" + ValidationFile, EvalFile, TrainSummary}},
	} {
		t.Run(c.name, func(t *testing.T) {
			whole, half := filepath.Join(t.TempDir(), "whole"), filepath.Join(t.TempDir(), "half")
			out, err := env.Train(parseText(t, env, c.text), whole, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := env.Train(parseText(t, env, strings.Replace(c.text, "steps = 60", "steps = 30", 1)), half, TrainOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := env.Train(parseText(t, env, c.text), half, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "--resume") {
				t.Errorf("training into a folder with a run: %v", err)
			}
			if _, err := env.Train(parseText(t, env, c.text), half, TrainOptions{Resume: true}); err != nil {
				t.Fatal(err)
			}
			for _, name := range c.files {
				x, _ := os.ReadFile(filepath.Join(whole, name))
				y, _ := os.ReadFile(filepath.Join(half, name))
				if len(x) == 0 || !bytes.Equal(x, y) {
					t.Errorf("%s: the resumed run differs from the uninterrupted one", name)
				}
			}
			if c.name != "validation" {
				return
			}
			// Six validations, one per episode of 10 steps; the best
			// checkpoint is the one evaluated.
			v, _ := os.ReadFile(filepath.Join(whole, ValidationFile))
			if n := strings.Count(string(v), "\n"); n != 7 {
				t.Errorf("validation file has %d lines, want a header and 6 rows:\n%s", n, v)
			}
			sel := out.MARL.Selected
			if len(sel) != 1 || sel[0].Method != AlgorithmMADDPG || sel[0].Step%10 != 0 || !strings.Contains(string(v), fmt.Sprintf("\n%d,", sel[0].Step)) {
				t.Fatalf("selected %+v; validations:\n%s", sel, v)
			}
			best, err := rl.LoadMADDPG(filepath.Join(whole, BestFile))
			if err != nil {
				t.Fatal(err)
			}
			c := parseText(t, env, c.text)
			seeds := []uint64{rl.EvalSeed(sim.NewStreams(c.Seed).Derive("evaluation").Seed(), 0), rl.EvalSeed(sim.NewStreams(c.Seed).Derive("evaluation").Seed(), 1)}
			row, err := env.evaluateMARL(c, best, AlgorithmMADDPG, seeds)
			if err != nil {
				t.Fatal(err)
			}
			if !sameEval(row, out.MARL.Evaluation[0]) || len(row.Layouts) != len(seeds) {
				t.Errorf("the best checkpoint evaluates to %+v; the training's evaluation: %+v", row, out.MARL.Evaluation[0])
			}
		})
	}
}

// TestMADDPGRestarts: with restarts, each training has its own seed and
// folder, and the agents evaluated are the checkpoint of best
// validation score over all of them; an "outcome" score is minus the
// weighted mean latency and energy of the validation episodes' jobs, run
// to their end, as evaluation would find them.
func TestMADDPGRestarts(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(strings.Replace(slottedDAGWorld, `ablations = ["no-comm"]`, "", 1), "weight_sweep = [[1, 4, 0.1]]", "", 1)
	text = strings.Replace(text, "episode = \"2s\"", `episode = "2s"
checkpoint_every = 20
select = "validation"
validation_episodes = 2
validation_score = "outcome"
validation_episode = "3s"
restarts = 3`, 1)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := env.Train(parseText(t, env, text), dir, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := parseText(t, env, text)
	vc := *c
	vc.Duration = 3 * time.Second
	base := sim.NewStreams(c.Seed).Derive("validation").Seed()
	vseeds := []uint64{rl.EvalSeed(base, 0), rl.EvalSeed(base, 1)}
	bestScore, bestPath, bestRestart := math.Inf(-1), "", 0
	var curves []string
	for k, sub := range []string{"", "restart-2", "restart-3"} {
		d := filepath.Join(dir, sub)
		curve, err := os.ReadFile(filepath.Join(d, CurveFile))
		if err != nil {
			t.Fatal(err)
		}
		curves = append(curves, string(curve))
		var log validationLog
		log.header = []string{"step", "score", "mean_latency_s", "mean_energy_j", "balance"}
		if err := log.resume(d, math.MaxInt); err != nil {
			t.Fatal(err)
		}
		b, ok := log.best()
		if !ok || len(log.rows) != 3 {
			t.Fatalf("restart %d: validations %+v", k+1, log.rows)
		}
		if b.Score > bestScore {
			bestScore, bestPath, bestRestart = b.Score, filepath.ToSlash(filepath.Join(sub, BestFile)), k+1
		}
		// The score is the outcome of the best agents on the validation
		// episodes, as evaluation measures it.
		m, err := rl.LoadMADDPG(filepath.Join(d, BestFile))
		if err != nil {
			t.Fatal(err)
		}
		row, err := env.evaluateMARL(&vc, m, "x", vseeds)
		if err != nil {
			t.Fatal(err)
		}
		w := c.Train.MADDPG.Weights
		want := -(w[0]*row.Latency/c.Train.LatencyScale + w[1]*row.Energy/c.Train.EnergyScale)
		if math.Abs(b.Score-want) > 1e-9*math.Abs(want) || b.Parts[0] != row.Latency || b.Parts[1] != row.Energy {
			t.Errorf("restart %d: best validation %+v; its agents on the validation episodes: %.6g s, %.6g J, score %.9g", k+1, b, row.Latency, row.Energy, want)
		}
	}
	if curves[0] == curves[1] || curves[1] == curves[2] {
		t.Error("restarts trained alike: their seeds should differ")
	}
	sel := out.MARL.Selected
	if len(sel) != 1 || sel[0].Score != bestScore || sel[0].Path != bestPath || sel[0].Restart != bestRestart {
		t.Fatalf("selected %+v; best validation %v in %s", sel, bestScore, bestPath)
	}
	m, err := rl.LoadMADDPG(filepath.Join(dir, bestPath))
	if err != nil {
		t.Fatal(err)
	}
	seeds := []uint64{rl.EvalSeed(sim.NewStreams(c.Seed).Derive("evaluation").Seed(), 0), rl.EvalSeed(sim.NewStreams(c.Seed).Derive("evaluation").Seed(), 1)}
	row, err := env.evaluateMARL(c, m, AlgorithmMADDPG, seeds)
	if err != nil {
		t.Fatal(err)
	}
	if !sameEval(row, out.MARL.Evaluation[0]) {
		t.Errorf("the chosen agents evaluate to %+v; the training's evaluation: %+v", row, out.MARL.Evaluation[0])
	}
}

// sameEval reports whether two evaluation rows agree in every figure,
// their rows per layout too, whatever their methods' names.
func sameEval(a, b SlottedEval) bool {
	unnamed := func(r SlottedEval) SlottedEval {
		r.Policy = ""
		r.Layouts = slices.Clone(r.Layouts)
		for i := range r.Layouts {
			r.Layouts[i].Policy = ""
		}
		return r
	}
	return reflect.DeepEqual(unnamed(a), unnamed(b))
}

// TestPaired: layout by layout, with differences worked out by hand, and
// refused for rows of other layouts.
func TestPaired(t *testing.T) {
	row := func(name string, lat, en []float64, seeds ...uint64) SlottedEval {
		r := SlottedEval{Policy: name}
		for k := range lat {
			r.Layouts = append(r.Layouts, SlottedEval{Seed: seeds[k], Latency: lat[k], Energy: en[k]})
		}
		return r
	}
	a := row("a", []float64{1.0, 2.0, 3.0}, []float64{0.5, 0.5, 0.5}, 1, 2, 3)
	b := row("b", []float64{1.5, 1.5, 3.5}, []float64{0.25, 0.5, 0.75}, 1, 2, 3)
	faster, dl, sl, de, se, err := Paired(a, b)
	if err != nil {
		t.Fatal(err)
	}
	// Differences −0.5, 0.5, −0.5: mean −1/6, sample variance
	// ((1/3)² + (2/3)² + (1/3)²)/2 = 1/3; energy 0.25, 0, −0.25: mean 0,
	// variance 1/16.
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"faster", float64(faster), 2}, {"latency", dl, -1.0 / 6}, {"latency s.d.", sl, math.Sqrt(1.0 / 3)}, {"energy", de, 0}, {"energy s.d.", se, 0.25}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if _, _, _, _, _, err := Paired(a, row("c", []float64{1, 2, 3}, []float64{0, 0, 0}, 1, 2, 4)); err == nil {
		t.Error("rows of other layouts compared")
	}
	if _, _, _, _, _, err := Paired(a, row("d", nil, nil)); err == nil {
		t.Error("rows without layouts compared")
	}
}
