package refenv

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkStepRandom measures environment steps of the preset under
// uniformly random valid actions, an observation per step as an agent
// would take, and a Reset every Slots steps. One op is one step;
// TestStepAllocatesNothing and TestResetAllocatesNothing check that
// neither allocates.
func BenchmarkStepRandom(b *testing.B) {
	for _, delay := range []DelayModel{ExactDelay, ReferenceDelay} {
		b.Run("delay="+delay.String(), func(b *testing.B) {
			c := Reference()
			c.Delay = delay
			e, err := New(c)
			if err != nil {
				b.Fatal(err)
			}
			obs, mask := buffers(e)
			rng := rand.New(rand.NewPCG(1, 2))
			seed := uint64(0)
			e.Reset(seed)
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Observe(obs, mask); err != nil {
					b.Fatal(err)
				}
				_, _, trunc, err := e.Step(rng.IntN(e.Edges() + 1))
				if err != nil {
					b.Fatal(err)
				}
				if trunc {
					seed++
					e.Reset(seed)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkReset measures the start of an episode: six random streams and
// the draws of the system and channels.
func BenchmarkReset(b *testing.B) {
	e, err := New(Reference())
	if err != nil {
		b.Fatal(err)
	}
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		e.Reset(seed)
	}
}
