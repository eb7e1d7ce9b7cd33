//go:build linux && (amd64 || arm64)

package sink

import (
	"syscall"
	"unsafe"
)

const (
	renameNoReplace = 1 // RENAME_NOREPLACE
	renameExchange  = 2 // RENAME_EXCHANGE
)

// renameat2 calls renameat2(2) relative to the working directory. It
// returns errRenameUnsupported when the kernel or the file system lacks
// the flag, so the caller can fall back to plain renames.
func renameat2(from, to string, flags uintptr) error {
	pf, err := syscall.BytePtrFromString(from)
	if err != nil {
		return err
	}
	pt, err := syscall.BytePtrFromString(to)
	if err != nil {
		return err
	}
	atFDCWD := -100
	_, _, e := syscall.Syscall6(sysRenameat2, uintptr(atFDCWD), uintptr(unsafe.Pointer(pf)),
		uintptr(atFDCWD), uintptr(unsafe.Pointer(pt)), flags, 0)
	switch e {
	case 0:
		return nil
	case syscall.ENOSYS, syscall.EINVAL, syscall.ENOTSUP:
		return errRenameUnsupported
	}
	return &linkError{op: "renameat2", from: from, to: to, err: e}
}
