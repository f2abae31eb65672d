package devices

import (
	"math"
	"strings"
	"testing"

	"github.com/mecsim/mecsim/workloads"
)

// toy is a processor with round numbers, so that expected times can be
// worked out by hand: 0.5 TOPS effective, 50 GB/s effective, 1 ms overhead.
var toy = Processor{
	Name: "toy", Kind: CPU,
	PeakOps: 1e12, ComputeEff: 0.5,
	MemBandwidth: 1e11, MemEff: 0.5,
	Overhead:      1e-3,
	BytesPerParam: 2, BytesPerActivation: 4,
	ActivePowerW: 2, IdlePowerW: 0.5,
	Source: "test",
}

// relTol is the float tolerance for hand-computed times: the arithmetic is
// a few divisions and an addition, exact to a few ulps.
const relTol = 1e-12

func near(got, want float64) bool { return math.Abs(got-want) <= relTol*math.Abs(want) }

func TestTime(t *testing.T) {
	tests := []struct {
		name       string
		ops, bytes float64
		want       float64
	}{
		// 1e9 ops / 5e11 = 2 ms; 1e7 B / 5e10 = 0.2 ms; + 1 ms.
		{"compute-bound", 1e9, 1e7, 3e-3},
		// 1e8 ops / 5e11 = 0.2 ms; 1e9 B / 5e10 = 20 ms; + 1 ms.
		{"memory-bound", 1e8, 1e9, 21e-3},
		// 1e9 ops / 5e11 = 2 ms = 1e8 B / 5e10: the ridge point.
		{"ridge", 1e9, 1e8, 3e-3},
		{"no work: overhead only", 0, 0, 1e-3},
		{"compute only", 5e11, 0, 1.001},
		{"memory only", 0, 5e10, 1.001},
	}
	for _, tt := range tests {
		if got := toy.Time(tt.ops, tt.bytes); !near(got, tt.want) {
			t.Errorf("%s: Time(%g, %g) = %.15g, want %.15g", tt.name, tt.ops, tt.bytes, got, tt.want)
		}
	}

	noOverhead := toy
	noOverhead.Overhead = 0
	if got := noOverhead.Time(1e9, 1e7); !near(got, 2e-3) {
		t.Errorf("without overhead: Time = %g, want 2e-3", got)
	}
}

func TestInferenceTime(t *testing.T) {
	tests := []struct {
		name      string
		m         workloads.Model
		wantBytes float64
		want      float64
	}{
		{
			// ops 1e9 → 2 ms. bytes = 1e6·2 + 2e6·4 = 1e7 → 0.2 ms. + 1 ms.
			name:      "compute-bound",
			m:         workloads.Model{MACs: 5e8, Params: 1e6, ActivationBytes: 2e6},
			wantBytes: 1e7, want: 3e-3,
		},
		{
			// ops 1e9 → 2 ms. bytes = 1e8·2 + 2e6·4 = 2.08e8 → 4.16 ms. + 1 ms.
			name:      "memory-bound on weights",
			m:         workloads.Model{MACs: 5e8, Params: 1e8, ActivationBytes: 2e6},
			wantBytes: 2.08e8, want: 5.16e-3,
		},
		{
			// ops 2e6 → 4 µs. bytes = 1e3·2 + 1e8·4 = 4.00002e8 → 8.00004 ms. + 1 ms.
			name:      "memory-bound on activations",
			m:         workloads.Model{MACs: 1e6, Params: 1e3, ActivationBytes: 1e8},
			wantBytes: 4.00002e8, want: 9.00004e-3,
		},
	}
	for _, tt := range tests {
		if got := toy.Bytes(tt.m); !near(got, tt.wantBytes) {
			t.Errorf("%s: Bytes = %g, want %g", tt.name, got, tt.wantBytes)
		}
		if got := toy.InferenceTime(tt.m); !near(got, tt.want) {
			t.Errorf("%s: InferenceTime = %.15g, want %.15g", tt.name, got, tt.want)
		}
	}

	// Activations held on chip cost no memory traffic.
	onChip := toy
	onChip.BytesPerActivation = 0
	m := workloads.Model{MACs: 1e6, Params: 1e3, ActivationBytes: 1e8}
	if got := onChip.Bytes(m); got != 2e3 {
		t.Errorf("on-chip activations: Bytes = %g, want 2e3", got)
	}
}

func TestEnergy(t *testing.T) {
	for _, tt := range []struct{ seconds, want float64 }{{0, 0}, {3, 6}, {1.5e-3, 3e-3}} {
		if got := toy.Energy(tt.seconds); !near(got, tt.want) {
			t.Errorf("Energy(%g) = %g, want %g", tt.seconds, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := toy.Validate(); err != nil {
		t.Fatalf("toy: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*Processor)
		field string
	}{
		{"no name", func(p *Processor) { p.Name = "" }, "Name"},
		{"unknown kind", func(p *Processor) { p.Kind = "tpu" }, "Kind"},
		{"zero peak", func(p *Processor) { p.PeakOps = 0 }, "PeakOps"},
		{"infinite bandwidth", func(p *Processor) { p.MemBandwidth = math.Inf(1) }, "MemBandwidth"},
		{"efficiency above 1", func(p *Processor) { p.ComputeEff = 1.2 }, "ComputeEff"},
		{"zero efficiency", func(p *Processor) { p.MemEff = 0 }, "MemEff"},
		{"negative overhead", func(p *Processor) { p.Overhead = -1e-3 }, "Overhead"},
		{"NaN bytes per param", func(p *Processor) { p.BytesPerParam = math.NaN() }, "BytesPerParam"},
		{"negative bytes per activation", func(p *Processor) { p.BytesPerActivation = -1 }, "BytesPerActivation"},
		{"negative power", func(p *Processor) { p.ActivePowerW = -1; p.IdlePowerW = -2 }, "ActivePowerW"},
		{"idle above active", func(p *Processor) { p.IdlePowerW = 3 }, "IdlePowerW"},
	}
	for _, tt := range tests {
		p := toy
		tt.edit(&p)
		err := p.Validate()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%s: error %q does not name %s", tt.name, err, tt.field)
		}
	}

	// Every violation is reported, not only the first.
	p := toy
	p.PeakOps, p.MemEff = -1, 2
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "PeakOps") || !strings.Contains(err.Error(), "MemEff") {
		t.Errorf("two violations: error %v", err)
	}

	// Efficiencies of exactly 1 and an overhead of 0 are legal.
	p = toy
	p.ComputeEff, p.MemEff, p.Overhead, p.BytesPerActivation, p.IdlePowerW = 1, 1, 0, 0, 0
	if err := p.Validate(); err != nil {
		t.Errorf("boundary values: %v", err)
	}
}
