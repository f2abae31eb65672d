package devices

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
)

// Kind is the class of a processor.
type Kind string

// Kinds of processor. Edge and server GPUs are GPUs: the device's Class
// says where they sit.
const (
	CPU Kind = "cpu"
	GPU Kind = "gpu"
	NPU Kind = "npu"
)

// Processor is one compute unit of a device, as a roofline: a peak rate
// per data type and the share of the device's memory bandwidth it can
// draw on its own. Rates are operations per second counting a
// multiply-accumulate as two; powers are watts.
type Processor struct {
	Name string // unique within the device, e.g. "npu", "gpu", "cpu", "cpu-1core"
	Kind Kind

	// Peak is the rate per data type; zero where the processor has no
	// native support (PeakFor then falls back to a wider type).
	Peak [numDTypes]float64
	// BWShare is the fraction of the device's DRAM bandwidth this
	// processor reaches alone (a phone NPU reaches about 0.65, HeteroInfer
	// §3.3); engines reach a further fraction of that.
	BWShare float64

	ActiveW float64 // power while computing, above the device's base power
	IdleW   float64 // power while idle
	Source  string
}

// PeakFor returns the processor's rate in data type d, falling back to
// the nearest wider type it supports: an engine that asks a CPU for fp16
// gets its fp32 rate.
func (p *Processor) PeakFor(d DType) float64 {
	for t := d; t >= FP32; t-- {
		if p.Peak[t] > 0 {
			return p.Peak[t]
		}
	}
	// Nothing wider: use the narrowest supported type at its own rate.
	for t := d + 1; t < numDTypes; t++ {
		if p.Peak[t] > 0 {
			return p.Peak[t]
		}
	}
	return 0
}

// Thermal is a lumped RC model of a device: a heat capacity that power
// warms and a resistance to ambient through which it cools. Above TripC
// the clocks are throttled, in proportion to the excess, down to
// MinClock at MaxC.
type Thermal struct {
	CapacityJPerK   float64 `toml:"capacity_j_per_k"`   // heat capacity, J/K
	ResistanceKPerW float64 `toml:"resistance_k_per_w"` // thermal resistance to ambient, K/W
	AmbientC        float64 `toml:"ambient_c"`
	TripC           float64 `toml:"trip_c"`    // throttling starts above this temperature
	MaxC            float64 `toml:"max_c"`     // clocks reach MinClock at this temperature
	MinClock        float64 `toml:"min_clock"` // fraction of full clock when fully throttled
	Source          string  `toml:"source"`
}

// TimeConstant returns R·C, the time in seconds over which the device
// approaches its steady temperature.
func (t Thermal) TimeConstant() float64 { return t.CapacityJPerK * t.ResistanceKPerW }

// Battery is a device's energy store.
type Battery struct {
	CapacityWh float64 `toml:"wh"` // 0 for mains-powered devices
	Source     string  `toml:"source"`
}

// Device is a phone, an edge box or a server: processors sharing one
// memory, with a power, thermal and battery model.
type Device struct {
	Name    string
	Class   string // "phone", "edge", "server", "laptop"
	SoC     string
	Aliases []string // names under which measurement tables list it

	MemoryBytes  float64 // DRAM capacity
	UsableMemory float64 // fraction of it a model may use (the OS and apps keep the rest)
	Bandwidth    float64 // peak DRAM bandwidth, bytes/s
	// PairShare is the fraction of Bandwidth that processors running at
	// once reach together (GPU+NPU on a Snapdragon 8 Gen 3: 0.88).
	PairShare  float64
	BasePowerW float64 // the rest of the device while a processor works

	Processors []Processor
	// AliasProcessor names, for an alias that implies one processor (a
	// benchmark run on "1 big core"), the processor it means.
	AliasProcessor map[string]string
	Thermal        Thermal
	Battery        Battery
	Source         string

	// Overrides holds engine factors fitted for this device alone, keyed
	// by "engine/kind"; they replace the engine's own.
	Overrides map[string]Factors
}

// Processor returns the processor named name (a kind name such as "npu"
// finds the first processor of that kind).
func (d *Device) Processor(name string) (*Processor, error) {
	for i := range d.Processors {
		if d.Processors[i].Name == name {
			return &d.Processors[i], nil
		}
	}
	for i := range d.Processors {
		if string(d.Processors[i].Kind) == name {
			return &d.Processors[i], nil
		}
	}
	names := make([]string, len(d.Processors))
	for i, p := range d.Processors {
		names[i] = p.Name
	}
	return nil, fmt.Errorf("device %s has no processor %q (it has %v)", d.Name, name, names)
}

// FreeMemory returns the bytes a model may occupy.
func (d *Device) FreeMemory() float64 { return d.MemoryBytes * d.UsableMemory }

// Validate reports every out-of-range figure of the device as one error.
func (d *Device) Validate() error {
	var errs []error
	bad := func(field string, v float64, ok bool) {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%s = %v", field, v))
		}
	}
	if d.Name == "" {
		errs = append(errs, errors.New("no name"))
	}
	bad("memory", d.MemoryBytes, d.MemoryBytes > 0)
	bad("usable_memory", d.UsableMemory, d.UsableMemory > 0 && d.UsableMemory <= 1)
	bad("bandwidth", d.Bandwidth, d.Bandwidth > 0)
	bad("pair_share", d.PairShare, d.PairShare > 0 && d.PairShare <= 1)
	bad("base_power_w", d.BasePowerW, d.BasePowerW >= 0)
	bad("battery.wh", d.Battery.CapacityWh, d.Battery.CapacityWh >= 0)
	if len(d.Processors) == 0 {
		errs = append(errs, errors.New("no processors"))
	}
	seen := map[string]bool{}
	for i := range d.Processors {
		p := &d.Processors[i]
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("processor %q listed twice", p.Name))
		}
		seen[p.Name] = true
		switch p.Kind {
		case CPU, GPU, NPU:
		default:
			errs = append(errs, fmt.Errorf("processor %q: kind %q (want cpu, gpu or npu)", p.Name, p.Kind))
		}
		any := false
		for t := FP32; t < numDTypes; t++ {
			bad(fmt.Sprintf("processor %q peak %v", p.Name, t), p.Peak[t], p.Peak[t] >= 0)
			any = any || p.Peak[t] > 0
		}
		if !any {
			errs = append(errs, fmt.Errorf("processor %q has no peak rate", p.Name))
		}
		bad(fmt.Sprintf("processor %q bw_share", p.Name), p.BWShare, p.BWShare > 0 && p.BWShare <= 1)
		bad(fmt.Sprintf("processor %q active_w", p.Name), p.ActiveW, p.ActiveW >= 0)
		bad(fmt.Sprintf("processor %q idle_w", p.Name), p.IdleW, p.IdleW >= 0)
	}
	for _, alias := range slices.Sorted(maps.Keys(d.AliasProcessor)) {
		if proc := d.AliasProcessor[alias]; !seen[proc] {
			errs = append(errs, fmt.Errorf("alias %q names processor %q, which the device does not have", alias, proc))
		}
	}
	th := d.Thermal
	if th.CapacityJPerK != 0 || th.ResistanceKPerW != 0 {
		bad("thermal.capacity_j_per_k", th.CapacityJPerK, th.CapacityJPerK > 0)
		bad("thermal.resistance_k_per_w", th.ResistanceKPerW, th.ResistanceKPerW > 0)
		bad("thermal.max_c", th.MaxC, th.MaxC > th.TripC)
		bad("thermal.min_clock", th.MinClock, th.MinClock > 0 && th.MinClock <= 1)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("device %s: %w", d.Name, errors.Join(errs...))
}
