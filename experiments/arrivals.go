package experiments

import (
	"fmt"
	"os"

	"github.com/mecsim/mecsim/workloads"
)

// arrivalProcess returns the arrival process a workload names; nil for a
// trace, whose processes are per phone (see traceProcesses).
func arrivalProcess(w Workload) (workloads.Process, error) {
	switch w.Arrivals {
	case "poisson", "":
		return workloads.Poisson{Rate: w.Rate}, nil
	case "mmpp":
		if len(w.MMPPRates) < 2 || len(w.MMPPRates) != len(w.MMPPSojourn) {
			return nil, fmt.Errorf("mmpp needs mmpp_rates and mmpp_sojourn_s of one length, at least 2 (got %d and %d)", len(w.MMPPRates), len(w.MMPPSojourn))
		}
		n := len(w.MMPPRates)
		jump := make([][]float64, n)
		for i := range jump {
			jump[i] = make([]float64, n)
			for j := range jump[i] {
				if j != i {
					jump[i][j] = 1 / float64(n-1)
				}
			}
		}
		gen, err := workloads.GeneratorFromSojourns(w.MMPPSojourn, jump)
		if err != nil {
			return nil, err
		}
		return workloads.MMPP{Rates: w.MMPPRates, Generator: gen}, nil
	case "periodic":
		law := workloads.UniformJitter
		switch w.JitterLaw {
		case "", "uniform":
		case "gaussian":
			law = workloads.GaussianJitter
		default:
			return nil, fmt.Errorf("jitter_law must be \"uniform\" or \"gaussian\", got %q", w.JitterLaw)
		}
		return workloads.Periodic{Rate: w.Rate, Jitter: w.Jitter.Seconds(), Law: law}, nil
	case "diurnal":
		if len(w.HourlyRates) != 24 {
			return nil, fmt.Errorf("diurnal needs 24 hourly_rates, got %d", len(w.HourlyRates))
		}
		return workloads.PiecewisePoisson{Rates: w.HourlyRates}, nil
	case "sinusoidal":
		return workloads.SinusoidalPoisson{Mean: w.Rate, Amplitude: w.Amplitude, Period: w.Period.Seconds(), Peak: w.Peak.Seconds()}, nil
	case "trace":
		if w.Trace == "" {
			return nil, fmt.Errorf("arrivals = \"trace\" needs a trace file")
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown arrival process %q (known: poisson, mmpp, periodic, diurnal, sinusoidal, trace)", w.Arrivals)
}

// dagSpec returns the layered-DAG generator a DAG workload describes.
func dagSpec(w Workload) (workloads.LayeredDAG, error) {
	ir := func(name string, v []int) (workloads.IntRange, error) {
		if len(v) != 2 {
			return workloads.IntRange{}, fmt.Errorf("%s must be [min, max], got %v", name, v)
		}
		return workloads.IntRange{Min: v[0], Max: v[1]}, nil
	}
	fr := func(name string, v []float64) (workloads.UniformRange, error) {
		if len(v) != 2 {
			return workloads.UniformRange{}, fmt.Errorf("%s must be [min, max], got %v", name, v)
		}
		return workloads.UniformRange{Min: v[0], Max: v[1]}, nil
	}
	var g workloads.LayeredDAG
	var err error
	g.Layers = w.Layers
	if g.Width, err = ir("width", w.Width); err != nil {
		return g, err
	}
	if g.FanOut, err = ir("fan_out", w.FanOut); err != nil {
		return g, err
	}
	if g.Ops, err = fr("ops", w.Ops); err != nil {
		return g, err
	}
	if g.EdgeBytes, err = fr("edge_bytes", w.EdgeBytes); err != nil {
		return g, err
	}
	if g.InputBytes, err = fr("job_input", w.JobInput); err != nil {
		return g, err
	}
	if g.OutputBytes, err = fr("job_output", w.JobOutput); err != nil {
		return g, err
	}
	return g, g.Validate()
}

// alibabaJobs reads a cluster-trace-v2018 batch_task file and deals its
// jobs out to the phones in order of arrival, with each phone's arrival
// times to replay.
func alibabaJobs(w Workload, phones int) ([][]workloads.DAG, []workloads.Process, int, error) {
	f, err := os.Open(w.Alibaba)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	opt := workloads.AlibabaOptions{CoreHz: w.AlibabaCoreHz, SkipBad: w.AlibabaSkipBad}
	if len(w.EdgeBytes) > 0 {
		opt.EdgeBytes = w.EdgeBytes[0]
	}
	if len(w.JobInput) > 0 {
		opt.InputBytes = w.JobInput[0]
	}
	if len(w.JobOutput) > 0 {
		opt.OutputBytes = w.JobOutput[0]
	}
	tr, err := workloads.ReadAlibabaBatchTasks(f, opt)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(tr.Jobs) == 0 {
		return nil, nil, 0, fmt.Errorf("no jobs")
	}
	n := min(phones, len(tr.Jobs))
	jobs := make([][]workloads.DAG, n)
	times := make([][]float64, n)
	t0 := tr.Jobs[0].Arrival
	for k, j := range tr.Jobs {
		jobs[k%n] = append(jobs[k%n], j.DAG)
		times[k%n] = append(times[k%n], float64(j.Arrival-t0))
	}
	procs := make([]workloads.Process, n)
	for i := range procs {
		procs[i] = workloads.Replay{Times: times[i]}
	}
	return jobs, procs, len(tr.Skipped), nil
}

// pairs turns validated [[value, weight], …] into pairs.
func pairs(h [][]float64) [][2]float64 {
	out := make([][2]float64, 0, len(h))
	for _, b := range h {
		if len(b) == 2 {
			out = append(out, [2]float64{b[0], b[1]})
		}
	}
	return out
}

// traceProcesses reads a workload's arrival trace: one replay per device
// in the trace, in order of first appearance.
func traceProcesses(path string) ([]workloads.Process, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr, err := workloads.ReadTrace(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	devs := tr.Devices()
	if len(devs) == 0 {
		return nil, fmt.Errorf("%s: no arrivals", path)
	}
	out := make([]workloads.Process, len(devs))
	for i, d := range devs {
		out[i] = tr.Replay(d)
	}
	return out, nil
}
