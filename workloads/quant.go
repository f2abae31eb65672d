package workloads

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Quant is a quantisation scheme: how many bits each matmul weight takes in
// memory, the data type the arithmetic runs in, and the size of a cached key
// or value element. Devices pick their peak rate by Compute and their bytes
// moved by BitsPerWeight and KVBytes.
type Quant struct {
	Name string // catalogue name, such as "q4_0"

	// BitsPerWeight is the average storage of one matmul weight, scales and
	// zero points included: 4.5 for 4-bit weights in blocks of 32 with one
	// 16-bit scale per block.
	BitsPerWeight float64

	// Compute is the data type of the arithmetic: one of fp32, bf16, fp16,
	// int16, int8, int4 (see Computes).
	Compute string

	// KVBytes is the size in bytes of one cached key or value element.
	KVBytes float64

	Source string // where the numbers come from
}

// Computes returns the compute data types a Quant may name, widest first.
func Computes() []string { return []string{"fp32", "bf16", "fp16", "int16", "int8", "int4"} }

// WeightBytesPerElem returns the bytes one weight takes, BitsPerWeight/8.
func (q Quant) WeightBytesPerElem() float64 { return q.BitsPerWeight / 8 }

// Validate reports every field that is out of range, naming the fields, as
// one error; nil when the quantisation is usable.
func (q Quant) Validate() error {
	var bad []string
	if q.Name == "" {
		bad = append(bad, "Name: empty")
	}
	if !(q.BitsPerWeight > 0) || q.BitsPerWeight > 64 || math.IsInf(q.BitsPerWeight, 0) {
		bad = append(bad, fmt.Sprintf("BitsPerWeight: %v, want a number in (0, 64]", q.BitsPerWeight))
	}
	if !slices.Contains(Computes(), q.Compute) {
		bad = append(bad, fmt.Sprintf("Compute: %q, want one of %s", q.Compute, strings.Join(Computes(), ", ")))
	}
	if !(q.KVBytes > 0) || q.KVBytes > 8 || math.IsInf(q.KVBytes, 0) {
		bad = append(bad, fmt.Sprintf("KVBytes: %v, want a number in (0, 8]", q.KVBytes))
	}
	if q.Source == "" {
		bad = append(bad, "Source: empty")
	}
	if len(bad) > 0 {
		return fmt.Errorf("workloads: quantisation %q: %s", q.Name, strings.Join(bad, "; "))
	}
	return nil
}

// quantColumns returns the columns of a quantisation table.
func quantColumns() []string {
	return []string{"name", "bits_per_weight", "compute", "kv_bytes", "source"}
}

// parseQuants reads a quantisation table; see ParseFiles for its form.
func parseQuants(r io.Reader) (map[string]Quant, []string, error) {
	rows, err := readTable(r, quantColumns())
	if err != nil {
		return nil, nil, err
	}
	quants := make(map[string]Quant, len(rows))
	lines := make(map[string]int, len(rows))
	var names []string
	for _, row := range rows {
		q, err := parseQuant(row)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := lines[q.Name]; dup {
			return nil, nil, &ParseError{Line: row.line, Column: "name",
				Err: fmt.Errorf("quantisation %q already defined on line %d", q.Name, first)}
		}
		lines[q.Name] = row.line
		quants[q.Name] = q
		names = append(names, q.Name)
	}
	slices.Sort(names)
	return quants, names, nil
}

func parseQuant(r row) (Quant, error) {
	var q Quant
	var err error
	if q.Name, err = r.name("name"); err != nil {
		return q, err
	}
	if q.BitsPerWeight, err = r.number("bits_per_weight", false); err != nil {
		return q, err
	}
	if q.BitsPerWeight > 64 {
		return q, &ParseError{Line: r.line, Column: "bits_per_weight", Err: fmt.Errorf("%v: want at most 64", q.BitsPerWeight)}
	}
	q.Compute = r.fields["compute"]
	if !slices.Contains(Computes(), q.Compute) {
		return q, &ParseError{Line: r.line, Column: "compute",
			Err: fmt.Errorf("%q: want one of %s", q.Compute, strings.Join(Computes(), ", "))}
	}
	if q.KVBytes, err = r.number("kv_bytes", false); err != nil {
		return q, err
	}
	if q.KVBytes > 8 {
		return q, &ParseError{Line: r.line, Column: "kv_bytes", Err: fmt.Errorf("%v: want at most 8", q.KVBytes)}
	}
	if q.Source, err = r.text("source"); err != nil {
		return q, err
	}
	return q, nil
}

// ErrUnknownQuant is wrapped by the error Catalogue.Quant and ResolveQuant
// return for a name the catalogue does not hold.
var ErrUnknownQuant = errors.New("workloads: unknown quantisation")

// Quant returns the quantisation called name, which must be a catalogue
// name such as "q4_0"; ResolveQuant also accepts the spellings found in
// the literature. An unknown name gives an error that wraps ErrUnknownQuant
// and lists the known names.
func (c *Catalogue) Quant(name string) (Quant, error) {
	if q, ok := c.quants[name]; ok {
		return q, nil
	}
	return Quant{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownQuant, name, strings.Join(c.quantNames, ", "))
}

// QuantNames returns the names of the catalogue's quantisations in sorted
// order. The slice is the caller's to keep.
func (c *Catalogue) QuantNames() []string { return slices.Clone(c.quantNames) }
