package refenv

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mecsim/mecsim/sim"
)

// The scalar features at the head of every column of an observation, in
// order; the histogram follows them.
const (
	FeaturePresent   = iota // 1 for a present server (padding columns hold Config.PadValue throughout)
	FeatureGHz              // the server's CPU speed, GHz
	FeatureEdges            // E, the number of edge servers of the episode
	FeatureTaskMbit         // size of the task to place, Mbit (0 for the dummy task)
	FeatureNotDone          // 1 while the episode runs, 0 once it is over
	FeatureRate             // uplink rate from the task's user to the server, in units of 100 Mbit/s
	FeatureExecuting        // number of tasks executing on the server (uploads excluded)
	FeatureHistogram        // first of Config.Bins counts of executing tasks by remaining bits
)

// NumScalars is the number of scalar features per column.
const NumScalars = FeatureHistogram

// Stream labels: each quantity is drawn from its own stream of
// sim.NewStreams(seed), so no draw depends on the actions taken or on how
// many draws another quantity needed.
const (
	streamEdges    = "refenv/edges"    // E, when drawn
	streamCPU      = "refenv/cpu"      // the cloud's, then every potential edge's CPU speed
	streamChannel  = "refenv/channel"  // distance and fading of every (server, user) pair
	streamArrivals = "refenv/arrivals" // Poisson number of arrivals per slot
	streamSizes    = "refenv/sizes"    // task sizes
	streamUsers    = "refenv/users"    // each task's user, and the dummy task's
)

// streamLabels lists the streams in the order of Env.sources.
var streamLabels = [...]string{streamEdges, streamCPU, streamChannel, streamArrivals, streamSizes, streamUsers}

// task is a task waiting in the backlog, or the head task to place.
type task struct {
	bits float64 // size; 0 is the dummy task
	user int
}

// job is a placed task on a server.
type job struct {
	// level is, for an executing job, the server's virtual time at which it
	// leaves (its remaining work is level − server.v); for an uploading job,
	// the time, s from the start of the current slot, its upload ends.
	level  float64
	work   float64 // size, bits
	placed float64 // time of placement, s from the start of the episode
}

// server is the cloud or an edge.
type server struct {
	ghz float64
	mu  float64 // service rate, bits/s: f/C
	// v is the service each executing job has received since the start of
	// the slot (processor sharing serves all present jobs equally); it is 0
	// at every slot boundary, when the levels are the remaining works.
	v    float64
	exec []job // executing, by level descending: the next to leave is last
	up   []job // uploading, by upload end descending: the next to arrive is last
}

// EpisodeStats summarises the episode so far.
type EpisodeStats struct {
	Edges     int   // E of the episode
	Decisions int   // successful Step calls
	Placed    int   // real tasks placed (decisions on the dummy task excluded)
	Dummies   int   // decisions on the dummy task
	Actions   []int // Actions[a] is the number of real tasks placed by action a; Columns long
	Arrived   int   // tasks that arrived in the backlog, from Reset on
	Backlog   int   // tasks waiting in the backlog, the head task not included

	DelayS     float64 // sum over placed tasks of the delay increase, s (unscaled)
	EnergyJ    float64 // sum over placed tasks of the energy, J (unscaled)
	DelayCost  float64 // −(sum of the delay utilities) = DelayScale·DelayS
	EnergyCost float64 // −(sum of the energy utilities) = EnergyScale·EnergyJ

	Finished        int     // placed tasks whose execution ended within the episode
	MeanCompletionS float64 // their mean time from placement to the end of execution, s; 0 if none
}

