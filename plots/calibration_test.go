package plots

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/mecsim/mecsim/results"
)

func testCalibration() *results.Calibration {
	return &results.Calibration{
		MAPE: 0.1, Predicted: 4, Unsupported: 1,
		Rows: []results.CalibrationRow{
			{ID: "a", Processor: "npu", Measured: 10, Predicted: 11},
			{ID: "b", Processor: "cpu", Measured: 0.5, Predicted: 0.45},
			{ID: "c", Processor: "npu", Measured: 2000, Predicted: 1800},
			{ID: "d", Processor: "gpu+npu", Measured: 59.5, Predicted: 59.5},
			{ID: "e", Processor: "npu", Measured: 3, Unsupported: "unknown device"},
		},
	}
}

// TestCalibrationScatterData checks the figure's data, not its pixels: one
// scatter per processor in sorted order holding its predicted rows, and
// square log axes around all of them.
func TestCalibrationScatterData(t *testing.T) {
	procs, byProc, lo, hi, err := calibrationData(testCalibration())
	if err != nil {
		t.Fatal(err)
	}
	// Row e is unsupported and left out.
	want := map[string]plotter.XYs{
		"cpu":     {{X: 0.5, Y: 0.45}},
		"gpu+npu": {{X: 59.5, Y: 59.5}},
		"npu":     {{X: 10, Y: 11}, {X: 2000, Y: 1800}},
	}
	if !slices.Equal(procs, []string{"cpu", "gpu+npu", "npu"}) || !reflect.DeepEqual(byProc, want) {
		t.Errorf("processors %v, points %v; want %v", procs, byProc, want)
	}
	if wantLo, wantHi := 0.45/calibrationPad, 2000*calibrationPad; lo != wantLo || hi != wantHi {
		t.Errorf("axes [%v, %v], want [%v, %v]", lo, hi, wantLo, wantHi)
	}
	p, err := CalibrationScatter(testCalibration())
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != lo || p.X.Max != hi || p.Y.Min != lo || p.Y.Max != hi {
		t.Errorf("axes x [%v, %v] y [%v, %v], want both [%v, %v]", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max, lo, hi)
	}
}

func TestCalibrationScatterErrors(t *testing.T) {
	none := &results.Calibration{Rows: []results.CalibrationRow{{ID: "x", Measured: 1, Unsupported: "why"}}}
	if _, err := CalibrationScatter(none); err == nil {
		t.Error("no predicted rows: no error")
	}
	bad := testCalibration()
	bad.Rows[0].Predicted = math.Inf(1)
	if _, err := CalibrationScatter(bad); err == nil {
		t.Error("an infinite prediction: no error")
	}
}

func TestWriteCalibration(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCalibration(dir, testCalibration()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, CalibrationName+".png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	wantW, wantH := int(math.Round(CalibrationWidth.Dots(DPI))), int(math.Round(CalibrationHeight.Dots(DPI)))
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("png is %d×%d, want %d×%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	svg, err := os.ReadFile(filepath.Join(dir, CalibrationName+".svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"npu (2)", "cpu (1)", "gpu+npu (1)"} {
		if !bytes.Contains(svg, []byte(s)) {
			t.Errorf("svg has no legend entry %q", s)
		}
	}
}
