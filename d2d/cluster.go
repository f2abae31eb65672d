package d2d

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mecsim/mecsim/topology"
)

// DefaultMaxIter is the cap on Lloyd iterations when Config.MaxIter is zero.
// Well-separated groups of phones converge in a handful of iterations; the
// cap only bounds the pathological cases.
const DefaultMaxIter = 100

// Config says how many clusters to form and how hard to try.
//
// Exactly one of K and MaxRadius is set. With K, the phones are split into
// K clusters, or into as many as there are distinct positions if that is
// fewer (co-located phones are never split). With MaxRadius, k is the
// smallest number of clusters for which every cluster's radius (the
// largest distance from a member to its centroid) is at most MaxRadius;
// see KMeans for how that k is searched.
type Config struct {
	K         int     // number of clusters; 0 means choose k by MaxRadius
	MaxRadius float64 // metres; the bound on every cluster's radius when K is 0
	// MaxIter caps the Lloyd iterations of one k-means run; 0 means
	// DefaultMaxIter.
	MaxIter int
	// Restarts is the number of independent k-means++ seedings tried for
	// each k of a fresh clustering; the run kept is the one of least
	// within-cluster sum of squares (under MaxRadius, a run meeting the
	// bound is preferred first). 0 means 1. Warm-started runs of Recluster
	// start once, from the previous centroids.
	Restarts int
}

// Validate reports every setting out of range, as one error.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.K < 0:
		errs = append(errs, fmt.Errorf("d2d: cluster count K = %d, want ≥ 0", c.K))
	case c.K == 0 && !(c.MaxRadius > 0 && !math.IsInf(c.MaxRadius, 1)):
		errs = append(errs, fmt.Errorf("d2d: MaxRadius = %v m, want a positive finite radius when K is 0", c.MaxRadius))
	case c.K > 0 && c.MaxRadius != 0:
		errs = append(errs, fmt.Errorf("d2d: both K = %d and MaxRadius = %v m set; set one", c.K, c.MaxRadius))
	}
	if c.MaxIter < 0 {
		errs = append(errs, fmt.Errorf("d2d: MaxIter = %d, want ≥ 0", c.MaxIter))
	}
	if c.Restarts < 0 {
		errs = append(errs, fmt.Errorf("d2d: Restarts = %d, want ≥ 0", c.Restarts))
	}
	return errors.Join(errs...)
}

func (c Config) maxIter() int {
	if c.MaxIter == 0 {
		return DefaultMaxIter
	}
	return c.MaxIter
}

func (c Config) restarts() int { return max(c.Restarts, 1) }

// Cluster is one group of phones.
type Cluster struct {
	// ID names the cluster across re-clusterings (see Recluster). It is
	// not an index: use Clustering.Assign for that.
	ID       int
	Centroid topology.Point // mean position of the members
	Members  []int          // indices of the member points, ascending; never empty
	Radius   float64        // largest member-to-centroid distance, m
}

// Clustering is a partition of points into clusters.
type Clustering struct {
	Clusters []Cluster // in ascending order of ID
	// Assign[i] is the index in Clusters of point i's cluster.
	Assign []int
	// NextID is the id the next new cluster will get: one more than any id
	// ever given in this line of re-clusterings, so a retired id is never
	// reused.
	NextID int
	// Iterations is the number of Lloyd iterations of the run kept (under
	// MaxRadius, the run at the chosen k).
	Iterations int
}

// ClusterOf returns the cluster of point i.
func (c *Clustering) ClusterOf(i int) *Cluster { return &c.Clusters[c.Assign[i]] }

// MaxRadius returns the largest cluster radius, or 0 if there are no
// clusters.
func (c *Clustering) MaxRadius() float64 {
	r := 0.0
	for _, cl := range c.Clusters {
		r = max(r, cl.Radius)
	}
	return r
}

// KMeans partitions points into clusters by Lloyd's algorithm from
// k-means++ seeds (Arthur and Vassilvitskii 2007, "k-means++: the
// advantages of careful seeding", SODA), drawing only from rng. The same
// points, config and stream state give the same clustering. Ids are 0, 1,
// … in order of each cluster's lowest member index.
//
// Lloyd's iterations assign every point to its nearest centroid (ties to
// the lower cluster index) and move every centroid to its members' mean,
// until no assignment changes or Config.MaxIter iterations have run. A
// cluster left empty is re-seeded at the point farthest from its own
// centroid (ties to the lowest point index), the usual repair; it is
// dropped only if every point already sits on its centroid. Centroids are
// always the means of the returned members.
//
// Under Config.MaxRadius the search for k treats "every radius ≤
// MaxRadius" as monotone in k: starting from k = 1 it doubles the step
// (k = 1, 2, 4, 8, …) until a clustering meets the bound, then bisects
// between the last k that failed and the first that passed, running
// k-means at each probe; the clustering returned is the passing run at the
// smallest k probed. About 2·log2(k) runs instead of k. k-means is a local
// search and its radii are not strictly monotone in k, so a smaller k that
// the search did not probe could occasionally pass too; the result always
// meets the bound, since at k = the number of distinct positions every
// radius is 0.
//
// An empty points gives an empty clustering. A point with a NaN or infinite
// coordinate, or an invalid config, is an error. KMeans panics if rng is
// nil.
func KMeans(points []topology.Point, cfg Config, rng *rand.Rand) (Clustering, error) {
	return cluster(points, nil, cfg, rng)
}

