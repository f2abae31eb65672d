package d2d_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/topology"
)

// scatter returns n phones spread uniformly over a side×side square.
func scatter(n int, side float64, rng *rand.Rand) []topology.Point {
	pts := make([]topology.Point, n)
	for i := range pts {
		pts[i] = topology.Point{X: side * rng.Float64(), Y: side * rng.Float64()}
	}
	return pts
}

// The world's scale: 1,000 phones over 2 km × 2 km, clusters of radius at
// most 200 m (a Wi-Fi Direct range).
func BenchmarkKMeansRadius1000(b *testing.B) {
	pts := scatter(1000, 2000, rand.New(rand.NewPCG(1, 1)))
	cfg := d2d.Config{MaxRadius: 200}
	b.ReportAllocs()
	var k int
	for i := 0; b.Loop(); i++ {
		c, err := d2d.KMeans(pts, cfg, rand.New(rand.NewPCG(uint64(i), 2)))
		if err != nil {
			b.Fatal(err)
		}
		k = len(c.Clusters)
	}
	b.ReportMetric(float64(k), "clusters")
}

// Re-clustering after every phone has moved up to 10 m, as at each
// re-clustering interval.
func BenchmarkReclusterRadius1000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := scatter(1000, 2000, rng)
	cfg := d2d.Config{MaxRadius: 200}
	c, err := d2d.KMeans(pts, cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range pts {
			pts[i].X += 20 * (rng.Float64() - 0.5)
			pts[i].Y += 20 * (rng.Float64() - 0.5)
		}
		if c, err = d2d.Recluster(pts, c, cfg, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(c.Clusters)), "clusters")
}

func BenchmarkReclusterFixedK1000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := scatter(1000, 2000, rng)
	cfg := d2d.Config{K: 50}
	c, err := d2d.KMeans(pts, cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range pts {
			pts[i].X += 20 * (rng.Float64() - 0.5)
			pts[i].Y += 20 * (rng.Float64() - 0.5)
		}
		if c, err = d2d.Recluster(pts, c, cfg, rng); err != nil {
			b.Fatal(err)
		}
	}
}
