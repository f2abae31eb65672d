package rl

import (
	"fmt"
	"math"
	"slices"
)

// marlUpdate is an update's scratch, its graphs, and the template weights
// the graphs are bound to (an agent's weights are copied in before its
// loss runs, so one graph serves every agent).
type marlUpdate struct {
	idx, pick, perm  []int
	obs, next        []float64 // agent-major: agent j's B rows at [j·B·Obs:]
	mask, nmask      []bool
	act, nextAct     []int
	rew              []float64
	term             []bool
	h0, c0, h1, c1   []float64
	hs, cs           []float64
	logits, tlogits  []float64
	x, xn, q         []float64
	tplActor         marlActor
	tplCritic        *marlCritic
	tplComm          *Comm
	cg               *marlCriticGraph
	ag               *marlActorGraph
	cgrads, agrads   [][]float64
	sumCritic        [][]float64
	sumActor, sumCom [][]float64
	fwd              marlActing
	hard, soft       []float64
}

func zerosLike(ws Weights) [][]float64 {
	g := make([][]float64, len(ws))
	for i, p := range ws {
		g[i] = make([]float64, len(p.Data))
	}
	return g
}

// Prepare builds the update's networks and graphs now rather than at the
// first update. Building gorgonia graphs is not safe from several
// goroutines: agents to be trained in parallel are prepared one at a
// time first.
func (m *MADDPG) Prepare() error {
	if m.u != nil {
		return nil
	}
	u, err := m.newUpdate()
	if err != nil {
		return err
	}
	m.u = u
	return nil
}

func (m *MADDPG) newUpdate() (*marlUpdate, error) {
	N, B, K, S := m.Agents, m.Cfg.Batch, m.Actions, m.stateSize()
	u := &marlUpdate{
		idx: make([]int, B), perm: make([]int, N),
		obs: make([]float64, N*B*m.Obs), next: make([]float64, N*B*m.Obs),
		mask: make([]bool, N*B*K), nmask: make([]bool, N*B*K),
		act: make([]int, N*B), nextAct: make([]int, N*B),
		rew: make([]float64, N*B*MultiObjectives), term: make([]bool, B),
		h0: make([]float64, N*B*S), c0: make([]float64, N*B*S), h1: make([]float64, N*B*S), c1: make([]float64, N*B*S),
		hs: make([]float64, N*B*S), cs: make([]float64, N*B*S),
		logits: make([]float64, N*B*K), tlogits: make([]float64, N*B*K),
		x: make([]float64, B*m.criticInputs()), xn: make([]float64, B*m.criticInputs()), q: make([]float64, B*K),
		hard: make([]float64, K), soft: make([]float64, K),
	}
	u.tplActor = m.actors[0].clone()
	u.tplCritic = m.critics[0].clone()
	if m.comm != nil {
		u.tplComm = &Comm{Obs: m.Obs, Message: m.comm.Message, Hidden: m.comm.Hidden, W: m.comm.W.Clone()}
		u.sumCom = zerosLike(m.comm.W)
	}
	var err error
	if u.cg, err = newMARLCriticGraph(u.tplCritic, B, K); err != nil {
		return nil, err
	}
	if u.ag, err = newMARLActorGraph(marlActorSpec{batch: B, ownInputs: m.ownInputs(), actions: K, lstm: u.tplActor.LSTM,
		head: u.tplActor.Head, score: u.tplActor.Score, comm: u.tplComm, agents: N, critic: u.tplCritic, logitReg: m.Cfg.LogitReg}); err != nil {
		return nil, err
	}
	u.cgrads, u.agrads = zerosLike(u.cg.params), zerosLike(u.ag.params)
	u.sumCritic, u.sumActor = zerosLike(m.critics[0].W), zerosLike(m.actors[0].weights())
	return u, nil
}

