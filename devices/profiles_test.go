package devices

import (
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// The profiles of issue 3, part 2 ("Profiles as data"): phones, edge boxes,
// laptops and server GPUs beyond the calibration table, in
// data/extra_phones.toml and data/extra_edge.toml.

// extraFiles are the data files these tests check figure by figure.
var extraFiles = []string{"data/extra_phones.toml", "data/extra_edge.toml"}

// loadExtra loads only the extra profile files, so that the figure checks
// below see exactly the devices those files define.
func loadExtra(t *testing.T) *Catalogue {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range extraFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[f] = &fstest.MapFile{Data: b}
	}
	c, err := LoadCatalogue(fsys)
	if err != nil {
		t.Fatalf("extra profiles alone: %v", err)
	}
	return c
}

func TestProfilesCatalogueLoads(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.DeviceNames() {
		d, err := c.Device(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
	}
	// Every extra device is in the full catalogue: no other file shadows it.
	for _, name := range loadExtra(t).DeviceNames() {
		if _, err := c.Device(name); err != nil {
			t.Errorf("extra device %s missing from the default catalogue: %v", name, err)
		}
	}
}

// TestProfilesNamesResolve looks up the devices issue 3 lists by their usual
// names; soc is a fragment the device found must name, so that an alias
// pointing at the wrong device fails. It checks the whole catalogue, so a
// device may live in any data file.
func TestProfilesNamesResolve(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, soc string }{
		{"Pixel 1", "821"},
		{"Google Pixel 2", "835"},
		{"Pixel 3", "845"},
		{"Google Pixel 4", "855"},
		{"Google Pixel 4 Edge TPU", "855"},
		{"Pixel 5", "765G"},
		{"Google Pixel 6", "Tensor"},
		{"Pixel 7", "Tensor G2"},
		{"Google Pixel 8", "Tensor G3"},
		{"Tensor G2 phone", "Tensor G2"},
		{"Tensor G3 phone", "Tensor G3"},
		{"Samsung Galaxy S22", "8 Gen 1"},
		{"Galaxy S23", "8 Gen 2"},
		{"Samsung Galaxy S23 (Snapdragon 8 Gen 2)", "8 Gen 2"},
		{"Samsung Galaxy S24 (Snapdragon 8 Gen 3)", "8 Gen 3"},
		{"Samsung Galaxy S25", "8 Elite"},
		{"Samsung Galaxy S25 (Snapdragon 8 Elite)", "8 Elite"},
		{"Snapdragon 8 Gen 1 reference design", "8 Gen 1"},
		{"Snapdragon 8 Gen 2 reference design", "8 Gen 2"},
		{"Snapdragon 8 Gen 3 reference design", "8 Gen 3"},
		{"Snapdragon 8 Gen 3 phone", "8 Gen 3"},
		{"Snapdragon 8 Elite QRD", "8 Elite"},
		{"Snapdragon 8 Elite Gen 5 QRD", "8 Elite Gen 5"},
		{"MediaTek Dimensity 9200", "Dimensity 9200"},
		{"vivo X100 (MediaTek Dimensity 9300)", "Dimensity 9300"},
		{"Dimensity 9300", "Dimensity 9300"},
		{"Apple A16", "A16"},
		{"iPhone 14 Pro", "A16"},
		{"Apple A17 Pro", "A17 Pro"},
		{"iPhone 15 Pro (A17 Pro)", "A17 Pro"},
		{"Apple M1", "M1"},
		{"Apple M1 Pro", "M1 Pro"},
		{"Apple M1 Max 32-core GPU 64GB", "M1 Max"},
		{"Apple M1 Ultra 64-core GPU 128GB", "M1 Ultra"},
		{"Apple M2", "M2"},
		{"Apple M2 Pro", "M2 Pro"},
		{"Apple M2 Max", "M2 Max"},
		{"Apple M2 Ultra 76-core GPU 192GB", "M2 Ultra"},
		{"Apple M3", "M3"},
		{"Apple M3 Pro", "M3 Pro"},
		{"Apple M3 Max 40-core GPU 64GB", "M3 Max"},
		{"Snapdragon 7+ Gen 2 phone", "7+ Gen 2"},
		{"Snapdragon 7-series phone", "Snapdragon 7"},
		{"Jetson Orin Nano 8GB (original, 68 GB/s, 15 W)", "Orin Nano"},
		{"Jetson Orin Nano Super 8GB (102 GB/s, 25 W)", "Orin Nano"},
		{"Jetson Orin NX 16GB", "Orin NX"},
		{"Jetson AGX Orin 64GB", "AGX Orin"},
		{"NVIDIA T4", "T4"},
		{"NVIDIA L4", "L4"},
		{"NVIDIA A10", "A10"},
		{"A100 40GB", "A100"},
		{"NVIDIA A100 80GB", "A100"},
		{"NVIDIA H100 PCIe 80GB", "H100"},
		{"H100 SXM", "H100"},
		{"NVIDIA RTX 3090 24GB", "3090"},
		{"NVIDIA RTX 4090 24GB", "4090"},
	}
	for _, tt := range tests {
		d, err := c.Device(tt.name)
		if err != nil {
			t.Errorf("%q: %v", tt.name, err)
			continue
		}
		if !strings.Contains(d.SoC, tt.soc) && !strings.Contains(d.Name, strings.ToLower(tt.soc)) {
			t.Errorf("%q resolves to %s (SoC %q), want a %s device", tt.name, d.Name, d.SoC, tt.soc)
		}
	}
}

