package devices

import (
	"errors"
	"fmt"
	"math"

	"github.com/mecsim/mecsim/workloads"
)

// Partition is how CoExec divides a model between its GPU and NPU.
type Partition int

const (
	// TensorPartition splits every weight matrix in the ratio r : 1−r
	// between GPU and NPU, which run their shares at once and
	// synchronise after each layer (HeteroInfer's "Hetero-tensor"). The
	// ratio is chosen per phase by the cost model; r = 0 and r = 1 are the
	// single processors, so it is never slower than LayerPartition. It is
	// the zero value.
	TensorPartition Partition = iota
	// LayerPartition gives whole layers to the processor that runs them
	// faster. The layers of a decoder-only model are alike, so this
	// chooses one processor per phase (prefill and decode may differ) and
	// pays no synchronisation: HeteroInfer's "Hetero-layer", the
	// lower-power choice.
	LayerPartition
)

func (p Partition) String() string {
	switch p {
	case TensorPartition:
		return "tensor"
	case LayerPartition:
		return "layer"
	}
	return fmt.Sprintf("Partition(%d)", int(p))
}

// CoExec is the GPU and the NPU of one device running one model together,
// as in HeteroInfer (Chen et al., SOSP'25; dossier §4.1). It implements
// Cost.
//
// Under TensorPartition a phase (a prompt's prefill, one decode step)
// whose work takes the roofline time Tg on the GPU alone and Tn on the
// NPU alone, with fixed costs Og and On (per-token, per-chunk and
// graph-preparation overheads), streaming Bg and Bn bytes, takes at GPU
// share r
//
//	T(r) = max(r·Tg + Og, (1−r)·Tn + On, (r·Bg + (1−r)·Bn) / (PairShare·Bandwidth))
//	       + Sync · layers · passes
//
// where passes is the number of prompt chunks the NPU's static graph runs
// (1 in decode). The third term is the bound of the shared DRAM: a single
// processor reaches only its own share (Processor.BWShare, 0.65 on a
// Snapdragon 8 Gen 3), both together reach PairShare (0.875), never the
// sum, so co-execution speeds decode up by at most PairShare/BWShare. T is
// the maximum of three affine functions of r, hence convex, and its
// minimum over (0, 1) lies where two of them cross: the optimiser
// evaluates those crossings (a closed form, no search) and compares them
// with the single processors, which pay no synchronisation. All of a
// phase's work — weights, KV cache, attention — is taken as divisible in
// the ratio r; in HeteroInfer attention stays on one processor, a
// difference well under the synchronisation cost for the models here.
//
// Vision models are not split: each runs on whichever processor is
// faster (CNNs on phones are overhead-bound, dossier §4.3).
type CoExec struct {
	GPU, NPU Placement // the same device's GPU and NPU, each with its engine

	// Sync is the seconds GPU and NPU spend synchronising per layer and
	// pass of a split model: about 400 µs per synchronisation with
	// clFinish and tens of µs with HeteroInfer's polling (dossier §4.1),
	// times the synchronisations per layer (one per split operator).
	// Zero means free synchronisation.
	Sync float64

	Partition Partition
}

// NewCoExec returns the co-execution of gpu and npu, which must be a GPU
// and an NPU of the same device, with sync seconds of synchronisation
// per layer.
func NewCoExec(gpu, npu Placement, sync float64) (CoExec, error) {
	var errs []error
	if gpu.Device == nil || gpu.Proc == nil || gpu.Engine == nil || npu.Device == nil || npu.Proc == nil || npu.Engine == nil {
		return CoExec{}, errors.New("devices: co-execution of an incomplete placement")
	}
	if gpu.Device != npu.Device && gpu.Device.Name != npu.Device.Name {
		errs = append(errs, fmt.Errorf("GPU on %s but NPU on %s: co-execution needs one device", gpu.Device.Name, npu.Device.Name))
	}
	if gpu.Proc.Kind != GPU {
		errs = append(errs, fmt.Errorf("%s is a %s, not a gpu", gpu.Name(), gpu.Proc.Kind))
	}
	if npu.Proc.Kind != NPU {
		errs = append(errs, fmt.Errorf("%s is a %s, not an npu", npu.Name(), npu.Proc.Kind))
	}
	if !(sync >= 0) || math.IsInf(sync, 0) {
		errs = append(errs, fmt.Errorf("synchronisation cost %v s, want a finite number ≥ 0", sync))
	}
	if len(errs) > 0 {
		return CoExec{}, fmt.Errorf("devices: co-execution: %w", errors.Join(errs...))
	}
	return CoExec{GPU: gpu, NPU: npu, Sync: sync}, nil
}

