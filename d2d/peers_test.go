package d2d_test

import (
	"math"
	"testing"

	"github.com/mecsim/mecsim/d2d"
	"github.com/mecsim/mecsim/topology"
)

func TestCandidates(t *testing.T) {
	requester := d2d.Phone{ID: 5, Pos: topology.Point{}, State: d2d.State{Battery: 0.5}}
	members := []d2d.Phone{
		{ID: 9, Pos: topology.Point{X: 100}, State: d2d.State{Battery: 0.9}, ComputeTime: 0.5},
		{ID: 2, Pos: topology.Point{X: 300}, State: d2d.State{Battery: 0.8}, ComputeTime: 0.1},
		requester,
		{ID: 7, Pos: topology.Point{Y: 10}, State: d2d.State{Battery: 0.1}, ComputeTime: 0.1},
		{ID: 3, Pos: topology.Point{X: 10}, State: d2d.State{Battery: 0.9, QueueLen: 3, QueueWork: 2}, ComputeTime: 0.1},
		{ID: 4, Pos: topology.Point{Y: -10}, State: d2d.State{Battery: 1}, ComputeTime: 1},
	}
	req := d2d.Request{InputBytes: 1e6, OutputBytes: 4000}
	cands, err := d2d.Candidates(handLink, d2d.DefaultAcceptRule(), requester, members, req)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		id       int
		inRange  bool
		accept   bool
		reason   d2d.Reason
		distance float64
	}
	wants := []want{
		{2, false, true, d2d.Accepted, 300},
		{3, true, false, d2d.RefusedQueueLen, 10},
		{4, true, true, d2d.Accepted, 10},
		{7, true, false, d2d.RefusedBattery, 10},
		{9, true, true, d2d.Accepted, 100},
	}
	if len(cands) != len(wants) {
		t.Fatalf("%d candidates, want %d: %+v", len(cands), len(wants), cands)
	}
	for i, w := range wants {
		c := cands[i]
		if c.ID != w.id || c.InRange != w.inRange || c.Accept != w.accept || c.Reason != w.reason || c.Distance != w.distance {
			t.Errorf("candidate %d = %+v, want %+v", i, c, w)
		}
		if c.Usable() != (w.inRange && w.accept) {
			t.Errorf("candidate %d: Usable = %v", c.ID, c.Usable())
		}
	}
	// Out of range: no rate, no finite time, no energy.
	if c := cands[0]; c.Rate != 0 || !math.IsInf(c.SendTime, 1) || !math.IsInf(c.Latency(), 1) || c.RequesterEnergy != 0 {
		t.Errorf("out of range: %+v", c)
	}
	// Phone 9 at 100 m: 37.468291 Mbit/s (TestLinkRateByHand). Input 8e6
	// bits take 0.213514 s, output 32e3 bits 0.000854 s. The requester
	// sends at 1.0 W and receives at 0.6 W; the peer the other way round.
	c := cands[4]
	const rate = 37468290.66317194
	up, down := 8e6/rate, 32e3/rate
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"rate", c.Rate, rate},
		{"send time", c.SendTime, up},
		{"return time", c.ReturnTime, down},
		{"latency", c.Latency(), up + 0.5 + down},
		{"requester energy", c.RequesterEnergy, 1.0*up + 0.6*down},
		{"peer radio energy", c.PeerRadioEnergy, 0.6*up + 1.0*down},
	} {
		if !near(f.got, f.want, relTol) {
			t.Errorf("phone 9 %s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if c := cands[1]; c.Wait != 2 {
		t.Errorf("phone 3 wait %v, want its queued work 2 s", c.Wait)
	}
	// Greedy: phone 4 (10 m, 1 s of compute: 1.103 s) loses to phone 9
	// (100 m, 0.5 s: 0.714 s).
	if i := d2d.Fastest(cands); i != 4 {
		t.Errorf("Fastest = %d, want 4 (phone 9)", i)
	}
	if i := d2d.Fastest(cands[:4]); i != 2 {
		t.Errorf("Fastest without phone 9 = %d, want 2 (phone 4)", i)
	}
	if i := d2d.Fastest(nil); i != -1 {
		t.Errorf("Fastest(nil) = %d, want -1", i)
	}

	// The order is by id whatever the input order.
	rev := make([]d2d.Phone, len(members))
	for i, m := range members {
		rev[len(members)-1-i] = m
	}
	again, err := d2d.Candidates(handLink, d2d.DefaultAcceptRule(), requester, rev, req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cands {
		if again[i] != cands[i] {
			t.Errorf("reversed input: candidate %d = %+v, want %+v", i, again[i], cands[i])
		}
	}
}

func TestCandidatesErrors(t *testing.T) {
	requester := d2d.Phone{ID: 1}
	ok := []d2d.Phone{{ID: 2, State: d2d.State{Battery: 1}}}
	badLink := handLink
	badLink.BandwidthHz = 0
	for _, c := range []struct {
		name    string
		link    d2d.Link
		rule    d2d.AcceptRule
		members []d2d.Phone
		req     d2d.Request
	}{
		{"bad link", badLink, d2d.AcceptRule{}, ok, d2d.Request{}},
		{"bad rule", handLink, d2d.AcceptRule{MinBattery: 2}, ok, d2d.Request{}},
		{"negative bytes", handLink, d2d.AcceptRule{}, ok, d2d.Request{InputBytes: -1}},
		{"infinite bytes", handLink, d2d.AcceptRule{}, ok, d2d.Request{OutputBytes: math.Inf(1)}},
		{"NaN compute", handLink, d2d.AcceptRule{}, []d2d.Phone{{ID: 2, ComputeTime: math.NaN()}}, d2d.Request{}},
		{"duplicate id", handLink, d2d.AcceptRule{}, []d2d.Phone{{ID: 2}, {ID: 3}, {ID: 2}}, d2d.Request{}},
	} {
		if _, err := d2d.Candidates(c.link, c.rule, requester, c.members, c.req); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
