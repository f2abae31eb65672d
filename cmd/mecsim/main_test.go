package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const quickstart = "../../experiments/quickstart.toml"

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = mainWithArgs(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunWritesEveryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	code, stdout, stderr := runMain(t, "run", quickstart, "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "greedy-latency") {
		t.Errorf("summary table missing from stdout:\n%s", stdout)
	}
	for _, f := range []string{"config.toml", "tasks.csv", "summary.json",
		"figures/latency_cdf.png", "figures/latency_cdf.svg", "figures/latency_energy.png", "figures/latency_energy.svg"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil || info.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
	for _, f := range []string{"figures/latency_cdf.png", "figures/latency_energy.png"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s does not decode as PNG: %v", f, err)
		}
		fh.Close()
	}
	// The resolved config runs again and gives the same tasks.
	again := filepath.Join(t.TempDir(), "again")
	if code, _, stderr := runMain(t, "run", filepath.Join(dir, "config.toml"), "-o", again); code != exitOK {
		t.Fatalf("rerun of resolved config: exit %d: %s", code, stderr)
	}
	sameFile(t, filepath.Join(dir, "tasks.csv"), filepath.Join(again, "tasks.csv"))
}

// TestReproducibleAcrossGOMAXPROCS runs the quickstart with one and with
// several procs: tasks.csv and summary.json must be byte-identical.
func TestReproducibleAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := filepath.Join(t.TempDir(), "one")
	if code, _, stderr := runMain(t, "run", quickstart, "-o", one); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	runtime.GOMAXPROCS(max(4, prev))
	many := filepath.Join(t.TempDir(), "many")
	if code, _, stderr := runMain(t, "run", quickstart, "-o", many); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"tasks.csv", "summary.json", "config.toml"} {
		sameFile(t, filepath.Join(one, f), filepath.Join(many, f))
	}
}

func TestSeedFlag(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a")
	if code, _, stderr := runMain(t, "run", quickstart, "--seed", "99", "-o", a); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cfg, err := os.ReadFile(filepath.Join(a, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "seed = 99") {
		t.Errorf("config.toml does not record --seed 99:\n%s", cfg)
	}
}

// TestBadInput checks that a bad file exits 2, names the key and line,
// and leaves no results folder.
func TestBadInput(t *testing.T) {
	src, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, old, new string
		want           []string
	}{
		{"unknown key", "[phones]\n", "[phones]\nbatery_j = 10.0\n", []string{"phones.batery_j", "unknown key", ":16:"}},
		{"negative rate", "rate     = 2.0", "rate     = -2.0", []string{"workload[0].rate", "> 0"}},
		{"wrong type", "count        = 30", `count        = "thirty"`, []string{"phones.count"}},
		{"unknown policy", `"greedy-latency"]`, `"greedy"]`, []string{"policies", "greedy-latency"}},
		{"zero bandwidth", "uplink_bandwidth_hz   = 20e6", "uplink_bandwidth_hz   = 0.0", []string{"radio.uplink_bandwidth_hz"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(string(src), c.old, c.new, 1)
			if bad == string(src) {
				t.Fatalf("test edit %q did not apply", c.old)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "bad.toml")
			if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			code, _, stderr := runMain(t, "run", file, "-o", out)
			if code != exitBadUse {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitBadUse, stderr)
			}
			for _, w := range append(c.want, "bad.toml") {
				if !strings.Contains(stderr, w) {
					t.Errorf("message %q does not contain %q", stderr, w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("results folder exists after bad input (%v)", err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
			if code, _, _ := runMain(t, "validate", file); code != exitBadUse {
				t.Errorf("validate: exit %d, want %d", code, exitBadUse)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitBadUse, "Usage"},
		{[]string{"frobnicate"}, exitBadUse, "unknown command"},
		{[]string{"version"}, exitOK, "mecsim v"},
		{[]string{"help"}, exitOK, "mecsim run FILE"},
		{[]string{"run", "-h"}, exitOK, "--seed"},
		{[]string{"validate", "-h"}, exitOK, "validate FILE"},
		{[]string{"run"}, exitBadUse, "want one experiment file"},
		{[]string{"run", "a.toml", "b.toml"}, exitBadUse, "want one experiment file"},
		{[]string{"run", "--nope", quickstart}, exitBadUse, "flag provided but not defined"},
		{[]string{"run", "does-not-exist.toml"}, exitBadUse, "does-not-exist.toml"},
		{[]string{"validate", quickstart}, exitOK, "ok"},
	} {
		code, stdout, stderr := runMain(t, c.args...)
		if code != c.code {
			t.Errorf("mecsim %v: exit %d, want %d (stderr %q)", c.args, code, c.code, stderr)
		}
		if !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("mecsim %v: output does not contain %q:\n%s%s", c.args, c.want, stdout, stderr)
		}
	}
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", a, b)
	}
}

func TestOutputSafety(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(dir, "exp.toml")
	if err := os.WriteFile(exp, src, 0o644); err != nil {
		t.Fatal(err)
	}
	// -o naming the experiment file itself, or a folder holding it.
	for _, out := range []string{exp, dir} {
		if code, _, stderr := runMain(t, "run", exp, "-o", out); code == exitOK {
			t.Errorf("-o %s: accepted (stderr %q)", out, stderr)
		}
	}
	// -o naming a folder that is not a results folder.
	other := filepath.Join(dir, "notes")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "keep.txt"), []byte("keep"), 0o644)
	if code, _, _ := runMain(t, "run", exp, "-o", other); code == exitOK {
		t.Error("replaced a folder that is not a results folder")
	}
	if b, err := os.ReadFile(filepath.Join(other, "keep.txt")); err != nil || string(b) != "keep" {
		t.Errorf("keep.txt damaged: %q, %v", b, err)
	}
	if b, _ := os.ReadFile(exp); !bytes.Equal(b, src) {
		t.Error("experiment file changed")
	}
	// An out-of-range seed is refused like any bad value.
	if code, _, stderr := runMain(t, "run", exp, "--seed", "18446744073709551615", "-o", filepath.Join(dir, "r")); code != exitBadUse {
		t.Errorf("huge seed: exit %d, want 2 (%s)", code, stderr)
	}
}
