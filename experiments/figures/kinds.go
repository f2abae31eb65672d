package figures

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/results"
)

// run simulates c with the suite's workers.
func (s *suite) run(c *experiments.Config) (*experiments.Outcome, error) {
	if err := c.Validate(s.known); err != nil {
		return nil, err
	}
	return s.env.Run(c, experiments.Options{Workers: s.opt.Workers})
}

// variant returns a copy of c that its caller may change without changing
// c: the lists are copied, and the figure table dropped.
func variant(c *experiments.Config) *experiments.Config {
	cp := *c
	cp.Policies = slices.Clone(c.Policies)
	cp.Edges = slices.Clone(c.Edges)
	cp.Workloads = slices.Clone(c.Workloads)
	cp.Figure = nil
	cp.Sweep = nil
	return &cp
}

// twoPanels is a row of two plots with one legend.
func twoPanels(a, b *plot.Plot) *figure {
	return &figure{panels: &plots.Panels{Plots: []*plot.Plot{a, b}, SharedLegend: true, LegendWidth: legendWidth},
		width: panelsWidth, height: plots.DefaultHeight}
}

// placement runs each workload alone: on each of the figure's phone
// processors under "local", and offloaded under "edge-nearest" and
// "cloud", and plots mean latency and phone energy by workload and place.
func (s *suite) placement(c *experiments.Config) (*figure, error) {
	edgeProc := "edge-t4"
	if len(c.Edges) > 0 {
		edgeProc = c.Edges[0].Processor
	}
	var places []place
	for _, p := range c.Figure.Processors {
		places = append(places, place{label: "local " + p, policy: "local", phone: p, computes: p})
	}
	places = append(places,
		place{label: "edge " + edgeProc, policy: "edge-nearest", phone: c.Phones.Processor, computes: edgeProc},
		place{label: "cloud " + c.Cloud.Processor, policy: "cloud", phone: c.Phones.Processor, computes: c.Cloud.Processor})

	groups := make([]string, len(c.Workloads))
	for i, w := range c.Workloads {
		groups[i] = w.Model
	}
	lat := make([]plots.Series, len(places))
	energy := make([]plots.Series, len(places))
	var data table
	data.header("model", "kind", "place", "processor", "policy", "tasks_completed", "tasks_refused", "mean_latency_s", "p95_latency_s", "mean_energy_j")
	for i, pl := range places {
		lat[i] = plots.Series{Name: pl.label, Y: make([]float64, len(groups))}
		energy[i] = plots.Series{Name: pl.label, Y: make([]float64, len(groups))}
		for g, w := range c.Workloads {
			v := variant(c)
			v.Phones.Processor = pl.phone
			v.Policies = []string{pl.policy}
			v.Workloads = []experiments.Workload{w}
			out, err := s.run(v)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", w.Model, pl.label, err)
			}
			ps := out.Summary.Policies[0]
			l, e := math.NaN(), math.NaN()
			if ps.Tasks > 0 {
				l, e = ps.MeanLatency, ps.MeanEnergy
			}
			lat[i].Y[g], energy[i].Y[g] = 1e3*l, 1e3*e
			data.row(w.Model, w.Kind, pl.label, pl.computes, pl.policy, ps.Tasks, ps.Refused, l, nanIf(ps.Tasks == 0, ps.P95Latency), e)
		}
	}
	a, err := plots.Groups(plots.GroupChart{Title: "Mean latency per task", YLabel: "mean latency (ms)", LogY: true, Groups: groups, Series: lat})
	if err != nil {
		return nil, err
	}
	b, err := plots.Groups(plots.GroupChart{Title: "Mean phone energy per task", YLabel: "mean phone energy (mJ)", LogY: true, Groups: groups, Series: energy})
	if err != nil {
		return nil, err
	}
	fig := twoPanels(a, b)
	fig.data = data
	return fig, nil
}

// place is where the placement figure runs a workload: a policy, on
// phones of a processor, which sends the work to a processor.
type place struct {
	label    string
	policy   string
	phone    string // the phones' processor
	computes string // the processor that does the work
}

// nanIf returns NaN, a missing value, when missing holds, else x.
func nanIf(missing bool, x float64) float64 {
	if missing {
		return math.NaN()
	}
	return x
}

