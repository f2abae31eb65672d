package experiments

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/mec"
	"github.com/mecsim/mecsim/policies"
	"github.com/mecsim/mecsim/results"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// Env is what an experiment is built from: the catalogues of models and
// processors and the registry of policies. A program that adds its own
// policy adds it to Policies before loading its experiment files.
type Env struct {
	Models     *workloads.Catalogue
	Processors *devices.Catalogue
	Policies   *policies.Registry
	D2DLinks   []string // names of the D2D link presets
}

// DefaultEnv returns the built-in catalogues and policies.
func DefaultEnv() (Env, error) {
	models, err := workloads.DefaultCatalogue()
	if err != nil {
		return Env{}, fmt.Errorf("model catalogue: %w", err)
	}
	procs, err := devices.DefaultCatalogue()
	if err != nil {
		return Env{}, fmt.Errorf("processor catalogue: %w", err)
	}
	links, err := d2d.Presets()
	if err != nil {
		return Env{}, fmt.Errorf("d2d link presets: %w", err)
	}
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = l.Name
	}
	return Env{Models: models, Processors: procs, Policies: policies.Builtin(), D2DLinks: names}, nil
}

// Known returns the names the environment knows, for validation.
func (e Env) Known() Known {
	return Known{
		Models:     e.Models.Names(),
		LLMs:       e.Models.LLMNames(),
		Quants:     e.Models.QuantNames(),
		Processors: e.Processors.PresetNames(),
		D2DLinks:   e.D2DLinks,
		Policies:   e.Policies.Names(),
	}
}

