package workloads_test

import (
	"fmt"
	"log"
	"math"
	"strings"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

func ExampleProcess() {
	// One Process per workload, from the configuration; one instance and
	// one named stream per phone.
	var camera workloads.Process = workloads.Periodic{Rate: 30, Jitter: 0.002, Law: workloads.GaussianJitter}
	if err := camera.Validate(); err != nil {
		log.Fatal(err)
	}
	streams := sim.NewStreams(1)
	for phone := range 3 {
		arrivals := camera.New()
		r := streams.Rand(fmt.Sprintf("workload/phone-%d/camera", phone))
		var now sim.Time
		frames := 0
		for now += sim.Seconds(arrivals.Next(r)); now < 10*sim.Second; now += sim.Seconds(arrivals.Next(r)) {
			frames++
		}
		fmt.Printf("phone %d: %d frames in 10 s\n", phone, frames)
	}
	// The phones' cameras are not in step, and jitter moves a frame in or
	// out of the window.

	// Output:
	// phone 0: 301 frames in 10 s
	// phone 1: 299 frames in 10 s
	// phone 2: 299 frames in 10 s
}

func ExampleMMPP() {
	// Quiet at 0.2 requests/s for 60 s on average, then a burst at 5/s
	// for 6 s.
	q, err := workloads.GeneratorFromSojourns([]float64{60, 6}, [][]float64{{0, 1}, {1, 0}})
	if err != nil {
		log.Fatal(err)
	}
	bursty := workloads.MMPP{Rates: []float64{0.2, 5}, Generator: q}
	pi, err := bursty.Stationary()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("time in each state: %.3f\n", pi)
	fmt.Printf("mean rate: %.4f/s\n", bursty.MeanRate())

	// Bursts show as gaps far more variable than a Poisson process's
	// (whose coefficient of variation is 1); the phase-type law of the
	// gaps gives 2.10.
	arrivals := bursty.New()
	r := sim.NewStreams(1).Rand("workload/phone-0/llm")
	var sum, sumSq float64
	const n = 200_000
	for range n {
		g := arrivals.Next(r)
		sum += g
		sumSq += g * g
	}
	mean := sum / n
	fmt.Printf("coefficient of variation of the gaps: %.1f\n", math.Sqrt(sumSq/n-mean*mean)/mean)
	// Output:
	// time in each state: [0.909 0.091]
	// mean rate: 0.6364/s
	// coefficient of variation of the gaps: 2.1
}

func ExamplePiecewisePoisson() {
	// Requests per hour of the day, from midnight; the run starts at 06:00.
	perHour := []float64{10, 5, 5, 5, 5, 10, 30, 60, 90, 90, 80, 80, 90, 90, 80, 80, 90, 120, 150, 180, 160, 120, 60, 30}
	rates := make([]float64, len(perHour))
	for h, v := range perHour {
		rates[h] = v / 3600 // arrivals per second
	}
	day := workloads.PiecewisePoisson{Rates: rates, Offset: 6 * 3600}
	if err := day.Validate(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.0f requests a day\n", day.MeanRate()*workloads.Day)
	fmt.Printf("first hour of the run (06:00–07:00): %.0f expected\n", day.Expected(0, 3600))
	fmt.Printf("13:00–14:00: %.0f expected\n", day.Expected(7*3600, 8*3600))
	// Output:
	// 1720 requests a day
	// first hour of the run (06:00–07:00): 30 expected
	// 13:00–14:00: 90 expected
}

func ExampleSinusoidalPoisson() {
	// Between 0.2 and 1.8 requests per second over a day, busiest at
	// 20:00 and quietest twelve hours later; the run starts at midnight.
	s := workloads.SinusoidalPoisson{Mean: 1, Amplitude: 0.8, Peak: 20 * 3600}
	for _, hour := range []float64{0, 8, 14, 20} {
		fmt.Printf("%02.0f:00  %.2f/s\n", hour, s.RateAt(hour*3600))
	}
	// Output:
	// 00:00  1.40/s
	// 08:00  0.20/s
	// 14:00  1.00/s
	// 20:00  1.80/s
}

func ExampleReadTrace() {
	const csv = `time,device,model
0.00,phone-1,mobilenet-v2
0.40,phone-2,yolov8n
1.25,phone-1,resnet-50
`
	trace, err := workloads.ReadTrace(strings.NewReader(csv))
	if err != nil {
		log.Fatal(err)
	}
	for _, device := range trace.Devices() {
		arrivals := trace.Replay(device).New()
		var now float64
		for gap := arrivals.Next(nil); !math.IsInf(gap, 1); gap = arrivals.Next(nil) {
			now += gap
			fmt.Printf("%s at %.2f s\n", device, now)
		}
		for _, row := range trace.Rows(device) {
			fmt.Printf("  line %d: %s\n", row.Line, row.Fields[trace.Column("model")])
		}
	}

	_, err = workloads.ReadTrace(strings.NewReader("time,device\n0.5,phone-1\nsoon,phone-2\n"))
	fmt.Println(err)
	// Output:
	// phone-1 at 0.00 s
	// phone-1 at 1.25 s
	//   line 2: mobilenet-v2
	//   line 4: resnet-50
	// phone-2 at 0.40 s
	//   line 3: yolov8n
	// line 3, column time: "soon" is not a finite number of seconds
}
