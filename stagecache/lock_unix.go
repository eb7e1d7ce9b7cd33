//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package stagecache

import (
	"errors"
	"os"
	"syscall"
)

// lockShared blocks until f is locked shared.
func lockShared(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// lockExclusive blocks until f is locked exclusively.
func lockExclusive(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// tryExclusive locks f exclusively if no one holds it; ok is false when
// someone does.
func tryExclusive(f *os.File) (ok bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
