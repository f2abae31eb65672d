package d2d

import (
	"math/rand/v2"

	"github.com/mecsim/mecsim/topology"
)

// run is the outcome of one k-means run.
type run struct {
	centers   []topology.Point // means of their members; no cluster is empty
	labels    []int            // cluster of each point
	iters     int              // Lloyd iterations
	sse       float64          // within-cluster sum of squared distances, m²
	maxRadius float64          // largest member-to-centroid distance, m
}

// sqDist is the squared distance between p and q. The conversions round
// each product, so no platform fuses them into a multiply-add and the
// clusters are the same on every architecture.
func sqDist(p, q topology.Point) float64 {
	dx, dy := p.X-q.X, p.Y-q.Y
	return float64(dx*dx) + float64(dy*dy)
}

// nearest returns the index of the center nearest p, ties to the lowest.
func nearest(p topology.Point, centers []topology.Point) int {
	best, bestD := 0, sqDist(p, centers[0])
	for j := 1; j < len(centers); j++ {
		if d := sqDist(p, centers[j]); d < bestD {
			best, bestD = j, d
		}
	}
	return best
}

// seedPP extends init to k centers chosen from cands by k-means++'s D²
// sampling: each next center is cands[i] with probability proportional to
// w[i]·D(i)², where D(i) is the distance from cands[i] to the nearest
// center so far and w is nil for equal weights. With no init, the first
// center is cands[i] with probability proportional to w[i]. It stops early
// when every candidate of positive weight sits on a center.
func seedPP(cands []topology.Point, w []float64, init []topology.Point, k int, rng *rand.Rand) []topology.Point {
	centers := append(make([]topology.Point, 0, max(k, len(init))), init...)
	if len(cands) == 0 || len(centers) >= k {
		return centers
	}
	weight := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	if len(centers) == 0 {
		total := 0.0
		for i := range cands {
			if wi := weight(i); wi > 0 {
				total += wi
			}
		}
		if total == 0 {
			return centers
		}
		centers = append(centers, cands[sample(len(cands), func(i int) float64 { return weight(i) }, total, rng)])
	}
	d2 := make([]float64, len(cands))
	for i, p := range cands {
		d2[i] = sqDist(p, centers[nearest(p, centers)])
	}
	mass := func(i int) float64 { return weight(i) * d2[i] }
	for len(centers) < k {
		total := 0.0
		for i := range cands {
			if m := mass(i); m > 0 {
				total += m
			}
		}
		if total == 0 {
			break
		}
		c := cands[sample(len(cands), mass, total, rng)]
		centers = append(centers, c)
		for i, p := range cands {
			d2[i] = min(d2[i], sqDist(p, c))
		}
	}
	return centers
}

// sample draws an index in [0, n) with probability proportional to
// mass(i), where total is the sum of the positive masses in index order.
// Rounding can leave the draw at or past the last cumulative sum; then the
// last index of positive mass is taken.
func sample(n int, mass func(int) float64, total float64, rng *rand.Rand) int {
	u := rng.Float64() * total
	cum, last := 0.0, -1
	for i := range n {
		m := mass(i)
		if !(m > 0) {
			continue
		}
		cum += m
		last = i
		if u < cum {
			return i
		}
	}
	return last
}

// lloyd runs Lloyd's iterations from init (see KMeans) for at most maxIter
// iterations.
func lloyd(points, init []topology.Point, maxIter int) run {
	centers := append([]topology.Point(nil), init...)
	labels := make([]int, len(points))
	for i, p := range points {
		labels[i] = nearest(p, centers)
	}
	iters := 0
	for {
		centers = update(points, centers, labels)
		if iters == maxIter {
			break
		}
		iters++
		changed := false
		for i, p := range points {
			if l := nearest(p, centers); l != labels[i] {
				labels[i] = l
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	r := run{centers: centers, labels: labels, iters: iters}
	for i, p := range points {
		d := sqDist(p, centers[labels[i]])
		r.sse += d
		r.maxRadius = max(r.maxRadius, p.Dist(centers[labels[i]]))
	}
	return r
}

// update moves each center to the mean of its members and repairs empty
// clusters: the lowest-numbered empty cluster takes the point farthest from
// its own cluster's mean (ties to the lowest point index), or is dropped if
// every point sits on its mean; the means are recomputed and the next empty
// cluster repaired, until none is empty. labels is updated in place (a
// dropped cluster's successors move down one); the returned centers are
// the means of the members.
func update(points, centers []topology.Point, labels []int) []topology.Point {
	for {
		k := len(centers)
		sum := make([]topology.Point, k)
		count := make([]int, k)
		for i, p := range points {
			l := labels[i]
			sum[l].X += p.X
			sum[l].Y += p.Y
			count[l]++
		}
		empty := -1
		for j := range k {
			if count[j] == 0 {
				if empty < 0 {
					empty = j
				}
				continue
			}
			n := float64(count[j])
			centers[j] = topology.Point{X: sum[j].X / n, Y: sum[j].Y / n}
		}
		if empty < 0 {
			return centers
		}
		far, farD := -1, 0.0
		for i, p := range points {
			if labels[i] == empty {
				continue
			}
			if d := sqDist(p, centers[labels[i]]); d > farD {
				far, farD = i, d
			}
		}
		if far >= 0 {
			labels[far] = empty
			centers[empty] = points[far]
			continue
		}
		centers = append(centers[:empty], centers[empty+1:]...)
		for i, l := range labels {
			if l > empty {
				labels[i] = l - 1
			}
		}
	}
}
