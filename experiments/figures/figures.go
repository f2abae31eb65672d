// Package figures regenerates the figure suite: one experiment file per
// figure in this folder, each with a [figure] table that names the
// figure it draws, run and drawn into one folder of PNG, SVG and the CSV of
// each figure's plotted data.
package figures

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/mecsim/mecsim/experiments"
	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/results"
)

//go:embed *.toml
var builtin embed.FS

// File is one experiment file of the suite.
type File struct {
	Name string // the figure's name: the file's base name without .toml
	Path string // where the file was read from, for messages
	Src  []byte
	// onDisk says that relative paths in the file (traces) are relative
	// to Path's folder.
	onDisk bool
}

// Suite returns the suite's files as built into the program, in order of
// name.
func Suite() ([]File, error) {
	return readFiles(builtin, ".", "experiments/figures", false)
}

// ReadDir returns the experiment files (*.toml) of the folder dir, in
// order of name.
func ReadDir(dir string) ([]File, error) {
	return readFiles(os.DirFS(dir), ".", dir, true)
}

func readFiles(fsys fs.FS, root, shown string, onDisk bool) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(root, "*.toml"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("figures: no experiment files (*.toml) in %s", shown)
	}
	slices.Sort(names)
	files := make([]File, len(names))
	for i, n := range names {
		src, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("figures: %w", err)
		}
		files[i] = File{Name: strings.TrimSuffix(path.Base(n), ".toml"), Path: filepath.Join(shown, path.Base(n)), Src: src, onDisk: onDisk}
	}
	return files, nil
}

