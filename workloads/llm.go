package workloads

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// LLM is the architecture of a decoder-only transformer language model, as
// its Hugging Face config.json describes it, from which the cost of prefill
// and decode follows. Devices turn these demands into time and energy.
//
// The counting conventions follow the calibration dossier (§2.1):
//
//   - A decoder layer holds the projections Q (Hidden×Heads·HeadDim), K and V
//     (Hidden×KVHeads·HeadDim each), O (Heads·HeadDim×Hidden), and a
//     feed-forward network of two matrices Hidden×FFN, or three when the
//     FFN is gated (SwiGLU, GeGLU).
//   - The input embedding (Vocab×Hidden) is a table lookup: one row is read
//     per token, not the whole table. The LM head (Hidden×Vocab) is a matrix
//     multiply read in full for every token, even when its weights are tied
//     to the embedding.
//   - Attention over a context of c positions costs 4·Heads·HeadDim·c
//     operations per layer and token: 2 for QKᵀ and 2 for the weighted sum
//     of V. Softmax, norms, rotary embeddings and activations are left out
//     (under 1% of the operations for the models in the catalogue).
//   - Operations count a multiply-accumulate as two.
type LLM struct {
	Name string // catalogue name, such as "llama-3.2-1b"

	Layers  int // decoder layers (num_hidden_layers)
	Hidden  int // model width (hidden_size)
	Heads   int // query heads (num_attention_heads)
	KVHeads int // key/value heads (num_key_value_heads): Heads for MHA, 1 for MQA, between for GQA
	HeadDim int // width of one head (head_dim, or hidden_size/num_attention_heads)
	FFN     int // feed-forward width (intermediate_size)
	Vocab   int // vocabulary size (vocab_size)

	TiedEmbeddings bool // the LM head shares the embedding's weights (tie_word_embeddings)
	GatedFFN       bool // three FFN matrices (gate, up, down: SwiGLU, GeGLU) rather than two (GELU MLP)
	QKVBias        bool // the Q, K and V projections have biases (Qwen)
	LinearBias     bool // every linear layer, the LM head included, has a bias (Phi-2)

	Norm          Norm // RMSNorm or LayerNorm
	NormsPerLayer int  // norm layers per decoder layer (2 for most; 4 for Gemma 2; 1 for Phi-2's parallel block)

	MaxContext int // longest context the model supports, in tokens (max_position_embeddings)

	// PublishedParams is the total parameter count the model's authors
	// publish, against which TotalParams is checked; 0 when none is known.
	PublishedParams float64
	// Derived lists the fields that are not taken from the source but
	// derived or assumed, with how; empty when every field is sourced.
	Derived string
	Source  string // where the architecture comes from
}

// Norm is the kind of normalisation layer a model uses.
type Norm string

// Kinds of normalisation layer.
const (
	RMSNorm   Norm = "rms"   // a scale per channel
	LayerNorm Norm = "layer" // a scale and a bias per channel
)

// vectors returns the parameter vectors of Hidden elements one norm layer
// holds.
func (n Norm) vectors() int {
	if n == LayerNorm {
		return 2
	}
	return 1
}

// AttnDim returns the width of all query heads together, Heads·HeadDim.
func (m LLM) AttnDim() int { return m.Heads * m.HeadDim }

// KVDim returns the width of all key (or value) heads together,
// KVHeads·HeadDim.
func (m LLM) KVDim() int { return m.KVHeads * m.HeadDim }

func (m LLM) ffnMatrices() float64 {
	if m.GatedFFN {
		return 3
	}
	return 2
}

// LayerMatmulParams returns the weights of the matrix multiplications of
// one decoder layer: Q, K, V, O and the feed-forward network.
func (m LLM) LayerMatmulParams() float64 {
	h, a, kv := float64(m.Hidden), float64(m.AttnDim()), float64(m.KVDim())
	return h*a + 2*h*kv + a*h + m.ffnMatrices()*h*float64(m.FFN)
}

// EmbeddingParams returns the size of the token embedding table,
// Vocab·Hidden, which is also the size of the LM head.
func (m LLM) EmbeddingParams() float64 { return float64(m.Vocab) * float64(m.Hidden) }

// MatmulParams returns N_mm, the weights read by the matrix multiplications
// of one token: every decoder layer's projections and the LM head. The
// embedding table is not among them (a lookup reads one row), but the LM
// head is, whether or not it is tied to the embedding.
func (m LLM) MatmulParams() float64 {
	return float64(m.Layers)*m.LayerMatmulParams() + m.EmbeddingParams()
}

