package experiments

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
	"gonum.org/v1/gonum/stat"
)

// MultiOptions tune a MultiEnv's episodes and rewards.
type MultiOptions struct {
	// Episode is the simulated time of an episode: it is truncated at the
	// first boundary at or after it. Zero means the config's duration.
	Episode time.Duration
	// LatencyScale divides a phone's in-system integral (task-seconds) in
	// the delay reward; zero means the decision interval, so that the
	// reward is minus the mean number of the phone's tasks in the system
	// over the slot.
	LatencyScale float64
	// EnergyScale divides a phone's energy (J) in the energy reward; zero
	// means 1 J.
	EnergyScale float64
	// Drain ends an episode when the world has drained (no task arrives
	// any more and every task has ended) instead of at Episode, so that
	// Results holds every task's record: for evaluation.
	Drain bool
	// Estimate rewards each decision at once, in the step it is made, with
	// the world's estimate for the chosen target instead of the realised
	// in-system time and energy: a phone's delay utility is −Σ (time its
	// task waited for the slot + the target's estimated latency)/
	// LatencyScale and its energy utility −Σ estimated energy/EnergyScale
	// over the tasks it decided in the step (train.reward = "estimate").
	// The estimate is made with the servers' queues as they are
	// (mec.World.ObserveWaitingAsIs): with stale_state the phone decides
	// on old reports, and the reward tells it what its choice costs now,
	// as the trainer, which sees the whole world, can.
	Estimate bool
	// Marginal (with Estimate) adds to a decision's estimated delay the
	// waits it adds to the decisions made after it in the same slot at
	// the same site (train.reward = "marginal"): a task of work c at a
	// site of s servers lengthens a later task's estimated wait w there by
	// min(w, c/s), and that is charged to the phone that sent it. Phones
	// decide one after another at a boundary, so that with the estimate
	// alone each prices only its own task, and the last to send to a
	// queue pays for the first.
	Marginal bool
	// Difference (with Estimate) adds to a phone's delay utility the
	// waiting its tasks imposed in the slot on the tasks queued behind
	// them away from the phone, its own included, as measured when each
	// of its tasks finished computing there (mec.SlotStats.Imposed), over
	// LatencyScale (train.reward = "difference"): a first-order difference
	// reward (Wolpert and Tumer), the change the phone's decisions made to
	// everyone's waits. Unlike Marginal it counts the tasks that arrive in
	// later slots, and it is what happened, not an estimate; it comes when
	// the task finishes, slots after the decision, for the critics to
	// carry back. A wait the phone's task causes its own later task is
	// also in that task's estimate: the phone's return counts it twice.
	Difference bool
	// PerTask makes a step one round of decisions instead of one slot
	// (train.maddpg.per_task): at a boundary, each phone with tasks
	// waiting decides its next one alone, and the phones observe again
	// before the next round, so that a phone's second subtask sees where
	// its first went (as a policy deciding task by task does). The world
	// moves on to the next boundary after the round that leaves nothing
	// waiting; that step carries the slot's realised rewards (in-system
	// time, energy, imposed waiting, balance), every round its own
	// decisions' estimates.
	PerTask bool
	// Team gives every phone the mean over the phones of their delay and
	// energy utilities (train.team_reward): one reward for all, so that a
	// decision that makes others wait, in its slot or later, costs its
	// phone too; the centralised critics, which see every action, are left
	// to tell whose decision did it.
	Team bool
}

// MultiEnv is a slotted mecsim world as an rl.MultiEnv: each phone is an
// agent, a step is one decision slot (or, with MultiOptions.PerTask, one
// round of decisions within a slot). The observation of a phone
// describes it and its next waiting task in the order of the config's
// priority rule, encoded by its rl.MultiSpace; the action names a target
// in the space's fixed order (local processors, edge sites, cloud) and
// applies to all the phone's waiting tasks of the slot, in priority
// order (with PerTask, to the next one alone). The rewards of a step are
// each phone's −(in-system integral over the slot)/LatencyScale and
// −(energy of its tasks in the slot)/EnergyScale (or, with
// MultiOptions.Estimate, the estimates of the decisions it made in the
// step), and the edge sites' imbalance over the slot, −(1 − Jain's
// index of their busy times) × their utilisation (0 when balanced or
// idle, below when not; the same for every phone). Jain's index alone is
// 1 for idle sites: as a reward it paid phones for keeping work off the
// edge (agents trained on it sent nearly everything to the cloud), so
// imbalance counts only as much as there is load to balance. Episodes are
// truncated, never terminated: tasks in flight at the end are left
// unfinished.
type MultiEnv struct {
	sc    *mec.Scenario
	space rl.MultiSpace
	opt   MultiOptions
	end   sim.Time // the episode's end

	world *mec.World
	err   error // why the episode could not start, reported by Observe and Step
	over  bool  // truncated: Step needs a Reset

	estDelay, estEnergy []float64  // per phone, the step's estimates (Estimate)
	sent                []sentWork // the slot's decisions so far at each site (Marginal)
	midSlot             bool       // PerTask: the last step left tasks waiting in its slot
}

