package devices

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/workloads"
)

// coToySoC is a device with round numbers for hand computation: 100 GB/s
// of DRAM, each processor alone reaching half of it, both together 0.8.
func coToySoC() *Device {
	d := &Device{
		Name: "toy-soc", Class: "phone", MemoryBytes: 8e9, UsableMemory: 0.5,
		Bandwidth: 100e9, PairShare: 0.8, BasePowerW: 1,
		Processors: []Processor{
			{Name: "gpu", Kind: GPU, BWShare: 0.5, ActiveW: 5, IdleW: 0.1},
			{Name: "npu", Kind: NPU, BWShare: 0.5, ActiveW: 2, IdleW: 0.05},
		},
	}
	d.Processors[0].Peak[FP16] = 2e12
	d.Processors[1].Peak[FP16] = 10e12
	return d
}

// coToy returns the toy SoC's GPU at 1 TFLOPS and 50 GB/s and its NPU at
// 5 TFLOPS and 40 GB/s, no overheads, running engine "toy".
func coToy() (gpu, npu Placement) {
	d := coToySoC()
	e := &Engine{Name: "toy"}
	gpu = Placement{Device: d, Proc: &d.Processors[0], Engine: e,
		F: Factors{Kind: GPU, DType: FP16, ComputeEff: 0.5, MemEff: 1}}
	npu = Placement{Device: d, Proc: &d.Processors[1], Engine: e,
		F: Factors{Kind: NPU, DType: FP16, ComputeEff: 0.5, MemEff: 0.8}}
	return gpu, npu
}

// coToyLLM has 10 layers of 12 M matmul weights (Q, K, V, O 1000×1000
// each and a 1000×4000 two-matrix FFN) and a 10 M LM head: N_mm = 130 M.
// At 8 bits a decode step reads 130 MB; a token adds 2·10·1000 = 20 kB of
// KV at one byte.
var (
	coToyLLM = workloads.LLM{Name: "toy-130m", Layers: 10, Hidden: 1000, Heads: 10, KVHeads: 10, HeadDim: 100,
		FFN: 4000, Vocab: 10000, TiedEmbeddings: true, Norm: workloads.RMSNorm, NormsPerLayer: 2, MaxContext: 4096, Source: "test"}
	coToyQuant = workloads.Quant{Name: "w8a16", BitsPerWeight: 8, Compute: "fp16", KVBytes: 1, Source: "test"}
)

func TestCoExecHandComputed(t *testing.T) {
	gpu, npu := coToy()
	const ms, us = 1e-3, 1e-6
	for _, c := range []struct {
		name      string
		sync      float64
		prefill   bool
		n         int
		wantR     float64
		wantT     float64
		wantSyncs int
	}{
		// Decode at ctx 0: 130 MB, memory-bound (0.26 GFLOP is 0.26 ms on
		// the GPU). GPU alone 130e6/50e9 = 2.6 ms, NPU 130e6/40e9 = 3.25 ms.
		// Split: GPU r·2.6, NPU (1−r)·3.25 cross at r = 3.25/5.85 = 5/9
		// (1.444 ms), under the shared-DRAM bound 130e6/80e9 = 1.625 ms,
		// which sets the time: 1.625 ms, 1.6× the GPU alone.
		{"decode, free sync", 0, false, 0, 5.0 / 9, 1.625 * ms, 10},
		// 20 µs per layer × 10 layers: 1.825 ms.
		{"decode, polling sync", 20 * us, false, 0, 5.0 / 9, 1.825 * ms, 10},
		// 0.1 ms per layer: 1.625 + 1 = 2.625 ms > 2.6 ms: the GPU alone.
		{"decode, clFinish-scale sync", 100 * us, false, 0, 1, 2.6 * ms, 0},
		// A huge sync falls back to the best single processor.
		{"decode, huge sync", 1, false, 0, 1, 2.6 * ms, 0},
		// Prefill of 100 tokens: 2·130e6·100 + 2·10·1000·100·101 =
		// 26.202 GFLOP; GPU alone 26.202 ms, NPU alone 5.2404 ms
		// (compute-bound: 130 MB is 2.6 / 3.25 ms). They cross at
		// r = 5.2404/31.4424 = 1/6: 26.202/6 = 4.367 ms, + 10 × 20 µs =
		// 4.567 ms, 1.147× the NPU alone.
		{"prefill, polling sync", 20 * us, true, 100, 1.0 / 6, 26.202*ms/6 + 0.2*ms, 10},
		// 100 µs per layer: 4.367 + 1 = 5.367 ms > 5.2404: the NPU alone.
		{"prefill, clFinish-scale sync", 100 * us, true, 100, 0, 5.2404 * ms, 0},
	} {
		co, err := NewCoExec(gpu, npu, c.sync)
		if err != nil {
			t.Fatal(err)
		}
		var s Split
		if c.prefill {
			s = co.PrefillSplit(coToyLLM, coToyQuant, c.n)
		} else {
			s = co.DecodeSplit(coToyLLM, coToyQuant, c.n)
		}
		if !closeRel(s.R, c.wantR, 1e-9) || !closeRel(s.Seconds, c.wantT, 1e-9) || s.Syncs != c.wantSyncs {
			t.Errorf("%s: r = %v, %v s, %d syncs; want r = %v, %v s, %d syncs", c.name, s.R, s.Seconds, s.Syncs, c.wantR, c.wantT, c.wantSyncs)
		}
	}
}