// Recluster partitions points again after they have moved, warm-started
// from prev, the clustering of an earlier call (its points may have been
// more or fewer). It is how the clusters are re-formed at an interval.
//
// Warm start: a run with as many clusters as prev starts Lloyd's
// iterations from prev's centroids. A run with more clusters keeps prev's
// centroids and adds the rest by k-means++'s D² sampling from rng. A run
// with fewer picks which of prev's centroids to keep by the same D²
// sampling over the centroids, each weighted by the number of points now
// nearest to it. With a fixed K, that one run is the result; under
// MaxRadius, the search for k starts at prev's k, stepping down (k−1, k−2,
// k−4, …) while the bound holds or up (k+1, k+2, k+4, …) until it does,
// then bisecting, each probe warm-started as above.
//
// Ids: each new cluster is matched to an old one by distance between
// centroids, greedily: of all (old, new) pairs, the closest is matched
// first (ties by old id, then new cluster), then the closest of the pairs
// left, and so on, until one side runs out. A matched cluster keeps the old
// id; an unmatched new cluster gets prev.NextID, NextID+1, … in order of
// its lowest member index; an unmatched old id is retired for good. Phones
// that move a little keep their cluster ids; the matching uses positions
// only, so it needs no phone to keep its index.
//
// Errors and panics are those of KMeans. A prev with no clusters gives a
// fresh clustering, with ids from prev.NextID.
func Recluster(points []topology.Point, prev Clustering, cfg Config, rng *rand.Rand) (Clustering, error) {
	return cluster(points, &prev, cfg, rng)
}

// SeedPlusPlus returns k-means++ seeds for points: the first a point drawn
// uniformly, each next a point drawn with probability proportional to its
// squared distance to the nearest seed so far (D² sampling). It returns
// fewer than k seeds when the points have fewer than k distinct positions,
// for then every point already sits on a seed. It panics if rng is nil.
func SeedPlusPlus(points []topology.Point, k int, rng *rand.Rand) []topology.Point {
	if rng == nil {
		panic("d2d: nil *rand.Rand")
	}
	return seedPP(points, nil, nil, k, rng)
}

func cluster(points []topology.Point, prev *Clustering, cfg Config, rng *rand.Rand) (Clustering, error) {
	if rng == nil {
		panic("d2d: nil *rand.Rand")
	}
	if err := cfg.Validate(); err != nil {
		return Clustering{}, err
	}
	for i, p := range points {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			return Clustering{}, fmt.Errorf("d2d: point %d at (%v, %v) is not a finite position", i, p.X, p.Y)
		}
	}
	s := searcher{points: points, cfg: cfg, rng: rng, distinct: distinctCount(points)}
	nextID := 0
	if prev != nil {
		nextID = prev.NextID
		for _, c := range prev.Clusters {
			nextID = max(nextID, c.ID+1)
			s.warm = append(s.warm, c.Centroid)
		}
	}
	if len(points) == 0 {
		return Clustering{Assign: []int{}, NextID: nextID}, nil
	}
	var r run
	if cfg.K > 0 {
		r = s.at(min(cfg.K, s.distinct))
	} else {
		r = s.smallestFeasible()
	}
	return label(points, r, prev, nextID), nil
}

// searcher runs k-means at the k a search asks for.
type searcher struct {
	points   []topology.Point
	cfg      Config
	rng      *rand.Rand
	distinct int              // number of distinct positions
	warm     []topology.Point // previous centroids, or none for a fresh clustering
}

// feasible reports whether run r meets the radius bound.
func (s *searcher) feasible(r run) bool { return r.maxRadius <= s.cfg.MaxRadius }

