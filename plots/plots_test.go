package plots

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mecsim/mecsim/results"
)

// testTasks makes n tasks for each of four policies with distinct latency
// and energy levels, from a fixed seed.
func testTasks(n int) []results.Task {
	rng := rand.New(rand.NewPCG(1, 2))
	policies := []struct {
		name          string
		place         string
		base, spread  float64 // latency, s
		energyPerTask float64 // J
	}{
		{"local", "local", 0.080, 0.020, 0.30},
		{"edge-greedy", "edge-0", 0.030, 0.040, 0.08},
		{"cloud", "cloud", 0.120, 0.010, 0.05},
		{"random", "edge-1", 0.050, 0.080, 0.15},
	}
	var tasks []results.Task
	for i := range n {
		arrival := float64(i) * 0.01
		for _, p := range policies {
			lat := p.base + p.spread*rng.ExpFloat64()
			tasks = append(tasks, results.Task{
				ID: int64(i), Policy: p.name, Device: i % 5, Model: "mobilenet-v2",
				Arrival: arrival, Start: arrival + lat/2, Finish: arrival + lat, Place: p.place,
				Latency: lat, Energy: p.energyPerTask * (0.5 + rng.Float64()), Deadline: 0.1, Met: lat <= 0.1,
			})
		}
	}
	return tasks
}

func TestECDF(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sorted []float64
		max    int
		want   plotter.XYs
	}{
		{"empty", nil, 10, nil},
		{"one", []float64{5}, 10, plotter.XYs{{X: 5, Y: 0}, {X: 5, Y: 1}}},
		{"distinct", []float64{1, 2, 3, 4}, 10,
			plotter.XYs{{X: 1, Y: 0}, {X: 1, Y: 0.25}, {X: 2, Y: 0.5}, {X: 3, Y: 0.75}, {X: 4, Y: 1}}},
		// Ties count together: F(2) = 3/4.
		{"ties", []float64{1, 2, 2, 3}, 10,
			plotter.XYs{{X: 1, Y: 0}, {X: 1, Y: 0.25}, {X: 2, Y: 0.75}, {X: 3, Y: 1}}},
		{"all tied", []float64{7, 7, 7}, 10, plotter.XYs{{X: 7, Y: 0}, {X: 7, Y: 1}}},
		// Ten values, five points: ranks ⌈j·10/5⌉ = 2, 4, 6, 8, 10.
		{"thinned", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 5,
			plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0.2}, {X: 3, Y: 0.4}, {X: 5, Y: 0.6}, {X: 7, Y: 0.8}, {X: 9, Y: 1}}},
		// Ranks 2 and 4 land on the tie 1,1,1 (ranks 2..4): one vertex, exact.
		{"thinned ties", []float64{0, 1, 1, 1, 4, 5}, 3,
			plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 4.0 / 6}, {X: 5, Y: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ecdf(tc.sorted, tc.max)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ecdf(%v, %d) =\n%v\nwant\n%v", tc.sorted, tc.max, got, tc.want)
			}
		})
	}
}

// TestECDFLarge checks the thinned CDF against the exact one at every value.
func TestECDFLarge(t *testing.T) {
	const n, m = 100000, 2000
	rng := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Round(rng.NormFloat64()*1000) / 10 // many ties
	}
	sorted := append([]float64(nil), xs...)
	slices.Sort(sorted)
	pts := ecdf(sorted, m)
	if len(pts) > m+1 {
		t.Errorf("%d vertices, want at most %d", len(pts), m+1)
	}
	if last := pts[len(pts)-1]; last.X != sorted[n-1] || last.Y != 1 {
		t.Errorf("last vertex %v, want (%v, 1)", last, sorted[n-1])
	}
	// Drawn post-step, the line at x is the Y of the last vertex with X ≤ x.
	j, end := 0, 0
	for i := 0; i < n; i++ {
		x := sorted[i]
		for j+1 < len(pts) && pts[j+1].X <= x {
			j++
		}
		for end < n && sorted[end] <= x {
			end++ // end counts the values ≤ x
		}
		exact := float64(end) / n
		if d := exact - pts[j].Y; d < 0 || d > 1.0/m+1.0/n {
			t.Fatalf("at x=%v drawn %v, exact %v", x, pts[j].Y, exact)
		}
		if j > 0 && pts[j].X == x && pts[j].Y != exact { // pts[0] is the (min, 0) start
			t.Fatalf("vertex at x=%v has %v, exact %v", x, pts[j].Y, exact)
		}
	}
}

