package sim

import "math/rand/v2"

// Streams derives independent, reproducible random streams from one master
// seed. Each stream is named by a stable label such as
// "workload/phone-17/arrivals", never by creation order: adding a phone does
// not change another phone's draws, and every policy in a comparison sees
// the same arrivals (common random numbers).
//
// Streams is a small value; copies derive the same streams.
type Streams struct {
	seed uint64
}

// NewStreams returns the stream family of a master seed.
func NewStreams(seed uint64) Streams { return Streams{seed: seed} }

// Seed returns the master seed.
func (s Streams) Seed() uint64 { return s.seed }

// Source returns a fresh PCG source for label. Two calls with the same
// label return sources that produce the same sequence.
func (s Streams) Source(label string) *rand.PCG {
	return rand.NewPCG(s.State(label))
}

// State returns the PCG seed pair of the stream named label:
// rand.NewPCG(s.State(label)) is s.Source(label), and re-seeding a
// PCG with p.Seed(s.State(label)) restarts it on that stream without
// allocating.
func (s Streams) State(label string) (a, b uint64) {
	// FNV-1a of the label, as hash/fnv's New64a computes it.
	const offset64, prime64 = 14695981039346656037, 1099511628211
	lh := uint64(offset64)
	for i := 0; i < len(label); i++ {
		lh ^= uint64(label[i])
		lh *= prime64
	}
	// Mix seed and label hash through SplitMix64 so that nearby seeds and
	// labels with a common prefix still give unrelated PCG states.
	a = splitMix64(s.seed ^ splitMix64(lh))
	b = splitMix64(a ^ 0x9e3779b97f4a7c15 ^ lh)
	return a, b
}

// Rand returns a generator on the stream named label.
func (s Streams) Rand(label string) *rand.Rand { return rand.New(s.Source(label)) }

// Derive returns the family of streams for a sub-experiment, such as one
// replication of a sweep: Derive("rep/3") gives streams independent of the
// parent's and of every other replication's.
func (s Streams) Derive(label string) Streams {
	src := s.Source("derive/" + label)
	return Streams{seed: src.Uint64()}
}

// splitMix64 is the finaliser of Steele, Lea and Flood's SplitMix64: a
// bijective mixer with good avalanche, used only to spread seeds.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
