package workdir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ownerFile marks a scratch or temporary output directory as owned by a
// live process: the owner holds an exclusive flock on it for as long as
// it runs, so the lock is free once the owner is gone, even after kill -9.
// A directory without the file is never removed by CleanDebris.
const ownerFile = ".sluice-owner"

// Hold is this process's claim on a directory.
type Hold struct {
	f    *os.File
	path string
}

// HoldDir marks dir as owned by this process until Release. The marker is
// locked before it takes its name, so no cleaner can see it unlocked.
func HoldDir(dir string) (*Hold, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, ownerFile+".new-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("marking %s as in use: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("marking %s as in use: lock: %w", dir, err)
	}
	host, _ := os.Hostname()
	fmt.Fprintf(f, "pid %d on %s\n", os.Getpid(), host)
	path := filepath.Join(dir, ownerFile)
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("marking %s as in use: %w", dir, err)
	}
	return &Hold{f: f, path: path}, nil
}

// Release removes the marker (the directory is no longer cleanable as
// debris) and drops the lock. It is safe on a nil Hold.
func (h *Hold) Release() {
	if h == nil || h.f == nil {
		return
	}
	os.Remove(h.path)
	h.f.Close()
	h.f = nil
}

// IsOwnerFile reports whether a directory entry's name is a HoldDir marker.
func IsOwnerFile(name string) bool {
	return strings.HasPrefix(name, ownerFile)
}

// abandoned reports whether dir holds an owner marker that no live
// process holds.
func abandoned(dir string) bool {
	f, err := os.Open(filepath.Join(dir, ownerFile))
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// CleanDebris removes the directories in dir whose names start with
// prefix that a dead process owned (HoldDir's marker, unlocked) and
// returns them. A directory a live process holds, or one without a
// marker, is kept. A missing dir is no error.
func CleanDebris(dir, prefix string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		d := filepath.Join(dir, e.Name())
		if !abandoned(d) {
			continue
		}
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, d)
	}
	return removed, errors.Join(errs...)
}
