package workloads

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is the kind of workload a name resolves to.
type Kind string

// Kinds of workload.
const (
	KindVision Kind = "vision" // a vision model: Catalogue.Model
	KindLLM    Kind = "llm"    // a language model: Catalogue.LLM
	KindGEMM   Kind = "gemm"   // one matrix multiplication: ParseGEMM
)

// ErrUnsupported is wrapped by the error Resolve and ResolveQuant return for
// a name the catalogue knows but mecsim cannot model; the error says why.
var ErrUnsupported = errors.New("workloads: not modelled")

// alias is one row of an alias table.
type alias struct {
	target string // canonical name; "" when the name cannot be modelled
	reason string
}

// aliasColumns returns the columns of an alias table.
func aliasColumns() []string {
	return []string{"alias", "kind", "target", "reason"}
}

// parseAliases reads an alias table, checking each target against the
// catalogue's models, LLMs and quantisations, which must be parsed first.
func (c *Catalogue) parseAliases(r io.Reader) (models, quants map[string]alias, err error) {
	rows, err := readTable(r, aliasColumns())
	if err != nil {
		return nil, nil, err
	}
	models, quants = map[string]alias{}, map[string]alias{}
	lines := map[string]int{}
	for _, row := range rows {
		name, err := row.text("alias")
		if err != nil {
			return nil, nil, err
		}
		a := alias{target: row.fields["target"], reason: row.fields["reason"]}
		kind := row.fields["kind"]
		key := kind + "\x00" + strings.ToLower(name)
		if first, dup := lines[key]; dup {
			return nil, nil, &ParseError{Line: row.line, Column: "alias",
				Err: fmt.Errorf("%s alias %q already defined on line %d (aliases match regardless of case)", kind, name, first)}
		}
		lines[key] = row.line
		var table map[string]alias
		var known func(string) bool
		switch kind {
		case "model":
			table = models
			known = func(s string) bool { _, v := c.models[s]; _, l := c.llms[s]; return v || l }
		case "quant":
			table = quants
			known = func(s string) bool { _, ok := c.quants[s]; return ok }
		default:
			return nil, nil, &ParseError{Line: row.line, Column: "kind", Err: fmt.Errorf("%q: want model or quant", kind)}
		}
		if known(strings.ToLower(name)) {
			return nil, nil, &ParseError{Line: row.line, Column: "alias",
				Err: fmt.Errorf("%q is a catalogue name already; an alias must differ from every %s name", name, kind)}
		}
		switch {
		case a.target == "" && a.reason == "":
			return nil, nil, &ParseError{Line: row.line, Column: "reason",
				Err: errors.New("empty: an alias without a target must say why it cannot be modelled")}
		case a.target != "" && !known(a.target):
			return nil, nil, &ParseError{Line: row.line, Column: "target", Err: fmt.Errorf("no %s called %q", kind, a.target)}
		}
		table[strings.ToLower(name)] = a
	}
	return models, quants, nil
}

// Resolve maps a model name as it appears in the literature or in a
// configuration onto the catalogue: a catalogue name, an alias
// ("Llama-2-7B-Chat", "MobileNetV2 1.0 224") or a matrix multiplication in
// the form ParseGEMM reads. It returns the kind of workload and the
// canonical name: a name for Catalogue.Model or Catalogue.LLM, or for
// KindGEMM the multiplication in its canonical form, which ParseGEMM reads
// back. Names match regardless of case and surrounding spaces.
//
// A name the catalogue lists as one mecsim cannot model gives an error that
// wraps ErrUnsupported and says why; a malformed matmul, one that wraps
// ErrBadGEMM; any other unknown name, one that wraps ErrUnknownModel.
func (c *Catalogue) Resolve(name string) (Kind, string, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if a, ok := c.modelAliases[key]; ok {
		if a.target == "" {
			return "", "", fmt.Errorf("%w: %q: %s", ErrUnsupported, name, a.reason)
		}
		key = a.target
	}
	if _, ok := c.models[key]; ok {
		return KindVision, key, nil
	}
	if _, ok := c.llms[key]; ok {
		return KindLLM, key, nil
	}
	if strings.HasPrefix(key, "matmul") || strings.Contains(key, "[") {
		g, err := ParseGEMM(name)
		if err != nil {
			return "", "", err
		}
		return KindGEMM, g.String(), nil
	}
	return "", "", fmt.Errorf("%w %q: not a vision model, LLM, alias or matmul of the catalogue", ErrUnknownModel, name)
}

// ResolveQuant maps a quantisation as it appears in the literature ("W4A16
// (FP16 compute)", "Q4_K_M", "INT4 (MLC q4f16)") or a catalogue name onto
// the catalogue's quantisation. Names match regardless of case and
// surrounding spaces. A spelling the catalogue lists as one mecsim cannot
// model gives an error that wraps ErrUnsupported and says why; any other
// unknown name, one that wraps ErrUnknownQuant.
func (c *Catalogue) ResolveQuant(name string) (Quant, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if a, ok := c.quantAliases[key]; ok {
		if a.target == "" {
			return Quant{}, fmt.Errorf("%w: quantisation %q: %s", ErrUnsupported, name, a.reason)
		}
		key = a.target
	}
	if q, ok := c.quants[key]; ok {
		return q, nil
	}
	return Quant{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownQuant, name, strings.Join(c.quantNames, ", "))
}
