package workloads_test

import (
	"fmt"
	"log"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

func ExampleCatalogue_Model() {
	cat, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	m, err := cat.Model("mobilenet-v2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %.1f GOPs, %.2fM params, %.0f input bytes\n", m.Name, m.Ops()/1e9, m.Params/1e6, m.InputBytes)

	_, err = cat.Model("mobilenet-v4")
	fmt.Println(err)
	// Output:
	// mobilenet-v2: 0.6 GOPs, 3.47M params, 150528 input bytes
	// workloads: unknown model "mobilenet-v4" (known: mnasnet-0.5, mnasnet-a1, mnasnet-a1-0.5, mobilenet-v2, mobilenet-v2-0.5, mobilenet-v3-large, mobilenet-v3-small, resnet-50, siglip-so400m-384, vit-b-16, whisper-base-encoder, yolov8n)
}

func ExamplePoisson() {
	// Each phone draws its arrivals from its own named stream.
	r := sim.NewStreams(1).Rand("workload/phone-0/arrivals")
	arrivals := workloads.Poisson{Rate: 20} // tasks per second

	var now sim.Time
	n := 0
	for {
		now += sim.Seconds(arrivals.Next(r))
		if now > 1000*sim.Second {
			break
		}
		n++
	}
	fmt.Printf("about %d arrivals per second\n", (n+500)/1000)
	// Output: about 20 arrivals per second
}

func ExampleLLM() {
	cat, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	m, err := cat.LLM("llama-3.2-1b")
	if err != nil {
		log.Fatal(err)
	}
	q, err := cat.ResolveQuant("W4A16") // as Qualcomm AI Hub writes it
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %.3gB params, %.3gB in matmuls\n", m.Name, m.TotalParams()/1e9, m.MatmulParams()/1e9)
	fmt.Printf("decode at 4096 tokens: %.2f GFLOP, %.0f MB of weights, %.0f MB of KV cache\n",
		m.FLOPsPerToken(4096)/1e9, m.WeightBytes(q)/1e6, m.KVCacheBytes(4096, q.KVBytes)/1e6)
	fmt.Printf("prefill of 1024 tokens: %.2f TFLOP\n", m.PrefillFLOPs(1024)/1e12)
	fmt.Printf("footprint at 4096 tokens: %.2f GB\n", m.FootprintBytes(q, 4096)/1e9)
	// Output:
	// llama-3.2-1b: 1.24B params, 1.24B in matmuls
	// decode at 4096 tokens: 3.01 GFLOP, 695 MB of weights, 134 MB of KV cache
	// prefill of 1024 tokens: 2.60 TFLOP
	// footprint at 4096 tokens: 0.83 GB
}

func ExampleQuant() {
	cat, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"Q4_K_M", "INT4 (MLC q4f16)", "W8A8 per-tensor (llm.npu) / engine default", "NPU default"} {
		q, err := cat.ResolveQuant(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-42q -> %-8s %5.2f bits/weight, %s arithmetic, %g-byte KV\n", name, q.Name, q.BitsPerWeight, q.Compute, q.KVBytes)
	}
	// Output:
	// "Q4_K_M"                                   -> q4_k_m    4.85 bits/weight, int8 arithmetic, 2-byte KV
	// "INT4 (MLC q4f16)"                         -> q4f16_1   4.50 bits/weight, fp16 arithmetic, 2-byte KV
	// "W8A8 per-tensor (llm.npu) / engine default" -> w8a8      8.00 bits/weight, int8 arithmetic, 1-byte KV
	// workloads: not modelled: quantisation "NPU default": the source does not state the precision
}

func ExampleParseGEMM() {
	// HeteroInfer writes weights first, llm.npu activations first.
	for _, s := range []string{"matmul W[4096x14336] x A[14336x256]", "matmul A[64x2048] x B[2048x11008]"} {
		g, err := workloads.ParseGEMM(s)
		if err != nil {
			log.Fatal(err)
		}
		// 4-bit weights with fp16 scales, fp16 activations.
		fmt.Printf("M=%d N=%d K=%d tokens=%d: %.1f GFLOP, %.1f MB\n", g.M, g.N, g.K, g.Tokens(), g.FLOPs()/1e9, g.Bytes(4.5/8, 2)/1e6)
	}
	// Output:
	// M=4096 N=256 K=14336 tokens=256: 30.1 GFLOP, 42.5 MB
	// M=64 N=11008 K=2048 tokens=64: 2.9 GFLOP, 14.4 MB
}

func ExampleCatalogue_Resolve() {
	cat, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"Llama-2-7B-Chat", "MobileNetV3-Large 224", "matmul W[4096x4096] x A[4096x1]", "Mamba-2"} {
		kind, canonical, err := cat.Resolve(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s %q\n", name, kind, canonical)
	}
	// Output:
	// Llama-2-7B-Chat: llm "llama-2-7b"
	// MobileNetV3-Large 224: vision "mobilenet-v3-large"
	// matmul W[4096x4096] x A[4096x1]: gemm "matmul W[4096x4096] x A[4096x1]"
	// workloads: not modelled: "Mamba-2": a state-space model: no attention and no KV cache, so the transformer decoder arithmetic of the LLM type does not apply
}
