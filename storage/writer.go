package storage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"

	"gocloud.dev/blob"
)

// partSize is the multipart upload part size: the most a Writer buffers
// in memory per part before sending it.
const partSize = 8 << 20

// Writer streams one object as a multipart upload, hashing the bytes with
// sha256 on the way. The object appears only when Close succeeds; Abort
// (or a failed Close) leaves nothing.
type Writer struct {
	url    string
	w      *blob.Writer
	cancel context.CancelFunc
	h      hash.Hash
	n      int64
	err    error
	done   bool
}

// Create starts writing the object at URL s (an object store only).
func Create(ctx context.Context, s string) (*Writer, error) {
	l, err := Parse(s)
	if err != nil {
		return nil, err
	}
	if l.Local() {
		return nil, fmt.Errorf("%s: storage.Create writes object stores only", s)
	}
	if l.Key == "" || l.Key[len(l.Key)-1] == '/' {
		return nil, fmt.Errorf("%s: not an object name", s)
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	w, err := b.NewWriter(cctx, l.Key, &blob.WriterOptions{
		BufferSize:                  partSize,
		ContentType:                 "application/octet-stream",
		DisableContentTypeDetection: true,
	})
	if err != nil {
		cancel()
		return nil, wrap(s, "create", err)
	}
	return &Writer{url: s, w: w, cancel: cancel, h: sha256.New()}, nil
}

// Write appends p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		w.err = wrap(w.url, "upload", err)
		return n, w.err
	}
	return n, nil
}

// Size is the number of bytes written.
func (w *Writer) Size() int64 { return w.n }

// Sum is the sha256 of the bytes written.
func (w *Writer) Sum() []byte { return w.h.Sum(nil) }

// URL is where the object goes.
func (w *Writer) URL() string { return w.url }

// Close completes the upload; the object then exists.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	w.done = true
	if w.err != nil {
		w.cancel()
		w.w.Close()
		return w.err
	}
	err := w.w.Close()
	w.cancel()
	if err != nil {
		w.err = wrap(w.url, "complete upload", err)
	}
	return w.err
}

// Abort stops the upload; no object is left (parts already sent are
// discarded by the store).
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.cancel()
	w.w.Close()
	if w.err == nil {
		w.err = fmt.Errorf("%s: upload aborted", w.url)
	}
}

// WriteAll writes a small object in one go.
func WriteAll(ctx context.Context, s string, data []byte) error {
	w, err := Create(ctx, s)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// ReadAll reads a whole (small) object or local file.
func ReadAll(ctx context.Context, s string) ([]byte, error) {
	f, err := Open(ctx, s)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, f.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && len(buf) > 0 {
		return nil, err
	}
	return buf, nil
}
