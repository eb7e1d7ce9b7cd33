package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/sink/shard"
)

type txnState int

const (
	txnOpen txnState = iota
	txnCommitted
	txnAborted
)

// Txn is one output directory being written. Files go into Dir(), a
// sibling temp dir "<path>.tmp-<random>"; Commit moves it to path in one
// rename, Abort removes it. A Txn is not safe for concurrent use; the
// shard writers that fill Dir() may run concurrently.
type Txn struct {
	path      string // cleaned output path
	given     string // output path as given (error messages)
	tmp       string
	overwrite bool
	remote    bool // an object-store prefix: tmp and path are its URL (remote.go)
	state     txnState

	// beforeRename, when set (tests), runs after the manifest and fsyncs
	// and before the rename into place; an error aborts the commit there.
	beforeRename func() error
}

// Begin starts writing the output directory path. An existing path is
// refused unless overwrite; even then it must be a directory that is empty
// or holds a manifest.json (a previous sluice output), so a typo cannot
// replace an unrelated directory. Missing parent directories are created.
// The caller must end the Txn with Commit or Abort (defer Abort: it is a
// no-op after a successful Commit).
func Begin(path string, overwrite bool) (*Txn, error) {
	if path == "" {
		return nil, errors.New("output.path: empty; give the output directory")
	}
	path, remote, err := outputPath(path)
	if err != nil {
		return nil, err
	}
	if remote {
		return beginRemote(path, overwrite)
	}
	// Absolute from here on: tasks write into the temporary directory by
	// its absolute path, whatever their working directory.
	clean, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("output.path %s: %w", path, err)
	}
	if err := checkReplaceable(path, clean, overwrite); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(clean), 0o777); err != nil {
		return nil, fmt.Errorf("output.path: %w", err)
	}
	tmp, err := mkdirUnique(clean + ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("output.path: %w", err)
	}
	return &Txn{path: clean, given: path, tmp: tmp, overwrite: overwrite}, nil
}

// checkReplaceable fails when path exists and may not be replaced.
func checkReplaceable(given, clean string, overwrite bool) error {
	st, err := os.Lstat(clean)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output.path: %w", err)
	}
	if !overwrite {
		return fmt.Errorf("output.path: %s already exists; pass --set output.overwrite=true to replace it", given)
	}
	if !st.IsDir() {
		return fmt.Errorf("output.path: %s exists and is not a directory; refusing to replace it", given)
	}
	if _, err := os.Lstat(filepath.Join(clean, layout.ManifestName)); err == nil {
		return nil
	}
	ents, err := os.ReadDir(clean)
	if err != nil {
		return fmt.Errorf("output.path: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("output.path: %s is not a sluice output (no %s) and not empty; refusing to replace it", given, layout.ManifestName)
	}
	return nil
}

// Dir returns the temp directory that files are written into. Write
// shards at Dir()/layout.ShardPath(...) and tables at Dir()/layout.AggregatePath(...).
func (t *Txn) Dir() string { return t.tmp }

// Path returns the final output directory.
func (t *Txn) Path() string { return t.path }

// Commit checks that every shard and aggregate file that m lists exists in
// Dir() with its listed size, writes manifest.json last (temp name, fsync,
// rename), fsyncs the whole tree, and renames Dir() to the output path.
// With overwrite, the previous output is swapped out atomically where the
// system allows (Linux renameat2 RENAME_EXCHANGE; else it is renamed aside
// first) and removed once the new one is in place. On an error before the
// rename the temp dir is kept and the caller calls Abort.
func (t *Txn) Commit(m *Manifest) error {
	if t.state != txnOpen {
		return errors.New("sink: commit of a finished output transaction")
	}
	if t.remote {
		return t.commitRemote(m)
	}
	if err := shard.RemovePartials(t.tmp); err != nil {
		return fmt.Errorf("output: removing unfinished files: %w", err)
	}
	if err := checkListedFiles(t.tmp, m); err != nil {
		return err
	}
	if err := writeManifest(t.tmp, m); err != nil {
		return err
	}
	if err := syncTree(t.tmp); err != nil {
		return err
	}
	if t.beforeRename != nil {
		if err := t.beforeRename(); err != nil {
			return err
		}
	}
	if err := t.rename(); err != nil {
		return err
	}
	t.state = txnCommitted
	return nil
}

// rename puts the temp dir at the output path.
func (t *Txn) rename() error {
	parent := filepath.Dir(t.path)
	err := renameNew(t.tmp, t.path)
	if err == nil || !errors.Is(err, fs.ErrExist) || !t.overwrite {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("output.path: %s appeared while the job ran; pass --set output.overwrite=true to replace it", t.given)
		}
		if err != nil {
			return fmt.Errorf("output.path: %w", err)
		}
		return syncPath(parent)
	}
	if err := checkReplaceable(t.given, t.path, true); err != nil {
		return err
	}
	// Overwrite: exchange atomically, the old output lands at t.tmp.
	old := t.tmp
	err = swapDirs(t.tmp, t.path)
	if errors.Is(err, errRenameUnsupported) {
		if old, err = unusedName(t.path + ".old-"); err != nil {
			return fmt.Errorf("output.path: %w", err)
		}
		if err = os.Rename(t.path, old); err != nil {
			return fmt.Errorf("output.path: moving the previous output aside: %w", err)
		}
		if err = os.Rename(t.tmp, t.path); err != nil {
			if berr := os.Rename(old, t.path); berr != nil {
				return fmt.Errorf("output.path: %w; the previous output is at %s (%v)", err, old, berr)
			}
			return fmt.Errorf("output.path: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("output.path: %w", err)
	}
	if err := syncPath(parent); err != nil {
		return err
	}
	t.state = txnCommitted
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("output committed at %s, but removing the previous output at %s failed: %w", t.given, old, err)
	}
	return nil
}

// Abort removes the temp dir and everything in it. It is a no-op after a
// successful Commit or a previous Abort.
func (t *Txn) Abort() error {
	if t.state != txnOpen {
		return nil
	}
	t.state = txnAborted
	if t.remote {
		return t.abortRemote()
	}
	if err := os.RemoveAll(t.tmp); err != nil {
		return fmt.Errorf("output.path: removing %s: %w", t.tmp, err)
	}
	return nil
}

// writeManifest writes dir/manifest.json via a temp name, fsync and rename.
func writeManifest(dir string, m *Manifest) error {
	data, err := MarshalManifest(m)
	if err != nil {
		return err
	}
	final := filepath.Join(dir, layout.ManifestName)
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// checkListedFiles fails when a shard or aggregate file listed in m is
// missing from dir or has another size than listed.
func checkListedFiles(dir string, m *Manifest) error {
	if m == nil {
		return errors.New("manifest: nil")
	}
	check := func(rel string, bytes int64) error {
		if err := layout.CheckRelPath(rel); err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("manifest lists %s, which was not written: %w", rel, err)
		}
		if st.Size() != bytes {
			return fmt.Errorf("manifest lists %s with %d bytes; the file has %d", rel, bytes, st.Size())
		}
		return nil
	}
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			if err := check(sh.Path, sh.Bytes); err != nil {
				return err
			}
		}
	}
	for _, a := range m.Aggregates {
		if err := check(a.Path, a.Bytes); err != nil {
			return err
		}
	}
	if m.Profiles != nil && m.Profiles.Report != nil {
		return check(m.Profiles.Report.Path, m.Profiles.Report.Bytes)
	}
	return nil
}
