package devices

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/workloads"
)

// Tolerances of the calibration test.
const (
	// rowTol bounds any one row's relative error. The measurements mix
	// runtimes and phone units, and vendor numbers spread by ±20% between
	// releases of the same stack (dossier §6), so a profile within 30% of
	// every row it covers is doing as well as its data allow.
	rowTol = 0.30
	// mapeTol bounds the mean absolute percentage error over all rows.
	mapeTol = 0.10
)

// TestCalibration predicts every measured single-image latency in
// testdata/calibration.csv and compares. Run with -v for the table.
func TestCalibration(t *testing.T) {
	f, err := os.Open("testdata/calibration.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := readTable(f, []string{"id", "profile", "model", "ms_per_image", "fit", "device", "quant", "source"})
	if err != nil {
		t.Fatal(err)
	}
	procs, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	models, err := workloads.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-14s %-17s %-19s %6s %10s %10s %8s\n", "id", "profile", "model", "fit", "measured", "predicted", "error")
	var sum, sumShared float64
	var nShared int
	covered := map[string]bool{}
	for _, r := range rows {
		id := r.fields["id"]
		p, err := procs.Processor(r.fields["profile"])
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		m, err := models.Model(r.fields["model"])
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		measured, err := strconv.ParseFloat(r.fields["ms_per_image"], 64)
		if err != nil || !(measured > 0) {
			t.Errorf("%s: ms_per_image %q", id, r.fields["ms_per_image"])
			continue
		}
		if r.fields["source"] == "" {
			t.Errorf("%s: no source", id)
		}
		predicted := 1e3 * p.InferenceTime(m)
		rel := predicted/measured - 1
		sum += math.Abs(rel)
		switch fit := r.fields["fit"]; fit {
		case "shared":
			sumShared += math.Abs(rel)
			nShared++
		case "exact":
		default:
			t.Errorf("%s: fit %q, want shared or exact", id, fit)
		}
		covered[p.Name] = true
		fmt.Fprintf(&table, "%-14s %-17s %-19s %6s %8.3fms %8.3fms %+7.1f%%\n", id, p.Name, m.Name, r.fields["fit"], measured, predicted, 100*rel)
		if math.Abs(rel) > rowTol {
			t.Errorf("%s: %s on %s predicted %.3f ms, measured %.3f ms (%+.0f%%, tolerance ±%.0f%%)",
				id, m.Name, p.Name, predicted, measured, 100*rel, 100*rowTol)
		}
	}
	if len(rows) == 0 {
		t.Fatal("no calibration rows")
	}
	mape := sum / float64(len(rows))
	fmt.Fprintf(&table, "MAPE %.1f%% over %d rows", 100*mape, len(rows))
	if nShared > 0 {
		fmt.Fprintf(&table, "; %.1f%% over the %d shared-fit rows", 100*sumShared/float64(nShared), nShared)
	}
	t.Log("\n" + table.String())
	if mape > mapeTol {
		t.Errorf("MAPE %.1f%% exceeds %.0f%%", 100*mape, 100*mapeTol)
	}

	// A profile without a calibration row must say in its source that it is
	// derived, so that no guess passes for a measurement.
	for _, name := range procs.Names() {
		p, _ := procs.Processor(name)
		if !covered[name] && !strings.HasPrefix(p.Source, "DERIVED") {
			t.Errorf("%s has no calibration row and its source does not start with DERIVED", name)
		}
	}
}
