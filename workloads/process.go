package workloads

// Process is the configuration of an arrival process: a value that checks
// itself, states its long-run rate, and builds instances. The world gives
// every phone and workload its own instance and its own stream, and asks
// the instance for one gap after another:
//
//	arr := p.New()                // one per phone × workload
//	r := streams.Rand("workload/phone-17/arrivals")
//	t := arr.Next(r)              // first arrival, seconds after time 0
//	t += arr.Next(r)              // the next, and so on
//
// An instance keeps whatever state its process has (the MMPP's current
// state, the periodic process's phase, the time of day of a diurnal
// profile, the position in a trace), so two instances of one Process never
// share state, and an instance is not safe for concurrent use. Instances
// draw only from the stream passed to Next, and draw their initial state
// (where they have one) from it on the first call, so an instance's whole
// sequence is a function of its stream.
//
// Unless a process says otherwise, an instance is stationary from time 0:
// the first gap is the time from 0 to the first arrival of the process in
// equilibrium, not a full gap from an arrival at 0, so that the expected
// number of arrivals in [0, t) is MeanRate()·t for every t.
type Process interface {
	// New returns a fresh instance, positioned at simulation time 0.
	// It panics if Validate reports an error: check configurations first.
	New() Arrivals

	// MeanRate returns the long-run mean number of arrivals per second;
	// for an invalid configuration it is meaningless or NaN.
	MeanRate() float64

	// Validate reports every problem with the configuration, naming the
	// fields and values, as one error; nil when New may be called.
	Validate() error
}

// Compile-time checks that every process is a Process.
var (
	_ Process = Poisson{}
	_ Process = MMPP{}
	_ Process = Periodic{}
	_ Process = PiecewisePoisson{}
	_ Process = SinusoidalPoisson{}
	_ Process = Replay{}
)
