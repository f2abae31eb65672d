package workloads

import (
	"errors"
	quickrand "math/rand"
	"strings"
	"testing"
	"testing/quick"
)

func TestParseGEMM(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want GEMM
	}{
		// HeteroInfer Table 3: weights [out×in] times activations [in×tokens].
		{"matmul W[4096x4096] x A[4096x1]", GEMM{M: 4096, N: 1, K: 4096, WeightsLeft: true}},
		{"matmul W[28672x4096] x A[4096x1]", GEMM{M: 28672, N: 1, K: 4096, WeightsLeft: true}},
		{"matmul W[4096x14336] x A[14336x256]", GEMM{M: 4096, N: 256, K: 14336, WeightsLeft: true}},
		// llm.npu Table 3: activations [tokens×in] times weights [in×out].
		{"matmul A[64x2048] x B[2048x2048]", GEMM{M: 64, N: 2048, K: 2048}},
		{"matmul A[32x4096] x B[4096x11008]", GEMM{M: 32, N: 11008, K: 4096}},
		// Looser spellings.
		{"W[8x4]xA[4x2]", GEMM{M: 8, N: 2, K: 4, WeightsLeft: true}},
		{"  MATMUL  a[ 2 X 3 ] * w[3 × 5] ", GEMM{M: 2, N: 5, K: 3}},
	} {
		g, err := ParseGEMM(tt.in)
		if err != nil || g != tt.want {
			t.Errorf("ParseGEMM(%q) = %+v, %v; want %+v", tt.in, g, err, tt.want)
			continue
		}
		if err := g.Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestParseGEMMErrors(t *testing.T) {
	for _, tt := range []struct{ in, says string }{
		{"", "two operands"},
		{"matmul", "two operands"},
		{"matmul W[4096x4096]", "two operands"},
		{"matmul W[4096x4096] A[4096x1]", "'x' between"},
		{"matmul W[4096x4096] x A[4000x1]", "inner dimensions 4096 and 4000"},
		{"matmul W[4096x0] x A[0x1]", `dimension "0"`},
		{"matmul W[4096x-1] x A[4096x1]", `dimension "-1"`},
		{"matmul W[4096x99999999] x A[99999999x1]", "1…16777216"},
		{"matmul W[4096] x A[4096x1]", "[rows x columns]"},
		{"matmul W[4x4] x W[4x4]", "operands W and W"},
		{"matmul B[4x4] x A[4x4]", "operands B and A"},
		{"matmul W[4x4] x A[4x4] + C", `unexpected "+c"`},
		{"[4x4] x A[4x4]", "two operands"},
	} {
		_, err := ParseGEMM(tt.in)
		if !errors.Is(err, ErrBadGEMM) {
			t.Errorf("ParseGEMM(%q) = %v, want ErrBadGEMM", tt.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParseGEMM(%q): error %q does not say %q", tt.in, err, tt.says)
		}
	}
}

func TestGEMMCosts(t *testing.T) {
	for _, tt := range []struct {
		g                GEMM
		flops            float64
		weights, acts    float64
		tokens           int
		bytesW4A16       float64 // 4.5-bit weights, fp16 activations and result
		bytesInt8, bytes float64 // everything 1 byte; everything 2 bytes
	}{
		{
			// Decode GEMV of a 4096×4096 projection: 2·4096·4096 = 33,554,432 operations;
			// weights 16,777,216 elements, activations 4096, result 4096.
			g:     GEMM{M: 4096, N: 1, K: 4096, WeightsLeft: true},
			flops: 33_554_432, weights: 16_777_216, acts: 4096, tokens: 1,
			bytesW4A16: 16_777_216*4.5/8 + (4096+4096)*2,
			bytesInt8:  16_777_216 + 4096 + 4096, bytes: 2 * (16_777_216 + 4096 + 4096),
		},
		{
			// llm.npu's 64-token chunk through a 2048×2048 projection: 2·64·2048·2048 = 536,870,912.
			g:     GEMM{M: 64, N: 2048, K: 2048},
			flops: 536_870_912, weights: 4_194_304, acts: 131_072, tokens: 64,
			bytesW4A16: 4_194_304*4.5/8 + (131_072+131_072)*2,
			bytesInt8:  4_194_304 + 131_072 + 131_072, bytes: 2 * (4_194_304 + 131_072 + 131_072),
		},
	} {
		g := tt.g
		if got := g.FLOPs(); got != tt.flops {
			t.Errorf("%v: FLOPs() = %v, want %v", g, got, tt.flops)
		}
		if g.WeightElems() != tt.weights || g.ActivationElems() != tt.acts || g.Tokens() != tt.tokens {
			t.Errorf("%v: weights %v, activations %v, tokens %d; want %v, %v, %d", g, g.WeightElems(), g.ActivationElems(), g.Tokens(), tt.weights, tt.acts, tt.tokens)
		}
		for _, b := range []struct{ w, a, want float64 }{{4.5 / 8, 2, tt.bytesW4A16}, {1, 1, tt.bytesInt8}, {2, 2, tt.bytes}} {
			if got := g.Bytes(b.w, b.a); got != b.want {
				t.Errorf("%v: Bytes(%v, %v) = %v, want %v", g, b.w, b.a, got, b.want)
			}
		}
	}
}

// TestGEMMRoundTrip checks that String writes what ParseGEMM reads back.
func TestGEMMRoundTrip(t *testing.T) {
	f := func(m, n, k uint16, left bool) bool {
		g := GEMM{M: int(m) + 1, N: int(n) + 1, K: int(k) + 1, WeightsLeft: left}
		back, err := ParseGEMM(g.String())
		return err == nil && back == g
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 500, Rand: quickrand.New(quickrand.NewSource(int64(*seed)))}); err != nil {
		t.Error(err)
	}
}

func TestGEMMValidate(t *testing.T) {
	for _, g := range []GEMM{{M: 0, N: 1, K: 1}, {M: 1, N: -1, K: 1}, {M: 1, N: 1, K: maxGEMMDim + 1}} {
		if g.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", g)
		}
	}
}
