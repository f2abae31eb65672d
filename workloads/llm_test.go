package workloads

import (
	"errors"
	"fmt"
	"math"
	quickrand "math/rand" // testing/quick takes the v1 generator
	"strings"
	"testing"
	"testing/quick"
)

// publishedTol bounds how far an architecture's parameter count may stray
// from the count its authors publish: published counts are rounded to two
// or three digits, and 2% is well below the gap a wrong field leaves (an
// LM head tied by mistake moves Qwen1.5-1.8B by 17%, a wrong layer count
// moves any model by 3% or more).
const publishedTol = 0.02

func defaultCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func relErr(got, want float64) float64 { return math.Abs(got/want - 1) }

// TestLLMPublishedParams checks every built-in architecture against the
// parameter count its source publishes, and prints the table (go test -v).
func TestLLMPublishedParams(t *testing.T) {
	cat := defaultCatalogue(t)
	names := cat.LLMNames()
	if len(names) < 21 {
		t.Errorf("%d LLMs, want at least the 21 of the brief: %v", len(names), names)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %10s %10s %7s %9s %10s %10s\n", "model", "total (B)", "published", "error", "N_mm (B)", "GFLOP/tok", "KV KB/tok")
	for _, name := range names {
		m, err := cat.LLM(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
		if m.PublishedParams == 0 {
			t.Errorf("%s: no published parameter count to check the architecture against", name)
			continue
		}
		total := m.TotalParams()
		rel := total/m.PublishedParams - 1
		if math.Abs(rel) > publishedTol {
			t.Errorf("%s: architecture gives %.4gB params, published %.4gB (%+.1f%%, tolerance ±%.0f%%)",
				name, total/1e9, m.PublishedParams/1e9, 100*rel, 100*publishedTol)
		}
		fmt.Fprintf(&table, "%-16s %10.4f %10.3g %+6.2f%% %9.4f %10.2f %10.1f\n", name, total/1e9, m.PublishedParams/1e9,
			100*rel, m.MatmulParams()/1e9, m.FLOPsPerToken(0)/1e9, m.KVBytesPerToken(2)/1024)
	}
	t.Log("\n" + table.String())
}

// TestLLMCheckpointCounts pins the architectures to the exact parameter
// counts of their checkpoints as the Hugging Face model pages show them
// (recalled, R); agreement to the last digit leaves no room for a wrong
// field.
func TestLLMCheckpointCounts(t *testing.T) {
	cat := defaultCatalogue(t)
	for _, tt := range []struct {
		name  string
		total float64
	}{
		{"tinyllama-1.1b", 1_100_048_384},
		{"qwen2-0.5b", 494_032_768},
		{"phi-2", 2_779_683_840},
		{"phi-3.5-mini", 3_821_079_552},
		{"gemma-2-2b", 2_614_341_888},
		{"llama-2-7b", 6_738_415_616},
		{"llama-3-8b", 8_030_261_248},
		{"llama-3.2-1b", 1_235_814_400},
		{"llama-3.2-3b", 3_212_749_824},
		{"mistral-7b-v0.3", 7_248_023_552},
	} {
		m, err := cat.LLM(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.TotalParams(); got != tt.total {
			t.Errorf("%s: TotalParams() = %.0f, want %.0f", tt.name, got, tt.total)
		}
	}
}

// TestLLMDossierTable compares the derived quantities with the calibration
// dossier's table (§2.1), which prints them to two or three digits: dossTol
// is half a unit in the last digit relative to the smallest entry.
func TestLLMDossierTable(t *testing.T) {
	const dossTol = 0.02
	cat := defaultCatalogue(t)
	for _, tt := range []struct {
		name               string
		total, nmm         float64 // billions
		gflop, attnK, kvKB float64 // GFLOP/token at ctx 0, attention FLOP per token per position (thousands), KV KB/token fp16
		w16, w45           float64 // GB of weights read per token at 16 and 4.5 bits
		skipAttnAndKV      bool    // the dossier has no value
	}{
		{"llama-2-7b", 6.74, 6.61, 13.2, 524, 512, 13.2, 3.72, false},
		{"llama-3-8b", 8.03, 7.50, 15.0, 524, 128, 15.0, 4.22, false},
		{"mistral-7b-v0.3", 7.25, 7.11, 14.2, 524, 128, 14.2, 4.00, false},
		{"qwen2.5-7b", 7.62, 7.07, 14.1, 401, 56, 14.1, 3.98, false},
		{"phi-3.5-mini", 3.82, 3.72, 7.4, 393, 384, 7.4, 2.09, false},
		{"llama-3.2-3b", 3.21, 3.21, 6.4, 344, 112, 6.4, 1.81, false},
		{"phi-2", 2.78, 2.65, 5.3, 328, 320, 5.3, 1.49, false},
		{"gemma-2b", 2.51, 2.51, 5.0, 147, 18, 5.0, 1.41, false},
		{"bluelm-3b", 2.7, 2.7, 5.4, 0, 0, 5.4, 1.5, true},
		{"internlm2-1.8b", 1.89, 1.70, 3.4, 197, 96, 3.4, 0.96, false},
		{"qwen1.5-1.8b", 1.84, 1.53, 3.05, 197, 192, 3.05, 0.86, false},
		{"qwen2-1.5b", 1.54, 1.54, 3.1, 172, 28, 3.1, 0.87, false},
		{"qwen2.5-1.5b", 1.54, 1.54, 3.1, 172, 28, 3.1, 0.87, false},
		{"llama-3.2-1b", 1.24, 1.24, 2.5, 131, 32, 2.5, 0.70, false},
		{"tinyllama-1.1b", 1.10, 1.03, 2.1, 180, 22, 2.1, 0.58, false},
	} {
		m, err := cat.LLM(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		fp16 := Quant{BitsPerWeight: 16}
		q45 := Quant{BitsPerWeight: 4.5}
		checks := []struct {
			what      string
			got, want float64
		}{
			{"total params (B)", m.TotalParams() / 1e9, tt.total},
			{"N_mm (B)", m.MatmulParams() / 1e9, tt.nmm},
			{"GFLOP/token at ctx 0", m.FLOPsPerToken(0) / 1e9, tt.gflop},
			{"GB/token at 16 bits", m.WeightBytes(fp16) / 1e9, tt.w16},
			{"GB/token at 4.5 bits", m.WeightBytes(q45) / 1e9, tt.w45},
		}
		if !tt.skipAttnAndKV {
			checks = append(checks,
				struct {
					what      string
					got, want float64
				}{"attention FLOP per position (K)", (m.FLOPsPerToken(1000) - m.FLOPsPerToken(0)) / 1000 / 1e3, tt.attnK},
				struct {
					what      string
					got, want float64
				}{"KV KB/token at fp16", m.KVBytesPerToken(2) / 1024, tt.kvKB})
		}
		// The dossier's INT8 column adds scale overhead of its own (7.0 GB
		// for Llama-2-7B's 6.6 B weights), so it is not compared.
		for _, c := range checks {
			if relErr(c.got, c.want) > dossTol {
				t.Errorf("%s: %s = %.4g, dossier %.4g", tt.name, c.what, c.got, c.want)
			}
		}
	}
}

func TestLLMArithmetic(t *testing.T) {
	// A toy model small enough to count by hand: 2 layers, width 8, 4 query
	// heads and 2 KV heads of width 2, a gated FFN of 16, a 10-token
	// vocabulary, RMSNorm, QKV biases, untied head.
	m := LLM{Name: "toy", Layers: 2, Hidden: 8, Heads: 4, KVHeads: 2, HeadDim: 2, FFN: 16, Vocab: 10,
		GatedFFN: true, QKVBias: true, Norm: RMSNorm, NormsPerLayer: 2, MaxContext: 64, Source: "hand"}
	// Per layer: Q 8·8 = 64, K and V 2·8·4 = 64, O 8·8 = 64, FFN 3·8·16 = 384.
	const layer = 64 + 64 + 64 + 384
	if got := m.LayerMatmulParams(); got != layer {
		t.Errorf("LayerMatmulParams() = %v, want %v", got, layer)
	}
	// N_mm: 2 layers and an LM head of 10·8.
	const nmm = 2*layer + 80
	if got := m.MatmulParams(); got != nmm {
		t.Errorf("MatmulParams() = %v, want %v", got, nmm)
	}
	// Total: layers plus their QKV biases (8+4+4) and two norms (16),
	// embedding and head (80 each), final norm (8).
	const total = 2*(layer+16+16) + 80 + 80 + 8
	if got := m.TotalParams(); got != total {
		t.Errorf("TotalParams() = %v, want %v", got, total)
	}
	tied := m
	tied.TiedEmbeddings = true
	if got := tied.TotalParams(); got != total-80 {
		t.Errorf("tied TotalParams() = %v, want %v", got, total-80)
	}
	if got := tied.MatmulParams(); got != nmm {
		t.Errorf("tied MatmulParams() = %v, want %v: the LM head is read per token either way", got, nmm)
	}
	// Attention: 4·L·AttnDim = 4·2·8 = 64 operations per position.
	for _, tt := range []struct {
		ctx  int
		want float64
	}{{0, 2 * nmm}, {1, 2*nmm + 64}, {100, 2*nmm + 6400}, {-5, 2 * nmm}} {
		if got := m.FLOPsPerToken(tt.ctx); got != tt.want {
			t.Errorf("FLOPsPerToken(%d) = %v, want %v", tt.ctx, got, tt.want)
		}
	}
	// Prefill of 3 tokens: 3·2·N_mm + 64·(1+2+3).
	if got, want := m.PrefillFLOPs(3), 3*2.0*nmm+64*6; got != want {
		t.Errorf("PrefillFLOPs(3) = %v, want %v", got, want)
	}
	if got := m.PrefillFLOPs(0); got != 0 {
		t.Errorf("PrefillFLOPs(0) = %v, want 0", got)
	}
	// KV: 2 (K and V) · 2 layers · 4 wide · bytes.
	if got := m.KVBytesPerToken(2); got != 32 {
		t.Errorf("KVBytesPerToken(2) = %v, want 32", got)
	}
	if got := m.KVCacheBytes(10, 1); got != 160 {
		t.Errorf("KVCacheBytes(10, 1) = %v, want 160", got)
	}
	q := Quant{Name: "q", BitsPerWeight: 4, Compute: "fp16", KVBytes: 2, Source: "hand"}
	if got := m.WeightBytes(q); got != nmm/2 {
		t.Errorf("WeightBytes = %v, want %v", got, nmm/2)
	}
	if got, want := m.FootprintBytes(q, 10), total/2+320.0; got != want {
		t.Errorf("FootprintBytes = %v, want %v", got, want)
	}

	// Phi-2's layout: LayerNorm (scale and bias), biases on every linear
	// layer and on the head, plain MLP.
	p := LLM{Name: "toy-phi", Layers: 1, Hidden: 4, Heads: 2, KVHeads: 2, HeadDim: 2, FFN: 8, Vocab: 5,
		LinearBias: true, Norm: LayerNorm, NormsPerLayer: 1, MaxContext: 8, Source: "hand"}
	// Layer: Q, K, V, O 4·16 = 64, MLP 2·4·8 = 64; biases 4+4+4+4 + 8+4 = 28;
	// one LayerNorm 8. Embedding 20, head 20 + bias 5, final LayerNorm 8.
	if got, want := p.TotalParams(), float64(64+64+28+8+20+25+8); got != want {
		t.Errorf("Phi-like TotalParams() = %v, want %v", got, want)
	}
}

// TestPrefillIsSumOfTokens checks the closed form of PrefillFLOPs against
// the naive sum of FLOPsPerToken over the prompt's positions.
func TestPrefillIsSumOfTokens(t *testing.T) {
	cat := defaultCatalogue(t)
	m, err := cat.LLM("qwen2.5-7b")
	if err != nil {
		t.Fatal(err)
	}
	sum := func(n uint16) bool {
		var s float64
		for i := 1; i <= int(n); i++ {
			s += m.FLOPsPerToken(i)
		}
		got := m.PrefillFLOPs(int(n))
		return got == s || relErr(got, s) < 1e-12
	}
	if err := quick.Check(sum, &quick.Config{MaxCount: 50, Rand: quickrand.New(quickrand.NewSource(int64(*seed)))}); err != nil {
		t.Error(err)
	}
}

func TestLLMValidate(t *testing.T) {
	good := LLM{Name: "m", Layers: 1, Hidden: 8, Heads: 4, KVHeads: 2, HeadDim: 2, FFN: 16, Vocab: 10,
		Norm: RMSNorm, NormsPerLayer: 2, MaxContext: 64, Source: "s"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	bad := good
	bad.Name, bad.Layers, bad.KVHeads, bad.Norm, bad.Source = "", 0, 3, "batch", ""
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, field := range []string{"Name", "Layers", "KVHeads", "Norm", "Source"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

func TestUnknownLLM(t *testing.T) {
	cat := defaultCatalogue(t)
	_, err := cat.LLM("llama-9")
	if !errors.Is(err, ErrUnknownLLM) || !strings.Contains(err.Error(), "llama-3.2-1b") {
		t.Errorf("err = %v, want ErrUnknownLLM listing the known names", err)
	}
	n := cat.LLMNames()
	n[0] = "changed"
	if cat.LLMNames()[0] == "changed" {
		t.Error("LLMNames() exposes the catalogue's own slice")
	}
}

func TestParseLLMs(t *testing.T) {
	const header = "name,layers,hidden,heads,kv_heads,head_dim,ffn,vocab,tied,gated,qkv_bias,linear_bias,norm,norms_per_layer,max_context,published_params,derived,source\n"
	const good = "m,2,8,4,2,2,16,10,false,true,true,false,rms,2,64,,,hand\n"
	cat, err := ParseFiles(Files{LLMs: strings.NewReader("# comment\n" + header + good)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cat.LLM("m")
	want := LLM{Name: "m", Layers: 2, Hidden: 8, Heads: 4, KVHeads: 2, HeadDim: 2, FFN: 16, Vocab: 10,
		GatedFFN: true, QKVBias: true, Norm: RMSNorm, NormsPerLayer: 2, MaxContext: 64, Source: "hand"}
	if err != nil || m != want {
		t.Errorf("LLM(m) = %+v, %v; want %+v", m, err, want)
	}

	for _, tt := range []struct {
		name, input string
		line        int
		column      string
	}{
		{"not a whole number", header + "m,2.5,8,4,2,2,16,10,false,true,true,false,rms,2,64,,,hand\n", 2, "layers"},
		{"zero width", header + "m,2,0,4,2,2,16,10,false,true,true,false,rms,2,64,,,hand\n", 2, "hidden"},
		{"not a boolean", header + "m,2,8,4,2,2,16,10,yes,true,true,false,rms,2,64,,,hand\n", 2, "tied"},
		{"unknown norm", header + "m,2,8,4,2,2,16,10,false,true,true,false,batch,2,64,,,hand\n", 2, "norm"},
		{"kv heads do not divide", header + "m,2,8,4,3,2,16,10,false,true,true,false,rms,2,64,,,hand\n", 2, "kv_heads"},
		{"bad published count", header + "m,2,8,4,2,2,16,10,false,true,true,false,rms,2,64,-1,,hand\n", 2, "published_params"},
		{"no source", header + "m,2,8,4,2,2,16,10,false,true,true,false,rms,2,64,,,\n", 2, "source"},
		{"duplicate", header + good + "# again\n" + good, 4, "name"},
		{"missing column", strings.Replace(header, ",derived", "", 1), 1, "derived"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFiles(Files{LLMs: strings.NewReader(tt.input)})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("error %q at line %d, column %q; want line %d, column %q", err, pe.Line, pe.Column, tt.line, tt.column)
			}
			if !strings.Contains(err.Error(), "LLM table") {
				t.Errorf("error %q does not name the table", err)
			}
		})
	}

	// A name may not be both a vision model and an LLM.
	models := "name,macs,params,activation_bytes,input_bytes,output_bytes,source\nm,1,2,0,3,4,src\n"
	if _, err := ParseFiles(Files{Models: strings.NewReader(models), LLMs: strings.NewReader(header + good)}); err == nil {
		t.Error("a name in both tables is accepted")
	}
}
