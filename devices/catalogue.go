package devices

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed profiles.csv
var profilesCSV string

// ErrUnknownProcessor is wrapped by the error Catalogue.Processor returns
// for a name the catalogue does not hold.
var ErrUnknownProcessor = errors.New("devices: unknown processor")

// profileColumns are the columns of a profile file: name, kind, the
// numeric columns of the fields table, and source.
var profileColumns = []string{
	"name", "kind", "peak_ops", "mem_bandwidth", "compute_eff", "mem_eff", "overhead_s",
	"bytes_per_param", "bytes_per_activation", "active_power_w", "idle_power_w", "source",
}

// Catalogue is a set of processor profiles, looked up by name. A Catalogue
// is immutable once parsed and safe for concurrent use.
type Catalogue struct {
	procs map[string]Processor
	names []string // sorted
}

// DefaultCatalogue returns the built-in profiles, parsed from the embedded
// profiles.csv. Each call parses afresh and returns a catalogue of its own.
func DefaultCatalogue() (*Catalogue, error) {
	c, err := parseCatalogue(strings.NewReader(profilesCSV))
	if err != nil {
		return nil, fmt.Errorf("devices: embedded profiles.csv: %w", err)
	}
	return c, nil
}

// ParseCatalogue reads processor profiles in CSV form. The first record is
// a header naming the columns name, kind, peak_ops, mem_bandwidth,
// compute_eff, mem_eff, overhead_s, bytes_per_param, bytes_per_activation,
// active_power_w, idle_power_w and source, in any order; lines starting
// with '#' are comments. Values must satisfy Processor.Validate, names must
// be unique and every row must give its source. An error names the
// offending line, as a *ParseError.
func ParseCatalogue(r io.Reader) (*Catalogue, error) {
	c, err := parseCatalogue(r)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	return c, nil
}

func parseCatalogue(r io.Reader) (*Catalogue, error) {
	rows, err := readTable(r, profileColumns)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("no profiles")
	}
	c := &Catalogue{procs: make(map[string]Processor, len(rows))}
	lines := make(map[string]int, len(rows))
	for _, row := range rows {
		p, err := parseProcessor(row)
		if err != nil {
			return nil, err
		}
		if first, dup := lines[p.Name]; dup {
			return nil, &ParseError{Line: row.line, Column: "name",
				Err: fmt.Errorf("processor %q already defined on line %d", p.Name, first)}
		}
		lines[p.Name] = row.line
		c.procs[p.Name] = p
		c.names = append(c.names, p.Name)
	}
	slices.Sort(c.names)
	return c, nil
}

func parseProcessor(r row) (Processor, error) {
	var p Processor
	var err error
	if p.Name, err = r.name("name"); err != nil {
		return p, err
	}
	p.Kind = Kind(r.fields["kind"])
	if err := checkKind(p.Kind); err != nil {
		return p, &ParseError{Line: r.line, Column: "kind", Err: err}
	}
	for _, f := range fields {
		v, err := r.number(f.column)
		if err != nil {
			return p, err
		}
		if err := f.check(v); err != nil {
			return p, &ParseError{Line: r.line, Column: f.column, Err: err}
		}
		*f.get(&p) = v
	}
	if p.IdlePowerW > p.ActivePowerW {
		return p, &ParseError{Line: r.line, Column: "idle_power_w",
			Err: fmt.Errorf("%v exceeds active_power_w %v", p.IdlePowerW, p.ActivePowerW)}
	}
	if p.Source, err = r.text("source"); err != nil {
		return p, err
	}
	return p, nil
}

// Processor returns the profile called name. An unknown name gives an
// error that wraps ErrUnknownProcessor and lists the known names.
func (c *Catalogue) Processor(name string) (Processor, error) {
	if p, ok := c.procs[name]; ok {
		return p, nil
	}
	return Processor{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownProcessor, name, strings.Join(c.names, ", "))
}

// Names returns the names of the catalogue's profiles in sorted order. The
// slice is the caller's to keep.
func (c *Catalogue) Names() []string { return slices.Clone(c.names) }
