package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFiguresQuick regenerates the whole figure suite at its quick size,
// as "mecsim figures --quick -o DIR" does: every figure's PNG, SVG and CSV
// must be there and not empty.
func TestFiguresQuick(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "figures")
	code, stdout, stderr := runMain(t, "figures", "--quick", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	names := []string{"d2d", "edges", "learning", "llm", "pareto", "placement", "scalability"}
	for _, name := range names {
		for _, ext := range []string{".png", ".svg", ".csv"} {
			info, err := os.Stat(filepath.Join(dir, name+ext))
			if err != nil || info.Size() == 0 {
				t.Errorf("%s%s: missing or empty (%v)", name, ext, err)
			}
		}
		if !strings.Contains(stdout, name) {
			t.Errorf("stdout does not list %s:\n%s", name, stdout)
		}
	}
	for _, name := range names {
		decodePNGFile(t, filepath.Join(dir, name+".png"))
	}
	if _, err := os.Stat(filepath.Join(dir, "timing.csv")); err != nil {
		t.Errorf("timing.csv: %v", err)
	}
}

func TestFiguresBadUse(t *testing.T) {
	for _, args := range [][]string{
		{"figures", "--only", "pie", "-o", filepath.Join(t.TempDir(), "x")},
		{"figures", "extra-argument"},
		{"figures", "--no-such-flag"},
	} {
		if code, _, _ := runMain(t, args...); code != exitBadUse {
			t.Errorf("%v: exit %d, want %d", args, code, exitBadUse)
		}
	}
}

func decodePNGFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("%s does not decode as PNG: %v", path, err)
	}
}