func TestCoExecDecodeBandwidthBound(t *testing.T) {
	// The decode above streams 130 MB in 1.625 ms = 80 GB/s, exactly the
	// pair bound 0.8 × 100 GB/s, and the GPU's share, 5/9 × 130 MB in
	// 1.625 ms = 44.4 GB/s, stays under its own 50 GB/s.
	gpu, npu := coToy()
	co, _ := NewCoExec(gpu, npu, 0)
	s := co.DecodeSplit(coToyLLM, coToyQuant, 0)
	if !closeRel(s.StreamRate(), 80e9, 1e-9) {
		t.Errorf("stream rate %v B/s, want 80e9", s.StreamRate())
	}
	if g := s.R * s.Bytes / s.Concurrent; g > gpu.Bandwidth()*(1+1e-12) {
		t.Errorf("GPU streams %v B/s, over its own %v", g, gpu.Bandwidth())
	}
	if n := (1 - s.R) * s.Bytes / s.Concurrent; n > npu.Bandwidth()*(1+1e-12) {
		t.Errorf("NPU streams %v B/s, over its own %v", n, npu.Bandwidth())
	}
}

func TestCoExecLayerPartition(t *testing.T) {
	// Whole layers to the faster processor: the GPU for decode (2.6 ms
	// against 3.25), the NPU for prefill (5.24 ms against 26.2), no sync.
	gpu, npu := coToy()
	co, _ := NewCoExec(gpu, npu, 20e-6)
	co.Partition = LayerPartition
	if s := co.DecodeSplit(coToyLLM, coToyQuant, 0); s.R != 1 || !closeRel(s.Seconds, 2.6e-3, 1e-9) || s.Syncs != 0 {
		t.Errorf("layer-level decode: %+v", s)
	}
	if s := co.PrefillSplit(coToyLLM, coToyQuant, 100); s.R != 0 || !closeRel(s.Seconds, 5.2404e-3, 1e-9) || s.Syncs != 0 {
		t.Errorf("layer-level prefill: %+v", s)
	}
}

func TestCoExecChunkedNPU(t *testing.T) {
	// An NPU with 64-token static chunks runs 100 tokens as 2 chunks
	// (128 padded tokens, weights read twice): 20 layer-passes to sync,
	// and the chunk overheads stay on the NPU's side of the split.
	gpu, npu := coToy()
	npu.F.ChunkTokens, npu.F.ChunkOverhead = 64, 0.5e-3
	co, _ := NewCoExec(gpu, npu, 10e-6)
	s := co.PrefillSplit(coToyLLM, coToyQuant, 100)
	// NPU alone: 2·130e6·128 + 2·10·1000·128·129 = 33.610 GFLOP / 5e12 =
	// 6.722 ms + 2 × 0.5 ms = 7.722 ms. GPU 26.202 ms. Crossing:
	// r·26.202 = (1−r)·6.722 + 1 → r = 7.722/32.924 = 0.23454, 6.1454 ms,
	// + 20 × 10 µs = 6.3454 ms.
	npuFLOPs := 2*130e6*128 + 2*10*1000*128*129.0
	tn, tg := npuFLOPs/5e12, 26.202e-3
	r := (tn + 1e-3) / (tg + tn)
	if want := r*tg + 0.2e-3; s.Syncs != 20 || !closeRel(s.R, r, 1e-9) || !closeRel(s.Seconds, want, 1e-9) {
		t.Errorf("chunked: r %v, %v s, %d syncs; want r %v, %v s, 20 syncs", s.R, s.Seconds, s.Syncs, r, want)
	}
}

