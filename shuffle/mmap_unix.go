//go:build unix

package shuffle

import (
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps a committed data file read-only, or returns nil (the reader
// then uses ReadAt): reading segments in place saves a copy of every byte
// through read(2), and the cache passes read each file several times.
func mapFile(f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return m
}

func unmapFile(m []byte) { syscall.Munmap(m) }

// dropPages tells the kernel the process is done with m's pages (whole
// pages inside m only): they leave the process's resident set, and a later
// read faults them in again from the file, so the bytes stay valid.
func dropPages(m []byte) {
	const page = 4096
	start := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(m))) &^ (page - 1)
	if hi <= lo {
		return
	}
	off := int(lo - start)
	syscall.Madvise(m[off:off+int(hi-lo)], syscall.MADV_DONTNEED)
}