func TestWriteFigures(t *testing.T) {
	tasks := testTasks(500)
	dir := t.TempDir()
	policies := results.Policies(tasks)
	if err := WriteFigures(dir, tasks, results.SummarizeAll(tasks, policies), policies); err != nil {
		t.Fatal(err)
	}
	wantW := int(math.Round(DefaultWidth.Dots(DPI)))  // 900
	wantH := int(math.Round(DefaultHeight.Dots(DPI))) // 600
	for _, name := range []string{LatencyCDFName, LatencyEnergyName} {
		f, err := os.Open(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
			t.Errorf("%s.png is %d×%d, want %d×%d", name, b.Dx(), b.Dy(), wantW, wantH)
		}
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(svg, []byte("<?xml")) && !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Errorf("%s.svg starts %q", name, svg[:min(len(svg), 20)])
		}
		for _, p := range policies {
			if !bytes.Contains(svg, []byte(p)) {
				t.Errorf("%s.svg does not name policy %s", name, p)
			}
		}
	}
	if wantW != 900 || wantH != 600 {
		t.Errorf("default PNG size %d×%d, documented as 900×600", wantW, wantH)
	}
}

// TestWriteFiguresFromCSV redraws the figures from tasks read back from
// tasks.csv, with summaries and policies left to WriteFigures, and gets the
// same bytes as the run's own call. Rendering twice also checks determinism.
func TestWriteFiguresFromCSV(t *testing.T) {
	tasks := testTasks(300)
	policies := results.Policies(tasks)
	runDir := t.TempDir()
	if err := WriteFigures(runDir, tasks, results.SummarizeAll(tasks, policies), policies); err != nil {
		t.Fatal(err)
	}

	var csv bytes.Buffer
	if err := results.WriteTasksCSV(&csv, tasks); err != nil {
		t.Fatal(err)
	}
	back, err := results.ReadTasksCSV(&csv)
	if err != nil {
		t.Fatal(err)
	}
	redrawDir := t.TempDir()
	if err := WriteFigures(redrawDir, back, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"latency_cdf.png", "latency_cdf.svg", "latency_energy.png", "latency_energy.svg"} {
		a, err := os.ReadFile(filepath.Join(runDir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(redrawDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the run and the redraw from CSV", name)
		}
	}
}

func TestSaveDeterministic(t *testing.T) {
	tasks := testTasks(200)
	render := func() map[string][]byte {
		dir := t.TempDir()
		p, err := LatencyCDF(tasks, []string{"cloud", "local"})
		if err != nil {
			t.Fatal(err)
		}
		if err := Save(p, dir, "f", 4*vg.Inch, 3*vg.Inch); err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, ext := range []string{"png", "svg"} {
			b, err := os.ReadFile(filepath.Join(dir, "f."+ext))
			if err != nil {
				t.Fatal(err)
			}
			out[ext] = b
		}
		return out
	}
	a, b := render(), render()
	for ext := range a {
		if !bytes.Equal(a[ext], b[ext]) {
			t.Errorf("two renderings of the same plot give different %s bytes", ext)
		}
	}
}

func TestLatencyCDFEdgeCases(t *testing.T) {
	tasks := testTasks(20)
	if _, err := LatencyCDF(nil, nil); err == nil {
		t.Error("no tasks and no policies: no error")
	}
	// A policy without tasks is drawn as a legend entry only.
	p, err := LatencyCDF(tasks, []string{"local", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(p, t.TempDir(), "f", DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
	bad := append(testTasks(2), results.Task{Policy: "local", Latency: math.NaN()})
	if _, err := LatencyCDF(bad, nil); err == nil || !strings.Contains(err.Error(), "local") {
		t.Errorf("NaN latency: error %v, want one naming the policy", err)
	}
}

func TestLatencyEnergyEdgeCases(t *testing.T) {
	if _, err := LatencyEnergy(nil); err == nil {
		t.Error("no summaries: no error")
	}
	// Only policies without tasks: an empty but drawable plot.
	p, err := LatencyEnergy([]results.PolicySummary{{Policy: "idle"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(p, t.TempDir(), "f", DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
}

func TestLatencyCDFAxis(t *testing.T) {
	// 199 latencies 1..199 ms and one outlier of 10 s: p99 is at h = 199·0.99
	// = 197.01, between x[197] = 198 and x[198] = 199, so 198.01 ms, and the
	// axis ends at 1.05 × 198.01 ms.
	var tasks []results.Task
	for i := 1; i < 200; i++ {
		tasks = append(tasks, results.Task{Policy: "a", Latency: float64(i) / 1000})
	}
	tasks = append(tasks, results.Task{Policy: "a", Latency: 10})
	p, err := LatencyCDF(tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1.05 * 198.01; p.X.Min != 0 || math.Abs(p.X.Max-want) > 1e-9 || p.Y.Min != 0 || p.Y.Max != 1 {
		t.Errorf("axes x [%v, %v], y [%v, %v]; want x [0, %v], y [0, 1]", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max, want)
	}

	// Without a long tail the axis ends at the largest latency.
	p, err = LatencyCDF(tasks[:199], nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Max != 199 {
		t.Errorf("x max %v, want 199", p.X.Max)
	}

	// All latencies zero still draws.
	p, err = LatencyCDF([]results.Task{{Policy: "a"}, {Policy: "a"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(p, t.TempDir(), "zero", DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
}

func TestOffChartCut(t *testing.T) {
	tests := []struct {
		name      string
		latencies []float64
		want      float64
	}{
		{"none", nil, math.Inf(1)},
		{"one", []float64{0.5}, math.Inf(1)},
		{"within an order of magnitude", []float64{0.1, 0.8, 0.05, 0.45}, math.Inf(1)},
		// The gap is between sorted neighbours, not from the least: 0.05
		// to 0.45 to 4 is two steps below ten each.
		{"a ladder", []float64{4, 0.05, 0.45}, math.Inf(1)},
		{"diverged", []float64{0.5389, 309.4, 0.5327, 10269, 0.57}, 0.57},
		{"a gap low down", []float64{0.001, 0.5, 0.6}, 0.001},
		{"zero and NaN ignored", []float64{0, math.NaN(), 0.5, 30}, 0.5},
	}
	for _, tt := range tests {
		if got := offChartCut(tt.latencies); got != tt.want {
			t.Errorf("%s: offChartCut(%v) = %v, want %v", tt.name, tt.latencies, got, tt.want)
		}
	}
}

// TestChartsLeaveDivergedPoliciesOff checks that a policy three orders of
// magnitude slower than the rest is named in the legend, with its
// figures, and does not stretch the axes.
func TestChartsLeaveDivergedPoliciesOff(t *testing.T) {
	summaries := []results.PolicySummary{
		{Policy: "cloud", Tasks: 10, MeanLatency: 0.5389, MeanEnergy: 0.1982},
		{Policy: "greedy", Tasks: 10, MeanLatency: 0.5698, MeanEnergy: 0.2013},
		{Policy: "edge-nearest", Tasks: 10, MeanLatency: 309.384, MeanEnergy: 33.8995},
	}
	pareto := results.Summary{Pareto: []results.ParetoPolicy{
		{Policy: "agents", Knob: "energy weight", Points: []results.ParetoPoint{
			{Knob: 1, MeanLatency: 0.5327, MeanEnergy: 0.1988, OnFront: true},
			{Knob: 2, MeanLatency: 0.5382, MeanEnergy: 0.1981, OnFront: true},
			{Knob: 9, MeanLatency: 400, MeanEnergy: 50},
		}},
		{Policy: "cloud", Points: []results.ParetoPoint{{MeanLatency: 0.5389, MeanEnergy: 0.1982, OnFront: true}}},
		{Policy: "edge-nearest", Points: []results.ParetoPoint{{MeanLatency: 309.384, MeanEnergy: 33.8995, OnFront: true}}},
	}}
	le, err := LatencyEnergy(summaries)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := Pareto(pareto)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		p     *plot.Plot
		top   float64 // the highest point drawn, mJ
		wants []string
	}{
		{"latency-energy", le, 1e3 * summaries[1].MeanEnergy, []string{"edge-nearest: off the chart, 309384 ms, 33900 mJ"}},
		{"pareto", pp, 1e3 * pareto.Pareto[0].Points[0].MeanEnergy, []string{"edge-nearest (HV 0.000): off the chart, 309384 ms, 33900 mJ", "agents (HV 0.000), 1 off the chart"}},
	} {
		if c.p.X.Max > 1000 {
			t.Errorf("%s: the x axis reaches %v ms: the diverged policy stretches it", c.name, c.p.X.Max)
		}
		dc := c.p.DataCanvas(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: DefaultWidth, Y: DefaultHeight}}})
		_, y := c.p.Transforms(&dc)
		if bottom := dc.Max.Y - c.p.Legend.Rectangle(dc).Size().Y; y(c.top) >= bottom {
			t.Errorf("%s: the highest point is drawn at %v, under the legend (down to %v)", c.name, y(c.top), bottom)
		}
		file := filepath.Join(t.TempDir(), "f.svg")
		if err := c.p.Save(DefaultWidth, DefaultHeight, file); err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.wants {
			if !strings.Contains(string(svg), w) {
				t.Errorf("%s: the figure does not say %q", c.name, w)
			}
		}
	}
}
