package devices

import (
	"fmt"
	"os"
	"testing"

	"github.com/mecsim/mecsim/workloads"
)

func scratchPrint(rep *Report) {
	for _, r := range rep.Rows {
		if r.Supported() {
			fmt.Printf("%-9s %-28s %-14s %-13s %10.4g %10.4g %+7.1f%%\n", r.ID, r.Place, r.Metric, r.Phase, r.Value, r.Predicted, 100*r.Error)
		}
	}
	for _, r := range rep.Rows {
		if !r.Supported() {
			fmt.Printf("UNSUP %-9s [%s] %s\n", r.ID, r.Cause, r.Unsupported)
		}
	}
	fmt.Printf("MAPE %.3f coverage %.3f (%d/%d) incat %.3f\n", rep.MAPE, rep.Coverage, rep.Predicted, len(rep.Rows), rep.CatalogueCoverage)
	for _, gs := range [][]Group{rep.ByProcessor, rep.ByEngine, rep.ByPhase} {
		for _, g := range gs {
			fmt.Printf("  %-12s %3d %.3f\n", g.Name, g.Rows, g.MAPE)
		}
	}
}

func TestScratch(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	w, err := workloads.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	rep := Calibrate(c, w, pts)
	if os.Getenv("SCRATCH") == "prior" {
		scratchPrint(rep)
		return
	}
	res, err := Fit(c, w, pts, FitOptions{FromPrior: os.Getenv("FROMPRIOR") != ""})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("cost", res.Cost, "rows", res.Rows)
	for _, e := range res.Entries {
		fmt.Printf("%s %s/%s %v rows=%d\n", e.Device, e.Engine, e.Kind, e.Params, len(e.Rows))
	}
	scratchPrint(Calibrate(res.Catalogue, w, pts))
	if os.Getenv("WRITE") != "" {
		f, _ := os.Create("data/fitted.toml")
		res.WriteTOML(f)
		f.Close()
	}
}

func TestScratchExp(t *testing.T) {
	c, err := LoadCatalogue(os.DirFS("/tmp/exp"))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := workloads.DefaultCatalogue()
	pts, _ := DefaultPoints()
	res, err := Fit(c, w, pts, FitOptions{FromPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entries {
		fmt.Printf("%s %s/%s %v rows=%d\n", e.Device, e.Engine, e.Kind, e.Params, len(e.Rows))
	}
	scratchPrint(Calibrate(res.Catalogue, w, pts))
}

func TestScratchLOO(t *testing.T) {
	c, _ := DefaultCatalogue()
	w, _ := workloads.DefaultCatalogue()
	pts, _ := DefaultPoints()
	rep, err := LeaveOneDeviceOut(c, w, pts, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Devices {
		fmt.Printf("%-28s %3d %.3f\n", d.Device, len(d.Rows), d.MAPE)
		for _, r := range d.Rows {
			if os.Getenv("V") != "" {
				fmt.Printf("    %-9s %-30s %10.4g %10.4g %+7.1f%%\n", r.ID, r.Place, r.Value, r.Predicted, 100*r.Error)
			}
		}
	}
	fmt.Printf("LOO MAPE %.3f over %d rows\n", rep.MAPE, rep.Rows)
}
