package workloads

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed models.csv
var modelsCSV string

// ErrUnknownModel is wrapped by the error Catalogue.Model returns for a name
// the catalogue does not hold.
var ErrUnknownModel = errors.New("workloads: unknown model")

// modelColumns are the columns of a model catalogue file.
var modelColumns = []string{"name", "macs", "params", "activation_bytes", "input_bytes", "output_bytes", "source"}

// Catalogue is a set of models, looked up by name. A Catalogue is immutable
// once parsed and safe for concurrent use.
type Catalogue struct {
	models map[string]Model
	names  []string // sorted
}

// DefaultCatalogue returns the built-in models, parsed from the embedded
// models.csv. Each call parses afresh and returns a catalogue of its own.
func DefaultCatalogue() (*Catalogue, error) {
	c, err := parseCatalogue(strings.NewReader(modelsCSV))
	if err != nil {
		return nil, fmt.Errorf("workloads: embedded models.csv: %w", err)
	}
	return c, nil
}

// ParseCatalogue reads a model catalogue in CSV form. The first record is a
// header naming the columns name, macs, params, activation_bytes,
// input_bytes, output_bytes and source, in any order; lines starting with
// '#' are comments. Every number must be finite and positive
// (activation_bytes may be zero), names must be unique, and every row must
// give its source. An error names the offending line, as a *ParseError.
func ParseCatalogue(r io.Reader) (*Catalogue, error) {
	c, err := parseCatalogue(r)
	if err != nil {
		return nil, fmt.Errorf("workloads: %w", err)
	}
	return c, nil
}

func parseCatalogue(r io.Reader) (*Catalogue, error) {
	rows, err := readTable(r, modelColumns)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("no models")
	}
	c := &Catalogue{models: make(map[string]Model, len(rows))}
	lines := make(map[string]int, len(rows))
	for _, row := range rows {
		m, err := parseModel(row)
		if err != nil {
			return nil, err
		}
		if first, dup := lines[m.Name]; dup {
			return nil, &ParseError{Line: row.line, Column: "name",
				Err: fmt.Errorf("model %q already defined on line %d", m.Name, first)}
		}
		lines[m.Name] = row.line
		c.models[m.Name] = m
		c.names = append(c.names, m.Name)
	}
	slices.Sort(c.names)
	return c, nil
}

func parseModel(r row) (Model, error) {
	var m Model
	var err error
	if m.Name, err = r.name("name"); err != nil {
		return m, err
	}
	numbers := []struct {
		column string
		dst    *float64
		zeroOK bool
	}{
		{"macs", &m.MACs, false},
		{"params", &m.Params, false},
		{"activation_bytes", &m.ActivationBytes, true},
		{"input_bytes", &m.InputBytes, false},
		{"output_bytes", &m.OutputBytes, false},
	}
	for _, n := range numbers {
		if *n.dst, err = r.number(n.column, n.zeroOK); err != nil {
			return m, err
		}
	}
	if m.Source, err = r.text("source"); err != nil {
		return m, err
	}
	return m, nil
}

// Model returns the model called name. An unknown name gives an error that
// wraps ErrUnknownModel and lists the known names.
func (c *Catalogue) Model(name string) (Model, error) {
	if m, ok := c.models[name]; ok {
		return m, nil
	}
	return Model{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(c.names, ", "))
}

// Names returns the names of the catalogue's models in sorted order. The
// slice is the caller's to keep.
func (c *Catalogue) Names() []string { return slices.Clone(c.names) }
