package rl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Arch is the shape of a per-server network: a shared encoder applied to
// every column (one column per action: the cloud, each edge server, each
// local processor…), a permutation-invariant pooling of the encodings over
// the columns present, a trunk applied to each column together with the
// pooled context, and a head per column. One set of weights therefore
// serves any number of columns; absent columns are masked.
//
// For an actor the head has one output per column (the action's logit);
// for a critic it has one per objective (the action's value vector).
type Arch struct {
	Features int // inputs per column, the preference included
	Columns  int // columns, the largest number of actions
	Encoder  int // width of the encoder's two layers
	Trunk    int // width of the trunk and its residual blocks
	Blocks   int // residual blocks in the trunk
	Outputs  int // outputs per column
}

// Validate reports an impossible shape.
func (a Arch) Validate() error {
	switch {
	case a.Features < 1:
		return fmt.Errorf("rl: network needs at least one feature per column, has %d", a.Features)
	case a.Columns < 1:
		return fmt.Errorf("rl: network needs at least one column, has %d", a.Columns)
	case a.Encoder < 1 || a.Trunk < 1:
		return fmt.Errorf("rl: encoder width %d and trunk width %d must be positive", a.Encoder, a.Trunk)
	case a.Blocks < 0:
		return fmt.Errorf("rl: %d residual blocks", a.Blocks)
	case a.Outputs < 1:
		return fmt.Errorf("rl: network needs at least one output per column, has %d", a.Outputs)
	}
	return nil
}

// Param is one weight matrix or bias row, stored row-major.
type Param struct {
	Name       string
	Rows, Cols int
	Data       []float64
}

// Net is the weights of one network of shape Arch. Params are in a fixed
// order: enc0 W,b; enc1 W,b; trunk Wx, Wpool, b; per block W1,b1,W2,b2;
// head W,b.
type Net struct {
	Arch   Arch
	Params []*Param
}

// NewNet returns a network with weights drawn from rng: Glorot-uniform
// matrices (the head scaled down by 10 so that initial logits and values
// are near zero) and zero biases. Weights come only from rng, never from a
// clock, so a seed fixes them.
func NewNet(a Arch, rng *rand.Rand) (*Net, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	n := &Net{Arch: a}
	mat := func(name string, r, c int, scale float64) {
		p := &Param{Name: name, Rows: r, Cols: c, Data: make([]float64, r*c)}
		lim := scale * math.Sqrt(6/float64(r+c))
		for i := range p.Data {
			p.Data[i] = (2*rng.Float64() - 1) * lim
		}
		n.Params = append(n.Params, p)
	}
	bias := func(name string, c int) {
		n.Params = append(n.Params, &Param{Name: name, Rows: 1, Cols: c, Data: make([]float64, c)})
	}
	mat("enc0.W", a.Features, a.Encoder, 1)
	bias("enc0.b", a.Encoder)
	mat("enc1.W", a.Encoder, a.Encoder, 1)
	bias("enc1.b", a.Encoder)
	mat("trunk.Wx", a.Encoder, a.Trunk, 1)
	mat("trunk.Wpool", a.Encoder, a.Trunk, 1)
	bias("trunk.b", a.Trunk)
	for k := range a.Blocks {
		mat(fmt.Sprintf("block%d.W1", k), a.Trunk, a.Trunk, 1)
		bias(fmt.Sprintf("block%d.b1", k), a.Trunk)
		mat(fmt.Sprintf("block%d.W2", k), a.Trunk, a.Trunk, 1)
		bias(fmt.Sprintf("block%d.b2", k), a.Trunk)
	}
	mat("head.W", a.Trunk, a.Outputs, 0.1)
	bias("head.b", a.Outputs)
	return n, nil
}

// Clone returns a deep copy (a target network).
func (n *Net) Clone() *Net {
	c := &Net{Arch: n.Arch, Params: make([]*Param, len(n.Params))}
	for i, p := range n.Params {
		q := *p
		q.Data = append([]float64(nil), p.Data...)
		c.Params[i] = &q
	}
	return c
}

// Polyak moves n towards src: n ← (1−tau)·n + tau·src. Both have the same
// Arch.
func (n *Net) Polyak(src *Net, tau float64) {
	for i, p := range n.Params {
		s := src.Params[i].Data
		for j := range p.Data {
			p.Data[j] += tau * (s[j] - p.Data[j])
		}
	}
}

// CopyFrom sets n's weights to src's.
func (n *Net) CopyFrom(src *Net) {
	for i, p := range n.Params {
		copy(p.Data, src.Params[i].Data)
	}
}

