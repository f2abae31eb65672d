package workloads

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestBuiltinQuants pins each quantisation to the bits its block layout
// gives, computed here from the layout rather than copied from the file.
func TestBuiltinQuants(t *testing.T) {
	cat := defaultCatalogue(t)
	want := []struct {
		name    string
		bpw     float64
		compute string
		kv      float64
	}{
		{"fp32", 32, "fp32", 4},
		{"bf16", 16, "bf16", 2},
		{"fp16", 16, "fp16", 2},
		{"w8a8", 8, "int8", 1},
		{"q8_0", 34 * 8 / 32.0, "int8", 2}, // 32 int8 + an fp16 scale in 34 bytes
		{"q4_0", 18 * 8 / 32.0, "int8", 2}, // 32 nibbles + an fp16 scale in 18 bytes
		{"q4_k_m", 4.85, "int8", 2},        // mixture; see TestQ4KMMixture
		{"q4f16_1", 4 + 16/32.0, "fp16", 2},
		{"w4a16", 4 + 16/32.0, "fp16", 2},
		{"w4g128", 4 + 32/128.0, "fp16", 2}, // fp16 scale and zero point per 128
		{"w4a8", 4 + 16/32.0, "int8", 2},
		{"int4", 4, "fp16", 2},
	}
	var names []string
	for _, w := range want {
		names = append(names, w.name)
		q, err := cat.Quant(w.name)
		if err != nil {
			t.Error(err)
			continue
		}
		if err := q.Validate(); err != nil {
			t.Error(err)
		}
		if q.BitsPerWeight != w.bpw || q.Compute != w.compute || q.KVBytes != w.kv {
			t.Errorf("%s = %+v; want %v bits, %s, %v-byte KV", w.name, q, w.bpw, w.compute, w.kv)
		}
		if got := q.WeightBytesPerElem(); got != w.bpw/8 {
			t.Errorf("%s: WeightBytesPerElem() = %v, want %v", w.name, got, w.bpw/8)
		}
	}
	slices.Sort(names)
	if got := cat.QuantNames(); !slices.Equal(got, names) {
		t.Errorf("QuantNames() = %v, want %v", got, names)
	}
}

// TestQ4KMMixture recomputes Q4_K_M's average for Llama-2-7B from ggml's
// block sizes: Q4_K stores 256 weights in 144 bytes, Q6_K in 210; the LM
// head and every other of the 32 layers' attn_v and ffn_down matrices take
// Q6_K (llama.cpp's use_more_bits picks 16 of 32 layers), the rest Q4_K.
func TestQ4KMMixture(t *testing.T) {
	const (
		q4k = 144 * 8 / 256.0
		q6k = 210 * 8 / 256.0
	)
	cat := defaultCatalogue(t)
	m, err := cat.LLM("llama-2-7b")
	if err != nil {
		t.Fatal(err)
	}
	h, f := float64(m.Hidden), float64(m.FFN)
	hi := 16*(h*h+h*f) + m.EmbeddingParams() // half the attn_v and ffn_down, and the head
	all := m.TotalParams()
	avg := (hi*q6k + (all-hi)*q4k) / all
	q, _ := cat.Quant("q4_k_m")
	if relErr(avg, q.BitsPerWeight) > 0.01 {
		t.Errorf("Q4_K_M mixture averages %.3f bits, catalogue %.3f", avg, q.BitsPerWeight)
	}
}

func TestResolveQuant(t *testing.T) {
	cat := defaultCatalogue(t)
	for _, tt := range []struct{ in, want string }{
		{"fp16", "fp16"}, {"FP16", "fp16"}, {"F16", "fp16"}, {" fp32 ", "fp32"}, {"FP32", "fp32"},
		{"W4A16", "w4a16"}, {"w4a16", "w4a16"}, {"W4A16 (FP16 compute)", "w4a16"},
		{"INT8", "w8a8"}, {"w8a8", "w8a8"}, {"UINT8", "w8a8"}, {"INT8 TFLite", "w8a8"}, {"INT8 (paper)", "w8a8"},
		{"W8A8 per-tensor (llm.npu) / engine default", "w8a8"},
		{"Q4_0", "q4_0"}, {"Q4 (llama.cpp)", "q4_0"}, {"4-bit (llama.cpp)", "q4_0"}, {"Q4_K_M", "q4_k_m"},
		{"INT4 (MLC q4f16)", "q4f16_1"}, {"INT4 weights", "int4"}, {"4-bit w / 8-bit act", "w4a8"},
	} {
		q, err := cat.ResolveQuant(tt.in)
		if err != nil || q.Name != tt.want {
			t.Errorf("ResolveQuant(%q) = %q, %v; want %q", tt.in, q.Name, err, tt.want)
		}
	}
	for _, in := range []string{"4-bit", "INT8/FP32 (unstated)", "NPU default", "default", "INT4 + activation sparsity", "mixed 2/4-bit (~3.5 bpw avg)"} {
		_, err := cat.ResolveQuant(in)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), in) {
			t.Errorf("ResolveQuant(%q) = %v, want ErrUnsupported naming it", in, err)
		}
	}
	_, err := cat.ResolveQuant("fp8")
	if !errors.Is(err, ErrUnknownQuant) || !strings.Contains(err.Error(), "q4_k_m") {
		t.Errorf("ResolveQuant(fp8) = %v, want ErrUnknownQuant listing the known names", err)
	}
	if _, err := cat.Quant("W4A16"); !errors.Is(err, ErrUnknownQuant) {
		t.Errorf("Quant takes catalogue names only, but Quant(W4A16) = %v", err)
	}
}

func TestQuantValidate(t *testing.T) {
	good := Quant{Name: "q", BitsPerWeight: 4.5, Compute: "fp16", KVBytes: 2, Source: "s"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Quant{Name: "", BitsPerWeight: 0, Compute: "fp12", KVBytes: -1}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, field := range []string{"Name", "BitsPerWeight", "Compute", "KVBytes", "Source"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

func TestParseQuants(t *testing.T) {
	const header = "name,bits_per_weight,compute,kv_bytes,source\n"
	for _, tt := range []struct {
		name, row string
		column    string
	}{
		{"zero bits", "q,0,fp16,2,s", "bits_per_weight"},
		{"too many bits", "q,65,fp16,2,s", "bits_per_weight"},
		{"unknown compute", "q,4,fp12,2,s", "compute"},
		{"negative kv", "q,4,fp16,-2,s", "kv_bytes"},
		{"kv too wide", "q,4,fp16,9,s", "kv_bytes"},
		{"upper-case name", "Q4,4,fp16,2,s", "name"},
		{"no source", "q,4,fp16,2,", "source"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFiles(Files{Quants: strings.NewReader(header + "# c\n" + tt.row + "\n")})
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != 3 || pe.Column != tt.column {
				t.Fatalf("error %v; want a *ParseError at line 3, column %s", err, tt.column)
			}
			if !strings.Contains(err.Error(), "quantisation table: line 3") {
				t.Errorf("error %q does not name the table and line", err)
			}
		})
	}
	_, err := ParseFiles(Files{Quants: strings.NewReader(header + "q,4,fp16,2,s\nq,8,int8,1,s\n")})
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("duplicate: error %v, want one naming both lines", err)
	}
}
