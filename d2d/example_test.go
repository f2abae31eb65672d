package d2d_test

import (
	"fmt"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
)

// Phones in three groups are clustered under a 50 m radius bound; k is
// found by the search, and each cluster gets a head.
func ExampleKMeans() {
	pts := []topology.Point{
		{X: 0, Y: 0}, {X: 20, Y: 5}, {X: 10, Y: 25}, // a café
		{X: 400, Y: 0}, {X: 420, Y: 10}, // a bus stop
		{X: 200, Y: 300}, {X: 210, Y: 290}, {X: 190, Y: 310}, {X: 205, Y: 305}, // a lecture hall
	}
	rng := sim.NewStreams(42).Rand("d2d/clusters")
	c, err := d2d.KMeans(pts, d2d.Config{MaxRadius: 50}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	phones := make([]d2d.Phone, len(pts))
	for i := range phones {
		phones[i] = d2d.Phone{ID: i, Pos: pts[i], State: d2d.State{Battery: 0.1 * float64(i+1)}, Capability: 1}
	}
	heads, _ := d2d.Heads(c, phones, d2d.DefaultHeadWeights())
	for j, cl := range c.Clusters {
		fmt.Printf("cluster %d: members %v, centroid (%.0f, %.0f), radius %.1f m, head %d\n",
			cl.ID, cl.Members, cl.Centroid.X, cl.Centroid.Y, cl.Radius, heads[j])
	}
	// Output:
	// cluster 0: members [0 1 2], centroid (10, 10), radius 15.0 m, head 2
	// cluster 1: members [3 4], centroid (410, 5), radius 11.2 m, head 4
	// cluster 2: members [5 6 7 8], centroid (201, 301), radius 14.3 m, head 8
}

// As phones move, Recluster keeps each group's cluster id.
func ExampleRecluster() {
	pts := []topology.Point{{X: 0}, {X: 10}, {X: 1000}, {X: 1010}}
	cfg := d2d.Config{K: 2}
	streams := sim.NewStreams(1)
	c, _ := d2d.KMeans(pts, cfg, streams.Rand("d2d/clusters/0"))
	fmt.Println("before:", c.ClusterOf(0).ID, c.ClusterOf(2).ID)

	for i := range pts {
		pts[i].X += 30 // everybody walks 30 m east
	}
	c, _ = d2d.Recluster(pts, c, cfg, streams.Rand("d2d/clusters/1"))
	fmt.Println("after: ", c.ClusterOf(0).ID, c.ClusterOf(2).ID)
	// Output:
	// before: 0 1
	// after:  0 1
}

// The rate of the presets at a few distances: Wi-Fi Direct is faster near
// by, sidelink reaches farther.
func ExampleLink_Rate() {
	for _, name := range []string{"wifi-direct-5g-20", "wifi-direct-5g-80", "nr-sidelink-20"} {
		l, err := d2d.Preset(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-18s", name)
		for _, d := range []float64{10, 50, 100, 150, 300} {
			fmt.Printf(" %6.1f", l.Rate(d)/1e6)
		}
		fmt.Println(" Mbit/s")
	}
	// Output:
	// wifi-direct-5g-20    78.0   78.0   37.5   16.8    0.0 Mbit/s
	// wifi-direct-5g-80   390.0  211.8   58.4    0.0    0.0 Mbit/s
	// nr-sidelink-20      148.1  108.0   52.4   26.8    5.0 Mbit/s
}

// A requester lists its cluster's peers as offloading targets and a
// greedy baseline takes the fastest usable one.
func ExampleCandidates() {
	link, _ := d2d.Preset("wifi-direct-5g-20")
	me := d2d.Phone{ID: 1, Pos: topology.Point{X: 0, Y: 0}, State: d2d.State{Battery: 0.3}}
	cluster := []d2d.Phone{
		me,
		{ID: 2, Pos: topology.Point{X: 30, Y: 40}, State: d2d.State{Battery: 0.8}, ComputeTime: 0.40},
		{ID: 3, Pos: topology.Point{X: 5, Y: 0}, State: d2d.State{Battery: 0.1}, ComputeTime: 0.05},
		{ID: 4, Pos: topology.Point{X: 150, Y: 0}, State: d2d.State{Battery: 0.9, QueueLen: 1, QueueWork: 0.3}, ComputeTime: 0.05},
	}
	// A 224×224 RGB image up, 1000 float32 logits back.
	req := d2d.Request{InputBytes: 150528, OutputBytes: 4000}
	cands, err := d2d.Candidates(link, d2d.DefaultAcceptRule(), me, cluster, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cands {
		fmt.Printf("phone %d: %3.0f m, %5.1f Mbit/s, latency %.3f s, sender %.4f J, %s\n",
			c.ID, c.Distance, c.Rate/1e6, c.Latency(), c.RequesterEnergy, c.Reason)
	}
	if i := d2d.Fastest(cands); i >= 0 {
		fmt.Println("greedy pick: phone", cands[i].ID)
	}
	// Output:
	// phone 2:  50 m,  78.0 Mbit/s, latency 0.416 s, sender 0.0157 J, accepted
	// phone 3:   5 m,  78.0 Mbit/s, latency 0.066 s, sender 0.0157 J, battery
	// phone 4: 150 m,  16.8 Mbit/s, latency 0.424 s, sender 0.0729 J, accepted
	// greedy pick: phone 2
}
