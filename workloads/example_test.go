package workloads_test

import (
	"fmt"
	"log"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

func ExampleCatalogue_Model() {
	cat, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	m, err := cat.Model("mobilenet-v2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %.1f GOPs, %.2fM params, %.0f input bytes\n", m.Name, m.Ops()/1e9, m.Params/1e6, m.InputBytes)

	_, err = cat.Model("mobilenet-v4")
	fmt.Println(err)
	// Output:
	// mobilenet-v2: 0.6 GOPs, 3.47M params, 150528 input bytes
	// workloads: unknown model "mobilenet-v4" (known: mobilenet-v2, mobilenet-v2-0.5, mobilenet-v3-large, mobilenet-v3-small, resnet-50)
}

func ExamplePoisson() {
	// Each phone draws its arrivals from its own named stream.
	r := sim.NewStreams(1).Rand("workload/phone-0/arrivals")
	arrivals := workloads.Poisson{Rate: 20} // tasks per second

	var now sim.Time
	n := 0
	for {
		now += sim.Seconds(arrivals.Next(r))
		if now > 1000*sim.Second {
			break
		}
		n++
	}
	fmt.Printf("about %d arrivals per second\n", (n+500)/1000)
	// Output: about 20 arrivals per second
}
