package topology

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ParseError reports a malformed line of a catalogue file.
type ParseError struct {
	File   string // the file, or "" if the reader was not named
	Line   int    // 1-based line of the input
	Column string // the offending column, or "" when the line as a whole is at fault
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %s", e.Column)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// csvRow is one data line of a table, its fields keyed by column name.
type csvRow struct {
	file   string
	line   int
	fields map[string]string
}

// readCSVTable reads a CSV table whose first record is a header naming
// exactly the given columns, in any order. Lines starting with '#' are
// comments; fields are trimmed of surrounding spaces.
func readCSVTable(file string, r io.Reader, columns []string) ([]csvRow, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{File: file, Line: 1, Err: errors.New("no header")}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	headerLine, _ := cr.FieldPos(0)
	index := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		if !slices.Contains(columns, name) {
			return nil, &ParseError{File: file, Line: headerLine, Column: name,
				Err: fmt.Errorf("unknown column (want %s)", strings.Join(columns, ", "))}
		}
		if _, dup := index[name]; dup {
			return nil, &ParseError{File: file, Line: headerLine, Column: name, Err: errors.New("duplicate column")}
		}
		index[name] = i
	}
	for _, name := range columns {
		if _, ok := index[name]; !ok {
			return nil, &ParseError{File: file, Line: headerLine, Column: name, Err: errors.New("missing column")}
		}
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		fields := make(map[string]string, len(columns))
		for name, i := range index {
			fields[name] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, csvRow{file: file, line: line, fields: fields})
	}
}

// csvError turns an encoding/csv error into a ParseError naming its line.
func csvError(file string, err error) error {
	if ce, ok := errors.AsType[*csv.ParseError](err); ok {
		return &ParseError{File: file, Line: ce.Line, Err: ce.Err}
	}
	return err
}

func (r csvRow) errorf(column, format string, args ...any) error {
	return &ParseError{File: r.file, Line: r.line, Column: column, Err: fmt.Errorf(format, args...)}
}

// number parses a finite float column and checks it with ok, whose
// description want goes into the error.
func (r csvRow) number(column, want string, ok func(float64) bool) (float64, error) {
	s := r.fields[column]
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, r.errorf(column, "%q is not a finite number", s)
	}
	if ok != nil && !ok(v) {
		return 0, r.errorf(column, "%v: want %s", v, want)
	}
	return v, nil
}

// optNumber is number for a column that may be empty, which gives def.
func (r csvRow) optNumber(column string, def float64) (float64, error) {
	if r.fields[column] == "" {
		return def, nil
	}
	return r.number(column, "", nil)
}

// integer parses an integer column that must be ≥ lo.
func (r csvRow) integer(column string, lo int) (int, error) {
	s := r.fields[column]
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.errorf(column, "%q is not an integer", s)
	}
	if v < lo {
		return 0, r.errorf(column, "%d: want ≥ %d", v, lo)
	}
	return v, nil
}

// text returns a column that must not be empty.
func (r csvRow) text(column string) (string, error) {
	s := r.fields[column]
	if s == "" {
		return "", r.errorf(column, "empty")
	}
	return s, nil
}

// name returns a column holding a catalogue name: lower-case letters,
// digits, '-', '_' and '.', starting with a letter or digit, so that names
// are safe in file names, TOML values and stream labels.
func (r csvRow) name(column string) (string, error) {
	s, err := r.text(column)
	if err != nil {
		return "", err
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || c == '.')
		if !ok {
			return "", r.errorf(column, "%q: want lower-case letters, digits, '-', '_' or '.'", s)
		}
	}
	return s, nil
}

func isPositive(v float64) bool    { return v > 0 }
func isNonNegative(v float64) bool { return v >= 0 }
func isFraction(v float64) bool    { return v > 0 && v <= 1 }
