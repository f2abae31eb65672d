package experiments

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
)

// pareto runs every policy of c once more at each value of its knob (a
// policy without one keeps its single run), all on the same scenario and
// seed, and adds each policy's points, front and normalised hypervolume
// to out's summary.
func (e Env) pareto(c *Config, out *Outcome, workers int) error {
	sc, err := e.Scenario(c)
	if err != nil {
		return err
	}
	streams := sim.NewStreams(c.Seed)
	type job struct {
		policy int
		knob   float64
	}
	var jobs []job
	for i, name := range c.Policies {
		if en, ok := e.Policies.Lookup(name); ok && en.Knob != nil {
			for _, v := range en.Knob.Values {
				jobs = append(jobs, job{i, v})
			}
		}
	}
	points := make([]results.ParetoPoint, len(jobs))
	errs := make([]error, len(jobs))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				name := c.Policies[jobs[k].policy]
				en, _ := e.Policies.Lookup(name)
				p, err := en.Knob.New(policies.Env{Rand: streams.Rand("policy/" + name)}, jobs[k].knob)
				if err != nil {
					errs[k] = err
					continue
				}
				w, err := mec.NewWorld(sc, streams, p)
				if err != nil {
					errs[k] = err
					continue
				}
				tasks, err := w.Run(name)
				if err != nil {
					errs[k] = err
					continue
				}
				s := results.Summarize(name, tasks)
				points[k] = results.ParetoPoint{Knob: jobs[k].knob, MeanLatency: s.MeanLatency, MeanEnergy: s.MeanEnergy, MissRate: s.DeadlineMiss}
			}
		}()
	}
	for k := range jobs {
		next <- k
	}
	close(next)
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return fmt.Errorf("policy %s at %v: %w", c.Policies[jobs[k].policy], jobs[k].knob, err)
		}
	}

	// Each policy's points: its knob runs, or its one run.
	per := make([]results.ParetoPolicy, len(c.Policies))
	for i, name := range c.Policies {
		per[i].Policy = name
		if en, ok := e.Policies.Lookup(name); ok && en.Knob != nil {
			per[i].Knob = en.Knob.Name
			continue
		}
		s := out.Summary.Policies[i]
		per[i].Points = []results.ParetoPoint{{MeanLatency: s.MeanLatency, MeanEnergy: s.MeanEnergy, MissRate: s.DeadlineMiss}}
	}
	for k, j := range jobs {
		per[j.policy].Points = append(per[j.policy].Points, points[k])
	}
	var all [][]results.Point
	for _, pp := range per {
		all = append(all, objectives(pp.Points))
	}
	ideal, nadir, err := results.Bounds(all...)
	if err != nil {
		return err
	}
	for i := range per {
		pts := objectives(per[i].Points)
		front, err := results.ParetoIndices(pts)
		if err != nil {
			return err
		}
		onFront := make([]results.Point, 0, len(front))
		for _, k := range front {
			per[i].Points[k].OnFront = true
			onFront = append(onFront, pts[k])
		}
		if per[i].Hypervolume, err = results.NormalizedHypervolume(onFront, ideal, nadir); err != nil {
			return err
		}
	}
	out.Summary.Pareto, out.Summary.ParetoIdeal, out.Summary.ParetoNadir = per, ideal, nadir
	return nil
}

// objectives are the points' (mean latency, mean energy).
func objectives(ps []results.ParetoPoint) []results.Point {
	out := make([]results.Point, len(ps))
	for i, p := range ps {
		out[i] = results.Point{p.MeanLatency, p.MeanEnergy}
	}
	return out
}