// Scenario builds the world that a validated config describes.
func (e Env) Scenario(c *Config) (*mec.Scenario, error) {
	phoneCPU, err := e.Processors.Preset(c.Phones.Processor)
	if err != nil {
		return nil, fmt.Errorf("phones.processor: %w", err)
	}
	var extra []devices.Cost
	for i, x := range c.Phones.ExtraProcessors {
		pl, err := e.Processors.Preset(x)
		if err != nil {
			return nil, fmt.Errorf("phones.extra_processors[%d]: %w", i, err)
		}
		if pl.Device != phoneCPU.Device {
			return nil, fmt.Errorf("phones.extra_processors[%d]: %s is on %s, the phone is a %s", i, x, pl.Device.Name, phoneCPU.Device.Name)
		}
		extra = append(extra, pl)
	}
	cloudCPU, err := e.Processors.Preset(c.Cloud.Processor)
	if err != nil {
		return nil, fmt.Errorf("cloud.processor: %w", err)
	}
	sc := &mec.Scenario{
		Duration:   sim.Seconds(c.Duration.Seconds()),
		Width:      c.Area.Width,
		Height:     c.Area.Height,
		Phones:     c.Phones.Count,
		PhoneCPU:   phoneCPU,
		PhoneExtra: extra,
		TxPowerDBm: c.Phones.TxPowerDBm,
		TxPowerW:   c.Phones.TxPowerW,
		RxPowerW:   c.Phones.RxPowerW,
		IdlePowerW: c.Phones.IdlePowerW,
		UplinkHz:   c.Radio.UplinkHz,
		DownlinkHz: c.Radio.DownlinkHz,
		Channel: topology.Channel{
			NoiseDBmPerHz:  c.Radio.NoiseDBmPerHz,
			NoiseFigureDB:  c.Radio.NoiseFigureDB,
			MaxSpectralEff: c.Radio.MaxSpectralEff,
		},
		BSPowerDBm: c.Radio.BSPowerDBm,
		Cloud: mec.CloudSite{
			WAN:       topology.WANLink{Latency: c.Cloud.WANLatency.Seconds(), Bandwidth: c.Cloud.WANBandwidth},
			Processor: cloudCPU,
			Servers:   c.Cloud.Servers,
			LLMBatch:  c.Cloud.LLMBatch,
		},
	}
	for i, ed := range c.Edges {
		p, err := e.Processors.Preset(ed.Processor)
		if err != nil {
			return nil, fmt.Errorf("edge[%d].processor: %w", i, err)
		}
		disc, err := mec.ParseDiscipline(ed.Discipline)
		if err != nil {
			return nil, fmt.Errorf("edge[%d].discipline: %w", i, err)
		}
		sc.Sites = append(sc.Sites, mec.Site{
			Pos:             topology.Point{X: ed.X, Y: ed.Y},
			Coverage:        ed.Coverage,
			Processor:       p,
			Servers:         ed.Servers,
			Discipline:      disc,
			QueueLimit:      ed.QueueLimit,
			ForwardWhenFull: ed.WhenFull == "cloud",
			Batch:           ed.Batch,
			LLMBatch:        ed.LLMBatch,
		})
	}
	for i, wl := range c.Workloads {
		w := mec.Workload{Rate: wl.Rate, Deadline: wl.Deadline.Seconds(), DropLate: wl.DropLate}
		if wl.Arrivals == "trace" {
			procs, err := traceProcesses(wl.Trace)
			if err != nil {
				return nil, InputErrors{{File: wl.Trace, Key: fmt.Sprintf("workload[%d].trace", i), Msg: err.Error(), Err: err}}
			}
			w.PhoneArrivals = procs
		} else if w.Arrivals, err = arrivalProcess(wl); err != nil {
			return nil, fmt.Errorf("workload[%d].arrivals: %w", i, err)
		}
		if wl.Kind == "dag" && wl.Alibaba != "" {
			w.Kind = mec.DAG
			var skipped int
			if w.PhoneJobs, w.PhoneArrivals, skipped, err = alibabaJobs(wl, c.Phones.Count); err != nil {
				return nil, InputErrors{{File: wl.Alibaba, Key: fmt.Sprintf("workload[%d].alibaba", i), Msg: err.Error(), Err: err}}
			}
			w.Arrivals = nil
			w.SkippedRows = skipped
		} else if wl.Kind == "dag" {
			w.Kind = mec.DAG
			if w.Job, err = dagSpec(wl); err != nil {
				return nil, fmt.Errorf("workload[%d]: %w", i, err)
			}
		} else if wl.Kind == "llm" {
			w.Kind = mec.LLM
			if w.LLM, err = e.Models.LLM(wl.Model); err != nil {
				return nil, fmt.Errorf("workload[%d].model: %w", i, err)
			}
			if w.Quant, err = e.Models.Quant(wl.Quant); err != nil {
				return nil, fmt.Errorf("workload[%d].quant: %w", i, err)
			}
			w.PromptTokens, w.OutputTokens, w.TokenBytes = wl.PromptTokens, wl.OutputTokens, wl.TokenBytes
			w.TTFTSLO, w.TPOTSLO = wl.TTFTSLO.Seconds(), wl.TPOTSLO.Seconds()
			w.Turns, w.ThinkTime = wl.Turns, wl.ThinkTime.Seconds()
			w.PromptSigma, w.OutputSigma = wl.PromptSigma, wl.OutputSigma
			w.PromptHist, w.OutputHist = pairs(wl.PromptHist), pairs(wl.OutputHist)
		} else if w.Model, err = e.Models.Model(wl.Model); err != nil {
			return nil, fmt.Errorf("workload[%d].model: %w", i, err)
		}
		sc.Workloads = append(sc.Workloads, w)
	}
	p := c.Phones
	sc.Mobility = mec.Mobility{
		Model: p.Mobility, MinSpeed: p.MinSpeed, MaxSpeed: p.MaxSpeed, Pause: sim.Seconds(p.Pause.Seconds()),
		MeanSpeed: p.MeanSpeed, SpeedStdDev: p.SpeedStdDev, Alpha: p.Alpha, Step: sim.Seconds(p.Step.Seconds()),
	}
	if p.Mobility == "trace" {
		path := p.Trace
		f, err := os.Open(path)
		if err != nil {
			return nil, InputErrors{{File: path, Key: "phones.trace", Msg: err.Error(), Err: err}}
		}
		tracks, err := topology.ReadTrace(f)
		f.Close()
		if err != nil {
			return nil, InputErrors{{File: path, Key: "phones.trace", Msg: err.Error(), Err: err}}
		}
		sc.Mobility.Tracks = tracks
	}
	r := c.Radio
	sc.Handover = topology.HandoverConfig{
		Hysteresis: r.HandoverHysteresis, TimeToTrigger: sim.Seconds(r.TimeToTrigger.Seconds()),
		Interruption: sim.Seconds(r.Interruption.Seconds()),
	}
	sc.Backhaul = topology.WANLink{Latency: r.BackhaulLatency.Seconds(), Bandwidth: r.BackhaulBandwidth}
	sc.LinkRefresh = sim.Seconds(r.LinkRefresh.Seconds())
	if r.PathLoss != "macro" {
		if sc.PathLoss, err = topology.NewPathLoss(r.PathLoss, r.CarrierGHz, r.BSHeightM, r.UEHeightM); err != nil {
			return nil, fmt.Errorf("radio.path_loss: %w", err)
		}
	}
	sc.Shadowing = r.Shadowing
	sc.Fading = r.Fading != "none"
	if r.Fading == "rician" {
		sc.RicianK = r.RicianK
	}
	sc.Coherence = sim.Seconds(r.Coherence.Seconds())
	sc.Interference = r.Interference
	sc.StaleState = sim.Seconds(c.StaleState.Seconds())
	sc.DecisionInterval = sim.Seconds(c.DecisionInterval.Seconds())
	if sc.Priority, err = mec.ParsePriority(c.Priority); err != nil {
		return nil, fmt.Errorf("priority: %w", err)
	}
	if r.Scheduler != "equal" {
		s, err := topology.ParseScheduling(r.Scheduler)
		if err != nil {
			return nil, fmt.Errorf("radio.scheduler: %w", err)
		}
		sc.Scheduler, sc.RBHz = &s, r.RBHz
	}

	if d := c.D2D; d.Enabled {
		link, err := d2d.Preset(d.Link)
		if err != nil {
			return nil, fmt.Errorf("d2d.link: %w", err)
		}
		cfg := d2d.Config{K: d.Clusters}
		if d.Clusters == 0 {
			cfg.MaxRadius = d.RadiusM
		}
		sc.D2D = &mec.D2D{Link: link, Rule: d2d.AcceptRule{MinBattery: d.MinBattery, MaxQueueLen: d.MaxQueue}, Cluster: cfg,
			Recluster: sim.Seconds(d.Recluster.Seconds())}
	}
	return sc, nil
}

