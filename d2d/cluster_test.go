package d2d_test

import (
	"flag"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/topology"
)

var seedFlag = flag.Uint64("d2d.seed", 1, "seed of the randomised d2d tests; 0 picks one from the clock and logs it")

// testRand returns the generator of a randomised test. The seed comes from
// -d2d.seed and is logged, so that a failure can be replayed.
func testRand(t testing.TB) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -d2d.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0xd2d))
}

// Planted data: four Gaussian blobs of blobSize phones with standard
// deviation blobSigma in each coordinate, their centres 1 km apart, so
// that the gap between blobs is more than 30 standard deviations.
const (
	blobSize  = 50
	blobSigma = 30.0 // m
)

var blobCentres = []topology.Point{{X: 0, Y: 0}, {X: 1000, Y: 0}, {X: 0, Y: 1000}, {X: 1000, Y: 1000}}

// blobs draws blobSize points around each centre, in order of centre, and
// returns them with their planted labels.
func blobs(rng *rand.Rand, centres []topology.Point) ([]topology.Point, []int) {
	var pts []topology.Point
	var labels []int
	for l, c := range centres {
		for range blobSize {
			pts = append(pts, topology.Point{X: c.X + blobSigma*rng.NormFloat64(), Y: c.Y + blobSigma*rng.NormFloat64()})
			labels = append(labels, l)
		}
	}
	return pts, labels
}

// matchLabels checks that the clustering's assignment equals the planted
// labels (in [0, nLabels)) up to relabelling, and returns the cluster index
// of each label, or -1 for a label no point has.
func matchLabels(t *testing.T, c d2d.Clustering, labels []int, nLabels int) []int {
	t.Helper()
	if used := len(uniqInts(labels)); len(c.Clusters) != used {
		t.Fatalf("%d clusters, want %d", len(c.Clusters), used)
	}
	of := make([]int, nLabels)
	for i := range of {
		of[i] = -1
	}
	used := make([]bool, len(c.Clusters))
	for i, l := range labels {
		got := c.Assign[i]
		switch {
		case of[l] == -1 && !used[got]:
			of[l], used[got] = got, true
		case of[l] != got:
			t.Fatalf("point %d of planted blob %d is in cluster %d, but blob %d is cluster %d", i, l, got, l, of[l])
		}
	}
	return of
}

func TestKMeansRecoversPlantedBlobs(t *testing.T) {
	pts, labels := blobs(rand.New(rand.NewPCG(1, 2)), blobCentres)
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		c, err := d2d.KMeans(pts, d2d.Config{K: 4, Restarts: 3}, rand.New(rand.NewPCG(seed, 7)))
		if err != nil {
			t.Fatal(err)
		}
		of := matchLabels(t, c, labels, len(blobCentres))
		for l, centre := range blobCentres {
			cl := c.Clusters[of[l]]
			// The centroid is the blob's sample mean, which lies within 5
			// standard errors (σ/√n = 4.2 m) of the planted centre.
			if d := cl.Centroid.Dist(centre); d > 5*blobSigma/math.Sqrt(blobSize) {
				t.Errorf("seed %d: blob %d centroid %v is %.1f m from its centre %v", seed, l, cl.Centroid, d, centre)
			}
			var mean topology.Point
			for i := l * blobSize; i < (l+1)*blobSize; i++ {
				mean.X += pts[i].X / blobSize
				mean.Y += pts[i].Y / blobSize
			}
			if d := cl.Centroid.Dist(mean); d > 1e-9 {
				t.Errorf("seed %d: blob %d centroid %v differs from the blob's mean %v", seed, l, cl.Centroid, mean)
			}
		}
		// Fresh ids follow the lowest member: blob l holds points
		// l·blobSize…, so it is cluster l with id l.
		for l := range blobCentres {
			if of[l] != l || c.Clusters[l].ID != l {
				t.Errorf("seed %d: blob %d is cluster %d with id %d, want cluster and id %d", seed, l, of[l], c.Clusters[l].ID, l)
			}
		}
		if c.NextID != 4 {
			t.Errorf("seed %d: NextID = %d, want 4", seed, c.NextID)
		}
	}
}

