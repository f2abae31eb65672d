package sim_test

import (
	"fmt"

	"github.com/mecsim/mecsim/sim"
	"gonum.org/v1/gonum/stat/distuv"
)

// Event kinds of the example's handler.
const (
	kindRequest int32 = iota
	kindTimeout
	kindReply
)

// client sends requests, each guarded by a timeout that its reply cancels.
// A model component is usually a pointer type like this one; it handles
// its own kinds of event.
type client struct {
	k        *sim.Kernel
	timeouts map[int64]sim.EventID // pending timeout of each request
}

func (c *client) HandleEvent(ev sim.Event) {
	switch ev.Kind {
	case kindRequest:
		fmt.Printf("%v request %d sent\n", ev.At, ev.ID)
		c.timeouts[ev.ID] = c.k.After(2*sim.Second, c, kindTimeout, ev.ID)
		// Request 1 is answered quickly, request 2 too late.
		c.k.After(sim.Seconds(0.5+2*float64(ev.ID-1)), c, kindReply, ev.ID)
	case kindReply:
		if c.k.Cancel(c.timeouts[ev.ID]) {
			fmt.Printf("%v reply %d in time\n", ev.At, ev.ID)
		} else {
			fmt.Printf("%v reply %d too late\n", ev.At, ev.ID)
		}
	case kindTimeout:
		fmt.Printf("%v request %d timed out\n", ev.At, ev.ID)
	}
}

func ExampleKernel() {
	k := sim.NewKernel(16)
	c := &client{k: k, timeouts: map[int64]sim.EventID{}}
	k.Schedule(1*sim.Second, c, kindRequest, 1)
	k.Schedule(sim.Seconds(1.25), c, kindRequest, 2)
	k.Run()
	fmt.Println("done at", k.Now(), "after", k.Fired(), "events")
	// Output:
	// 1s request 1 sent
	// 1.25s request 2 sent
	// 1.5s reply 1 in time
	// 3.25s request 2 timed out
	// 3.75s reply 2 too late
	// done at 3.75s after 5 events
}

func ExampleKernel_RunUntil() {
	k := sim.NewKernel(0)
	c := &client{k: k, timeouts: map[int64]sim.EventID{}}
	k.Schedule(1*sim.Second, c, kindRequest, 1)
	k.RunUntil(1 * sim.Second) // events at the end time fire
	fmt.Println("now", k.Now(), "pending", k.Pending())
	k.RunUntil(10 * sim.Second)
	fmt.Println("now", k.Now(), "pending", k.Pending())
	// Output:
	// 1s request 1 sent
	// now 1s pending 2
	// 1.5s reply 1 in time
	// now 10s pending 0
}

func ExampleStreams() {
	s := sim.NewStreams(42)

	// Every entity and purpose has its own stream, named by a label.
	// Give gonum distributions the stream as Src: never leave it nil.
	arrivals := distuv.Exponential{Rate: 2, Src: s.Source("workload/phone-0/arrivals")}
	fmt.Printf("first gap %.6f s\n", arrivals.Rand())

	// The same seed and label give the same draws, whatever else was drawn.
	_ = s.Rand("policy/random").Uint64()
	again := distuv.Exponential{Rate: 2, Src: sim.NewStreams(42).Source("workload/phone-0/arrivals")}
	fmt.Printf("again     %.6f s\n", again.Rand())

	// Independent replications derive their own families.
	for i := range 3 {
		rep := s.Derive(fmt.Sprintf("rep/%d", i))
		fmt.Printf("rep/%d draws %d\n", i, rep.Rand("policy/random").IntN(100))
	}
	// Output:
	// first gap 0.725909 s
	// again     0.725909 s
	// rep/0 draws 64
	// rep/1 draws 40
	// rep/2 draws 9
}

func ExampleSummary_CI() {
	// Mean response times (s) of five independent replications.
	var s sim.Summary
	for _, x := range []float64{4.1, 3.9, 4.3, 3.8, 4.0} {
		s.Add(x)
	}
	lo, hi := s.CI(0.95)
	fmt.Printf("mean %.3f, sd %.4f, 95%% CI [%.3f, %.3f]\n", s.Mean(), s.StdDev(), lo, hi)
	// Output:
	// mean 4.020, sd 0.1924, 95% CI [3.781, 4.259]
}

func ExampleMeanCI() {
	mean, hw := sim.MeanCI([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.99)
	fmt.Printf("%.2f ± %.2f\n", mean, hw)
	// Output:
	// 5.50 ± 3.11
}

func ExampleTimeWeighted() {
	// A queue: one job waits from 2 s to 5 s, a second from 3 s to 4 s.
	var q sim.TimeWeighted
	q.Add(2*sim.Second, 1)
	q.Add(3*sim.Second, 1)
	q.Add(4*sim.Second, -1)
	q.Add(5*sim.Second, -1)
	fmt.Printf("mean queue length over 10 s: %.2f\n", q.Mean(10*sim.Second))

	// Reset discards a warm-up: from 5 s on, the queue is empty.
	q.Reset(5 * sim.Second)
	fmt.Printf("from 5 s: %.2f\n", q.Mean(10*sim.Second))
	// Output:
	// mean queue length over 10 s: 0.40
	// from 5 s: 0.00
}

func ExampleSamples_Percentile() {
	var lat sim.Samples
	for _, ms := range []float64{12, 15, 11, 40, 13, 14, 90, 12, 16, 13} {
		lat.Add(ms)
	}
	fmt.Printf("p50 %.1f ms, p95 %.1f ms, max %.0f ms\n",
		lat.Percentile(0.5), lat.Percentile(0.95), lat.Percentile(1))
	// Output:
	// p50 13.5 ms, p95 67.5 ms, max 90 ms
}
