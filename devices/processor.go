package devices

import (
	"fmt"
	"math"
	"strings"

	"github.com/mecsim/mecsim/workloads"
)

// Kind is the class of a processor.
type Kind string

// Kinds of processor.
const (
	CPU       Kind = "cpu"        // a phone's CPU cores
	GPU       Kind = "gpu"        // a phone's GPU
	NPU       Kind = "npu"        // a phone's neural processor
	ServerGPU Kind = "server-gpu" // a GPU in an edge server or the cloud
)

var kinds = []Kind{CPU, GPU, NPU, ServerGPU}

// Processor is one processor running models at one precision, as a
// roofline. Times are in seconds, rates per second, powers in watts.
type Processor struct {
	Name string // catalogue name, such as "edge-t4"
	Kind Kind

	PeakOps      float64 // operations per second at the profile's precision, counting a MAC as two
	MemBandwidth float64 // bytes per second: peak DRAM bandwidth available to the processor
	ComputeEff   float64 // fraction of PeakOps achieved, in (0, 1]
	MemEff       float64 // fraction of MemBandwidth achieved, in (0, 1]
	Overhead     float64 // seconds added to every inference: launch, dispatch, synchronisation

	// BytesPerParam is the size of one weight at the profile's precision:
	// 4 for fp32, 2 for fp16, 1 for int8. Every inference reads every
	// weight once.
	BytesPerParam float64
	// BytesPerActivation is the memory traffic per feature-map element of
	// Model.ActivationBytes: twice the activation size when each map is
	// written to DRAM and read back, 0 when on-chip memory holds them.
	BytesPerActivation float64

	ActivePowerW float64 // power while computing
	IdlePowerW   float64 // power while idle

	Source string // where the numbers come from
}

// Time returns the seconds to perform ops operations that move bytes of
// memory: the slower of the compute and memory rooflines, plus Overhead.
// The processor must be valid (see Validate).
func (p Processor) Time(ops, bytes float64) float64 {
	compute := ops / (p.PeakOps * p.ComputeEff)
	memory := bytes / (p.MemBandwidth * p.MemEff)
	return max(compute, memory) + p.Overhead
}

// Bytes returns the memory traffic of one inference of m: every weight
// once, at BytesPerParam, and the feature maps at BytesPerActivation.
func (p Processor) Bytes(m workloads.Model) float64 {
	return m.Params*p.BytesPerParam + m.ActivationBytes*p.BytesPerActivation
}

// InferenceTime returns the seconds one inference of m takes on p.
func (p Processor) InferenceTime(m workloads.Model) float64 {
	return p.Time(m.Ops(), p.Bytes(m))
}

// Energy returns the joules the processor spends computing for seconds.
func (p Processor) Energy(seconds float64) float64 { return p.ActivePowerW * seconds }

// field describes one numeric field of a Processor: its CSV column, its
// Go name, and the interval it must lie in.
type field struct {
	column, name string
	get          func(*Processor) *float64
	lo           float64
	loOpen       bool    // lo itself is excluded
	hi           float64 // inclusive; +Inf for none
}

var fields = []field{
	{"peak_ops", "PeakOps", func(p *Processor) *float64 { return &p.PeakOps }, 0, true, math.Inf(1)},
	{"mem_bandwidth", "MemBandwidth", func(p *Processor) *float64 { return &p.MemBandwidth }, 0, true, math.Inf(1)},
	{"compute_eff", "ComputeEff", func(p *Processor) *float64 { return &p.ComputeEff }, 0, true, 1},
	{"mem_eff", "MemEff", func(p *Processor) *float64 { return &p.MemEff }, 0, true, 1},
	{"overhead_s", "Overhead", func(p *Processor) *float64 { return &p.Overhead }, 0, false, math.Inf(1)},
	{"bytes_per_param", "BytesPerParam", func(p *Processor) *float64 { return &p.BytesPerParam }, 0, true, math.Inf(1)},
	{"bytes_per_activation", "BytesPerActivation", func(p *Processor) *float64 { return &p.BytesPerActivation }, 0, false, math.Inf(1)},
	{"active_power_w", "ActivePowerW", func(p *Processor) *float64 { return &p.ActivePowerW }, 0, false, math.Inf(1)},
	{"idle_power_w", "IdlePowerW", func(p *Processor) *float64 { return &p.IdlePowerW }, 0, false, math.Inf(1)},
}

// check reports whether v is finite and within the field's interval.
func (f field) check(v float64) error {
	ok := !math.IsNaN(v) && !math.IsInf(v, 0) && v <= f.hi && (v > f.lo || !f.loOpen && v == f.lo)
	if ok {
		return nil
	}
	open := "["
	if f.loOpen {
		open = "("
	}
	if math.IsInf(f.hi, 1) {
		if f.loOpen {
			return fmt.Errorf("%v: want a finite number > %v", v, f.lo)
		}
		return fmt.Errorf("%v: want a finite number ≥ %v", v, f.lo)
	}
	return fmt.Errorf("%v: want a number in %s%v, %v]", v, open, f.lo, f.hi)
}

// Validate reports every field that is out of range, naming the fields, as
// one error; nil when the processor is usable.
func (p Processor) Validate() error {
	var bad []string
	if p.Name == "" {
		bad = append(bad, "Name: empty")
	}
	if err := checkKind(p.Kind); err != nil {
		bad = append(bad, "Kind: "+err.Error())
	}
	for _, f := range fields {
		if err := f.check(*f.get(&p)); err != nil {
			bad = append(bad, f.name+": "+err.Error())
		}
	}
	if p.IdlePowerW > p.ActivePowerW {
		bad = append(bad, fmt.Sprintf("IdlePowerW: %v exceeds ActivePowerW %v", p.IdlePowerW, p.ActivePowerW))
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("devices: processor %q: %s", p.Name, strings.Join(bad, "; "))
}

func checkKind(k Kind) error {
	for _, known := range kinds {
		if k == known {
			return nil
		}
	}
	return fmt.Errorf("%q: want one of %q", k, kinds)
}
