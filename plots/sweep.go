package plots

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mecsim/mecsim/results"
)

// Names of the sweep figures.
const (
	SweepLatencyName = "sweep_latency"
	SweepEnergyName  = "sweep_energy"
)

// SweepMetric plots one metric of each policy against the swept value:
// metric picks it from a policy's summary, label names it on the y axis.
// Policies keep the styles of the other figures when policies gives the
// experiment's order.
func SweepMetric(s results.Summary, policies []string, label string, metric func(results.PolicySummary) float64) (*plot.Plot, error) {
	if len(s.Sweep) == 0 {
		return nil, errors.New("plots: sweep: the summary has no sweep")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s against %s", label, s.SweepKey)
	p.Title.Padding = titlePadding
	p.X.Label.Text = s.SweepKey
	p.Y.Label.Text = label
	p.Add(plotter.NewGrid())
	for i, name := range policies {
		var xy plotter.XYs
		for _, pt := range s.Sweep {
			for _, ps := range pt.Policies {
				if ps.Policy == name && ps.Tasks > 0 {
					xy = append(xy, plotter.XY{X: pt.Value, Y: metric(ps)})
				}
			}
		}
		if len(xy) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("plots: sweep of %s: %w", name, err)
		}
		c, dashes, shape := style(i)
		line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: dashes}
		points.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: shape}
		p.Add(line, points)
		p.Legend.Add(name, line, points)
	}
	p.Legend.Top = true
	return p, nil
}

// WriteSweepFigures writes the mean latency and mean energy of each policy
// against the swept value, as PNG and SVG, when s has a sweep.
func WriteSweepFigures(dir string, s results.Summary, policies []string) error {
	if len(s.Sweep) == 0 {
		return nil
	}
	for _, f := range []struct {
		name, label string
		metric      func(results.PolicySummary) float64
	}{
		{SweepLatencyName, "mean latency (ms)", func(p results.PolicySummary) float64 { return 1e3 * p.MeanLatency }},
		{SweepEnergyName, "mean device energy per task (mJ)", func(p results.PolicySummary) float64 { return 1e3 * p.MeanEnergy }},
	} {
		p, err := SweepMetric(s, policies, f.label, f.metric)
		if err != nil {
			return err
		}
		if err := Save(p, dir, f.name, DefaultWidth, DefaultHeight); err != nil {
			return err
		}
	}
	return nil
}
