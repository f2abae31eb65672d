package devices

import (
	"fmt"

	"github.com/mecsim/mecsim/workloads"
)

// CheckLLM reports whether language model l at quantisation q, serving a
// context of ctx tokens, fits the free memory of the device c runs on:
// every weight at q plus the KV cache (workloads.LLM.FootprintBytes). An
// engine with static shapes (Factors.StaticKV) holds the whole allocated
// cache (Placement.KVAlloc) whatever the context. When the model does not
// fit, the error wraps ErrNoMemory and gives the model, its weight and KV
// bytes, and the device's free memory: a 7B model at FP16 on an 8 GB phone
// is refused, not run slowly.
func CheckLLM(c Cost, l workloads.LLM, q workloads.Quant, ctx int) error {
	kv := max(ctx, allocatedKV(c))
	err := c.Fits(l.FootprintBytes(q, kv))
	if err == nil {
		return nil
	}
	cache := l.KVCacheBytes(kv, q.KVBytes)
	weights := l.FootprintBytes(q, kv) - cache
	return fmt.Errorf("%s at %s with a %d-token KV cache (weights %.2f GB + KV cache %.2f GB) cannot run on %s: %w",
		l.Name, q.Name, kv, weights/1e9, cache/1e9, c.Name(), err)
}

// allocatedKV returns the KV-cache length a static-shape engine allocates
// on c, 0 when the cache grows with the context.
func allocatedKV(c Cost) int {
	switch p := c.(type) {
	case Placement:
		if p.F.StaticKV {
			return p.KVAlloc
		}
	case *Placement:
		return allocatedKV(*p)
	case CoExec:
		return max(allocatedKV(p.GPU), allocatedKV(p.NPU))
	case *CoExec:
		return allocatedKV(*p)
	}
	return 0
}
