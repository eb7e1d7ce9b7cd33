package shuffle

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
	"github.com/sluice-ml/sluice/internal/uninit"
)

// layout turns the batches of a segment whose schema is not the file's
// (an id segment, a narrowed segment) into batches of the file's schema.
type layout struct {
	stream *arrow.Schema // the segment's schema
	msg    []byte        // its schema message
	out    *arrow.Schema // the file's schema
	// Per column: wide is the type a narrowed integer column is widened
	// to; dicts the file dictionary an id column's ids index (nil: none).
	wide  []arrow.DataType
	dicts []*array.Data
	ids   bool // some column holds file dictionary ids
}

// newLayout checks that a segment's schema stream is out's, each column
// stored as out says, as a narrower signed integer than out's signed
// integer column, or (where dicts has the column's file dictionary) as
// int8, int16 or int32 ids; names, nullability and metadata as out's.
func newLayout(stream, out *arrow.Schema, msg []byte, dicts []*array.Data) (*layout, error) {
	if stream.NumFields() != out.NumFields() {
		return nil, fmt.Errorf("segment schema has %d columns, the file's %d", stream.NumFields(), out.NumFields())
	}
	lay := &layout{stream: stream, msg: msg, out: out, wide: make([]arrow.DataType, out.NumFields()), dicts: make([]*array.Data, out.NumFields())}
	fields := out.Fields()
	for i, sf := range stream.Fields() {
		wf := fields[i]
		fields[i].Type = sf.Type
		if arrow.TypeEqual(sf.Type, wf.Type) {
			continue
		}
		sw, ww := intWidth(sf.Type), intWidth(wf.Type)
		switch {
		case dicts != nil && dicts[i] != nil && sw >= 1 && sw <= 4:
			lay.dicts[i], lay.ids = dicts[i], true
		case sw > 0 && ww > sw:
			lay.wide[i] = wf.Type
		default:
			return nil, fmt.Errorf("segment stores column %q as %s; the file's schema says %s", wf.Name, sf.Type, wf.Type)
		}
	}
	md := out.Metadata()
	if want := arrow.NewSchema(fields, &md); !want.Equal(stream) {
		return nil, fmt.Errorf("segment schema %s does not match the file's schema %s", stream, out)
	}
	return lay, nil
}

// apply returns b (of the segment's schema) as a batch of the file's
// schema, widened columns allocated from mem. checkIDs false skips the
// range check of file dictionary ids that an earlier read of the same
// bytes passed.
func (l *layout) apply(b arrow.RecordBatch, mem memory.Allocator, checkIDs bool) (arrow.RecordBatch, error) {
	return mapColumns(b, l.out, func(i int, c arrow.Array) (arrow.Array, error) {
		if d := l.dicts[i]; d != nil {
			return idsToDict(c, l.out.Field(i), d, checkIDs, mem)
		}
		if dt := l.wide[i]; dt != nil {
			return widen(c, dt, mem), nil
		}
		return nil, nil
	})
}

// idsToDict turns c, ids into the file dictionary d, into a dictionary
// array of field f's type over d, checking first (when check) that every
// id lies inside d.
func idsToDict(c arrow.Array, f arrow.Field, d *array.Data, check bool, mem memory.Allocator) (arrow.Array, error) {
	if check {
		var err error
		vals := c.Data().Buffers()[1].Bytes()
		off, n := c.Data().Offset(), c.Len()
		switch c.DataType().ID() {
		case arrow.INT8:
			err = checkIDs(arrow.Int8Traits.CastFromBytes(vals)[off:off+n], c.NullN(), d.Len())
		case arrow.INT16:
			err = checkIDs(arrow.Int16Traits.CastFromBytes(vals)[off:off+n], c.NullN(), d.Len())
		default:
			err = checkIDs(arrow.Int32Traits.CastFromBytes(vals)[off:off+n], c.NullN(), d.Len())
		}
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
	}
	ids := c
	if c.DataType().ID() != arrow.INT32 {
		ids = widen(c, arrow.PrimitiveTypes.Int32, mem)
		defer ids.Release()
	}
	data := array.NewDataWithDictionary(f.Type, ids.Len(), ids.Data().Buffers(), ids.NullN(), ids.Data().Offset(), d)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// checkIDs checks that every id, a null row's too, is inside a dictionary
// of n values; with no values every row must be null.
func checkIDs[T ~int8 | ~int16 | ~int32](vals []T, nulls, n int) error {
	if n == 0 {
		if nulls != len(vals) {
			return fmt.Errorf("%d rows are not null and the file dictionary is empty", len(vals)-nulls)
		}
		return nil
	}
	lo, hi := T(0), T(0)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo >= 0 && int(hi) < n {
		return nil
	}
	for i, v := range vals {
		if v < 0 || int(v) >= n {
			return fmt.Errorf("row %d: file dictionary id %d outside [0, %d)", i, v, n)
		}
	}
	return nil
}

// widen returns c, a signed integer array, as an array of the wider
// signed integer type dt with the same values and nulls.
func widen(c arrow.Array, dt arrow.DataType, mem memory.Allocator) arrow.Array {
	d := c.Data()
	off, n := d.Offset(), d.Len()
	vals := uninit.Buffer(mem, n*intWidth(dt))
	convertArray(vals.Bytes(), dt, 0, d, 0, n)
	var valid *memory.Buffer
	if vb := d.Buffers()[0]; d.NullN() > 0 && vb != nil {
		if off == 0 {
			vb.Retain()
			valid = vb
		} else {
			valid = newBuf(mem, int(bitutil.BytesForBits(int64(n))))
			bitutil.CopyBitmap(vb.Bytes(), off, n, valid.Bytes(), 0)
		}
	}
	return finish(dt, n, d.NullN(), valid, vals)
}

// maxLayouts bounds the narrowed segment layouts a reader remembers.
const maxLayouts = 64

// segmentLayout returns the schema and schema message a segment is
// decoded with and its layout (nil: its batches are of the file's schema).
func (r *Reader) segmentLayout(seg []byte) (*arrow.Schema, []byte, *layout, error) {
	if r.idLayout != nil && bytes.HasPrefix(seg, r.idLayout.msg) {
		return r.idSchema, r.idMsg, r.idLayout, nil
	}
	if !r.ix.Narrow || bytes.HasPrefix(seg, r.schemaMsg) {
		return r.schema, r.schemaMsg, nil, nil
	}
	r.mu.Lock()
	for _, l := range r.layouts {
		if bytes.HasPrefix(seg, l.msg) {
			r.mu.Unlock()
			return l.stream, l.msg, l, nil
		}
	}
	r.mu.Unlock()
	stream, n, err := guard.DecodeSchema(seg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("decode: %w", err)
	}
	lay, err := newLayout(stream, r.schema, bytes.Clone(seg[:n]), r.dicts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("decode: %w", err)
	}
	r.mu.Lock()
	if len(r.layouts) < maxLayouts {
		r.layouts = append(r.layouts, lay)
	}
	r.mu.Unlock()
	return lay.stream, lay.msg, lay, nil
}
