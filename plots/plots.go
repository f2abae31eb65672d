package plots

import (
	"bufio"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mecsim/mecsim/results"
)

// Figure sizes and resolution used by WriteFigures. A DefaultWidth ×
// DefaultHeight PNG at DPI is 900 × 600 pixels.
const (
	DefaultWidth  = 6 * vg.Inch
	DefaultHeight = 4 * vg.Inch
	DPI           = 150
)

// maxCDFPoints caps the vertices of one CDF line, so that a run of a
// million tasks still gives a small SVG. See ecdf.
const maxCDFPoints = 2000

// tailCut is how far past the largest per-policy p99 latency the CDF's x
// axis runs.
const tailCut = 1.05

// titlePadding separates a figure's title from the top edge and the plot.
const titlePadding = 6 // points

// fractionTicks label the y axis of a CDF.
var fractionTicks = []plot.Tick{
	{Value: 0, Label: "0"}, {Value: 0.1}, {Value: 0.2, Label: "0.2"}, {Value: 0.3}, {Value: 0.4, Label: "0.4"},
	{Value: 0.5}, {Value: 0.6, Label: "0.6"}, {Value: 0.7}, {Value: 0.8, Label: "0.8"}, {Value: 0.9}, {Value: 1, Label: "1"},
}

// Names of the files WriteFigures writes, without extension.
const (
	LatencyCDFName    = "latency_cdf"
	LatencyEnergyName = "latency_energy"
)

// style returns the colour, dash pattern and glyph of the i-th policy, so
// that a policy looks the same in every figure when the policies are given
// in the same order.
func style(i int) (color.Color, []vg.Length, draw.GlyphDrawer) {
	c := plotutil.DarkColors[i%len(plotutil.DarkColors)]
	return c, plotutil.Dashes(i), plotutil.Shape(i)
}

// LatencyCDF plots the empirical cumulative distribution of task latency,
// in milliseconds, with one line per policy in the order given: the
// fraction of the policy's tasks whose latency is at most x. The x axis
// runs from 0 to 5% past the largest of the policies' 99th percentiles (or
// to the largest latency, if smaller), so a long tail does not squash the
// body of the distributions: a line that meets the right edge below 1 has
// more than 1% of its tasks beyond it. Lines that reach 1 continue flat to
// the right edge. A policy with no tasks appears in the legend as
// "name (no tasks)". With policies nil, every policy in tasks is drawn, in
// the order of results.Policies. A NaN or infinite latency is an error.
//
// A line has at most about 2000 vertices however many tasks there are; the
// plotted curve is exact at each vertex and below the true CDF by at most
// 1/2000 + 1/n between them (n the policy's task count).
func LatencyCDF(tasks []results.Task, policies []string) (*plot.Plot, error) {
	return metricCDF(tasks, policies, "Task latency CDF", "latency (ms)",
		func(t *results.Task) (float64, bool) { return t.Latency, true })
}

// TTFTCDF plots, like LatencyCDF, the distribution of LLM requests' time
// to first token at the phone.
func TTFTCDF(tasks []results.Task, policies []string) (*plot.Plot, error) {
	return metricCDF(tasks, policies, "Time to first token CDF", "TTFT (ms)",
		func(t *results.Task) (float64, bool) { return t.TTFT, t.Kind == "llm" })
}

// TPOTCDF plots, like LatencyCDF, the distribution of LLM requests' mean
// time per output token after the first, at the phone.
func TPOTCDF(tasks []results.Task, policies []string) (*plot.Plot, error) {
	return metricCDF(tasks, policies, "Time per output token CDF", "TPOT (ms)",
		func(t *results.Task) (float64, bool) { return t.TPOT, t.Kind == "llm" })
}

