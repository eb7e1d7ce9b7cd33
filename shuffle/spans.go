package shuffle

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// span is rows [off, off+n) of arr.
type span struct {
	arr    arrow.Array
	off, n int
}

// concatSpans copies the spans' rows (rows in all, every span of one type)
// into one new array, for fixed-width, boolean and string or binary (int32
// offsets) columns; nil for other types, which the caller slices and
// concatenates.
func concatSpans(spans []span, rows int, mem memory.Allocator) arrow.Array {
	dt := spans[0].arr.DataType()
	switch dt.ID() {
	case arrow.NULL, arrow.DICTIONARY, arrow.EXTENSION:
		return nil
	case arrow.BOOL:
		vals := newBuf(mem, int(bitutil.BytesForBits(int64(rows))))
		pos := 0
		for _, s := range spans {
			d := s.arr.Data()
			bitutil.CopyBitmap(d.Buffers()[1].Bytes(), d.Offset()+s.off, s.n, vals.Bytes(), pos)
			pos += s.n
		}
		valid, nulls := concatValidity(spans, rows, mem)
		return finish(dt, rows, nulls, valid, vals)
	case arrow.STRING, arrow.BINARY:
		return concatBinary(spans, rows, mem)
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		return nil
	}
	w := fw.BitWidth() / 8
	vals := newBuf(mem, rows*w)
	dst := vals.Bytes()
	pos := 0
	for _, s := range spans {
		d := s.arr.Data()
		lo := (d.Offset() + s.off) * w
		pos += copy(dst[pos:], d.Buffers()[1].Bytes()[lo:lo+s.n*w])
	}
	valid, nulls := concatValidity(spans, rows, mem)
	return finish(dt, rows, nulls, valid, vals)
}

// concatBinary is concatSpans for strings and binaries with int32
// offsets.
func concatBinary(spans []span, rows int, mem memory.Allocator) arrow.Array {
	size := 0
	for _, s := range spans {
		o := spanOffsets(s)
		size += int(o[s.n] - o[0])
	}
	ob := newBuf(mem, (rows+1)*4)
	offs := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	db := newBuf(mem, size)
	data := db.Bytes()
	pos, at := 0, int32(0)
	for _, s := range spans {
		o := spanOffsets(s)
		base := o[0]
		for j := 0; j < s.n; j++ {
			offs[pos+j] = at + o[j] - base
		}
		at += int32(copy(data[at:], s.arr.Data().Buffers()[2].Bytes()[base:o[s.n]]))
		pos += s.n
	}
	offs[rows] = at
	valid, nulls := concatValidity(spans, rows, mem)
	return finish(spans[0].arr.DataType(), rows, nulls, valid, ob, db)
}

// spanOffsets returns the n+1 offsets of a string or binary span.
func spanOffsets(s span) []int32 {
	d := s.arr.Data()
	o := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())
	return o[d.Offset()+s.off : d.Offset()+s.off+s.n+1]
}

// concatValidity returns the spans' validity bitmap and null count; nil
// and 0 when no span has a null.
func concatValidity(spans []span, rows int, mem memory.Allocator) (*memory.Buffer, int) {
	nulls := false
	for _, s := range spans {
		if s.arr.NullN() > 0 {
			nulls = true
			break
		}
	}
	if !nulls {
		return nil, 0
	}
	vb := newBuf(mem, int(bitutil.BytesForBits(int64(rows))))
	pos := 0
	for _, s := range spans {
		d := s.arr.Data()
		if s.arr.NullN() > 0 && d.Buffers()[0] != nil {
			bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset()+s.off, s.n, vb.Bytes(), pos)
		} else {
			bitutil.SetBitsTo(vb.Bytes(), int64(pos), int64(s.n), true)
		}
		pos += s.n
	}
	return vb, rows - bitutil.CountSetBits(vb.Bytes(), 0, rows)
}