// pareto runs the file's Pareto evaluation and draws every policy's
// points and front.
func (s *suite) pareto(c *experiments.Config) (*figure, error) {
	out, err := s.run(variant(c))
	if err != nil {
		return nil, err
	}
	p, err := plots.Pareto(out.Summary)
	if err != nil {
		return nil, err
	}
	var data table
	data.header("policy", "knob", "knob_value", "mean_latency_s", "mean_energy_j", "deadline_miss_rate", "on_front", "hypervolume")
	for _, pp := range out.Summary.Pareto {
		for _, pt := range pp.Points {
			knob := math.NaN()
			if pp.Knob != "" {
				knob = pt.Knob
			}
			data.row(pp.Policy, pp.Knob, knob, pt.MeanLatency, pt.MeanEnergy, pt.MissRate, pt.OnFront, pp.Hypervolume)
		}
	}
	return &figure{data: data, single: p, width: plots.DefaultWidth, height: plots.DefaultHeight}, nil
}

// edges runs the Pareto evaluation with the file's first n edge sites for
// each n of the figure, and plots each policy's hypervolume against n.
// The hypervolumes share one box, so that they compare across numbers of
// sites: from the origin to the point of the file's first policy in the
// first run (edges.toml lists "local", which no edge site changes), the
// hypervolume being the fraction of that box the policy's front
// dominates: 0 for a policy no better than the reference in both
// objectives, 1 at zero latency and energy. The hypervolume within each
// run's own box, as summary.json gives it, is in the CSV too.
func (s *suite) edges(c *experiments.Config) (*figure, error) {
	ns := c.Figure.Edges
	runs := make([]results.Summary, len(ns))
	for i, n := range ns {
		v := variant(c)
		v.Edges = v.Edges[:n]
		out, err := s.run(v)
		if err != nil {
			return nil, fmt.Errorf("%d edge sites: %w", n, err)
		}
		runs[i] = out.Summary
	}
	first := runs[0].Pareto[0]
	ref := objectives(first.Points[:1])[0]
	if !(ref[0] > 0 && ref[1] > 0) {
		return nil, fmt.Errorf("the reference point, %s's (latency %v s, energy %v J), must be positive", first.Policy, ref[0], ref[1])
	}
	var data table
	data.header("edge_sites", "edge_servers", "policy", "hypervolume", "hypervolume_in_run", "front_points", "reference_latency_s", "reference_energy_j")
	series := make([]plots.Series, len(c.Policies))
	for j, name := range c.Policies {
		series[j] = plots.Series{Name: name}
	}
	for i, n := range ns {
		servers := 0
		for _, e := range c.Edges[:n] {
			servers += e.Servers
		}
		for _, pp := range runs[i].Pareto {
			front, err := results.NonDominated(objectives(pp.Points))
			if err != nil {
				return nil, err
			}
			hv, err := results.Hypervolume(front, ref)
			if err != nil {
				return nil, err
			}
			hv /= ref[0] * ref[1]
			j := slices.Index(c.Policies, pp.Policy)
			series[j].X = append(series[j].X, float64(n))
			series[j].Y = append(series[j].Y, hv)
			data.row(n, servers, pp.Policy, hv, pp.Hypervolume, len(front), ref[0], ref[1])
		}
	}
	p, err := plots.Lines(plots.LineChart{Title: "Hypervolume against edge sites", XLabel: "edge sites",
		YLabel: fmt.Sprintf("hypervolume (fraction of %s's box)", first.Policy), Series: series})
	if err != nil {
		return nil, err
	}
	p.X.Tick.Marker = integerTicks{}
	return &figure{data: data, single: p, width: plots.DefaultWidth, height: plots.DefaultHeight}, nil
}

// integerTicks labels every whole number of an axis.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for x := math.Ceil(lo); x <= hi; x++ {
		ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'f', 0, 64)})
	}
	return ticks
}

// objectives are the points' (mean latency, mean energy).
func objectives(ps []results.ParetoPoint) []results.Point {
	out := make([]results.Point, len(ps))
	for i, p := range ps {
		out[i] = results.Point{p.MeanLatency, p.MeanEnergy}
	}
	return out
}