// Select returns the files whose names are listed in names, in the suite's
// order; an unknown name is an error listing the known ones.
func Select(files []File, names []string) ([]File, error) {
	var out []File
	for _, n := range names {
		i := slices.IndexFunc(files, func(f File) bool { return f.Name == n })
		if i < 0 {
			known := make([]string, len(files))
			for j, f := range files {
				known[j] = f.Name
			}
			return nil, fmt.Errorf("figures: no figure %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, files[i])
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(out, func(a, b File) bool { return a.Name == b.Name }), nil
}

// Options tune Write.
type Options struct {
	// Quick runs every figure at the small size of its [figure.quick]
	// table.
	Quick bool
	// Training, if set, is a training folder (of "mecsim train") whose
	// curve.csv the learning figure draws, instead of training an agent.
	Training string
	// Workers bounds the runs simulated at once within a figure; 0 means
	// GOMAXPROCS. The scalability figure times each run on one worker.
	Workers int
	// Progress, if set, is called as each figure starts.
	Progress func(name string)
}

// Result is one figure written.
type Result struct {
	Name  string
	Kind  string
	Files []string // names within the folder: NAME.csv, NAME.png, NAME.svg
	Wall  time.Duration
}

// TimingFile is the file of the folder that lists each figure's wall
// time: the one file that differs between identical runs.
const TimingFile = "timing.csv"

// Write runs every file's experiment and writes its figure into the
// results folder dir: NAME.png and NAME.svg, and NAME.csv with the plotted
// data (tidy: one row per plotted value), NAME the file's name; and
// timing.csv, each figure's wall time. The folder appears under its name
// only when every figure is written. The same files give byte-identical
// CSVs, except the wall times of the scalability figure, which sit in
// their own column (wall_s), and timing.csv.
func Write(env experiments.Env, files []File, dir string, opt Options) ([]Result, error) {
	folder, err := results.CreateFolder(dir)
	if err != nil {
		return nil, err
	}
	defer folder.Abort()
	s := &suite{env: env, known: env.Known(), opt: opt}
	var out []Result
	for _, f := range files {
		if opt.Progress != nil {
			opt.Progress(f.Name)
		}
		start := time.Now()
		r, err := s.write(folder, f)
		if err != nil {
			return nil, fmt.Errorf("figure %s (%s): %w", f.Name, f.Path, err)
		}
		r.Wall = time.Since(start)
		out = append(out, r)
	}
	err = folder.WriteFile(TimingFile, func(w io.Writer) error {
		var t table
		t.header("figure", "kind", "quick", "wall_s")
		for _, r := range out {
			t.row(r.Name, r.Kind, opt.Quick, r.Wall.Seconds())
		}
		return t.write(w)
	})
	if err != nil {
		return nil, err
	}
	if err := folder.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// suite is one Write in progress.
type suite struct {
	env   experiments.Env
	known experiments.Known
	opt   Options
}

// figure is what a kind of figure builds: the plotted data and its
// drawing.
type figure struct {
	data   table
	single *plot.Plot    // one plot, or
	panels *plots.Panels // several side by side
	width  vg.Length     // of the whole figure
	height vg.Length
}

// Sizes of the figures: one plot is plots' default size, a row of two
// panels with a shared legend is wider.
const (
	panelsWidth = 11 * vg.Inch
	legendWidth = 1.9 * vg.Inch
)

func (s *suite) write(folder *results.Folder, f File) (Result, error) {
	c, err := s.load(f)
	if err != nil {
		return Result{}, err
	}
	var fig *figure
	switch c.Figure.Kind {
	case experiments.FigurePlacement:
		fig, err = s.placement(c)
	case experiments.FigurePareto:
		fig, err = s.pareto(c)
	case experiments.FigureEdges:
		fig, err = s.edges(c)
	case experiments.FigureD2D:
		fig, err = s.d2d(c)
	case experiments.FigureLLM:
		fig, err = s.llm(c)
	case experiments.FigureScalability:
		fig, err = s.scalability(c)
	case experiments.FigureLearning:
		fig, err = s.learning(c)
	default:
		err = fmt.Errorf("no figure of kind %q", c.Figure.Kind)
	}
	if err != nil {
		return Result{}, err
	}
	if err := folder.WriteFile(f.Name+".csv", fig.data.write); err != nil {
		return Result{}, err
	}
	if fig.panels != nil {
		err = plots.SavePanels(*fig.panels, folder.Path(), f.Name, fig.width, fig.height)
	} else {
		err = plots.Save(fig.single, folder.Path(), f.Name, fig.width, fig.height)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Name: f.Name, Kind: c.Figure.Kind, Files: []string{f.Name + ".csv", f.Name + ".png", f.Name + ".svg"}}, nil
}

// load parses f, checks that it draws a figure, and applies its quick
// table under Options.Quick.
func (s *suite) load(f File) (*experiments.Config, error) {
	var c *experiments.Config
	var err error
	if f.onDisk {
		c, err = experiments.Load(f.Path, s.known)
	} else {
		c, err = experiments.Parse(f.Path, f.Src, s.known)
	}
	if err != nil {
		return nil, err
	}
	if c.Figure == nil {
		return nil, experiments.InputErrors{{File: f.Path, Key: "figure", Msg: "a file of the figure suite needs a [figure] table naming its kind"}}
	}
	if s.opt.Quick {
		return c.QuickFigure(s.known)
	}
	return c, nil
}

// table is a tidy CSV table under construction.
type table struct {
	cols []string
	rows [][]string
}

func (t *table) header(cols ...string) { t.cols = cols }

// row adds a row of cells: strings as they are, integers in decimal,
// floats in the shortest form that reads back to the same value (NaN, a
// missing value, as an empty cell), booleans as true and false.
func (t *table) row(cells ...any) {
	if len(cells) != len(t.cols) {
		panic(fmt.Sprintf("figures: a row of %d cells in a table of %d columns", len(cells), len(t.cols)))
	}
	r := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case string:
			r[i] = v
		case int:
			r[i] = strconv.Itoa(v)
		case float64:
			if v == v { // not NaN
				r[i] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		case bool:
			r[i] = strconv.FormatBool(v)
		default:
			panic(fmt.Sprintf("figures: a cell of type %T", c))
		}
	}
	t.rows = append(t.rows, r)
}

func (t *table) write(w io.Writer) error {
	if len(t.cols) == 0 {
		return errors.New("figures: a table without columns")
	}
	return writeCSV(w, append([][]string{t.cols}, t.rows...))
}
