package workloads_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/workloads"
)

func ExampleDAG_Makespan() {
	// A phone (place 0) splits a frame into two halves, an edge server
	// (place 1) could run them, and the phone merges the results.
	d, err := workloads.NewDAG([]workloads.DAGTask{
		{Name: "split", Ops: 1e8},
		{Name: "left", Ops: 4e9},
		{Name: "right", Ops: 4e9},
		{Name: "merge", Ops: 1e8},
	}, []workloads.Edge{
		{From: 0, To: 1, Bytes: 1e6}, {From: 0, To: 2, Bytes: 1e6},
		{From: 1, To: 3, Bytes: 1e5}, {From: 2, To: 3, Bytes: 1e5},
	})
	if err != nil {
		log.Fatal(err)
	}
	speed := []float64{2e9, 20e9} // operations per second
	compute := func(i, p int) float64 { return d.Tasks[i].Ops / speed[p] }
	transfer := func(from, to int, bytes float64) float64 { return 0.01 + bytes*8/100e6 } // 10 ms + 100 Mbit/s

	for _, place := range [][]int{{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 1, 1, 0}} {
		s := d.Makespan(place, 0, compute, transfer)
		fmt.Printf("places %v: %.3f s\n", place, s.Makespan)
	}
	length, path := d.CriticalPath(func(i int) float64 { return compute(i, 0) }, func(workloads.Edge) float64 { return 0 })
	fmt.Printf("all on the phone: critical path %.3f s through %v\n", length, path)
	// Output:
	// places [0 0 0 0]: 2.100 s
	// places [0 1 0 0]: 2.100 s
	// places [0 1 1 0]: 0.408 s
	// all on the phone: critical path 2.100 s through [0 1 3]
}

func ExampleLayeredDAG() {
	gen := workloads.LayeredDAG{
		Layers:    4,
		Width:     workloads.IntRange{Min: 2, Max: 4},
		FanOut:    workloads.IntRange{Min: 1, Max: 2},
		OneEntry:  true,
		OneExit:   true,
		Ops:       workloads.UniformRange{Min: 1e8, Max: 1e9}, // cycles
		EdgeBytes: workloads.UniformRange{Min: 1e4, Max: 1e5},
	}
	// Each phone draws its jobs from its own named stream.
	r := sim.NewStreams(1).Rand("workload/phone-0/dag")
	d := gen.Generate(r)
	for l, layer := range d.Layers() {
		fmt.Printf("layer %d: %v\n", l, layer)
	}
	rank := d.UpwardRank(
		func(i int) float64 { return d.Tasks[i].Ops / 1e9 },         // 1 GHz
		func(e workloads.Edge) float64 { return e.Bytes * 8 / 1e7 }, // 10 Mbit/s
	)
	fmt.Println("HEFT order:", d.PriorityOrder(rank))
	// Output:
	// layer 0: [0]
	// layer 1: [1 2 3]
	// layer 2: [4 5 6]
	// layer 3: [7]
	// HEFT order: [0 1 3 2 6 4 5 7]
}

func ExampleReadAlibabaBatchTasks() {
	// Three tasks of one job in batch_task.csv's format: task 3 (R3_1_2)
	// waits for tasks 1 and 2.
	const rows = `M1,1,j_42,1,Terminated,100,110,100,0.50
M2,2,j_42,1,Terminated,100,130,50,0.50
R3_1_2,1,j_42,2,Terminated,130,135,200,0.20
`
	trace, err := workloads.ReadAlibabaBatchTasks(strings.NewReader(rows),
		workloads.AlibabaOptions{CoreHz: 1e9, EdgeBytes: 1e6})
	if err != nil {
		log.Fatal(err)
	}
	for _, job := range trace.Jobs {
		d := job.DAG
		fmt.Printf("job %s arrives at %d s\n", job.Name, job.Arrival)
		for _, t := range d.Tasks {
			fmt.Printf("  %-6s %2.0f Gcycles, after %v\n", t.Name, t.Ops/1e9, t.Parents)
		}
		length, path := d.CriticalPath(
			func(i int) float64 { return d.Tasks[i].Ops / 1e9 }, // one 1 GHz core
			func(workloads.Edge) float64 { return 0 })
		fmt.Printf("  critical path %.0f s through %v\n", length, path)
	}
	// Output:
	// job j_42 arrives at 100 s
	//   M1     10 Gcycles, after []
	//   M2     30 Gcycles, after []
	//   R3_1_2 10 Gcycles, after [0 1]
	//   critical path 40 s through [1 2]
}
