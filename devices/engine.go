package devices

import "fmt"

// Factors are what an inference engine achieves on one kind of processor:
// fractions of the processor's peaks, and the fixed costs it adds.
type Factors struct {
	Kind Kind

	// DType is the arithmetic the engine runs vision models and LLM
	// activations in on this processor (fp16 for W4A16 on an NPU).
	DType DType
	// ComputeEff is the fraction of the peak rate in DType reached on
	// compute-bound work (prefill, convolutions, large matrix products).
	ComputeEff float64
	// MemEff is the fraction of the processor's own bandwidth
	// (Device.Bandwidth × Processor.BWShare) reached streaming weights.
	MemEff float64

	// ActivationTraffic is the DRAM traffic per byte of feature map in a
	// vision model: 0 when on-chip memory holds the maps (NPUs), 2 when
	// each map is written and read back.
	ActivationTraffic float64

	CallOverhead  float64 // seconds added to each call: one image, one kernel
	TokenOverhead float64 // seconds added to each decode step
	// ChunkTokens is the static graph's prompt chunk: prompts are padded
	// to a multiple of it and each chunk costs ChunkOverhead. Zero for
	// engines with dynamic shapes.
	ChunkTokens   int
	ChunkOverhead float64
	// Dequantise marks engines that unpack quantised weights to DType
	// and compute in it whatever the quantisation's own arithmetic:
	// llama.cpp's CUDA and Metal back-ends multiply Q4 weights as fp16,
	// where its CPU back-end uses int8 dot products.
	Dequantise bool
	// StaticKV marks engines whose decode graph reads the whole allocated
	// KV cache each step (QNN/Genie), not just the filled part.
	StaticKV bool
	// GraphPrep is the seconds per prompt token to build a graph for a
	// prompt length the engine has not seen (HeteroInfer §5.3.2); zero
	// when shapes are prebuilt.
	GraphPrep float64
	Source    string

	// Prior holds the values these factors had before they were fitted
	// to the calibration table (the dossier's inferred values), towards
	// which a refit regularises; nil when they were not fitted.
	Prior *Factors
}

// Engine is an inference runtime and the factors it reaches on each kind
// of processor it supports.
type Engine struct {
	Name    string
	On      []Factors
	Source  string
	Aliases []string

	// Unsupported, when not empty, says why mecsim cannot model the
	// engine (activation sparsity, flash offload); Placement then fails
	// with ErrUnsupported.
	Unsupported string

	// For GPU+NPU co-execution (CoExec): the seconds one synchronisation
	// costs with the engine's own mechanism (Sync) and with a plain
	// blocking one such as clFinish (SlowSync), and how many operators it
	// splits, hence synchronises, per layer.
	Sync, SlowSync float64
	SyncsPerLayer  int
}

// CoExecSync returns the seconds per layer and pass that co-execution
// with this engine spends synchronising (CoExec.Sync): SyncsPerLayer
// synchronisations, each costing Sync, or SlowSync when slow is set.
func (e *Engine) CoExecSync(slow bool) float64 {
	s := e.Sync
	if slow {
		s = e.SlowSync
	}
	return float64(e.SyncsPerLayer) * s
}

// For returns the engine's factors on processors of kind k.
func (e *Engine) For(k Kind) (Factors, error) {
	for _, f := range e.On {
		if f.Kind == k {
			return f, nil
		}
	}
	kinds := make([]Kind, len(e.On))
	for i, f := range e.On {
		kinds[i] = f.Kind
	}
	return Factors{}, fmt.Errorf("engine %s does not run on %s processors (only %v)", e.Name, k, kinds)
}

func (f Factors) validate() error {
	switch {
	case !(f.ComputeEff > 0 && f.ComputeEff <= 1):
		return fmt.Errorf("%s: compute_eff %v, want in (0, 1]", f.Kind, f.ComputeEff)
	case !(f.MemEff > 0 && f.MemEff <= 1):
		return fmt.Errorf("%s: mem_eff %v, want in (0, 1]", f.Kind, f.MemEff)
	case f.ActivationTraffic < 0 || f.CallOverhead < 0 || f.TokenOverhead < 0 || f.ChunkOverhead < 0 || f.GraphPrep < 0 || f.ChunkTokens < 0:
		return fmt.Errorf("%s: negative overhead", f.Kind)
	}
	return nil
}
