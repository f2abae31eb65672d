package rl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamByHand checks two steps against a hand computation.
func TestAdamByHand(t *testing.T) {
	p := &Param{Name: "w", Rows: 1, Cols: 2, Data: []float64{1, -1}}
	o := NewAdam(0.1, []*Param{p})
	o.Step([]*Param{p}, [][]float64{{2, -0.5}})
	// Step 1: m̂ = g, v̂ = g², so each weight moves by lr·g/|g| (ε aside).
	want := []float64{1 - 0.1*2/(2+1e-8), -1 + 0.1*0.5/(0.5+1e-8)}
	for j := range want {
		if math.Abs(p.Data[j]-want[j]) > 1e-12 {
			t.Fatalf("step 1: w[%d] = %v, want %v", j, p.Data[j], want[j])
		}
	}
	// Step 2 with g = (1, 1): m = (0.9·0.2 + 0.1, 0.9·(−0.05) + 0.1) = (0.28, 0.055);
	// v = (0.999·0.004 + 0.001, 0.999·0.00025 + 0.001) = (0.004996, 0.00124975);
	// m̂ = m/0.19, v̂ = v/0.001999.
	before := append([]float64(nil), p.Data...)
	o.Step([]*Param{p}, [][]float64{{1, 1}})
	for j, m := range []float64{0.28, 0.055} {
		v := []float64{0.004996, 0.00124975}[j]
		step := 0.1 * (m / 0.19) / (math.Sqrt(v/0.001999) + 1e-8)
		if got := before[j] - p.Data[j]; math.Abs(got-step) > 1e-9 {
			t.Errorf("step 2: w[%d] moved by %v, want %v", j, got, step)
		}
	}
}

// TestBufferWrapsAround: a full buffer overwrites its oldest transition
// and samples only what it holds.
func TestBufferWrapsAround(t *testing.T) {
	b, err := NewBuffer(3, 2, 2, Objectives)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		x := float64(i)
		b.Add([]float64{x, x}, []bool{true, i%2 == 0}, i%2, []float64{-x, -2 * x}, x/10, []float64{x + 1, x + 1}, []bool{true, true}, i == 4)
	}
	if b.Len != 3 || b.Head != 2 || b.AddedTotal != 5 {
		t.Fatalf("len %d head %d added %d, want 3, 2, 5", b.Len, b.Head, b.AddedTotal)
	}
	// Slots hold transitions 3, 4, 2.
	for slot, i := range []int{3, 4, 2} {
		x := float64(i)
		if b.Obs[slot*2] != float32(x) || b.Reward[slot*2+1] != -2*x || b.Pref[slot] != x/10 || b.Terminated[slot] != (i == 4) || b.Next[slot*2] != float32(x+1) {
			t.Errorf("slot %d does not hold transition %d", slot, i)
		}
	}
	idx := make([]int, 1000)
	b.Sample(rand.New(rand.NewPCG(1, 2)), idx)
	seen := map[int]bool{}
	for _, i := range idx {
		if i < 0 || i >= 3 {
			t.Fatalf("sampled index %d of 3", i)
		}
		seen[i] = true
	}
	if len(seen) != 3 {
		t.Errorf("sampled %d distinct slots of 3", len(seen))
	}
}
