package refenv

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

func newEnv(t testing.TB, c Config) *Env {
	t.Helper()
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// buffers returns observation and mask buffers of e's shape.
func buffers(e *Env) ([]float64, []bool) {
	cols, feats := e.Shape()
	return make([]float64, cols*feats), make([]bool, cols)
}

func observe(t testing.TB, e *Env) ([]float64, []bool) {
	t.Helper()
	obs, mask := buffers(e)
	if err := e.Observe(obs, mask); err != nil {
		t.Fatal(err)
	}
	return obs, mask
}

// randomAction draws a valid action uniformly.
func randomAction(e *Env, rng *rand.Rand) int { return rng.IntN(e.Edges() + 1) }

// Rewards(a) is what Step(a) returns, for every valid a, and changes
// nothing.
func TestRewardsMatchStep(t *testing.T) {
	rng := testRand(t)
	for _, delay := range []DelayModel{ExactDelay, ReferenceDelay} {
		c := Reference()
		c.Delay = delay
		e := newEnv(t, c)
		for ep := range 20 {
			e.Reset(uint64(ep))
			for slot := 0; ; slot++ {
				before, _ := observe(t, e)
				stats := e.Stats()
				var all [][2]float64
				for a := 0; a <= e.Edges(); a++ {
					r, err := e.Rewards(a)
					if err != nil {
						t.Fatal(err)
					}
					if r[0] > 0 || r[1] > 0 {
						t.Fatalf("%v, episode %d slot %d: positive utility %v", delay, ep, slot, r)
					}
					all = append(all, r)
				}
				after, _ := observe(t, e)
				if !slices.Equal(before, after) || e.Stats().Decisions != stats.Decisions {
					t.Fatalf("%v, episode %d slot %d: Rewards changed the state", delay, ep, slot)
				}
				a := randomAction(e, rng)
				r, term, trunc, err := e.Step(a)
				if err != nil {
					t.Fatal(err)
				}
				if r != all[a] {
					t.Fatalf("%v, episode %d slot %d: Step(%d) = %v, Rewards said %v", delay, ep, slot, a, r, all[a])
				}
				if term {
					t.Fatal("terminated = true; the episode only ends by its time limit")
				}
				if trunc != (slot == c.Slots-1) {
					t.Fatalf("slot %d: truncated = %v", slot, trunc)
				}
				if trunc {
					break
				}
			}
		}
	}
}

// realHeadSeed returns a seed whose first head task is real.
func realHeadSeed(t *testing.T, e *Env) uint64 {
	for seed := uint64(1); seed < 1000; seed++ {
		e.Reset(seed)
		if e.cur.bits > 0 {
			return seed
		}
	}
	t.Fatal("no seed with a real first task")
	return 0
}

// On the first slot every server is empty, so placing a task of S bits
// costs exactly its own completion time, the upload S/R plus the execution
// S·C/f (or the execution alone under ReferenceDelay), and the energy
// S/R·P + S·κ·C·f².
func TestFirstPlacementCosts(t *testing.T) {
	for _, delay := range []DelayModel{ExactDelay, ReferenceDelay} {
		c := Reference()
		c.Delay = delay
		e := newEnv(t, c)
		e.Reset(realHeadSeed(t, e))
		obs, _ := observe(t, e)
		_, feats := e.Shape()
		for a := 0; a <= e.Edges(); a++ {
			col := obs[a*feats:]
			bits := col[FeatureTaskMbit] * 1e6
			rate := col[FeatureRate] * 1e8
			f := col[FeatureGHz] * 1e9
			wantDelay := bits * c.CyclesPerBit / f
			if delay == ExactDelay {
				wantDelay += bits / rate
			}
			wantEnergy := bits/rate*c.TxPowerW + bits*c.Kappa*c.CyclesPerBit*f*f
			r, err := e.Rewards(a)
			if err != nil {
				t.Fatal(err)
			}
			if !relClose(r[0], -0.01*wantDelay, 1e-12) || !relClose(r[1], -50*wantEnergy, 1e-12) {
				t.Errorf("%v, action %d: rewards %v, want [%v %v]", delay, a, r, -0.01*wantDelay, -50*wantEnergy)
			}
		}
	}
}

// Without arrivals every head task is the dummy: every decision is worth
// (0, 0) and nothing is placed.
func TestDummyTasks(t *testing.T) {
	c := Reference()
	c.ArrivalsPerSlot = 0
	e := newEnv(t, c)
	e.Reset(7)
	_, feats := e.Shape()
	for {
		obs, _ := observe(t, e)
		if obs[FeatureTaskMbit] != 0 {
			t.Fatalf("dummy task of %v Mbit", obs[FeatureTaskMbit])
		}
		if rate := obs[feats+FeatureRate]; !(rate > 0) {
			t.Fatalf("dummy task's user has rate %v to edge 1", rate)
		}
		r, _, trunc, err := e.Step(e.Edges())
		if err != nil {
			t.Fatal(err)
		}
		if r != [2]float64{} {
			t.Fatalf("dummy placement gave %v", r)
		}
		if trunc {
			break
		}
	}
	s := e.Stats()
	if s.Placed != 0 || s.Dummies != c.Slots || s.Decisions != c.Slots || s.Arrived != 0 || s.DelayCost != 0 || s.EnergyCost != 0 {
		t.Errorf("stats after an all-dummy episode: %+v", s)
	}
}

// trajectory runs an episode from seed, choosing actions with policy, and
// records every observation, mask and reward.
func trajectory(t *testing.T, e *Env, seed uint64, policy func(slot int) int) (obs [][]float64, masks [][]bool, rewards [][2]float64) {
	e.Reset(seed)
	for slot := 0; ; slot++ {
		o, m := observe(t, e)
		obs, masks = append(obs, o), append(masks, m)
		r, _, trunc, err := e.Step(min(policy(slot), e.Edges()))
		if err != nil {
			t.Fatal(err)
		}
		rewards = append(rewards, r)
		if trunc {
			o, m := observe(t, e)
			return append(obs, o), append(masks, m), rewards
		}
	}
}

// Reset(seed) twice, with the same actions, gives the same episode; so does
// a second Env.
func TestReproducible(t *testing.T) {
	c := Reference()
	e1, e2 := newEnv(t, c), newEnv(t, c)
	policy := func(slot int) int { return (slot * 7) % 11 }
	o1, m1, r1 := trajectory(t, e1, 42, policy)
	trajectory(t, e1, 43, policy) // another episode in between
	o2, m2, r2 := trajectory(t, e1, 42, policy)
	o3, m3, r3 := trajectory(t, e2, 42, policy)
	for i := range o1 {
		if !slices.Equal(o1[i], o2[i]) || !slices.Equal(m1[i], m2[i]) || !slices.Equal(o1[i], o3[i]) || !slices.Equal(m1[i], m3[i]) {
			t.Fatalf("slot %d: observations differ", i)
		}
	}
	if !slices.Equal(r1, r2) || !slices.Equal(r1, r3) {
		t.Fatal("rewards differ")
	}
	if s1, s2 := e1.Stats(), e2.Stats(); s1.DelayCost != s2.DelayCost || s1.Finished != s2.Finished {
		t.Fatalf("stats differ: %+v, %+v", s1, s2)
	}
}

// The features no action can change: the system, the task and its user's
// channel.
var actionFree = []int{FeaturePresent, FeatureGHz, FeatureEdges, FeatureTaskMbit, FeatureNotDone, FeatureRate}

// Different actions see the same E, CPU speeds, channels, arrivals, sizes
// and users (common random numbers).
func TestCommonRandomNumbers(t *testing.T) {
	c := Reference()
	e := newEnv(t, c)
	_, feats := e.Shape()
	rng := testRand(t)
	for seed := range uint64(10) {
		cloud, _, _ := trajectory(t, e, seed, func(int) int { return 0 })
		arrivedCloud := e.Stats().Arrived
		random, _, _ := trajectory(t, e, seed, func(int) int { return rng.IntN(11) })
		if e.Stats().Arrived != arrivedCloud {
			t.Fatalf("seed %d: %d arrivals under one policy, %d under another", seed, arrivedCloud, e.Stats().Arrived)
		}
		executing := false
		for i := range cloud {
			for k := range c.Columns {
				for _, f := range actionFree {
					if cloud[i][k*feats+f] != random[i][k*feats+f] {
						t.Fatalf("seed %d, slot %d, column %d: feature %d is %v under one policy, %v under another",
							seed, i, k, f, cloud[i][k*feats+f], random[i][k*feats+f])
					}
				}
				executing = executing || cloud[i][k*feats+FeatureExecuting] != random[i][k*feats+FeatureExecuting]
			}
		}
		if !executing {
			t.Errorf("seed %d: the two policies loaded the servers alike", seed)
		}
	}

	// Fixing E keeps the CPU speeds and channels of the edges that remain.
	e.Reset(3)
	drawn, _ := observe(t, e)
	fixed := c
	fixed.Edges = 1
	f := newEnv(t, fixed)
	f.Reset(3)
	one, _ := observe(t, f)
	for _, feat := range []int{FeatureGHz, FeatureRate} {
		for k := range 2 {
			if drawn[k*feats+feat] != one[k*feats+feat] {
				t.Errorf("column %d feature %d: %v with E drawn, %v with E = 1", k, feat, drawn[k*feats+feat], one[k*feats+feat])
			}
		}
	}
}

// E is drawn uniformly from 1..10 and the CPU speeds from their ranges;
// fixed values are kept.
func TestSystemDraws(t *testing.T) {
	c := Reference()
	e := newEnv(t, c)
	const episodes = 5000
	var count [11]int
	for seed := range uint64(episodes) {
		e.Reset(seed)
		count[e.Edges()]++
		for k := 0; k <= e.Edges(); k++ {
			r := c.EdgeGHz
			if k == 0 {
				r = c.CloudGHz
			}
			if g := e.servers[k].ghz; g < r[0] || g > r[1] {
				t.Fatalf("seed %d: server %d at %v GHz, outside %v", seed, k, g, r)
			}
		}
	}
	// Each E has probability 1/10: 500 expected, standard deviation
	// √(5000·0.1·0.9) ≈ 21; 6 standard deviations is 127.
	for E := 1; E <= 10; E++ {
		if math.Abs(float64(count[E])-episodes/10) > 127 {
			t.Errorf("E = %d drawn %d times in %d episodes, want about %d", E, count[E], episodes, episodes/10)
		}
	}
	if count[0] != 0 {
		t.Errorf("E = 0 drawn %d times", count[0])
	}

	c.Edges, c.CloudGHz, c.EdgeGHz = 4, [2]float64{4, 4}, [2]float64{2, 2}
	e = newEnv(t, c)
	e.Reset(1)
	obs, mask := observe(t, e)
	_, feats := e.Shape()
	if e.Edges() != 4 || obs[FeatureGHz] != 4 || obs[feats+FeatureGHz] != 2 || obs[FeatureEdges] != 4 {
		t.Errorf("fixed system: E = %d, cloud %v GHz, edge %v GHz, feature E = %v", e.Edges(), obs[FeatureGHz], obs[feats+FeatureGHz], obs[FeatureEdges])
	}
	if !slices.Equal(mask, []bool{true, true, true, true, true, false, false, false, false, false, false}) {
		t.Errorf("mask with E = 4: %v", mask)
	}
}

// The task sizes are exponential with mean one slot of the system's
// capacity, clipped to [0.1, 100] Mbit. With E = 3 and fixed 4 and 2 GHz,
// θ = (4 + 3·2)e9/1000 = 10 Mbit; clipping moves the mean to
// θ(1 − e^(−10)) + 0.1e6·(1 − e^(−0.01)) − ... ≈ θ within 0.01%, so the
// sample mean of n sizes is within 4 standard errors, 4θ/√n, of θ.
func TestTaskSizes(t *testing.T) {
	c := Reference()
	c.Edges, c.CloudGHz, c.EdgeGHz = 3, [2]float64{4, 4}, [2]float64{2, 2}
	c.ArrivalsPerSlot = 5
	e := newEnv(t, c)
	const theta = 10e6
	var sizes []float64
	for seed := range uint64(40) {
		e.Reset(seed)
		for {
			sizes = append(sizes, e.cur.bits)
			if _, _, trunc, err := e.Step(0); err != nil {
				t.Fatal(err)
			} else if trunc {
				break
			}
		}
	}
	mean := 0.0
	for _, s := range sizes {
		if s < 0.1e6 || s > 100e6 {
			t.Fatalf("task of %v bits outside [0.1, 100] Mbit", s)
		}
		mean += s
	}
	mean /= float64(len(sizes))
	if se := theta / math.Sqrt(float64(len(sizes))); math.Abs(mean-theta) > 4*se {
		t.Errorf("mean task size %v bits over %d tasks, want %v ± %v", mean, len(sizes), theta, 4*se)
	}
}

// The observation's layout: present columns, padding, mask, histogram
// bins with the last one open, and no preference.
func TestObservationLayout(t *testing.T) {
	c := Reference()
	c.Edges = 3
	e := newEnv(t, c)
	e.Reset(realHeadSeed(t, e))
	// Edge 1 executes tasks with these remaining works; 1 Mbit bins.
	rem := []float64{0.5e6, 1e6, 1.999e6, 58.5e6, 59.9e6, 60e6, 250e6}
	for _, w := range rem {
		e.servers[1].exec = insertJob(e.servers[1].exec, job{level: w, work: w})
	}
	wantHist := make([]float64, c.Bins)
	wantHist[0], wantHist[1], wantHist[58], wantHist[59] = 1, 2, 1, 3

	obs, mask := observe(t, e)
	cols, feats := e.Shape()
	if len(obs) != 11*67 {
		t.Fatalf("len(obs) = %d, want 11×67 (no preference)", len(obs))
	}
	for k := range cols {
		col := obs[k*feats : (k+1)*feats]
		if k > 3 {
			if mask[k] {
				t.Errorf("padding column %d unmasked", k)
			}
			for i, v := range col {
				if v != c.PadValue {
					t.Errorf("padding column %d feature %d = %v, want %v", k, i, v, c.PadValue)
				}
			}
			continue
		}
		if !mask[k] {
			t.Errorf("present column %d masked", k)
		}
		rate := e.rate[k*c.Users+e.cur.user]
		if col[FeaturePresent] != 1 || col[FeatureGHz] != e.servers[k].ghz || col[FeatureEdges] != 3 ||
			col[FeatureTaskMbit] != e.cur.bits/1e6 || col[FeatureNotDone] != 1 || col[FeatureRate] != rate/1e8 {
			t.Errorf("column %d scalars %v", k, col[:NumScalars])
		}
		hist := col[FeatureHistogram:]
		switch k {
		case 1:
			if col[FeatureExecuting] != float64(len(rem)) || !slices.Equal(hist, wantHist) {
				t.Errorf("edge 1: executing %v, histogram %v; want %d, %v", col[FeatureExecuting], hist, len(rem), wantHist)
			}
		default:
			if col[FeatureExecuting] != 0 || slices.Max(hist) != 0 {
				t.Errorf("column %d: executing %v, histogram %v; want empty", k, col[FeatureExecuting], hist)
			}
		}
	}

	// Wrong buffer sizes are an error, whether too short or too long.
	for _, tc := range []struct{ obs, mask int }{{cols*feats - 1, cols}, {cols*feats + 2, cols}, {cols * feats, cols - 1}} {
		if err := e.Observe(make([]float64, tc.obs), make([]bool, tc.mask)); err == nil {
			t.Errorf("Observe accepted buffers of %d and %d", tc.obs, tc.mask)
		}
	}

	// After the last slot the episode is marked done.
	for {
		_, _, trunc, err := e.Step(0)
		if err != nil {
			t.Fatal(err)
		}
		if trunc {
			break
		}
	}
	obs, _ = observe(t, e)
	if obs[FeatureNotDone] != 0 {
		t.Errorf("FeatureNotDone = %v after the last slot, want 0", obs[FeatureNotDone])
	}
}

// Misuse is an error that changes nothing.
func TestStepErrors(t *testing.T) {
	c := Reference()
	c.Edges = 4
	e := newEnv(t, c)
	obs, mask := buffers(e)
	if _, _, _, err := e.Step(0); err == nil || !strings.Contains(err.Error(), "Reset") {
		t.Errorf("Step before Reset: %v", err)
	}
	if _, err := e.Rewards(0); err == nil {
		t.Error("Rewards before Reset: no error")
	}
	if err := e.Observe(obs, mask); err == nil {
		t.Error("Observe before Reset: no error")
	}

	e.Reset(1)
	before, _ := observe(t, e)
	for _, a := range []int{-1, 5, 10, 11, 100} {
		if _, _, _, err := e.Step(a); err == nil {
			t.Errorf("Step(%d) with E = 4: no error", a)
		}
		if _, err := e.Rewards(a); err == nil {
			t.Errorf("Rewards(%d) with E = 4: no error", a)
		}
	}
	after, _ := observe(t, e)
	if !slices.Equal(before, after) || e.Stats().Decisions != 0 {
		t.Error("a refused action changed the state")
	}

	steps := 0
	for {
		_, term, trunc, err := e.Step(steps % 5)
		if err != nil {
			t.Fatal(err)
		}
		steps++
		if term || trunc {
			break
		}
	}
	if steps != c.Slots {
		t.Errorf("episode of %d steps, want %d", steps, c.Slots)
	}
	if _, _, _, err := e.Step(0); err == nil {
		t.Error("Step after the last slot: no error")
	}
}

// The statistics add up: the utilities sum to minus the costs, each cost is
// its scale times the unscaled sum, every decision is counted once.
func TestStatsAddUp(t *testing.T) {
	c := Reference()
	e := newEnv(t, c)
	rng := testRand(t)
	for seed := range uint64(10) {
		e.Reset(seed)
		var sum [2]float64
		for {
			r, _, trunc, err := e.Step(randomAction(e, rng))
			if err != nil {
				t.Fatal(err)
			}
			sum[0] += r[0]
			sum[1] += r[1]
			if trunc {
				break
			}
		}
		s := e.Stats()
		placed := 0
		for _, n := range s.Actions {
			placed += n
		}
		switch {
		case s.Decisions != c.Slots || s.Placed+s.Dummies != c.Slots || placed != s.Placed:
			t.Errorf("seed %d: counts %+v", seed, s)
		case !relClose(-sum[0], s.DelayCost, 1e-12) || !relClose(-sum[1], s.EnergyCost, 1e-12):
			t.Errorf("seed %d: utilities %v, costs %v, %v", seed, sum, s.DelayCost, s.EnergyCost)
		case !relClose(s.DelayCost, c.DelayScale*s.DelayS, 1e-12) || !relClose(s.EnergyCost, c.EnergyScale*s.EnergyJ, 1e-12):
			t.Errorf("seed %d: scaled costs %+v", seed, s)
		case s.Arrived != s.Placed+s.Backlog:
			t.Errorf("seed %d: %d arrived, %d placed, %d waiting", seed, s.Arrived, s.Placed, s.Backlog)
		case s.Finished > s.Placed || s.Finished == 0 || !(s.MeanCompletionS > 0):
			t.Errorf("seed %d: %d finished of %d, mean completion %v s", seed, s.Finished, s.Placed, s.MeanCompletionS)
		}
	}
}

// Reset re-seeds the environment's generators in place: it allocates
// nothing, so a vectorised caller that resets environments as their
// episodes end allocates nothing either.
func TestResetAllocatesNothing(t *testing.T) {
	e := newEnv(t, Reference())
	e.Reset(1)
	seed := uint64(1)
	if allocs := testing.AllocsPerRun(100, func() { seed++; e.Reset(seed) }); allocs != 0 {
		t.Errorf("%v allocations per Reset, want 0", allocs)
	}
}

// Step allocates nothing once the buffers have grown.
func TestStepAllocatesNothing(t *testing.T) {
	for _, delay := range []DelayModel{ExactDelay, ReferenceDelay} {
		c := Reference()
		c.Delay = delay
		e := newEnv(t, c)
		obs, mask := buffers(e)
		rng := rand.New(rand.NewPCG(1, 2))
		for seed := range uint64(20) { // grow the buffers
			e.Reset(seed)
			for {
				if _, _, trunc, _ := e.Step(randomAction(e, rng)); trunc {
					break
				}
			}
		}
		e.Reset(3)
		// AllocsPerRun calls the function once more than runs: one episode.
		allocs := testing.AllocsPerRun(c.Slots-1, func() {
			for a := 0; a <= e.Edges(); a++ {
				e.Rewards(a)
			}
			e.Observe(obs, mask)
			if _, _, _, err := e.Step(randomAction(e, rng)); err != nil {
				panic(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per step, want 0", delay, allocs)
		}
	}
}

// Magnitudes under uniformly random valid actions, logged for choosing
// learning defaults (go test -run Magnitudes -v). The bounds are orders of
// magnitude from the preset: a mean task of (4 + 5.5·2)/1000 GHz·1 s
// = 15 Mbit costs 0.03 J at 2 GHz and 0.12 J at 4 GHz, an energy utility
// of −1.5 to −6; it alone takes 7.5 s on an edge, a delay utility of
// −0.075, more with company.
func TestRewardMagnitudes(t *testing.T) {
	for _, rm := range []RateModel{ReferenceRate, ShannonRate} {
		c := Reference()
		c.Rate = rm
		e := newEnv(t, c)
		rng := testRand(t)
		var rd, re []float64
		var cloudRates, edgeRates []float64
		completion, placed, slots := 0.0, 0, 0
		for seed := range uint64(300) {
			e.Reset(seed)
			for k := 0; k <= e.Edges(); k++ {
				for u := range c.Users {
					if k == 0 {
						cloudRates = append(cloudRates, e.rate[u])
					} else {
						edgeRates = append(edgeRates, e.rate[k*c.Users+u])
					}
				}
			}
			for {
				r, _, trunc, err := e.Step(randomAction(e, rng))
				if err != nil {
					t.Fatal(err)
				}
				slots++
				if e.stats.Placed > placed {
					placed = e.stats.Placed
					rd, re = append(rd, r[0]), append(re, r[1])
				}
				if trunc {
					break
				}
			}
			completion += e.Stats().MeanCompletionS
			placed = 0
		}
		meanD, meanE := mean(rd), mean(re)
		t.Logf("%v rate: %d real placements in %d slots; per real placement r_delay mean %.4g (median %.4g, 1%% %.4g), r_energy mean %.4g (median %.4g, 1%% %.4g); per slot r_delay %.4g, r_energy %.4g; mean completion %.3g s",
			rm, len(rd), slots, meanD, quantile(rd, 0.5), quantile(rd, 0.01), meanE, quantile(re, 0.5), quantile(re, 0.01),
			meanD*float64(len(rd))/float64(slots), meanE*float64(len(re))/float64(slots), completion/300)
		t.Logf("%v rate: cloud uplinks %.3g / %.3g / %.3g / %.3g / %.3g bit/s (min, 5%%, median, 95%%, max); edge uplinks %.3g / %.3g / %.3g / %.3g / %.3g bit/s",
			rm, slices.Min(cloudRates), quantile(cloudRates, 0.05), quantile(cloudRates, 0.5), quantile(cloudRates, 0.95), slices.Max(cloudRates),
			slices.Min(edgeRates), quantile(edgeRates, 0.05), quantile(edgeRates, 0.5), quantile(edgeRates, 0.95), slices.Max(edgeRates))
		if rm == ReferenceRate {
			if meanE < -10 || meanE > -0.5 || meanD < -5 || meanD > -0.01 {
				t.Errorf("mean utilities per placement (%v, %v) far from the expected orders (−1.5…−6, −0.075…)", meanD, meanE)
			}
			if m := quantile(cloudRates, 0.5); m < 0.3e9 || m > 0.6e9 {
				t.Errorf("median cloud uplink %v bit/s, want 0.3–0.6 Gbit/s", m)
			}
			if m := quantile(edgeRates, 0.5); m < 0.6e9 || m > 0.95e9 {
				t.Errorf("median edge uplink %v bit/s, want 0.6–0.95 Gbit/s", m)
			}
		}
	}
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	return sumOf(x) / float64(len(x))
}

func quantile(x []float64, q float64) float64 {
	s := slices.Clone(x)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1))]
}

// TestRewardFeatures: with RewardFeatures each present column ends with the
// utilities Step would return for that action.
func TestRewardFeatures(t *testing.T) {
	c := Reference()
	c.RewardFeatures = true
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	cols, feats := e.Shape()
	if feats != NumScalars+c.Bins+2 {
		t.Fatalf("%d features, want %d", feats, NumScalars+c.Bins+2)
	}
	obs, mask := make([]float64, cols*feats), make([]bool, cols)
	e.Reset(7)
	for step := 0; step < 30; step++ {
		if err := e.Observe(obs, mask); err != nil {
			t.Fatal(err)
		}
		for k := range cols {
			if !mask[k] {
				continue
			}
			want, err := e.Rewards(k)
			if err != nil {
				t.Fatal(err)
			}
			got := obs[k*feats+feats-2 : k*feats+feats]
			if got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("step %d column %d: features %v, Rewards %v", step, k, got, want)
			}
		}
		if _, _, _, err := e.Step(step % (e.Edges() + 1)); err != nil {
			t.Fatal(err)
		}
	}
}
