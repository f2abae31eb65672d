package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// GEMM is one matrix multiplication, the unit of work of the kernel
// micro-benchmarks: an M×K operand times a K×N operand gives an M×N result.
// M is the number of rows of the result, N its columns, K the dimension
// summed over.
//
// One operand holds a layer's weights and the other its activations.
// WeightsLeft tells which: true for the weights-first form W[M×K]·A[K×N]
// (M output features, N tokens), as HeteroInfer writes its kernels; false
// for the activations-first form A[M×K]·B[K×N] (M tokens, N output
// features), as llm.npu writes them.
type GEMM struct {
	M, N, K     int
	WeightsLeft bool
}

// maxGEMMDim bounds each dimension so that products of three dimensions
// stay exact in float64 and far from overflow.
const maxGEMMDim = 1 << 24

// FLOPs returns the operations of the multiplication, 2·M·N·K.
func (g GEMM) FLOPs() float64 { return 2 * float64(g.M) * float64(g.N) * float64(g.K) }

// WeightElems returns the elements of the weight operand.
func (g GEMM) WeightElems() float64 {
	if g.WeightsLeft {
		return float64(g.M) * float64(g.K)
	}
	return float64(g.K) * float64(g.N)
}

// ActivationElems returns the elements of the activation operand.
func (g GEMM) ActivationElems() float64 {
	if g.WeightsLeft {
		return float64(g.K) * float64(g.N)
	}
	return float64(g.M) * float64(g.K)
}

// Tokens returns the number of tokens the multiplication processes: the
// activation operand's dimension other than K.
func (g GEMM) Tokens() int {
	if g.WeightsLeft {
		return g.N
	}
	return g.M
}

// Bytes returns the memory traffic of the multiplication when each operand
// and the result cross memory once: the weights at weightBytesPerElem, the
// activations and the M×N result at actBytesPerElem.
func (g GEMM) Bytes(weightBytesPerElem, actBytesPerElem float64) float64 {
	return g.WeightElems()*weightBytesPerElem + (g.ActivationElems()+float64(g.M)*float64(g.N))*actBytesPerElem
}

// String returns the multiplication in the form ParseGEMM reads:
// "matmul W[MxK] x A[KxN]" or "matmul A[MxK] x B[KxN]".
func (g GEMM) String() string {
	if g.WeightsLeft {
		return fmt.Sprintf("matmul W[%dx%d] x A[%dx%d]", g.M, g.K, g.K, g.N)
	}
	return fmt.Sprintf("matmul A[%dx%d] x B[%dx%d]", g.M, g.K, g.K, g.N)
}

// Validate reports whether every dimension is in [1, 2²⁴].
func (g GEMM) Validate() error {
	for _, d := range []struct {
		name string
		v    int
	}{{"M", g.M}, {"N", g.N}, {"K", g.K}} {
		if d.v < 1 || d.v > maxGEMMDim {
			return fmt.Errorf("workloads: GEMM %s = %d, want 1…%d", d.name, d.v, maxGEMMDim)
		}
	}
	return nil
}

// ErrBadGEMM is wrapped by every error ParseGEMM returns.
var ErrBadGEMM = errors.New("workloads: malformed matmul")

// ParseGEMM reads a matrix multiplication written as two named operands,
//
//	matmul W[4096x4096] x A[4096x1]     weights first: M=4096, K=4096, N=1
//	matmul A[64x2048] x B[2048x11008]   activations first: M=64, K=2048, N=11008
//
// The word "matmul" is optional; 'x', 'X', '×' and '*' all separate
// dimensions and operands; spaces are ignored. An operand named W holds the
// weights. Without one, the form must be A·B, and B holds the weights. The
// inner dimensions must agree, and each dimension must lie in [1, 2²⁴].
func ParseGEMM(s string) (GEMM, error) {
	bad := func(format string, args ...any) (GEMM, error) {
		return GEMM{}, fmt.Errorf("%w %q: %s", ErrBadGEMM, s, fmt.Sprintf(format, args...))
	}
	t := strings.Join(strings.Fields(s), "")
	t = strings.NewReplacer("×", "x", "X", "x", "*", "x").Replace(t)
	t = strings.TrimPrefix(strings.ToLower(t), "matmul")

	// Two operands NAME[dxd], joined by 'x'.
	var names [2]string
	var dims [2][2]int
	for i := range 2 {
		open := strings.IndexByte(t, '[')
		end := strings.IndexByte(t, ']')
		if open <= 0 || end < open {
			return bad("want two operands such as W[4096x4096] x A[4096x1]")
		}
		names[i] = t[:open]
		rows, cols, ok := strings.Cut(t[open+1:end], "x")
		if !ok {
			return bad("operand %s: want [rows x columns]", strings.ToUpper(names[i]))
		}
		for j, d := range []string{rows, cols} {
			v, err := strconv.Atoi(d)
			if err != nil || v < 1 || v > maxGEMMDim {
				return bad("operand %s: dimension %q is not a whole number in 1…%d", strings.ToUpper(names[i]), d, maxGEMMDim)
			}
			dims[i][j] = v
		}
		t = t[end+1:]
		if i == 0 {
			if t == "" {
				return bad("want two operands such as W[4096x4096] x A[4096x1]")
			}
			if !strings.HasPrefix(t, "x") {
				return bad("want 'x' between the operands")
			}
			t = t[1:]
		}
	}
	if t != "" {
		return bad("unexpected %q after the second operand", t)
	}
	var g GEMM
	switch {
	case names[0] == "w" && names[1] == "a":
		g.WeightsLeft = true
	case names[0] == "a" && (names[1] == "b" || names[1] == "w"):
	default:
		return bad("operands %s and %s: want W·A (weights first) or A·B (weights second)",
			strings.ToUpper(names[0]), strings.ToUpper(names[1]))
	}
	if dims[0][1] != dims[1][0] {
		return bad("inner dimensions %d and %d differ", dims[0][1], dims[1][0])
	}
	g.M, g.K, g.N = dims[0][0], dims[0][1], dims[1][1]
	return g, nil
}