// TestProfilesBandwidthFormula recomputes every extra device's bandwidth
// from its memory's transfer rate and bus width: BW = MT/s × bits / 8.
func TestProfilesBandwidthFormula(t *testing.T) {
	tests := []struct {
		device     string
		mts, width float64 // transfer rate in MT/s, bus width in bits
	}{
		// Phones: every bus is 64 bit.
		{"pixel-2", 3733, 64}, // LPDDR4X-1866
		{"pixel-3", 3733, 64},
		{"pixel-4", 4266, 64}, // LPDDR4X-2133
		{"pixel-5", 4266, 64},
		{"pixel-6", 6400, 64}, // LPDDR5-3200
		{"pixel-7", 6400, 64},
		{"pixel-8", 8533, 64}, // LPDDR5X
		{"galaxy-s22", 6400, 64},
		{"galaxy-s23", 8400, 64},
		{"galaxy-s25", 10667, 64},
		{"snapdragon-8-gen3-qrd", 9600, 64},
		{"snapdragon-8-elite-qrd", 10600, 64},
		{"snapdragon-8-elite-gen5-qrd", 10600, 64},
		{"vivo-x90-pro", 8533, 64},
		{"vivo-x100", 9600, 64}, // LPDDR5T
		{"iphone-14-pro", 6400, 64},
		{"iphone-15-pro", 6400, 64},
		{"poco-f5", 6400, 64},
		// Apple M-series: 128, 256, 512 and 1024 bit (the M3 Pro 192).
		{"apple-m1", 4266, 128},
		{"apple-m1-pro", 6400, 256},
		{"apple-m1-max", 6400, 512},
		{"apple-m1-ultra", 6400, 1024},
		{"apple-m2", 6400, 128},
		{"apple-m2-pro", 6400, 256},
		{"apple-m2-max", 6400, 512},
		{"apple-m2-ultra", 6400, 1024},
		{"apple-m3", 6400, 128},
		{"apple-m3-pro", 6400, 192},
		{"apple-m3-max", 6400, 512},
		// Jetson Orin: 128-bit modules, the AGX 256 bit.
		{"jetson-orin-nano-8gb", 4266, 128},
		{"jetson-orin-nano-super", 6400, 128},
		{"jetson-orin-nx-16gb", 6400, 128},
		{"jetson-agx-orin-64gb", 6400, 256},
		// GPUs: GDDR per-pin rates, HBM stacks on 5120 bit.
		{"nvidia-l4", 12500, 192},
		{"nvidia-a10", 12500, 384},
		{"nvidia-a100-80gb", 3186, 5120},
		{"nvidia-a100-80gb-pcie", 3024, 5120},
		{"nvidia-h100-pcie", 3125, 5120},
		{"nvidia-h100-sxm", 5234, 5120},
		{"nvidia-rtx-3090", 19500, 384},
		{"nvidia-rtx-4090", 21000, 384},
	}
	// The files round figures to 4 significant digits.
	const tol = 1e-3
	c := loadExtra(t)
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.device] = true
		d, err := c.Device(tt.device)
		if err != nil {
			t.Errorf("%s: %v", tt.device, err)
			continue
		}
		want := tt.mts * 1e6 * tt.width / 8
		if math.Abs(d.Bandwidth-want) > tol*want {
			t.Errorf("%s: bandwidth %.4g GB/s, want %g MT/s x %g bit / 8 = %.4g GB/s",
				tt.device, d.Bandwidth/1e9, tt.mts, tt.width, want/1e9)
		}
	}
	for _, name := range c.DeviceNames() {
		if !covered[name] {
			t.Errorf("%s: bandwidth not checked against its transfer rate and bus width", name)
		}
	}
}

