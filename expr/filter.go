package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Filter keeps the rows of batch where mask is true (a null mask value
// counts as false) and returns them as a new batch (+1 reference: release
// it). Dictionary columns stay dictionary-encoded with the same dictionary
// and filtered indices. When every row is kept the columns are shared, not
// copied. Supported column types: fixed-width primitives (ints, floats,
// timestamps, dates, ...), bool, utf8/binary (and large variants),
// dictionaries of those, and null.
func Filter(batch arrow.RecordBatch, mask *array.Boolean, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := int(batch.NumRows())
	if mask.Len() != n {
		return nil, fmt.Errorf("expr.Filter: mask has %d rows, the batch %d", mask.Len(), n)
	}
	selBuf, sel := selection(mem, mask)
	defer selBuf.Release()
	cols := make([]arrow.Array, batch.NumCols())
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i := range cols {
		col := batch.Column(i)
		if len(sel) == n {
			col.Retain()
			cols[i] = col
			continue
		}
		d, err := takeData(mem, col.Data(), sel)
		if err != nil {
			release()
			return nil, fmt.Errorf("expr.Filter: column %q: %w", batch.ColumnName(i), err)
		}
		cols[i] = array.MakeFromData(d)
		d.Release()
	}
	out := array.NewRecordBatch(batch.Schema(), cols, int64(len(sel)))
	release()
	return out, nil
}

// selection lists the positions where mask is true and valid.
func selection(mem memory.Allocator, mask *array.Boolean) (*memory.Buffer, []int32) {
	n := mask.Len()
	vals, off := boolBits(mask)
	keep := newBitmap(mem, n)
	defer keep.Release()
	kb := keep.Bytes()
	bitutil.CopyBitmap(vals, off, n, kb, 0)
	if hasNulls(mask) {
		bitutil.BitmapAnd(kb, mask.NullBitmapBytes(), 0, int64(off), kb, 0, int64(n))
	}
	count := bitutil.CountSetBits(kb, 0, n)
	buf, sel := newValues[int32](mem, count)
	j := 0
	for i := range n {
		if kb[i>>3]&(1<<(i&7)) != 0 {
			sel[j] = int32(i)
			j++
		}
	}
	return buf, sel
}

// takeData copies rows sel of d into new data at offset 0.
func takeData(mem memory.Allocator, d arrow.ArrayData, sel []int32) (*array.Data, error) {
	n := len(sel)
	dt := d.DataType()
	if dt.ID() == arrow.NULL {
		return array.NewData(dt, n, []*memory.Buffer{nil}, nil, n, 0), nil
	}
	off := d.Offset()
	var valid *memory.Buffer
	nulls := 0
	if d.NullN() != 0 && d.Buffers()[0] != nil { // NullN is -1 (unknown) on slices
		valid = newBitmap(mem, n)
		takeBits(d.Buffers()[0].Bytes(), off, sel, valid.Bytes())
		nulls = n - bitutil.CountSetBits(valid.Bytes(), 0, n)
	}
	var bufs []*memory.Buffer
	var err error
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		idx, err := takeFixed(mem, d.Buffers()[1].Bytes(), off, t.IndexType.(arrow.FixedWidthDataType).BitWidth(), sel)
		if err != nil {
			releaseBufs(valid)
			return nil, err
		}
		if valid != nil {
			// Indices under nulls may be anything in the input; write 0
			// so the output validates.
			zeroUnderNulls(idx.Bytes(), t.IndexType.(arrow.FixedWidthDataType).BitWidth()/8, valid.Bytes(), n)
		}
		out := array.NewDataWithDictionary(dt, n, []*memory.Buffer{valid, idx}, nulls, 0, d.Dictionary().(*array.Data))
		releaseBufs(valid, idx)
		return out, nil
	case *arrow.BooleanType:
		v := newBitmap(mem, n)
		takeBits(d.Buffers()[1].Bytes(), off, sel, v.Bytes())
		bufs = []*memory.Buffer{valid, v}
	case *arrow.StringType, *arrow.BinaryType:
		o, data := takeVarlen[int32](mem, d.Buffers()[1].Bytes(), d.Buffers()[2], off, sel)
		bufs = []*memory.Buffer{valid, o, data}
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		o, data := takeVarlen[int64](mem, d.Buffers()[1].Bytes(), d.Buffers()[2], off, sel)
		bufs = []*memory.Buffer{valid, o, data}
	case arrow.FixedWidthDataType:
		if len(d.Children()) > 0 {
			return nil, fmt.Errorf("unsupported type %s", dt)
		}
		var v *memory.Buffer
		v, err = takeFixed(mem, d.Buffers()[1].Bytes(), off, t.BitWidth(), sel)
		if err != nil {
			releaseBufs(valid)
			return nil, fmt.Errorf("type %s: %w", dt, err)
		}
		bufs = []*memory.Buffer{valid, v}
	default:
		releaseBufs(valid)
		return nil, fmt.Errorf("unsupported type %s (filter supports fixed-width, bool, string, binary and dictionary columns)", dt)
	}
	out := array.NewData(dt, n, bufs, nil, nulls, 0)
	releaseBufs(bufs...)
	return out, nil
}

func releaseBufs(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// zeroUnderNulls zeroes the width-byte values at the null rows.
func zeroUnderNulls(vals []byte, width int, valid []byte, n int) {
	for i := range n {
		if valid[i>>3]&(1<<(i&7)) == 0 {
			clear(vals[i*width : (i+1)*width])
		}
	}
}

// takeBits sets dst bit j to src bit off+sel[j] (dst zeroed).
func takeBits(src []byte, off int, sel []int32, dst []byte) {
	for j, i := range sel {
		p := off + int(i)
		dst[j>>3] |= ((src[p>>3] >> (p & 7)) & 1) << (j & 7)
	}
}

// takeFixed gathers fixed-width values of the given bit width.
func takeFixed(mem memory.Allocator, src []byte, off, bitWidth int, sel []int32) (*memory.Buffer, error) {
	switch bitWidth {
	case 8:
		return gather[uint8](mem, src, off, sel), nil
	case 16:
		return gather[uint16](mem, src, off, sel), nil
	case 32:
		return gather[uint32](mem, src, off, sel), nil
	case 64:
		return gather[uint64](mem, src, off, sel), nil
	}
	return nil, fmt.Errorf("unsupported value width %d bits", bitWidth)
}

func gather[T fixed](mem memory.Allocator, src []byte, off int, sel []int32) *memory.Buffer {
	buf, out := newValues[T](mem, len(sel))
	in := viewAs[T](src)[off:]
	for j, i := range sel {
		out[j] = in[i]
	}
	return buf
}

// takeVarlen gathers variable-length values (offsets of type O).
func takeVarlen[O int32 | int64](mem memory.Allocator, offBytes []byte, data *memory.Buffer, off int, sel []int32) (*memory.Buffer, *memory.Buffer) {
	offs := viewAs[O](offBytes)[off:]
	obuf, outOffs := newValues[O](mem, len(sel)+1)
	var total O
	for j, i := range sel {
		outOffs[j] = total
		total += offs[i+1] - offs[i]
	}
	outOffs[len(sel)] = total
	dbuf := newBuf(mem, int(total))
	var src []byte
	if data != nil {
		src = data.Bytes()
	}
	dst := dbuf.Bytes()
	for j, i := range sel {
		copy(dst[outOffs[j]:outOffs[j+1]], src[offs[i]:offs[i+1]])
	}
	return obuf, dbuf
}
