package plots_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/results"
)

// Redraw a run's figures from its tasks.csv alone.
func ExampleWriteFigures() {
	dir, err := os.MkdirTemp("", "mecsim-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var tasks []results.Task
	for i := range 100 {
		lat := 0.02 + 0.001*float64(i)
		tasks = append(tasks,
			results.Task{ID: int64(i), Policy: "local", Place: "local", Latency: 2 * lat, Energy: 0.3, Deadline: 0.1, Met: 2*lat <= 0.1},
			results.Task{ID: int64(i), Policy: "edge", Place: "edge-0", Latency: lat, Energy: 0.1, Deadline: 0.1, Met: true},
		)
	}
	csvPath := filepath.Join(dir, "tasks.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := results.WriteTasksCSV(f, tasks); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}

	// Later, without the simulator:
	f, err = os.Open(csvPath)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	saved, err := results.ReadTasksCSV(f)
	if err != nil {
		log.Fatal(err)
	}
	figures := filepath.Join(dir, "figures")
	if err := plots.WriteFigures(figures, saved, nil, nil); err != nil {
		log.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(figures, "*"))
	for _, n := range names {
		fmt.Println(filepath.Base(n))
	}
	// Output:
	// latency_cdf.png
	// latency_cdf.svg
	// latency_energy.png
	// latency_energy.svg
}