func TestSeedPlusPlusDeterministic(t *testing.T) {
	pts, _ := blobs(rand.New(rand.NewPCG(1, 2)), blobCentres)
	a := d2d.SeedPlusPlus(pts, 4, rand.New(rand.NewPCG(10, 1)))
	b := d2d.SeedPlusPlus(pts, 4, rand.New(rand.NewPCG(10, 1)))
	c := d2d.SeedPlusPlus(pts, 4, rand.New(rand.NewPCG(11, 1)))
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different seeds:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 10 and 11 give the same seeds %v", a)
	}
	for _, s := range [][]topology.Point{a, c} {
		if len(s) != 4 {
			t.Fatalf("%d seeds, want 4", len(s))
		}
		// D² sampling all but forces one seed per blob: a second seed in
		// the same blob has probability ~ (σ/1 km)² per draw.
		blob := map[int]bool{}
		for _, p := range s {
			if !slices.Contains(pts, p) {
				t.Errorf("seed %v is not one of the points", p)
			}
			blob[int(math.Round(p.X/1000))+2*int(math.Round(p.Y/1000))] = true
		}
		if len(blob) != 4 {
			t.Errorf("seeds %v do not cover the four blobs", s)
		}
	}
	// Fewer distinct positions than k: one seed per position.
	dup := []topology.Point{{X: 1, Y: 1}, {X: 1, Y: 1}, {X: 2, Y: 2}, {X: 1, Y: 1}}
	if s := d2d.SeedPlusPlus(dup, 4, rand.New(rand.NewPCG(1, 1))); len(s) != 2 {
		t.Errorf("seeds %v of two distinct positions, want 2", s)
	}
}

func TestKMeansRadiusRule(t *testing.T) {
	pts, labels := blobs(rand.New(rand.NewPCG(1, 2)), blobCentres)
	// Line of three tight groups 100 m apart: x = 0, 1, 2 | 100, 101, 102 | 200, 201, 202.
	var line []topology.Point
	for _, x := range []float64{0, 1, 2, 100, 101, 102, 200, 201, 202} {
		line = append(line, topology.Point{X: x})
	}
	// Four positions, each held by three phones.
	var dup []topology.Point
	for range 3 {
		dup = append(dup, topology.Point{X: 0, Y: 0}, topology.Point{X: 5, Y: 0}, topology.Point{X: 0, Y: 5}, topology.Point{X: 5, Y: 5})
	}
	for _, c := range []struct {
		name   string
		pts    []topology.Point
		radius float64
		want   int
	}{
		// A blob's farthest phone is about σ·√(2 ln 50) = 84 m from its
		// centre, and two blobs together have a radius over 500 m.
		{"blobs R=150", pts, 150, 4},
		// One cluster of all four has radius ≈ 707 m + a blob's spread;
		// 2000 m covers it.
		{"blobs R=2000", pts, 2000, 1},
		// Each group has radius 1 m; two groups together at least 50 m.
		{"line R=1", line, 1, 3},
		{"line R=30", line, 30, 3},
		// All nine points: centroid 101, farthest 101 m away.
		{"line R=101", line, 101, 1},
		// Two clusters: {0..102} has radius ≈ 51 m, so 60 m allows 2.
		{"line R=60", line, 60, 2},
		// Only co-located phones may share a cluster under R = 0.5 m.
		{"duplicates R=0.5", dup, 0.5, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := d2d.KMeans(c.pts, d2d.Config{MaxRadius: c.radius, Restarts: 3}, rand.New(rand.NewPCG(3, 3)))
			if err != nil {
				t.Fatal(err)
			}
			if len(cl.Clusters) != c.want {
				t.Errorf("k = %d, want %d (radii %v)", len(cl.Clusters), c.want, radii(cl))
			}
			if r := cl.MaxRadius(); r > c.radius {
				t.Errorf("largest radius %v > bound %v", r, c.radius)
			}
		})
	}
	cl, err := d2d.KMeans(pts, d2d.Config{MaxRadius: 150}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	matchLabels(t, cl, labels, 4)
}

