package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named set of values: a line of a LineChart (X and Y of
// equal length) or the values of a GroupChart (Y, one per group; X
// unused). A NaN Y is a missing value: it is not drawn.
type Series struct {
	Name string
	X, Y []float64
}

// LineChart is a figure of lines with points, one per series, styled by
// their index as the policies of the other figures are.
type LineChart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool // log scales; every drawn value on them must be > 0
	Series                []Series
	// Reference, if set, is a dashed grey line drawn under the series
	// (say, linear growth through the first point), named in the legend.
	Reference *Series
}

// Lines draws c. A series whose values are all missing is listed in the
// legend as "name (no data)". Infinite values, and values ≤ 0 on a log
// axis, are errors.
func Lines(c LineChart) (*plot.Plot, error) {
	ref, series, lo, hi, err := lineData(c)
	if err != nil {
		return nil, err
	}
	p := newPlot(c.Title, c.XLabel, c.YLabel)
	p.Add(plotter.NewGrid())
	if len(ref) > 1 {
		line, err := plotter.NewLine(ref)
		if err != nil {
			return nil, fmt.Errorf("plots: line chart: %w", err)
		}
		line.LineStyle = draw.LineStyle{Color: color.Gray{Y: 128}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		p.Add(line)
		p.Legend.Add(c.Reference.Name, line)
	}
	for i, xy := range series {
		name := c.Series[i].Name
		if len(xy) == 0 {
			p.Legend.Add(name + " (no data)")
			continue
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("plots: line chart: series %s: %w", name, err)
		}
		col, dashes, shape := style(i)
		line.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5), Dashes: dashes}
		points.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3), Shape: shape}
		p.Add(line, points)
		p.Legend.Add(name, line, points)
	}
	p.Legend.Top = true
	for k, a := range []*plot.Axis{&p.X, &p.Y} {
		if log := []bool{c.LogX, c.LogY}[k]; log && lo[k] <= hi[k] {
			a.Scale = plot.LogScale{}
			a.Tick.Marker = logTicks{}
			a.Min, a.Max = lo[k]/logPad, hi[k]*logPad
		}
	}
	return p, nil
}

// lineData returns the points Lines draws: the reference line's, each
// series' (missing values left out), and the range of x (lo[0], hi[0]) and
// y (lo[1], hi[1]) over all of them.
func lineData(c LineChart) (ref plotter.XYs, series []plotter.XYs, lo, hi [2]float64, err error) {
	if len(c.Series) == 0 {
		return nil, nil, lo, hi, errors.New("plots: line chart: no series")
	}
	lo[0], lo[1], hi[0], hi[1] = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	points := func(s Series) (plotter.XYs, error) {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: line chart: series %s has %d x and %d y", s.Name, len(s.X), len(s.Y))
		}
		var xy plotter.XYs
		for i := range s.X {
			x, y := s.X[i], s.Y[i]
			if math.IsNaN(x) || math.IsNaN(y) {
				continue
			}
			if math.IsInf(x, 0) || math.IsInf(y, 0) || c.LogX && x <= 0 || c.LogY && y <= 0 {
				return nil, fmt.Errorf("plots: line chart: series %s has the point (%v, %v), which the axes cannot show", s.Name, x, y)
			}
			xy = append(xy, plotter.XY{X: x, Y: y})
			lo[0], hi[0] = min(lo[0], x), max(hi[0], x)
			lo[1], hi[1] = min(lo[1], y), max(hi[1], y)
		}
		return xy, nil
	}
	if c.Reference != nil {
		if ref, err = points(*c.Reference); err != nil {
			return nil, nil, lo, hi, err
		}
	}
	for _, s := range c.Series {
		xy, err := points(s)
		if err != nil {
			return nil, nil, lo, hi, err
		}
		series = append(series, xy)
	}
	return ref, series, lo, hi, nil
}

// logPad widens a log axis beyond its data by this factor either way.
const logPad = 1.25

// groupWidth is the share of the space between two groups that a group's
// glyphs spread over.
const groupWidth = 0.7

// GroupChart is a figure of values by group and series: the groups along
// the x axis, each series a glyph per group, the series of one group side
// by side (a dot plot, which a log scale suits better than bars).
type GroupChart struct {
	Title, YLabel string
	LogY          bool // every drawn value must then be > 0
	Groups        []string
	Series        []Series // each with one Y per group; X unused
}

