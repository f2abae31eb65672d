package devices

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

// ParseError reports a malformed line of a profile file.
type ParseError struct {
	Line   int    // 1-based line of the input
	Column string // the offending column, or "" when the line as a whole is at fault
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, column %s: %v", e.Line, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// row is one data line of a table, its fields keyed by column name.
type row struct {
	line   int
	fields map[string]string
}

// readTable reads a CSV table whose first record is a header naming
// exactly the given columns, in any order. Lines starting with '#' are
// comments. Fields are trimmed of surrounding spaces.
func readTable(r io.Reader, columns []string) ([]row, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Err: errors.New("no header")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	index := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		if !slices.Contains(columns, name) {
			return nil, &ParseError{Line: headerLine, Column: name,
				Err: fmt.Errorf("unknown column (want %s)", strings.Join(columns, ", "))}
		}
		if _, dup := index[name]; dup {
			return nil, &ParseError{Line: headerLine, Column: name, Err: errors.New("duplicate column")}
		}
		index[name] = i
	}
	for _, name := range columns {
		if _, ok := index[name]; !ok {
			return nil, &ParseError{Line: headerLine, Column: name, Err: errors.New("missing column")}
		}
	}

	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		fields := make(map[string]string, len(columns))
		for name, i := range index {
			fields[name] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row{line: line, fields: fields})
	}
}

// csvError turns an encoding/csv error into a ParseError naming its line.
func csvError(err error) error {
	var ce *csv.ParseError
	if errors.As(err, &ce) {
		return &ParseError{Line: ce.Line, Err: ce.Err}
	}
	return err
}

// number parses a finite float column.
func (r row) number(column string) (float64, error) {
	s := r.fields[column]
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &ParseError{Line: r.line, Column: column, Err: fmt.Errorf("%q is not a finite number", s)}
	}
	return v, nil
}

// text returns a column that must not be empty.
func (r row) text(column string) (string, error) {
	s := r.fields[column]
	if s == "" {
		return "", &ParseError{Line: r.line, Column: column, Err: errors.New("empty")}
	}
	return s, nil
}

// name returns a column holding a catalogue name: lower-case letters,
// digits, '-', '_' and '.', starting with a letter or digit, so that names
// are safe in file names, TOML values and stream labels.
func (r row) name(column string) (string, error) {
	s, err := r.text(column)
	if err != nil {
		return "", err
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || c == '.')
		if !ok {
			return "", &ParseError{Line: r.line, Column: column,
				Err: fmt.Errorf("%q: want lower-case letters, digits, '-', '_' or '.'", s)}
		}
	}
	return s, nil
}
