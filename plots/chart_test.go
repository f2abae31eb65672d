package plots

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func TestLines(t *testing.T) {
	c := LineChart{
		Title: "t", XLabel: "x", YLabel: "y", LogX: true,
		Series: []Series{
			{Name: "a", X: []float64{1, 10, 100}, Y: []float64{3, math.NaN(), 5}}, // NaN: a missing value
			{Name: "b", X: []float64{1, 10}, Y: []float64{math.NaN(), math.NaN()}},
		},
	}
	_, series, _, _, err := lineData(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []plotter.XYs{{{X: 1, Y: 3}, {X: 100, Y: 5}}, nil}; !reflect.DeepEqual(series, want) {
		t.Errorf("points %v, want %v", series, want)
	}
	p, err := Lines(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.X.Scale.(plot.LogScale); !ok {
		t.Errorf("x scale %T, want a log scale", p.X.Scale)
	}
	if p.X.Min != 1/logPad || p.X.Max != 100*logPad {
		t.Errorf("x axis [%v, %v], want [%v, %v]", p.X.Min, p.X.Max, 1/logPad, 100*logPad)
	}
	for _, bad := range []LineChart{
		{},
		{Series: []Series{{Name: "short", X: []float64{1, 2}, Y: []float64{1}}}},
		{Series: []Series{{Name: "inf", X: []float64{1}, Y: []float64{math.Inf(1)}}}},
		{LogY: true, Series: []Series{{Name: "zero", X: []float64{1}, Y: []float64{0}}}},
	} {
		if _, err := Lines(bad); err == nil {
			t.Errorf("Lines(%+v): no error", bad)
		}
	}
}

func TestLinesReference(t *testing.T) {
	ref := Series{Name: "linear", X: []float64{1, 10}, Y: []float64{2, 20}}
	c := LineChart{Series: []Series{{Name: "a", X: []float64{1, 10}, Y: []float64{2, 30}}}, Reference: &ref, LogX: true, LogY: true}
	got, _, lo, hi, err := lineData(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := (plotter.XYs{{X: 1, Y: 2}, {X: 10, Y: 20}}); !reflect.DeepEqual(got, want) {
		t.Errorf("reference %v, want %v", got, want)
	}
	// The axes hold the reference and the series.
	if lo != [2]float64{1, 2} || hi != [2]float64{10, 30} {
		t.Errorf("range %v to %v, want [1 2] to [10 30]", lo, hi)
	}
	if _, err := Lines(c); err != nil {
		t.Fatal(err)
	}
}

func TestGroups(t *testing.T) {
	c := GroupChart{
		Title: "g", YLabel: "ms", LogY: true,
		Groups: []string{"m1", "m2"},
		Series: []Series{
			{Name: "local", Y: []float64{10, 100}},
			{Name: "edge", Y: []float64{math.NaN(), 1}},
		},
	}
	got, _, _, err := groupData(c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Groups(c)
	if err != nil {
		t.Fatal(err)
	}
	// Two series: the first left of each group's centre, the second right,
	// spread over groupWidth.
	off := groupWidth / 4
	want := []plotter.XYs{{{X: -off, Y: 10}, {X: 1 - off, Y: 100}}, {{X: 1 + off, Y: 1}}}
	if len(got) != len(want) {
		t.Fatalf("%d scatters, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j].X-want[i][j].X) > 1e-12 || got[i][j].Y != want[i][j].Y {
				t.Errorf("series %d point %d = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
	ticks := p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max)
	if len(ticks) != 2 || ticks[0].Label != "m1" || ticks[1].Label != "m2" || ticks[1].Value != 1 {
		t.Errorf("x ticks %v, want m1 at 0 and m2 at 1", ticks)
	}
	if p.Y.Min != 1/logPad || p.Y.Max != 100*logPad {
		t.Errorf("y axis [%v, %v], want [%v, %v]", p.Y.Min, p.Y.Max, 1/logPad, 100*logPad)
	}
	for _, bad := range []GroupChart{
		{Series: c.Series},
		{Groups: c.Groups},
		{Groups: c.Groups, Series: []Series{{Name: "one value", Y: []float64{1}}}},
		{Groups: c.Groups, LogY: true, Series: []Series{{Name: "negative", Y: []float64{1, -1}}}},
	} {
		if _, err := Groups(bad); err == nil {
			t.Errorf("Groups(%+v): no error", bad)
		}
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) []string {
		var out []string
		for _, tk := range ticks {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.5, 2000, []string{"1", "10", "100", "1000"}}, // decades
		{12, 80, []string{"20", "50"}},                  // within one decade: 1, 2, 5
		{3, 40, []string{"5", "10", "20"}},
	} {
		if got := labels(logTicks{}.Ticks(tc.lo, tc.hi)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("logTicks(%v, %v) labels %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestSavePanels(t *testing.T) {
	dir := t.TempDir()
	a, err := Lines(LineChart{Title: "a", Series: []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{1, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Lines(LineChart{Title: "b", Series: []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{2, 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := Panels{Plots: []*plot.Plot{a, b}, SharedLegend: true, LegendWidth: vg.Inch}
	if err := SavePanels(f, dir, "two", 8*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "two.png")
	img := decodePNG(t, pngPath)
	if got := img.Bounds().Dx(); got != 8*DPI {
		t.Errorf("width %d px, want %d", got, 8*DPI)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "two.svg"))
	if err != nil {
		t.Fatal(err)
	}
	// Both titles, and the legend's entry once: the panels' own legends
	// are left out.
	for text, n := range map[string]int{">a<": 1, ">b<": 1, ">s<": 1} {
		if got := strings.Count(string(svg), text); got != n {
			t.Errorf("the SVG has %q %d times, want %d", text, got, n)
		}
	}
	// The plots keep their legends for other uses.
	if a.Legend.Top != true {
		t.Error("SavePanels changed the first plot's legend")
	}
	// Saving again gives the same bytes.
	first, _ := os.ReadFile(pngPath)
	if err := SavePanels(f, dir, "two", 8*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(pngPath); string(again) != string(first) {
		t.Error("the same panels gave different PNG bytes")
	}
	if err := SavePanels(Panels{}, dir, "none", vg.Inch, vg.Inch); err == nil {
		t.Error("no plots: no error")
	}
	if err := SavePanels(Panels{Plots: []*plot.Plot{a}, SharedLegend: true}, dir, "x", vg.Inch, vg.Inch); err == nil {
		t.Error("shared legend without a width: no error")
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}
