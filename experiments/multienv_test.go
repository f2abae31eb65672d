package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// multiSrc is a small slotted scenario: phones with DAG jobs, two edge
// sites in opposite corners whose coverage leaves some phones out of
// range of one or both. %d is the number of phones.
const multiSrc = `name = "multi"
seed = 3
duration = "5s"
policies = ["local", "edge-nearest", "greedy-latency"]
decision_interval = "100ms"

[phones]
count = %d

[[edge]]
x_m = 200.0
y_m = 200.0
coverage_m = 600.0
servers = 1
[[edge]]
x_m = 800.0
y_m = 800.0
coverage_m = 600.0
servers = 1

[[workload]]
kind       = "dag"
rate       = 2.0
deadline   = "2s"
layers     = 3
width      = [1, 3]
fan_out    = [1, 2]
ops        = [1e9, 5e9]
edge_bytes = [1e4, 1e5]
job_input  = [1e4, 1e5]
job_output = [1e3, 1e4]
`

func multiConfig(t testing.TB, phones int) (Env, *Config) {
	t.Helper()
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("multi.toml", []byte(fmt.Sprintf(multiSrc, phones)), env.Known())
	if err != nil {
		t.Fatal(err)
	}
	return env, c
}

// episode plays one episode choosing uniformly among the allowed actions
// with a seeded stream, and returns every observation, mask and reward.
func episode(t *testing.T, m *MultiEnv, seed uint64) (obs [][]float64, masks [][]bool, rewards [][]float64) {
	t.Helper()
	n, ol, na := m.Shape()
	rng := rand.New(rand.NewPCG(seed, 1))
	m.Reset(seed)
	actions := make([]int, n)
	for step := 0; ; step++ {
		o, mk := make([]float64, n*ol), make([]bool, n*na)
		if err := m.Observe(o, mk); err != nil {
			t.Fatal(err)
		}
		obs, masks = append(obs, o), append(masks, mk)
		for i := range n {
			var allowed []int
			for a, ok := range mk[i*na : (i+1)*na] {
				if ok {
					allowed = append(allowed, a)
				}
			}
			actions[i] = allowed[rng.IntN(len(allowed))]
		}
		r := make([]float64, n*rl.MultiObjectives)
		term, trunc, err := m.Step(actions, r)
		if err != nil {
			t.Fatal(err)
		}
		rewards = append(rewards, r)
		if term {
			t.Fatal("a truncated environment terminated")
		}
		if trunc {
			return obs, masks, rewards
		}
		if step > 1000 {
			t.Fatal("the episode never ends")
		}
	}
}