// CoExec returns the co-execution of device dev's GPU and NPU, both
// running engine eng (such as "heteroinfer"), with sync seconds of
// synchronisation per layer.
func (c *Catalogue) CoExec(dev, eng string, sync float64) (CoExec, error) {
	g, err := c.Placement(dev, string(GPU), eng)
	if err != nil {
		return CoExec{}, err
	}
	n, err := c.Placement(dev, string(NPU), eng)
	if err != nil {
		return CoExec{}, err
	}
	return NewCoExec(g, n, sync)
}

// Name returns "device/gpu+npu@engine", or "device/gpu+npu@gpuengine+npuengine"
// when the two processors run different engines.
func (c CoExec) Name() string {
	eng := c.GPU.Engine.Name
	if c.NPU.Engine.Name != eng {
		eng += "+" + c.NPU.Engine.Name
	}
	return fmt.Sprintf("%s/%s+%s@%s", c.GPU.Device.Name, c.GPU.Proc.Name, c.NPU.Proc.Name, eng)
}

// PairBandwidth returns the bytes per second GPU and NPU stream together
// at most: PairShare × Bandwidth.
func (c CoExec) PairBandwidth() float64 { return c.GPU.Device.PairShare * c.GPU.Device.Bandwidth }

// Split is how CoExec runs one phase.
type Split struct {
	// R is the GPU's share of the work, in [0, 1]: 0 is the NPU alone, 1
	// the GPU alone.
	R float64
	// Seconds is the phase's time: Concurrent plus the synchronisation.
	Seconds float64
	// Concurrent is the seconds during which the processors work, the
	// maximum of the three terms of T(r) (see CoExec); equal to Seconds
	// on a single processor.
	Concurrent float64
	Syncs      int     // synchronisations paid: layers × passes, 0 on one processor
	Bytes      float64 // bytes streamed from DRAM by both processors

	GPUBusy, NPUBusy float64 // seconds each processor is active
}

// StreamRate returns the DRAM bytes per second during the concurrent
// part: never more than PairBandwidth.
func (s Split) StreamRate() float64 {
	if s.Concurrent == 0 {
		return 0
	}
	return s.Bytes / s.Concurrent
}

// Vision returns the seconds of one inference of m on the faster of the
// two processors.
func (c CoExec) Vision(m workloads.Model) float64 {
	return min(c.GPU.Vision(m), c.NPU.Vision(m))
}

// Compute returns the seconds of generic work on the faster processor.
func (c CoExec) Compute(ops float64) float64 { return min(c.GPU.Compute(ops), c.NPU.Compute(ops)) }

// DecodeBatch returns the seconds of one decode step of n requests on
// the faster of the two processors (batches are not split between them).
func (c CoExec) DecodeBatch(l workloads.LLM, q workloads.Quant, ctx, n int) float64 {
	if n <= 1 {
		return c.Decode(l, q, ctx)
	}
	return min(c.GPU.DecodeBatch(l, q, ctx, n), c.NPU.DecodeBatch(l, q, ctx, n))
}

// VisionBatch returns the seconds of a batch of n inferences of m on the
// faster of the two processors.
func (c CoExec) VisionBatch(m workloads.Model, n int) float64 {
	return min(c.GPU.VisionBatch(m, n), c.NPU.VisionBatch(m, n))
}

// Prefill returns the seconds to process a prompt of tokens tokens; see
// PrefillSplit.
func (c CoExec) Prefill(l workloads.LLM, q workloads.Quant, tokens int) float64 {
	return c.PrefillSplit(l, q, tokens).Seconds
}

// Decode returns the seconds of one decode step with ctx tokens in the
// KV cache; see DecodeSplit.
func (c CoExec) Decode(l workloads.LLM, q workloads.Quant, ctx int) float64 {
	return c.DecodeSplit(l, q, ctx).Seconds
}

// PrefillSplit returns how a prompt of tokens tokens is divided and what
// it costs.
func (c CoExec) PrefillSplit(l workloads.LLM, q workloads.Quant, tokens int) Split {
	if tokens <= 0 {
		return Split{}
	}
	return c.split(c.GPU.prefillWork(l, q, tokens), c.NPU.prefillWork(l, q, tokens), l.Layers)
}

// DecodeSplit returns how one decode step with ctx tokens in the KV cache
// is divided and what it costs.
func (c CoExec) DecodeSplit(l workloads.LLM, q workloads.Quant, ctx int) Split {
	return c.split(c.GPU.decodeWork(l, q, ctx), c.NPU.decodeWork(l, q, ctx), l.Layers)
}

// Power returns the active power of both processors, what a split phase
// draws. A phase that runs on one processor draws only that one's: use
// Energy with the phase's Split for its joules.
func (c CoExec) Power() float64 { return c.GPU.Proc.ActiveW + c.NPU.Proc.ActiveW }

