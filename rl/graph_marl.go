package rl

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The multi-agent graphs (MADDPG's critic and actor losses) and their
// building blocks in gorgonia. Like graph.go, these graphs are built once
// for a fixed batch, bound to template weights that the caller fills
// before each run, and never read back except for gradients and the loss.

// builder chains gorgonia operations, keeping the first error.
type builder struct {
	g   *G.ExprGraph
	err error
}

func (b *builder) do(f func() (*G.Node, error)) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := f()
	b.err = err
	return n
}

func (b *builder) mul(x, y *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Mul(x, y) })
}
func (b *builder) add(x, y *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Add(x, y) })
}
func (b *builder) sub(x, y *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Sub(x, y) })
}
func (b *builder) hadamard(x, y *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.HadamardProd(x, y) })
}
func (b *builder) addBias(x, bias *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.BroadcastAdd(x, bias, nil, []byte{0}) })
}
func (b *builder) relu(x *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Rectify(x) })
}
func (b *builder) tanh(x *G.Node) *G.Node { return b.do(func() (*G.Node, error) { return G.Tanh(x) }) }
func (b *builder) sigmoid(x *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Sigmoid(x) })
}
func (b *builder) square(x *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Square(x) })
}
func (b *builder) mean(x *G.Node) *G.Node { return b.do(func() (*G.Node, error) { return G.Mean(x) }) }
func (b *builder) exp(x *G.Node) *G.Node  { return b.do(func() (*G.Node, error) { return G.Exp(x) }) }
func (b *builder) logSoftmax(x *G.Node) *G.Node {
	return b.do(func() (*G.Node, error) { return G.LogSoftMax(x, 1) })
}
func (b *builder) concatCols(xs ...*G.Node) *G.Node {
	if len(xs) == 1 {
		return xs[0]
	}
	return b.do(func() (*G.Node, error) { return G.Concat(1, xs...) })
}
func (b *builder) scale(x *G.Node, k float64) *G.Node {
	return b.do(func() (*G.Node, error) { return G.Mul(G.NewConstant(k), x) })
}

// bindWeights adds ws to g as nodes whose values share ws's slices.
func bindWeights(g *G.ExprGraph, ws Weights) []*G.Node {
	nodes := make([]*G.Node, len(ws))
	for i, p := range ws {
		val := tensor.New(tensor.WithShape(p.Rows, p.Cols), tensor.WithBacking(p.Data))
		nodes[i] = G.NewMatrix(g, tensor.Float64, G.WithShape(p.Rows, p.Cols), G.WithName(fmt.Sprintf("w%d.%s", len(g.AllNodes()), p.Name)), G.WithValue(val))
	}
	return nodes
}

// mlp adds an MLP (see MLP.Forward) on x.
func (b *builder) mlp(w []*G.Node, x *G.Node) *G.Node {
	layers := len(w) / 2
	h := x
	for l := range layers {
		h = b.addBias(b.mul(h, w[2*l]), w[2*l+1])
		if l < layers-1 {
			h = b.relu(h)
		}
	}
	return h
}

// lstm adds one LSTM step (see LSTM.Step) and returns h'.
func (b *builder) lstm(w []*G.Node, x, h, c *G.Node) *G.Node {
	gate := func(g int) *G.Node {
		return b.addBias(b.add(b.mul(x, w[3*g]), b.mul(h, w[3*g+1])), w[3*g+2])
	}
	i := b.sigmoid(gate(gateI))
	f := b.sigmoid(gate(gateF))
	g := b.tanh(gate(gateG))
	o := b.sigmoid(gate(gateO))
	c2 := b.add(b.hadamard(f, c), b.hadamard(i, g))
	return b.hadamard(o, b.tanh(c2))
}

// comm adds the channel (see Comm.Forward) over every agent's
// observation node (each B × Obs) and returns each agent's context.
func (b *builder) comm(w []*G.Node, obs []*G.Node) []*G.Node {
	n := len(obs)
	msg := make([]*G.Node, n)
	for j, o := range obs {
		msg[j] = b.tanh(b.addBias(b.mul(o, w[0]), w[1]))
	}
	run := func(wi, ui, bi *G.Node, order func(int) int) []*G.Node {
		states := make([]*G.Node, n)
		for step := range n {
			j := order(step)
			pre := b.mul(msg[j], wi)
			if step > 0 {
				pre = b.add(pre, b.mul(states[order(step-1)], ui))
			}
			states[j] = b.tanh(b.addBias(pre, bi))
		}
		return states
	}
	fwd := run(w[2], w[3], w[4], func(t int) int { return t })
	bwd := run(w[5], w[6], w[7], func(t int) int { return n - 1 - t })
	ctx := make([]*G.Node, n)
	for j := range n {
		ctx[j] = b.concatCols(fwd[j], bwd[j])
	}
	return ctx
}