// Outcome is what a run produced: the resolved config, every task of
// every policy (grouped by policy in the config's order, each in task
// order) and the summary.
type Outcome struct {
	Config  *Config
	Tasks   []results.Task
	Summary results.Summary
}

// Options tune a run without changing its results.
type Options struct {
	// Workers bounds how many policies are simulated at once; 0 means
	// GOMAXPROCS. Each policy runs alone on its own kernel, so the results
	// do not depend on it.
	Workers int
	// Progress, if set, is called from time to time with the fraction of
	// the total simulated time done so far. Calls are serialised.
	Progress func(fraction float64)
}

// Run simulates every policy of c over the same scenario and seed, once
// per point of its sweep if it has one.
func (e Env) Run(c *Config, opt Options) (*Outcome, error) {
	if c.Environment == EnvReference {
		return nil, fmt.Errorf("%s: the reference environment is trained and evaluated by \"mecsim train\"", c.Name)
	}
	e, err := e.withAgents(c)
	if err != nil {
		return nil, err
	}
	if len(c.Sweep.params()) > 0 {
		return e.runSweep(c, opt)
	}
	return e.runOne(c, opt)
}

func (e Env) runOne(c *Config, opt Options) (*Outcome, error) {
	sc, err := e.Scenario(c)
	if err != nil {
		return nil, err
	}
	streams := sim.NewStreams(c.Seed)
	n := len(c.Policies)
	perPolicy := make([][]results.Task, n)
	errs := make([]error, n)

	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	reached := make([]float64, n)
	report := func(i int, now sim.Time) {
		if opt.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		reached[i] = min(1, now.Seconds()/sc.Duration.Seconds())
		var sum float64
		for _, r := range reached {
			sum += r
		}
		opt.Progress(sum / float64(n))
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				perPolicy[i], errs[i] = e.runPolicy(sc, streams, c.Policies[i], func(now sim.Time) { report(i, now) })
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	out := &Outcome{Config: c, Summary: results.Summary{
		Experiment: c.Name,
		Seed:       c.Seed,
		Duration:   c.Duration.Seconds(),
	}}
	for _, wl := range sc.Workloads {
		out.Summary.TraceRowsSkipped += wl.SkippedRows
	}
	for i, name := range c.Policies {
		if errs[i] != nil {
			return nil, fmt.Errorf("policy %s: %w", name, errs[i])
		}
		out.Tasks = append(out.Tasks, perPolicy[i]...)
		out.Summary.Policies = append(out.Summary.Policies, results.Summarize(name, perPolicy[i]))
	}
	if c.Pareto {
		if err := e.pareto(c, out, opt.Workers); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// oracleRuns bounds the oracle's search: beyond it, the scenario is too
// big for exhaustive search.
const oracleRuns = 100000

func (e Env) runPolicy(sc *mec.Scenario, streams sim.Streams, name string, progress func(sim.Time)) ([]results.Task, error) {
	if path, ok := strings.CutPrefix(name, marlPrefix); ok {
		return runMARLAgents(sc, streams, path, name)
	}
	var p policies.Policy
	var err error
	if name == "oracle" {
		if p, _, err = mec.Oracle(sc, streams, oracleRuns); err != nil {
			return nil, err
		}
	} else if p, err = e.Policies.New(name, policies.Env{Rand: streams.Rand("policy/" + name)}); err != nil {
		return nil, err
	}
	w, err := mec.NewWorld(sc, streams, p)
	if err != nil {
		return nil, err
	}
	w.OnProgress(progress)
	return w.Run(name)
}

// WriteFolder writes the outcome to dir atomically: config.toml,
// tasks.csv and summary.json, then whatever extra writes (the figures)
// into the same folder, which appears under its final name only when
// everything has been written.
func (o *Outcome) WriteFolder(dir string, extra func(tmp string) error) error {
	f, err := results.CreateFolder(dir)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := f.WriteFile("config.toml", o.Config.WriteTOML); err != nil {
		return err
	}
	if err := f.WriteFile("tasks.csv", func(w io.Writer) error { return results.WriteTasksCSV(w, o.Tasks) }); err != nil {
		return err
	}
	if err := f.WriteFile("summary.json", func(w io.Writer) error { return results.WriteSummaryJSON(w, o.Summary) }); err != nil {
		return err
	}
	if extra != nil {
		if err := extra(f.Path()); err != nil {
			return err
		}
	}
	return f.Commit()
}
