package refenv

import (
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("refenv.seed", 1, "seed of the randomised refenv tests; 0 picks one from the clock and logs it")

// testRand returns the generator of a randomised test. The seed comes from
// -refenv.seed and is logged, so that a failure can be replayed.
func testRand(t testing.TB) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -refenv.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0x5e1f))
}

// psRelTol is the relative tolerance between the virtual-time computation
// and the brute-force simulation: both sum a few dozen floating-point
// terms, so they agree to a few ulps of the sums; 1e-9 leaves room for the
// cancellation in a difference of two such sums.
const psRelTol = 1e-9

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Max(math.Abs(got), math.Abs(want)))
}

// bruteForcePS simulates a processor-sharing server of speed mu bits/s the
// plain way, independent of sumCompletion: at every event (an arrival or a
// departure) it finds the time to the next one and takes the work done in
// between off every present job's remaining work. It returns each job's
// completion time from now, in the order of jobs (which need not be
// sorted).
func bruteForcePS(mu float64, jobs []psJob) []float64 {
	n := len(jobs)
	rem := make([]float64, n)
	present := make([]bool, n)
	done := make([]bool, n)
	finish := make([]float64, n)
	t := 0.0
	for {
		for i, j := range jobs {
			if !present[i] && !done[i] && j.at <= t {
				present[i], rem[i] = true, j.work
			}
		}
		k := 0
		first := -1
		for i := range jobs {
			if present[i] {
				k++
				if first < 0 || rem[i] < rem[first] {
					first = i
				}
			}
		}
		nextArrival := math.Inf(1)
		for i, j := range jobs {
			if !present[i] && !done[i] {
				nextArrival = math.Min(nextArrival, j.at)
			}
		}
		if k == 0 {
			if math.IsInf(nextArrival, 1) {
				return finish
			}
			t = nextArrival
			continue
		}
		share := mu / float64(k)
		dtLeave := rem[first] / share
		if nextArrival-t < dtLeave {
			dt := nextArrival - t
			for i := range jobs {
				if present[i] {
					rem[i] -= dt * share
				}
			}
			t = nextArrival
			continue
		}
		for i := range jobs {
			if present[i] {
				rem[i] -= dtLeave * share
			}
		}
		t += dtLeave
		present[first], done[first], finish[first] = false, true, t
		for i := range jobs { // exact ties leave together
			if present[i] && rem[i] <= 1e-9 {
				present[i], done[i], finish[i] = false, true, t
			}
		}
	}
}

