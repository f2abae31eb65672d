package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Layers are the building blocks of the multi-agent networks: a
// multilayer perceptron, an LSTM cell and a communication channel. Each
// is a list of Params (its weights, in a fixed order) with a plain-Go
// forward pass for acting and targets; graph_marl.go builds the same
// computations in gorgonia for gradients, and the tests check that the
// two agree.

// Weights is a list of weight matrices that train together.
type Weights []*Param

// Clone returns a deep copy (a target network's weights).
func (ws Weights) Clone() Weights {
	c := make(Weights, len(ws))
	for i, p := range ws {
		q := *p
		q.Data = append([]float64(nil), p.Data...)
		c[i] = &q
	}
	return c
}

// Polyak moves ws towards src: ws ← (1−tau)·ws + tau·src.
func (ws Weights) Polyak(src Weights, tau float64) {
	for i, p := range ws {
		s := src[i].Data
		for j := range p.Data {
			p.Data[j] += tau * (s[j] - p.Data[j])
		}
	}
}

// CopyFrom sets ws to src's values.
func (ws Weights) CopyFrom(src Weights) {
	for i, p := range ws {
		copy(p.Data, src[i].Data)
	}
}

// Size returns the number of weights.
func (ws Weights) Size() int {
	n := 0
	for _, p := range ws {
		n += len(p.Data)
	}
	return n
}

// weightMaker draws Glorot-uniform matrices and zero biases from rng.
type weightMaker struct {
	rng *rand.Rand
	ws  Weights
}

func (m *weightMaker) mat(name string, r, c int, scale float64) *Param {
	p := &Param{Name: name, Rows: r, Cols: c, Data: make([]float64, r*c)}
	lim := scale * math.Sqrt(6/float64(r+c))
	for i := range p.Data {
		p.Data[i] = (2*m.rng.Float64() - 1) * lim
	}
	m.ws = append(m.ws, p)
	return p
}

func (m *weightMaker) bias(name string, c int, value float64) *Param {
	p := &Param{Name: name, Rows: 1, Cols: c, Data: make([]float64, c)}
	for i := range p.Data {
		p.Data[i] = value
	}
	m.ws = append(m.ws, p)
	return p
}

// MLP is a multilayer perceptron: Sizes[0] inputs, ReLU hidden layers of
// Sizes[1:len−1], Sizes[len−1] linear outputs. Its Weights are W, b per
// layer.
type MLP struct {
	Sizes []int
	W     Weights
}

// NewMLP draws an MLP's weights from rng; the last layer is scaled by
// outScale (0.1 keeps initial logits and values near zero).
func NewMLP(sizes []int, rng *rand.Rand, outScale float64, prefix string) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("rl: an MLP needs at least inputs and outputs, has sizes %v", sizes)
	}
	for _, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("rl: MLP sizes must be positive, got %v", sizes)
		}
	}
	m := weightMaker{rng: rng}
	for l := 0; l+1 < len(sizes); l++ {
		scale := 1.0
		if l+2 == len(sizes) {
			scale = outScale
		}
		m.mat(fmt.Sprintf("%s%d.W", prefix, l), sizes[l], sizes[l+1], scale)
		m.bias(fmt.Sprintf("%s%d.b", prefix, l), sizes[l+1], 0)
	}
	return &MLP{Sizes: append([]int(nil), sizes...), W: m.ws}, nil
}

// mlpScratch holds an MLP forward pass's hidden activations.
type mlpScratch struct{ a, b []float64 }

// Forward sets out (rows × outputs) to the MLP of x (rows × inputs).
func (m *MLP) Forward(x []float64, rows int, out []float64, s *mlpScratch) {
	in, cols := x, m.Sizes[0]
	layers := len(m.Sizes) - 1
	for l := range layers {
		w, b := m.W[2*l], m.W[2*l+1]
		var dst []float64
		if l == layers-1 {
			dst = out[:rows*w.Cols]
		} else if l%2 == 0 {
			s.a = grow(s.a, rows*w.Cols)
			dst = s.a
		} else {
			s.b = grow(s.b, rows*w.Cols)
			dst = s.b
		}
		dense(in, rows, cols, w, b, dst, l < layers-1)
		in, cols = dst, w.Cols
	}
}

// LSTM is a long short-term memory cell (Hochreiter and Schmidhuber 1997,
// with a forget gate): from input x and state (h, c),
//
//	i = σ(x·Wxi + h·Whi + bi)   f = σ(x·Wxf + h·Whf + bf)
//	g = tanh(x·Wxg + h·Whg + bg) o = σ(x·Wxo + h·Who + bo)
//	c' = f⊙c + i⊙g             h' = o⊙tanh(c')
//
// Its Weights are Wx, Wh, b for the gates i, f, g, o in that order (12
// params); the forget bias starts at 1, so that early on the cell keeps
// its memory.
type LSTM struct {
	In, Hidden int
	W          Weights
}

// Gate indices of an LSTM's weights.
const (
	gateI = iota
	gateF
	gateG
	gateO
)

// NewLSTM draws an LSTM cell's weights from rng.
func NewLSTM(in, hidden int, rng *rand.Rand, prefix string) (*LSTM, error) {
	if in < 1 || hidden < 1 {
		return nil, fmt.Errorf("rl: an LSTM needs positive input and hidden sizes, got %d and %d", in, hidden)
	}
	m := weightMaker{rng: rng}
	for g, name := range []string{"i", "f", "g", "o"} {
		m.mat(prefix+"Wx"+name, in, hidden, 1)
		m.mat(prefix+"Wh"+name, hidden, hidden, 1)
		b := 0.0
		if g == gateF {
			b = 1
		}
		m.bias(prefix+"b"+name, hidden, b)
	}
	return &LSTM{In: in, Hidden: hidden, W: m.ws}, nil
}

