package experiments

import (
	"errors"
	"fmt"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/rl"
	"github.com/mecsim/mecsim/sim"
)

// worldEnv presents a mecsim world as an rl.Env: an episode is one run of
// the scenario with the episode's seed, a step is one placement decision
// (at a task's arrival), the observation is the decision's targets
// encoded by rl.EncodeObservation, and the reward is the task's latency
// and phone energy (−latency/latency_scale, −energy/energy_scale): as
// realised when the task ends (outcomeEnv, an rl.DelayedEnv), or as the
// world estimates them at the decision (worldEnv alone).
//
// The world runs in its own goroutine and hands each decision over a
// channel, waiting for the action: the two sides strictly alternate, so
// a run is as deterministic as one on a single goroutine.
type worldEnv struct {
	sc       *mec.Scenario
	columns  int
	latScale float64
	enScale  float64

	obs  chan *policies.Observation // the world's next decision
	act  chan int                   // the action, or abortRun
	done chan error                 // the world's run ended
	cur  *policies.Observation      // nil once the run has ended
	live bool                       // a world goroutine is running

	// Outcome rewards: the tasks decided in this episode, and the
	// rewards of those that ended since the trainer last asked. The world
	// goroutine writes them only while the trainer waits on a channel.
	outcomes bool
	decided  map[int64]bool
	ticket   int64
	resolved []resolvedTask
}

type resolvedTask struct {
	id     int64
	reward [rl.Objectives]float64
}

// outcomeEnv is a worldEnv rewarded with realised outcomes.
type outcomeEnv struct{ *worldEnv }

func (o outcomeEnv) Ticket() int64 { return o.ticket }

func (o outcomeEnv) Resolved(yield func(int64, [rl.Objectives]float64)) {
	for _, r := range o.resolved {
		yield(r.id, r.reward)
	}
	o.resolved = o.resolved[:0]
}

// outcome is the reward of a task that has ended: its latency (a refused
// task's time until refusal plus its deadline, a miss) and the phone's
// energy.
func (w *worldEnv) outcome(r results.Task) {
	if !w.decided[r.ID] {
		return
	}
	delete(w.decided, r.ID)
	lat := r.Latency
	if r.Status != results.StatusOK {
		lat = r.Finish - r.Arrival + r.Deadline
	}
	w.resolved = append(w.resolved, resolvedTask{r.ID, [rl.Objectives]float64{-lat / w.latScale, -r.Energy / w.enScale}})
}

const abortRun = -1

var errAborted = errors.New("run aborted by a reset")

func newWorldEnv(sc *mec.Scenario, t *Train) *worldEnv {
	return &worldEnv{sc: sc, columns: t.Columns, latScale: t.LatencyScale, enScale: t.EnergyScale,
		obs: make(chan *policies.Observation), act: make(chan int), done: make(chan error, 1)}
}

func (w *worldEnv) Shape() (int, int) { return w.columns, rl.WorldFeatures }

// Decide is the policy the world calls: it hands the observation over
// and waits for the action.
func (w *worldEnv) Decide(obs *policies.Observation) (policies.Decision, error) {
	w.obs <- obs
	a := <-w.act
	if a == abortRun {
		return policies.Decision{}, errAborted
	}
	return policies.Decision{Target: a}, nil
}

// Reset ends the current run, if any, and starts the world of the seed.
func (w *worldEnv) Reset(seed uint64) {
	w.stop()
	world, err := mec.NewWorld(w.sc, sim.NewStreams(seed), w)
	if err != nil {
		w.cur = nil
		w.done <- err
		return
	}
	if w.outcomes {
		w.decided, w.resolved = map[int64]bool{}, w.resolved[:0]
		world.OnTaskDone(w.outcome)
	}
	w.live = true
	go func() {
		_, err := world.Run("sac")
		w.done <- err
	}()
	w.wait()
}

// wait blocks until the world asks for a decision or its run ends.
func (w *worldEnv) wait() {
	select {
	case w.cur = <-w.obs:
	case err := <-w.done:
		w.live, w.cur = false, nil
		w.done <- err // keep the outcome for Step to report
	}
}

func (w *worldEnv) stop() {
	if w.live && w.cur != nil {
		w.act <- abortRun
		for {
			select {
			case <-w.obs: // a decision already on its way: refuse it too
				w.act <- abortRun
				continue
			case <-w.done:
			}
			break
		}
	}
	select { // drain a kept outcome
	case <-w.done:
	default:
	}
	w.live, w.cur = false, nil
}

func (w *worldEnv) Observe(obs []float64, mask []bool) error {
	if w.cur == nil {
		// The run has ended: a neutral terminal observation.
		clear(obs)
		clear(mask)
		if len(mask) > 0 {
			mask[0] = true
		}
		return nil
	}
	return rl.EncodeObservation(w.cur, w.columns, obs, mask)
}

func (w *worldEnv) Step(action int) (r [rl.Objectives]float64, terminated, truncated bool, err error) {
	if w.cur == nil {
		// A run that asked for no decision at all: a one-step episode
		// with nothing to learn from.
		select {
		case err := <-w.done:
			if err != nil && !errors.Is(err, errAborted) {
				return r, false, true, err
			}
		default:
		}
		return r, false, true, nil
	}
	if action < 0 || action >= len(w.cur.Targets) || action >= w.columns {
		return r, false, false, fmt.Errorf("world: action %d of %d targets", action, min(len(w.cur.Targets), w.columns))
	}
	if w.outcomes {
		w.ticket = w.cur.Task.ID
		w.decided[w.ticket] = true
	} else {
		t := w.cur.Targets[action]
		r[0] = -t.EstimatedLatency() / w.latScale
		r[1] = -t.Energy / w.enScale
	}
	w.act <- action
	w.wait()
	if w.cur == nil {
		err := <-w.done
		if err != nil {
			return r, false, true, err
		}
		return r, false, true, nil
	}
	return r, false, false, nil
}
