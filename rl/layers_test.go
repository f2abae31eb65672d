package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

func randSlice(rng *rand.Rand, n int, scale float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = (2*rng.Float64() - 1) * scale
	}
	return xs
}

// evalNode runs a graph without gradients and returns n's value.
func evalNode(t *testing.T, g *G.ExprGraph, n *G.Node) []float64 {
	t.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), n.Value().Data().([]float64)...)
}

func constInput(g *G.ExprGraph, name string, rows, cols int, data []float64) *G.Node {
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))))
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.12g, want %.12g", what, i, got[i], want[i])
		}
	}
}

// TestLayersMatchTheirGraphs: the plain-Go forward passes of the MLP, the
// LSTM cell and the channel compute what their gorgonia graphs compute.
func TestLayersMatchTheirGraphs(t *testing.T) {
	rng := testRand(1)
	const rows = 5
	mlp, _ := NewMLP([]int{4, 6, 6, 3}, rng, 1, "m")
	lstm, _ := NewLSTM(4, 3, rng, "l.")
	comm, _ := NewComm(4, 2, 3, rng)
	x := randSlice(rng, rows*4, 2)
	h, c := randSlice(rng, rows*3, 1), randSlice(rng, rows*3, 1)

	g := G.NewGraph()
	b := &builder{g: g}
	xn := constInput(g, "x", rows, 4, x)
	mo := b.mlp(bindWeights(g, mlp.W), xn)
	lo := b.lstm(bindWeights(g, lstm.W), xn, constInput(g, "h", rows, 3, h), constInput(g, "c", rows, 3, c))
	const agents = 3
	obs := randSlice(rng, agents*rows*4, 2)
	var on []*G.Node
	for j := range agents {
		on = append(on, constInput(g, fmt.Sprintf("o%d", j), rows, 4, obs[j*rows*4:(j+1)*rows*4]))
	}
	co := b.comm(bindWeights(g, comm.W), on)
	if b.err != nil {
		t.Fatal(b.err)
	}

	want := make([]float64, rows*3)
	mlp.Forward(x, rows, want, &mlpScratch{})
	assertClose(t, "mlp", evalNode(t, g, mo), want, 1e-12)

	h2, c2 := make([]float64, rows*3), make([]float64, rows*3)
	lstm.Step(x, rows, h, c, h2, c2, &lstmScratch{})
	assertClose(t, "lstm h'", evalNode(t, g, lo), h2, 1e-12)

	ctx := make([]float64, agents*rows*comm.Context())
	comm.Forward(obs, agents, rows, ctx, &commScratch{})
	for j := range agents {
		assertClose(t, "comm context", evalNode(t, g, co[j]), ctx[j*rows*comm.Context():(j+1)*rows*comm.Context()], 1e-12)
	}
}

// TestLSTMStepByHand checks one step of a one-unit cell against values
// worked out by hand.
func TestLSTMStepByHand(t *testing.T) {
	l, _ := NewLSTM(1, 1, testRand(1), "")
	// Gates i, f, g, o: pre-activations x·Wx + h·Wh + b with x = 1, h = 0.5.
	set := func(g int, wx, wh, b float64) {
		l.W[3*g].Data[0], l.W[3*g+1].Data[0], l.W[3*g+2].Data[0] = wx, wh, b
	}
	set(gateI, 1, 0, 0)   // i = σ(1) = 0.7310585786
	set(gateF, 0, 2, -1)  // f = σ(0) = 0.5
	set(gateG, 0.5, 1, 0) // g = tanh(1) = 0.7615941560
	set(gateO, 0, 0, 0)   // o = σ(0) = 0.5
	h2, c2 := make([]float64, 1), make([]float64, 1)
	l.Step([]float64{1}, 1, []float64{0.5}, []float64{2}, h2, c2, &lstmScratch{})
	// c' = f·c + i·g = 0.5·2 + 0.7310585786·0.7615941560 = 1.5567699
	// h' = o·tanh(c') = 0.5·tanh(1.5567699) = 0.5·0.9148956 = 0.4574478
	if math.Abs(c2[0]-1.5567699) > 1e-7 || math.Abs(h2[0]-0.4574478) > 1e-7 {
		t.Errorf("c' = %.9f, h' = %.9f; want 1.5567699 and 0.4574478", c2[0], h2[0])
	}
}