// metricCDF draws the CDF of metric, in milliseconds, over the tasks that
// ran (status ok) and for which metric reports true.
func metricCDF(tasks []results.Task, policies []string, title, xlabel string, metric func(*results.Task) (float64, bool)) (*plot.Plot, error) {
	if policies == nil {
		policies = results.Policies(tasks)
	}
	if len(policies) == 0 {
		return nil, errors.New("plots: CDF: no policies")
	}
	lat := valuesMS(tasks, metric)

	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = titlePadding
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "fraction of tasks"
	p.Y.Tick.Marker = plot.ConstantTicks(fractionTicks)
	p.Legend.Top, p.Legend.Left = false, false // bottom right, where CDFs are empty
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	p.Add(plotter.NewGrid())

	// The x axis shows the body of every distribution: it ends a little
	// past the largest per-policy p99, or at the largest latency if that
	// comes first. Lines are clipped there.
	var xmax, p99 float64
	for _, name := range policies {
		if l := lat[name]; len(l) > 0 {
			xmax = max(xmax, l[len(l)-1])
			p99 = max(p99, results.Quantile(l, 0.99))
		}
	}
	if cut := tailCut * p99; cut < xmax {
		xmax = cut
	}
	for i, name := range policies {
		pts := ecdf(lat[name], maxCDFPoints)
		label := name
		if len(pts) == 0 {
			label += " (no tasks)"
		} else if last := pts[len(pts)-1]; last.X < xmax {
			pts = append(pts, plotter.XY{X: xmax, Y: 1})
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plots: latency CDF of %s: %w", name, err)
		}
		line.StepStyle = plotter.PostStep
		c, dashes, _ := style(i)
		line.Color = c
		line.Dashes = dashes
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(label, line)
	}
	// Add widens the axes to the data; set the ranges after it.
	p.X.Min = 0
	if xmax > 0 {
		p.X.Max = xmax
	}
	p.Y.Min, p.Y.Max = 0, 1
	return p, nil
}

// valuesMS groups a metric of the tasks that ran by policy, in
// milliseconds, each group sorted.
func valuesMS(tasks []results.Task, metric func(*results.Task) (float64, bool)) map[string][]float64 {
	lat := map[string][]float64{}
	for i := range tasks {
		t := &tasks[i]
		if t.Status != "" && t.Status != results.StatusOK {
			continue
		}
		if v, ok := metric(t); ok {
			lat[t.Policy] = append(lat[t.Policy], v*1e3)
		}
	}
	for _, l := range lat {
		slices.Sort(l)
	}
	return lat
}