// Groups draws c. Missing (NaN) values are left out; a series with no
// value at all is listed as "name (no data)".
func Groups(c GroupChart) (*plot.Plot, error) {
	series, lo, hi, err := groupData(c)
	if err != nil {
		return nil, err
	}
	p := newPlot(c.Title, "", c.YLabel)
	ticks := make([]plot.Tick, len(c.Groups))
	for g, name := range c.Groups {
		ticks[g] = plot.Tick{Value: float64(g), Label: name}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	for i, xy := range series {
		name := c.Series[i].Name
		if len(xy) == 0 {
			p.Legend.Add(name + " (no data)")
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, fmt.Errorf("plots: group chart: series %s: %w", name, err)
		}
		col, _, shape := style(i)
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: shape}
		p.Add(sc)
		p.Legend.Add(name, sc)
	}
	// Add widens the axes to the data; set the ranges after it.
	p.X.Min, p.X.Max = -0.5, float64(len(c.Groups))-0.5
	if c.LogY && lo <= hi {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = lo/logPad, hi*logPad
	}
	p.Legend.Top = true
	return p, nil
}

// groupData returns the points Groups draws, one set per series: group g
// at x = g, the n series of a group spread over groupWidth around it in
// order, missing values left out; and the range of the values.
func groupData(c GroupChart) (series []plotter.XYs, lo, hi float64, err error) {
	if len(c.Groups) == 0 || len(c.Series) == 0 {
		return nil, 0, 0, errors.New("plots: group chart: no groups or no series")
	}
	n := len(c.Series)
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, s := range c.Series {
		if len(s.Y) != len(c.Groups) {
			return nil, 0, 0, fmt.Errorf("plots: group chart: series %s has %d values for %d groups", s.Name, len(s.Y), len(c.Groups))
		}
		var xy plotter.XYs
		for g, y := range s.Y {
			if math.IsNaN(y) {
				continue
			}
			if math.IsInf(y, 0) || c.LogY && y <= 0 {
				return nil, 0, 0, fmt.Errorf("plots: group chart: series %s has %v in group %s, which the axis cannot show", s.Name, y, c.Groups[g])
			}
			x := float64(g) + groupWidth*((float64(i)+0.5)/float64(n)-0.5)
			xy = append(xy, plotter.XY{X: x, Y: y})
			lo, hi = min(lo, y), max(hi, y)
		}
		series = append(series, xy)
	}
	return series, lo, hi, nil
}

// newPlot returns an empty plot with the house title padding.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = titlePadding
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	return p
}

// logTicks marks a log axis: every power of ten when the axis spans at
// least two of them (decadeTicks), else 1, 2 and 5 times the powers of
// ten, so that a narrow axis still has labels.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if math.Floor(math.Log10(hi))-math.Ceil(math.Log10(lo)) >= 1 {
		return decadeTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, float64(e))
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// Panels is a figure of plots side by side in one row.
type Panels struct {
	Plots []*plot.Plot
	// SharedLegend draws the first plot's legend once, in a column of
	// LegendWidth to the right of the plots, and no legend inside them:
	// for panels whose series are the same.
	SharedLegend bool
	LegendWidth  vg.Length
}

// panelGap separates two panels, and the panels from a shared legend.
const panelGap = 12 // points

// SavePanels writes f as dir/name.png and dir/name.svg, each width ×
// height, like Save. The panels share the width equally.
func SavePanels(f Panels, dir, name string, width, height vg.Length) error {
	if len(f.Plots) == 0 {
		return errors.New("plots: panels: no plots")
	}
	if f.SharedLegend && f.LegendWidth <= 0 {
		return errors.New("plots: panels: a shared legend needs a width")
	}
	var legend plot.Legend
	plots := f.Plots
	if f.SharedLegend {
		legend = f.Plots[0].Legend
		plots = make([]*plot.Plot, len(f.Plots))
		for i, p := range f.Plots {
			cp := *p
			cp.Legend = plot.NewLegend()
			plots[i] = &cp
		}
	}
	return save(dir, name, width, height, func(dc draw.Canvas) {
		area := dc
		if f.SharedLegend {
			area.Max.X -= f.LegendWidth + vg.Points(panelGap)
		}
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(panelGap)}
		for i, p := range plots {
			p.Draw(tiles.At(area, i, 0))
		}
		if f.SharedLegend {
			lc := dc
			lc.Min.X = dc.Max.X - f.LegendWidth
			lc.Max.Y -= vg.Points(3 * titlePadding) // about the title's height: align with the data
			legend.Top, legend.Left = true, true
			legend.Draw(lc)
		}
	})
}

// LogX puts p's x axis on a log scale from lo to hi (both > 0), with the
// ticks of the other log axes: for a CDF whose values span decades.
func LogX(p *plot.Plot, lo, hi float64) error {
	if !(lo > 0 && hi > lo) || math.IsInf(hi, 0) {
		return fmt.Errorf("plots: log axis from %v to %v", lo, hi)
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.X.Min, p.X.Max = lo, hi
	return nil
}
