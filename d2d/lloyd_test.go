package d2d

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mecsim/mecsim/topology"
)

func line(xs ...float64) []topology.Point {
	pts := make([]topology.Point, len(xs))
	for i, x := range xs {
		pts[i] = topology.Point{X: x}
	}
	return pts
}

// TestLloydReseedsEmptyClusters follows the repair of empty clusters by
// hand. Points at x = 0 1 2 10 11 12; centres start at 1, 1000, 2000, so
// all six points go to centre 0 and clusters 1 and 2 are empty.
//
//	update: cluster 0's mean is 6; cluster 1 takes the farthest point: x = 0
//	  and x = 12 are both 6 away, the tie goes to point 0.
//	  Cluster 0 = {1 2 10 11 12}, mean 7.2; cluster 2 takes the farthest,
//	  x = 1 (6.2 away). Means: 8.75, 0, 1.
//	iteration 1: x = 2 moves to cluster 2 (1 away, against 6.75).
//	  Means: 11, 0, 1.5.
//	iteration 2: nothing moves. Converged.
func TestLloydReseedsEmptyClusters(t *testing.T) {
	pts := line(0, 1, 2, 10, 11, 12)
	r := lloyd(pts, line(1, 1000, 2000), 100)
	if want := []int{1, 2, 2, 0, 0, 0}; !slices.Equal(r.labels, want) {
		t.Errorf("labels %v, want %v", r.labels, want)
	}
	if want := line(11, 0, 1.5); !slices.Equal(r.centers, want) {
		t.Errorf("centres %v, want %v", r.centers, want)
	}
	if r.iters != 2 {
		t.Errorf("%d iterations, want 2", r.iters)
	}
	// SSE: (1+0+1) + 0 + (0.25+0.25) = 2.5; farthest point 1 m from its centre.
	if r.sse != 2.5 || r.maxRadius != 1 {
		t.Errorf("sse %v, max radius %v; want 2.5 and 1", r.sse, r.maxRadius)
	}
}

// TestLloydDropsUnrepairableCluster: three phones at one place and two
// centres; the empty cluster has no point to take and is dropped.
func TestLloydDropsUnrepairableCluster(t *testing.T) {
	p := topology.Point{X: 5, Y: 5}
	r := lloyd([]topology.Point{p, p, p}, []topology.Point{{X: 9, Y: 9}, p}, 100)
	if !slices.Equal(r.centers, []topology.Point{p}) || !slices.Equal(r.labels, []int{0, 0, 0}) {
		t.Errorf("centres %v labels %v; want one centre at %v", r.centers, r.labels, p)
	}
}

// TestSampleFallsBackToLastPositive: a draw at the very top of the range
// takes the last index of positive mass.
func TestSampleFallsBackToLastPositive(t *testing.T) {
	mass := []float64{1, 0, 2, 0}
	// A total slightly under the true sum puts u past every cumulative sum
	// only when rounding bites; force it with a total larger than the sum.
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		if i := sample(len(mass), func(i int) float64 { return mass[i] }, 1e9, rng); i != 2 {
			t.Fatalf("sample = %d, want 2", i)
		}
	}
	// Ordinary draws land on positive masses in proportion: index 2 about
	// two thirds of the time.
	count := 0
	for range 3000 {
		i := sample(len(mass), func(i int) float64 { return mass[i] }, 3, rng)
		if i != 0 && i != 2 {
			t.Fatalf("sample drew %d, of zero mass", i)
		}
		if i == 2 {
			count++
		}
	}
	// 3000 draws of p = 2/3: mean 2000, standard deviation 25.8; allow 5.
	if count < 2000-130 || count > 2000+130 {
		t.Errorf("index 2 drawn %d times in 3000, want about 2000", count)
	}
}