// gumbelST adds the straight-through Gumbel-softmax sample of logits:
// its value is hard (the one-hot of the arg-max of logits + bias + noise,
// which the caller computes in plain Go and passes as delta = hard − soft)
// and its gradient is that of soft = softmax((logits + bias + noise)/τ)
// (Jang, Gu and Poole 2017). bias masks invalid actions with −1e9;
// invTemp holds 1/τ in every entry.
func (b *builder) gumbelST(logits, bias, noise, invTemp, delta *G.Node) *G.Node {
	z := b.hadamard(b.add(b.add(logits, bias), noise), invTemp)
	soft := b.exp(b.logSoftmax(z))
	return b.add(soft, delta)
}

// marlCriticGraph is the loss mean((Q(x, a) − y)²) of one critic on a
// batch of B rows: the critic has one output per action of its agent,
// and Q(x, a) = Σ_k a_k·out_k(x) picks the one of the action taken.
type marlCriticGraph struct {
	gradGraph
	x, a, y, ones input
	tgt           input // with a scorer: (B·K) × TargetFeatures, the own target blocks
}

func newMARLCriticGraph(critic *marlCritic, bsize, actions int) (*marlCriticGraph, error) {
	g := G.NewGraph()
	cg := &marlCriticGraph{}
	cg.g = g
	cg.x = newInput(g, "x", bsize, critic.Net.Sizes[0])
	cg.a = newInput(g, "a", bsize, actions)
	cg.y = newInput(g, "y", bsize, 1)
	cg.ones = newOnes(g, actions)
	if critic.Score != nil {
		cg.tgt = newInput(g, "targets", bsize*actions, TargetFeatures)
	}
	b := &builder{g: g}
	w := bindWeights(g, critic.W)
	q := b.pick(b.criticValues(critic, w, cg.x.node, cg.tgt.node, bsize, actions), cg.a.node, cg.ones.node)
	cg.loss = b.mean(b.square(b.sub(q, cg.y.node)))
	if b.err != nil {
		return nil, fmt.Errorf("rl: critic graph: %w", b.err)
	}
	cg.wrt, cg.params = w, critic.W
	return cg, cg.compile()
}

// newOnes is a K × 1 column of ones, for row sums.
func newOnes(g *G.ExprGraph, k int) input {
	in := newInput(g, "ones", k, 1)
	for i := range in.data {
		in.data[i] = 1
	}
	return in
}

// pick is Σ_k a_k·values_k for each row: the value of action a (one-hot,
// or a relaxed sample) among a row of per-action values; ones is a K × 1
// column of ones.
func (b *builder) pick(values, a, ones *G.Node) *G.Node {
	return b.mul(b.hadamard(values, a), ones)
}

// criticValues adds a critic's per-action values (B × K) on inputs x,
// its weights bound as w (the MLP's, then the scorer's); tgt holds the
// own target blocks when the critic has a scorer.
func (b *builder) criticValues(c *marlCritic, w []*G.Node, x, tgt *G.Node, bsize, actions int) *G.Node {
	v := b.mlp(w[:len(c.Net.W)], x)
	if c.Score == nil {
		return v
	}
	s := b.mlp(w[len(c.Net.W):], tgt)
	return b.add(v, b.do(func() (*G.Node, error) { return G.Reshape(s, tensor.Shape{bsize, actions}) }))
}

func (cg *marlCriticGraph) step(grads [][]float64) (float64, error) {
	ins := []input{cg.x, cg.a, cg.y, cg.ones}
	if cg.tgt.node != nil {
		ins = append(ins, cg.tgt)
	}
	for _, in := range ins {
		if err := in.let(); err != nil {
			return 0, err
		}
	}
	return cg.run(grads)
}

// marlActorGraph is MADDPG's actor loss for one agent i on a batch:
//
//	−mean_b w_b·Q_i(x_b with a_i := ã_i) + reg·mean_b w_b·mean(logits_b²)
//
// where ã_i is the straight-through Gumbel-softmax sample of agent i's
// logits, Q_i(x, ã) = Σ_k ã_k·out_k(x) picks among the critic's
// per-action outputs, and the other agents' actions are the buffer's (in
// the critic inputs x).
// The weights w_b restrict both means to the rows where agent i had a
// choice (two or more allowed actions): elsewhere its policy has no
// effect and no gradient, and counting those rows would only shrink the
// step and let the logit penalty act on states the policy never decides
// in (in a mecsim world a phone has a task in about one slot of seven).
// Its gradient flows through Q into the actor (and the channel, when
// there is one), not into the critic.
type marlActorGraph struct {
	gradGraph
	in     input   // B × own inputs (observation, agent id)
	others []input // with a channel: every agent's B × Obs observations
	pick   []input // with a channel: B × Context, ones for agent i, zeros for the others
	h, c   input   // with an LSTM: the stored state
	tgt    input   // with a scorer: (B·K) × TargetFeatures, row b·K+k action k's block of row b
	bias   input   // B × K: 0 for allowed actions, −1e9 for the others
	noise  input   // B × K Gumbel noise
	inv    input   // B × K, every entry 1/τ
	diff   input   // B × K: hard − soft, so that the sample's value is hard
	wq     input   // B × 1 row weights w_b
	wl     input   // B × K, row b all w_b
	x      input   // B × W critic inputs (the other agents' actions among them)
	ones   input   // K × 1 ones
}

