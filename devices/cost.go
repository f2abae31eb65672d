package devices

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/workloads"
)

// Cost is what a place that runs tasks costs: seconds for each kind of
// work, and power while working. Placement (one processor) and CoExec
// (GPU and NPU together) implement it.
type Cost interface {
	// Vision returns the seconds of one inference of m.
	Vision(m workloads.Model) float64
	// Compute returns the seconds of ops operations of generic,
	// compute-bound work (a subtask of a DAG job, a CPU-cycles task).
	Compute(ops float64) float64
	// VisionBatch returns the seconds of one batch of n inferences of m,
	// which read the weights once: throughput rises with n until the work
	// is compute-bound.
	VisionBatch(m workloads.Model, n int) float64
	// Prefill returns the seconds to process a prompt of tokens tokens
	// (time to first token, less any queueing and transfer).
	Prefill(l workloads.LLM, q workloads.Quant, tokens int) float64
	// Decode returns the seconds of one decode step with ctx tokens in the
	// KV cache.
	Decode(l workloads.LLM, q workloads.Quant, ctx int) float64
	// DecodeBatch returns the seconds of one decode step of n requests
	// decoded together (continuous batching on a server).
	DecodeBatch(l workloads.LLM, q workloads.Quant, ctx, n int) float64
	// Power returns the watts the processors draw while working.
	Power() float64
	// Fits reports whether a model of the given footprint in bytes fits
	// the device's free memory, with ErrNoMemory if it does not.
	Fits(bytes float64) error
	// Name names the place in results, e.g. "galaxy-s24/npu@qnn".
	Name() string
	// Host returns the device the work runs on, for its memory, thermal
	// state and battery.
	Host() *Device
}

// ErrNoMemory is wrapped by Fits when a model does not fit.
var ErrNoMemory = errors.New("devices: model does not fit in memory")

// Placement is one processor of a device running one engine: the unit a
// task runs on. Build it with Catalogue.Placement.
type Placement struct {
	Device *Device
	Proc   *Processor
	Engine *Engine
	F      Factors // the engine's factors on Proc's kind
	// KVAlloc is the KV-cache length a static-shape engine allocates and
	// reads at every step (F.StaticKV); zero means the filled length.
	KVAlloc int
}

// Name returns "device/processor@engine".
func (p Placement) Name() string {
	return fmt.Sprintf("%s/%s@%s", p.Device.Name, p.Proc.Name, p.Engine.Name)
}

// Bandwidth returns the bytes per second the engine streams on this
// processor alone.
func (p Placement) Bandwidth() float64 {
	return p.Device.Bandwidth * p.Proc.BWShare * p.F.MemEff
}

// Rate returns the operations per second the engine reaches in data type
// d on compute-bound work.
func (p Placement) Rate(d DType) float64 { return p.Proc.PeakFor(d) * p.F.ComputeEff }

// Roofline returns max(ops / Rate(d), bytes / Bandwidth()): the time of
// work that is either compute- or memory-bound, without fixed costs.
func (p Placement) Roofline(ops float64, d DType, bytes float64) float64 {
	return max(ops/p.Rate(d), bytes/p.Bandwidth())
}

// Vision returns the seconds of one inference of m: the roofline of its
// operations in the engine's data type and of its weight and feature-map
// traffic, plus the engine's per-call overhead.
func (p Placement) Vision(m workloads.Model) float64 { return p.VisionBatch(m, 1) }

// VisionBatch returns the seconds of a batch of n inferences of m: the
// weights are read once for the batch, the feature maps once per image.
func (p Placement) VisionBatch(m workloads.Model, n int) float64 {
	dt := p.F.DType
	b := float64(max(n, 1))
	bytes := m.Params*dt.Bytes() + b*m.ActivationBytes*dt.Bytes()*p.F.ActivationTraffic
	return p.Roofline(b*m.Ops(), dt, bytes) + p.F.CallOverhead
}

// Compute returns the seconds of ops operations of compute-bound work in
// the engine's data type, plus its per-call overhead.
func (p Placement) Compute(ops float64) float64 {
	return ops/p.Rate(p.F.DType) + p.F.CallOverhead
}

// Kernel returns the seconds of one matrix product at quantisation q: its
// operations in q's arithmetic (else the engine's), the weights moved at
// q's bits per weight and the activations and result at the width of
// that arithmetic, plus the engine's per-call overhead.
func (p Placement) Kernel(g workloads.GEMM, q workloads.Quant) float64 {
	d := p.computeType(q)
	return p.Roofline(g.FLOPs(), d, g.Bytes(q.WeightBytesPerElem(), d.Bytes())) + p.F.CallOverhead
}

// computeType is the arithmetic of an LLM at quantisation q: its
// activations' type (fp16 for W4A16, int8 for W8A8), else the engine's;
// the engine's always when it dequantises weights (Factors.Dequantise).
func (p Placement) computeType(q workloads.Quant) DType {
	if p.F.Dequantise {
		return p.F.DType
	}
	if d, err := ParseDType(q.Compute); err == nil {
		return d
	}
	return p.F.DType
}

// Prefill returns the seconds to process a prompt: compute-bound, with the
// prompt padded to the engine's chunk and the weights read once per chunk,
// plus per-chunk overheads and, for engines that build graphs per shape,
// the graph preparation.
func (p Placement) Prefill(l workloads.LLM, q workloads.Quant, tokens int) float64 {
	if tokens <= 0 {
		return 0
	}
	n, chunks := tokens, 1
	if c := p.F.ChunkTokens; c > 0 {
		chunks = (tokens + c - 1) / c
		n = chunks * c
	}
	t := p.Roofline(l.PrefillFLOPs(n), p.computeType(q), float64(chunks)*l.WeightBytes(q))
	return t + float64(chunks)*p.F.ChunkOverhead + float64(tokens)*p.F.GraphPrep
}

// Decode returns the seconds of one decode step: memory-bound, reading
// every weight at the quantisation and the KV cache (all of the
// allocated cache for static-shape engines), plus the engine's per-token
// overhead.
func (p Placement) Decode(l workloads.LLM, q workloads.Quant, ctx int) float64 {
	return p.DecodeBatch(l, q, ctx, 1)
}

// DecodeBatch returns the seconds of one decode step of a batch of n
// requests, each with ctx tokens in its KV cache: the weights are read
// once for the batch, each request's KV cache and arithmetic are its own,
// so the step time grows slowly with n until the batch is compute-bound.
func (p Placement) DecodeBatch(l workloads.LLM, q workloads.Quant, ctx, n int) float64 {
	kv := ctx
	if p.F.StaticKV && p.KVAlloc > kv {
		kv = p.KVAlloc
	}
	b := float64(max(n, 1))
	bytes := l.WeightBytes(q) + b*float64(kv)*l.KVBytesPerToken(q.KVBytes)
	return p.Roofline(b*l.FLOPsPerToken(ctx), p.computeType(q), bytes) + p.F.TokenOverhead
}

// Power returns the processor's active power.
func (p Placement) Power() float64 { return p.Proc.ActiveW }

// Host returns the placement's device.
func (p Placement) Host() *Device { return p.Device }

// Fits reports whether bytes fit the device's free memory.
func (p Placement) Fits(bytes float64) error {
	return fits(p.Device, bytes)
}

func fits(d *Device, bytes float64) error {
	if free := d.FreeMemory(); bytes > free || math.IsNaN(bytes) {
		return fmt.Errorf("%w: %.2f GB needed, %.2f GB free on %s", ErrNoMemory, bytes/1e9, free/1e9, d.Name)
	}
	return nil
}