// TestCriticActionGradient checks ∂Q/∂a through gorgonia against central
// finite differences of the plain-Go critic, Q(x, a) = Σ_k a_k·out_k(x)
// over its per-action outputs: the gradient the actor update follows,
// taken at a relaxed (not one-hot) sample as in training; and, through
// the critic's inputs, ∂Q/∂x, which the update of a critic follows.
func TestCriticActionGradient(t *testing.T) {
	rng := testRand(2)
	const B, K, W = 4, 3, 10
	critic, _ := NewMLP([]int{W, 8, 8, K}, rng, 1, "q")
	x := randSlice(rng, B*W, 1)
	a := randSlice(rng, B*K, 1)

	g := G.NewGraph()
	b := &builder{g: g}
	an := constInput(g, "a", B, K, a)
	xn := constInput(g, "x", B, W, x)
	ones := newOnes(g, K)
	q := b.pick(b.mlp(bindWeights(g, critic.W), xn), an, ones.node)
	sum := b.do(func() (*G.Node, error) { return G.Sum(q) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	if _, err := G.Grad(sum, an, xn); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(an, xn))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	grad := func(n *G.Node) []float64 {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		return gv.Data().([]float64)
	}
	gotA, gotX := grad(an), grad(xn)

	qsum := func(x, a []float64) float64 {
		out := make([]float64, B*K)
		critic.Forward(x, B, out, &mlpScratch{})
		s := 0.0
		for i, v := range out {
			s += a[i] * v
		}
		return s
	}
	fd := func(v []float64, f func([]float64) float64) []float64 {
		const h = 1e-6
		d := make([]float64, len(v))
		for i := range v {
			p, m := append([]float64(nil), v...), append([]float64(nil), v...)
			p[i] += h
			m[i] -= h
			d[i] = (f(p) - f(m)) / (2 * h)
		}
		return d
	}
	assertClose(t, "∂Q/∂a", gotA, fd(a, func(a []float64) float64 { return qsum(x, a) }), 1e-6)
	assertClose(t, "∂Q/∂x", gotX, fd(x, func(x []float64) float64 { return qsum(x, a) }), 1e-6)
}

// gumbelHard returns the one-hot arg-max of logits + noise and the soft
// sample softmax((logits + noise)/τ), as the training code computes them.
func gumbelHard(logits, noise []float64, tau float64, hard, soft []float64) {
	best, mx := 0, math.Inf(-1)
	for k := range logits {
		z := logits[k] + noise[k]
		if z > mx {
			best, mx = k, z
		}
	}
	sum := 0.0
	for k := range logits {
		soft[k] = math.Exp((logits[k] + noise[k] - mx) / tau)
		sum += soft[k]
		hard[k] = 0
	}
	for k := range soft {
		soft[k] /= sum
	}
	hard[best] = 1
}

// TestGumbelStraightThroughOnAToyProblem: logits trained through the
// straight-through Gumbel-softmax estimator to minimise the expected cost
// of a sampled category find the cheapest one, and the sample's value is
// one-hot.
func TestGumbelStraightThroughOnAToyProblem(t *testing.T) {
	const B, K, tau = 32, 3, 1.0
	cost := []float64{1, 0.2, 0.6}
	theta := &Param{Name: "theta", Rows: 1, Cols: K, Data: make([]float64, K)}
	g := G.NewGraph()
	b := &builder{g: g}
	w := bindWeights(g, Weights{theta})
	ones := make([]float64, B)
	for i := range ones {
		ones[i] = 1
	}
	logits := b.mul(constInput(g, "ones", B, 1, ones), w[0])
	noise, inv, diff, bias := newInput(g, "noise", B, K), newInput(g, "inv", B, K), newInput(g, "diff", B, K), newInput(g, "bias", B, K)
	costs := make([]float64, B*K)
	for r := range B {
		copy(costs[r*K:], cost)
		for k := range K {
			inv.data[r*K+k] = 1 / tau
		}
	}
	a := b.gumbelST(logits, bias.node, noise.node, inv.node, diff.node)
	loss := b.mean(b.hadamard(a, constInput(g, "cost", B, K, costs)))
	if b.err != nil {
		t.Fatal(b.err)
	}
	gg := &gradGraph{g: g, loss: loss, wrt: w, params: Weights{theta}}
	if err := gg.compile(); err != nil {
		t.Fatal(err)
	}
	opt := NewAdam(0.05, Weights{theta})
	grads := [][]float64{make([]float64, K)}
	rng := testRand(3)
	hard, soft := make([]float64, K), make([]float64, K)
	for range 300 {
		for r := range B {
			for k := range K {
				noise.data[r*K+k] = -math.Log(-math.Log(rng.Float64()))
			}
			gumbelHard(theta.Data, noise.data[r*K:(r+1)*K], tau, hard, soft)
			for k := range K {
				diff.data[r*K+k] = hard[k] - soft[k]
			}
		}
		for _, in := range []input{noise, inv, diff, bias} {
			if err := in.let(); err != nil {
				t.Fatal(err)
			}
		}
		l, err := gg.run(grads)
		if err != nil {
			t.Fatal(err)
		}
		// The loss is the mean over B·K entries of one-hot samples' costs:
		// a multiple of 0.2/(B·K).
		if m := l * B * K / 0.2; math.Abs(m-math.Round(m)) > 1e-9 {
			t.Fatalf("loss %v is not the mean cost of one-hot samples", l)
		}
		opt.Step(Weights{theta}, grads)
	}
	p := make([]float64, K)
	gumbelHard(theta.Data, make([]float64, K), 1, make([]float64, K), p)
	if p[1] < 0.95 {
		t.Errorf("after training P(cheapest) = %.3f (logits %v), want ≥ 0.95", p[1], theta.Data)
	}
}
