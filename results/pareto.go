package results

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// A Point is one evaluated configuration in objective space: every
// coordinate is an objective to minimise, in a fixed order shared by all
// points compared together — for mecsim (mean latency s, mean device
// energy J) or (mean latency s, mean device energy J, deadline-miss rate).
type Point []float64

// RefCoordinate is every coordinate of the reference point of a
// normalised hypervolume; see NormalizedHypervolume.
const RefCoordinate = 1.1

// dominatesWeakly reports whether p ≤ q in every objective. Both points
// have the same dimension.
func dominatesWeakly(p, q Point) bool {
	for i := range p {
		if p[i] > q[i] {
			return false
		}
	}
	return true
}

// compareLex orders points by their first objective, ties by the next.
func compareLex(p, q Point) int {
	for i := range p {
		if c := cmp.Compare(p[i], q[i]); c != 0 {
			return c
		}
	}
	return 0
}

// checkDim returns the common dimension of points, or an error when they
// differ, when a point has none, or when a coordinate is NaN.
func checkDim(points []Point) (int, error) {
	if len(points) == 0 {
		return 0, nil
	}
	d := len(points[0])
	for i, p := range points {
		if len(p) != d {
			return 0, fmt.Errorf("results: point %d has %d objectives, point 0 has %d", i, len(p), d)
		}
		if len(p) == 0 {
			return 0, fmt.Errorf("results: point %d has no objectives", i)
		}
		for j, x := range p {
			if math.IsNaN(x) {
				return 0, fmt.Errorf("results: point %d objective %d is NaN", i, j)
			}
		}
	}
	return d, nil
}

// ParetoIndices returns the indices into points of the non-dominated
// points, for minimisation: q dominates p when q ≤ p in every objective
// and q < p in at least one. Points equal in every objective do not
// dominate each other; such a group appears once, by the index of its
// first occurrence. The indices are ordered by their points' first
// objective, ties by the next and so on (then by index), so the result
// does not depend on the order of equal points. ±Inf coordinates are
// ordered as usual; it is an error for the points to differ in
// dimension, to have no objectives, or to hold a NaN. An empty input
// gives an empty result.
func ParetoIndices(points []Point) ([]int, error) {
	if _, err := checkDim(points); err != nil {
		return nil, err
	}
	order := make([]int, len(points))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareLex(points[a], points[b]) })
	// In lexicographic order a point can be weakly dominated only by one
	// before it, and then (by transitivity) by one already kept.
	front := []int{}
	for _, i := range order {
		if !slices.ContainsFunc(front, func(k int) bool { return dominatesWeakly(points[k], points[i]) }) {
			front = append(front, i)
		}
	}
	return front, nil
}

// NonDominated returns the non-dominated points of points (see
// ParetoIndices for the order, duplicates and errors), as copies the
// caller may modify.
func NonDominated(points []Point) ([]Point, error) {
	idx, err := ParetoIndices(points)
	if err != nil {
		return nil, err
	}
	front := make([]Point, len(idx))
	for j, i := range idx {
		front[j] = slices.Clone(points[i])
	}
	return front, nil
}

// Hypervolume returns the volume of the region dominated by front and
// bounded by ref: the union over points p of the boxes [p, ref). It is
// exact up to floating-point rounding, for 2 objectives (a sort and a
// sweep, O(n log n)) and 3 objectives (slices along the third objective,
// each a 2-D hypervolume, O(n² log n)). A point contributes only if it is
// strictly less than ref in every objective; dominated and duplicate
// points change nothing, and front need not be filtered first.
//
// It is an error for ref to have other than 2 or 3 objectives, for a
// point's dimension to differ from ref's, for ref to have a non-finite
// coordinate, or for a point to have a NaN or −Inf coordinate (+Inf is
// beyond any reference and contributes nothing). An empty front has
// hypervolume 0.
func Hypervolume(front []Point, ref Point) (float64, error) {
	d := len(ref)
	if d != 2 && d != 3 {
		return 0, fmt.Errorf("results: hypervolume needs 2 or 3 objectives, the reference point has %d", d)
	}
	for j, r := range ref {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return 0, fmt.Errorf("results: reference point objective %d is %v", j, r)
		}
	}
	if _, err := checkDim(front); err != nil {
		return 0, err
	}
	var in []Point
	for i, p := range front {
		if len(p) != d {
			return 0, fmt.Errorf("results: point %d has %d objectives, the reference point has %d", i, len(p), d)
		}
		for j, x := range p {
			if math.IsInf(x, -1) {
				return 0, fmt.Errorf("results: point %d objective %d is -Inf", i, j)
			}
		}
		if beats(p, ref) {
			in = append(in, p)
		}
	}
	if d == 2 {
		return hv2(in, ref[0], ref[1]), nil
	}
	return hv3(in, ref), nil
}

// beats reports whether p < ref in every objective.
func beats(p, ref Point) bool {
	for i := range p {
		if !(p[i] < ref[i]) {
			return false
		}
	}
	return true
}

