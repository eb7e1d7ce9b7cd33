package shard

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/storage"
)

// newRemoteWriter streams a shard to an object: a multipart upload,
// hashed on the way, that becomes visible only when Close completes it.
func newRemoteWriter(url, rel, format, compression string, schema, fschema *arrow.Schema, mem memory.Allocator) (*Writer, error) {
	up, err := storage.Create(context.Background(), url)
	if err != nil {
		return nil, err
	}
	w := &Writer{path: url, rel: rel, format: format, schema: schema, fschema: fschema, mem: mem, up: up, hw: newHashingWriter(up)}
	if err := w.startFormat(compression); err != nil {
		up.Abort()
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return w, nil
}

// closeRemote completes (err == nil) or aborts the upload.
func (w *Writer) closeRemote(err error) (Info, error) {
	if err == nil {
		err = w.hw.flush()
	}
	if err != nil {
		w.up.Abort()
		return Info{}, err
	}
	if err := w.up.Close(); err != nil {
		return Info{}, err
	}
	return Info{Path: w.rel, Rows: w.rows, Bytes: w.hw.n, SHA256: w.hw.hex()}, nil
}
