package rl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/sim"
)

func tinyArch(outputs int) Arch {
	return Arch{Features: 3, Columns: 4, Encoder: 5, Trunk: 6, Blocks: 1, Outputs: outputs}
}

// jitterBiases makes every bias nonzero: with zero biases a unit whose
// inputs are all rectified away sits exactly on ReLU's kink, where a
// central finite difference averages the two one-sided slopes and no
// longer checks anything.
func jitterBiases(nets ...*Net) {
	for _, n := range nets {
		for k, p := range n.Params {
			if p.Rows == 1 {
				for j := range p.Data {
					p.Data[j] = 0.01 * float64(1+k+j)
				}
			}
		}
	}
}

func randomBatch(a Arch, b int, rng *rand.Rand) *Batch {
	in := NewBatch(a, b)
	for i := range in.X {
		in.X[i] = rng.NormFloat64()
	}
	for i := range in.Mask {
		in.Mask[i] = i%a.Columns == 0 || rng.Float64() < 0.6
	}
	return in
}

// criticLoss computes the critic graph's loss with Net.Forward.
func criticLoss(q1, q2 *Net, in *Batch, sel, y []float64) float64 {
	a := q1.Arch
	out := make([]float64, in.B*a.Columns*a.Outputs)
	var fs forwardScratch
	loss := 0.0
	for _, q := range []*Net{q1, q2} {
		q.Forward(in, out, &fs)
		sum := 0.0
		for b := range in.B {
			for j := range a.Outputs {
				v := 0.0
				for r := range in.B * a.Columns {
					v += sel[b*in.B*a.Columns+r] * out[r*a.Outputs+j]
				}
				d := v - y[b*a.Outputs+j]
				sum += d * d
			}
		}
		loss += sum / float64(in.B*a.Outputs)
	}
	return loss
}

// TestCriticGradient checks gorgonia's gradient of the critic loss against
// central finite differences of the plain-Go forward pass, which also
// checks that the graph and Net.Forward compute the same function.
func TestCriticGradient(t *testing.T) {
	streams := sim.NewStreams(1)
	a := tinyArch(2)
	q1, _ := NewNet(a, streams.Rand("q1"))
	q2, _ := NewNet(a, streams.Rand("q2"))
	jitterBiases(q1, q2)
	const B = 3
	rng := streams.Rand("data")
	in := randomBatch(a, B, rng)
	cg, err := newCriticGraph(B, q1, q2)
	if err != nil {
		t.Fatal(err)
	}
	for b := range B {
		cg.sel.data[b*B*a.Columns+b*a.Columns] = 1 // column 0 is always present
		for j := range a.Outputs {
			cg.y.data[b*a.Outputs+j] = rng.NormFloat64()
		}
	}
	params := append(append([]*Param(nil), q1.Params...), q2.Params...)
	grads := make([][]float64, len(params))
	for i, p := range params {
		grads[i] = make([]float64, len(p.Data))
	}
	loss, err := cg.step(in, grads)
	if err != nil {
		t.Fatal(err)
	}
	want := criticLoss(q1, q2, in, cg.sel.data, cg.y.data)
	if math.Abs(loss-want) > 1e-10*math.Max(1, math.Abs(want)) {
		t.Fatalf("graph loss %v, plain forward %v", loss, want)
	}
	// Run twice: gradients must not accumulate across runs.
	if _, err := cg.step(in, grads); err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	checked := 0
	for i, p := range params {
		for j := range p.Data {
			x := p.Data[j]
			p.Data[j] = x + h
			up := criticLoss(q1, q2, in, cg.sel.data, cg.y.data)
			p.Data[j] = x - h
			down := criticLoss(q1, q2, in, cg.sel.data, cg.y.data)
			p.Data[j] = x
			fd := (up - down) / (2 * h)
			if math.Abs(fd-grads[i][j]) > 1e-6+1e-4*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %v, finite difference %v", p.Name, j, grads[i][j], fd)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d weights", checked)
	}
}

// actorLoss computes the actor graph's loss with Net.Forward.
func actorLoss(actor *Net, in *Batch, alpha, q []float64) float64 {
	a := actor.Arch
	out := make([]float64, in.B*a.Columns)
	var fs forwardScratch
	actor.Forward(in, out, &fs)
	probs := make([]float64, a.Columns)
	logp := make([]float64, a.Columns)
	sum := 0.0
	for b := range in.B {
		softmaxMasked(out[b*a.Columns:(b+1)*a.Columns], in.Mask[b*a.Columns:(b+1)*a.Columns], probs, logp)
		for k := range a.Columns {
			sum += probs[k] * (alpha[b*a.Columns+k]*logp[k] - q[b*a.Columns+k])
		}
	}
	return sum / float64(in.B*a.Columns)
}

