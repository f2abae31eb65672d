package devices

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
	// The experiment defaults name these three.
	for _, want := range []string{"sd8gen2-cpu", "edge-t4", "cloud-a100"} {
		if !slices.Contains(names, want) {
			t.Errorf("catalogue lacks %q; has %v", want, names)
		}
	}
	for _, name := range names {
		p, err := cat.Processor(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name {
			t.Errorf("Processor(%q).Name = %q", name, p.Name)
		}
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if len(p.Source) < 40 {
			t.Errorf("%s: source %q is too short to say where the numbers come from", name, p.Source)
		}
	}
}

func TestProfileColumnsCoverFields(t *testing.T) {
	for _, f := range fields {
		if !slices.Contains(profileColumns, f.column) {
			t.Errorf("field %s has no column %q", f.name, f.column)
		}
	}
	if want := len(fields) + 3; len(profileColumns) != want { // + name, kind, source
		t.Errorf("%d profile columns, want %d", len(profileColumns), want)
	}
}

func TestUnknownProcessor(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	_, err = cat.Processor("edge-h100")
	if !errors.Is(err, ErrUnknownProcessor) {
		t.Fatalf("err = %v, want ErrUnknownProcessor", err)
	}
	for _, name := range cat.Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list known processor %q", err, name)
		}
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
	const header = "name,kind,peak_ops,mem_bandwidth,compute_eff,mem_eff,overhead_s,bytes_per_param,bytes_per_activation,active_power_w,idle_power_w,source\n"
	const good = "toy,cpu,1e12,1e11,0.5,0.5,1e-3,2,4,2,0.5,test\n"
	cat, err := ParseCatalogue(strings.NewReader("# comment\n" + header + good))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := cat.Processor("toy"); err != nil || p != toy {
		t.Errorf("Processor(toy) = %+v, %v; want %+v", p, err, toy)
	}

	bad := []struct {
		name   string
		input  string
		line   int
		column string
	}{
		{"empty input", "", 1, ""},
		{"header only", header, 0, ""},
		{"unknown column", strings.Replace(header, "source", "source,vendor", 1), 1, "vendor"},
		{"missing column", strings.Replace(header, "mem_eff,", "", 1), 1, "mem_eff"},
		{"unknown kind", header + "toy,tpu,1e12,1e11,0.5,0.5,1e-3,2,4,2,0.5,test\n", 2, "kind"},
		{"not a number", header + good + "t2,cpu,fast,1e11,0.5,0.5,1e-3,2,4,2,0.5,test\n", 3, "peak_ops"},
		{"efficiency above 1", header + "toy,cpu,1e12,1e11,1.5,0.5,1e-3,2,4,2,0.5,test\n", 2, "compute_eff"},
		{"zero bandwidth", header + "toy,cpu,1e12,0,0.5,0.5,1e-3,2,4,2,0.5,test\n", 2, "mem_bandwidth"},
		{"negative overhead", header + "toy,cpu,1e12,1e11,0.5,0.5,-1e-3,2,4,2,0.5,test\n", 2, "overhead_s"},
		{"idle above active", header + "toy,cpu,1e12,1e11,0.5,0.5,1e-3,2,4,2,5,test\n", 2, "idle_power_w"},
		{"no source", header + "toy,cpu,1e12,1e11,0.5,0.5,1e-3,2,4,2,0.5,\n", 2, "source"},
		{"bad name", header + "Edge T4,cpu,1e12,1e11,0.5,0.5,1e-3,2,4,2,0.5,test\n", 2, "name"},
		{"duplicate name", header + good + good, 3, "name"},
		{"short line", header + "toy,cpu,1e12\n", 2, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCatalogue(strings.NewReader(tt.input))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.line == 0 {
				return
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