// TotalParams returns every parameter of the model, as a checkpoint counts
// them: the matmul weights, their biases, the norm scales (and biases), the
// embedding table, and the LM head when it is not tied to the embedding.
func (m LLM) TotalParams() float64 {
	h := float64(m.Hidden)
	perLayer := m.LayerMatmulParams() + float64(m.NormsPerLayer*m.Norm.vectors())*h
	if m.QKVBias || m.LinearBias {
		perLayer += float64(m.AttnDim() + 2*m.KVDim())
	}
	if m.LinearBias {
		perLayer += h + float64(m.FFN)*(m.ffnMatrices()-1) + h // O, the up (and gate) and down projections
	}
	total := float64(m.Layers)*perLayer + m.EmbeddingParams() + float64(m.Norm.vectors())*h // final norm
	if !m.TiedEmbeddings {
		total += m.EmbeddingParams()
	}
	if m.LinearBias {
		total += float64(m.Vocab)
	}
	return total
}

// FLOPsPerToken returns the operations to process one token that attends
// to ctx positions (the cached ones and its own): 2·N_mm + 4·L·AttnDim·ctx.
// Decoding the token after a prompt of n tokens and k generated ones
// attends to n+k+1 positions.
func (m LLM) FLOPsPerToken(ctx int) float64 {
	return 2*m.MatmulParams() + 4*float64(m.Layers)*float64(m.AttnDim())*float64(max(ctx, 0))
}

// PrefillFLOPs returns the operations to process a prompt of n tokens in
// one pass under causal attention, where the token at position i (1-based)
// attends to i positions. It is the sum of FLOPsPerToken(i) for i = 1…n:
//
//	2·N_mm·n + 2·L·AttnDim·n·(n+1)
//
// which the dossier rounds to 2·N_mm·n + 2·L·AttnDim·n².
func (m LLM) PrefillFLOPs(n int) float64 {
	if n <= 0 {
		return 0
	}
	t := float64(n)
	return 2*m.MatmulParams()*t + 2*float64(m.Layers)*float64(m.AttnDim())*t*(t+1)
}

// KVBytesPerToken returns the bytes of key/value cache one token adds,
// 2·L·KVHeads·HeadDim·bytesPerElem: a key and a value vector per layer.
func (m LLM) KVBytesPerToken(bytesPerElem float64) float64 {
	return 2 * float64(m.Layers) * float64(m.KVDim()) * bytesPerElem
}

// KVCacheBytes returns the bytes of key/value cache for ctx positions at
// bytesPerElem.
func (m LLM) KVCacheBytes(ctx int, bytesPerElem float64) float64 {
	return float64(max(ctx, 0)) * m.KVBytesPerToken(bytesPerElem)
}

// WeightBytes returns the weight bytes one decode step reads at
// quantisation q: N_mm·BitsPerWeight/8. It leaves out the KV cache (see
// KVCacheBytes) and the one embedding row.
func (m LLM) WeightBytes(q Quant) float64 { return m.MatmulParams() * q.BitsPerWeight / 8 }

// FootprintBytes returns the memory the model occupies when serving a
// context of ctx tokens at quantisation q: every parameter at q's bits per
// weight (a tied embedding stored once) plus the KV cache at q's KVBytes.
// Runtimes that keep the embedding, norms or LM head at higher precision
// need somewhat more; activations and runtime buffers are not counted.
func (m LLM) FootprintBytes(q Quant, ctx int) float64 {
	return m.TotalParams()*q.BitsPerWeight/8 + m.KVCacheBytes(ctx, q.KVBytes)
}

// Validate reports every field that is out of range, naming the fields, as
// one error; nil when the model is usable.
func (m LLM) Validate() error {
	var bad []string
	if m.Name == "" {
		bad = append(bad, "Name: empty")
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"Layers", m.Layers}, {"Hidden", m.Hidden}, {"Heads", m.Heads}, {"KVHeads", m.KVHeads},
		{"HeadDim", m.HeadDim}, {"FFN", m.FFN}, {"Vocab", m.Vocab}, {"MaxContext", m.MaxContext},
	} {
		if f.v <= 0 {
			bad = append(bad, fmt.Sprintf("%s: %d, want > 0", f.name, f.v))
		}
	}
	if m.KVHeads > 0 && m.Heads > 0 && (m.KVHeads > m.Heads || m.Heads%m.KVHeads != 0) {
		bad = append(bad, fmt.Sprintf("KVHeads: %d does not divide Heads %d", m.KVHeads, m.Heads))
	}
	if m.Norm != RMSNorm && m.Norm != LayerNorm {
		bad = append(bad, fmt.Sprintf("Norm: %q, want %q or %q", m.Norm, RMSNorm, LayerNorm))
	}
	if m.NormsPerLayer < 0 {
		bad = append(bad, fmt.Sprintf("NormsPerLayer: %d, want ≥ 0", m.NormsPerLayer))
	}
	if !(m.PublishedParams >= 0) || math.IsInf(m.PublishedParams, 0) {
		bad = append(bad, fmt.Sprintf("PublishedParams: %v, want a finite number ≥ 0", m.PublishedParams))
	}
	if m.Source == "" {
		bad = append(bad, "Source: empty")
	}
	if len(bad) > 0 {
		return fmt.Errorf("workloads: LLM %q: %s", m.Name, strings.Join(bad, "; "))
	}
	return nil
}

