package devices

import (
	"bytes"
	"flag"
	"math"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite data/fitted.toml with a fit to the shipped table")

// refitTol bounds how far a refit from the shipped values may move any of
// them (relative): the shipped values are the optimum up to the 6 digits
// of the file and the optimiser's tolerance.
const refitTol = 0.03

// TestShippedFit refits the shipped table starting from the shipped
// (fitted) values: nothing may move by more than refitTol, and the fit
// must find the same groups and device factors as the file holds. With
// -update it rewrites data/fitted.toml instead.
func TestShippedFit(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Fit(c, defaultWorkloads(t), pts, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		var b bytes.Buffer
		if err := res.WriteTOML(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("data/fitted.toml", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote data/fitted.toml: %d entries, objective %.4f over %d rows", len(res.Entries), res.Cost, res.Rows)
		return
	}
	fitted := map[string]bool{}
	for _, e := range res.Entries {
		var shipped Factors
		key := e.Engine + "/" + string(e.Kind)
		if e.Device == "" {
			eng, err := c.Engine(e.Engine)
			if err != nil {
				t.Fatal(err)
			}
			if shipped, err = eng.For(e.Kind); err != nil {
				t.Fatal(err)
			}
		} else {
			d, err := c.Device(e.Device)
			if err != nil {
				t.Fatal(err)
			}
			var ok bool
			if shipped, ok = d.Overrides[key]; !ok {
				t.Errorf("the fit gives %s factors of its own for %s, which data/fitted.toml lacks (run with -update)", e.Device, key)
				continue
			}
			fitted[e.Device+"|"+key] = true
		}
		if shipped.Prior == nil {
			t.Errorf("%s %s: fitted, but not in data/fitted.toml (run with -update)", e.Device, key)
		}
		for _, p := range e.Params {
			var old float64
			for _, fp := range fitParams {
				if fp.name == p.Name {
					old = *fp.field(&shipped) * fp.scale
				}
			}
			if math.Abs(p.Value-old) > refitTol*math.Abs(old) {
				t.Errorf("%s %s %s: refit moves %.6g to %.6g (more than %.0f%%)", e.Device, key, p.Name, old, p.Value, 100*refitTol)
			}
		}
	}
	for _, name := range c.DeviceNames() {
		d, _ := c.Device(name)
		for key, f := range d.Overrides {
			if f.Prior != nil && !fitted[name+"|"+key] {
				t.Errorf("data/fitted.toml gives %s factors of its own for %s, which the fit no longer does (run with -update)", name, key)
			}
		}
	}
	t.Logf("objective %.4f over %d rows, %d fitted groups", res.Cost, res.Rows, len(res.Entries))
	for _, e := range res.Entries {
		t.Logf("  %-28s %-16s %-3s %d rows %v", e.Device, e.Engine, e.Kind, len(e.Rows), e.Params)
	}
}

// TestFitRecoversFactors generates a table from known factors and fits the
// toy catalogue, whose priors are elsewhere, to it: the fit finds the
// factors the rows depend on and leaves the others at their priors.
func TestFitRecoversFactors(t *testing.T) {
	prior := toyCatalogue(t)
	truthData := strings.NewReplacer(
		"compute_eff = 0.5\n  mem_eff = 0.8", "compute_eff = 0.3\n  mem_eff = 0.6",
		"token_overhead_ms = 2\n", "token_overhead_ms = 5\n",
		"chunk_overhead_ms = 10", "chunk_overhead_ms = 25",
	).Replace(toyData)
	truth, err := LoadCatalogue(fstest.MapFS{"data/toy.toml": {Data: []byte(truthData)}})
	if err != nil {
		t.Fatal(err)
	}
	w := defaultWorkloads(t)
	var pts []Point
	for i, m := range []string{"llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "qwen2.5-1.5b"} {
		for j, phase := range []string{"decode", "prefill"} {
			for k, tokens := range []int{256, 1000, 3000} {
				pts = append(pts, toyPoint(string(rune('a'+i))+string(rune('a'+j))+string(rune('a'+k)), func(p *Point) {
					p.Model, p.Phase, p.Tokens = m, phase, tokens
				}))
			}
		}
	}
	for i, r := range Calibrate(truth, w, pts).Rows {
		if !r.Supported() {
			t.Fatalf("%s: %s", r.ID, r.Unsupported)
		}
		pts[i].Value = r.Predicted
	}
	// A negligible pull towards the priors: this tests the search. (The
	// default weak pull moves weakly constrained values, such as the chunk
	// overhead, part of the way back.)
	res, err := Fit(prior, w, pts, FitOptions{PriorWeight: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Device != "" || res.Entries[0].Engine != "toy" || res.Entries[0].Kind != NPU {
		t.Fatalf("fitted %+v, want the toy engine on npu alone", res.Entries)
	}
	want := map[string]float64{"compute_eff": 0.3, "mem_eff": 0.6, "token_overhead_ms": 5, "chunk_overhead_ms": 25}
	got := map[string]float64{}
	for _, p := range res.Entries[0].Params {
		got[p.Name] = p.Value
	}
	const tol = 0.01
	for name, v := range want {
		if g, ok := got[name]; !ok || math.Abs(g-v) > tol*v {
			t.Errorf("%s: fitted %v, want %v", name, g, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fitted %v; no row depends on the others, which keep their priors", got)
	}
	f, _ := res.Catalogue.engines["toy"].For(NPU)
	if f.CallOverhead != 0.5e-3 || f.ActivationTraffic != 1 {
		t.Errorf("call overhead %v, activation traffic %v: changed without a row that depends on them", f.CallOverhead, f.ActivationTraffic)
	}
	if f.Prior == nil || f.Prior.ComputeEff != 0.5 {
		t.Errorf("the fitted factors do not keep their prior: %+v", f.Prior)
	}
	if rep := Calibrate(res.Catalogue, w, pts); rep.MAPE > 0.005 {
		t.Errorf("MAPE %v after fitting exact rows", rep.MAPE)
	}
	// The input catalogue is not changed.
	if f, _ := prior.engines["toy"].For(NPU); f.ComputeEff != 0.5 || f.Prior != nil {
		t.Errorf("Fit changed its input: %+v", f)
	}
}

// TestFitDeviceFactors checks that a device gets factors of its own only
// with enough rows on a group other devices share, and that leaving it out
// drops them.
func TestFitDeviceFactors(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	w := defaultWorkloads(t)
	res, err := Fit(c, w, pts, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entries {
		if e.Device != "" && len(e.Rows) < DefaultMinDeviceRows {
			t.Errorf("%s has factors of its own for %s/%s from %d rows", e.Device, e.Engine, e.Kind, len(e.Rows))
		}
	}
	const leave = "galaxy-s25"
	loo, err := Fit(c, w, pts, FitOptions{Leave: leave})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := loo.Catalogue.Device(leave)
	for key, f := range d.Overrides {
		if f.Prior != nil {
			t.Errorf("%s left out, yet keeps fitted factors for %s", leave, key)
		}
	}
	for _, e := range loo.Entries {
		for _, id := range e.Rows {
			if strings.HasPrefix(id, "AIH-V06") || id == "AIH-V10" || id == "AIH-V17" {
				t.Errorf("%s left out, yet its row %s was fitted", leave, id)
			}
		}
	}
	if _, err := Fit(c, w, pts, FitOptions{Leave: "no-such-phone"}); err == nil {
		t.Error("leaving out an unknown device: no error")
	}
	if _, err := Fit(c, w, pts, FitOptions{PriorWeight: -1}); err == nil {
		t.Error("a negative prior weight: no error")
	}
}

// TestLeaveOneDeviceOut reports how well the model predicts a device
// nobody measured, and bounds it loosely.
func TestLeaveOneDeviceOut(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	pts, err := DefaultPoints()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := LeaveOneDeviceOut(c, defaultWorkloads(t), pts, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inSample, err := CalibrateDefault(pts)
	if err != nil {
		t.Fatal(err)
	}
	// Loose: an unmeasured device is predicted from its specification and
	// the engines' factors alone; a few rows run on engines that only the
	// left-out device's rows constrain and fall back to the priors.
	const maxLOO = 0.5
	if rep.Rows != inSample.Predicted {
		t.Errorf("%d rows predicted left out, %d in sample", rep.Rows, inSample.Predicted)
	}
	if rep.MAPE > maxLOO {
		t.Errorf("leave-one-device-out MAPE %.3f, want ≤ %.2f", rep.MAPE, maxLOO)
	}
	t.Logf("leave-one-device-out MAPE %.3f over %d rows (in sample %.3f)", rep.MAPE, rep.Rows, inSample.MAPE)
	for _, d := range rep.Devices {
		worst := Row{}
		for _, r := range d.Rows {
			if math.Abs(r.Error) >= math.Abs(worst.Error) {
				worst = r
			}
		}
		t.Logf("  %-28s %3d rows  MAPE %.3f  worst %s %+.0f%%", d.Device, len(d.Rows), d.MAPE, worst.ID, 100*worst.Error)
	}
}
