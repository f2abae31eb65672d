package plots

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mecsim/mecsim/results"
)

// ParetoName names the Pareto figure.
const ParetoName = "pareto"

// Pareto plots every policy's runs of a Pareto evaluation in mean latency
// (ms) against mean device energy (mJ): all its points, and its front
// joined by a line, with the policy's hypervolume in the legend. Points
// an order of magnitude above the rest in latency (offChartCut) are not
// drawn; the legend names them.
func Pareto(s results.Summary) (*plot.Plot, error) {
	if len(s.Pareto) == 0 {
		return nil, errors.New("plots: pareto: the summary has no Pareto evaluation")
	}
	p := plot.New()
	p.Title.Text = "Latency and energy: each policy's points and front"
	p.Title.Padding = titlePadding
	p.X.Label.Text = "mean latency (ms)"
	p.Y.Label.Text = "mean device energy per task (mJ)"
	p.Add(plotter.NewGrid())
	var latencies []float64
	for _, pp := range s.Pareto {
		for _, pt := range pp.Points {
			latencies = append(latencies, pt.MeanLatency)
		}
	}
	cut := offChartCut(latencies)
	for i, pp := range s.Pareto {
		var all, front plotter.XYs
		var off []results.ParetoPoint
		for _, pt := range pp.Points {
			if pt.MeanLatency > cut {
				off = append(off, pt)
				continue
			}
			xy := plotter.XY{X: 1e3 * pt.MeanLatency, Y: 1e3 * pt.MeanEnergy}
			all = append(all, xy)
			if pt.OnFront {
				front = append(front, xy)
			}
		}
		if len(all) == 0 {
			if len(off) > 0 {
				best := slices.MinFunc(off, func(a, b results.ParetoPoint) int { return cmp.Compare(a.MeanLatency, b.MeanLatency) })
				p.Legend.Add(offChartLabel(fmt.Sprintf("%s (HV %.3f)", pp.Policy, pp.Hypervolume), best.MeanLatency, best.MeanEnergy))
			}
			continue
		}
		slices.SortFunc(front, func(a, b plotter.XY) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		c, dashes, shape := style(i)
		sc, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("plots: pareto of %s: %w", pp.Policy, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: shape}
		p.Add(sc)
		label := fmt.Sprintf("%s (HV %.3f)", pp.Policy, pp.Hypervolume)
		if len(off) > 0 {
			label += fmt.Sprintf(", %d off the chart", len(off))
		}
		if len(front) > 1 {
			line, err := plotter.NewLine(front)
			if err != nil {
				return nil, fmt.Errorf("plots: pareto of %s: %w", pp.Policy, err)
			}
			line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: dashes}
			p.Add(line)
			p.Legend.Add(label, line, sc)
		} else {
			p.Legend.Add(label, sc)
		}
	}
	p.Legend.Top = true
	legendRoom(p, DefaultWidth, DefaultHeight)
	return p, nil
}

// WritePareto writes the Pareto figure, as PNG and SVG, when s has a
// Pareto evaluation.
func WritePareto(dir string, s results.Summary) error {
	if len(s.Pareto) == 0 {
		return nil
	}
	p, err := Pareto(s)
	if err != nil {
		return err
	}
	return Save(p, dir, ParetoName, DefaultWidth, DefaultHeight)
}