// at returns the clustering at k (1 ≤ k ≤ distinct).
func (s *searcher) at(k int) run {
	maxIter := s.cfg.maxIter()
	if len(s.warm) == 0 {
		var best run
		for i := range s.cfg.restarts() {
			r := lloyd(s.points, seedPP(s.points, nil, nil, k, s.rng), maxIter)
			if i == 0 || s.better(r, best) {
				best = r
			}
		}
		return best
	}
	var init []topology.Point
	switch {
	case k == len(s.warm):
		init = slices.Clone(s.warm)
	case k > len(s.warm):
		init = seedPP(s.points, nil, s.warm, k, s.rng)
	default:
		// Weight each old centroid by the points now nearest to it, and
		// keep k of them by D² sampling, so the survivors spread over the
		// phones; top up from the points if too few old centroids are
		// distinct.
		w := make([]float64, len(s.warm))
		for _, p := range s.points {
			w[nearest(p, s.warm)]++
		}
		init = seedPP(s.warm, w, nil, k, s.rng)
		if len(init) < k {
			init = seedPP(s.points, nil, init, k, s.rng)
		}
	}
	return lloyd(s.points, init, maxIter)
}

// better reports whether run a beats run b: under MaxRadius a run meeting
// the bound first, then the smaller within-cluster sum of squares. Ties keep
// the earlier run.
func (s *searcher) better(a, b run) bool {
	if s.cfg.K == 0 {
		if fa, fb := s.feasible(a), s.feasible(b); fa != fb {
			return fa
		}
	}
	return a.sse < b.sse
}

// smallestFeasible searches for the smallest k whose run meets the radius
// bound (see KMeans and Recluster).
func (s *searcher) smallestFeasible() run {
	k0 := 1
	if len(s.warm) > 0 {
		k0 = min(len(s.warm), s.distinct)
	}
	lo := 0 // the largest k known to fail; 0 when none is
	hi, best := k0, s.at(k0)
	if s.feasible(best) {
		for step := 1; hi > 1; step *= 2 {
			k := max(hi-step, 1)
			r := s.at(k)
			if !s.feasible(r) {
				lo = k
				break
			}
			hi, best = k, r
		}
	} else {
		lo = k0
		for step := 1; ; step *= 2 {
			k := min(lo+step, s.distinct)
			r := s.at(k)
			if s.feasible(r) {
				hi, best = k, r
				break
			}
			lo = k // k < distinct, since every radius is 0 at k = distinct
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r := s.at(mid); s.feasible(r) {
			hi, best = mid, r
		} else {
			lo = mid
		}
	}
	return best
}

// label turns a run into a Clustering, with ids matched to prev's (see
// Recluster) or, for a fresh clustering, given in order of lowest member.
func label(points []topology.Point, r run, prev *Clustering, nextID int) Clustering {
	k := len(r.centers)
	members := make([][]int, k)
	for i, l := range r.labels {
		members[l] = append(members[l], i)
	}
	ids := make([]int, k)
	for j := range ids {
		ids[j] = -1
	}
	if prev != nil && len(prev.Clusters) > 0 {
		type pair struct {
			d        float64
			old, new int
		}
		pairs := make([]pair, 0, len(prev.Clusters)*k)
		for o, c := range prev.Clusters {
			for j, ctr := range r.centers {
				pairs = append(pairs, pair{c.Centroid.Dist(ctr), o, j})
			}
		}
		slices.SortFunc(pairs, func(a, b pair) int {
			return cmp.Or(cmp.Compare(a.d, b.d),
				cmp.Compare(prev.Clusters[a.old].ID, prev.Clusters[b.old].ID),
				cmp.Compare(a.new, b.new))
		})
		usedOld := make([]bool, len(prev.Clusters))
		matched := 0
		for _, p := range pairs {
			if matched == min(k, len(prev.Clusters)) {
				break
			}
			if usedOld[p.old] || ids[p.new] >= 0 {
				continue
			}
			usedOld[p.old] = true
			ids[p.new] = prev.Clusters[p.old].ID
			matched++
		}
	}
	// Unmatched clusters get fresh ids in order of their lowest member;
	// members[j][0] is that member, since points were appended in order.
	order := make([]int, k)
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(members[a][0], members[b][0]) })
	for _, j := range order {
		if ids[j] < 0 {
			ids[j] = nextID
			nextID++
		}
	}
	// Lay the clusters out in order of id.
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ids[a], ids[b]) })
	pos := make([]int, k) // run cluster → index in Clusters
	c := Clustering{Clusters: make([]Cluster, k), Assign: make([]int, len(points)), NextID: nextID, Iterations: r.iters}
	for idx, j := range order {
		pos[j] = idx
		rad := 0.0
		for _, i := range members[j] {
			rad = max(rad, points[i].Dist(r.centers[j]))
		}
		c.Clusters[idx] = Cluster{ID: ids[j], Centroid: r.centers[j], Members: members[j], Radius: rad}
	}
	for i, l := range r.labels {
		c.Assign[i] = pos[l]
	}
	return c
}

// distinctCount returns the number of distinct positions among points.
// The map only counts; its order never reaches a result.
func distinctCount(points []topology.Point) int {
	seen := make(map[topology.Point]struct{}, len(points))
	for _, p := range points {
		seen[p] = struct{}{}
	}
	return len(seen)
}
