package workloads

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestResolveCalibrationPoints resolves the model and quant of every row of
// the calibration data (a copy of ../shared/calibration/points.csv): each
// must name a catalogue entry or be listed as not modelled, with a reason.
// Run with -v for the resolution table.
func TestResolveCalibrationPoints(t *testing.T) {
	f, err := os.Open("testdata/points.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	modelCol, quantCol := slices.Index(header, "model"), slices.Index(header, "quant")
	if modelCol < 0 || quantCol < 0 {
		t.Fatalf("header %v lacks model or quant", header)
	}
	cat := defaultCatalogue(t)
	models := map[string]string{}
	quants := map[string]string{}
	for i, rec := range records[1:] {
		line := i + 2
		model, quant := rec[modelCol], rec[quantCol]
		if _, seen := models[model]; !seen {
			kind, name, err := cat.Resolve(model)
			switch {
			case err == nil:
				models[model] = fmt.Sprintf("%s %s", kind, name)
			case errors.Is(err, ErrUnsupported):
				models[model] = "not modelled: " + strings.TrimPrefix(err.Error(), fmt.Sprintf("%v: %q: ", ErrUnsupported, model))
			default:
				t.Errorf("line %d: model %q: %v", line, model, err)
			}
		}
		if _, seen := quants[quant]; !seen {
			q, err := cat.ResolveQuant(quant)
			switch {
			case err == nil:
				quants[quant] = q.Name
			case errors.Is(err, ErrUnsupported):
				quants[quant] = "not modelled"
			default:
				t.Errorf("line %d: quant %q: %v", line, quant, err)
			}
		}
	}
	var table strings.Builder
	for _, m := range sortedKeys(models) {
		fmt.Fprintf(&table, "%-50q -> %s\n", m, models[m])
	}
	table.WriteString("\n")
	for _, q := range sortedKeys(quants) {
		fmt.Fprintf(&table, "%-46q -> %s\n", q, quants[q])
	}
	t.Log("\n" + table.String())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestResolve(t *testing.T) {
	cat := defaultCatalogue(t)
	for _, tt := range []struct {
		in   string
		kind Kind
		name string
	}{
		{"Llama-2-7B-Chat", KindLLM, "llama-2-7b"},
		{`Llama-3-8B ("Llama-8B")`, KindLLM, "llama-3-8b"},
		{"Phi-3.5-mini-instruct (3.8B)", KindLLM, "phi-3.5-mini"},
		{"Qwen1.5-1.8B", KindLLM, "qwen1.5-1.8b"},
		{"BlueLM-3B (2.7B LM)", KindLLM, "bluelm-3b"},
		{"Llama-3.2-1B-Instruct", KindLLM, "llama-3.2-1b"},
		{"InternLM-1.8B", KindLLM, "internlm2-1.8b"},
		{"gemma-2-2b", KindLLM, "gemma-2-2b"},
		{"  Gemma-2B ", KindLLM, "gemma-2b"},
		{"MobileNetV2 1.0 224", KindVision, "mobilenet-v2"},
		{"MobileNetV3-Large 224", KindVision, "mobilenet-v3-large"},
		{"MnasNet-0.5 (torchvision) 224", KindVision, "mnasnet-0.5"},
		{"ResNet-50 224", KindVision, "resnet-50"},
		{"resnet-50", KindVision, "resnet-50"},
		{"matmul W[4096x14336] x A[14336x256]", KindGEMM, "matmul W[4096x14336] x A[14336x256]"},
		{"matmul A[64x2048] X B[2048x2048]", KindGEMM, "matmul A[64x2048] x B[2048x2048]"},
	} {
		kind, name, err := cat.Resolve(tt.in)
		if err != nil || kind != tt.kind || name != tt.name {
			t.Errorf("Resolve(%q) = %s, %q, %v; want %s, %q", tt.in, kind, name, err, tt.kind, tt.name)
			continue
		}
		// The canonical name resolves to itself.
		if k, n, err := cat.Resolve(name); err != nil || k != kind || n != name {
			t.Errorf("Resolve(%q) = %s, %q, %v; want itself", name, k, n, err)
		}
		switch kind {
		case KindVision:
			_, err = cat.Model(name)
		case KindLLM:
			_, err = cat.LLM(name)
		case KindGEMM:
			_, err = ParseGEMM(name)
		}
		if err != nil {
			t.Errorf("%q resolves to %q, which does not look up: %v", tt.in, name, err)
		}
	}

	for _, tt := range []struct{ in, says string }{
		{"Mamba-2", "state-space"},
		{"TinyLlama-1.1B .. 7B (range)", "range"},
		{"TurboSparse-Mixtral-47B", "sparsity"},
		{"Llama-2-70B class (70B)", "size class"},
		{"memory-bound decode workload", "not a model"},
		{"Apple on-device FM (~3B)", "not published"},
		{"SSDLite MobileDet-CPU 320x320", "multiply-add counts were not found"},
	} {
		_, _, err := cat.Resolve(tt.in)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), tt.in) {
			t.Errorf("Resolve(%q) = %v; want ErrUnsupported naming it and saying %q", tt.in, err, tt.says)
		}
	}
	if _, _, err := cat.Resolve("GPT-5"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Resolve(GPT-5) = %v, want ErrUnknownModel", err)
	}
	if _, _, err := cat.Resolve("matmul W[4x4] x A[5x1]"); !errors.Is(err, ErrBadGEMM) {
		t.Errorf("Resolve of a malformed matmul = %v, want ErrBadGEMM", err)
	}
}