// Env is the reference multi-edge offloading environment. It is not safe
// for concurrent use; run one Env per goroutine.
type Env struct {
	cfg          Config
	cols, feats  int
	expNegLambda float64
	binBits      float64
	link         link

	edgesRNG, cpuRNG, channelRNG *rand.Rand
	arrivalsRNG, sizesRNG        *rand.Rand
	usersRNG                     *rand.Rand
	// sources are the generators' PCGs, in the order of streamLabels,
	// re-seeded by Reset without allocating.
	sources [len(streamLabels)]*rand.PCG

	started, over bool
	edges         int
	slot          int     // decisions taken
	meanBits      float64 // mean of the exponential task size, bits
	servers       []server
	rate          []float64 // rate[s*Users+u], bit/s
	backlog       []task
	head          int // index in backlog of the next task to pop
	cur           task

	stats         EpisodeStats
	completionSum float64

	// scratch for the delay computation
	jobs    []psJob
	levels  []float64
	rem, rq []float64
}

// New returns an environment for c, or the error of c.Validate. Call Reset
// before anything else.
func New(c Config) (*Env, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	const prealloc = 64 // tasks per server and in the backlog before any growth
	e := &Env{
		cfg:          c,
		cols:         c.Columns,
		feats:        c.Features(),
		expNegLambda: math.Exp(-c.ArrivalsPerSlot),
		binBits:      c.BinMbit * 1e6,
		link:         c.link(),
		servers:      make([]server, c.Columns),
		rate:         make([]float64, c.Columns*c.Users),
		backlog:      make([]task, 0, 4*prealloc),
		jobs:         make([]psJob, 0, 2*prealloc),
		levels:       make([]float64, 0, 2*prealloc),
		rem:          make([]float64, 0, prealloc),
		rq:           make([]float64, 0, prealloc),
	}
	for i := range e.servers {
		e.servers[i].exec = make([]job, 0, prealloc)
		e.servers[i].up = make([]job, 0, prealloc)
	}
	e.stats.Actions = make([]int, c.Columns)
	for i := range e.sources {
		e.sources[i] = rand.NewPCG(0, 0) // seeded by Reset
	}
	rngs := []**rand.Rand{&e.edgesRNG, &e.cpuRNG, &e.channelRNG, &e.arrivalsRNG, &e.sizesRNG, &e.usersRNG}
	for i, r := range rngs {
		*r = rand.New(e.sources[i])
	}
	return e, nil
}

// Config returns the environment's configuration.
func (e *Env) Config() Config { return e.cfg }

// Shape returns the observation's shape: Columns columns of
// NumScalars + Bins features (11 and 67 for the preset).
func (e *Env) Shape() (columns, features int) { return e.cols, e.feats }

// Edges returns E, the number of edge servers of the current episode (0
// before the first Reset). Actions 0..E are valid.
func (e *Env) Edges() int { return e.edges }

// Reset starts a new episode drawn from sim.NewStreams(seed): E, the CPU
// speeds, the channels, and the arrivals with their sizes and users each
// come from their own labelled stream, so that two policies run from the
// same seed see the same system and the same tasks (common random numbers).
// The edges' CPU speeds and channels are drawn for all Columns − 1
// potential edges, so edge k's are the same whatever E is.
func (e *Env) Reset(seed uint64) {
	c := &e.cfg
	st := sim.NewStreams(seed)
	for i, label := range streamLabels {
		e.sources[i].Seed(st.State(label))
	}

	e.edges = c.Edges
	if e.edges == 0 {
		e.edges = c.MinEdges + e.edgesRNG.IntN(c.MaxEdges-c.MinEdges+1)
	}

	totalHz := 0.0
	for k := range e.servers {
		s := &e.servers[k]
		r := c.EdgeGHz
		if k == 0 {
			r = c.CloudGHz
		}
		s.ghz = uniform(e.cpuRNG, r)
		s.mu = s.ghz * 1e9 / c.CyclesPerBit
		s.v = 0
		s.exec = s.exec[:0]
		s.up = s.up[:0]
		if k <= e.edges {
			totalHz += s.ghz * 1e9
		}
	}
	e.meanBits = c.SlotSeconds * totalHz / c.CyclesPerBit

	for k := range e.servers {
		r := c.EdgeDistanceM
		if k == 0 {
			r = c.CloudDistanceM
		}
		for u := range c.Users {
			d := uniform(e.channelRNG, r)
			fading := e.channelRNG.ExpFloat64()
			e.rate[k*c.Users+u] = e.link.rate(d, fading)
		}
	}

	e.backlog = e.backlog[:0]
	e.head = 0
	actions := e.stats.Actions
	clear(actions)
	e.stats = EpisodeStats{Edges: e.edges, Actions: actions}
	e.completionSum = 0
	e.slot = 0
	e.started, e.over = true, false

	e.arrive()
	e.pop()
}

