package rl

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file is the only one that knows gorgonia: it builds, for a fixed
// batch size, the graphs whose gradients training needs (the critic loss,
// the actor loss), binds them to the Nets' weight slices in place, and
// hands back plain []float64 gradients. Forward passes without gradients
// use Net.Forward instead.
//
// Graphs are built one at a time (gorgonia's graph construction is not
// goroutine-safe) and each has exactly one Grad call.

// input is a graph input whose tensor wraps a Go slice the caller fills
// before each run.
type input struct {
	node *G.Node
	val  *tensor.Dense
	data []float64
}

func newInput(g *G.ExprGraph, name string, rows, cols int) input {
	data := make([]float64, rows*cols)
	val := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))
	n := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name), G.WithValue(val))
	return input{node: n, val: val, data: data}
}

func (in input) let() error { return G.Let(in.node, in.val) }

// bindNet adds n's weights to g as nodes whose values share n's slices.
func bindNet(g *G.ExprGraph, n *Net, prefix string) []*G.Node {
	nodes := make([]*G.Node, len(n.Params))
	for i, p := range n.Params {
		val := tensor.New(tensor.WithShape(p.Rows, p.Cols), tensor.WithBacking(p.Data))
		nodes[i] = G.NewMatrix(g, tensor.Float64, G.WithShape(p.Rows, p.Cols), G.WithName(prefix+p.Name), G.WithValue(val))
	}
	return nodes
}

// poolInputs are the constant matrices of a batch's masked pooling: pool
// (B × B·Columns) averages each sample's present columns, spread
// (B·Columns × B) copies a sample's row back to each of its columns.
type poolInputs struct {
	pool, spread input
}

func newPoolInputs(g *G.ExprGraph, a Arch, b int) poolInputs {
	return poolInputs{
		pool:   newInput(g, "pool", b, b*a.Columns),
		spread: newInput(g, "spread", b*a.Columns, b),
	}
}

// fill sets the pooling matrices from a batch's mask.
func (pi poolInputs) fill(a Arch, in *Batch) {
	clear(pi.pool.data)
	clear(pi.spread.data)
	n := in.B * a.Columns
	for b := range in.B {
		cnt := 0
		for k := range a.Columns {
			if in.Mask[b*a.Columns+k] {
				cnt++
			}
		}
		for k := range a.Columns {
			r := b*a.Columns + k
			pi.spread.data[r*in.B+b] = 1
			if in.Mask[r] && cnt > 0 {
				pi.pool.data[b*n+r] = 1 / float64(cnt)
			}
		}
	}
}

func (pi poolInputs) let() error {
	for _, in := range []input{pi.pool, pi.spread} {
		if err := in.let(); err != nil {
			return err
		}
	}
	return nil
}

// buildForward adds the network's computation (see Net.Forward) on x to g
// and returns the B·Columns × Outputs output node.
func buildForward(a Arch, w []*G.Node, x *G.Node, pi poolInputs) (*G.Node, error) {
	var err error
	denseNode := func(in, wt, b *G.Node, act bool) *G.Node {
		if err != nil {
			return nil
		}
		var mm, out *G.Node
		if mm, err = G.Mul(in, wt); err != nil {
			return nil
		}
		if out, err = G.BroadcastAdd(mm, b, nil, []byte{0}); err != nil {
			return nil
		}
		if act {
			out, err = G.Rectify(out)
		}
		return out
	}
	e := denseNode(x, w[0], w[1], true)
	e = denseNode(e, w[2], w[3], true)
	if err != nil {
		return nil, err
	}
	pooled, err := G.Mul(pi.pool.node, e)
	if err != nil {
		return nil, err
	}
	pooledT, err := G.Mul(pooled, w[5])
	if err != nil {
		return nil, err
	}
	spreadT, err := G.Mul(pi.spread.node, pooledT)
	if err != nil {
		return nil, err
	}
	hx, err := G.Mul(e, w[4])
	if err != nil {
		return nil, err
	}
	h, err := G.Add(hx, spreadT)
	if err != nil {
		return nil, err
	}
	if h, err = G.BroadcastAdd(h, w[6], nil, []byte{0}); err != nil {
		return nil, err
	}
	if h, err = G.Rectify(h); err != nil {
		return nil, err
	}
	for k := range a.Blocks {
		t := denseNode(h, w[7+4*k], w[8+4*k], true)
		t = denseNode(t, w[9+4*k], w[10+4*k], false)
		if err != nil {
			return nil, err
		}
		if h, err = G.Add(h, t); err != nil {
			return nil, err
		}
	}
	out := denseNode(h, w[len(w)-2], w[len(w)-1], false)
	return out, err
}

// gradGraph is a compiled graph with one scalar loss, the weight nodes it
// differentiates, and the nets those weights belong to.
type gradGraph struct {
	g      *G.ExprGraph
	vm     G.VM
	loss   *G.Node
	wrt    []*G.Node
	params []*Param // parallel to wrt
}

func (gg *gradGraph) compile() error {
	if _, err := G.Grad(gg.loss, gg.wrt...); err != nil {
		return fmt.Errorf("rl: gradient graph: %w", err)
	}
	gg.vm = G.NewTapeMachine(gg.g, G.BindDualValues(gg.wrt...))
	return nil
}

// run executes the graph and moves the gradients into grads (parallel to
// gg.params), zeroing gorgonia's accumulators for the next run.
func (gg *gradGraph) run(grads [][]float64) (float64, error) {
	defer gg.vm.Reset()
	if err := gg.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("rl: running graph: %w", err)
	}
	for i, n := range gg.wrt {
		gv, err := n.Grad()
		if err != nil {
			return 0, fmt.Errorf("rl: gradient of %s: %w", n.Name(), err)
		}
		d, ok := gv.Data().([]float64)
		if !ok {
			return 0, fmt.Errorf("rl: gradient of %s is not float64", n.Name())
		}
		copy(grads[i], d)
		clear(d)
	}
	loss, ok := gg.loss.Value().Data().(float64)
	if !ok {
		return 0, fmt.Errorf("rl: loss is not a float64 scalar")
	}
	return loss, nil
}

