package workloads

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The built-in tables.
var (
	//go:embed models.csv
	modelsCSV string
	//go:embed llms.csv
	llmsCSV string
	//go:embed quants.csv
	quantsCSV string
	//go:embed aliases.csv
	aliasesCSV string
)

// ErrUnknownModel is wrapped by the error Catalogue.Model returns for a name
// the catalogue does not hold.
var ErrUnknownModel = errors.New("workloads: unknown model")

// modelColumns returns the columns of a model catalogue file.
func modelColumns() []string {
	return []string{"name", "macs", "params", "activation_bytes", "input_bytes", "output_bytes", "source"}
}

// Catalogue is the set of workloads mecsim knows, each looked up by name:
// vision models, language models (LLMs) and quantisations, with the
// aliases that map the names found in the literature onto them. A
// Catalogue is immutable once parsed and safe for concurrent use.
type Catalogue struct {
	models map[string]Model
	names  []string // sorted

	llms     map[string]LLM
	llmNames []string // sorted

	quants     map[string]Quant
	quantNames []string // sorted

	// Aliases keyed by their lower-cased spelling.
	modelAliases map[string]alias
	quantAliases map[string]alias
}

// DefaultCatalogue returns the built-in catalogue, parsed from the embedded
// models.csv, llms.csv, quants.csv and aliases.csv. Each call parses afresh
// and returns a catalogue of its own.
func DefaultCatalogue() (*Catalogue, error) {
	c, err := parseFiles(Files{
		Models:  strings.NewReader(modelsCSV),
		LLMs:    strings.NewReader(llmsCSV),
		Quants:  strings.NewReader(quantsCSV),
		Aliases: strings.NewReader(aliasesCSV),
	}, [4]string{"embedded models.csv", "embedded llms.csv", "embedded quants.csv", "embedded aliases.csv"})
	if err != nil {
		return nil, fmt.Errorf("workloads: %w", err)
	}
	return c, nil
}

// ParseCatalogue reads a model catalogue in CSV form. The first record is a
// header naming the columns name, macs, params, activation_bytes,
// input_bytes, output_bytes and source, in any order; lines starting with
// '#' are comments. Every number must be finite and positive
// (activation_bytes may be zero), names must be unique, and every row must
// give its source. An error names the offending line, as a *ParseError.
//
// The catalogue holds vision models only; ParseFiles reads language
// models, quantisations and aliases as well.
func ParseCatalogue(r io.Reader) (*Catalogue, error) {
	c, err := parseFiles(Files{Models: r}, [4]string{})
	if err != nil {
		return nil, fmt.Errorf("workloads: %w", err)
	}
	return c, nil
}

// Files are the tables of a catalogue, each in CSV form with a header of
// column names (in any order) and '#' comment lines. A nil reader stands for
// an empty table.
//
//   - Models: vision models, as ParseCatalogue reads them.
//   - LLMs: columns name, layers, hidden, heads, kv_heads, head_dim, ffn,
//     vocab, max_context and norms_per_layer (whole numbers, all > 0 but
//     norms_per_layer ≥ 0); tied, gated, qkv_bias and linear_bias (true or
//     false); norm (rms or layer); published_params (a number, or empty when
//     unknown); derived (free text, empty when every field is sourced);
//     source. The field names of LLM explain them.
//   - Quants: columns name, bits_per_weight (in (0, 64]), compute (one of
//     Computes), kv_bytes (in (0, 8]) and source.
//   - Aliases: columns alias, kind, target and reason. kind is "model" (the
//     target is a vision model or an LLM) or "quant" (the target is a
//     quantisation). An empty target marks a name mecsim cannot model, and
//     reason must then say why. Aliases match regardless of case.
//
// An error names the table and, as a *ParseError, the offending line.
type Files struct {
	Models, LLMs, Quants, Aliases io.Reader
}

// ParseFiles reads a catalogue from its tables.
func ParseFiles(f Files) (*Catalogue, error) {
	c, err := parseFiles(f, [4]string{})
	if err != nil {
		return nil, fmt.Errorf("workloads: %w", err)
	}
	return c, nil
}

// parseFiles reads the tables of f; labels name them in errors (defaults
// when empty).
func parseFiles(f Files, labels [4]string) (*Catalogue, error) {
	for i, def := range []string{"model table", "LLM table", "quantisation table", "alias table"} {
		if labels[i] == "" {
			labels[i] = def
		}
	}
	c := &Catalogue{}
	var err error
	if f.Models != nil {
		if c.models, c.names, err = parseModels(f.Models); err != nil {
			return nil, fmt.Errorf("%s: %w", labels[0], err)
		}
	}
	if f.LLMs != nil {
		if c.llms, c.llmNames, err = parseLLMs(f.LLMs); err != nil {
			return nil, fmt.Errorf("%s: %w", labels[1], err)
		}
	}
	for _, name := range c.llmNames {
		if _, clash := c.models[name]; clash {
			return nil, fmt.Errorf("%s: %q is also a vision model: names must be unique across both tables", labels[1], name)
		}
	}
	if f.Quants != nil {
		if c.quants, c.quantNames, err = parseQuants(f.Quants); err != nil {
			return nil, fmt.Errorf("%s: %w", labels[2], err)
		}
	}
	if f.Aliases != nil {
		if c.modelAliases, c.quantAliases, err = c.parseAliases(f.Aliases); err != nil {
			return nil, fmt.Errorf("%s: %w", labels[3], err)
		}
	}
	return c, nil
}

// parseModels reads a vision model table.
func parseModels(r io.Reader) (map[string]Model, []string, error) {
	rows, err := readTable(r, modelColumns())
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("no models")
	}
	models := make(map[string]Model, len(rows))
	lines := make(map[string]int, len(rows))
	var names []string
	for _, row := range rows {
		m, err := parseModel(row)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := lines[m.Name]; dup {
			return nil, nil, &ParseError{Line: row.line, Column: "name",
				Err: fmt.Errorf("model %q already defined on line %d", m.Name, first)}
		}
		lines[m.Name] = row.line
		models[m.Name] = m
		names = append(names, m.Name)
	}
	slices.Sort(names)
	return models, names, nil
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

// Model returns the vision model called name. An unknown name gives an error that
// wraps ErrUnknownModel and lists the known names.
func (c *Catalogue) Model(name string) (Model, error) {
	if m, ok := c.models[name]; ok {
		return m, nil
	}
	return Model{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(c.names, ", "))
}

// Names returns the names of the catalogue's vision models in sorted order
// (LLMNames lists the language models). The slice is the caller's to keep.
func (c *Catalogue) Names() []string { return slices.Clone(c.names) }
