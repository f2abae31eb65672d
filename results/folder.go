package results

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Folder is a results folder under construction. Files are written into a
// temporary sibling of the final path; Commit renames it into place in one
// step, so a run that is killed never leaves a half-written folder under
// the final name, and an older folder of that name survives until the new
// one is complete.
//
// The usual shape is
//
//	f, err := results.CreateFolder(dir)
//	if err != nil { … }
//	defer f.Abort()
//	if err := f.WriteFile("tasks.csv", …); err != nil { return err }
//	…
//	return f.Commit()
//
// A Folder is meant for one goroutine.
type Folder struct {
	final     string
	tmp       string
	committed bool
	aborted   bool
}

// Marker is the file that marks a folder as a mecsim results folder. Only
// a folder holding it is ever replaced: an output path that names anything
// else (a source tree, the experiment file, a home directory) is refused.
const Marker = ".mecsim-results"

// replaceable reports whether the path may be replaced by a new results
// folder: it does not exist, or it is a results folder.
func replaceable(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	if info.IsDir() {
		if _, err := os.Lstat(filepath.Join(path, Marker)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("results folder %s: refusing to replace it: it exists and is not a mecsim results folder (no %s)", path, Marker)
}

// CreateFolder starts a results folder that Commit will place at final. It
// creates final's parent directories if needed, then a temporary directory
// named final + ".tmp-" + random digits in the same parent, so that the
// final rename stays on one file system and is atomic. The temporary
// directory gets mode 0755. Nothing is created at final itself.
func CreateFolder(final string) (*Folder, error) {
	if final == "" {
		return nil, errors.New("results folder: empty path")
	}
	final = filepath.Clean(final)
	parent, base := filepath.Split(final)
	if parent == "" {
		parent = "."
	}
	if base == "" || base == "." || base == ".." || base == string(filepath.Separator) {
		return nil, fmt.Errorf("results folder %q: not a folder name", final)
	}
	if err := replaceable(final); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, base+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	}
	// MkdirTemp makes the directory private (0700); a results folder is
	// an ordinary one.
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("results folder: %w", err)
	}
	f := &Folder{final: final, tmp: tmp}
	if err := f.WriteFile(Marker, func(w io.Writer) error {
		_, err := io.WriteString(w, "This folder was written by mecsim; a later run may replace it whole.\n")
		return err
	}); err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// Path returns the temporary directory that files go into before Commit.
// Anything written there by other means (figures, say) is committed along
// with the rest.
func (f *Folder) Path() string { return f.tmp }

// Final returns the path the folder takes at Commit.
func (f *Folder) Final() string { return f.final }

// WriteFile creates the file name, a slash-separated path relative to the
// folder ("tasks.csv", "figures/cdf.png"), making subdirectories as needed,
// and fills it by calling fn with a buffered writer. The buffer is flushed
// and the file synced to stable storage before WriteFile returns. If fn or
// any step fails, the partial file is removed and the error returned.
func (f *Folder) WriteFile(name string, fn func(io.Writer) error) (err error) {
	if f.committed || f.aborted {
		return fmt.Errorf("results folder %s: write of %s after commit or abort", f.final, name)
	}
	rel := filepath.FromSlash(name)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("results folder %s: file name %q is not inside the folder", f.final, name)
	}
	path := filepath.Join(f.tmp, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	defer func() {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("results folder: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	bw := bufio.NewWriter(file)
	if err := fn(bw); err != nil {
		return fmt.Errorf("results folder: writing %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("results folder: writing %s: %w", name, err)
	}
	if err := file.Sync(); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	return nil
}

// Commit moves the folder to its final path. If a results folder (one
// holding Marker) already exists there, it is first renamed aside (final + ".old-" + random digits), the new
// folder is renamed in, and only then is the old one removed; if the second
// rename fails the old one is put back. After a successful Commit the
// temporary directory is gone and Abort does nothing.
//
// If everything but the removal of the old folder succeeds, the new folder
// is in place, Commit counts as done, and the error names the leftover.
func (f *Folder) Commit() error {
	if f.committed {
		return fmt.Errorf("results folder %s: committed twice", f.final)
	}
	if f.aborted {
		return fmt.Errorf("results folder %s: commit after abort", f.final)
	}
	// Make the temporary directory's entries durable before it becomes
	// visible under the final name.
	if err := syncDir(f.tmp); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}

	if err := replaceable(f.final); err != nil {
		return err
	}
	var old string
	switch _, err := os.Lstat(f.final); {
	case err == nil:
		old, err = unusedName(f.final + ".old-")
		if err != nil {
			return fmt.Errorf("results folder: %w", err)
		}
		if err := os.Rename(f.final, old); err != nil {
			return fmt.Errorf("results folder: moving the old folder aside: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("results folder: %w", err)
	}

	if err := os.Rename(f.tmp, f.final); err != nil {
		if old != "" {
			if rerr := os.Rename(old, f.final); rerr != nil {
				return fmt.Errorf("results folder: %w; and putting the old folder back from %s: %v", err, old, rerr)
			}
		}
		return fmt.Errorf("results folder: %w", err)
	}
	f.committed = true
	if err := syncDir(filepath.Dir(f.final)); err != nil {
		return fmt.Errorf("results folder: committed, but: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("results folder: committed, but removing the old folder %s: %w", old, err)
		}
	}
	return nil
}

// Abort removes the temporary directory and everything in it. It does
// nothing after Commit or a previous Abort, so `defer f.Abort()` is safe on
// every path.
func (f *Folder) Abort() error {
	if f.committed || f.aborted {
		return nil
	}
	f.aborted = true
	if err := os.RemoveAll(f.tmp); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	return nil
}

// unusedName returns prefix followed by random hex digits, naming nothing
// that exists yet.
func unusedName(prefix string) (string, error) {
	var b [8]byte
	for range 100 {
		rand.Read(b[:]) // crypto/rand.Read never fails
		name := prefix + hex.EncodeToString(b[:])
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("no unused name with prefix %s", prefix)
}

// syncDir flushes a directory's entries to stable storage. Windows cannot
// sync a directory, and does not need to.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// OpenLiveFolder makes dir a results folder that is written in place while
// a long job runs (a training run, whose checkpoints must survive a kill):
// it creates dir with its Marker, or accepts an existing results folder,
// and refuses anything else. Each file in it is then written with
// WriteFileAtomic, so a reader sees every file whole.
//
// A new folder appears with its Marker already in it (made under a
// temporary name and renamed), so that processes opening the same folder
// at once (the shards of a sweep sharing it) never see it without.
func OpenLiveFolder(dir string) error {
	if err := createWithMarker(dir); err != nil {
		return err
	}
	if err := replaceable(dir); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, Marker), func(w io.Writer) error {
		_, err := io.WriteString(w, "This folder was written by mecsim; a later run may replace it whole.\n")
		return err
	})
}

// createWithMarker creates dir holding Marker in one rename, if dir does
// not exist yet; losing the race to another process is not an error.
func createWithMarker(dir string) error {
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil // exists (or cannot be examined: replaceable says so)
	}
	dir = filepath.Clean(dir)
	parent, base := filepath.Split(dir)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename, nothing is left to remove
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("results folder: %w", err)
	}
	if err := WriteFileAtomic(filepath.Join(tmp, Marker), func(w io.Writer) error {
		_, err := io.WriteString(w, "This folder was written by mecsim; a later run may replace it whole.\n")
		return err
	}); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Lstat(dir); serr == nil {
			return nil // another process made it first
		}
		return fmt.Errorf("results folder: %w", err)
	}
	return syncDir(parent)
}

// WriteFileAtomic writes path through fn into a temporary file beside it,
// syncs it and renames it over path: path holds either its old content or
// the new, never a mixture.
func WriteFileAtomic(path string, fn func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = fn(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}