func TestCoExecWorkMatchesPlacement(t *testing.T) {
	// The decomposition CoExec splits adds up to Placement's own costs,
	// with every overhead the engines have.
	gpu, npu := coToy()
	npu.F.ChunkTokens, npu.F.ChunkOverhead, npu.F.GraphPrep = 128, 2e-3, 1.5e-3
	npu.F.StaticKV, npu.F.TokenOverhead, npu.KVAlloc = true, 3e-3, 2048
	gpu.F.TokenOverhead = 1e-3
	for _, p := range []Placement{gpu, npu} {
		for _, n := range []int{1, 100, 128, 129, 1000} {
			if got, want := p.prefillWork(coToyLLM, coToyQuant, n).alone(), p.Prefill(coToyLLM, coToyQuant, n); !closeRel(got, want, 1e-12) {
				t.Errorf("%s prefill %d: work %v, Placement %v", p.Name(), n, got, want)
			}
			if got, want := p.decodeWork(coToyLLM, coToyQuant, n).alone(), p.Decode(coToyLLM, coToyQuant, n); !closeRel(got, want, 1e-12) {
				t.Errorf("%s decode %d: work %v, Placement %v", p.Name(), n, got, want)
			}
		}
	}
}

func TestCoExecNeverWorse(t *testing.T) {
	// For any sync cost, co-execution is at most the best single
	// processor, its ratio stays in [0, 1], and its stream rate under the
	// pair bound.
	gpu, npu := coToy()
	npu.F.ChunkTokens, npu.F.ChunkOverhead, npu.F.TokenOverhead = 128, 1e-3, 0.5e-3
	for _, sync := range []float64{0, 1e-6, 30e-6, 400e-6, 5e-3, 1, 1e6} {
		co, _ := NewCoExec(gpu, npu, sync)
		for _, n := range []int{1, 16, 127, 128, 129, 512, 2048} {
			for _, phase := range []string{"prefill", "decode"} {
				var s Split
				var single float64
				if phase == "prefill" {
					s = co.PrefillSplit(coToyLLM, coToyQuant, n)
					single = min(gpu.Prefill(coToyLLM, coToyQuant, n), npu.Prefill(coToyLLM, coToyQuant, n))
				} else {
					s = co.DecodeSplit(coToyLLM, coToyQuant, n)
					single = min(gpu.Decode(coToyLLM, coToyQuant, n), npu.Decode(coToyLLM, coToyQuant, n))
				}
				if s.Seconds > single || s.R < 0 || s.R > 1 || s.StreamRate() > co.PairBandwidth()*(1+1e-12) {
					t.Errorf("sync %v, %s %d: %+v; best single %v s, pair bandwidth %v", sync, phase, n, s, single, co.PairBandwidth())
				}
				if (s.R == 0 || s.R == 1) != (s.Syncs == 0) {
					t.Errorf("sync %v, %s %d: r = %v with %d syncs", sync, phase, n, s.R, s.Syncs)
				}
			}
		}
	}
}

func TestCoExecEnergy(t *testing.T) {
	// Decode with free sync: r = 5/9, 1.625 ms, both processors stretched
	// to the DRAM bound, so both are busy the whole 1.625 ms:
	// (5 + 2) W × 1.625 ms = 11.375 mJ. On the GPU alone, 2.6 ms:
	// 5 × 2.6 + 0.05 × 2.6 = 13.13 mJ (the idle NPU).
	gpu, npu := coToy()
	co, _ := NewCoExec(gpu, npu, 0)
	if got := co.Energy(co.DecodeSplit(coToyLLM, coToyQuant, 0)); !closeRel(got, 7*1.625e-3, 1e-9) {
		t.Errorf("co-exec decode energy %v J, want 11.375 mJ", got)
	}
	co.Sync = 1
	if got := co.Energy(co.DecodeSplit(coToyLLM, coToyQuant, 0)); !closeRel(got, 5.05*2.6e-3, 1e-9) {
		t.Errorf("GPU-alone decode energy %v J, want 13.13 mJ", got)
	}
}