func TestActorGradient(t *testing.T) {
	streams := sim.NewStreams(2)
	a := tinyArch(1)
	actor, _ := NewNet(a, streams.Rand("pi"))
	// Larger head weights so that the policy is far from uniform.
	for j := range actor.Params[len(actor.Params)-2].Data {
		actor.Params[len(actor.Params)-2].Data[j] *= 20
	}
	jitterBiases(actor)
	const B = 3
	rng := streams.Rand("data")
	in := randomBatch(a, B, rng)
	ag, err := newActorGraph(actor, B)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ag.q.data {
		ag.q.data[i] = rng.NormFloat64()
		ag.alpha.data[i] = 0.7
	}
	grads := make([][]float64, len(actor.Params))
	for i, p := range actor.Params {
		grads[i] = make([]float64, len(p.Data))
	}
	loss, err := ag.step(in, grads)
	if err != nil {
		t.Fatal(err)
	}
	want := actorLoss(actor, in, ag.alpha.data, ag.q.data)
	if math.Abs(loss-want) > 1e-10*math.Max(1, math.Abs(want)) {
		t.Fatalf("graph loss %v, plain forward %v", loss, want)
	}
	const h = 1e-6
	for i, p := range actor.Params {
		for j := range p.Data {
			x := p.Data[j]
			p.Data[j] = x + h
			up := actorLoss(actor, in, ag.alpha.data, ag.q.data)
			p.Data[j] = x - h
			down := actorLoss(actor, in, ag.alpha.data, ag.q.data)
			p.Data[j] = x
			fd := (up - down) / (2 * h)
			if math.Abs(fd-grads[i][j]) > 1e-6+1e-4*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %v, finite difference %v", p.Name, j, grads[i][j], fd)
			}
		}
	}
}

// TestPermutationInvariance: permuting a sample's present columns permutes
// its outputs and changes nothing else; padded columns do not matter.
func TestPermutationInvariance(t *testing.T) {
	streams := sim.NewStreams(3)
	a := tinyArch(2)
	n, _ := NewNet(a, streams.Rand("n"))
	in := NewBatch(a, 1)
	rng := streams.Rand("x")
	for i := range in.X {
		in.X[i] = rng.NormFloat64()
	}
	copy(in.Mask, []bool{true, true, true, false})
	out := make([]float64, a.Columns*a.Outputs)
	var fs forwardScratch
	n.Forward(in, out, &fs)
	// Swap columns 0 and 2 and scramble the padded column 3.
	sw := NewBatch(a, 1)
	copy(sw.X, in.X)
	copy(sw.X[0:a.Features], in.X[2*a.Features:3*a.Features])
	copy(sw.X[2*a.Features:3*a.Features], in.X[0:a.Features])
	for j := range a.Features {
		sw.X[3*a.Features+j] = 100
	}
	copy(sw.Mask, in.Mask)
	out2 := make([]float64, len(out))
	n.Forward(sw, out2, &fs)
	for j := range a.Outputs {
		for _, pair := range [][2]int{{0, 2}, {1, 1}, {2, 0}} {
			x, y := out[pair[0]*a.Outputs+j], out2[pair[1]*a.Outputs+j]
			if math.Abs(x-y) > 1e-12 {
				t.Errorf("output %d of column %d is %v, after the swap %v", j, pair[0], x, y)
			}
		}
		if out2[3*a.Outputs+j] != 0 {
			t.Errorf("padded column's output %v, want 0", out2[3*a.Outputs+j])
		}
	}
}

func TestPolyak(t *testing.T) {
	a := tinyArch(1)
	n, _ := NewNet(a, sim.NewStreams(4).Rand("n"))
	tgt := n.Clone()
	for _, p := range n.Params {
		for j := range p.Data {
			p.Data[j] += 1
		}
	}
	before := tgt.Params[0].Data[0]
	tgt.Polyak(n, 0.25)
	if got, want := tgt.Params[0].Data[0], before+0.25; math.Abs(got-want) > 1e-12 {
		t.Fatalf("Polyak: %v, want %v", got, want)
	}
}
