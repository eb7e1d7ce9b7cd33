package gather

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

// ErrUnsupported is returned for a column this package does not gather.
var ErrUnsupported = errors.New("gather: unsupported column")

// Supported reports whether every column of schema has a type Rows
// gathers (dictionaries still need one shared dictionary).
func Supported(schema *arrow.Schema) bool {
	for _, f := range schema.Fields() {
		if !supportedType(f.Type) {
			return false
		}
	}
	return true
}

func supportedType(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return supportedType(t.IndexType)
	case *arrow.BooleanType:
		return true
	case arrow.FixedWidthDataType:
		return t.BitWidth() >= 8 && t.BitWidth()%8 == 0
	}
	switch t.ID() {
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return true
	}
	return false
}

// Rows returns a batch of schema with len(bi) rows (+1): row i is row
// ri[i] of batches[bi[i]]. Every batch must have schema's columns, in order;
// the batches are only read. Indices out of range are an error.
func Rows(schema *arrow.Schema, batches []arrow.RecordBatch, bi, ri []int32, mem memory.Allocator) (arrow.RecordBatch, error) {
	if len(bi) != len(ri) {
		return nil, fmt.Errorf("gather: %d batch indices for %d row indices", len(bi), len(ri))
	}
	for _, b := range batches {
		if int(b.NumCols()) != schema.NumFields() {
			return nil, fmt.Errorf("gather: a batch has %d columns, the schema %d", b.NumCols(), schema.NumFields())
		}
	}
	for i, b := range bi {
		if b < 0 || int(b) >= len(batches) {
			return nil, fmt.Errorf("gather: row %d: batch %d outside [0, %d)", i, b, len(batches))
		}
		if r := ri[i]; r < 0 || int64(r) >= batches[b].NumRows() {
			return nil, fmt.Errorf("gather: row %d: row %d outside batch %d of %d rows", i, r, b, batches[b].NumRows())
		}
	}
	cols := make([]arrow.Array, schema.NumFields())
	srcs := make([]arrow.Array, len(batches))
	for c, f := range schema.Fields() {
		for k, b := range batches {
			srcs[k] = b.Column(c)
		}
		col, err := column(f.Type, srcs, bi, ri, mem)
		if err != nil {
			for _, x := range cols[:c] {
				x.Release()
			}
			return nil, fmt.Errorf("gather: column %q: %w", f.Name, err)
		}
		cols[c] = col
	}
	out := array.NewRecordBatch(schema, cols, int64(len(bi)))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// column gathers one column (+1).
func column(t arrow.DataType, srcs []arrow.Array, bi, ri []int32, mem memory.Allocator) (arrow.Array, error) {
	for _, s := range srcs {
		if !arrow.TypeEqual(s.DataType(), t) {
			return nil, fmt.Errorf("a batch has type %s, want %s", s.DataType(), t)
		}
	}
	n := len(bi)
	validity, nulls := gatherValidity(srcs, bi, ri, mem)
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return dictionary(t, srcs, bi, ri, validity, nulls, mem)
	case *arrow.BooleanType:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(int(bitutil.BytesForBits(int64(n))))
		out := vals.Bytes()
		for i := range bi {
			s := srcs[bi[i]].Data()
			if bitutil.BitIsSet(s.Buffers()[1].Bytes(), s.Offset()+int(ri[i])) {
				bitutil.SetBit(out, i)
			} else {
				bitutil.ClearBit(out, i)
			}
		}
		return finish(t, n, nulls, validity, vals), nil
	case arrow.FixedWidthDataType:
		if !supportedType(t) {
			break
		}
		return fixed(t, t.BitWidth()/8, srcs, bi, ri, validity, nulls, mem), nil
	}
	switch t.ID() {
	case arrow.STRING, arrow.BINARY:
		return binary[int32](t, srcs, bi, ri, validity, nulls, mem), nil
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return binary[int64](t, srcs, bi, ri, validity, nulls, mem), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, fmt.Errorf("%w: type %s", ErrUnsupported, t)
}

func finish(t arrow.DataType, n, nulls int, bufs ...*memory.Buffer) arrow.Array {
	data := array.NewData(t, n, bufs, nil, nulls, 0)
	defer data.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return array.MakeFromData(data)
}

// gatherValidity returns the result's validity bitmap and null count, or
// nil and 0 when no picked row is null.
func gatherValidity(srcs []arrow.Array, bi, ri []int32, mem memory.Allocator) (*memory.Buffer, int) {
	any := false
	for _, s := range srcs {
		if s.NullN() > 0 {
			any = true
			break
		}
	}
	if !any {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(bi)))))
	out := buf.Bytes()
	nulls := 0
	for i := range bi {
		s := srcs[bi[i]]
		if s.IsValid(int(ri[i])) {
			bitutil.SetBit(out, i)
		} else {
			bitutil.ClearBit(out, i)
			nulls++
		}
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// view returns the values of a fixed-width array from its offset on, as a
// slice of T.
func view[T any](a arrow.Array, width int) []T {
	d := a.Data()
	b := d.Buffers()[1]
	if b == nil || d.Len() == 0 {
		return nil
	}
	raw := b.Bytes()[d.Offset()*width : (d.Offset()+d.Len())*width]
	var zero T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/int(unsafe.Sizeof(zero)))
}