// d2d runs the file at each phone count of the figure and plots each
// policy's mean latency and energy against the density of phones.
func (s *suite) d2d(c *experiments.Config) (*figure, error) {
	km2 := c.Area.Width * c.Area.Height / 1e6
	lat := make([]plots.Series, len(c.Policies))
	energy := make([]plots.Series, len(c.Policies))
	for j, name := range c.Policies {
		lat[j] = plots.Series{Name: name}
		energy[j] = plots.Series{Name: name}
	}
	var data table
	data.header("phones", "phones_per_km2", "policy", "tasks_completed", "tasks_refused", "mean_latency_s", "p95_latency_s",
		"deadline_miss_rate", "mean_energy_j", "d2d_fraction")
	for _, n := range c.Figure.Phones {
		v := variant(c)
		v.Phones.Count = n
		out, err := s.run(v)
		if err != nil {
			return nil, fmt.Errorf("%d phones: %w", n, err)
		}
		density := float64(n) / km2
		for j, ps := range out.Summary.Policies {
			var peer float64
			for place, frac := range sortedPlaces(ps.PlaceFractions) {
				if strings.HasPrefix(place, "peer") {
					peer += frac
				}
			}
			l, e := nanIf(ps.Tasks == 0, 1e3*ps.MeanLatency), nanIf(ps.Tasks == 0, 1e3*ps.MeanEnergy)
			lat[j].X, lat[j].Y = append(lat[j].X, density), append(lat[j].Y, l)
			energy[j].X, energy[j].Y = append(energy[j].X, density), append(energy[j].Y, e)
			data.row(n, density, ps.Policy, ps.Tasks, ps.Refused, nanIf(ps.Tasks == 0, ps.MeanLatency), nanIf(ps.Tasks == 0, ps.P95Latency),
				ps.DeadlineMiss, nanIf(ps.Tasks == 0, ps.MeanEnergy), peer)
		}
	}
	xlabel := "phones per km²"
	a, err := plots.Lines(plots.LineChart{Title: "Mean latency against density", XLabel: xlabel, YLabel: "mean latency (ms)", LogX: true, Series: lat})
	if err != nil {
		return nil, err
	}
	b, err := plots.Lines(plots.LineChart{Title: "Mean phone energy against density", XLabel: xlabel, YLabel: "mean phone energy per task (mJ)", LogX: true, Series: energy})
	if err != nil {
		return nil, err
	}
	fig := twoPanels(a, b)
	fig.data = data
	return fig, nil
}