// criticGraph computes the loss Σ_i mean((sel·Q_i − y)²) over its critics
// (SAC runs one graph per critic, so that the two run at once), where sel
// picks each sample's taken action's row and y holds the value-vector
// targets.
type criticGraph struct {
	gradGraph
	arch Arch
	x    input
	pi   poolInputs
	sel  input // B × B·Columns, one-hot
	y    input // B × Outputs
}

func newCriticGraph(b int, critics ...*Net) (*criticGraph, error) {
	a := critics[0].Arch
	g := G.NewGraph()
	c := &criticGraph{arch: a}
	c.g = g
	c.x = newInput(g, "x", b*a.Columns, a.Features)
	c.pi = newPoolInputs(g, a, b)
	c.sel = newInput(g, "sel", b, b*a.Columns)
	c.y = newInput(g, "y", b, a.Outputs)
	var loss *G.Node
	for i, net := range critics {
		w := bindNet(g, net, fmt.Sprintf("q%d.", i+1))
		out, err := buildForward(a, w, c.x.node, c.pi)
		if err != nil {
			return nil, err
		}
		q, err := G.Mul(c.sel.node, out)
		if err != nil {
			return nil, err
		}
		d, err := G.Sub(q, c.y.node)
		if err != nil {
			return nil, err
		}
		sq, err := G.Square(d)
		if err != nil {
			return nil, err
		}
		l, err := G.Mean(sq)
		if err != nil {
			return nil, err
		}
		if loss == nil {
			loss = l
		} else if loss, err = G.Add(loss, l); err != nil {
			return nil, err
		}
		c.wrt = append(c.wrt, w...)
		c.params = append(c.params, net.Params...)
	}
	c.loss = loss
	return c, c.compile()
}

// step runs the critic graph on batch with the taken actions and targets
// already in c.sel and c.y.
func (c *criticGraph) step(in *Batch, grads [][]float64) (float64, error) {
	copy(c.x.data, in.X)
	c.pi.fill(c.arch, in)
	for _, in := range []input{c.x, c.sel, c.y} {
		if err := in.let(); err != nil {
			return 0, err
		}
	}
	if err := c.pi.let(); err != nil {
		return 0, err
	}
	return c.run(grads)
}

// actorGraph computes the discrete soft actor loss
// mean over the batch and actions of π(a|s)·(α·log π(a|s) − Q(s,a)), with
// α and Q constant inputs and invalid actions masked by a large negative
// bias on their logits.
type actorGraph struct {
	gradGraph
	arch  Arch
	x     input
	pi    poolInputs
	bias  input // B × Columns: 0 for valid actions, −1e9 for masked ones
	alpha input // B × Columns, every entry α
	q     input // B × Columns
	probs *G.Node
	logp  *G.Node
}

func newActorGraph(actor *Net, b int) (*actorGraph, error) {
	a := actor.Arch
	if a.Outputs != 1 {
		return nil, fmt.Errorf("rl: an actor has one output per column, not %d", a.Outputs)
	}
	g := G.NewGraph()
	ag := &actorGraph{arch: a}
	ag.g = g
	ag.x = newInput(g, "x", b*a.Columns, a.Features)
	ag.pi = newPoolInputs(g, a, b)
	ag.bias = newInput(g, "bias", b, a.Columns)
	ag.alpha = newInput(g, "alpha", b, a.Columns)
	ag.q = newInput(g, "q", b, a.Columns)
	w := bindNet(g, actor, "pi.")
	out, err := buildForward(a, w, ag.x.node, ag.pi)
	if err != nil {
		return nil, err
	}
	logits, err := G.Reshape(out, tensor.Shape{b, a.Columns})
	if err != nil {
		return nil, err
	}
	masked, err := G.Add(logits, ag.bias.node)
	if err != nil {
		return nil, err
	}
	if ag.logp, err = G.LogSoftMax(masked, 1); err != nil {
		return nil, err
	}
	if ag.probs, err = G.Exp(ag.logp); err != nil {
		return nil, err
	}
	scaled, err := G.HadamardProd(ag.alpha.node, ag.logp)
	if err != nil {
		return nil, err
	}
	adv, err := G.Sub(scaled, ag.q.node)
	if err != nil {
		return nil, err
	}
	weighted, err := G.HadamardProd(ag.probs, adv)
	if err != nil {
		return nil, err
	}
	if ag.loss, err = G.Mean(weighted); err != nil {
		return nil, err
	}
	ag.wrt = w
	ag.params = actor.Params
	return ag, ag.compile()
}

// step runs the actor graph on batch with α and Q already in place, and
// returns the loss. (The graph's forward values are not read back: gorgonia
// reuses their memory during the backward pass.)
func (ag *actorGraph) step(in *Batch, grads [][]float64) (float64, error) {
	copy(ag.x.data, in.X)
	ag.pi.fill(ag.arch, in)
	for i, ok := range in.Mask {
		if ok {
			ag.bias.data[i] = 0
		} else {
			ag.bias.data[i] = -1e9
		}
	}
	for _, in := range []input{ag.x, ag.bias, ag.alpha, ag.q} {
		if err := in.let(); err != nil {
			return 0, err
		}
	}
	if err := ag.pi.let(); err != nil {
		return 0, err
	}
	return ag.run(grads)
}
