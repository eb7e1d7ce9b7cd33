package shuffle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
)

// batchReader is what a segment iterator reads record batches from: an
// ipc.Reader, or a leanReader for the segments it decodes.
type batchReader interface {
	Next() bool
	RecordBatch() arrow.RecordBatch
	Err() error
	Schema() *arrow.Schema
	Release()
}

// leanReader decodes the record batches of an uncompressed segment in
// place, its schema known: the schema message is skipped, not decoded.
// A segment of a large input's cache holds about a thousand rows, so
// arrow-go's reader, which decodes the schema message of every segment
// into a new schema, compares it with the expected one and builds a
// dictionary memo before the first batch, spent more on that than on the
// rows (a fifth of the time spent reading the caches at 333M rows). It
// takes flat columns of fixed-width types, booleans, strings and binaries
// without dictionaries (leanSchema); other segments are read by arrow-go.
//
// Every offset and length a message states is checked against the
// segment before it is used, as are offsets of string columns, so damaged
// bytes (when the CRC check is skipped for a settled segment) give an
// error, never a read outside the segment.
type leanReader struct {
	m      *mapping
	data   []byte
	off    int
	schema *arrow.Schema
	rec    arrow.RecordBatch
	err    error
	done   bool
}

// leanSchema reports whether leanReader decodes batches of schema.
func leanSchema(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if leanBuffers(f.Type) == 0 {
			return false
		}
	}
	return true
}

// leanBuffers is the number of IPC buffers of a column of type t, 0 when
// leanReader does not decode it.
func leanBuffers(t arrow.DataType) int {
	switch t.ID() {
	case arrow.BOOL:
		return 2
	case arrow.STRING, arrow.BINARY:
		return 3
	case arrow.DICTIONARY, arrow.EXTENSION:
		return 0
	}
	if fw, ok := t.(arrow.FixedWidthDataType); ok && fw.BitWidth() >= 8 && fw.BitWidth()%8 == 0 {
		return 2
	}
	return 0
}

// newLeanReader reads the batches of data, a segment whose leading schema
// message is schemaLen bytes long and states schema; m holds data's bytes
// (a reference is taken for each batch's buffers).
func newLeanReader(m *mapping, data []byte, schemaLen int, schema *arrow.Schema) *leanReader {
	return &leanReader{m: m, data: data, off: schemaLen, schema: schema}
}

func (r *leanReader) Err() error                     { return r.err }
func (r *leanReader) Schema() *arrow.Schema          { return r.schema }
func (r *leanReader) RecordBatch() arrow.RecordBatch { return r.rec }

func (r *leanReader) Release() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	r.done = true
}

func (r *leanReader) Next() bool {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.done {
		return false
	}
	rec, err := r.next()
	if err != nil || rec == nil {
		r.err, r.done = err, true
		return false
	}
	r.rec = rec
	return true
}

// next decodes the next message: a record batch, or nil at the end of
// the stream.
func (r *leanReader) next() (arrow.RecordBatch, error) {
	at := r.off
	m, next, err := messageMeta(r.data, r.off)
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	meta := guard.NewFlatbuffer(m)
	r.off = next
	msg, err := meta.Root()
	if err != nil {
		return nil, fmt.Errorf("message at offset %d: %w", at, err)
	}
	kind, err := meta.Uint8(msg, 1)
	if err != nil {
		return nil, fmt.Errorf("message at offset %d: %w", at, err)
	}
	bodyLen, err := meta.Int64(msg, 3)
	if err != nil {
		return nil, fmt.Errorf("message at offset %d: %w", at, err)
	}
	if bodyLen < 0 || bodyLen > int64(len(r.data)-r.off) {
		return nil, fmt.Errorf("message body of %d bytes at offset %d runs past the segment (%d bytes)", bodyLen, r.off, len(r.data))
	}
	body := r.data[r.off : r.off+int(bodyLen)]
	r.off += int(bodyLen)
	if kind != msgRecordBatch {
		return nil, fmt.Errorf("message at offset %d is of type %d, want a record batch (%d)", at, kind, msgRecordBatch)
	}
	hdr, ok, err := meta.Sub(msg, 2)
	if err != nil || !ok {
		return nil, fmt.Errorf("record batch at offset %d: no header (%v)", at, err)
	}
	rec, err := r.batch(meta, hdr, body)
	if err != nil {
		return nil, fmt.Errorf("record batch at offset %d: %w", at, err)
	}
	return rec, nil
}

// Flatbuffer message header types (Message.header_type).
const msgRecordBatch = 3

