package shuffle

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
	// Per column: how a widened column is encoded (encode.go); encoded:
	// how many are frame of reference or delta, each with a base in the
	// segment's trailer.
	kinds   []encKind
	encoded int
}

// newLayout checks that a segment's schema stream is out's, each column
// stored as out says, as a narrower signed integer than out's signed
// integer column (plain or, with its encoding in the field's metadata,
// frame of reference or delta), or (where dicts has the column's file
// dictionary) as int8, int16 or int32 ids; names, nullability and
// metadata as out's.
func newLayout(stream, out *arrow.Schema, msg []byte, dicts []*array.Data) (*layout, error) {
	if stream.NumFields() != out.NumFields() {
		return nil, fmt.Errorf("segment schema has %d columns, the file's %d", stream.NumFields(), out.NumFields())
	}
	n := out.NumFields()
	lay := &layout{stream: stream, msg: msg, out: out, wide: make([]arrow.DataType, n), dicts: make([]*array.Data, n),
		kinds: make([]encKind, n)}
	fields, stored := out.Fields(), stream.Fields()
	for i, sf := range stored {
		wf := fields[i]
		fields[i].Type = sf.Type
		kind, md, err := fieldEncoding(sf)
		if err != nil {
			return nil, err
		}
		stored[i].Metadata = md
		if kind == encPlain && arrow.TypeEqual(sf.Type, wf.Type) {
			continue
		}
		sw, ww := intWidth(sf.Type), intWidth(wf.Type)
		switch {
		case kind == encPlain && dicts != nil && dicts[i] != nil && sw >= 1 && sw <= 4:
			lay.dicts[i], lay.ids = dicts[i], true
		case sw > 0 && ww > sw:
			lay.wide[i], lay.kinds[i] = wf.Type, kind
			if kind != encPlain {
				lay.encoded++
			}
		default:
			as := sf.Type.String()
			if kind != encPlain {
				as = kind.String() + "-encoded " + as
			}
			return nil, fmt.Errorf("segment stores column %q as %s; the file's schema says %s", wf.Name, as, wf.Type)
		}
	}
	md, smd := out.Metadata(), stream.Metadata()
	if want := arrow.NewSchema(fields, &md); !want.Equal(arrow.NewSchema(stored, &smd)) {
		return nil, fmt.Errorf("segment schema %s does not match the file's schema %s", stream, out)
	}
	return lay, nil
}

// apply returns b (of the segment's schema) as a batch of the file's
// schema, widened columns allocated from mem. checkIDs false skips the
// range check of file dictionary ids that an earlier read of the same
// bytes passed. state is the segment's decoding state (start), which a
// delta column advances past b.
func (l *layout) apply(b arrow.RecordBatch, mem memory.Allocator, checkIDs bool, state []int64) (arrow.RecordBatch, error) {
	return mapColumns(b, l.out, func(i int, c arrow.Array) (arrow.Array, error) {
		if d := l.dicts[i]; d != nil {
			return idsToDict(c, l.out.Field(i), d, checkIDs, mem)
		}
		if dt := l.wide[i]; dt != nil {
			var st *int64
			if state != nil {
				st = &state[i]
			}
			return decodeInts(c, dt, l.kinds[i], st, mem), nil
		}
		return nil, nil
	})
}

// trailerLen is the length of the trailer of a segment of this layout.
func (l *layout) trailerLen() int {
	if l == nil {
		return 0
	}
	return 8 * l.encoded
}

// start is the decoding state a segment of this layout begins with, from
// its trailer: per column, a frame column's base and the value before a
// delta column's first row (nil without encoded columns).
func (l *layout) start(seg []byte) ([]int64, error) {
	n := l.trailerLen()
	if n == 0 {
		return nil, nil
	}
	if len(seg) < n {
		return nil, fmt.Errorf("segment of %d bytes is shorter than its %d-byte trailer of bases", len(seg), n)
	}
	tr := seg[len(seg)-n:]
	state := make([]int64, len(l.kinds))
	for i, k := range l.kinds {
		if k != encPlain {
			state[i] = int64(binary.LittleEndian.Uint64(tr))
			tr = tr[8:]
		}
	}
	return state, nil
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
		ids = decodeInts(c, arrow.PrimitiveTypes.Int32, encPlain, nil, mem)
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

// validityOf is d's validity bitmap from its first row (+1; nil without
// nulls): d's own buffer when d starts at offset 0, else a copy.
func validityOf(d arrow.ArrayData, mem memory.Allocator) *memory.Buffer {
	vb := d.Buffers()[0]
	if d.NullN() == 0 || vb == nil {
		return nil
	}
	if d.Offset() == 0 {
		vb.Retain()
		return vb
	}
	valid := newBuf(mem, int(bitutil.BytesForBits(int64(d.Len()))))
	bitutil.CopyBitmap(vb.Bytes(), d.Offset(), d.Len(), valid.Bytes(), 0)
	return valid
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
	lay := sharedLayout(seg, r.schema)
	if lay == nil {
		stream, n, err := decodeSchema(seg)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("decode: %w", err)
		}
		if lay, err = newLayout(stream, r.schema, bytes.Clone(seg[:n]), r.dicts); err != nil {
			return nil, nil, nil, fmt.Errorf("decode: %w", err)
		}
		shareLayout(lay)
	}
	if lay.encoded > 0 && !r.ix.Encoded {
		return nil, nil, nil, fmt.Errorf("decode: segment encodes integers (%s metadata), which its index version does not allow", encKey)
	}
	r.mu.Lock()
	if len(r.layouts) < maxLayouts {
		r.layouts = append(r.layouts, lay)
	}
	r.mu.Unlock()
	return lay.stream, lay.msg, lay, nil
}
