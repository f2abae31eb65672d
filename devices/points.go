package devices

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// pointsCSV is the calibration table shipped with mecsim: a copy of the
// project's calibration dossier table, one published measurement per row,
// each with its source (see data/points.md for the dossier itself).
//
//go:embed data/points.csv
var pointsCSV []byte

// Point is one published measurement: a row of a calibration table.
type Point struct {
	Line int // line of the table the row starts on, for messages

	ID        string
	Source    string // where the number was published
	Device    string // as the source names it; resolved through device aliases
	Processor string // cpu, gpu, npu, edge-gpu (a GPU) or gpu+npu (co-execution)
	Engine    string // the inference runtime
	Model     string // a vision model, an LLM or a matmul, as the source names it
	Quant     string
	Phase     string // prefill, decode, image or kernel
	Tokens    int    // the context (decode) or prompt (prefill) length; M or N of a kernel
	Batch     int
	Metric    string // tokens_per_s, ms_per_token, ms_per_image, ms_per_kernel, ms_total, W, J_per_token, J_total or GB_per_s
	Value     float64
	Notes     string // how the number was read or derived; some rows say here what they measure
}

// PointColumns are the columns of a calibration table, in the order of
// the shipped one. A table may order them differently but must have all
// of them and no others.
var PointColumns = []string{
	"id", "source", "device", "processor", "engine", "model", "quant", "phase",
	"context_or_prompt_tokens", "batch", "metric", "value", "notes",
}

// TableError is a malformed calibration table: a missing or unknown
// column, a short row, a value that is not a number. It names the line.
type TableError struct {
	Line   int    // 1-based line of the table
	Column string // the column at fault, if any
	Err    error
}

func (e *TableError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d: %s: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *TableError) Unwrap() error { return e.Err }

// IsTableError reports whether err comes from a malformed calibration
// table (a bad input, not a failure of the model).
func IsTableError(err error) bool {
	var te *TableError
	return errors.As(err, &te)
}

// DefaultPoints returns the rows of the shipped calibration table.
func DefaultPoints() ([]Point, error) {
	pts, err := ReadPoints(bytes.NewReader(pointsCSV))
	if err != nil {
		return nil, fmt.Errorf("devices: embedded points.csv: %w", err)
	}
	return pts, nil
}

// ReadPoints reads a calibration table in CSV form with a header naming
// the PointColumns (in any order). Lines starting with '#' are comments.
// The table is read strictly: a missing, unknown or repeated column, a row
// with the wrong number of fields, an empty id, device, processor, engine,
// model, phase or metric, a repeated id, a token count or batch that is
// not a whole number (≥ 0 and ≥ 1), or a value that is not a finite
// positive number is an error, a *TableError naming the line. Names that
// do not resolve (an unknown device or metric) are not errors here:
// Calibrate reports such rows as unsupported.
func ReadPoints(r io.Reader) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &TableError{Line: 1, Err: errors.New("empty table: want a header naming the columns")}
		}
		return nil, csvError(err)
	}
	line, _ := cr.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(PointColumns, h) {
			return nil, &TableError{Line: line, Column: h, Err: fmt.Errorf("unknown column (want %s)", strings.Join(PointColumns, ", "))}
		}
		if _, dup := col[h]; dup {
			return nil, &TableError{Line: line, Column: h, Err: errors.New("column given twice")}
		}
		col[h] = i
	}
	for _, c := range PointColumns {
		if _, ok := col[c]; !ok {
			return nil, &TableError{Line: line, Column: c, Err: errors.New("missing column")}
		}
	}
	var pts []Point
	ids := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		p, err := parsePoint(rec, col, line)
		if err != nil {
			return nil, err
		}
		if first, dup := ids[p.ID]; dup {
			return nil, &TableError{Line: line, Column: "id", Err: fmt.Errorf("%q already used on line %d", p.ID, first)}
		}
		ids[p.ID] = line
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, &TableError{Line: line, Err: errors.New("no rows")}
	}
	return pts, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine // the row's first line; Line is where the reader gave up
		if line == 0 {
			line = pe.Line
		}
		return &TableError{Line: line, Err: pe.Err}
	}
	return err
}

func parsePoint(rec []string, col map[string]int, line int) (Point, error) {
	get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
	p := Point{
		Line: line, ID: get("id"), Source: get("source"), Device: get("device"), Processor: get("processor"),
		Engine: get("engine"), Model: get("model"), Quant: get("quant"), Phase: get("phase"),
		Metric: get("metric"), Notes: get("notes"),
	}
	for _, c := range []struct {
		name, v string
	}{{"id", p.ID}, {"device", p.Device}, {"processor", p.Processor}, {"engine", p.Engine},
		{"model", p.Model}, {"phase", p.Phase}, {"metric", p.Metric}} {
		if c.v == "" {
			return p, &TableError{Line: line, Column: c.name, Err: errors.New("empty")}
		}
	}
	integer := func(c string, least int) (int, error) {
		s := get(c)
		v, err := strconv.Atoi(s)
		if err != nil || v < least {
			return 0, &TableError{Line: line, Column: c, Err: fmt.Errorf("%q is not a whole number ≥ %d", s, least)}
		}
		return v, nil
	}
	var err error
	if p.Tokens, err = integer("context_or_prompt_tokens", 0); err != nil {
		return p, err
	}
	if p.Batch, err = integer("batch", 1); err != nil {
		return p, err
	}
	s := get("value")
	if p.Value, err = strconv.ParseFloat(s, 64); err != nil || !(p.Value > 0) || math.IsInf(p.Value, 0) {
		return p, &TableError{Line: line, Column: "value", Err: fmt.Errorf("%q is not a finite number > 0", s)}
	}
	return p, nil
}