// lstmScratch holds an LSTM step's gate pre-activations.
type lstmScratch struct{ gates [4][]float64 }

// Step computes one step for rows inputs x (rows × In) from states h, c
// (rows × Hidden) into h2, c2, which may not alias h and c.
func (l *LSTM) Step(x []float64, rows int, h, c, h2, c2 []float64, s *lstmScratch) {
	H := l.Hidden
	for g := range 4 {
		s.gates[g] = grow(s.gates[g], rows*H)
		wx, wh, b := l.W[3*g], l.W[3*g+1], l.W[3*g+2]
		gemm(x, rows, l.In, wx, s.gates[g])
		tmp := h2[:rows*H] // scratch until the end
		gemm(h, rows, H, wh, tmp)
		for r := range rows {
			row := s.gates[g][r*H : (r+1)*H]
			for j := range row {
				row[j] += tmp[r*H+j] + b.Data[j]
			}
		}
	}
	for k := range rows * H {
		i := sigmoid(s.gates[gateI][k])
		f := sigmoid(s.gates[gateF][k])
		g := math.Tanh(s.gates[gateG][k])
		o := sigmoid(s.gates[gateO][k])
		c2[k] = f*c[k] + i*g
		h2[k] = o * math.Tanh(c2[k])
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Comm is a communication channel among N agents (Com-DDPG): each agent
// emits a message m_j = tanh(o_j·Wm + bm) from its observation, and a
// bidirectional Elman recurrent layer reads the messages in agent order,
//
//	f_j = tanh(m_j·Wf + f_{j−1}·Uf + bf)   (forwards, f_{−1} = 0)
//	k_j = tanh(m_j·Wb + k_{j+1}·Ub + bb)   (backwards, k_N = 0)
//
// so that agent i's context [f_i, k_i] summarises every agent's message.
// Its Weights are Wm, bm, Wf, Uf, bf, Wb, Ub, bb.
type Comm struct {
	Obs, Message, Hidden int
	W                    Weights
}

// NewComm draws a channel's weights from rng.
func NewComm(obs, message, hidden int, rng *rand.Rand) (*Comm, error) {
	if obs < 1 || message < 1 || hidden < 1 {
		return nil, fmt.Errorf("rl: a communication channel needs positive sizes, got obs %d, message %d, hidden %d", obs, message, hidden)
	}
	m := weightMaker{rng: rng}
	m.mat("comm.Wm", obs, message, 1)
	m.bias("comm.bm", message, 0)
	for _, d := range []string{"f", "b"} {
		m.mat("comm.W"+d, message, hidden, 1)
		m.mat("comm.U"+d, hidden, hidden, 1)
		m.bias("comm.b"+d, hidden, 0)
	}
	return &Comm{Obs: obs, Message: message, Hidden: hidden, W: m.ws}, nil
}

// Context is the width of an agent's context: 2·Hidden.
func (cm *Comm) Context() int { return 2 * cm.Hidden }

// commScratch holds a channel's messages and recurrent states.
type commScratch struct {
	msg, fwd, bwd, tmp []float64
}

// Forward computes every agent's context for B samples. obs holds the
// observations agent-major: agent j's B rows at obs[j·B·Obs:]; ctx gets
// the contexts in the same layout (N·B rows of 2·Hidden).
func (cm *Comm) Forward(obs []float64, n, b int, ctx []float64, s *commScratch) {
	M, H := cm.Message, cm.Hidden
	s.msg = grow(s.msg, n*b*M)
	s.fwd = grow(s.fwd, n*b*H)
	s.bwd = grow(s.bwd, n*b*H)
	s.tmp = grow(s.tmp, b*H)
	wm, bm := cm.W[0], cm.W[1]
	dense(obs, n*b, cm.Obs, wm, bm, s.msg, false)
	for k := range s.msg {
		s.msg[k] = math.Tanh(s.msg[k])
	}
	rnn := func(w, u, bias *Param, states []float64, order func(int) int) {
		for step := range n {
			j := order(step)
			cur := states[j*b*H : (j+1)*b*H]
			gemm(s.msg[j*b*M:(j+1)*b*M], b, M, w, cur)
			if step > 0 {
				prev := order(step - 1)
				gemm(states[prev*b*H:(prev+1)*b*H], b, H, u, s.tmp)
				for k := range cur {
					cur[k] += s.tmp[k]
				}
			}
			for r := range b {
				row := cur[r*H : (r+1)*H]
				for k := range row {
					row[k] = math.Tanh(row[k] + bias.Data[k])
				}
			}
		}
	}
	rnn(cm.W[2], cm.W[3], cm.W[4], s.fwd, func(t int) int { return t })
	rnn(cm.W[5], cm.W[6], cm.W[7], s.bwd, func(t int) int { return n - 1 - t })
	for r := range n * b {
		copy(ctx[r*2*H:r*2*H+H], s.fwd[r*H:(r+1)*H])
		copy(ctx[r*2*H+H:(r+1)*2*H], s.bwd[r*H:(r+1)*H])
	}
}