// TestProfilesAliasesUnique checks that no name or alias, ignoring case,
// names two devices anywhere in the catalogue.
func TestProfilesAliasesUnique(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, name := range c.DeviceNames() {
		d, _ := c.Device(name)
		for _, a := range append([]string{d.Name}, d.Aliases...) {
			k := strings.ToLower(strings.TrimSpace(a))
			if k == "" {
				t.Errorf("%s has an empty alias", d.Name)
			}
			if o, ok := owner[k]; ok && o != d.Name {
				t.Errorf("alias %q names both %s and %s", a, o, d.Name)
			}
			owner[k] = d.Name
			if got, err := c.Device(a); err != nil || got.Name != d.Name {
				t.Errorf("alias %q of %s resolves to %v (%v)", a, d.Name, got, err)
			}
		}
	}
}

var gradeTag = regexp.MustCompile(`\[[PDSRA](\]|[;,: ])`)

// TestProfilesSourcesAndShape checks what every extra profile must carry: a
// graded source on the device and each processor, peaks that fall or hold
// as the data type widens, and a battery and thermal model on phones.
func TestProfilesSourcesAndShape(t *testing.T) {
	c := loadExtra(t)
	for _, name := range c.DeviceNames() {
		d, _ := c.Device(name)
		if !gradeTag.MatchString(d.Source) {
			t.Errorf("%s: source carries no grade tag: %q", name, d.Source)
		}
		if len(d.Aliases) < 2 {
			t.Errorf("%s: %d aliases, want its usual names", name, len(d.Aliases))
		}
		switch d.Class {
		case "phone", "laptop":
			if d.Battery.CapacityWh <= 0 || !gradeTag.MatchString(d.Battery.Source) {
				t.Errorf("%s: %s without a graded battery", name, d.Class)
			}
			if d.Thermal.TimeConstant() <= 0 || !gradeTag.MatchString(d.Thermal.Source) {
				t.Errorf("%s: %s without a graded thermal model", name, d.Class)
			}
		case "edge", "server":
			if d.Battery.CapacityWh != 0 {
				t.Errorf("%s: mains-powered %s with a battery", name, d.Class)
			}
		default:
			t.Errorf("%s: class %q", name, d.Class)
		}
		for i := range d.Processors {
			p := &d.Processors[i]
			if !gradeTag.MatchString(p.Source) {
				t.Errorf("%s/%s: source carries no grade tag", name, p.Name)
			}
			for dt := FP32; dt < INT8; dt++ {
				if p.Peak[dt] > 0 && p.Peak[dt+1] > 0 && p.Peak[dt+1] < p.Peak[dt] {
					t.Errorf("%s/%s: %v peak %.3g below %v peak %.3g", name, p.Name, dt+1, p.Peak[dt+1], dt, p.Peak[dt])
				}
			}
		}
	}
}