func radii(c d2d.Clustering) []float64 {
	var r []float64
	for _, cl := range c.Clusters {
		r = append(r, math.Round(cl.Radius))
	}
	return r
}

func TestKMeansDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	// No points.
	c, err := d2d.KMeans(nil, d2d.Config{K: 3}, rng)
	if err != nil || len(c.Clusters) != 0 || len(c.Assign) != 0 {
		t.Errorf("KMeans(nil) = %+v, %v; want an empty clustering", c, err)
	}
	// k ≥ n, with duplicates: one cluster per distinct position.
	pts := []topology.Point{{X: 0, Y: 0}, {X: 10, Y: 0}, {X: 0, Y: 0}, {X: 0, Y: 10}, {X: 10, Y: 0}}
	for _, k := range []int{3, 5, 50} {
		c, err := d2d.KMeans(pts, d2d.Config{K: k}, rng)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Clusters) != 3 || c.MaxRadius() != 0 {
			t.Errorf("K=%d: %d clusters of largest radius %v, want 3 of radius 0", k, len(c.Clusters), c.MaxRadius())
		}
		if c.Assign[0] != c.Assign[2] || c.Assign[1] != c.Assign[4] {
			t.Errorf("K=%d: co-located phones split: %v", k, c.Assign)
		}
	}
	// All at one place.
	same := []topology.Point{{X: 3, Y: 4}, {X: 3, Y: 4}, {X: 3, Y: 4}}
	c, err = d2d.KMeans(same, d2d.Config{K: 2}, rng)
	if err != nil || len(c.Clusters) != 1 || c.Clusters[0].Centroid != (topology.Point{X: 3, Y: 4}) {
		t.Errorf("three phones at one place: %+v, %v; want one cluster at (3, 4)", c, err)
	}
	// One point.
	c, err = d2d.KMeans([]topology.Point{{X: 1, Y: 2}}, d2d.Config{MaxRadius: 1}, rng)
	if err != nil || len(c.Clusters) != 1 || c.Clusters[0].Radius != 0 {
		t.Errorf("one phone: %+v, %v; want one cluster of radius 0", c, err)
	}
}

func TestKMeansMaxIter(t *testing.T) {
	pts, _ := blobs(rand.New(rand.NewPCG(1, 2)), blobCentres)
	for _, n := range []int{1, 2} {
		c, err := d2d.KMeans(pts, d2d.Config{K: 7, MaxIter: n}, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		if c.Iterations > n {
			t.Errorf("MaxIter %d: %d iterations", n, c.Iterations)
		}
		checkInvariants(t, pts, c, false)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  d2d.Config
		want string // "" for valid; else a fragment of the error
	}{
		{d2d.Config{K: 3}, ""},
		{d2d.Config{MaxRadius: 50}, ""},
		{d2d.Config{K: 3, MaxIter: 10, Restarts: 5}, ""},
		{d2d.Config{}, "MaxRadius"},
		{d2d.Config{K: -1}, "K = -1"},
		{d2d.Config{MaxRadius: -5}, "MaxRadius = -5"},
		{d2d.Config{MaxRadius: math.NaN()}, "MaxRadius = NaN"},
		{d2d.Config{MaxRadius: math.Inf(1)}, "MaxRadius = +Inf"},
		{d2d.Config{K: 2, MaxRadius: 5}, "set one"},
		{d2d.Config{K: 2, MaxIter: -1, Restarts: -2}, "Restarts = -2"},
	} {
		err := c.cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one mentioning %q", c.cfg, err, c.want)
		}
		if c.want != "" {
			if _, err := d2d.KMeans([]topology.Point{{}}, c.cfg, rand.New(rand.NewPCG(1, 1))); err == nil {
				t.Errorf("KMeans accepted %+v", c.cfg)
			}
		}
	}
	if _, err := d2d.KMeans([]topology.Point{{X: math.NaN()}}, d2d.Config{K: 1}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("KMeans accepted a NaN position")
	}
	defer func() {
		if recover() == nil {
			t.Error("KMeans with a nil *rand.Rand did not panic")
		}
	}()
	d2d.KMeans([]topology.Point{{}}, d2d.Config{K: 1}, nil)
}