func TestParseAliases(t *testing.T) {
	const (
		models  = "name,macs,params,activation_bytes,input_bytes,output_bytes,source\nnet,1,2,0,3,4,src\n"
		quants  = "name,bits_per_weight,compute,kv_bytes,source\nq4,4.5,fp16,2,s\n"
		header  = "alias,kind,target,reason\n"
		goodRow = "Net 224,model,net,\n"
	)
	parse := func(aliases string) (*Catalogue, error) {
		return ParseFiles(Files{Models: strings.NewReader(models), Quants: strings.NewReader(quants), Aliases: strings.NewReader(aliases)})
	}
	cat, err := parse(header + goodRow + "Q4 (engine),quant,q4,\nGone-1,model,,withdrawn\n")
	if err != nil {
		t.Fatal(err)
	}
	if k, n, err := cat.Resolve("NET 224"); k != KindVision || n != "net" || err != nil {
		t.Errorf("Resolve(NET 224) = %s, %q, %v", k, n, err)
	}
	if q, err := cat.ResolveQuant("q4 (ENGINE)"); q.Name != "q4" || err != nil {
		t.Errorf("ResolveQuant = %q, %v", q.Name, err)
	}
	if _, _, err := cat.Resolve("gone-1"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "withdrawn") {
		t.Errorf("Resolve(gone-1) = %v", err)
	}

	for _, tt := range []struct {
		name, rows string
		line       int
		column     string
	}{
		{"unknown kind", "x,device,net,\n", 2, "kind"},
		{"unknown target", "x,model,nett,\n", 2, "target"},
		{"quant target that is a model", "x,quant,net,\n", 2, "target"},
		{"no reason for no target", "x,model,,\n", 2, "reason"},
		{"alias that is a catalogue name", "NET,model,net,\n", 2, "alias"},
		{"duplicate regardless of case", goodRow + "# c\nnet 224,model,net,\n", 4, "alias"},
		{"empty alias", ",model,net,\n", 2, "alias"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(header + tt.rows)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line || pe.Column != tt.column {
				t.Fatalf("error %v; want a *ParseError at line %d, column %s", err, tt.line, tt.column)
			}
			if !strings.Contains(err.Error(), "alias table: line") {
				t.Errorf("error %q does not name the table", err)
			}
		})
	}
}
