package devices_test

import (
	"fmt"
	"log"

	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/workloads"
)

func ExampleProcessor_InferenceTime() {
	procs, err := devices.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	models, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	m, err := models.Model("mobilenet-v2")
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"sd8gen2-cpu", "sd8gen3-npu", "edge-t4", "cloud-a100"} {
		p, err := procs.Processor(name)
		if err != nil {
			log.Fatal(err)
		}
		s := p.InferenceTime(m)
		fmt.Printf("%-12s %6.2f ms %7.1f mJ\n", name, 1e3*s, 1e3*p.Energy(s))
	}
	// Output:
	// sd8gen2-cpu   17.11 ms   102.7 mJ
	// sd8gen3-npu    0.60 ms     1.3 mJ
	// edge-t4        0.84 ms    46.8 mJ
	// cloud-a100     0.47 ms   151.0 mJ
}

func ExampleProcessor_Time() {
	// A processor with 0.5 TOPS and 50 GB/s effective, and 1 ms overhead.
	p := devices.Processor{
		Name: "toy", Kind: devices.CPU,
		PeakOps: 1e12, ComputeEff: 0.5,
		MemBandwidth: 1e11, MemEff: 0.5,
		Overhead: 1e-3, BytesPerParam: 4,
	}
	fmt.Printf("compute-bound: %.1f ms\n", 1e3*p.Time(1e9, 1e7)) // 2 ms of compute
	fmt.Printf("memory-bound:  %.1f ms\n", 1e3*p.Time(1e8, 1e9)) // 20 ms of memory
	// Output:
	// compute-bound: 3.0 ms
	// memory-bound:  21.0 ms
}
