package devices

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckLLM(t *testing.T) {
	// The galaxy-s24 has 8 GB, of which a model may use usable_memory
	// (0.5 in the profile: 4 GB).
	co := s24CoExec(t, 0)
	free := co.GPU.Device.FreeMemory()
	for _, c := range []struct {
		model, quant string
		ctx          int
		fits         bool
	}{
		// Llama-2-7B: 6.74 G parameters × 2 bytes = 13.5 GB, + 1024 tokens
		// × 2·32·4096·2 bytes = 0.54 GB of KV: far over 8 GB, refused.
		{"llama-2-7b", "fp16", 1024, false},
		{"qwen2.5-7b", "fp16", 1024, false},
		// Llama-3.2-1B: 1.24 G × 4.5/8 = 0.70 GB, + 2048 × 2·16·512·2 =
		// 0.067 GB: fits.
		{"llama-3.2-1b", "w4a16", 2048, true},
		{"qwen2.5-0.5b", "q4_0", 4096, true},
	} {
		l, q := llm(t, c.model, c.quant)
		need := l.FootprintBytes(q, c.ctx)
		for _, cost := range []Cost{co, co.GPU, co.NPU} {
			err := CheckLLM(cost, l, q, c.ctx)
			if c.fits != (err == nil) || (err != nil && !errors.Is(err, ErrNoMemory)) {
				t.Errorf("%s %s ctx %d on %s (%.2f GB of %.2f free): %v", c.model, c.quant, c.ctx, cost.Name(), need/1e9, free/1e9, err)
			}
			if err != nil && !strings.Contains(err.Error(), c.model) {
				t.Errorf("the refusal does not name the model: %v", err)
			}
		}
	}
}

func TestCheckLLMStaticKV(t *testing.T) {
	// A static-shape engine holds its whole allocated cache: Llama-3.2-1B
	// with a 4096-token buffer at 2·16·512·2 = 32,768 bytes a token needs
	// 0.134 GB of KV even for a 10-token context.
	gpu, npu := coToy()
	npu.F.StaticKV, npu.KVAlloc = true, 4096
	l, q := llm(t, "llama-3.2-1b", "w4a16")
	// Shrink the toy SoC's memory so that the weights plus 10 tokens fit
	// but the weights plus the 4096-token buffer do not.
	weights := l.FootprintBytes(q, 0)
	d := npu.Device
	d.MemoryBytes, d.UsableMemory = weights+l.KVCacheBytes(100, q.KVBytes), 1
	if err := CheckLLM(gpu, l, q, 10); err != nil {
		t.Errorf("dynamic KV, 10 tokens: %v", err)
	}
	err := CheckLLM(npu, l, q, 10)
	if !errors.Is(err, ErrNoMemory) || !strings.Contains(err.Error(), "4096-token") {
		t.Errorf("static KV of 4096 tokens: %v", err)
	}
	co, _ := NewCoExec(gpu, npu, 0)
	if err := CheckLLM(co, l, q, 10); !errors.Is(err, ErrNoMemory) {
		t.Errorf("co-execution with a static-KV NPU: %v", err)
	}
}
