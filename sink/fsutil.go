package sink

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// errRenameUnsupported: renameat2 flags are not available; fall back.
var errRenameUnsupported = errors.New("renameat2 not supported")

// linkError is a failed two-path file operation.
type linkError struct {
	op, from, to string
	err          error
}

func (e *linkError) Error() string { return e.op + " " + e.from + " " + e.to + ": " + e.err.Error() }
func (e *linkError) Unwrap() error { return e.err }

// swapDirs atomically exchanges the directories a and b where the system
// allows it (Linux renameat2 RENAME_EXCHANGE). It returns
// errRenameUnsupported otherwise.
func swapDirs(a, b string) error {
	if disableRenameat2 {
		return errRenameUnsupported
	}
	return renameat2(a, b, renameExchange)
}

// disableRenameat2 makes swapDirs and renameNew take their portable
// fallbacks (tests exercise both paths).
var disableRenameat2 = false

// renameNew renames from to to, failing if to exists (atomically where
// renameat2 RENAME_NOREPLACE is available, else by a check before the
// rename).
func renameNew(from, to string) error {
	err := errRenameUnsupported
	if !disableRenameat2 {
		err = renameat2(from, to, renameNoReplace)
	}
	if !errors.Is(err, errRenameUnsupported) {
		return err
	}
	if _, err := os.Lstat(to); err == nil {
		return &linkError{op: "rename", from: from, to: to, err: fs.ErrExist}
	}
	return os.Rename(from, to)
}

// randomSuffix returns 16 hex characters from crypto/rand.
func randomSuffix() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// mkdirUnique creates and returns a new directory prefix+random.
func mkdirUnique(prefix string) (string, error) {
	for range 100 {
		s, err := randomSuffix()
		if err != nil {
			return "", err
		}
		name := prefix + s
		err = os.Mkdir(name, 0o777)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("cannot create a unique directory %s*", prefix)
}

// unusedName returns prefix+random for a path that does not exist now.
func unusedName(prefix string) (string, error) {
	for range 100 {
		s, err := randomSuffix()
		if err != nil {
			return "", err
		}
		if _, err := os.Lstat(prefix + s); errors.Is(err, fs.ErrNotExist) {
			return prefix + s, nil
		}
	}
	return "", fmt.Errorf("cannot find an unused name %s*", prefix)
}

// syncPath fsyncs a file or directory.
func syncPath(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", name, err)
	}
	return nil
}

// syncTree fsyncs every regular file and directory under root, each
// directory after its contents, root last.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			dirs = append(dirs, p)
		case d.Type().IsRegular():
			return syncPath(p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range slices.Backward(dirs) {
		if err := syncPath(d); err != nil {
			return err
		}
	}
	return nil
}