// gather copies the sampled transitions into agent-major batches.
func (m *MADDPG) gather(u *marlUpdate) {
	N, B, K, S, O := m.Agents, m.Cfg.Batch, m.Actions, m.stateSize(), m.Obs
	buf := m.Buf
	for b, t := range u.idx {
		u.term[b] = buf.Terminated[t]
		for j := range N {
			r := j*B + b
			src := (t*N + j) * O
			for k := range O {
				u.obs[r*O+k] = float64(buf.Obs[src+k])
				u.next[r*O+k] = float64(buf.Next[src+k])
			}
			copy(u.mask[r*K:(r+1)*K], buf.Mask[(t*N+j)*K:(t*N+j+1)*K])
			copy(u.nmask[r*K:(r+1)*K], buf.NextMask[(t*N+j)*K:(t*N+j+1)*K])
			u.act[r] = int(buf.Action[t*N+j])
			copy(u.rew[r*MultiObjectives:(r+1)*MultiObjectives], buf.Reward[(t*N+j)*MultiObjectives:(t*N+j+1)*MultiObjectives])
			for k := range S {
				u.h0[r*S+k] = float64(buf.H[(t*N+j)*S+k])
				u.c0[r*S+k] = float64(buf.C[(t*N+j)*S+k])
			}
		}
	}
}

// fillCritic writes agent i's critic inputs for the batch (B rows) from
// agent-major observations and actions, and, into own (B × K) unless
// nil, agent i's one-hot actions, which pick among the critic's outputs.
func (m *MADDPG) fillCritic(dst, own, obs []float64, act []int, i int) {
	B, K, O, W := m.Cfg.Batch, m.Actions, m.Obs, m.criticInputs()
	for b := range B {
		m.criticRow(dst[b*W:(b+1)*W], func(j int) []float64 { return obs[(j*B+b)*O : (j*B+b+1)*O] },
			func(j int) int { return act[j*B+b] }, i)
		if own != nil {
			row := own[b*K : (b+1)*K]
			clear(row)
			row[act[i*B+b]] = 1
		}
	}
}

// argmaxMasked writes each row's best allowed action.
func argmaxMasked(logits []float64, mask []bool, rows, k int, out []int) {
	for r := range rows {
		best := 0
		found := false
		for a := range k {
			if mask[r*k+a] && (!found || logits[r*k+a] > logits[r*k+best]) {
				best, found = a, true
			}
		}
		out[r] = best
	}
}

// pickAgents draws the agents this update trains, in increasing order.
func (m *MADDPG) pickAgents(u *marlUpdate) {
	N, k := m.Agents, m.Cfg.AgentsPerUpdate
	u.pick = u.pick[:0]
	if N <= k {
		for i := range N {
			u.pick = append(u.pick, i)
		}
		return
	}
	for i := range u.perm {
		u.perm[i] = i
	}
	for i := range k { // a partial Fisher–Yates shuffle
		j := i + m.sampleRng.IntN(N-i)
		u.perm[i], u.perm[j] = u.perm[j], u.perm[i]
	}
	u.pick = append(u.pick, u.perm[:k]...)
	slices.Sort(u.pick)
}

// MARLStats are one update's mean losses over the agents it trained.
type MARLStats struct {
	CriticLoss, ActorLoss float64
}

