package arrowfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
)

// Writer writes one Arrow IPC file: Write appends a record batch of the
// schema given to NewWriter (the batch is only read), Close writes the
// footer. It never closes the io.Writer it writes to.
type Writer interface {
	Write(arrow.RecordBatch) error
	Close() error
}

var (
	_ Writer = (*ipcFileWriter)(nil)
	_ Writer = (*ipc.FileWriter)(nil)
)

// Compression names NewWriter accepts (the output.compression values).
const (
	compressionZstd = "zstd" // zstd level 1 (internal/czstd)
	compressionLZ4  = "lz4"  // LZ4 frames
	compressionNone = "none"
)

// NewWriter returns the native writer when every column of
// schema has a native encoder (schemaLayouts), else arrow-go's
// ipc.FileWriter, so that nested and other rare types still round-trip.
// compression is "zstd", "lz4" or "none". mem is used by arrow-go's writer
// only: the native writer allocates nothing from it.
func NewWriter(w io.Writer, schema *arrow.Schema, compression string, mem memory.Allocator) (Writer, error) {
	if _, ok := schemaLayouts(schema); ok {
		return newIPCFileWriter(w, schema, compression)
	}
	return newArrowGoFileWriter(w, schema, compression, mem)
}

// newArrowGoFileWriter is arrow-go's IPC file writer with the given
// compression: the fallback for non-native schemas and the baseline of
// BenchmarkWrite.
func newArrowGoFileWriter(w io.Writer, schema *arrow.Schema, compression string, mem memory.Allocator) (*ipc.FileWriter, error) {
	opts := []ipc.Option{ipc.WithSchema(schema), ipc.WithAllocator(mem)}
	switch compression {
	case compressionZstd:
		opts = append(opts, ipc.WithZstd())
	case compressionLZ4:
		opts = append(opts, ipc.WithLZ4())
	}
	return ipc.NewFileWriter(w, opts...)
}

// Arrow IPC file framing.
var (
	ipcFileMagic  = []byte("ARROW1\x00\x00") // magic padded to 8 bytes
	ipcEndOfStrm  = []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	ipcTrailMagic = []byte("ARROW1")
)

// ipcFileWriter writes the Arrow IPC file format (metadata V5) for
// schemas whose columns all have a native layout: magic, the schema
// message, one record batch message per Write, the end-of-stream marker,
// and at Close the footer (schema and record batch blocks, no
// dictionaries), its int32 length and the magic. Body buffers are
// 8-byte aligned; with a codec each one is compressed separately
// (BodyCompressionMethod.BUFFER) by one encoder reused for the whole file.
// The output depends only on the schema and the values of the batches,
// so equal batches give identical bytes. Not safe for concurrent use.
type ipcFileWriter struct {
	w       io.Writer
	schema  *arrow.Schema
	layouts []colLayout
	fb      *flatbuffers.Builder
	body    batchBody
	blocks  []fbBlock
	pos     int64 // bytes written so far
	hdr     [8]byte
	closed  bool
}

// newIPCFileWriter writes the file header and schema message to w.
// compression is "zstd", "lz4" or "none".
func newIPCFileWriter(w io.Writer, schema *arrow.Schema, compression string) (*ipcFileWriter, error) {
	layouts, ok := schemaLayouts(schema)
	if !ok {
		return nil, fmt.Errorf("arrow ipc: schema has a column type without a native encoder: %s", schema)
	}
	codec, err := newBufferCodec(compression)
	if err != nil {
		return nil, err
	}
	fw, err := newIPCFileWriterCodec(w, schema, layouts, codec)
	if err != nil {
		return nil, err
	}
	fw.body.compression = compression
	return fw, nil
}

// newIPCFileWriterCodec is newIPCFileWriter with a given codec (nil:
// uncompressed); the writer closes the codec.
func newIPCFileWriterCodec(w io.Writer, schema *arrow.Schema, layouts []colLayout, codec bufferCodec) (*ipcFileWriter, error) {
	fw := &ipcFileWriter{w: w, schema: schema, layouts: layouts, fb: flatbuffers.NewBuilder(1024), body: batchBody{codec: codec}}
	if err := fw.start(); err != nil {
		fw.closeCodec()
		return nil, err
	}
	return fw, nil
}

func (fw *ipcFileWriter) start() error {
	if err := fw.write(ipcFileMagic); err != nil {
		return err
	}
	meta, err := fbSchemaMessage(fw.fb, fw.schema)
	if err != nil {
		return err
	}
	_, err = fw.writeMessage(meta, nil)
	return err
}

