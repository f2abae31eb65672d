package results

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// entries lists the names in dir, sorted.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFolderCommit(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "nested", "run1")
	f, err := CreateFolder(final)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if filepath.Dir(f.Path()) != filepath.Dir(final) {
		t.Errorf("temporary %s is not a sibling of %s", f.Path(), final)
	}
	if err := f.WriteFile("tasks.csv", writeString("a,b\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("figures/cdf.svg", writeString("<svg/>")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final exists before commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(final, "tasks.csv")); got != "a,b\n" {
		t.Errorf("tasks.csv = %q", got)
	}
	if got := readFile(t, filepath.Join(final, "figures", "cdf.svg")); got != "<svg/>" {
		t.Errorf("figures/cdf.svg = %q", got)
	}
	if got := entries(t, filepath.Dir(final)); len(got) != 1 || got[0] != "run1" {
		t.Errorf("parent holds %v, want only run1", got)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := os.Stat(final); err != nil {
		t.Errorf("Abort after Commit removed the result: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	if err := f.WriteFile("late.txt", writeString("x")); err == nil {
		t.Error("WriteFile after Commit succeeded")
	}
}

func TestFolderAbort(t *testing.T) {
	parent := t.TempDir()
	f, err := CreateFolder(filepath.Join(parent, "run"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("tasks.csv", writeString("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, parent); len(got) != 0 {
		t.Errorf("parent holds %v after Abort, want nothing", got)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

func TestFolderFailedWrite(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "run")
	boom := errors.New("boom")
	run := func() error {
		f, err := CreateFolder(final)
		if err != nil {
			return err
		}
		defer f.Abort()
		if err := f.WriteFile("ok.txt", writeString("fine")); err != nil {
			return err
		}
		if err := f.WriteFile("bad.txt", func(w io.Writer) error {
			io.WriteString(w, "half")
			return boom
		}); err != nil {
			if _, serr := os.Stat(filepath.Join(f.Path(), "bad.txt")); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("partial file left behind: %v", serr)
			}
			return err
		}
		return f.Commit()
	}
	if err := run(); !errors.Is(err, boom) {
		t.Fatalf("run error = %v, want boom", err)
	}
	if got := entries(t, parent); len(got) != 0 {
		t.Errorf("parent holds %v after a failed write, want nothing", got)
	}
}

func TestFolderReplace(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "run")
	write := func(content string) *Folder {
		f, err := CreateFolder(final)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.WriteFile("summary.json", writeString(content)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	if err := write("old").Commit(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(final, "stale.txt"), []byte("only in old"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A new run that fails leaves the old result untouched.
	failed := write("broken")
	if err := failed.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(final, "summary.json")); got != "old" {
		t.Fatalf("after a failed run summary.json = %q, want old", got)
	}

	// While a new run is in progress the old one is still in place.
	f := write("new")
	if got := readFile(t, filepath.Join(final, "summary.json")); got != "old" {
		t.Fatalf("before commit summary.json = %q, want old", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(final, "summary.json")); got != "new" {
		t.Errorf("summary.json = %q, want new", got)
	}
	if _, err := os.Stat(filepath.Join(final, "stale.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file of the old folder survived the replacement: %v", err)
	}
	if got := entries(t, parent); len(got) != 1 || got[0] != "run" {
		t.Errorf("parent holds %v, want only run", got)
	}
}

func TestFolderBadNames(t *testing.T) {
	if _, err := CreateFolder(""); err == nil {
		t.Error("CreateFolder(\"\") succeeded")
	}
	f, err := CreateFolder(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	for _, name := range []string{"../escape.txt", "/abs.txt", "", "a/../../b"} {
		if err := f.WriteFile(name, writeString("x")); err == nil || !strings.Contains(err.Error(), "not inside") {
			t.Errorf("WriteFile(%q) = %v, want a not-inside error", name, err)
		}
	}
}

// TestFolderRefusesToReplaceOtherThings checks that only a results folder
// is ever replaced: a plain directory, or a file such as the experiment
// itself, is left alone and the new folder is not created.
func TestFolderRefusesToReplaceOtherThings(t *testing.T) {
	parent := t.TempDir()
	plainDir := filepath.Join(parent, "thesis")
	if err := os.MkdirAll(plainDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plainDir, "thesis.tex"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	plainFile := filepath.Join(parent, "x.toml")
	if err := os.WriteFile(plainFile, []byte("name = 'x'"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{plainDir, plainFile} {
		if _, err := CreateFolder(target); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("CreateFolder(%s): err = %v, want a refusal", target, err)
		}
	}
	// A folder that turns into something else while the run goes on is
	// refused at commit too.
	late := filepath.Join(parent, "late")
	f, err := CreateFolder(late)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(late, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit replaced a folder that is not a results folder")
	}
	f.Abort()
	if got := readFile(t, filepath.Join(plainDir, "thesis.tex")); got != "precious" {
		t.Errorf("thesis.tex = %q", got)
	}
}