// llmColumns returns the columns of an LLM table.
func llmColumns() []string {
	return []string{
		"name", "layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "vocab",
		"tied", "gated", "qkv_bias", "linear_bias", "norm", "norms_per_layer", "max_context",
		"published_params", "derived", "source",
	}
}

// parseLLMs reads an LLM table; see ParseFiles for its form.
func parseLLMs(r io.Reader) (map[string]LLM, []string, error) {
	rows, err := readTable(r, llmColumns())
	if err != nil {
		return nil, nil, err
	}
	llms := make(map[string]LLM, len(rows))
	lines := make(map[string]int, len(rows))
	var names []string
	for _, row := range rows {
		m, err := parseLLM(row)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := lines[m.Name]; dup {
			return nil, nil, &ParseError{Line: row.line, Column: "name",
				Err: fmt.Errorf("LLM %q already defined on line %d", m.Name, first)}
		}
		lines[m.Name] = row.line
		llms[m.Name] = m
		names = append(names, m.Name)
	}
	slices.Sort(names)
	return llms, names, nil
}

func parseLLM(r row) (LLM, error) {
	var m LLM
	var err error
	if m.Name, err = r.name("name"); err != nil {
		return m, err
	}
	ints := []struct {
		column string
		dst    *int
		zeroOK bool
	}{
		{"layers", &m.Layers, false}, {"hidden", &m.Hidden, false}, {"heads", &m.Heads, false},
		{"kv_heads", &m.KVHeads, false}, {"head_dim", &m.HeadDim, false}, {"ffn", &m.FFN, false},
		{"vocab", &m.Vocab, false}, {"norms_per_layer", &m.NormsPerLayer, true},
		{"max_context", &m.MaxContext, false},
	}
	for _, n := range ints {
		if *n.dst, err = r.integer(n.column, n.zeroOK); err != nil {
			return m, err
		}
	}
	bools := []struct {
		column string
		dst    *bool
	}{
		{"tied", &m.TiedEmbeddings}, {"gated", &m.GatedFFN}, {"qkv_bias", &m.QKVBias}, {"linear_bias", &m.LinearBias},
	}
	for _, b := range bools {
		if *b.dst, err = r.boolean(b.column); err != nil {
			return m, err
		}
	}
	switch s := r.fields["norm"]; Norm(s) {
	case RMSNorm, LayerNorm:
		m.Norm = Norm(s)
	default:
		return m, &ParseError{Line: r.line, Column: "norm", Err: fmt.Errorf("%q: want %q or %q", s, RMSNorm, LayerNorm)}
	}
	if m.KVHeads > m.Heads || m.Heads%m.KVHeads != 0 {
		return m, &ParseError{Line: r.line, Column: "kv_heads",
			Err: fmt.Errorf("%d does not divide the %d query heads", m.KVHeads, m.Heads)}
	}
	if s := r.fields["published_params"]; s != "" {
		if m.PublishedParams, err = r.number("published_params", false); err != nil {
			return m, err
		}
	}
	m.Derived = r.fields["derived"]
	if m.Source, err = r.text("source"); err != nil {
		return m, err
	}
	return m, nil
}

// integer parses a column holding a whole number that must be > 0, or ≥ 0
// when zeroOK.
func (r row) integer(column string, zeroOK bool) (int, error) {
	s := r.fields[column]
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, &ParseError{Line: r.line, Column: column, Err: fmt.Errorf("%q is not a whole number", s)}
	}
	if v < 0 || (v == 0 && !zeroOK) {
		want := "> 0"
		if zeroOK {
			want = "≥ 0"
		}
		return 0, &ParseError{Line: r.line, Column: column, Err: fmt.Errorf("%d: want %s", v, want)}
	}
	return v, nil
}

// boolean parses a column holding "true" or "false".
func (r row) boolean(column string) (bool, error) {
	switch s := r.fields[column]; s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, &ParseError{Line: r.line, Column: column, Err: fmt.Errorf("%q: want true or false", s)}
	}
}

// ErrUnknownLLM is wrapped by the error Catalogue.LLM returns for a name the
// catalogue does not hold.
var ErrUnknownLLM = errors.New("workloads: unknown LLM")

// LLM returns the language model called name. An unknown name gives an
// error that wraps ErrUnknownLLM and lists the known names.
func (c *Catalogue) LLM(name string) (LLM, error) {
	if m, ok := c.llms[name]; ok {
		return m, nil
	}
	return LLM{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownLLM, name, strings.Join(c.llmNames, ", "))
}

// LLMNames returns the names of the catalogue's language models in sorted
// order. The slice is the caller's to keep.
func (c *Catalogue) LLMNames() []string { return slices.Clone(c.llmNames) }
