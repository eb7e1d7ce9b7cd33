package shuffle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// mapping is bytes decoded in place: a read-only file mapping shared by
// the Reader and every buffer decoded from it, or one segment read into
// memory and shared by its iterator and the buffers decoded from it. It is
// unmapped or freed when the last of them is released, so batches may
// outlive the Reader.
type mapping struct {
	data []byte
	refs atomic.Int64
	free func([]byte)
}

func newMapping(data []byte) *mapping {
	m := &mapping{data: data, free: unmapFile}
	m.refs.Store(1)
	return m
}

// readSegment reads n bytes at off of f into memory from mem, as a
// mapping with one reference.
func readSegment(f *os.File, off, n int64, mem memory.Allocator) (*mapping, error) {
	buf := mem.Allocate(int(n))
	if err := readFullAt(f, buf, off); err != nil {
		mem.Free(buf)
		return nil, err
	}
	m := &mapping{data: buf, free: mem.Free}
	m.refs.Store(1)
	return m, nil
}

func (m *mapping) retain() { m.refs.Add(1) }

func (m *mapping) release() {
	if m.refs.Add(-1) == 0 {
		m.free(m.data)
		m.data = nil
	}
}

// readFullAt fills buf from f at off; a short read is an error.
func readFullAt(f *os.File, buf []byte, off int64) error {
	if n, err := f.ReadAt(buf, off); n < len(buf) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read %d bytes at offset %d: %w", len(buf), off, err)
	}
	return nil
}

// Allocate and Reallocate make mapping an arrow memory.Allocator, only so
// that Buffers over the mapping call Free when released; nothing allocates
// from it.
func (m *mapping) Allocate(int) []byte { panic("shuffle: allocation from a file mapping") }

// Reallocate panics: see Allocate.
func (m *mapping) Reallocate(int, []byte) []byte {
	panic("shuffle: reallocation of a file mapping")
}

// Free drops one buffer's reference to the mapping.
func (m *mapping) Free([]byte) { m.release() }

// inPlaceMessages reads the IPC stream messages of one uncompressed
// segment where they lie in the mapping: message bodies are Buffers over
// the mapped bytes (no copy), each holding a reference to the mapping.
type inPlaceMessages struct {
	m    *mapping
	data []byte // the segment
	off  int
	refs atomic.Int64
	msg  *ipc.Message // the last message returned, released by the next call
}

func (r *inPlaceMessages) Retain() { r.refs.Add(1) }

func (r *inPlaceMessages) Release() {
	if r.refs.Add(-1) == 0 && r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
}

// Message returns the next message, io.EOF at the end-of-stream marker or
// the end of the segment. The message is valid until the next call; what
// the IPC reader builds from its body retains the body.
func (r *inPlaceMessages) Message() (*ipc.Message, error) {
	if r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
	m, next, err := messageMeta(r.data, r.off)
	if err != nil {
		return nil, err
	}
	r.off = next
	meta := memory.NewBufferBytes(m)
	probe := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	bodyLen := probe.BodyLen()
	probe.Release()
	if bodyLen < 0 || bodyLen > int64(len(r.data)-r.off) {
		return nil, fmt.Errorf("message body of %d bytes at offset %d runs past the segment (%d bytes)", bodyLen, r.off, len(r.data))
	}
	var body *memory.Buffer
	if bodyLen == 0 {
		body = memory.NewBufferBytes(nil)
	} else {
		r.m.retain()
		body = memory.NewBufferWithAllocator(r.data[r.off:r.off+int(bodyLen)], r.m)
	}
	r.off += int(bodyLen)
	r.msg = ipc.NewMessage(meta, body)
	body.Release() // the message holds it
	return r.msg, nil
}

