package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestStreamsGolden pins the first draws of a few labels. The values are
// golden: they were computed once from the derivation in rand.go and pasted
// here. If this test fails, the derivation of streams from (seed, label)
// has changed and every published result stops being reproducible from its
// seed. Do not update the values unless that break is intended, announced,
// and recorded in the changelog.
func TestStreamsGolden(t *testing.T) {
	for _, tc := range []struct {
		seed  uint64
		label string
		want  [3]uint64
	}{
		{1, "workload/phone-0/arrivals", [3]uint64{0xdc33625117fa2a6e, 0xf3adddeaa3ec9475, 0xfa523a27df8d5f55}},
		{1, "workload/phone-17/arrivals", [3]uint64{0x75d90de077cf21d3, 0xb1dbdfe5806c82b5, 0xb38c3dec8d83ec9f}},
		{1, "policy/random", [3]uint64{0x0501515d0d33d653, 0xd1a294e572b9a84b, 0x001c88b56cfc5d42}},
		{42, "workload/phone-0/arrivals", [3]uint64{0x57e54d86d4c9c783, 0x64d8b8106ce52c9d, 0xe1e4b264392d311a}},
		{42, "workload/phone-17/arrivals", [3]uint64{0xa01c2376febd1423, 0xfcdc5086b3169062, 0xb271eb43792247c1}},
		{42, "policy/random", [3]uint64{0x8f66ac9023d4b457, 0x86f94d46aa8fc7bb, 0xbe496187f5b35631}},
	} {
		src := NewStreams(tc.seed).Source(tc.label)
		got := [3]uint64{src.Uint64(), src.Uint64(), src.Uint64()}
		if got != tc.want {
			t.Errorf("seed %d, %q: first draws %#016x, golden %#016x", tc.seed, tc.label, got, tc.want)
		}
	}
}

// TestDeriveGolden pins the seeds of derived families (golden, as above):
// a sweep's replication i must keep its streams.
func TestDeriveGolden(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		want uint64
	}{
		{1, 0x90b2aab47a392d31},
		{42, 0xfdde9df0de19fee7},
	} {
		if got := NewStreams(tc.seed).Derive("rep/0").Seed(); got != tc.want {
			t.Errorf("NewStreams(%d).Derive(\"rep/0\").Seed() = %#016x, golden %#016x", tc.seed, got, tc.want)
		}
	}
}

// A stream depends on its label only, not on which streams were created
// before it or how far they have been drawn.
func TestStreamsIndependentOfCreationOrder(t *testing.T) {
	labels := []string{"workload/phone-0/arrivals", "topology/phone-0/mobility", "policy/random", "workload/phone-1/arrivals"}
	const draws = 100
	first := map[string][]uint64{}
	s := NewStreams(7)
	for _, l := range labels {
		src := s.Source(l)
		for range draws {
			first[l] = append(first[l], src.Uint64())
		}
	}
	// Create them again in reverse order and draw interleaved.
	srcs := map[string]*rand.PCG{}
	for i := len(labels) - 1; i >= 0; i-- {
		srcs[labels[i]] = NewStreams(7).Source(labels[i])
	}
	for d := range draws {
		for i := len(labels) - 1; i >= 0; i-- {
			l := labels[i]
			if got := srcs[l].Uint64(); got != first[l][d] {
				t.Fatalf("%q draw %d: %#x in a different creation order, %#x before", l, d, got, first[l][d])
			}
		}
	}
	// Rand is a generator on the same stream.
	r := s.Rand(labels[0])
	src := s.Source(labels[0])
	for range 10 {
		if a, b := r.Uint64(), src.Uint64(); a != b {
			t.Fatalf("Rand(%q) drew %#x, Source drew %#x", labels[0], a, b)
		}
	}
}

