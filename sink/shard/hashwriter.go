package shard

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// hashingWriter hashes and counts every byte on its way to a buffered file
// writer, so a shard's size and sha256 are known at Close without
// re-reading the file. It deliberately has no Close method: the format
// writers must not close the file, the Writer does (after fsync).
type hashingWriter struct {
	buf *bufio.Writer
	sum hash.Hash
	n   int64
}

func newHashingWriter(w io.Writer) *hashingWriter {
	return &hashingWriter{buf: bufio.NewWriterSize(w, 1<<20), sum: sha256.New()}
}

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.buf.Write(p)
	h.sum.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// flush writes buffered bytes to the file.
func (h *hashingWriter) flush() error { return h.buf.Flush() }

// hex returns the hex sha256 of every byte written so far.
func (h *hashingWriter) hex() string { return hex.EncodeToString(h.sum.Sum(nil)) }