// Update samples a batch of joint transitions and trains the critics,
// then the actors, of a sample of agents, and moves the targets.
func (m *MADDPG) Update() (MARLStats, error) {
	var st MARLStats
	if m.Buf.Len < m.Cfg.Batch {
		return st, fmt.Errorf("rl: update with %d transitions, batch %d", m.Buf.Len, m.Cfg.Batch)
	}
	if m.u == nil {
		var err error
		if m.u, err = m.newUpdate(); err != nil {
			return st, err
		}
	}
	u := m.u
	N, B, K, S := m.Agents, m.Cfg.Batch, m.Actions, m.stateSize()
	for b := range u.idx {
		u.idx[b] = m.sampleRng.IntN(m.Buf.Len)
	}
	m.gather(u)

	// The targets' next actions: the target cell first advances the stored
	// state over the transition's observation, then the target actors act
	// on the next observation.
	h, c := u.h0, u.c0
	if S > 0 {
		m.forwardActors(m.targetActors, m.targetComm, u.obs, B, u.h0, u.c0, u.h1, u.c1, u.tlogits, &u.fwd, nil)
		h, c = u.h1, u.c1
	}
	m.forwardActors(m.targetActors, m.targetComm, u.next, B, h, c, u.hs, u.cs, u.tlogits, &u.fwd, nil)
	argmaxMasked(u.tlogits, u.nmask, N*B, K, u.nextAct)
	// The current actors' logits, for the straight-through samples of the
	// agents this update trains (the others' are not needed).
	m.pickAgents(u)
	only := u.pick
	if len(only) == N {
		only = nil // every agent: one batched pass
	}
	m.forwardActors(m.actors, m.comm, u.obs, B, u.h0, u.c0, u.hs, u.cs, u.logits, &u.fwd, only)

	w := m.Cfg.Weights
	shared := m.Cfg.Share
	if shared {
		for _, g := range u.sumCritic {
			clear(g)
		}
		for _, g := range u.sumActor {
			clear(g)
		}
	}
	for _, g := range u.sumCom {
		clear(g)
	}
	scale := 1 / float64(len(u.pick))

	// Critics: y = w·r + γ(1 − terminated)·Q'_i(next observations, next actions).
	for _, i := range u.pick {
		n := m.net(i)
		m.fillCritic(u.xn, nil, u.next, u.nextAct, i)
		m.criticForward(m.targetCritic[n], u.xn, B, u.q, &u.fwd)
		for b := range B {
			r := u.rew[(i*B+b)*MultiObjectives : (i*B+b+1)*MultiObjectives]
			y := w[0]*r[0] + w[1]*r[1] + w[2]*r[2]
			if !u.term[b] {
				y += m.Cfg.Gamma * u.q[b*K+u.nextAct[i*B+b]]
			}
			u.cg.y.data[b] = y
		}
		m.fillCritic(u.cg.x.data, u.cg.a.data, u.obs, u.act, i)
		if u.cg.tgt.node != nil {
			m.ownTargets(u.cg.tgt.data, u.cg.x.data, B, m.criticInputs())
		}
		u.tplCritic.W.CopyFrom(m.critics[n].W)
		loss, err := u.cg.step(u.cgrads)
		if err != nil {
			return st, fmt.Errorf("agent %d critic: %w", i, err)
		}
		st.CriticLoss += loss * scale
		if shared {
			addScaled(u.sumCritic, u.cgrads, scale)
		} else {
			m.criticOpt[n].Step(m.critics[n].W, u.cgrads)
		}
	}
	if shared {
		m.criticOpt[0].Step(m.critics[0].W, u.sumCritic)
	}

	// Actors: −Q_i with agent i's action replaced by its straight-through
	// Gumbel-softmax sample, the others' from the buffer.
	ag := u.ag
	invTau := 1 / m.Cfg.Temperature
	nComm := 0
	if m.comm != nil {
		nComm = len(m.comm.W)
		u.tplComm.W.CopyFrom(m.comm.W)
		for j := range N {
			copy(ag.others[j].data, u.obs[j*B*m.Obs:(j+1)*B*m.Obs])
		}
	}
	for _, i := range u.pick {
		n := m.net(i)
		u.tplActor.weights().CopyFrom(m.actors[n].weights())
		u.tplCritic.W.CopyFrom(m.critics[n].W)
		own := m.ownInputs()
		if ag.tgt.node != nil {
			F := K * TargetFeatures
			for b := range B {
				o := u.obs[(i*B+b)*m.Obs : (i*B+b+1)*m.Obs]
				copy(ag.tgt.data[b*F:(b+1)*F], o[m.targetBlock(0):])
			}
		}
		for b := range B {
			row := ag.in.data[b*own : (b+1)*own]
			copy(row, u.obs[(i*B+b)*m.Obs:(i*B+b+1)*m.Obs])
			if m.actorID() {
				clear(row[m.Obs:])
				row[m.Obs+i] = 1
			}
		}
		for j := range ag.pick {
			v := 0.0
			if j == i {
				v = 1
			}
			for k := range ag.pick[j].data {
				ag.pick[j].data[k] = v
			}
		}
		if S > 0 {
			copy(ag.h.data, u.h0[i*B*S:(i+1)*B*S])
			copy(ag.c.data, u.c0[i*B*S:(i+1)*B*S])
		}
		decisions := 0
		for b := range B {
			allowed := 0
			for k := range K {
				if u.mask[(i*B+b)*K+k] {
					allowed++
				}
			}
			ag.wq.data[b] = 0
			if allowed >= 2 {
				ag.wq.data[b] = 1
				decisions++
			}
		}
		for b := range B {
			if decisions > 0 {
				ag.wq.data[b] *= float64(B) / float64(decisions)
			}
			for k := range K {
				ag.wl.data[b*K+k] = ag.wq.data[b]
			}
		}
		for b := range B {
			r := i*B + b
			lg := u.logits[r*K : (r+1)*K]
			biased := ag.bias.data[b*K : (b+1)*K]
			noise := ag.noise.data[b*K : (b+1)*K]
			for k := range K {
				if u.mask[r*K+k] {
					biased[k] = 0
				} else {
					biased[k] = -1e9
				}
				noise[k] = gumbel(m.sampleRng)
				ag.inv.data[b*K+k] = invTau
			}
			straightThrough(lg, biased, noise, invTau, u.hard, u.soft)
			for k := range K {
				ag.diff.data[b*K+k] = u.hard[k] - u.soft[k]
			}
			if m.Cfg.Prior > 0 {
				// lg holds the prior; the graph's logits are the learnt
				// part alone, and the prior joins them through the bias.
				m.addPrior(biased, u.obs[r*m.Obs:(r+1)*m.Obs])
			}
		}
		m.fillCritic(ag.x.data, nil, u.obs, u.act, i)
		loss, err := ag.step(u.agrads)
		if err != nil {
			return st, fmt.Errorf("agent %d actor: %w", i, err)
		}
		st.ActorLoss += loss * scale
		if nComm > 0 {
			addScaled(u.sumCom, u.agrads[:nComm], scale)
		}
		if shared {
			addScaled(u.sumActor, u.agrads[nComm:], scale)
		} else {
			m.actorOpt[n].Step(m.actors[n].weights(), u.agrads[nComm:])
			m.targetActors[n].weights().Polyak(m.actors[n].weights(), m.Cfg.Tau)
			m.targetCritic[n].W.Polyak(m.critics[n].W, m.Cfg.Tau)
		}
	}
	if shared {
		m.actorOpt[0].Step(m.actors[0].weights(), u.sumActor)
		m.targetActors[0].weights().Polyak(m.actors[0].weights(), m.Cfg.Tau)
		m.targetCritic[0].W.Polyak(m.critics[0].W, m.Cfg.Tau)
	}
	if nComm > 0 {
		m.commOpt.Step(m.comm.W, u.sumCom)
		m.targetComm.W.Polyak(m.comm.W, m.Cfg.Tau)
	}
	m.Updates++
	if math.IsNaN(st.CriticLoss) || math.IsNaN(st.ActorLoss) {
		return st, fmt.Errorf("rl: update %d: loss is NaN (critic %v, actor %v)", m.Updates, st.CriticLoss, st.ActorLoss)
	}
	return st, nil
}

func addScaled(dst, src [][]float64, k float64) {
	for i, g := range src {
		d := dst[i]
		for j, v := range g {
			d[j] += k * v
		}
	}
}

// straightThrough sets hard to the one-hot arg-max of logits + bias +
// noise and soft to softmax((logits + bias + noise)·invTau): the value and
// the relaxation of a straight-through Gumbel-softmax sample.
func straightThrough(logits, bias, noise []float64, invTau float64, hard, soft []float64) {
	best, mx := 0, math.Inf(-1)
	for k := range logits {
		if z := logits[k] + bias[k] + noise[k]; z > mx {
			best, mx = k, z
		}
	}
	sum := 0.0
	for k := range logits {
		soft[k] = math.Exp((logits[k] + bias[k] + noise[k] - mx) * invTau)
		sum += soft[k]
		hard[k] = 0
	}
	for k := range soft {
		soft[k] /= sum
	}
	hard[best] = 1
}
