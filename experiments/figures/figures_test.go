package figures

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/experiments"
)

// TestSuiteFiles checks that every built-in file draws a figure, that the
// suite has every kind, and that each file and its quick version
// validate; and that the built-in copies are the files of the folder.
func TestSuiteFiles(t *testing.T) {
	env, err := experiments.DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) != len(files) {
		t.Errorf("%d files built in, %d in the folder", len(files), len(onDisk))
	}
	var kinds []string
	s := &suite{env: env, known: env.Known()}
	for i, f := range files {
		if i < len(onDisk) && (onDisk[i].Name != f.Name || !bytes.Equal(onDisk[i].Src, f.Src)) {
			t.Errorf("built-in %s differs from the folder's %s", f.Name, onDisk[i].Name)
		}
		c, err := s.load(f)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		kinds = append(kinds, c.Figure.Kind)
		if c.Figure.Quick == nil {
			t.Errorf("%s: no [figure.quick] table", f.Name)
		}
		if _, err := c.QuickFigure(env.Known()); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	slices.Sort(kinds)
	want := experiments.FigureKinds()
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		t.Errorf("the suite draws %v, want one of each of %v", kinds, want)
	}
}

func TestSelect(t *testing.T) {
	files := []File{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	got, err := Select(files, []string{"c", "a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Errorf("Select = %v, want a and c in the suite's order", got)
	}
	if _, err := Select(files, []string{"d"}); err == nil || !strings.Contains(err.Error(), "known: a, b, c") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestTable(t *testing.T) {
	var tb table
	tb.header("s", "i", "f", "nan", "b")
	tb.row("x,y", 3, 0.1, nanIf(true, 1), true)
	var b bytes.Buffer
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "s,i,f,nan,b\n\"x,y\",3,0.1,,true\n"; got != want {
		t.Errorf("table:\n%s\nwant\n%s", got, want)
	}
}

// TestFileWithoutFigure refuses an ordinary experiment file, before
// anything runs or is written.
func TestFileWithoutFigure(t *testing.T) {
	env, err := experiments.DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../quickstart.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	_, err = Write(env, []File{{Name: "quickstart", Path: "quickstart.toml", Src: src}}, dir, Options{Quick: true})
	if err == nil || !experiments.IsInputError(err) || !strings.Contains(err.Error(), "[figure] table") {
		t.Errorf("got %v, want an input error asking for a [figure] table", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a failed suite left %s behind (%v)", dir, err)
	}
}

// TestQuickSuiteReproducible writes the quick suite twice: every CSV is
// byte-identical but for the scalability figure's wall_s column and
// timing.csv, which hold wall times.
func TestQuickSuiteReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick suite twice")
	}
	env, err := experiments.DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(t.TempDir(), "one"), filepath.Join(t.TempDir(), "two")}
	for i, dir := range dirs {
		res, err := Write(env, files, dir, Options{Quick: true, Workers: 1 + i}) // workers change nothing
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != len(files) {
			t.Fatalf("%d results for %d files", len(res), len(files))
		}
	}
	for _, f := range files {
		a := readCSV(t, filepath.Join(dirs[0], f.Name+".csv"))
		b := readCSV(t, filepath.Join(dirs[1], f.Name+".csv"))
		if len(a) < 2 {
			t.Errorf("%s.csv has no rows", f.Name)
		}
		if wall := slices.Index(a[0], "wall_s"); wall >= 0 {
			if f.Name != "scalability" {
				t.Errorf("%s.csv has a wall_s column", f.Name)
			}
			for _, recs := range [][][]string{a, b} {
				for i := range recs {
					recs[i] = slices.Delete(recs[i], wall, wall+1)
				}
			}
		}
		if !slices.EqualFunc(a, b, slices.Equal) {
			t.Errorf("%s.csv differs between two runs of the same files", f.Name)
		}
	}

	// The edges figure's hypervolumes are fractions of the box of its
	// first policy, local, whose own front dominates none of it.
	edges := readCSV(t, filepath.Join(dirs[0], "edges.csv"))
	policy, hv := slices.Index(edges[0], "policy"), slices.Index(edges[0], "hypervolume")
	for _, r := range edges[1:] {
		x, err := strconv.ParseFloat(r[hv], 64)
		if err != nil || x < 0 || x > 1 || r[policy] == "local" && x != 0 {
			t.Errorf("edges.csv: %s has hypervolume %s, want a fraction (0 for local)", r[policy], r[hv])
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// TestLearningFromTrainingFolder draws the learning figure from a
// training folder's curve.csv instead of training.
func TestLearningFromTrainingFolder(t *testing.T) {
	env, err := experiments.DefaultEnv()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	if files, err = Select(files, []string{"learning"}); err != nil {
		t.Fatal(err)
	}
	training := t.TempDir()
	curve := "step,episode,preference,return\n100,0,0.5,-3\n200,1,0.2,-2.5\n300,2,0.9,-2\n"
	if err := os.WriteFile(filepath.Join(training, experiments.CurveFile), []byte(curve), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(env, files, dir, Options{Training: training}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "learning.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != curve {
		t.Errorf("learning.csv =\n%s\nwant the folder's curve\n%s", got, curve)
	}
	for _, ext := range []string{".png", ".svg"} {
		if info, err := os.Stat(filepath.Join(dir, "learning"+ext)); err != nil || info.Size() == 0 {
			t.Errorf("learning%s missing or empty (%v)", ext, err)
		}
	}
	// A folder without a curve is an error.
	if _, err := Write(env, files, filepath.Join(t.TempDir(), "x"), Options{Training: t.TempDir()}); err == nil {
		t.Error("a training folder without curve.csv: no error")
	}
}
