//go:build unix

package shuffle

import (
	"os"
	"syscall"
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
