package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mecsim/mecsim/results"
)

// CalibrationName is the name, without extension, of the figure
// WriteCalibration writes.
const CalibrationName = "calibration"

// CalibrationWidth and CalibrationHeight are the size of the figure
// WriteCalibration writes (900 × 750 pixels at DPI): wider than tall, for
// the legend beside a square plot.
const (
	CalibrationWidth  = 6 * vg.Inch
	CalibrationHeight = 5 * vg.Inch
)

// calibrationPad widens the axes of the calibration scatter beyond the
// data by this factor either way, so that no point sits on the frame.
const calibrationPad = 1.5

// CalibrationScatter plots every predicted row of c as one point, the
// measured value (x) against the predicted one (y), both on log scales and
// over the same range, so that a perfect prediction lies on the diagonal.
// Solid grey is y = x; the dashed lines are a factor of 2 either way, the
// bound no row should cross. Rows measure different quantities in their
// own units (tokens/s, ms, W, GB/s), which a log scale puts side by side:
// only the ratio of the two coordinates means anything. Each processor
// kind of the table (cpu, gpu, npu, edge-gpu, gpu+npu) has one colour and
// glyph, in sorted order. Unsupported rows are left out; a table with no
// predicted row is an error, as is a value that is not positive and
// finite.
func CalibrationScatter(c *results.Calibration) (*plot.Plot, error) {
	procs, byProc, lo, hi, err := calibrationData(c)
	if err != nil {
		return nil, err
	}

	p := plot.New()
	p.Title.Text = fmt.Sprintf("Cost model against %d measurements (MAPE %.1f%%)", c.Predicted, 100*c.MAPE)
	p.Title.Padding = titlePadding
	p.X.Label.Text = "measured (the row's own unit)"
	p.Y.Label.Text = "predicted (same unit)"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = decadeTicks{}
		a.Min, a.Max = lo, hi
	}
	// Bottom right, below the diagonal, where no point can be far off.
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	p.Add(plotter.NewGrid())

	for _, ref := range []struct {
		factor float64
		dashes []vg.Length
	}{{1, nil}, {2, []vg.Length{vg.Points(4), vg.Points(3)}}, {0.5, []vg.Length{vg.Points(4), vg.Points(3)}}} {
		// y = factor·x, clipped to the square [lo, hi]².
		x0, x1 := max(lo, lo/ref.factor), min(hi, hi/ref.factor)
		l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: x0 * ref.factor}, {X: x1, Y: x1 * ref.factor}})
		if err != nil {
			return nil, fmt.Errorf("plots: calibration: %w", err)
		}
		l.Color = color.Gray{Y: 128}
		l.Dashes = ref.dashes
		l.Width = vg.Points(1)
		p.Add(l)
	}

	for i, name := range procs {
		sc, err := plotter.NewScatter(byProc[name])
		if err != nil {
			return nil, fmt.Errorf("plots: calibration of %s: %w", name, err)
		}
		col, _, shape := style(i)
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3), Shape: shape}
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("%s (%d)", name, len(byProc[name])), sc)
	}
	// Add widens the axes to the data and the lines; keep them square.
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Min, a.Max = lo, hi
	}
	return p, nil
}

// calibrationData returns the points of CalibrationScatter, (measured,
// predicted) by processor with the processors sorted, and the range of both
// axes.
func calibrationData(c *results.Calibration) (procs []string, byProc map[string]plotter.XYs, lo, hi float64, err error) {
	byProc = map[string]plotter.XYs{}
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range c.Rows {
		r := &c.Rows[i]
		if !r.Supported() {
			continue
		}
		for _, v := range []float64{r.Measured, r.Predicted} {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, nil, 0, 0, fmt.Errorf("plots: calibration: row %s: value %v, want a positive finite number", r.ID, v)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		byProc[r.Processor] = append(byProc[r.Processor], plotter.XY{X: r.Measured, Y: r.Predicted})
	}
	if len(byProc) == 0 {
		return nil, nil, 0, 0, errors.New("plots: calibration: no predicted rows")
	}
	for name := range byProc {
		procs = append(procs, name)
	}
	slices.Sort(procs)
	return procs, byProc, lo / calibrationPad, hi * calibrationPad, nil
}

// decadeTicks marks every power of ten of a log axis, labelling at most
// about six of them, evenly.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(math.Log10(lo))), int(math.Floor(math.Log10(hi)))
	every := max(1, (last-first+6)/6)
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		t := plot.Tick{Value: math.Pow(10, float64(e))}
		if (e-first)%every == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'g', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// WriteCalibration writes CalibrationScatter of c as dir/calibration.png
// and dir/calibration.svg, CalibrationWidth × CalibrationHeight, making
// dir if needed.
func WriteCalibration(dir string, c *results.Calibration) error {
	p, err := CalibrationScatter(c)
	if err != nil {
		return err
	}
	return Save(p, dir, CalibrationName, CalibrationWidth, CalibrationHeight)
}