// sentWork is a decision's work at a site, per server, and the phone that
// made it.
type sentWork struct {
	phone, site int
	work        float64
}

// errControlled is the policy of a world whose decisions come from a
// MultiEnv: the world never calls it.
type controlled struct{}

func (controlled) Decide(*policies.Observation) (policies.Decision, error) {
	return policies.Decision{}, errors.New("this world's decisions come from its multi-agent controller")
}

// NewMultiEnv returns the multi-agent environment of config c, which must
// decide in slots (decision_interval > 0). The scenario (and any trace it
// reads) is built once; Reset builds a world of it for each episode.
func (e Env) NewMultiEnv(c *Config, opt MultiOptions) (*MultiEnv, error) {
	if c.DecisionInterval <= 0 {
		return nil, fmt.Errorf("%s: a multi-agent environment needs slotted decisions: set decision_interval", c.Name)
	}
	if opt.Episode < 0 || opt.LatencyScale < 0 || opt.EnergyScale < 0 {
		return nil, fmt.Errorf("%s: multi-agent options %+v: want ≥ 0 each", c.Name, opt)
	}
	sc, err := e.Scenario(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if opt.Episode == 0 {
		opt.Episode = c.Duration
	}
	if opt.LatencyScale == 0 {
		opt.LatencyScale = c.DecisionInterval.Seconds()
	}
	if opt.EnergyScale == 0 {
		opt.EnergyScale = 1
	}
	return &MultiEnv{sc: sc, space: SpaceOf(sc), opt: opt, end: sim.Seconds(opt.Episode.Seconds()),
		err: errors.New("multi-agent environment: Reset before the first step")}, nil
}

// SpaceOf returns the action space of a phone of scenario sc.
func SpaceOf(sc *mec.Scenario) rl.MultiSpace {
	return rl.MultiSpace{Locals: 1 + len(sc.PhoneExtra), Sites: len(sc.Sites)}
}

// Space returns the action space and observation encoding of every agent.
func (m *MultiEnv) Space() rl.MultiSpace { return m.space }

// Shape returns the phones, the length of a phone's observation and the
// number of targets.
func (m *MultiEnv) Shape() (agents, obs, actions int) {
	return m.sc.Phones, m.space.ObsLen(), m.space.Actions()
}

// Reset starts an episode on the world of seed, standing at boundary 0
// with the tasks that arose at time 0 waiting.
func (m *MultiEnv) Reset(seed uint64) {
	m.world, m.over, m.midSlot = nil, false, false
	w, err := mec.NewWorld(m.sc, sim.NewStreams(seed), controlled{})
	if err == nil {
		if m.opt.Difference {
			w.MeasureImposed()
		}
		_, err = w.NextSlot()
	}
	if err != nil {
		m.err = fmt.Errorf("multi-agent environment: seed %d: %w", seed, err)
		return
	}
	m.world, m.err = w, nil
}

// Observe writes every phone's observation and mask: its next waiting
// task's, or, for a phone with nothing to decide, its own state with
// action 0 alone allowed.
func (m *MultiEnv) Observe(obs []float64, mask []bool) error {
	if m.err != nil {
		return m.err
	}
	n, ol, na := m.Shape()
	if len(obs) != n*ol || len(mask) != n*na {
		return fmt.Errorf("multi-agent environment: observing into %d values and %d mask entries, want %d and %d", len(obs), len(mask), n*ol, n*na)
	}
	for i := range n {
		var o *policies.Observation
		var err error
		if m.world.Waiting(i) > 0 {
			o, err = m.world.ObserveWaiting(i)
		} else {
			o, err = m.world.ObservePhone(i)
		}
		if err == nil {
			err = m.space.Encode(o, obs[i*ol:(i+1)*ol], mask[i*na:(i+1)*na])
		}
		if err != nil {
			return fmt.Errorf("multi-agent environment: phone %d: %w", i, err)
		}
	}
	return nil
}

// Step applies actions[i] to every task waiting at phone i, in priority
// order (with MultiOptions.PerTask, to the next one alone; the action of
// a phone with nothing waiting is ignored), runs the world to the next
// boundary (with PerTask, only once nothing is left waiting) and writes
// the rewards of the step, phone by phone, rl.MultiObjectives each. An
// action whose target a task's observation does not list (an edge site
// out of range) is an error, and the tasks decided before it stay
// decided.
func (m *MultiEnv) Step(actions []int, rewards []float64) (terminated, truncated bool, err error) {
	if m.err != nil {
		return false, false, m.err
	}
	if m.over {
		return false, true, errors.New("multi-agent environment: the episode is over: Reset")
	}
	n := m.sc.Phones
	if len(actions) != n || len(rewards) != n*rl.MultiObjectives {
		return false, false, fmt.Errorf("multi-agent environment: %d actions and %d rewards, want %d and %d", len(actions), len(rewards), n, n*rl.MultiObjectives)
	}
	w := m.world
	if m.opt.Estimate {
		if len(m.estDelay) != n {
			m.estDelay, m.estEnergy = make([]float64, n), make([]float64, n)
		}
		clear(m.estDelay)
		clear(m.estEnergy)
		if !m.midSlot {
			m.sent = m.sent[:0]
		}
	}
	for i, a := range actions {
		for decided := 0; w.Waiting(i) > 0 && !(m.opt.PerTask && decided == 1); decided++ {
			o, err := w.ObserveWaiting(i)
			if err != nil {
				return false, false, fmt.Errorf("multi-agent environment: phone %d: %w", i, err)
			}
			k, ok := m.space.Target(o, a)
			if !ok {
				return false, false, fmt.Errorf("multi-agent environment: phone %d: action %d is no target of task %d", i, a, o.Task.ID)
			}
			if m.opt.Estimate {
				tg := &o.Targets[k]
				if m.sc.StaleState > 0 {
					asIs, err := w.ObserveWaitingAsIs(i)
					if err != nil {
						return false, false, fmt.Errorf("multi-agent environment: phone %d: %w", i, err)
					}
					tg = &asIs.Targets[k]
				}
				m.estDelay[i] += o.Task.Waited + tg.EstimatedLatency()
				m.estEnergy[i] += tg.Energy
				if m.opt.Marginal {
					m.charge(i, tg)
				}
			}
			if err := w.DecideWaiting(i, policies.Decision{Target: k}); err != nil {
				return false, false, fmt.Errorf("multi-agent environment: phone %d: %w", i, err)
			}
		}
	}
	m.midSlot = false
	if m.opt.PerTask {
		for i := range n {
			if w.Waiting(i) > 0 {
				m.midSlot = true
				break
			}
		}
	}
	more := true
	var imbalance float64
	if !m.midSlot {
		var err error
		if more, err = w.NextSlot(); err != nil {
			m.err = fmt.Errorf("multi-agent environment: %w", err)
			return false, false, m.err
		}
		imbalance = (1 - w.Balance()) * w.EdgeLoad()
	}
	for i := range n {
		var s mec.SlotStats // the slot's, once it has ended
		if !m.midSlot {
			s = w.SlotStats(i)
		}
		r := rewards[i*rl.MultiObjectives : (i+1)*rl.MultiObjectives]
		if m.opt.Estimate {
			d := m.estDelay[i]
			if m.opt.Difference {
				d += s.Imposed
			}
			r[rl.MultiDelay] = -d / m.opt.LatencyScale
			r[rl.MultiEnergy] = -m.estEnergy[i] / m.opt.EnergyScale
		} else {
			r[rl.MultiDelay] = -s.InSystem / m.opt.LatencyScale
			r[rl.MultiEnergy] = -s.Energy / m.opt.EnergyScale
		}
		r[rl.MultiBalance] = -imbalance
	}
	if m.opt.Team {
		var delay, energy float64
		for i := range n {
			delay += rewards[i*rl.MultiObjectives+rl.MultiDelay]
			energy += rewards[i*rl.MultiObjectives+rl.MultiEnergy]
		}
		for i := range n {
			rewards[i*rl.MultiObjectives+rl.MultiDelay] = delay / float64(n)
			rewards[i*rl.MultiObjectives+rl.MultiEnergy] = energy / float64(n)
		}
	}
	if m.midSlot {
		return false, false, nil // the slot goes on: another round
	}
	m.over = w.Boundary() >= m.end
	if m.opt.Drain {
		m.over = !more
	}
	return false, m.over, nil
}

// charge charges the phones that sent work to target tg earlier in the
// slot with what that work adds to the estimated wait of the task now
// sent there by phone i, and records this task's work. Only edge sites
// and the cloud are shared; the cloud, with its many servers, rarely
// makes anyone wait.
func (m *MultiEnv) charge(i int, tg *policies.Target) {
	var site, servers int
	switch tg.Kind {
	case policies.Edge:
		site, servers = tg.Index, m.sc.Sites[tg.Index].Servers
	case policies.Cloud:
		site, servers = -1, m.sc.Cloud.Servers
	default:
		return
	}
	for _, e := range m.sent {
		if e.site == site && e.phone != i {
			m.estDelay[e.phone] += min(tg.QueueWait, e.work)
		}
	}
	m.sent = append(m.sent, sentWork{phone: i, site: site, work: tg.ComputeTime / float64(max(servers, 1))})
}

// add counts one seed's records, their slot bounds (bound(id), as
// mec.World.SlotBound gives them, for slots of interval seconds) and mean
// balance into the row, and returns how many of the tasks ran.
func (row *SlottedEval) add(tasks []results.Task, balance float64, bound func(id int64) float64, interval float64) int {
	ran := 0
	for _, r := range tasks {
		row.Jobs++
		row.Energy += r.Energy
		if r.Status != results.StatusOK {
			row.Refused++
			continue
		}
		ran++
		row.Latency += r.Latency
		b := bound(r.ID)
		row.Bound += b
		if r.Latency < b+interval {
			row.NearBound++
		}
	}
	row.Balance += balance
	return ran
}

// finish turns the sums into means.
func (row *SlottedEval) finish(ran, seeds int) {
	if ran > 0 {
		row.Latency /= float64(ran)
		row.Bound /= float64(ran)
		row.NearBound /= float64(ran)
	} else {
		row.Latency, row.Bound, row.NearBound = math.NaN(), math.NaN(), math.NaN() // no job ran: no mean latency
	}
	if row.Jobs > 0 {
		row.Energy /= float64(row.Jobs)
	}
	row.Balance /= float64(seeds)
}

// Results returns, after an episode of a MultiEnv with Drain, every
// task's record (policyName in each) and the edge sites' mean load
// balance over the episode.
func (m *MultiEnv) Results(policyName string) ([]results.Task, float64, error) {
	if m.world == nil {
		return nil, 0, errors.New("multi-agent environment: no episode")
	}
	tasks, err := m.world.Results(policyName)
	return tasks, m.world.MeanBalance(), err
}

// SlotBound returns, after an episode, mec.World.SlotBound of task id:
// a latency no placement could reach.
func (m *MultiEnv) SlotBound(id int64) float64 {
	if m.world == nil {
		return 0
	}
	return m.world.SlotBound(id)
}

// SlottedEval is one policy's outcome on a slotted world over a list of
// seeds, all policies seeing the same tasks (common random numbers).
type SlottedEval struct {
	Policy  string  `json:"method"`
	Jobs    int     `json:"jobs"`           // tasks and DAG jobs over all seeds, each counted once
	Refused int     `json:"refused"`        // of those, the ones that did not run
	Latency float64 `json:"mean_latency_s"` // mean latency of the jobs that ran, s
	// Bound is the mean over the same jobs of their slot bounds
	// (mec.World.SlotBound): no placement of them could give a mean
	// latency as low. It depends on the jobs alone, not on the policy,
	// so rows that ran the same jobs have the same bound.
	Bound float64 `json:"slot_bound_s"`
	// NearBound is the share of the jobs that ran ending within one
	// decision interval of their slot bound: each level of their graph
	// took a single slot, the fewest possible, so that no placement could
	// have saved them more than the time their last subtasks took.
	NearBound float64 `json:"near_bound"`
	Energy    float64 `json:"mean_energy_j"` // mean phone energy per job, J
	// Balance is the mean over the seeds of the edge sites' load balance
	// (Jain's index, mec.World.MeanBalance) at the boundaries of the
	// slots that begin before the config's duration.
	Balance float64 `json:"balance"`
	// Layouts holds the row of each seed alone, in the order of the
	// seeds: every method's k-th row ran the same jobs, for paired
	// comparisons (Paired).
	Layouts []SlottedEval `json:"-"`
	Seed    uint64        `json:"-"` // the seed of a row of Layouts

	ran int // jobs that ran, while counting
}

// merge counts one seed's row, not yet finished, into row, and keeps it,
// finished, among row's Layouts.
func (row *SlottedEval) merge(one SlottedEval) {
	row.Jobs += one.Jobs
	row.Refused += one.Refused
	row.Latency += one.Latency
	row.Bound += one.Bound
	row.NearBound += one.NearBound
	row.Energy += one.Energy
	row.Balance += one.Balance
	row.ran += one.ran
	one.finish(one.ran, 1)
	row.Layouts = append(row.Layouts, one)
}

// Paired compares rows a and b layout by layout (their Layouts, which
// must have run the same seeds): the number of layouts on which a's mean
// latency is below b's, and the mean and sample standard deviation over
// the layouts of a's mean latency minus b's (s) and of a's mean energy
// per job minus b's (J).
func Paired(a, b SlottedEval) (faster int, latency, latencySD, energy, energySD float64, err error) {
	n := len(a.Layouts)
	if n == 0 || n != len(b.Layouts) {
		return 0, 0, 0, 0, 0, fmt.Errorf("comparing %s (%d layouts) with %s (%d): want the same, at least one", a.Policy, n, b.Policy, len(b.Layouts))
	}
	dl, de := make([]float64, n), make([]float64, n)
	for k := range n {
		x, y := a.Layouts[k], b.Layouts[k]
		if x.Seed != y.Seed {
			return 0, 0, 0, 0, 0, fmt.Errorf("comparing %s with %s: layout %d has seeds %d and %d", a.Policy, b.Policy, k, x.Seed, y.Seed)
		}
		dl[k], de[k] = x.Latency-y.Latency, x.Energy-y.Energy
		if dl[k] < 0 {
			faster++
		}
	}
	latency, latencySD = stat.MeanStdDev(dl, nil)
	energy, energySD = stat.MeanStdDev(de, nil)
	if n == 1 {
		latencySD, energySD = 0, 0
	}
	return faster, latency, latencySD, energy, energySD, nil
}

// EvaluateSlotted runs each named policy of the registry (with the
// config's agents) on the slotted world of c for every seed, to its end,
// and returns one row per policy in the order given.
func (e Env) EvaluateSlotted(c *Config, names []string, seeds []uint64) ([]SlottedEval, error) {
	if c.DecisionInterval <= 0 {
		return nil, fmt.Errorf("%s: evaluating in slots needs decision_interval", c.Name)
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("%s: evaluating on no seed", c.Name)
	}
	e, err := e.withAgents(c)
	if err != nil {
		return nil, err
	}
	sc, err := e.Scenario(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	out := make([]SlottedEval, 0, len(names))
	for _, name := range names {
		row := SlottedEval{Policy: name}
		if path, ok := strings.CutPrefix(name, marlPrefix); ok {
			m, err := rl.LoadMADDPG(path)
			if err != nil {
				return nil, fmt.Errorf("policy %q: %w", name, err)
			}
			env, err := agentsEnv(sc, m, path)
			if err != nil {
				return nil, fmt.Errorf("policy %q: %w", name, err)
			}
			for _, seed := range seeds {
				one := SlottedEval{Policy: name, Seed: seed}
				if _, err := playMARL(env, m, seed, name, &one); err != nil {
					return nil, fmt.Errorf("policy %q, seed %d: %w", name, seed, err)
				}
				row.merge(one)
			}
			row.finish(row.ran, len(seeds))
			out = append(out, row)
			continue
		}
		for _, seed := range seeds {
			streams := sim.NewStreams(seed)
			p, err := e.Policies.New(name, policies.Env{Rand: streams.Rand("policy/" + name)})
			if err != nil {
				return nil, err
			}
			w, err := mec.NewWorld(sc, streams, p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			tasks, err := w.Run(name)
			if err != nil {
				return nil, fmt.Errorf("policy %s, seed %d: %w", name, seed, err)
			}
			one := SlottedEval{Policy: name, Seed: seed}
			one.ran = one.add(tasks, w.MeanBalance(), w.SlotBound, c.DecisionInterval.Seconds())
			row.merge(one)
		}
		row.finish(row.ran, len(seeds))
		out = append(out, row)
	}
	return out, nil
}