// Distinct (seed, label) pairs give distinct streams, including labels
// that share a prefix, differ in one character, or are empty, and nearby
// seeds.
func TestStreamsDiffer(t *testing.T) {
	labels := []string{"", "a", "b", "ab", "ba", "phone-1", "phone-10", "phone-01",
		"workload/phone-0/arrivals", "workload/phone-1/arrivals", "workload/phone-0/arrival"}
	seen := map[uint64]string{}
	for _, seed := range []uint64{0, 1, 2, 3, 42, 1 << 63, math.MaxUint64} {
		s := NewStreams(seed)
		for _, l := range labels {
			v := s.Source(l).Uint64()
			name := fmt.Sprintf("seed %d label %q", seed, l)
			if prev, ok := seen[v]; ok {
				t.Errorf("%s and %s start with the same draw %#x", name, prev, v)
			}
			seen[v] = name
		}
		for i := range 20 {
			d := s.Derive(fmt.Sprintf("rep/%d", i))
			v := d.Source("x").Uint64()
			name := fmt.Sprintf("seed %d rep/%d", seed, i)
			if prev, ok := seen[v]; ok {
				t.Errorf("%s and %s start with the same draw %#x", name, prev, v)
			}
			seen[v] = name
		}
	}
}

func TestDeriveDeterministic(t *testing.T) {
	a := NewStreams(99).Derive("rep/3")
	b := NewStreams(99).Derive("rep/3")
	if a != b {
		t.Fatalf("Derive gave %#x then %#x", a.Seed(), b.Seed())
	}
	if x, y := a.Source("arrivals").Uint64(), b.Source("arrivals").Uint64(); x != y {
		t.Errorf("derived streams differ: %#x, %#x", x, y)
	}
	// Deriving does not consume anything from the parent.
	p := NewStreams(99)
	before := p.Source("arrivals").Uint64()
	p.Derive("rep/3")
	if after := p.Source("arrivals").Uint64(); after != before {
		t.Errorf("Derive changed the parent's stream: %#x, then %#x", before, after)
	}
	// Derivation composes deterministically and is not symmetric.
	ab := NewStreams(99).Derive("sweep/a").Derive("rep/1")
	if ab != NewStreams(99).Derive("sweep/a").Derive("rep/1") {
		t.Error("nested Derive is not deterministic")
	}
	if ab == NewStreams(99).Derive("rep/1").Derive("sweep/a") {
		t.Error("Derive(a).Derive(b) == Derive(b).Derive(a)")
	}
	if a == NewStreams(99) || a == NewStreams(99).Derive("rep/4") {
		t.Error("a derived family equals its parent or a sibling")
	}
}

// Streams of neighbouring labels and seeds should look independent. The
// sample correlation of n independent uniforms has standard deviation
// 1/√n; we allow five of them (a false alarm about once in 1.7 million
// pairs, and the draws are fixed by the seeds anyway).
func TestStreamsUncorrelated(t *testing.T) {
	const n = 20000
	bound := 5 / math.Sqrt(n)
	pairs := []struct {
		a, b   Streams
		la, lb string
		what   string
	}{
		{NewStreams(1), NewStreams(1), "workload/phone-0/arrivals", "workload/phone-1/arrivals", "neighbouring labels"},
		{NewStreams(1), NewStreams(2), "policy/random", "policy/random", "neighbouring seeds"},
		{NewStreams(1).Derive("rep/0"), NewStreams(1).Derive("rep/1"), "x", "x", "neighbouring replications"},
	}
	for _, p := range pairs {
		ra, rb := p.a.Rand(p.la), p.b.Rand(p.lb)
		var sa, sb, saa, sbb, sab float64
		for range n {
			x, y := ra.Float64(), rb.Float64()
			sa, sb, saa, sbb, sab = sa+x, sb+y, saa+x*x, sbb+y*y, sab+x*y
		}
		cov := sab/n - sa/n*sb/n
		r := cov / math.Sqrt((saa/n-sa/n*sa/n)*(sbb/n-sb/n*sb/n))
		if math.Abs(r) > bound {
			t.Errorf("%s: correlation %.4f, beyond ±%.4f", p.what, r, bound)
		}
	}
}