// ecdf returns the vertices of the empirical CDF of sorted (increasing), to
// be drawn with plotter.PostStep: first (min, 0), then (x, F(x)) at
// increasing x, where F(x) is the fraction of values ≤ x, ending at
// (max, 1). With more than maxPoints distinct values it keeps about
// maxPoints of them, at evenly spaced ranks; F is exact at every vertex
// kept, and the drawn step lies below the true CDF by at most 1/maxPoints
// + 1/n between them. It returns nil for no values.
func ecdf(sorted []float64, maxPoints int) plotter.XYs {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	m := min(n, maxPoints)
	pts := plotter.XYs{{X: sorted[0], Y: 0}}
	for j := 1; j <= m; j++ {
		k := (j*n + m - 1) / m // ceil(j·n/m): a rank in 1..n
		x := sorted[k-1]
		// Count every value tied with x, so F(x) is exact.
		k = k + sort.Search(n-k, func(i int) bool { return sorted[k+i] > x })
		y := float64(k) / float64(n)
		if last := &pts[len(pts)-1]; len(pts) > 1 && last.X == x {
			last.Y = y
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts
}

// LatencyEnergy plots each policy as one labelled point: mean task latency
// (ms) against mean device energy per task (mJ). Lower left is better on
// both. Policies with no completed tasks are left out, since their zero
// means are not measurements; policies an order of magnitude above the
// rest in latency (offChartCut) are named in the legend, not drawn.
func LatencyEnergy(summaries []results.PolicySummary) (*plot.Plot, error) {
	return latencyEnergy(summaries, nil)
}

// latencyEnergy is LatencyEnergy with each policy styled by its index in
// order, or by its index in summaries where order does not list it.
func latencyEnergy(summaries []results.PolicySummary, order []string) (*plot.Plot, error) {
	if len(summaries) == 0 {
		return nil, errors.New("plots: latency-energy: no policies")
	}
	p := plot.New()
	p.Title.Text = "Mean latency and energy per task"
	p.Title.Padding = titlePadding
	p.X.Label.Text = "mean latency (ms)"
	p.Y.Label.Text = "mean device energy per task (mJ)"
	p.Add(plotter.NewGrid())

	var latencies []float64
	for _, s := range summaries {
		if s.Tasks > 0 {
			latencies = append(latencies, s.MeanLatency)
		}
	}
	cut := offChartCut(latencies)
	for i, s := range summaries {
		if s.Tasks == 0 {
			continue
		}
		if s.MeanLatency > cut {
			p.Legend.Add(offChartLabel(s.Policy, s.MeanLatency, s.MeanEnergy))
			continue
		}
		pt := plotter.XYs{{X: s.MeanLatency * 1e3, Y: s.MeanEnergy * 1e3}}
		sc, err := plotter.NewScatter(pt)
		if err != nil {
			return nil, fmt.Errorf("plots: latency-energy of %s: %w", s.Policy, err)
		}
		idx := i
		if j := slices.Index(order, s.Policy); j >= 0 {
			idx = j
		}
		c, _, shape := style(idx)
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: shape}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: pt, Labels: []string{s.Policy}})
		if err != nil {
			return nil, fmt.Errorf("plots: latency-energy of %s: %w", s.Policy, err)
		}
		lb.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(3)}
		p.Add(sc, lb)
	}
	legendRoom(p, DefaultWidth, DefaultHeight)
	return p, nil
}

// offChartGap is the ratio between consecutive sorted mean latencies
// beyond which the larger ones are left off a latency-energy chart.
const offChartGap = 10

// offChartCut returns the largest latency a latency-energy chart shows:
// the one below the first gap of more than offChartGap in the sorted
// latencies, or +Inf. A policy whose queues grow for the whole run (a
// phone running 10¹¹-operation subtasks on its CPU) ends 10³ times above
// the rest and would squeeze them into one corner; charts name such
// policies in the legend, with their figures, instead of drawing them.
func offChartCut(latencies []float64) float64 {
	s := slices.Clone(latencies)
	s = slices.DeleteFunc(s, func(x float64) bool { return !(x > 0) || math.IsInf(x, 0) })
	slices.Sort(s)
	for i := 1; i < len(s); i++ {
		if s[i] > offChartGap*s[i-1] {
			return s[i-1]
		}
	}
	return math.Inf(1)
}

// offChartLabel is the legend entry of a policy left off a chart: its
// name, as the chart labels it, and its mean latency and energy (s and
// J) in ms and mJ.
func offChartLabel(policy string, latency, energy float64) string {
	figure := func(x float64) string {
		if math.Abs(x) >= 1000 {
			return fmt.Sprintf("%.0f", x) // whole units: no exponent to read
		}
		return fmt.Sprintf("%.4g", x)
	}
	return fmt.Sprintf("%s: off the chart, %s ms, %s mJ", policy, figure(1e3*latency), figure(1e3*energy))
}