// Energy returns the joules the two processors draw over a phase: each
// one's active power over its busy time and its idle power for the rest
// of the phase. The device's base power is not included.
func (c CoExec) Energy(s Split) float64 {
	g, n := c.GPU.Proc, c.NPU.Proc
	return g.ActiveW*s.GPUBusy + g.IdleW*(s.Seconds-s.GPUBusy) +
		n.ActiveW*s.NPUBusy + n.IdleW*(s.Seconds-s.NPUBusy)
}

// Fits reports whether bytes fit the device's free memory: the two
// processors share one copy of the weights.
func (c CoExec) Fits(bytes float64) error { return fits(c.GPU.Device, bytes) }

// Host returns the device both processors belong to.
func (c CoExec) Host() *Device { return c.GPU.Device }

// phaseWork is one phase of one model on one placement.
type phaseWork struct {
	roof   float64 // seconds of the roofline of the whole phase, without fixed costs
	fixed  float64 // seconds of overheads paid whenever the placement takes part
	bytes  float64 // DRAM bytes of the whole phase
	passes int     // passes through the layers: prompt chunks of a static graph, else 1
}

func (w phaseWork) alone() float64 { return w.roof + w.fixed }

// prefillWork decomposes Placement.Prefill; roof+fixed equals it (a test
// holds the two together).
func (p Placement) prefillWork(l workloads.LLM, q workloads.Quant, tokens int) phaseWork {
	n, chunks := tokens, 1
	if c := p.F.ChunkTokens; c > 0 {
		chunks = (tokens + c - 1) / c
		n = chunks * c
	}
	bytes := float64(chunks) * l.WeightBytes(q)
	return phaseWork{
		roof:   p.Roofline(l.PrefillFLOPs(n), p.computeType(q), bytes),
		fixed:  float64(chunks)*p.F.ChunkOverhead + float64(tokens)*p.F.GraphPrep,
		bytes:  bytes,
		passes: chunks,
	}
}

// decodeWork decomposes Placement.Decode; roof+fixed equals it.
func (p Placement) decodeWork(l workloads.LLM, q workloads.Quant, ctx int) phaseWork {
	kv := ctx
	if p.F.StaticKV && p.KVAlloc > kv {
		kv = p.KVAlloc
	}
	bytes := l.WeightBytes(q) + float64(kv)*l.KVBytesPerToken(q.KVBytes)
	return phaseWork{
		roof:   p.Roofline(l.FLOPsPerToken(ctx), p.computeType(q), bytes),
		fixed:  p.F.TokenOverhead,
		bytes:  bytes,
		passes: 1,
	}
}

// line is a + b·r.
type line struct{ a, b float64 }

func (f line) at(r float64) float64 { return f.a + f.b*r }

// split chooses the GPU share for a phase whose work is g on the GPU and
// n on the NPU.
func (c CoExec) split(g, n phaseWork, layers int) Split {
	// The single processors: layer-level partitioning. Ties go to the
	// NPU, which draws less power.
	best := Split{R: 0, Seconds: n.alone(), Concurrent: n.alone(), Bytes: n.bytes, NPUBusy: n.alone()}
	if g.alone() < best.Seconds {
		best = Split{R: 1, Seconds: g.alone(), Concurrent: g.alone(), Bytes: g.bytes, GPUBusy: g.alone()}
	}
	if c.Partition == LayerPartition {
		return best
	}
	// T(r) is the maximum of three lines: the GPU busy r·Tg + Og, the NPU
	// busy (1−r)·Tn + On, and the shared DRAM (r·Bg + (1−r)·Bn)/BWpair.
	bw := c.PairBandwidth()
	gl := line{g.fixed, g.roof}
	nl := line{n.roof + n.fixed, -n.roof}
	bl := line{n.bytes / bw, (g.bytes - n.bytes) / bw}
	bytes := line{n.bytes, g.bytes - n.bytes}
	syncs := max(layers, 1) * max(g.passes, n.passes) // one per layer and pass
	syncTime := c.Sync * float64(syncs)
	lines := [3]line{gl, nl, bl}
	// The minimum of a convex piecewise-linear function lies where two of
	// its lines cross. The balanced GPU–NPU crossing comes first, so that
	// it wins ties (when the DRAM bound flattens the minimum).
	for _, pair := range [3][2]int{{0, 1}, {0, 2}, {1, 2}} {
		f, h := lines[pair[0]], lines[pair[1]]
		if f.b == h.b {
			continue
		}
		r := (h.a - f.a) / (f.b - h.b)
		if !(r > 0 && r < 1) {
			continue
		}
		conc := max(gl.at(r), nl.at(r), bl.at(r))
		if t := conc + syncTime; t < best.Seconds {
			best = Split{
				R: r, Seconds: t, Concurrent: conc, Syncs: syncs, Bytes: bytes.at(r),
				GPUBusy: max(gl.at(r), bl.at(r)), NPUBusy: max(nl.at(r), bl.at(r)),
			}
		}
	}
	return best
}