// marlActorSpec says what an actor graph contains.
type marlActorSpec struct {
	batch, ownInputs, actions int
	lstm                      *LSTM // optional
	head                      *MLP
	score                     *MLP  // optional: scores each action's block of target features
	comm                      *Comm // optional
	agents                    int
	critic                    *marlCritic
	logitReg                  float64
}

func newMARLActorGraph(sp marlActorSpec) (*marlActorGraph, error) {
	g := G.NewGraph()
	ag := &marlActorGraph{}
	ag.g = g
	B, K := sp.batch, sp.actions
	b := &builder{g: g}
	ag.in = newInput(g, "in", B, sp.ownInputs)
	x := ag.in.node
	if sp.comm != nil {
		wc := bindWeights(g, sp.comm.W)
		obs := make([]*G.Node, sp.agents)
		for j := range sp.agents {
			ag.others = append(ag.others, newInput(g, fmt.Sprintf("obs%d", j), B, sp.comm.Obs))
			obs[j] = ag.others[j].node
		}
		// Agent i's context is Σ_j pick_j ⊙ ctx_j: one graph serves every i.
		var own *G.Node
		for j, ctx := range b.comm(wc, obs) {
			ag.pick = append(ag.pick, newInput(g, fmt.Sprintf("pick%d", j), B, sp.comm.Context()))
			term := b.hadamard(ag.pick[j].node, ctx)
			if own == nil {
				own = term
			} else {
				own = b.add(own, term)
			}
		}
		x = b.concatCols(x, own)
		ag.wrt, ag.params = append(ag.wrt, wc...), append(ag.params, sp.comm.W...)
	}
	if sp.lstm != nil {
		wl := bindWeights(g, sp.lstm.W)
		ag.h = newInput(g, "h", B, sp.lstm.Hidden)
		ag.c = newInput(g, "c", B, sp.lstm.Hidden)
		x = b.lstm(wl, x, ag.h.node, ag.c.node)
		ag.wrt, ag.params = append(ag.wrt, wl...), append(ag.params, sp.lstm.W...)
	}
	wh := bindWeights(g, sp.head.W)
	ag.wrt, ag.params = append(ag.wrt, wh...), append(ag.params, sp.head.W...)
	logits := b.mlp(wh, x)
	if sp.score != nil {
		ws := bindWeights(g, sp.score.W)
		ag.wrt, ag.params = append(ag.wrt, ws...), append(ag.params, sp.score.W...)
		ag.tgt = newInput(g, "targets", B*K, sp.score.Sizes[0])
		scores := b.mlp(ws, ag.tgt.node)
		logits = b.add(logits, b.do(func() (*G.Node, error) { return G.Reshape(scores, tensor.Shape{B, K}) }))
	}
	ag.bias = newInput(g, "bias", B, K)
	ag.noise = newInput(g, "noise", B, K)
	ag.inv = newInput(g, "inv", B, K)
	ag.diff = newInput(g, "diff", B, K)
	a := b.gumbelST(logits, ag.bias.node, ag.noise.node, ag.inv.node, ag.diff.node)
	ag.x = newInput(g, "x", B, sp.critic.Net.Sizes[0])
	ag.ones = newOnes(g, K)
	var ctgt *G.Node
	if sp.critic.Score != nil {
		// The critic scores the agent's own target blocks, which the
		// actor's scorer reads too.
		if ag.tgt.node == nil {
			ag.tgt = newInput(g, "targets", B*K, TargetFeatures)
		}
		ctgt = ag.tgt.node
	}
	q := b.pick(b.criticValues(sp.critic, bindWeights(g, sp.critic.W), ag.x.node, ctgt, B, K), a, ag.ones.node)
	ag.wq = newInput(g, "wq", B, 1)
	ag.wl = newInput(g, "wl", B, K)
	loss := b.sub(b.scale(b.mean(b.hadamard(ag.wl.node, b.square(logits))), sp.logitReg), b.mean(b.hadamard(ag.wq.node, q)))
	if b.err != nil {
		return nil, fmt.Errorf("rl: actor graph: %w", b.err)
	}
	ag.loss = loss
	return ag, ag.compile()
}

// step runs the graph with every input filled by the caller.
func (ag *marlActorGraph) step(grads [][]float64) (float64, error) {
	ins := []input{ag.in, ag.bias, ag.noise, ag.inv, ag.diff, ag.wq, ag.wl, ag.x, ag.ones}
	ins = append(ins, ag.others...)
	ins = append(ins, ag.pick...)
	if ag.h.node != nil {
		ins = append(ins, ag.h, ag.c)
	}
	if ag.tgt.node != nil {
		ins = append(ins, ag.tgt)
	}
	for _, in := range ins {
		if err := in.let(); err != nil {
			return 0, err
		}
	}
	return ag.run(grads)
}
