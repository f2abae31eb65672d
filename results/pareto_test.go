package results

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

var paretoSeed = flag.Uint64("pareto.seed", 1, "seed of the randomised Pareto tests; 0 picks one from the clock and logs it")

// paretoRand returns the randomised tests' generator, logging the seed so
// that a failure can be replayed with -pareto.seed.
func paretoRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *paretoSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("-pareto.seed=%d", seed)
	return rand.New(rand.NewPCG(seed, 0x9a4e70))
}

func TestNonDominated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		points []Point
		want   []Point
		idx    []int
	}{
		{"empty", nil, []Point{}, []int{}},
		{"single", []Point{{1, 2}}, []Point{{1, 2}}, []int{0}},
		// (3,3) is dominated by (2,2); the rest is a staircase, sorted by
		// the first objective.
		{"staircase", []Point{{3, 1}, {3, 3}, {1, 3}, {2, 2}}, []Point{{1, 3}, {2, 2}, {3, 1}}, []int{2, 3, 0}},
		// Duplicates are kept once, by the first index.
		{"duplicates", []Point{{2, 2}, {1, 3}, {2, 2}, {1, 3}}, []Point{{1, 3}, {2, 2}}, []int{1, 0}},
		// Equal in the first objective: (1,4) is dominated by (1,3).
		{"tie first", []Point{{1, 4}, {1, 3}}, []Point{{1, 3}}, []int{1}},
		// Equal in the second: (2,1) is dominated by (1,1).
		{"tie second", []Point{{2, 1}, {1, 1}}, []Point{{1, 1}}, []int{1}},
		// 3-D: (2,2,2) is dominated by (1,2,2); the others trade off.
		// Ties in the first objective are ordered by the second.
		{"3-D", []Point{{2, 2, 2}, {1, 3, 1}, {1, 2, 2}, {3, 1, 1}, {1, 2, 2}}, []Point{{1, 2, 2}, {1, 3, 1}, {3, 1, 1}}, []int{2, 1, 3}},
		// One point dominating all others.
		{"dominant", []Point{{5, 5, 5}, {0, 0, 0}, {0, 1, 0}}, []Point{{0, 0, 0}}, []int{1}},
		// +Inf is ordered as usual.
		{"inf", []Point{{math.Inf(1), 0}, {0, math.Inf(1)}, {1, 1}}, []Point{{0, math.Inf(1)}, {1, 1}, {math.Inf(1), 0}}, []int{1, 2, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ParetoIndices(tc.points)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(idx, tc.idx) {
				t.Errorf("ParetoIndices = %v, want %v", idx, tc.idx)
			}
			got, err := NonDominated(tc.points)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("NonDominated = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNonDominatedCopies(t *testing.T) {
	in := []Point{{1, 2}}
	got, err := NonDominated(in)
	if err != nil {
		t.Fatal(err)
	}
	got[0][0] = 9
	if in[0][0] != 1 {
		t.Errorf("modifying the result changed the input: %v", in)
	}
}

func TestNonDominatedErrors(t *testing.T) {
	for _, points := range [][]Point{
		{{1, 2}, {1, 2, 3}}, // mixed dimensions
		{{}, {}},            // no objectives
		{{1, math.NaN()}},   // NaN
	} {
		if _, err := NonDominated(points); err == nil {
			t.Errorf("NonDominated(%v): no error", points)
		}
	}
}

// TestNonDominatedRandom checks ParetoIndices against the definition on
// random small-integer points (many ties and duplicates): every point is
// either on the front or weakly dominated by a front point, no front
// point dominates another, and the front is sorted and duplicate-free.
func TestNonDominatedRandom(t *testing.T) {
	r := paretoRand(t)
	for range 500 {
		d, n := 2+r.IntN(2), r.IntN(12)
		points := randomPoints(r, n, d, 5)
		front, err := NonDominated(points)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range front {
			if i > 0 && compareLex(front[i-1], p) >= 0 {
				t.Fatalf("%v: front %v not strictly increasing", points, front)
			}
			for j, q := range front {
				if i != j && dominatesWeakly(q, p) {
					t.Fatalf("%v: front %v has %v dominated by %v", points, front, p, q)
				}
			}
		}
		for _, p := range points {
			if !slices.ContainsFunc(front, func(q Point) bool { return dominatesWeakly(q, p) }) {
				t.Fatalf("%v: %v is neither on the front %v nor dominated by it", points, p, front)
			}
		}
	}
}

func TestHypervolume2D(t *testing.T) {
	stair := []Point{{1, 3}, {2, 2}, {3, 1}}
	ref := Point{4, 4}
	for _, tc := range []struct {
		name  string
		front []Point
		ref   Point
		want  float64
	}{
		{"empty", nil, ref, 0},
		// (3−1)·(4−1)
		{"single", []Point{{1, 1}}, Point{3, 4}, 6},
		// (1−0.5)·(1−0.25), exact in binary.
		{"fraction", []Point{{0.5, 0.25}}, Point{1, 1}, 0.375},
		// Columns of unit width: x∈[1,2] covers y∈[3,4] (1), x∈[2,3]
		// covers y∈[2,4] (2), x∈[3,4] covers y∈[1,4] (3): 1+2+3.
		{"staircase", stair, ref, 6},
		// Order does not matter.
		{"staircase reversed", []Point{{3, 1}, {2, 2}, {1, 3}}, ref, 6},
		// Two boxes 3·1 + 1·3 overlapping in [3,4]×[3,4]: 3+3−1.
		{"two", []Point{{1, 3}, {3, 1}}, ref, 5},
		// (3,3) is dominated by (2,2), (2,3) by (2,2) and (1,3).
		{"dominated", append(slices.Clone(stair), Point{3, 3}, Point{2, 3}), ref, 6},
		{"duplicates", append(slices.Clone(stair), Point{2, 2}, Point{1, 3}, Point{2, 2}), ref, 6},
		// Beyond the reference in one objective ((0,5), (5,0)), in
		// both ((5,5)), or on it ((0,4), (4,0), (4,4)): nothing, even
		// though (0,5) and (5,0) would otherwise dominate the staircase
		// in one objective.
		{"beyond ref", append(slices.Clone(stair), Point{0, 5}, Point{5, 0}, Point{5, 5}, Point{0, 4}, Point{4, 0}, Point{4, 4}), ref, 6},
		{"only beyond ref", []Point{{0, 5}, {5, 0}, {4, 4}}, ref, 0},
		// +Inf is beyond any reference.
		{"inf", append(slices.Clone(stair), Point{math.Inf(1), 0}), ref, 6},
		// Negative coordinates: (2−(−1))·(2−(−2)) = 12.
		{"negative", []Point{{-1, -2}}, Point{2, 2}, 12},
		// Equal first objective: (1,2) dominates (1,3); 3·2.
		{"tie", []Point{{1, 3}, {1, 2}}, ref, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Hypervolume(tc.front, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Hypervolume(%v, %v) = %v, want %v", tc.front, tc.ref, got, tc.want)
			}
		})
	}
}

func TestHypervolume3D(t *testing.T) {
	ref := Point{4, 4, 4}
	// Three boxes of volume 6 each: (1,2,3) is 3·2·1, (2,3,1) is 2·1·3,
	// (3,1,2) is 1·3·2. Pairwise intersections are the boxes of the
	// componentwise maxima (2,3,3), (3,2,3), (3,3,2), each of volume 2,
	// and the triple one is (3,3,3), volume 1: 18 − 6 + 1 = 13.
	stair := []Point{{1, 2, 3}, {2, 3, 1}, {3, 1, 2}}
	for _, tc := range []struct {
		name  string
		front []Point
		ref   Point
		want  float64
	}{
		{"empty", nil, ref, 0},
		// (3−1)·(4−1)·(5−1)
		{"single box", []Point{{1, 1, 1}}, Point{3, 4, 5}, 24},
		// 0.5·0.75·0.875, exact in binary.
		{"fraction", []Point{{0.5, 0.25, 0.125}}, Point{1, 1, 1}, 0.328125},
		// (1,2,3): 3·2·1 = 6; (2,1,2): 2·3·2 = 12; intersection at
		// (2,2,3): 2·2·1 = 4. 6 + 12 − 4 = 14.
		{"two boxes", []Point{{1, 2, 3}, {2, 1, 2}}, ref, 14},
		{"staircase", stair, ref, 13},
		{"staircase permuted", []Point{{3, 1, 2}, {1, 2, 3}, {2, 3, 1}}, ref, 13},
		// (3,3,3) and (2,3,3) are dominated by (1,2,3); (3,2,2) by
		// (3,1,2).
		{"dominated", append(slices.Clone(stair), Point{3, 3, 3}, Point{2, 3, 3}, Point{3, 2, 2}), ref, 13},
		{"duplicates", append(slices.Clone(stair), Point{1, 2, 3}, Point{2, 3, 1}, Point{1, 2, 3}), ref, 13},
		// Beyond or on the reference in one, two or all objectives.
		{"beyond ref", append(slices.Clone(stair), Point{0, 0, 5}, Point{0, 5, 5}, Point{9, 9, 9}, Point{0, 0, 4}, Point{4, 0, 0}, Point{math.Inf(1), 0, 0}), ref, 13},
		// Equal third objective: the slab z∈[1,4] holds the 2-D
		// staircase (1,3),(2,2),(3,1) of area 6: 6·3 = 18.
		{"flat", []Point{{1, 3, 1}, {2, 2, 1}, {3, 1, 1}}, ref, 18},
		// A 2-D staircase (area 6 against (4,4)) lifted to z=0 plus a
		// point at z=2 that adds nothing once the slab is full: 6·4.
		{"lifted", []Point{{1, 3, 0}, {2, 2, 0}, {3, 1, 0}, {2, 3, 2}}, ref, 24},
		// (0,0,3) adds the column [0,4]²×[3,4] (16) to (1,1,1)'s box
		// 3·3·3 = 27, overlapping in [1,4]²×[3,4] (9): 27 + 16 − 9 = 34.
		{"column", []Point{{1, 1, 1}, {0, 0, 3}}, ref, 34},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Hypervolume(tc.front, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Hypervolume(%v, %v) = %v, want %v", tc.front, tc.ref, got, tc.want)
			}
		})
	}
}

func TestHypervolumeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		front []Point
		ref   Point
	}{
		{"1-D", []Point{{1}}, Point{2}},
		{"4-D", []Point{{1, 1, 1, 1}}, Point{2, 2, 2, 2}},
		{"empty front, 4-D ref", nil, Point{2, 2, 2, 2}},
		{"no ref", []Point{{1, 1}}, nil},
		{"point vs ref", []Point{{1, 1, 1}}, Point{2, 2}},
		{"mixed", []Point{{1, 1}, {1, 1, 1}}, Point{2, 2}},
		{"NaN point", []Point{{1, math.NaN()}}, Point{2, 2}},
		{"-Inf point", []Point{{1, math.Inf(-1)}}, Point{2, 2}},
		{"NaN ref", []Point{{1, 1}}, Point{2, math.NaN()}},
		{"Inf ref", []Point{{1, 1}}, Point{math.Inf(1), 2}},
	} {
		if v, err := Hypervolume(tc.front, tc.ref); err == nil {
			t.Errorf("%s: Hypervolume(%v, %v) = %v, no error", tc.name, tc.front, tc.ref, v)
		}
	}
}

// randomPoints returns n points of dimension d with integer coordinates
// in [0, m).
func randomPoints(r *rand.Rand, n, d, m int) []Point {
	points := make([]Point, n)
	for i := range points {
		p := make(Point, d)
		for j := range p {
			p[j] = float64(r.IntN(m))
		}
		points[i] = p
	}
	return points
}