// checkInvariants checks what every clustering promises: clusters in order
// of id, non-empty, members ascending and covering every point once,
// Assign agreeing, centroids the members' means, radii the largest
// distances; and, when converged, every point nearest its own centroid.
func checkInvariants(t *testing.T, pts []topology.Point, c d2d.Clustering, converged bool) {
	t.Helper()
	if len(c.Assign) != len(pts) {
		t.Fatalf("%d assignments for %d points", len(c.Assign), len(pts))
	}
	seen := make([]bool, len(pts))
	for j, cl := range c.Clusters {
		if j > 0 && cl.ID <= c.Clusters[j-1].ID {
			t.Errorf("cluster ids out of order: %d after %d", cl.ID, c.Clusters[j-1].ID)
		}
		if cl.ID >= c.NextID {
			t.Errorf("cluster id %d ≥ NextID %d", cl.ID, c.NextID)
		}
		if len(cl.Members) == 0 || !slices.IsSorted(cl.Members) {
			t.Errorf("cluster %d members %v: want non-empty and ascending", cl.ID, cl.Members)
		}
		var mean topology.Point
		rad := 0.0
		for _, i := range cl.Members {
			if seen[i] || c.Assign[i] != j {
				t.Errorf("point %d: seen %v, assigned %d, listed in cluster %d", i, seen[i], c.Assign[i], j)
			}
			seen[i] = true
			mean.X += pts[i].X
			mean.Y += pts[i].Y
		}
		mean.X /= float64(len(cl.Members))
		mean.Y /= float64(len(cl.Members))
		for _, i := range cl.Members {
			rad = max(rad, pts[i].Dist(cl.Centroid))
		}
		if d := mean.Dist(cl.Centroid); d > 1e-9*(1+math.Hypot(mean.X, mean.Y)) {
			t.Errorf("cluster %d centroid %v, members' mean %v", cl.ID, cl.Centroid, mean)
		}
		if rad != cl.Radius {
			t.Errorf("cluster %d radius %v, want %v", cl.ID, cl.Radius, rad)
		}
	}
	for i, s := range seen {
		if !s {
			t.Errorf("point %d in no cluster", i)
		}
	}
	if !converged {
		return
	}
	for i, p := range pts {
		own := p.Dist(c.ClusterOf(i).Centroid)
		for _, cl := range c.Clusters {
			if d := p.Dist(cl.Centroid); d < own-1e-9 {
				t.Errorf("point %d is %v from its centroid but %v from cluster %d's", i, own, d, cl.ID)
			}
		}
	}
}

// TestKMeansRandomised checks the invariants, the number of clusters and
// determinism on random scatters with duplicated positions.
func TestKMeansRandomised(t *testing.T) {
	rng := testRand(t)
	for trial := range 200 {
		n := rng.IntN(60)
		pts := make([]topology.Point, n)
		for i := range pts {
			if i > 0 && rng.IntN(4) == 0 {
				pts[i] = pts[rng.IntN(i)] // a co-located phone
				continue
			}
			pts[i] = topology.Point{X: math.Round(rng.Float64() * 500), Y: math.Round(rng.Float64() * 500)}
		}
		distinct := len(uniq(pts))
		var cfg d2d.Config
		if rng.IntN(2) == 0 {
			cfg.K = 1 + rng.IntN(12)
		} else {
			cfg.MaxRadius = 20 + rng.Float64()*300
		}
		seed := rng.Uint64()
		c, err := d2d.KMeans(pts, cfg, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, pts, c, c.Iterations < d2d.DefaultMaxIter)
		if cfg.K > 0 && n > 0 && len(c.Clusters) != min(cfg.K, distinct) {
			t.Errorf("trial %d: K=%d over %d distinct positions gave %d clusters", trial, cfg.K, distinct, len(c.Clusters))
		}
		if cfg.K == 0 && c.MaxRadius() > cfg.MaxRadius {
			t.Errorf("trial %d: radius %v > bound %v", trial, c.MaxRadius(), cfg.MaxRadius)
		}
		again, _ := d2d.KMeans(pts, cfg, rand.New(rand.NewPCG(seed, 1)))
		if !reflect.DeepEqual(c, again) {
			t.Errorf("trial %d: same seed, different clusterings", trial)
		}
		// Re-clustering the same points from any state keeps the invariants.
		cfg2 := cfg
		if rng.IntN(2) == 0 && cfg.K > 0 {
			cfg2.K = 1 + rng.IntN(12)
		}
		r, err := d2d.Recluster(pts, c, cfg2, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, pts, r, r.Iterations < d2d.DefaultMaxIter)
		if r.NextID < c.NextID {
			t.Errorf("trial %d: NextID went down from %d to %d", trial, c.NextID, r.NextID)
		}
	}
}