// uniform draws uniformly from [r[0], r[1]]; it always takes one draw, so
// that a fixed value does not shift the stream.
func uniform(rng *rand.Rand, r [2]float64) float64 {
	return r[0] + (r[1]-r[0])*rng.Float64()
}

// arrive draws the slot's arrivals into the backlog.
func (e *Env) arrive() {
	c := &e.cfg
	minBits, maxBits := c.MinTaskMbit*1e6, c.MaxTaskMbit*1e6
	n := poisson(e.arrivalsRNG, e.expNegLambda)
	for range n {
		bits := min(max(e.meanBits*e.sizesRNG.ExpFloat64(), minBits), maxBits)
		e.backlog = append(e.backlog, task{bits: bits, user: e.usersRNG.IntN(c.Users)})
	}
	e.stats.Arrived += n
}

// pop makes the backlog's oldest task the head task, or a dummy task of
// size 0 (from a random user, as in the reference) if the backlog is empty.
func (e *Env) pop() {
	if e.head < len(e.backlog) {
		e.cur = e.backlog[e.head]
		e.head++
		if e.head == len(e.backlog) {
			e.backlog, e.head = e.backlog[:0], 0
		}
		return
	}
	e.cur = task{bits: 0, user: e.usersRNG.IntN(e.cfg.Users)}
}

// poisson draws a Poisson variate of mean λ by Knuth's product of uniforms,
// given expNegLambda = e^−λ.
func poisson(rng *rand.Rand, expNegLambda float64) int {
	k := 0
	for p := rng.Float64(); p > expNegLambda; p *= rng.Float64() {
		k++
	}
	return k
}

// Observe writes the observation of the current state: obs gets Columns
// columns of Features values, column k in obs[k*features:(k+1)*features]
// (column 0 the cloud, 1..E the edges, the rest padding, every value
// Config.PadValue), and mask[k] is true for the cloud and the E present
// edges. obs must be Columns·Features long and mask Columns long; the
// preference of a multi-objective agent is not part of the observation.
// Observe allocates nothing.
//
// After the last slot the task features still describe the last task
// placed, and FeatureNotDone is 0, as in the reference code.
func (e *Env) Observe(obs []float64, mask []bool) error { return observeInto(e, obs, mask) }

// Observe32 is Observe into float32 values, for callers that hand
// observations on in single precision (the C ABI): the same values,
// rounded, without a float64 copy to convert.
func (e *Env) Observe32(obs []float32, mask []bool) error { return observeInto(e, obs, mask) }

func observeInto[F float32 | float64](e *Env, obs []F, mask []bool) error {
	if !e.started {
		return errors.New("refenv: Observe before Reset")
	}
	if len(obs) != e.cols*e.feats || len(mask) != e.cols {
		return fmt.Errorf("refenv: Observe got len(obs) = %d, len(mask) = %d; want %d×%d = %d and %d",
			len(obs), len(mask), e.cols, e.feats, e.cols*e.feats, e.cols)
	}
	notDone := 1.0
	if e.over {
		notDone = 0
	}
	lastBin := float64(e.cfg.Bins - 1)
	for k := range e.cols {
		col := obs[k*e.feats : (k+1)*e.feats]
		if k > e.edges {
			mask[k] = false
			for i := range col {
				col[i] = F(e.cfg.PadValue)
			}
			continue
		}
		mask[k] = true
		s := &e.servers[k]
		col[FeaturePresent] = 1
		col[FeatureGHz] = F(s.ghz)
		col[FeatureEdges] = F(e.edges)
		col[FeatureTaskMbit] = F(e.cur.bits / 1e6)
		col[FeatureNotDone] = F(notDone)
		col[FeatureRate] = F(e.rate[k*e.cfg.Users+e.cur.user] / 1e8)
		col[FeatureExecuting] = F(len(s.exec))
		hist := col[FeatureHistogram : FeatureHistogram+e.cfg.Bins]
		clear(hist)
		for _, j := range s.exec {
			b := math.Floor(max(j.level-s.v, 0) / e.binBits)
			hist[int(min(b, lastBin))]++
		}
		if e.cfg.RewardFeatures {
			var r [2]float64
			if !e.over {
				var err error
				if r, _, _, err = e.evaluate(k); err != nil {
					return err
				}
			}
			col[FeatureHistogram+e.cfg.Bins] = F(r[0])
			col[FeatureHistogram+e.cfg.Bins+1] = F(r[1])
		}
	}
	return nil
}