func TestNewCoExecErrors(t *testing.T) {
	gpu, npu := coToy()
	other, _ := coToy()
	other.Device = &Device{Name: "other"}
	for _, c := range []struct {
		name     string
		gpu, npu Placement
		sync     float64
	}{
		{"swapped", npu, gpu, 0},
		{"two devices", other, npu, 0},
		{"negative sync", gpu, npu, -1},
		{"NaN sync", gpu, npu, math.NaN()},
		{"empty", Placement{}, npu, 0},
	} {
		if _, err := NewCoExec(c.gpu, c.npu, c.sync); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// s24 returns the galaxy-s24 profile from the catalogue.
func s24(t *testing.T) *Device {
	t.Helper()
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Device("galaxy-s24")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// s24CoExec returns the galaxy-s24's GPU and NPU running heteroinfer: the
// catalogue's engine when it has one, else factors read off HeteroInfer
// (Chen et al., SOSP'25) Table 3 and §3.3:
//   - GPU fp16 GEMM [4096×4096]×[4096×256] in 10.841 ms = 0.79 TFLOPS of
//     2.8: compute_eff 0.28; GPU-only decode streams 43.3 GB/s of
//     68 × 0.65 = 44.2: mem_eff 0.98 (HI-K5G, HI-09).
//   - NPU fp16 GEMM [4096×4096]×[4096×128] in 0.912 ms = 4.71 TFLOPS of
//     17: compute_eff 0.277; one processor alone 40–45 GB/s: mem_eff 0.96
//     as QNN (HI-K4N, §3.3).
func s24CoExec(t *testing.T, sync float64) CoExec {
	t.Helper()
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	if co, err := c.CoExec("galaxy-s24", "heteroinfer", sync); err == nil {
		return co
	}
	d := s24(t)
	g, err := d.Processor("gpu")
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.Processor("npu")
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{Name: "heteroinfer"}
	co, err := NewCoExec(
		Placement{Device: d, Proc: g, Engine: e, F: Factors{Kind: GPU, DType: FP16, ComputeEff: 0.28, MemEff: 0.98}},
		Placement{Device: d, Proc: n, Engine: e, F: Factors{Kind: NPU, DType: FP16, ComputeEff: 0.277, MemEff: 0.96}},
		sync)
	if err != nil {
		t.Fatal(err)
	}
	return co
}

func llm(t *testing.T, name, quant string) (workloads.LLM, workloads.Quant) {
	t.Helper()
	c, err := workloads.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.LLM(name)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Quant(quant)
	if err != nil {
		t.Fatal(err)
	}
	return l, q
}

func TestCoExecBeatsBestSingleOnS24(t *testing.T) {
	// HeteroInfer's setting: Llama-3-8B at W4A16, 256-token prompt, decode
	// at 256 tokens of context; sync with polling (30 µs per layer) and
	// with clFinish (400 µs).
	l, q := llm(t, "llama-3-8b", "w4a16")
	for _, sync := range []float64{30e-6, 400e-6} {
		co := s24CoExec(t, sync)
		pairBW := co.GPU.Device.PairShare * co.GPU.Device.Bandwidth
		for _, c := range []struct {
			phase  string
			split  Split
			single float64
		}{
			{"prefill", co.PrefillSplit(l, q, 256), min(co.GPU.Prefill(l, q, 256), co.NPU.Prefill(l, q, 256))},
			{"decode", co.DecodeSplit(l, q, 256), min(co.GPU.Decode(l, q, 256), co.NPU.Decode(l, q, 256))},
		} {
			s := c.split
			t.Logf("sync %3.0f µs %-7s: r = %.3f, %.1f ms vs best single %.1f ms: %.3f×, %.1f GB/s",
				sync*1e6, c.phase, s.R, s.Seconds*1e3, c.single*1e3, c.single/s.Seconds, s.StreamRate()/1e9)
			if !(s.Seconds < c.single) {
				t.Errorf("sync %v %s: co-execution %v s, not faster than the best single processor %v s", sync, c.phase, s.Seconds, c.single)
			}
			if s.R <= 0 || s.R >= 1 {
				t.Errorf("sync %v %s: r = %v, want a split in (0, 1)", sync, c.phase, s.R)
			}
			if s.StreamRate() > pairBW*(1+1e-12) {
				t.Errorf("sync %v %s: streams %v B/s, over PairShare × Bandwidth = %v", sync, c.phase, s.StreamRate(), pairBW)
			}
		}
	}
}

func TestCoExecName(t *testing.T) {
	co := s24CoExec(t, 0)
	if got := co.Name(); got != "galaxy-s24/gpu+npu@heteroinfer" {
		t.Errorf("Name = %q", got)
	}
	co.NPU.Engine = &Engine{Name: "qnn"}
	if got := co.Name(); got != "galaxy-s24/gpu+npu@heteroinfer+qnn" {
		t.Errorf("Name with two engines = %q", got)
	}
	var _ Cost = co
}

func TestCoExecFits(t *testing.T) {
	co := s24CoExec(t, 0)
	free := co.GPU.Device.FreeMemory()
	if err := co.Fits(free); err != nil {
		t.Errorf("Fits(free) = %v", err)
	}
	if err := co.Fits(free * 1.01); !errors.Is(err, ErrNoMemory) {
		t.Errorf("Fits(1.01 × free) = %v, want ErrNoMemory", err)
	}
}

func ExampleCoExec() {
	// A phone's GPU (1 TFLOPS, 50 GB/s alone) and NPU (5 TFLOPS, 40 GB/s
	// alone) sharing 100 GB/s of DRAM, of which both together reach 80,
	// running a 130 M-parameter model at 8 bits with 20 µs of
	// synchronisation per layer.
	d := &Device{
		Name: "phone", MemoryBytes: 8e9, UsableMemory: 0.5, Bandwidth: 100e9, PairShare: 0.8,
		Processors: []Processor{
			{Name: "gpu", Kind: GPU, BWShare: 0.5, ActiveW: 5},
			{Name: "npu", Kind: NPU, BWShare: 0.5, ActiveW: 2},
		},
	}
	d.Processors[0].Peak[FP16], d.Processors[1].Peak[FP16] = 2e12, 10e12
	e := &Engine{Name: "heteroinfer"}
	gpu := Placement{Device: d, Proc: &d.Processors[0], Engine: e,
		F: Factors{Kind: GPU, DType: FP16, ComputeEff: 0.5, MemEff: 1}}
	npu := Placement{Device: d, Proc: &d.Processors[1], Engine: e,
		F: Factors{Kind: NPU, DType: FP16, ComputeEff: 0.5, MemEff: 0.8}}
	co, err := NewCoExec(gpu, npu, 20e-6)
	if err != nil {
		panic(err)
	}
	l := workloads.LLM{Name: "toy", Layers: 10, Hidden: 1000, Heads: 10, KVHeads: 10, HeadDim: 100,
		FFN: 4000, Vocab: 10000, TiedEmbeddings: true}
	q := workloads.Quant{Name: "w8a16", BitsPerWeight: 8, Compute: "fp16", KVBytes: 1}

	fmt.Println(co.Name())
	p := co.PrefillSplit(l, q, 100)
	fmt.Printf("prefill: GPU share %.3f, %.3f ms (GPU %.3f, NPU %.3f)\n",
		p.R, p.Seconds*1e3, gpu.Prefill(l, q, 100)*1e3, npu.Prefill(l, q, 100)*1e3)
	s := co.DecodeSplit(l, q, 0)
	fmt.Printf("decode: GPU share %.3f, %.3f ms (GPU %.3f, NPU %.3f), %.0f GB/s\n",
		s.R, s.Seconds*1e3, gpu.Decode(l, q, 0)*1e3, npu.Decode(l, q, 0)*1e3, s.StreamRate()/1e9)
	// Output:
	// phone/gpu+npu@heteroinfer
	// prefill: GPU share 0.167, 4.567 ms (GPU 26.202, NPU 5.240)
	// decode: GPU share 0.556, 1.825 ms (GPU 2.600, NPU 3.250), 80 GB/s
}

func TestSplitAgainstGridSearch(t *testing.T) {
	// The closed-form choice of r against a search of T(r) on a grid of
	// 20,001 points, for random phases: it is never worse than the grid's
	// best, nor better than T allows.
	rng := rand.New(rand.NewPCG(11, 5))
	gpu, npu := coToy()
	for i := range 500 {
		g := phaseWork{roof: rng.Float64(), fixed: 0.1 * rng.Float64(), bytes: 1e9 * rng.Float64(), passes: 1 + rng.IntN(3)}
		n := phaseWork{roof: rng.Float64(), fixed: 0.1 * rng.Float64(), bytes: 1e9 * rng.Float64(), passes: 1 + rng.IntN(3)}
		co := CoExec{GPU: gpu, NPU: npu, Sync: 1e-3 * rng.Float64()}
		layers := 1 + rng.IntN(40)
		s := co.split(g, n, layers)
		syncTime := co.Sync * float64(layers*max(g.passes, n.passes))
		T := func(r float64) float64 {
			return max(r*g.roof+g.fixed, (1-r)*n.roof+n.fixed, (r*g.bytes+(1-r)*n.bytes)/co.PairBandwidth()) + syncTime
		}
		grid := min(g.alone(), n.alone())
		for k := 1; k < 20000; k++ {
			grid = min(grid, T(float64(k)/20000))
		}
		if s.Seconds > grid*(1+1e-12) {
			t.Errorf("case %d: split %v s, grid finds %v s", i, s.Seconds, grid)
		}
		if want := T(s.R); s.R > 0 && s.R < 1 && !closeRel(s.Seconds, want, 1e-12) {
			t.Errorf("case %d: split says %v s at r = %v, T(r) = %v", i, s.Seconds, s.R, want)
		}
	}
}
