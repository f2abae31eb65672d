package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/plots"
	"github.com/mecsim/mecsim/results"
)

// cmdCalibrate predicts every row of a calibration table with the cost
// model and prints prediction, measurement and error.
func cmdCalibrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate", "calibrate [--data FILE] [--json] [-o DIR]\n\n"+
		"Predicts every row of a calibration table (default: the shipped one) with the cost model\n"+
		"and prints measurement, prediction and error, the unsupported rows with the reason, and\n"+
		"the mean absolute percentage error overall and by processor, engine and phase.", stderr)
	data := fs.String("data", "", "calibration table (CSV with the columns of the shipped points.csv); default the shipped table")
	asJSON := fs.Bool("json", false, "print one JSON object (mape and coverage as fractions, rows) instead of the table")
	out := fs.String("o", "", "write calibration.json and the predicted-vs-measured scatter (calibration.png, .svg) into this folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mecsim calibrate: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}

	var pts []devices.Point
	var err error
	if *data == "" {
		pts, err = devices.DefaultPoints()
	} else {
		pts, err = readPoints(*data)
	}
	if err != nil {
		return err
	}
	rep, err := devices.CalibrateDefault(pts)
	if err != nil {
		return err
	}
	cal := calibrationRecord(rep)
	if *out != "" {
		if err := writeCalibration(*out, cal); err != nil {
			return err
		}
	}
	if *asJSON {
		return cal.WriteJSON(stdout)
	}
	printCalibration(stdout, cal)
	if *out != "" {
		fmt.Fprintf(stdout, "figure and JSON in %s\n", *out)
	}
	return nil
}

// tableError is a malformed calibration table, reported with its file;
// the command exits with status 2 for it.
type tableError struct {
	path string
	err  error
}

func (e *tableError) Error() string { return e.path + ": " + e.err.Error() }
func (e *tableError) Unwrap() error { return e.err }

func readPoints(path string) ([]devices.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &tableError{path: path, err: err}
	}
	defer f.Close()
	pts, err := devices.ReadPoints(f)
	if err != nil {
		return nil, &tableError{path: path, err: err}
	}
	return pts, nil
}

// isTableError reports whether err is a calibration table the user gave
// that cannot be read or is malformed.
func isTableError(err error) bool {
	var te *tableError
	return errors.As(err, &te) || devices.IsTableError(err)
}

// calibrationRecord turns the model's report into the plain record that
// results and plots share.
func calibrationRecord(rep *devices.Report) *results.Calibration {
	groups := func(gs []devices.Group) []results.CalibrationGroup {
		out := make([]results.CalibrationGroup, len(gs))
		for i, g := range gs {
			out[i] = results.CalibrationGroup{Name: g.Name, Rows: g.Rows, MAPE: g.MAPE}
		}
		return out
	}
	c := &results.Calibration{
		MAPE: rep.MAPE, Coverage: rep.Coverage, CatalogueCoverage: rep.CatalogueCoverage,
		Predicted: rep.Predicted, Unsupported: rep.Unsupported,
		ByProcessor: groups(rep.ByProcessor), ByEngine: groups(rep.ByEngine), ByPhase: groups(rep.ByPhase),
		Rows: make([]results.CalibrationRow, len(rep.Rows)),
	}
	for i, r := range rep.Rows {
		c.Rows[i] = results.CalibrationRow{
			ID: r.ID, Device: r.Device, Processor: r.Processor, Engine: r.Engine, Model: r.Model, Quant: r.Quant,
			Phase: r.Phase, Tokens: r.Tokens, Metric: r.Metric, Source: r.Source,
			Place: r.Place, Measured: r.Value, Predicted: r.Predicted, Error: r.Error, Unsupported: r.Unsupported,
		}
	}
	return c
}

// writeCalibration writes calibration.json and the scatter into dir,
// atomically.
func writeCalibration(dir string, c *results.Calibration) error {
	f, err := results.CreateFolder(dir)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := f.WriteFile("calibration.json", c.WriteJSON); err != nil {
		return err
	}
	if err := plots.WriteCalibration(f.Path(), c); err != nil {
		return err
	}
	return f.Commit()
}

// printCalibration prints the rows, the unsupported rows with their
// reasons, and the errors by group.
func printCalibration(w io.Writer, c *results.Calibration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tdevice\tprocessor\tengine\tmodel\tmetric\tmeasured\tpredicted\terror %")
	for _, r := range c.Rows {
		if !r.Supported() {
			continue
		}
		dev, _, _ := strings.Cut(r.Place, "/") // the catalogue's name for the device
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.4g\t%.4g\t%+.1f\n",
			r.ID, dev, r.Processor, r.Engine, shorten(r.Model, 36), r.Metric, r.Measured, r.Predicted, 100*r.Error)
	}
	tw.Flush()
	if c.Unsupported > 0 {
		fmt.Fprintf(w, "\nunsupported (%d):\n", c.Unsupported)
		for _, r := range c.Rows {
			if !r.Supported() {
				fmt.Fprintf(w, "  %s: %s\n", r.ID, r.Unsupported)
			}
		}
	}
	fmt.Fprintf(w, "\nMAPE %.1f%% over %d predicted rows\n", 100*c.MAPE, c.Predicted)
	for _, g := range []struct {
		by     string
		groups []results.CalibrationGroup
	}{{"processor", c.ByProcessor}, {"engine", c.ByEngine}, {"phase", c.ByPhase}} {
		fmt.Fprintf(w, "by %s:", g.by)
		for _, x := range g.groups {
			fmt.Fprintf(w, "  %s %.1f%% (%d)", x.Name, 100*x.MAPE, x.Rows)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "coverage %.1f%% of all rows (%d of %d), %.1f%% of rows whose device and model the catalogues hold\n",
		100*c.Coverage, c.Predicted, len(c.Rows), 100*c.CatalogueCoverage)
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