func TestMultiEnvShapeAndEpisode(t *testing.T) {
	env, c := multiConfig(t, 6)
	m, err := env.NewMultiEnv(c, MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, ol, na := m.Shape()
	if n != 6 || na != 4 || ol != rl.MultiHead+4*rl.TargetFeatures {
		t.Fatalf("shape %d, %d, %d", n, ol, na)
	}
	var _ rl.MultiEnv = m
	obs, masks, rewards := episode(t, m, 1)
	if len(rewards) != 50 { // 5 s in slots of 100 ms
		t.Errorf("%d steps, want 50", len(rewards))
	}
	var decided, idle, outOfRange int
	for s := range obs {
		for i := range n {
			o, mk := obs[s][i*ol:(i+1)*ol], masks[s][i*na:(i+1)*na]
			if o[rl.MultiHasTask] == 0 {
				idle++
				if !reflect.DeepEqual(mk, []bool{true, false, false, false}) {
					t.Fatalf("step %d: idle phone %d has mask %v, want local only", s, i, mk)
				}
				continue
			}
			decided++
			if !mk[0] || !mk[3] {
				t.Fatalf("step %d: phone %d may not run locally or in the cloud: %v", s, i, mk)
			}
			for site := range 2 {
				present := o[rl.MultiHead+(1+site)*rl.TargetFeatures+rl.TargetPresent] == 1
				if mk[1+site] != present {
					t.Fatalf("step %d: phone %d: site %d present %v, allowed %v", s, i, site, present, mk[1+site])
				}
				if !present {
					outOfRange++
				}
			}
		}
		for i := range n {
			r := rewards[s][i*rl.MultiObjectives : (i+1)*rl.MultiObjectives]
			if r[rl.MultiDelay] > 0 || r[rl.MultiEnergy] > 0 || !(r[rl.MultiBalance] >= -0.5 && r[rl.MultiBalance] <= 0) {
				t.Fatalf("step %d: phone %d rewards %v", s, i, r)
			}
			if r[rl.MultiBalance] != rewards[s][rl.MultiBalance] {
				t.Fatalf("step %d: balance differs between agents", s)
			}
		}
	}
	if decided == 0 || idle == 0 || outOfRange == 0 {
		t.Errorf("%d decisions, %d idle observations, %d sites out of range: want some of each", decided, idle, outOfRange)
	}
	if _, trunc, err := m.Step(make([]int, n), make([]float64, n*rl.MultiObjectives)); err == nil || !trunc {
		t.Error("a step after the episode's end: no error")
	}
}

func TestMultiEnvDeterministic(t *testing.T) {
	env, c := multiConfig(t, 4)
	m, err := env.NewMultiEnv(c, MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o1, m1, r1 := episode(t, m, 7)
	other, err := env.NewMultiEnv(c, MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	episode(t, other, 8) // another episode in between changes nothing
	o2, m2, r2 := episode(t, other, 7)
	if !reflect.DeepEqual(o1, o2) || !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(r1, r2) {
		t.Fatal("two episodes of seed 7 differ")
	}
	o3, _, _ := episode(t, m, 8)
	if reflect.DeepEqual(o1, o3) {
		t.Fatal("seeds 7 and 8 gave the same observations")
	}
}

// TestMultiEnvLocalRewards checks the rewards against their definitions
// when every phone runs everything itself: no edge site has any load, so
// the balance is 1 at every step; and a phone's delay rewards, times the
// scale, are minus its in-system integrals, whose sum bounds the time its
// jobs have spent in the system so far.
func TestMultiEnvLocalRewards(t *testing.T) {
	env, c := multiConfig(t, 3)
	m, err := env.NewMultiEnv(c, MultiOptions{LatencyScale: 2, EnergyScale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	m.Reset(2)
	n, _, _ := m.Shape()
	actions := make([]int, n)
	r := make([]float64, n*rl.MultiObjectives)
	total := make([]float64, n)
	for {
		_, trunc, err := m.Step(actions, r)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if r[i*rl.MultiObjectives+rl.MultiBalance] != 0 {
				t.Fatalf("balance %v with no edge load", r[i*rl.MultiObjectives+rl.MultiBalance])
			}
			in := -2 * r[i*rl.MultiObjectives+rl.MultiDelay]
			if in < 0 {
				t.Fatalf("phone %d: in-system integral %v task·s", i, in)
			}
			if e := -0.5 * r[i*rl.MultiObjectives+rl.MultiEnergy]; e < 0 {
				t.Fatalf("phone %d: energy %v J", i, e)
			}
			total[i] += in
		}
		if trunc {
			break
		}
	}
	for i, x := range total {
		// Every phone has jobs (2/s over 5 s) of at least 3 subtasks of
		// 1e9 operations or more, each over 0.1 s on the phone.
		if !(x > 0.5) {
			t.Errorf("phone %d: in-system time %v task·s over the episode", i, x)
		}
	}
}

func TestMultiEnvErrors(t *testing.T) {
	env, c := multiConfig(t, 4)
	m, err := env.NewMultiEnv(c, MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, ol, na := m.Shape()
	r := make([]float64, n*rl.MultiObjectives)
	if _, _, err := m.Step(make([]int, n), r); err == nil || !strings.Contains(err.Error(), "Reset") {
		t.Errorf("a step before Reset: %v", err)
	}
	m.Reset(1)
	// Find a phone with a task and a site out of its range.
	obs, mask := make([]float64, n*ol), make([]bool, n*na)
	bad := -1
	var actions []int
	for range 50 {
		if err := m.Observe(obs, mask); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if obs[i*ol+rl.MultiHasTask] == 1 && (!mask[i*na+1] || !mask[i*na+2]) {
				bad = i
				actions = make([]int, n)
				actions[i] = 1
				if mask[i*na+1] {
					actions[i] = 2
				}
			}
		}
		if bad >= 0 {
			break
		}
		if _, _, err := m.Step(make([]int, n), r); err != nil {
			t.Fatal(err)
		}
	}
	if bad < 0 {
		t.Fatal("no phone ever had a site out of range")
	}
	for _, c := range []struct {
		name    string
		actions []int
		rewards []float64
		want    string
	}{
		{"too few actions", make([]int, n-1), r, "actions"},
		{"too few rewards", make([]int, n), r[1:], "rewards"},
		{"a site out of range", actions, r, "no target"},
	} {
		if _, _, err := m.Step(c.actions, c.rewards); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if err := m.Observe(obs[1:], mask); err == nil {
		t.Error("observing into a short slice: no error")
	}
	c.DecisionInterval = 0
	if _, err := env.NewMultiEnv(c, MultiOptions{}); err == nil {
		t.Error("an event-driven config made a multi-agent environment")
	}
	if _, err := env.EvaluateSlotted(c, []string{"local"}, []uint64{1}); err == nil {
		t.Error("an event-driven config evaluated in slots")
	}
}

// TestEvaluateSlotted checks the baselines' evaluation on common seeds:
// the same jobs for every policy, the same numbers when repeated, no edge
// load (a balance of 1) when every job runs on its phone.
func TestEvaluateSlotted(t *testing.T) {
	env, c := multiConfig(t, 4)
	names := []string{"local", "edge-nearest", "greedy-latency", "random"}
	rows, err := env.EvaluateSlotted(c, names, []uint64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	again, err := env.EvaluateSlotted(c, names, []uint64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, again) {
		t.Fatal("two evaluations on the same seeds differ")
	}
	for i, r := range rows {
		if r.Policy != names[i] || r.Jobs != rows[0].Jobs || r.Jobs == 0 || !(r.Latency > 0) || !(r.Energy > 0) {
			t.Errorf("row %d: %+v", i, r)
		}
		if !(r.Balance >= 0.5 && r.Balance <= 1) {
			t.Errorf("%s: balance %v outside [1/2, 1]", r.Policy, r.Balance)
		}
		// The same jobs ran under every policy: one bound, below each
		// policy's mean latency.
		if !(r.Bound > 0 && r.Bound < r.Latency) || (r.Refused == rows[0].Refused && r.Bound != rows[0].Bound) {
			t.Errorf("%s: slot bound %v s against latency %v s (first row's bound %v s)", r.Policy, r.Bound, r.Latency, rows[0].Bound)
		}
		if !(r.NearBound >= 0 && r.NearBound <= 1) {
			t.Errorf("%s: %v of the jobs within a slot of their bound", r.Policy, r.NearBound)
		}
	}
	// The phone's CPU is slower than the edge: more of its jobs take
	// extra slots.
	if !(rows[1].NearBound > rows[0].NearBound) {
		t.Errorf("edge-nearest has %v of its jobs within a slot of their bound, local %v: want more", rows[1].NearBound, rows[0].NearBound)
	}
	if rows[0].Balance != 1 {
		t.Errorf("local: balance %v, want 1", rows[0].Balance)
	}
	if rows[1].Balance == 1 {
		t.Errorf("edge-nearest: balance exactly 1 with two sites")
	}
	if _, err := env.EvaluateSlotted(c, []string{"nope"}, []uint64{1}); err == nil || !strings.Contains(err.Error(), "unknown policy") {
		t.Errorf("an unknown policy: %v", err)
	}
}

// TestSlottedConfig checks how the keys reach the scenario: an interval
// and a priority rule, "rank" by default; none by default at all.
func TestSlottedConfig(t *testing.T) {
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		keys     string
		interval time.Duration
		priority string
		want     mec.Priority
	}{
		{"event-driven", "", 0, "", mec.ByRank},
		{"slots, rank by default", `decision_interval = "250ms"`, 250 * time.Millisecond, "rank", mec.ByRank},
		{"slots in fifo order", "decision_interval = \"1s\"\npriority = \"fifo\"", time.Second, "fifo", mec.ByArrival},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("t.toml", []byte("policies = [\"local\"]\n"+c.keys+"\n"+rest), env.Known())
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DecisionInterval != c.interval || cfg.Priority != c.priority {
				t.Errorf("decision_interval %v, priority %q", cfg.DecisionInterval, cfg.Priority)
			}
			sc, err := env.Scenario(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if sc.DecisionInterval.Seconds() != c.interval.Seconds() || sc.Priority != c.want {
				t.Errorf("scenario: interval %v, priority %v", sc.DecisionInterval, sc.Priority)
			}
		})
	}
}

func BenchmarkMultiEnvStep(b *testing.B) {
	for _, phones := range []int{10, 50} {
		b.Run(fmt.Sprintf("phones=%d", phones), func(b *testing.B) {
			env, c := multiConfig(b, phones)
			c.Duration = time.Hour // episodes longer than the benchmark
			m, err := env.NewMultiEnv(c, MultiOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n, ol, na := m.Shape()
			obs, mask := make([]float64, n*ol), make([]bool, n*na)
			actions, r := make([]int, n), make([]float64, n*rl.MultiObjectives)
			m.Reset(1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.Observe(obs, mask); err != nil {
					b.Fatal(err)
				}
				for p := range n {
					// The last allowed target: the cloud, or an edge site.
					for a := na - 1; a >= 0; a-- {
						if mask[p*na+a] {
							actions[p] = a
							break
						}
					}
				}
				_, trunc, err := m.Step(actions, r)
				if err != nil {
					b.Fatal(err)
				}
				if trunc {
					m.Reset(uint64(i))
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkMADDPGTraining is the scaling run: MADDPG training steps per
// second (observe, act, step the world, store, and an update every 4
// steps as in maddpg-dag.toml) on a slotted world of 10, 50 and 200
// phones, with one shared actor and critic, the LSTM and the channel.
//
//	go test -run XXX -bench MADDPGTraining -benchtime 200x ./experiments
func BenchmarkMADDPGTraining(b *testing.B) {
	for _, phones := range []int{10, 50, 200} {
		b.Run(fmt.Sprintf("phones=%d", phones), func(b *testing.B) {
			env, c := multiConfig(b, phones)
			c.Duration = time.Hour
			m, err := env.NewMultiEnv(c, MultiOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n, ol, na := m.Shape()
			cfg := rl.DefaultMADDPG()
			cfg.Share, cfg.LSTM, cfg.Comm, cfg.UpdateEvery, cfg.Warmup, cfg.Buffer = true, true, true, 4, 0, 1000
			agents, err := rl.NewMADDPG(cfg, n, ol, na, sim.NewStreams(1))
			if err != nil {
				b.Fatal(err)
			}
			tr, err := rl.NewMARLTrainer(agents, m, 1, 1<<30)
			if err != nil {
				b.Fatal(err)
			}
			// Fill a batch's worth of transitions first.
			for tr.Step < cfg.Batch {
				if err := trainStep(tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				if err := trainStep(tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

func trainStep(tr *rl.MARLTrainer) error {
	_, err := tr.TrainStep()
	return err
}

// TestMultiEnvEstimateRewards checks the per-decision rewards: a phone
// is rewarded only in the slots in which it decides, and, everything run
// on the phones, its estimated energy (compute power × time of each
// subtask) is positive and below the realised energy of the same run,
// which adds the phone's idle power while its jobs wait.
func TestMultiEnvEstimateRewards(t *testing.T) {
	env, c := multiConfig(t, 3)
	n := c.Phones.Count
	estE, realE := make([]float64, n), make([]float64, n)
	decisions := 0
	lockstep(t, env, c, MultiOptions{EnergyScale: 1, Estimate: true}, MultiOptions{EnergyScale: 1}, 5, nil,
		func(obs, r, rr []float64) {
			o := len(obs) / n
			for i := range n {
				d, e := -r[i*rl.MultiObjectives+rl.MultiDelay], -r[i*rl.MultiObjectives+rl.MultiEnergy]
				decided := obs[i*o+rl.MultiHasTask] > 0
				if decided != (d > 0) || decided != (e > 0) {
					t.Fatalf("phone %d decided %v, rewarded delay %v, energy %v", i, decided, d, e)
				}
				if decided {
					decisions++
				}
				estE[i] += e
				realE[i] -= rr[i*rl.MultiObjectives+rl.MultiEnergy]
			}
		})
	if decisions == 0 {
		t.Fatal("no decision")
	}
	for i := range n {
		if !(estE[i] > 0 && estE[i] < realE[i]) {
			t.Errorf("phone %d: estimated energy %v J, realised %v J", i, estE[i], realE[i])
		}
	}
}

// lockstep plays the worlds of c under options a and b side by side from
// seed, with the same actions (choose's, or action 0 for every phone when
// choose is nil), and hands each step's observation of a and the rewards
// of both to check.
func lockstep(t *testing.T, env Env, c *Config, a, b MultiOptions, seed uint64, choose func(mask []bool, k int, actions []int), check func(obs, ra, rb []float64)) {
	t.Helper()
	a.Drain, b.Drain = true, true
	ma, err := env.NewMultiEnv(c, a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := env.NewMultiEnv(c, b)
	if err != nil {
		t.Fatal(err)
	}
	ma.Reset(seed)
	mb.Reset(seed)
	n, o, k := ma.Shape()
	obs, mask := make([]float64, n*o), make([]bool, n*k)
	actions := make([]int, n)
	ra, rb := make([]float64, n*rl.MultiObjectives), make([]float64, n*rl.MultiObjectives)
	for {
		if err := ma.Observe(obs, mask); err != nil {
			t.Fatal(err)
		}
		if choose != nil {
			choose(mask, k, actions)
		}
		_, over, err := ma.Step(actions, ra)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := mb.Step(actions, rb); err != nil {
			t.Fatal(err)
		}
		check(obs, ra, rb)
		if over {
			return
		}
	}
}

// TestMultiEnvTeamReward checks the team reward: every phone gets the
// same delay and energy utilities, the mean of what each would get alone,
// and the balance term is untouched.
func TestMultiEnvTeamReward(t *testing.T) {
	env, c := multiConfig(t, 3)
	n := c.Phones.Count
	shared := 0
	lockstep(t, env, c, MultiOptions{Estimate: true}, MultiOptions{Estimate: true, Team: true}, 5, nil,
		func(_, r, rt []float64) {
			for _, obj := range []int{rl.MultiDelay, rl.MultiEnergy} {
				var sum float64
				distinct := false
				for i := range n {
					sum += r[i*rl.MultiObjectives+obj]
					distinct = distinct || r[i*rl.MultiObjectives+obj] != r[obj]
				}
				for i := range n {
					if got, want := rt[i*rl.MultiObjectives+obj], sum/float64(n); math.Abs(got-want) > 1e-12 {
						t.Fatalf("phone %d, objective %d: team reward %v, want the mean %v", i, obj, got, want)
					}
				}
				if distinct {
					shared++
				}
			}
			for i := range n {
				if rt[i*rl.MultiObjectives+rl.MultiBalance] != r[i*rl.MultiObjectives+rl.MultiBalance] {
					t.Fatalf("phone %d: balance %v with the team reward, %v without", i, rt[i*rl.MultiObjectives+rl.MultiBalance], r[i*rl.MultiObjectives+rl.MultiBalance])
				}
			}
		})
	if shared == 0 {
		t.Fatal("the phones' own rewards never differed: nothing was shared")
	}
}

// firstSite sends every phone to its first edge site in reach (the cloud
// if none): the sites' queues fill at each boundary.
func firstSite(mask []bool, k int, actions []int) {
	for i := range actions {
		actions[i] = 0
		for a := 1; a < k; a++ {
			if mask[i*k+a] {
				actions[i] = a
				break
			}
		}
	}
}

// contendedConfig is multiConfig's world with edge sites of one small
// CPU each, so that tasks queue there.
func contendedConfig(t *testing.T) (Env, *Config) {
	t.Helper()
	env, err := DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	src := strings.ReplaceAll(fmt.Sprintf(multiSrc, 4), "servers = 1", "servers = 1\nprocessor = \"edge-orin-nano-cpu\"")
	c, err := Parse("multi.toml", []byte(src), env.Known())
	if err != nil {
		t.Fatal(err)
	}
	return env, c
}

// TestMultiEnvMarginalRewards checks the marginal reward against the
// estimate on the same world and actions: it only ever adds delay, the
// phone that decides last at every boundary is never charged (nobody
// decides after it), and the charges are not all zero.
func TestMultiEnvMarginalRewards(t *testing.T) {
	env, c := contendedConfig(t)
	n := c.Phones.Count
	charged := make([]float64, n)
	lockstep(t, env, c, MultiOptions{Estimate: true}, MultiOptions{Estimate: true, Marginal: true}, 7, firstSite,
		func(_, r, rm []float64) {
			for i := range n {
				d := r[i*rl.MultiObjectives+rl.MultiDelay] - rm[i*rl.MultiObjectives+rl.MultiDelay]
				if d < -1e-12 {
					t.Fatalf("phone %d: marginal delay reward %v above the estimate's %v", i, rm[i*rl.MultiObjectives+rl.MultiDelay], r[i*rl.MultiObjectives+rl.MultiDelay])
				}
				charged[i] += d
				if rm[i*rl.MultiObjectives+rl.MultiEnergy] != r[i*rl.MultiObjectives+rl.MultiEnergy] {
					t.Fatalf("phone %d: the marginal reward changed the energy utility", i)
				}
			}
		})
	if charged[n-1] != 0 {
		t.Errorf("the phone that decides last was charged %v", charged[n-1])
	}
	var total float64
	for _, x := range charged {
		total += x
	}
	if !(total > 0) {
		t.Errorf("no phone was ever charged for a wait: %v", charged)
	}
}

// TestMultiEnvDifferenceRewards checks the difference reward against the
// estimate on the same world and actions: it only ever adds delay (the
// waiting a phone's tasks imposed, mec.SlotStats.Imposed, whose sum
// package mec checks), leaves energy alone, and charges some phone.
func TestMultiEnvDifferenceRewards(t *testing.T) {
	env, c := contendedConfig(t)
	n := c.Phones.Count
	var total float64
	lockstep(t, env, c, MultiOptions{Estimate: true}, MultiOptions{Estimate: true, Difference: true}, 7, firstSite,
		func(_, r, rd []float64) {
			for i := range n {
				d := r[i*rl.MultiObjectives+rl.MultiDelay] - rd[i*rl.MultiObjectives+rl.MultiDelay]
				if d < 0 {
					t.Fatalf("phone %d: difference delay reward %v above the estimate's %v", i, rd[i*rl.MultiObjectives+rl.MultiDelay], r[i*rl.MultiObjectives+rl.MultiDelay])
				}
				total += d
				if rd[i*rl.MultiObjectives+rl.MultiEnergy] != r[i*rl.MultiObjectives+rl.MultiEnergy] {
					t.Fatalf("phone %d: the difference reward changed the energy utility", i)
				}
			}
		})
	if !(total > 0) {
		t.Error("no phone was ever charged for the waiting its tasks imposed")
	}
}

// TestMultiEnvEstimateAsIs: with the servers' state reported only at
// the start, the phones' observations show the edge queues empty, yet the
// estimate reward is the one a world with fresh state gives for the same
// decisions, step by step: the trainer prices a decision with the queues
// as they are.
func TestMultiEnvEstimateAsIs(t *testing.T) {
	env, fresh := contendedConfig(t)
	stale := *fresh
	stale.StaleState = time.Hour
	opt := MultiOptions{Estimate: true, Drain: true}
	ms, err := env.NewMultiEnv(&stale, opt)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := env.NewMultiEnv(fresh, opt)
	if err != nil {
		t.Fatal(err)
	}
	ms.Reset(7)
	mf.Reset(7)
	n, o, k := ms.Shape()
	obsS, obsF, mask := make([]float64, n*o), make([]float64, n*o), make([]bool, n*k)
	actions := make([]int, n)
	rs, rf := make([]float64, n*rl.MultiObjectives), make([]float64, n*rl.MultiObjectives)
	queued := 0
	for over := false; !over; {
		if err := mf.Observe(obsF, mask); err != nil {
			t.Fatal(err)
		}
		if err := ms.Observe(obsS, mask); err != nil {
			t.Fatal(err)
		}
		sp := ms.Space()
		for i := range n {
			for s := range sp.Sites {
				col := rl.MultiHead + (sp.Locals+s)*rl.TargetFeatures + rl.TargetQueueLen
				if obsS[i*o+col] != 0 {
					t.Fatalf("phone %d sees a queue at site %d in a state reported before any task", i, s)
				}
				if obsF[i*o+col] > 0 {
					queued++
				}
			}
		}
		firstSite(mask, k, actions)
		if _, over, err = ms.Step(actions, rs); err != nil {
			t.Fatal(err)
		}
		if _, _, err := mf.Step(actions, rf); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rs, rf) {
			t.Fatalf("rewards with stale state %v, with fresh state %v", rs, rf)
		}
	}
	if queued == 0 {
		t.Fatal("no phone ever saw a queue at an edge site: nothing to check")
	}
}

// TestMultiEnvPerTask checks the rounds of MultiOptions.PerTask on a
// drained episode: a step that stays within its slot decides exactly one
// task of every phone that had one waiting and leaves some task waiting;
// the world moves on only when none is left; and the realised delay
// rewards, which come with the steps that end a slot, still add up to
// the jobs' total latency (Little's law, as in slot mode).
func TestMultiEnvPerTask(t *testing.T) {
	env, c := multiConfig(t, 4)
	m, err := env.NewMultiEnv(c, MultiOptions{LatencyScale: 1, Drain: true, PerTask: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Reset(3)
	n, o, k := m.Shape()
	obs, mask := make([]float64, n*o), make([]bool, n*k)
	actions, r := make([]int, n), make([]float64, n*rl.MultiObjectives)
	before := make([]int, n)
	var inSystem float64
	rounds, slots := 0, 0
	for {
		if err := m.Observe(obs, mask); err != nil {
			t.Fatal(err)
		}
		firstSite(mask, k, actions)
		boundary := m.world.Boundary()
		for i := range n {
			before[i] = m.world.Waiting(i)
		}
		_, over, err := m.Step(actions, r)
		if err != nil {
			t.Fatal(err)
		}
		rounds++
		for i := range n {
			inSystem -= r[i*rl.MultiObjectives+rl.MultiDelay]
		}
		if m.world.Boundary() == boundary {
			left := 0
			for i := range n {
				if want := max(before[i]-1, 0); m.world.Waiting(i) != want {
					t.Fatalf("round %d: phone %d had %d tasks waiting, has %d, want %d", rounds, i, before[i], m.world.Waiting(i), want)
				}
				left += m.world.Waiting(i)
			}
			if left == 0 {
				t.Fatalf("round %d: nothing is waiting and the slot did not end", rounds)
			}
		} else {
			slots++
			for i := range n {
				if before[i] > 1 {
					t.Fatalf("round %d ended the slot with phone %d's %d tasks undecided", rounds, i, before[i]-1)
				}
			}
		}
		if over {
			break
		}
	}
	tasks, _, err := m.Results("test")
	if err != nil {
		t.Fatal(err)
	}
	var latency float64
	for _, tk := range tasks {
		latency += tk.Latency
	}
	if rounds <= slots {
		t.Errorf("%d rounds in %d slots: no slot took more than one", rounds, slots)
	}
	if math.Abs(inSystem-latency) > 1e-9*latency {
		t.Errorf("delay rewards add to %.9f task·s, the jobs' latencies to %.9f s", inSystem, latency)
	}
}

// TestAgentsArePlayedAsTrained: agents trained per task (their config
// says so) are played per task when named by path, and agents trained
// per slot per slot.
func TestAgentsArePlayedAsTrained(t *testing.T) {
	env, c := multiConfig(t, 3)
	sc, err := env.Scenario(c)
	if err != nil {
		t.Fatal(err)
	}
	sp := SpaceOf(sc)
	for _, perTask := range []bool{true, false} {
		cfg := rl.DefaultMADDPG()
		cfg.PerTask = perTask
		m, err := rl.NewMADDPG(cfg, c.Phones.Count, sp.ObsLen(), sp.Actions(), sim.NewStreams(1))
		if err != nil {
			t.Fatal(err)
		}
		me, err := agentsEnv(sc, m, "agents")
		if err != nil {
			t.Fatal(err)
		}
		if me.opt.PerTask != perTask {
			t.Errorf("agents trained with per_task = %v played with %v", perTask, me.opt.PerTask)
		}
	}
}
