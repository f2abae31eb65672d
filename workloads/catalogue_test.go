package workloads

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDefaultCatalogue(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	names := cat.Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	// The experiment defaults and the calibration tests name these.
	for _, want := range []string{"mobilenet-v2", "mobilenet-v3-large", "mobilenet-v3-small", "resnet-50"} {
		if !slices.Contains(names, want) {
			t.Errorf("catalogue lacks %q; has %v", want, names)
		}
	}
	for _, name := range names {
		m, err := cat.Model(name)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != name || m.Source == "" {
			t.Errorf("%s: name %q, source %q", name, m.Name, m.Source)
		}
	}
	// The LLMs and quantisations that calibration rows name.
	for _, want := range []string{"llama-2-7b", "llama-3-8b", "llama-3.2-1b", "qwen1.5-1.8b", "bluelm-3b"} {
		if _, err := cat.LLM(want); err != nil {
			t.Error(err)
		}
	}
	for _, want := range []string{"fp16", "w4a16", "w8a8", "q4_0", "q4_k_m"} {
		if _, err := cat.Quant(want); err != nil {
			t.Error(err)
		}
	}
}

// TestParseCatalogueIsVisionOnly checks that a catalogue read by
// ParseCatalogue has no LLMs, quantisations or aliases, and says so.
func TestParseCatalogueIsVisionOnly(t *testing.T) {
	cat, err := ParseCatalogue(strings.NewReader("name,macs,params,activation_bytes,input_bytes,output_bytes,source\nm,1,2,0,3,4,src\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.LLMNames()) != 0 || len(cat.QuantNames()) != 0 {
		t.Errorf("LLMs %v, quantisations %v; want none", cat.LLMNames(), cat.QuantNames())
	}
	if _, err := cat.LLM("llama-2-7b"); !errors.Is(err, ErrUnknownLLM) {
		t.Errorf("LLM lookup: %v", err)
	}
	if k, n, err := cat.Resolve("M"); k != KindVision || n != "m" || err != nil {
		t.Errorf("Resolve(M) = %s, %q, %v", k, n, err)
	}
}

// TestPublishedFigures pins the catalogue to the numbers its sources give,
// so that an edit of models.csv that drops a digit fails here.
func TestPublishedFigures(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		macs        float64
		params      float64
		input, outp float64
	}{
		{"mobilenet-v2", 300e6, 3.47e6, 224 * 224 * 3, 1000 * 4}, // Sandler et al. 2018
		{"mobilenet-v2-0.5", 97e6, 1.95e6, 224 * 224 * 3, 1000 * 4},
		{"mobilenet-v3-large", 217e6, 5.4e6, 224 * 224 * 3, 1000 * 4}, // Howard et al. 2019
		{"mobilenet-v3-small", 56e6, 2.54e6, 224 * 224 * 3, 1000 * 4},
		{"resnet-50", 4.09e9, 25557032, 224 * 224 * 3, 1000 * 4}, // torchvision, v1.5
		{"mnasnet-a1", 312e6, 3.9e6, 224 * 224 * 3, 1000 * 4},    // tensorflow/tpu MnasNet README
		{"mnasnet-a1-0.5", 105.2e6, 2.1e6, 224 * 224 * 3, 1000 * 4},
		{"mnasnet-0.5", 104.46e6, 2218512, 224 * 224 * 3, 1000 * 4},                // torchvision: 0.10 GFLOPS
		{"vit-b-16", 17.56e9, 86567656, 224 * 224 * 3, 1000 * 4},                   // torchvision vit_b_16
		{"yolov8n", 8.7e9 / 2, 3.2e6, 640 * 640 * 3, 84 * 8400 * 4},                // Ultralytics README: 8.7 GFLOPs
		{"whisper-base-encoder", 43.68e9, 19822592, 80 * 3000 * 4, 1500 * 512 * 4}, // derived
		{"siglip-so400m-384", 333.2e9, 412987248, 384 * 384 * 3, 729 * 1152 * 4},   // derived
	}
	for _, tt := range tests {
		m, err := cat.Model(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if m.MACs != tt.macs || m.Params != tt.params || m.InputBytes != tt.input || m.OutputBytes != tt.outp {
			t.Errorf("%s = %+v; want MACs %g, params %g, input %g, output %g", tt.name, m, tt.macs, tt.params, tt.input, tt.outp)
		}
		if m.Ops() != 2*tt.macs {
			t.Errorf("%s: Ops() = %g, want %g", tt.name, m.Ops(), 2*tt.macs)
		}
	}
}

func TestUnknownModel(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	_, err = cat.Model("mobilenet-v9")
	if !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("err = %v, want ErrUnknownModel", err)
	}
	for _, name := range cat.Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list known model %q", err, name)
		}
	}
	if !strings.Contains(err.Error(), `"mobilenet-v9"`) {
		t.Errorf("error %q does not quote the unknown name", err)
	}
}