func sumOf(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

func sortedJobs(jobs []psJob) []psJob {
	s := slices.Clone(jobs)
	slices.SortStableFunc(s, func(a, b psJob) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	return s
}

// serverOf builds a server of speed mu at a slot boundary, executing exec
// (remaining works, bits) and with uploads ending at up[i].at carrying
// up[i].work bits.
func serverOf(mu float64, exec []float64, up []psJob) server {
	s := server{ghz: mu * 1000 / 1e9, mu: mu}
	for _, w := range exec {
		s.exec = insertJob(s.exec, job{level: w, work: w})
	}
	for _, u := range up {
		s.up = insertJob(s.up, job{level: u.at, work: u.work})
	}
	return s
}

// A server at 2 GHz and 1000 cycles/bit serves mu = 2 Mbit/s. Two tasks
// execute with 2 and 4 Mbit left; a 3 Mbit task arrives after a 0.5 s
// upload.
//
// Without it: both get 1 Mbit/s; the 2 Mbit task leaves at 2 s, the other
// has 2 Mbit left, alone at 2 Mbit/s, and leaves at 3 s: sum 5 s.
//
// With it: by 0.5 s each old task has had 0.5 Mbit (1.5 and 3.5 Mbit left).
// Three share 2/3 Mbit/s: the 1.5 Mbit task leaves after 2.25 s, at 2.75 s,
// leaving 2 and 1.5 Mbit. Two share 1 Mbit/s: the new task leaves after
// 1.5 s, at 4.25 s, leaving 0.5 Mbit, served alone at 2 Mbit/s in 0.25 s:
// the last leaves at 4.5 s. Sum 2.75 + 4.25 + 4.5 = 11.5 s.
//
// Increase: 11.5 − 5 = 6.5 s (the new task's 4.25 s, of which 0.5 s
// upload, and 0.75 + 1.5 s of slowdown to the others); delay utility
// −0.01 × 6.5 = −0.065.
func TestExactDelayByHand(t *testing.T) {
	e, err := New(Reference())
	if err != nil {
		t.Fatal(err)
	}
	const mu = 2e6
	s := serverOf(mu, []float64{2e6, 4e6}, nil)
	without, _ := sumCompletion(mu, []psJob{{0, 2e6}, {0, 4e6}}, nil)
	if !relClose(without, 5, 1e-12) {
		t.Errorf("sum without = %v s, want 5", without)
	}
	if d := e.exactDelay(&s, 0.5, 3e6); !relClose(d, 6.5, 1e-12) {
		t.Errorf("delay increase = %v s, want 6.5", d)
	}

	// The same new task, but the 4 Mbit task is itself still uploading and
	// arrives at 1 s. Without the new task: the 2 Mbit task runs alone at
	// 2 Mbit/s and leaves at 1 s, just as the 4 Mbit task arrives, which then
	// runs alone and leaves at 3 s: sum 4 s.
	// With it: 0–0.5 s alone, 1 Mbit done (1 Mbit left); 0.5–1 s two share
	// 1 Mbit/s: 0.5 Mbit each (0.5 and 2.5 Mbit left); at 1 s the 4 Mbit task
	// joins: three share 2/3 Mbit/s, the 0.5 Mbit task leaves after 0.75 s,
	// at 1.75 s (2 and 3.5 Mbit left); two share 1 Mbit/s, the new task
	// leaves after 2 s, at 3.75 s (1.5 Mbit left), and the last alone after
	// 0.75 s, at 4.5 s. Sum 1.75 + 3.75 + 4.5 = 10 s. Increase 10 − 4 = 6 s.
	s = serverOf(mu, []float64{2e6}, []psJob{{at: 1, work: 4e6}})
	if d := e.exactDelay(&s, 0.5, 3e6); !relClose(d, 6, 1e-12) {
		t.Errorf("with an upload in flight: delay increase = %v s, want 6", d)
	}
}

// The reference code's estimate on the first case of TestExactDelayByHand:
// t2 = (2²·2 + 1²·(4−2)) Mbit / 2 Mbit/s = 5 s. Walking the phases, the new
// task arrives in the first (0.5 s < 2 s): t1 = 2·0.5 = 1 s and only the
// 2 Mbit task is cut, by 0.5·1 Mbit, to 1.5 Mbit; the 4 Mbit task keeps its
// 4 Mbit. With the new task, [1.5, 3, 4] Mbit: t1 += (3²·1.5 + 2²·1.5 +
// 1²·1)/2 = 10.25 s, t1 = 11.25 s. Estimate 11.25 − 5 = 6.25 s, against the
// exact 6.5 s: the exact value charges the 0.5 s upload to the new task and
// takes the 0.5 Mbit done off the 4 Mbit task.
func TestReferenceDelayByHand(t *testing.T) {
	d, _ := referenceDelayIncrease(2e6, []float64{2e6, 4e6}, 0.5, 3e6, nil)
	if !relClose(d, 6.25, 1e-12) {
		t.Errorf("reference estimate = %v s, want 6.25", d)
	}
	// An empty server: the reference charges only the execution, 3/2 s.
	if d, _ := referenceDelayIncrease(2e6, nil, 0.5, 3e6, nil); !relClose(d, 1.5, 1e-12) {
		t.Errorf("reference estimate on an empty server = %v s, want 1.5", d)
	}
	// Every old task done before the new one arrives (upload 5 s): the
	// reference counts them again in full. Old [2, 4] Mbit finish by 3 s;
	// t1 walks both phases: 2·2 + 1·1 = 5 s; then [2, 3, 4] Mbit from
	// scratch: (9·2 + 4·1 + 1·1)/2 = 11.5 s; t1 = 16.5 s, estimate 11.5 s.
	if d, _ := referenceDelayIncrease(2e6, []float64{2e6, 4e6}, 5, 3e6, nil); !relClose(d, 11.5, 1e-12) {
		t.Errorf("reference estimate after all old tasks finish = %v s, want 11.5", d)
	}
}

// With every job present at once, each pair of jobs delays each other by
// the smaller work: D = Σ_i Σ_j min(w_i, w_j)/mu.
func TestSumCompletionClosedForm(t *testing.T) {
	rng := testRand(t)
	for range 200 {
		n := rng.IntN(8)
		mu := 1e6 + 4e6*rng.Float64()
		jobs := make([]psJob, n)
		want := 0.0
		for i := range jobs {
			jobs[i].work = 1e7 * rng.ExpFloat64()
		}
		for _, a := range jobs {
			for _, b := range jobs {
				want += math.Min(a.work, b.work) / mu
			}
		}
		got, _ := sumCompletion(mu, jobs, nil)
		if !relClose(got, want, psRelTol) {
			t.Fatalf("works %v: sum = %v, want %v", jobs, got, want)
		}
	}
}

// randomCase draws a server state: executing jobs, uploads in flight and a
// new task with its upload time. Some uploads take 0 s, and some arrive
// after every other job has left, to reach the idle and tie paths.
func randomCase(rng *rand.Rand) (mu float64, exec []float64, up []psJob, newUp, newBits float64) {
	mu = 1.5e6 + 3.5e6*rng.Float64()
	exec = make([]float64, rng.IntN(7))
	for i := range exec {
		exec[i] = 8e6 * rng.ExpFloat64()
	}
	up = make([]psJob, rng.IntN(4))
	for i := range up {
		up[i] = psJob{at: 4 * rng.Float64(), work: 8e6 * rng.ExpFloat64()}
		if rng.IntN(8) == 0 {
			up[i].at = 40 + 10*rng.Float64()
		}
	}
	newBits = 8e6 * rng.ExpFloat64()
	switch rng.IntN(4) {
	case 0:
		newUp = 0
	case 1:
		newUp = 60 * rng.Float64()
	default:
		newUp = 0.2 * rng.Float64()
	}
	return mu, exec, up, newUp, newBits
}

func allJobs(exec []float64, up []psJob) []psJob {
	var jobs []psJob
	for _, w := range exec {
		jobs = append(jobs, psJob{at: 0, work: w})
	}
	return append(jobs, up...)
}

// The exact delay increase against the brute-force simulation, on random
// server states.
func TestExactDelayBruteForce(t *testing.T) {
	rng := testRand(t)
	e, err := New(Reference())
	if err != nil {
		t.Fatal(err)
	}
	for c := range 2000 {
		mu, exec, up, newUp, newBits := randomCase(rng)
		jobs := allJobs(exec, up)
		without := sumOf(bruteForcePS(mu, jobs))
		with := sumOf(bruteForcePS(mu, append(slices.Clone(jobs), psJob{at: newUp, work: newBits})))
		want := with - without

		got, _ := sumCompletion(mu, sortedJobs(jobs), nil)
		if !relClose(got, without, psRelTol) {
			t.Fatalf("case %d: sumCompletion = %v, brute force %v (mu %v, jobs %v)", c, got, without, mu, jobs)
		}
		s := serverOf(mu, exec, up)
		if d := e.exactDelay(&s, newUp, newBits); !relClose(d, want, psRelTol) {
			t.Fatalf("case %d: delay increase = %v s, brute force %v s (mu %v, exec %v, up %v, new %v bits after %v s)",
				c, d, want, mu, exec, up, newBits, newUp)
		}
	}
}

// A server advanced slot by slot finishes its jobs at the times the
// brute-force simulation gives.
func TestServerAdvanceBruteForce(t *testing.T) {
	rng := testRand(t)
	for c := range 500 {
		mu, exec, up, _, _ := randomCase(rng)
		jobs := allJobs(exec, up)
		finish := bruteForcePS(mu, jobs)
		want := sumOf(finish)

		s := serverOf(mu, exec, up)
		dt := []float64{1, 0.25, 3}[rng.IntN(3)]
		got, n := 0.0, 0
		for slot := 0; len(s.exec)+len(s.up) > 0; slot++ {
			k, sum := s.advance(dt, float64(slot)*dt)
			got += sum
			n += k
			if slot > 1e6 {
				t.Fatalf("case %d: server never empties", c)
			}
		}
		if n != len(jobs) {
			t.Fatalf("case %d: %d jobs finished, want %d", c, n, len(jobs))
		}
		if !relClose(got, want, psRelTol) {
			t.Fatalf("case %d: sum of completion times = %v, brute force %v (mu %v, jobs %v, dt %v)", c, got, want, mu, jobs, dt)
		}
	}
}