func uniqInts(xs []int) []int {
	u := slices.Clone(xs)
	slices.Sort(u)
	return slices.Compact(u)
}

func uniq(pts []topology.Point) []topology.Point {
	var u []topology.Point
	for _, p := range pts {
		if !slices.Contains(u, p) {
			u = append(u, p)
		}
	}
	return u
}

// idsOf returns the id of each planted blob's cluster, checking that each
// blob is one cluster.
func idsOf(t *testing.T, c d2d.Clustering, labels []int, nLabels int) []int {
	t.Helper()
	of := matchLabels(t, c, labels, nLabels)
	ids := make([]int, nLabels)
	for l, j := range of {
		ids[l] = -1
		if j >= 0 {
			ids[l] = c.Clusters[j].ID
		}
	}
	return ids
}

func TestReclusterKeepsIDsForSmallMoves(t *testing.T) {
	for _, cfg := range []d2d.Config{{K: 4}, {MaxRadius: 150}} {
		rng := rand.New(rand.NewPCG(5, 5))
		pts, labels := blobs(rng, blobCentres)
		// Number the phones in a scrambled order, so that the fresh ids
		// are not simply the blob numbers.
		perm := rng.Perm(len(pts))
		sp, sl := make([]topology.Point, len(pts)), make([]int, len(pts))
		for i, j := range perm {
			sp[i], sl[i] = pts[j], labels[j]
		}
		pts, labels = sp, sl
		c, err := d2d.KMeans(pts, cfg, rand.New(rand.NewPCG(6, 6)))
		if err != nil {
			t.Fatal(err)
		}
		want := idsOf(t, c, labels, 4)
		// Fifty steps of a random walk of up to 5 m in each coordinate:
		// each blob drifts a few tens of metres in all.
		for step := range 50 {
			for i := range pts {
				pts[i].X += 10 * (rng.Float64() - 0.5)
				pts[i].Y += 10 * (rng.Float64() - 0.5)
			}
			c, err = d2d.Recluster(pts, c, cfg, rand.New(rand.NewPCG(7, uint64(step))))
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(t, c, labels, 4); !slices.Equal(got, want) {
				t.Fatalf("%+v step %d: blob ids %v, want %v", cfg, step, got, want)
			}
			if c.NextID != 4 {
				t.Fatalf("%+v step %d: NextID %d, want 4", cfg, step, c.NextID)
			}
		}
	}
}

func TestReclusterClustersComeAndGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	cfg := d2d.Config{MaxRadius: 150}
	pts, labels := blobs(rng, blobCentres)
	c, err := d2d.KMeans(pts, cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(t, c, labels, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("fresh ids %v, want 0 1 2 3", got)
	}

	// A fifth group arrives at (2000, 500): it gets the next id, the others
	// keep theirs.
	more, moreLabels := blobs(rng, []topology.Point{{X: 2000, Y: 500}})
	pts = append(pts, more...)
	for range moreLabels {
		labels = append(labels, 4)
	}
	c, err = d2d.Recluster(pts, c, cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(t, c, labels, 5); !slices.Equal(got, []int{0, 1, 2, 3, 4}) || c.NextID != 5 {
		t.Fatalf("after a group arrives: ids %v, NextID %d; want 0 1 2 3 4, 5", got, c.NextID)
	}

	// Group 1 (around (1000, 0)) walks over to group 3 (1000, 1000): its id
	// retires, and nobody else's changes.
	for i := range pts {
		if labels[i] == 1 {
			pts[i].Y += 1000
			labels[i] = 3
		}
	}
	c, err = d2d.Recluster(pts, c, cfg, rand.New(rand.NewPCG(1, 3)))
	if err != nil {
		t.Fatal(err)
	}
	// The merged cluster's centroid is next to group 3's old one, so it
	// keeps id 3.
	if got := idsOf(t, c, labels, 5); !slices.Equal(got, []int{0, -1, 2, 3, 4}) {
		t.Fatalf("after a merge: ids by group %v, want 0 - 2 3 4", got)
	}
	if c.NextID != 5 {
		t.Fatalf("after a merge: NextID %d, want 5", c.NextID)
	}

	// They split up again: the group that comes back gets a new id, 5 —
	// a retired id is never reused.
	for i := range pts {
		if i >= blobSize && i < 2*blobSize {
			pts[i].Y -= 1000
			labels[i] = 1
		}
	}
	c, err = d2d.Recluster(pts, c, cfg, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	got := idsOf(t, c, labels, 5)
	if len(c.Clusters) != 5 || c.NextID != 6 || !slices.Contains(got, 5) || got[0] != 0 || got[2] != 2 || got[4] != 4 {
		t.Fatalf("after the split: ids by group %v, NextID %d; want a new id 5 and NextID 6", got, c.NextID)
	}
}

func TestReclusterFixedKDegenerate(t *testing.T) {
	pts, _ := blobs(rand.New(rand.NewPCG(1, 2)), blobCentres)
	c, err := d2d.KMeans(pts, d2d.Config{K: 4}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// Everybody gathers at one spot near blob 3's centre: one cluster, which
	// keeps the id of the nearest old centroid (blob 3's, id 3).
	gathered := make([]topology.Point, len(pts))
	for i := range gathered {
		gathered[i] = topology.Point{X: 990, Y: 990}
	}
	g, err := d2d.Recluster(gathered, c, d2d.Config{K: 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Clusters) != 1 || g.Clusters[0].ID != 3 || g.NextID != 4 {
		t.Fatalf("gathered: %d clusters, first id %d, NextID %d; want 1, 3, 4", len(g.Clusters), g.Clusters[0].ID, g.NextID)
	}
	// They scatter back: K = 4 again; the cluster at blob 3 keeps id 3 and
	// the others are new.
	s, err := d2d.Recluster(pts, g, d2d.Config{K: 4}, rand.New(rand.NewPCG(1, 3)))
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, pts, s, true)
	var ids []int
	for _, cl := range s.Clusters {
		ids = append(ids, cl.ID)
	}
	if !slices.Equal(ids, []int{3, 4, 5, 6}) || s.ClusterOf(3*blobSize).ID != 3 || s.NextID != 7 {
		t.Fatalf("scattered: ids %v, blob 3's %d, NextID %d; want 3 4 5 6, 3, 7", ids, s.ClusterOf(3*blobSize).ID, s.NextID)
	}
	// An empty previous clustering starts afresh, numbering from NextID.
	f, err := d2d.Recluster(pts, d2d.Clustering{NextID: 10}, d2d.Config{K: 2}, rand.New(rand.NewPCG(1, 4)))
	if err != nil || f.Clusters[0].ID != 10 || f.Clusters[1].ID != 11 || f.NextID != 12 {
		t.Fatalf("from empty: %v, ids %d %d, NextID %d", err, f.Clusters[0].ID, f.Clusters[1].ID, f.NextID)
	}
	// Nobody left: no clusters, ids retired.
	e, err := d2d.Recluster(nil, s, d2d.Config{K: 4}, rand.New(rand.NewPCG(1, 5)))
	if err != nil || len(e.Clusters) != 0 || e.NextID != 7 {
		t.Fatalf("nobody left: %+v, %v", e, err)
	}
}