// batch builds the record batch whose RecordBatch table is hdr over body.
func (r *leanReader) batch(meta *guard.Flatbuffer, hdr guard.Table, body []byte) (arrow.RecordBatch, error) {
	length, err := meta.Int64(hdr, 0)
	if err != nil {
		return nil, err
	}
	if _, ok, err := meta.Sub(hdr, 3); err != nil || ok {
		return nil, errors.New("body compression in a segment read in place")
	}
	nodes, nn, err := meta.Structs(hdr, 1, 16)
	if err != nil {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	bufs, nb, err := meta.Structs(hdr, 2, 16)
	if err != nil {
		return nil, fmt.Errorf("buffers: %w", err)
	}
	fields := r.schema.Fields()
	if nn != len(fields) {
		return nil, fmt.Errorf("%d field nodes for %d columns", nn, len(fields))
	}
	want := 0
	for _, f := range fields {
		want += leanBuffers(f.Type)
	}
	if nb != want {
		return nil, fmt.Errorf("%d buffers, the schema needs %d", nb, want)
	}
	if length < 0 || length > 1<<31-1 {
		return nil, fmt.Errorf("%d rows", length)
	}
	slice := func(i int) ([]byte, int, error) {
		off := int64(binary.LittleEndian.Uint64(bufs[16*i:]))
		n := int64(binary.LittleEndian.Uint64(bufs[16*i+8:]))
		if off < 0 || n < 0 || off > int64(len(body)) || n > int64(len(body))-off {
			return nil, 0, fmt.Errorf("buffer %d [%d, +%d) outside the body of %d bytes", i, off, n, len(body))
		}
		return body[off : off+n], int(off), nil
	}
	r.m.retain()
	whole := memory.NewBufferWithAllocator(body, r.m)
	defer whole.Release() // the columns' buffers hold it
	cols := make([]arrow.Array, len(fields))
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	rows := int(length)
	b := 0
	for k, f := range fields {
		nl := int64(binary.LittleEndian.Uint64(nodes[16*k:]))
		nulls := int64(binary.LittleEndian.Uint64(nodes[16*k+8:]))
		if nl != length || nulls < 0 || nulls > nl {
			release()
			return nil, fmt.Errorf("column %q: node of %d rows and %d nulls in a batch of %d rows", f.Name, nl, nulls, length)
		}
		nbuf := leanBuffers(f.Type)
		buffers := make([]*memory.Buffer, nbuf)
		for j := 0; j < nbuf; j++ {
			s, off, err := slice(b + j)
			if err != nil {
				release()
				return nil, fmt.Errorf("column %q: %w", f.Name, err)
			}
			if err := leanCheck(f.Type, j, s, body, rows, nulls, b+j, bufs); err != nil {
				release()
				return nil, fmt.Errorf("column %q: %w", f.Name, err)
			}
			if j == 0 && nulls == 0 {
				continue // no validity bitmap, as arrow-go reads it
			}
			buffers[j] = memory.SliceBuffer(whole, off, len(s))
		}
		b += nbuf
		d := array.NewData(f.Type, rows, buffers, nil, int(nulls), 0)
		for _, x := range buffers {
			if x != nil {
				x.Release()
			}
		}
		cols[k] = array.MakeFromData(d)
		d.Release()
	}
	rec := array.NewRecordBatch(r.schema, cols, length)
	release()
	return rec, nil
}

// leanCheck checks buffer j (s) of a column of type t with rows rows and
// nulls nulls: long enough for its rows, and for strings, offsets that
// ascend inside the data buffer (buffer index bi+1 of bufs over body).
func leanCheck(t arrow.DataType, j int, s, body []byte, rows int, nulls int64, bi int, bufs []byte) error {
	need := 0
	switch {
	case j == 0:
		if nulls > 0 {
			need = int(bitutil.BytesForBits(int64(rows)))
		}
	case t.ID() == arrow.BOOL:
		need = int(bitutil.BytesForBits(int64(rows)))
	case t.ID() == arrow.STRING || t.ID() == arrow.BINARY:
		if j == 2 || rows == 0 {
			return nil // checked with the offsets
		}
		need = 4 * (rows + 1)
		if len(s) < need {
			break
		}
		off := int64(binary.LittleEndian.Uint64(bufs[16*(bi+1):]))
		n := int64(binary.LittleEndian.Uint64(bufs[16*(bi+1)+8:]))
		if off < 0 || n < 0 || off > int64(len(body)) || n > int64(len(body))-off {
			return fmt.Errorf("data buffer [%d, +%d) outside the body of %d bytes", off, n, len(body))
		}
		prev := int32(binary.LittleEndian.Uint32(s))
		if prev < 0 {
			return fmt.Errorf("string offset %d", prev)
		}
		for i := 1; i <= rows; i++ {
			v := int32(binary.LittleEndian.Uint32(s[4*i:]))
			if v < prev {
				return fmt.Errorf("string offsets descend at row %d (%d after %d)", i-1, v, prev)
			}
			prev = v
		}
		if int64(prev) > n {
			return fmt.Errorf("string offsets end at %d, past the %d bytes of data", prev, n)
		}
		return nil
	default:
		need = rows * t.(arrow.FixedWidthDataType).BitWidth() / 8
	}
	if len(s) < need {
		return fmt.Errorf("buffer %d holds %d bytes, %d rows need %d", j, len(s), rows, need)
	}
	return nil
}