// cellCount is the exact hypervolume of integer points against the
// reference (m, …, m), by counting the unit cells [c, c+1) that some point
// weakly dominates (a point's box [p, ref) holds the cell iff p ≤ c).
func cellCount(points []Point, d, m int) float64 {
	n := 0
	c := make(Point, d)
	var walk func(j int)
	walk = func(j int) {
		if j == d {
			if slices.ContainsFunc(points, func(p Point) bool { return dominatesWeakly(p, c) }) {
				n++
			}
			return
		}
		for x := range m {
			c[j] = float64(x)
			walk(j + 1)
		}
	}
	walk(0)
	return float64(n)
}

// TestHypervolumeRandom checks the sweep and the slicing against exact
// cell counts on random integer fronts whose coordinates reach the
// reference (so some points lie on it and contribute nothing), and checks
// that filtering, shuffling and duplicating do not change the volume.
func TestHypervolumeRandom(t *testing.T) {
	const m = 6
	r := paretoRand(t)
	for range 1000 {
		d, n := 2+r.IntN(2), r.IntN(15)
		points := randomPoints(r, n, d, m+1)
		ref := make(Point, d)
		for j := range ref {
			ref[j] = m
		}
		got, err := Hypervolume(points, ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := cellCount(points, d, m); got != want {
			t.Fatalf("Hypervolume(%v, %v) = %v, cell count %v", points, ref, got, want)
		}
		front, err := NonDominated(points)
		if err != nil {
			t.Fatal(err)
		}
		more := append(slices.Clone(points), points...)
		r.Shuffle(len(more), func(i, j int) { more[i], more[j] = more[j], more[i] })
		for _, variant := range [][]Point{front, more} {
			if v, err := Hypervolume(variant, ref); err != nil || v != got {
				t.Fatalf("Hypervolume(%v) = %v, %v; of %v it is %v", variant, v, err, points, got)
			}
		}
	}
}

func TestBoundsNormalize(t *testing.T) {
	a := []Point{{2, 10}, {4, 30}}
	b := []Point{{6, 20}}
	ideal, nadir, err := Bounds(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ideal, Point{2, 10}) || !reflect.DeepEqual(nadir, Point{6, 30}) {
		t.Fatalf("Bounds = %v, %v; want (2,10), (6,30)", ideal, nadir)
	}
	// (x−2)/4 and (y−10)/20; (10, 0) lies outside and is not clamped.
	got, err := Normalize([]Point{{2, 10}, {4, 30}, {6, 20}, {10, 0}}, ideal, nadir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Point{{0, 0}, {0.5, 1}, {1, 0.5}, {2, -0.5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize = %v, want %v", got, want)
	}
	// An objective equal for every point maps to 0.
	got, err = Normalize([]Point{{3, 7}}, Point{1, 7}, Point{5, 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Point{{0.5, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize with a flat objective = %v, want %v", got, want)
	}

	for _, sets := range [][][]Point{nil, {{}}, {{{1, 2}}, {{1, 2, 3}}}, {{{1, math.Inf(1)}}}, {{{math.NaN(), 1}}}} {
		if _, _, err := Bounds(sets...); err == nil {
			t.Errorf("Bounds(%v): no error", sets)
		}
	}
	for _, tc := range []struct {
		points       []Point
		ideal, nadir Point
	}{
		{[]Point{{1, 1}}, Point{0, 0}, Point{1}},                      // ideal and nadir differ
		{[]Point{{1, 1}}, Point{}, Point{}},                           // no objectives
		{[]Point{{1, 1}}, Point{0, 2}, Point{1, 1}},                   // nadir < ideal
		{[]Point{{1, 1}}, Point{0, math.Inf(-1)}, Point{1, 1}},        // infinite
		{[]Point{{1, 1, 1}}, Point{0, 0}, Point{1, 1}},                // point vs ideal
		{[]Point{{1, math.NaN()}}, Point{0, 0}, Point{1, 1}},          // NaN point
		{[]Point{{1, 1}}, Point{0, math.NaN()}, Point{1, math.NaN()}}, // NaN bound
	} {
		if _, err := Normalize(tc.points, tc.ideal, tc.nadir); err == nil {
			t.Errorf("Normalize(%v, %v, %v): no error", tc.points, tc.ideal, tc.nadir)
		}
	}
}

func TestNormalizedHypervolume(t *testing.T) {
	// Ideal (2,10), nadir (6,30): the staircase (2,30), (4,20), (6,10)
	// normalises to (0,1), (0.5,0.5), (1,0). Against (1.1,1.1), by
	// columns: x∈[0,0.5] covers y∈[1,1.1], x∈[0.5,1] covers
	// y∈[0.5,1.1], x∈[1,1.1] covers y∈[0,1.1]:
	// 0.5·0.1 + 0.5·0.6 + 0.1·1.1 = 0.05 + 0.3 + 0.11 = 0.46.
	front := []Point{{2, 30}, {4, 20}, {6, 10}}
	got, err := NormalizedHypervolume(front, Point{2, 10}, Point{6, 30})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-0.46) > 1e-12 {
		t.Errorf("NormalizedHypervolume = %v, want 0.46", got)
	}
	// The ideal point alone scores the whole box 1.1³.
	got, err = NormalizedHypervolume([]Point{{1, 2, 3}}, Point{1, 2, 3}, Point{2, 4, 6})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-1.331) > 1e-12 {
		t.Errorf("NormalizedHypervolume of the ideal = %v, want 1.1³ = 1.331", got)
	}
	if _, err := NormalizedHypervolume(front, Point{2, 10}, Point{1, 30}); err == nil {
		t.Error("NormalizedHypervolume with nadir < ideal: no error")
	}
}

// Two policies in one experiment: each run is a point (mean latency s,
// mean device energy J). Both fronts are scored in the box spanned by all
// four runs: ideal (0.2, 0.5), nadir (0.6, 3.5). Normalised, greedy's
// front is (0, 5/6), (0.5, 1/6): 1.1·(1.1−5/6) + 0.6·(5/6−1/6) = 0.2933 +
// 0.4 = 0.6933; local's point is (1, 0): 0.1·1.1 = 0.11.
func ExampleNormalizedHypervolume() {
	greedy := []Point{{0.2, 3.0}, {0.4, 1.0}, {0.3, 3.5}} // (0.3, 3.5) is dominated
	local := []Point{{0.6, 0.5}}
	ideal, nadir, err := Bounds(greedy, local)
	if err != nil {
		panic(err)
	}
	for _, p := range []struct {
		name string
		runs []Point
	}{{"greedy", greedy}, {"local", local}} {
		front, err := NonDominated(p.runs)
		if err != nil {
			panic(err)
		}
		hv, err := NormalizedHypervolume(front, ideal, nadir)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: front %v, hypervolume %.4f\n", p.name, front, hv)
	}
	// Output:
	// greedy: front [[0.2 3] [0.4 1]], hypervolume 0.6933
	// local: front [[0.6 0.5]], hypervolume 0.1100
}

func ExampleHypervolume() {
	front := []Point{{1, 3}, {2, 2}, {3, 1}, {3, 3}} // (3,3) is dominated
	hv, err := Hypervolume(front, Point{4, 4})
	if err != nil {
		panic(err)
	}
	fmt.Println(hv)
	// Output: 6
}