// Step places the head task by action (0 the cloud, 1..E an edge), then
// lets the slot's arrivals join the backlog, pops the next head task and
// advances every server by one slot. It returns the placement's utility
// vector: reward[0] the delay utility, reward[1] the energy utility, both
// ≤ 0 and both 0 for the dummy task. truncated is true after the last
// slot (the time limit); terminated is always false. An action out of
// range or masked, or a Step before Reset or after the last slot, is an
// error and changes nothing. Step allocates nothing once its buffers have
// grown to the episode's needs.
func (e *Env) Step(action int) (reward [2]float64, terminated, truncated bool, err error) {
	reward, delayS, energyJ, err := e.evaluate(action)
	if err != nil {
		return reward, false, false, err
	}
	c := &e.cfg
	now := float64(e.slot) * c.SlotSeconds
	if e.cur.bits > 0 {
		s := &e.servers[action]
		upload := e.cur.bits / e.rate[action*c.Users+e.cur.user]
		s.up = insertJob(s.up, job{level: upload, work: e.cur.bits, placed: now})
		e.stats.Placed++
		e.stats.Actions[action]++
		e.stats.DelayS += delayS
		e.stats.EnergyJ += energyJ
		e.stats.DelayCost -= reward[0]
		e.stats.EnergyCost -= reward[1]
	} else {
		e.stats.Dummies++
	}
	e.stats.Decisions++

	e.arrive()
	e.slot++
	if e.slot < c.Slots {
		e.pop()
	} else {
		e.over = true
	}
	for k := 0; k <= e.edges; k++ {
		n, sum := e.servers[k].advance(c.SlotSeconds, now)
		e.stats.Finished += n
		e.completionSum += sum
	}
	return reward, false, e.over, nil
}

// Rewards returns what Step(action) would return as its reward and error
// now, without changing the state: the utilities of placing the head task
// by action. Greedy baselines call it for every valid action.
func (e *Env) Rewards(action int) ([2]float64, error) {
	r, _, _, err := e.evaluate(action)
	return r, err
}

// Stats returns the statistics of the episode so far.
func (e *Env) Stats() EpisodeStats {
	s := e.stats
	s.Actions = slices.Clone(e.stats.Actions)
	s.Backlog = len(e.backlog) - e.head
	if s.Finished > 0 {
		s.MeanCompletionS = e.completionSum / float64(s.Finished)
	}
	return s
}

// evaluate checks action and returns the utilities of placing the head
// task by it, with the unscaled delay increase and energy.
func (e *Env) evaluate(action int) (reward [2]float64, delayS, energyJ float64, err error) {
	switch {
	case !e.started:
		return reward, 0, 0, errors.New("refenv: Step before Reset")
	case e.over:
		return reward, 0, 0, fmt.Errorf("refenv: episode over after %d slots; call Reset", e.slot)
	case action < 0 || action >= e.cols:
		return reward, 0, 0, fmt.Errorf("refenv: action %d out of range [0, %d)", action, e.cols)
	case action > e.edges:
		return reward, 0, 0, fmt.Errorf("refenv: action %d is masked: the episode has %d edge servers (actions 0..%d)", action, e.edges, e.edges)
	}
	if e.cur.bits == 0 {
		return reward, 0, 0, nil
	}
	c := &e.cfg
	s := &e.servers[action]
	rate := e.rate[action*c.Users+e.cur.user]
	upload := e.cur.bits / rate
	energyJ = c.TaskEnergyJ(e.cur.bits, rate, s.ghz)
	if c.Delay == ReferenceDelay {
		delayS = e.referenceDelay(s, upload, e.cur.bits)
	} else {
		delayS = e.exactDelay(s, upload, e.cur.bits)
	}
	reward[0] = -c.DelayScale * delayS
	reward[1] = -c.EnergyScale * energyJ
	return reward, delayS, energyJ, nil
}