func (fw *ipcFileWriter) write(p []byte) error {
	n, err := fw.w.Write(p)
	fw.pos += int64(n)
	if err != nil {
		return fmt.Errorf("arrow ipc: write: %w", err)
	}
	return nil
}

// writeMessage writes an encapsulated message (continuation marker,
// metadata length, metadata padded to 8 bytes, body) and returns the
// length of everything before the body.
func (fw *ipcFileWriter) writeMessage(meta, body []byte) (int32, error) {
	padded := (len(meta) + 7) &^ 7
	if int64(padded)+8 > 1<<31-1 {
		return 0, fmt.Errorf("arrow ipc: message metadata of %d bytes is too large", len(meta))
	}
	binary.LittleEndian.PutUint32(fw.hdr[:4], 0xffffffff)
	binary.LittleEndian.PutUint32(fw.hdr[4:], uint32(padded))
	if err := fw.write(fw.hdr[:]); err != nil {
		return 0, err
	}
	if err := fw.write(meta); err != nil {
		return 0, err
	}
	if err := fw.write(zeroPad[:padded-len(meta)]); err != nil {
		return 0, err
	}
	if err := fw.write(body); err != nil {
		return 0, err
	}
	return int32(padded + 8), nil
}

// Write appends rec as one record batch. Its columns must have the
// writer's schema types; they may be slices.
func (fw *ipcFileWriter) Write(rec arrow.RecordBatch) error {
	if fw.closed {
		return errors.New("arrow ipc: write after close")
	}
	if int(rec.NumCols()) != len(fw.layouts) {
		return fmt.Errorf("arrow ipc: batch has %d columns, the schema %d", rec.NumCols(), len(fw.layouts))
	}
	rows := rec.NumRows()
	b := &fw.body
	b.reset()
	for i, col := range rec.Columns() {
		f := fw.schema.Field(i)
		if !arrow.TypeEqual(col.DataType(), f.Type) {
			return fmt.Errorf("arrow ipc: column %q is %s, the schema says %s", f.Name, col.DataType(), f.Type)
		}
		if int64(col.Len()) != rows {
			return fmt.Errorf("arrow ipc: column %q has %d rows, the batch %d", f.Name, col.Len(), rows)
		}
		if err := b.addArray(col, fw.layouts[i]); err != nil {
			return fmt.Errorf("arrow ipc: column %q: %w", f.Name, err)
		}
	}
	if b.par != nil {
		if err := b.flush(); err != nil {
			return fmt.Errorf("arrow ipc: %w", err)
		}
	}
	codec := -1
	if b.codec != nil {
		codec = b.codec.fbCodec()
	}
	meta := fbRecordBatchMessage(fw.fb, rows, b.nodes, b.bufs, codec, int64(len(b.body)))
	offset := fw.pos
	metaLen, err := fw.writeMessage(meta, b.body)
	if err != nil {
		return err
	}
	fw.blocks = append(fw.blocks, fbBlock{offset: offset, metaLen: metaLen, bodyLen: int64(len(b.body))})
	return nil
}

// Close writes the end-of-stream marker and the footer. It does not close
// the underlying writer. A second Close returns an error.
func (fw *ipcFileWriter) Close() error {
	if fw.closed {
		return errors.New("arrow ipc: writer already closed")
	}
	fw.closed = true
	err := fw.finish()
	if cerr := fw.closeCodec(); err == nil {
		err = cerr
	}
	fw.body = batchBody{}
	return err
}

func (fw *ipcFileWriter) finish() error {
	if err := fw.write(ipcEndOfStrm); err != nil {
		return err
	}
	footer, err := fbFooter(fw.fb, fw.schema, fw.blocks)
	if err != nil {
		return err
	}
	if err := fw.write(footer); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(fw.hdr[:4], uint32(len(footer)))
	if err := fw.write(fw.hdr[:4]); err != nil {
		return err
	}
	return fw.write(ipcTrailMagic)
}

func (fw *ipcFileWriter) closeCodec() error {
	if fw.body.codec == nil {
		return nil
	}
	if fw.body.par != nil {
		if err := fw.body.par.close(); err != nil {
			return fmt.Errorf("arrow ipc: close codec: %w", err)
		}
	}
	if err := fw.body.codec.close(); err != nil {
		return fmt.Errorf("arrow ipc: close codec: %w", err)
	}
	return nil
}