func fixed(t arrow.DataType, width int, srcs []arrow.Array, bi, ri []int32, validity *memory.Buffer, nulls int, mem memory.Allocator) arrow.Array {
	n := len(bi)
	vals := uninit.Buffer(mem, n*width) // every value is gathered
	switch width {
	case 1:
		gatherT(vals.Bytes(), srcs, bi, ri, 1)
	case 2:
		gatherT(unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(vals.Bytes()))), n), srcs, bi, ri, 2)
	case 4:
		gatherT(unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(vals.Bytes()))), n), srcs, bi, ri, 4)
	case 8:
		gatherT(unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(vals.Bytes()))), n), srcs, bi, ri, 8)
	default:
		out := vals.Bytes()
		views := make([][]byte, len(srcs))
		for k, s := range srcs {
			views[k] = view[byte](s, width)
		}
		for i := range bi {
			o := int(ri[i]) * width
			copy(out[i*width:(i+1)*width], views[bi[i]][o:o+width])
		}
	}
	return finish(t, n, nulls, validity, vals)
}

func gatherT[T uint8 | uint16 | uint32 | uint64](dst []T, srcs []arrow.Array, bi, ri []int32, width int) {
	views := make([][]T, len(srcs))
	for k, s := range srcs {
		views[k] = view[T](s, width)
	}
	if len(views) == 1 {
		v := views[0]
		for i, r := range ri[:len(dst)] {
			dst[i] = v[r]
		}
		return
	}
	bi = bi[:len(dst)]
	ri = ri[:len(dst)]
	for i := range dst {
		dst[i] = views[bi[i]][ri[i]]
	}
}

func binary[O int32 | int64](t arrow.DataType, srcs []arrow.Array, bi, ri []int32, validity *memory.Buffer, nulls int, mem memory.Allocator) arrow.Array {
	n := len(bi)
	offs := make([][]O, len(srcs))
	datas := make([][]byte, len(srcs))
	var ow int
	if _, ok := any(O(0)).(int32); ok {
		ow = 4
	} else {
		ow = 8
	}
	for k, s := range srcs {
		d := s.Data()
		raw := d.Buffers()[1].Bytes()[d.Offset()*ow : (d.Offset()+d.Len()+1)*ow]
		offs[k] = unsafe.Slice((*O)(unsafe.Pointer(unsafe.SliceData(raw))), d.Len()+1)
		if b := d.Buffers()[2]; b != nil {
			datas[k] = b.Bytes()
		}
	}
	obuf := memory.NewResizableBuffer(mem)
	obuf.Resize((n + 1) * ow)
	out := unsafe.Slice((*O)(unsafe.Pointer(unsafe.SliceData(obuf.Bytes()))), n+1)
	var total O
	for i := range bi {
		o := offs[bi[i]]
		out[i] = total
		total += o[ri[i]+1] - o[ri[i]]
	}
	out[n] = total
	dbuf := memory.NewResizableBuffer(mem)
	dbuf.Resize(int(total))
	data := dbuf.Bytes()
	for i := range bi {
		o := offs[bi[i]]
		copy(data[out[i]:out[i+1]], datas[bi[i]][o[ri[i]]:o[ri[i]+1]])
	}
	return finish(t, n, nulls, validity, obuf, dbuf)
}

func dictionary(t *arrow.DictionaryType, srcs []arrow.Array, bi, ri []int32, validity *memory.Buffer, nulls int, mem memory.Allocator) (arrow.Array, error) {
	release := func() {
		if validity != nil {
			validity.Release()
		}
	}
	if !supportedType(t.IndexType) {
		release()
		return nil, fmt.Errorf("%w: dictionary index type %s", ErrUnsupported, t.IndexType)
	}
	dicts := make([]arrow.Array, len(srcs))
	idx := make([]arrow.Array, len(srcs))
	for k, s := range srcs {
		d := s.(*array.Dictionary)
		dicts[k], idx[k] = d.Dictionary(), d.Indices()
		if k > 0 && dicts[k] != dicts[0] && !array.Equal(dicts[k], dicts[0]) {
			release()
			return nil, fmt.Errorf("%w: the batches' dictionaries differ", ErrUnsupported)
		}
	}
	width := t.IndexType.(arrow.FixedWidthDataType).BitWidth() / 8
	var indices arrow.Array
	if len(srcs) == 0 {
		indices = array.MakeArrayOfNull(mem, t.IndexType, 0)
	} else {
		if validity != nil {
			validity.Retain()
		}
		indices = fixed(t.IndexType, width, idx, bi, ri, validity, nulls, mem)
	}
	defer indices.Release()
	release()
	var dict arrow.Array
	if len(dicts) > 0 {
		dict = dicts[0]
		dict.Retain()
	} else {
		dict = array.MakeArrayOfNull(mem, t.ValueType, 0)
	}
	defer dict.Release()
	return array.NewDictionaryArray(t, indices, dict), nil
}