// messageMeta reads the framing of the IPC message at data[off:] (the
// continuation marker, when there is one, and the metadata's length) and
// returns the message's metadata and the offset after it: io.EOF at the
// end-of-stream marker or the end of data.
func messageMeta(data []byte, off int) (meta []byte, next int, err error) {
	u32 := func() (uint32, error) {
		if off == len(data) {
			return 0, io.EOF
		}
		if len(data)-off < 4 {
			return 0, fmt.Errorf("truncated message header at offset %d", off)
		}
		v := binary.LittleEndian.Uint32(data[off:])
		off += 4
		return v, nil
	}
	n, err := u32()
	if err != nil {
		return nil, 0, err
	}
	if n == 0xFFFFFFFF {
		if n, err = u32(); err != nil {
			return nil, 0, err
		}
	}
	if n == 0 {
		return nil, 0, io.EOF
	}
	if int64(n) > int64(len(data)-off) {
		return nil, 0, fmt.Errorf("message metadata of %d bytes at offset %d runs past the segment (%d bytes)", n, off, len(data))
	}
	return data[off : off+int(n)], off + int(n), nil
}

// decodeInPlace checks the CRC (when check is set) and opens the
// segment's IPC stream (data but its last trailer bytes) over the
// mapping: decoded batches share the mapped bytes. Only for segments
// without body compression.
func decodeInPlace(m *mapping, data []byte, trailer int, crc uint32, check bool, schema *arrow.Schema, msg []byte, mem memory.Allocator) (*segIter, error) {
	if check {
		if got := castagnoliSum(data); got != crc {
			return nil, fmt.Errorf("%w (stored %08x, computed %08x)", ErrChecksum, crc, got)
		}
		if err := checkSchema(data, msg); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
	}
	data = data[:len(data)-trailer]
	if msg != nil && bytes.HasPrefix(data, msg) && leanSchema(schema) {
		return &segIter{rd: newLeanReader(m, data, len(msg), schema), inPlace: true, mem: mem}, nil
	}
	mr := &inPlaceMessages{m: m, data: data}
	mr.refs.Store(1)
	rd, err := ipc.NewReaderFromMessageReader(mr, ipc.WithSchema(schema))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &segIter{rd: rd, inPlace: true, mem: mem}, nil
}

// sharesBytes reports whether values of type t may be read as Go strings
// or byte slices that point into their buffers (strings, binaries, and
// anything nested over them). Such columns are copied out of the mapping:
// code may keep those strings (map keys, vocabularies) past the batch.
func sharesBytes(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType: // before FixedWidthDataType, which it also is
		return sharesBytes(t.IndexType) || sharesBytes(t.ValueType)
	case arrow.FixedWidthDataType:
		return false
	}
	return true
}

// ownBytes returns batch with every column whose values may be read as
// strings copied to mem (+1); dictionary columns keep their indices in
// place and copy only the dictionary.
func ownBytes(b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	return mapColumns(b, b.Schema(), func(_ int, c arrow.Array) (arrow.Array, error) {
		if !sharesBytes(c.DataType()) {
			return nil, nil
		}
		if d, ok := c.(*array.Dictionary); ok && !sharesBytes(d.Indices().DataType()) {
			dict, err := array.Concatenate([]arrow.Array{d.Dictionary()}, mem)
			if err != nil {
				return nil, err
			}
			defer dict.Release()
			return array.NewDictionaryArray(d.DataType(), d.Indices(), dict), nil
		}
		return array.Concatenate([]arrow.Array{c}, mem)
	})
}

// mapColumns returns a batch of schema whose column i is fn(i, b's column
// i) (a new reference), or b's column where fn returns nil.
func mapColumns(b arrow.RecordBatch, schema *arrow.Schema, fn func(i int, c arrow.Array) (arrow.Array, error)) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range b.Columns() {
		out, err := fn(i, c)
		if err != nil {
			return nil, err
		}
		if out == nil {
			c.Retain()
			out = c
		}
		cols[i] = out
	}
	return array.NewRecordBatch(schema, cols, b.NumRows()), nil
}