// sortedPlaces yields a summary's place fractions in order of place, so
// that sums over them do not depend on map order.
func sortedPlaces(m map[string]float64) func(func(string, float64) bool) {
	return func(yield func(string, float64) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

// llm runs the file and plots the CDFs of time to first token and time per
// output token of its LLM requests.
func (s *suite) llm(c *experiments.Config) (*figure, error) {
	out, err := s.run(variant(c))
	if err != nil {
		return nil, err
	}
	a, err := plots.TTFTCDF(out.Tasks, c.Policies)
	if err != nil {
		return nil, err
	}
	b, err := plots.TPOTCDF(out.Tasks, c.Policies)
	if err != nil {
		return nil, err
	}
	var data table
	data.header("policy", "id", "turn", "place", "ttft_s", "tpot_s", "ttft_met", "tpot_met")
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{}
	for _, t := range out.Tasks {
		if t.Kind == "llm" && t.Status == results.StatusOK {
			data.row(t.Policy, strconv.FormatInt(t.ID, 10), t.Turn, t.Place, t.TTFT, t.TPOT, t.TTFTMet, t.TPOTMet)
			for k, v := range []float64{t.TTFT, t.TPOT} {
				if v > 0 {
					lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
				}
			}
		}
	}
	// Under load the places differ by decades: log axes, in ms, from the
	// smallest value to the right edge the CDF chose (past the p99s).
	for k, p := range []*plot.Plot{a, b} {
		if lo[k] < hi[k] {
			if err := plots.LogX(p, 1e3*lo[k]/1.25, max(p.X.Max, 1e3*lo[k])); err != nil {
				return nil, err
			}
		}
	}
	fig := twoPanels(a, b)
	fig.data = data
	return fig, nil
}

// scalability runs each policy alone on one worker at each phone count of
// the figure and plots the wall time of the run against the number of
// phones. Wall time depends on the machine and its load: it is the CSV's
// column wall_s, and the only one that differs between identical runs.
func (s *suite) scalability(c *experiments.Config) (*figure, error) {
	series := make([]plots.Series, len(c.Policies))
	var data table
	data.header("phones", "policy", "simulated_s", "tasks", "wall_s")
	for j, name := range c.Policies {
		series[j] = plots.Series{Name: name}
		for _, n := range c.Figure.Phones {
			v := variant(c)
			v.Phones.Count = n
			v.Policies = []string{name}
			if err := v.Validate(s.known); err != nil {
				return nil, fmt.Errorf("%d phones: %w", n, err)
			}
			start := time.Now()
			out, err := s.env.Run(v, experiments.Options{Workers: 1})
			wall := time.Since(start).Seconds()
			if err != nil {
				return nil, fmt.Errorf("%s at %d phones: %w", name, n, err)
			}
			series[j].X = append(series[j].X, float64(n))
			series[j].Y = append(series[j].Y, wall)
			data.row(n, name, v.Duration.Seconds(), len(out.Tasks), wall)
		}
	}
	var ref *plots.Series
	if first := series[0]; len(first.X) > 1 {
		x0, y0 := first.X[0], first.Y[0]
		ref = &plots.Series{Name: "linear in phones", X: []float64{x0, first.X[len(first.X)-1]}, Y: []float64{y0, y0 * first.X[len(first.X)-1] / x0}}
	}
	p, err := plots.Lines(plots.LineChart{Title: fmt.Sprintf("Wall time of %v simulated", c.Duration), XLabel: "phones",
		YLabel: "wall time (s), one core", LogX: true, LogY: true, Series: series, Reference: ref})
	if err != nil {
		return nil, err
	}
	return &figure{data: data, single: p, width: plots.DefaultWidth, height: plots.DefaultHeight}, nil
}

// learning trains the file's agent in a scratch folder (removed after) and
// plots its learning curve; with Options.Training it draws that folder's
// curve.csv instead.
func (s *suite) learning(c *experiments.Config) (*figure, error) {
	var data table
	var err error
	if s.opt.Training != "" {
		data, err = readCurve(filepath.Join(s.opt.Training, experiments.CurveFile))
	} else {
		data, err = s.train(c)
	}
	if err != nil {
		return nil, err
	}
	step, ret := slices.Index(data.cols, "step"), slices.Index(data.cols, "return")
	if step < 0 || ret < 0 {
		return nil, fmt.Errorf("the learning curve has no step or return column (columns: %s)", strings.Join(data.cols, ", "))
	}
	steps := make([]float64, len(data.rows))
	returns := make([]float64, len(data.rows))
	for i, r := range data.rows {
		if steps[i], err = strconv.ParseFloat(r[step], 64); err == nil {
			returns[i], err = strconv.ParseFloat(r[ret], 64)
		}
		if err != nil {
			return nil, fmt.Errorf("learning curve, row %d: %w", i+2, err)
		}
	}
	window := min(20, max(1, len(steps)/10))
	p, err := plots.LearningCurve(steps, returns, window)
	if err != nil {
		return nil, err
	}
	return &figure{data: data, single: p, width: plots.DefaultWidth, height: plots.DefaultHeight}, nil
}

// train runs "mecsim train" on c in a scratch folder and returns the
// learning curve.
func (s *suite) train(c *experiments.Config) (table, error) {
	scratch, err := os.MkdirTemp("", "mecsim-figure-training-")
	if err != nil {
		return table{}, err
	}
	defer os.RemoveAll(scratch)
	v := *c
	v.Figure = nil
	out, err := s.env.Train(&v, filepath.Join(scratch, "run"), experiments.TrainOptions{Workers: s.opt.Workers})
	if err != nil {
		return table{}, err
	}
	var data table
	data.header("step", "episode", "preference", "return", "delay_return", "energy_return", "length")
	for _, p := range out.Curve {
		data.row(p.Step, p.Episode, p.Preference, p.Return, p.Delay, p.Energy, p.Length)
	}
	return data, nil
}

// readCurve reads a training folder's curve.csv as it is.
func readCurve(path string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return table{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return table{}, fmt.Errorf("%s: empty", path)
	}
	return table{cols: recs[0], rows: recs[1:]}, nil
}

func writeCSV(w io.Writer, recs [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(recs); err != nil {
		return err
	}
	return cw.Error()
}