// legendRoom pads p's axes by a twentieth of their span on each side, so
// that no glyph sits on an edge, and raises the y axis's top so that the
// legend, drawn in the top corner, clears every point when p is drawn
// w × h. Pareto fronts lie low and to the left, but the dominated
// policies sit exactly where the legend goes.
func legendRoom(p *plot.Plot, w, h vg.Length) {
	if math.IsInf(p.X.Min, 0) || math.IsInf(p.Y.Min, 0) {
		return // nothing drawn: the axes have no range yet
	}
	pad := func(a *plot.Axis) {
		span := a.Max - a.Min
		if !(span > 0) {
			span = math.Max(math.Abs(a.Max), 1)
		}
		a.Min -= span / 20
		a.Max += span / 20
	}
	pad(&p.X)
	pad(&p.Y)
	legend := p.Legend.Rectangle(draw.Canvas{}).Size().Y
	if legend == 0 {
		return
	}
	data := p.DataCanvas(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}).Size().Y
	// The legend's share of the data area, with a line's gap below it;
	// past two thirds the points would be squeezed flat: let them overlap.
	share := math.Min(float64(legend+p.Legend.TextStyle.Font.Size)/float64(data), 2.0/3)
	p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-share)
}

// Save writes p as dir/name.png (at DPI) and dir/name.svg, each width ×
// height, making dir if needed. Files are synced before Save returns, so a
// results.Folder that is committed afterwards holds them whole. The same
// plot gives the same bytes every time. SVG text names the Liberation fonts
// without embedding them.
func Save(p *plot.Plot, dir, name string, width, height vg.Length) error {
	return save(dir, name, width, height, p.Draw)
}

// save draws a figure with drawFig on a PNG and on an SVG canvas of
// width × height and writes them as dir/name.png and dir/name.svg.
func save(dir, name string, width, height vg.Length, drawFig func(draw.Canvas)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))}
	svg := vgsvg.New(width, height)
	for _, c := range []struct {
		ext    string
		canvas vg.CanvasWriterTo
	}{{"png", png}, {"svg", svg}} {
		drawFig(draw.New(c.canvas))
		if err := writeFile(filepath.Join(dir, name+"."+c.ext), c.canvas); err != nil {
			return fmt.Errorf("plots: %w", err)
		}
	}
	return nil
}

// writeFile writes src to path through a buffer and syncs it.
func writeFile(path string, src io.WriterTo) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriter(f)
	if _, err := src.WriteTo(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// WriteFigures writes the standard figures of a run into dir:
// latency_cdf.{png,svg} (LatencyCDF) and latency_energy.{png,svg}
// (LatencyEnergy), each DefaultWidth × DefaultHeight. Policies keep one
// colour across figures.
//
// It needs only what tasks.csv holds: with summaries nil they are computed
// from tasks with results.SummarizeAll, and with policies nil every policy in
// tasks is drawn in order of first appearance. So
//
//	tasks, err := results.ReadTasksCSV(f)
//	…
//	err = plots.WriteFigures(dir, tasks, nil, nil)
//
// redraws a run's figures without re-simulating.
func WriteFigures(dir string, tasks []results.Task, summaries []results.PolicySummary, policies []string) error {
	if policies == nil {
		policies = results.Policies(tasks)
	}
	if summaries == nil {
		summaries = results.SummarizeAll(tasks, policies)
	}
	cdf, err := LatencyCDF(tasks, policies)
	if err != nil {
		return err
	}
	if err := Save(cdf, dir, LatencyCDFName, DefaultWidth, DefaultHeight); err != nil {
		return err
	}
	le, err := latencyEnergy(summaries, policies)
	if err != nil {
		return err
	}
	if err := Save(le, dir, LatencyEnergyName, DefaultWidth, DefaultHeight); err != nil {
		return err
	}
	if !slices.ContainsFunc(tasks, func(t results.Task) bool { return t.Kind == "llm" }) {
		return nil
	}
	for _, f := range []struct {
		name string
		draw func([]results.Task, []string) (*plot.Plot, error)
	}{{TTFTCDFName, TTFTCDF}, {TPOTCDFName, TPOTCDF}} {
		p, err := f.draw(tasks, policies)
		if err != nil {
			return err
		}
		if err := Save(p, dir, f.name, DefaultWidth, DefaultHeight); err != nil {
			return err
		}
	}
	return nil
}

// Names of the LLM figures, written when the run has LLM requests.
const (
	TTFTCDFName = "ttft_cdf"
	TPOTCDFName = "tpot_cdf"
)