// Size returns the number of weights.
func (n *Net) Size() int {
	s := 0
	for _, p := range n.Params {
		s += len(p.Data)
	}
	return s
}

// Batch is B observations laid out for a network: X holds B·Columns rows
// of Features inputs (sample b's column k is row b·Columns+k) and Mask
// says which columns are present. Padded columns may hold anything: they
// are excluded from the pooling and from every output that is read.
type Batch struct {
	B    int
	X    []float64 // B·Columns·Features
	Mask []bool    // B·Columns
}

// NewBatch allocates a batch of b samples for a.
func NewBatch(a Arch, b int) *Batch {
	return &Batch{B: b, X: make([]float64, b*a.Columns*a.Features), Mask: make([]bool, b*a.Columns)}
}

// forwardScratch holds a forward pass's activations so that repeated
// passes allocate nothing.
type forwardScratch struct {
	e0, e, pool, poolT, h, t, o []float64
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Forward computes the network's outputs for a batch into out (B·Columns
// rows of Outputs; padded columns' rows are zero). It is the same
// computation as the training graphs (checked in the tests), in plain Go
// on gonum's BLAS, for acting and for targets where no gradient is needed.
func (n *Net) Forward(in *Batch, out []float64, s *forwardScratch) {
	a := n.Arch
	rows := in.B * a.Columns
	p := n.Params
	s.e0 = grow(s.e0, rows*a.Encoder)
	s.e = grow(s.e, rows*a.Encoder)
	dense(in.X, rows, a.Features, p[0], p[1], s.e0, true)
	dense(s.e0, rows, a.Encoder, p[2], p[3], s.e, true)
	// Masked mean over each sample's present columns.
	s.pool = grow(s.pool, in.B*a.Encoder)
	for b := range in.B {
		pool := s.pool[b*a.Encoder : (b+1)*a.Encoder]
		clear(pool)
		cnt := 0
		for k := range a.Columns {
			if !in.Mask[b*a.Columns+k] {
				continue
			}
			cnt++
			row := s.e[(b*a.Columns+k)*a.Encoder : (b*a.Columns+k+1)*a.Encoder]
			for j, v := range row {
				pool[j] += v
			}
		}
		if cnt > 0 {
			inv := 1 / float64(cnt)
			for j := range pool {
				pool[j] *= inv
			}
		}
	}
	s.poolT = grow(s.poolT, in.B*a.Trunk)
	gemm(s.pool, in.B, a.Encoder, p[5], s.poolT)
	s.h = grow(s.h, rows*a.Trunk)
	gemm(s.e, rows, a.Encoder, p[4], s.h)
	tb := p[6].Data
	for r := range rows {
		h := s.h[r*a.Trunk : (r+1)*a.Trunk]
		pt := s.poolT[(r/a.Columns)*a.Trunk : (r/a.Columns+1)*a.Trunk]
		for j := range h {
			h[j] = relu(h[j] + pt[j] + tb[j])
		}
	}
	s.t = grow(s.t, rows*a.Trunk)
	s.o = grow(s.o, rows*a.Trunk)
	for k := range a.Blocks {
		w1, b1, w2, b2 := p[7+4*k], p[8+4*k], p[9+4*k], p[10+4*k]
		dense(s.h, rows, a.Trunk, w1, b1, s.t, true)
		dense(s.t, rows, a.Trunk, w2, b2, s.o, false)
		for j := range s.h {
			s.h[j] += s.o[j]
		}
	}
	hw, hb := p[len(p)-2], p[len(p)-1]
	dense(s.h, rows, a.Trunk, hw, hb, out[:rows*a.Outputs], false)
	for r := range rows {
		if !in.Mask[r] {
			clear(out[r*a.Outputs : (r+1)*a.Outputs])
		}
	}
}

func relu(x float64) float64 { return max(x, 0) }

// gemm sets dst (rows×w.Cols) to x (rows×cols) · w.
func gemm(x []float64, rows, cols int, w *Param, dst []float64) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: x},
		blas64.General{Rows: w.Rows, Cols: w.Cols, Stride: w.Cols, Data: w.Data},
		0, blas64.General{Rows: rows, Cols: w.Cols, Stride: w.Cols, Data: dst})
}

// dense sets dst to x·W + b, rectified when act is true.
func dense(x []float64, rows, cols int, w, b *Param, dst []float64, act bool) {
	gemm(x, rows, cols, w, dst)
	for r := range rows {
		row := dst[r*w.Cols : (r+1)*w.Cols]
		for j := range row {
			v := row[j] + b.Data[j]
			if act {
				v = relu(v)
			}
			row[j] = v
		}
	}
}