// hv2 is the area dominated by the points (objectives 0 and 1 only, all
// strictly inside the reference rx, ry). Sweeping in increasing first
// objective, a point adds the strip between its second objective and the
// lowest second objective seen so far, across to rx.
func hv2(points []Point, rx, ry float64) float64 {
	ps := slices.Clone(points)
	slices.SortFunc(ps, func(p, q Point) int {
		return cmp.Or(cmp.Compare(p[0], q[0]), cmp.Compare(p[1], q[1]))
	})
	area, low := 0.0, ry
	for _, p := range ps {
		if p[1] < low {
			area += (rx - p[0]) * (low - p[1])
			low = p[1]
		}
	}
	return area
}

// hv3 is the volume dominated by the points, all strictly inside ref.
// Between consecutive distinct third objectives z_k < z_{k+1} (the last
// slab ending at ref[2]) the cross-section is the 2-D hypervolume of the
// points with third objective ≤ z_k.
func hv3(points []Point, ref Point) float64 {
	ps := slices.Clone(points)
	slices.SortFunc(ps, func(p, q Point) int { return cmp.Compare(p[2], q[2]) })
	vol := 0.0
	for k := 0; k < len(ps); {
		z := ps[k][2]
		for k < len(ps) && ps[k][2] == z {
			k++
		}
		next := ref[2]
		if k < len(ps) {
			next = ps[k][2]
		}
		vol += hv2(ps[:k], ref[0], ref[1]) * (next - z)
	}
	return vol
}

// Bounds returns the ideal (the least value of each objective) and the
// nadir (the greatest) over every point of every set, for Normalize. It is
// an error for the sets to hold no point, for points to differ in
// dimension, or for a coordinate to be NaN or infinite.
func Bounds(sets ...[]Point) (ideal, nadir Point, err error) {
	var all []Point
	for _, s := range sets {
		all = append(all, s...)
	}
	if len(all) == 0 {
		return nil, nil, errors.New("results: bounds of no points")
	}
	if _, err := checkDim(all); err != nil {
		return nil, nil, err
	}
	ideal, nadir = slices.Clone(all[0]), slices.Clone(all[0])
	for i, p := range all {
		for j, x := range p {
			if math.IsInf(x, 0) {
				return nil, nil, fmt.Errorf("results: point %d objective %d is %v", i, j, x)
			}
			ideal[j] = min(ideal[j], x)
			nadir[j] = max(nadir[j], x)
		}
	}
	return ideal, nadir, nil
}

// Normalize maps each objective x of each point to (x − ideal)/(nadir −
// ideal), so that points between ideal and nadir land in [0, 1]; points
// outside are not clamped. An objective whose nadir equals its ideal maps
// to 0 (every point is as good as the ideal there). It is an error for the
// dimensions to differ, for ideal or nadir to be non-finite, for a nadir
// coordinate to be less than the ideal's, or for a point to hold a NaN.
// The result is new; points are not modified.
func Normalize(points []Point, ideal, nadir Point) ([]Point, error) {
	if len(ideal) != len(nadir) || len(ideal) == 0 {
		return nil, fmt.Errorf("results: ideal has %d objectives, nadir %d", len(ideal), len(nadir))
	}
	for j := range ideal {
		lo, hi := ideal[j], nadir[j]
		if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) || hi < lo {
			return nil, fmt.Errorf("results: objective %d has ideal %v and nadir %v; want finite, ideal ≤ nadir", j, lo, hi)
		}
	}
	if _, err := checkDim(points); err != nil {
		return nil, err
	}
	out := make([]Point, len(points))
	for i, p := range points {
		if len(p) != len(ideal) {
			return nil, fmt.Errorf("results: point %d has %d objectives, ideal has %d", i, len(p), len(ideal))
		}
		q := make(Point, len(p))
		for j, x := range p {
			if span := nadir[j] - ideal[j]; span > 0 {
				q[j] = (x - ideal[j]) / span
			}
		}
		out[i] = q
	}
	return out, nil
}

// NormalizedHypervolume is mecsim's comparable score of a front: the
// Hypervolume of Normalize(front, ideal, nadir) with the reference point
// (1.1, 1.1[, 1.1]) — every coordinate RefCoordinate.
//
// The convention: ideal and nadir are Bounds over every point of every
// policy evaluated in one experiment (all runs, dominated ones included),
// so every policy's front is scored in the same unit cube; the 10% margin
// beyond the nadir lets the extreme points of a front, which lie on the
// nadir in one objective, still add volume. A score therefore lies in
// [0, 1.1^d] whatever the units or scale of the objectives, and policies
// compared in one experiment are ranked on one scale. Scores from
// different experiments are comparable as fractions of their own
// experiment's box, not as absolute latencies and energies.
func NormalizedHypervolume(front []Point, ideal, nadir Point) (float64, error) {
	norm, err := Normalize(front, ideal, nadir)
	if err != nil {
		return 0, err
	}
	ref := make(Point, len(ideal))
	for j := range ref {
		ref[j] = RefCoordinate
	}
	return Hypervolume(norm, ref)
}
