package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// LearningCurveName is the file name, without extension, of
// WriteLearningCurve's figure.
const LearningCurveName = "learning_curve"

// LearningCurve plots each training episode's return (light points)
// against the environment steps done at its end, with a moving average
// over window episodes (a line). Episodes drawn under different
// preferences have returns on different scales; the average shows the
// trend all the same.
func LearningCurve(steps, returns []float64, window int) (*plot.Plot, error) {
	if len(steps) != len(returns) {
		return nil, fmt.Errorf("plots: %d steps and %d returns", len(steps), len(returns))
	}
	if window < 1 {
		window = 1
	}
	p := plot.New()
	p.Title.Text = "Learning curve"
	p.Title.Padding = titlePadding
	p.X.Label.Text = "environment steps"
	p.Y.Label.Text = "episode return (scalarised)"
	raw := make(plotter.XYs, 0, len(steps))
	avg := make(plotter.XYs, 0, len(steps))
	sum := 0.0
	for i := range steps {
		if math.IsNaN(returns[i]) || math.IsInf(returns[i], 0) {
			return nil, fmt.Errorf("plots: episode %d has return %v", i, returns[i])
		}
		raw = append(raw, plotter.XY{X: steps[i], Y: returns[i]})
		sum += returns[i]
		if i >= window {
			sum -= returns[i-window]
		}
		n := min(i+1, window)
		avg = append(avg, plotter.XY{X: steps[i], Y: sum / float64(n)})
	}
	if len(raw) > 0 {
		sc, err := plotter.NewScatter(raw)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color = color.RGBA{R: 150, G: 170, B: 210, A: 255}
		sc.GlyphStyle.Radius = vg.Points(1.2)
		ln, err := plotter.NewLine(avg)
		if err != nil {
			return nil, err
		}
		ln.LineStyle.Width = vg.Points(1.5)
		ln.LineStyle.Color = color.RGBA{R: 20, G: 40, B: 120, A: 255}
		p.Add(sc, ln)
		p.Legend.Add("episode", sc)
		p.Legend.Add(fmt.Sprintf("mean of %d", window), ln)
		p.Legend.Top = false
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

// WriteLearningCurve writes learning_curve.{png,svg} into dir.
func WriteLearningCurve(dir string, steps, returns []float64, window int) error {
	p, err := LearningCurve(steps, returns, window)
	if err != nil {
		return err
	}
	return Save(p, dir, LearningCurveName, DefaultWidth, DefaultHeight)
}