func TestNamesIsACopy(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	n := cat.Names()
	n[0] = "changed"
	if cat.Names()[0] == "changed" {
		t.Error("Names() exposes the catalogue's own slice")
	}
}

func TestParseCatalogue(t *testing.T) {
	const header = "name,macs,params,activation_bytes,input_bytes,output_bytes,source\n"
	good := header + "m,1,2,0,3,4,src\n"
	cat, err := ParseCatalogue(strings.NewReader("# a comment\n" + good))
	if err != nil {
		t.Fatal(err)
	}
	m, err := cat.Model("m")
	want := Model{Name: "m", MACs: 1, Params: 2, ActivationBytes: 0, InputBytes: 3, OutputBytes: 4, Source: "src"}
	if err != nil || m != want {
		t.Errorf("Model(m) = %+v, %v; want %+v", m, err, want)
	}

	// Columns may come in any order.
	cat, err = ParseCatalogue(strings.NewReader("source,output_bytes,input_bytes,activation_bytes,params,macs,name\nsrc,4,3,0,2,1,m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := cat.Model("m"); m != want {
		t.Errorf("reordered columns: got %+v, want %+v", m, want)
	}

	bad := []struct {
		name   string
		input  string
		line   int
		column string // "" when the line as a whole is at fault
	}{
		{"empty input", "", 1, ""},
		{"header only", header, 0, ""},
		{"unknown column", "name,macs,params,activation_bytes,input_bytes,output_bytes,source,flops\n", 1, "flops"},
		{"missing column", "name,macs,params,activation_bytes,input_bytes,output_bytes\n", 1, "source"},
		{"duplicate column", "name,name,macs,params,activation_bytes,input_bytes,output_bytes,source\n", 1, "name"},
		{"not a number", header + "m,1,2,0,3,4,src\nn,lots,2,0,3,4,src\n", 3, "macs"},
		{"negative", header + "m,1,-2,0,3,4,src\n", 2, "params"},
		{"zero macs", header + "m,0,2,0,3,4,src\n", 2, "macs"},
		{"NaN", header + "m,1,2,NaN,3,4,src\n", 2, "activation_bytes"},
		{"infinite", header + "m,1,2,0,+Inf,4,src\n", 2, "input_bytes"},
		{"no source", header + "m,1,2,0,3,4,\n", 2, "source"},
		{"empty name", header + ",1,2,0,3,4,src\n", 2, "name"},
		{"upper-case name", header + "MobileNet,1,2,0,3,4,src\n", 2, "name"},
		{"duplicate name", header + "m,1,2,0,3,4,src\n# comment\nm,1,2,0,3,4,src\n", 4, "name"},
		{"short line", header + "m,1,2,0,3,4\n", 2, ""},
		{"bad quoting", header + "m,1,2,0,3,4,\"src\n", 2, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCatalogue(strings.NewReader(tt.input))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.line == 0 {
				return // an error about the file as a whole
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q is not a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("error %q at line %d, column %q; want line %d, column %q", err, pe.Line, pe.Column, tt.line, tt.column)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name its line", err)
			}
		})
	}
}