// exactDelay returns the increase in the sum of completion times, from
// now, of the tasks on s caused by a new task of size bits arriving after
// upload seconds.
func (e *Env) exactDelay(s *server, upload, bits float64) float64 {
	jobs := e.jobs[:0]
	for i := len(s.exec) - 1; i >= 0; i-- {
		jobs = append(jobs, psJob{at: 0, work: s.exec[i].level - s.v})
	}
	for i := len(s.up) - 1; i >= 0; i-- {
		jobs = append(jobs, psJob{at: s.up[i].level, work: s.up[i].work})
	}
	without, levels := sumCompletion(s.mu, jobs, e.levels)
	i := len(jobs)
	for i > 0 && jobs[i-1].at > upload {
		i--
	}
	jobs = slices.Insert(jobs, i, psJob{at: upload, work: bits})
	with, levels := sumCompletion(s.mu, jobs, levels)
	e.jobs, e.levels = jobs, levels
	return with - without
}

// referenceDelay returns the reference code's estimate of the same.
func (e *Env) referenceDelay(s *server, upload, bits float64) float64 {
	rem := e.rem[:0]
	for i := len(s.exec) - 1; i >= 0; i-- {
		rem = append(rem, s.exec[i].level-s.v)
	}
	d, q := referenceDelayIncrease(s.mu, rem, upload, bits, e.rq)
	e.rem, e.rq = rem, q
	return d
}

// insertJob inserts j into s, kept in descending order of level, after any
// equal levels.
func insertJob(s []job, j job) []job {
	i := len(s)
	for i > 0 && s[i-1].level < j.level {
		i--
	}
	return slices.Insert(s, i, j)
}

// advance runs the server for dt seconds from the start of a slot at t0
// (s from the start of the episode): uploads end at their fixed times and
// join the executing jobs, which share the CPU equally. It returns the
// number of jobs that finished and the sum of their times from placement
// to finish.
func (s *server) advance(dt, t0 float64) (finished int, completionSum float64) {
	t := 0.0
	for {
		n := len(s.exec)
		tLeave := math.Inf(1)
		if n > 0 {
			tLeave = t + max(s.exec[n-1].level-s.v, 0)*float64(n)/s.mu
		}
		tUp := math.Inf(1)
		if m := len(s.up); m > 0 {
			tUp = s.up[m-1].level
		}
		next := min(tLeave, tUp)
		if next > dt {
			if n > 0 {
				s.v += (dt - t) * s.mu / float64(n)
			}
			break
		}
		if tUp <= tLeave {
			if n > 0 {
				s.v += (tUp - t) * s.mu / float64(n)
			}
			t = tUp
			j := s.up[len(s.up)-1]
			s.up = s.up[:len(s.up)-1]
			j.level = s.v + j.work
			s.exec = insertJob(s.exec, j)
			continue
		}
		t = tLeave
		j := s.exec[n-1]
		s.v = j.level
		s.exec = s.exec[:n-1]
		finished++
		completionSum += t0 + t - j.placed
	}
	// Rebase to the next slot: levels become remaining works and upload
	// ends become times from the next slot's start.
	for i := range s.exec {
		s.exec[i].level = max(s.exec[i].level-s.v, 0)
	}
	s.v = 0
	for i := range s.up {
		s.up[i].level -= dt
	}
	return finished, completionSum
}
