package eval

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

// Take copies rows sel of d into new data at offset 0. sel is strictly
// increasing (rows selected by a mask, in order); runs of consecutive rows
// are copied whole.
func Take(mem memory.Allocator, d arrow.ArrayData, sel []int32) (*array.Data, error) {
	n := len(sel)
	dt := d.DataType()
	if dt.ID() == arrow.NULL {
		return array.NewData(dt, n, []*memory.Buffer{nil}, nil, n, 0), nil
	}
	off := d.Offset()
	var valid *memory.Buffer
	nulls := 0
	if d.NullN() != 0 && d.Buffers()[0] != nil { // NullN is -1 (unknown) on slices
		valid = NewBitmap(mem, n)
		takeBits(d.Buffers()[0].Bytes(), off, sel, valid.Bytes())
		nulls = n - bitutil.CountSetBits(valid.Bytes(), 0, n)
	}
	var bufs []*memory.Buffer
	var err error
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		idx, err := takeFixed(mem, d.Buffers()[1].Bytes(), off, t.IndexType.(arrow.FixedWidthDataType).BitWidth(), sel)
		if err != nil {
			ReleaseBufs(valid)
			return nil, err
		}
		if valid != nil {
			// Indices under nulls may be anything in the input; write 0
			// so the output validates.
			zeroUnderNulls(idx.Bytes(), t.IndexType.(arrow.FixedWidthDataType).BitWidth()/8, valid.Bytes(), n)
		}
		out := array.NewDataWithDictionary(dt, n, []*memory.Buffer{valid, idx}, nulls, 0, d.Dictionary().(*array.Data))
		ReleaseBufs(valid, idx)
		return out, nil
	case *arrow.BooleanType:
		v := NewBitmap(mem, n)
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
			ReleaseBufs(valid)
			return nil, fmt.Errorf("type %s: %w", dt, err)
		}
		bufs = []*memory.Buffer{valid, v}
	default:
		ReleaseBufs(valid)
		return nil, fmt.Errorf("unsupported type %s (filter supports fixed-width, bool, string, binary and dictionary columns)", dt)
	}
	out := array.NewData(dt, n, bufs, nil, nulls, 0)
	ReleaseBufs(bufs...)
	return out, nil
}

func ReleaseBufs(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// zeroUnderNulls zeroes the width-byte values at the null rows.
func zeroUnderNulls(vals []byte, width int, valid []byte, n int) {
	for i := 0; i < n; i++ {
		if i&7 == 0 && i+8 <= n && valid[i>>3] == 0xFF {
			i += 7 // eight valid rows
			continue
		}
		if valid[i>>3]&(1<<(i&7)) == 0 {
			clear(vals[i*width : (i+1)*width])
		}
	}
}

// minRun is the shortest run of consecutive selected rows that a take
// copies whole: a filter that drops few rows selects long runs.
const minRun = 16

// runEnd returns the end of the run of consecutive rows that starts at
// sel[j]: the least k > j with sel[k] != sel[j]+(k-j), or len(sel). sel
// is strictly increasing, so sel[k]-sel[j] == k-j holds exactly when
// every row in between is selected too: a long run is skipped 64 rows at
// a time.
func runEnd(sel []int32, j int) int {
	const block = 64
	first := sel[j]
	k := j + 1
	for k+block <= len(sel) && sel[k+block-1]-first == int32(k+block-1-j) {
		k += block
	}
	for k < len(sel) && sel[k]-first == int32(k-j) {
		k++
	}
	return k
}

// takeBits sets dst bit j to src bit off+sel[j] (dst zeroed).
func takeBits(src []byte, off int, sel []int32, dst []byte) {
	for j := 0; j < len(sel); {
		k := runEnd(sel, j)
		if k-j >= minRun {
			bitutil.CopyBitmap(src, off+int(sel[j]), k-j, dst, j)
			j = k
			continue
		}
		for ; j < k; j++ {
			p := off + int(sel[j])
			dst[j>>3] |= ((src[p>>3] >> (p & 7)) & 1) << (j & 7)
		}
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

func gather[T Fixed](mem memory.Allocator, src []byte, off int, sel []int32) *memory.Buffer {
	var zero T
	buf := uninit.Buffer(mem, len(sel)*int(unsafe.Sizeof(zero))) // every value is taken
	out := ViewAs[T](buf.Bytes())
	in := ViewAs[T](src)[off:]
	for j := 0; j < len(sel); {
		k := runEnd(sel, j)
		if k-j >= minRun {
			i := int(sel[j])
			copy(out[j:k], in[i:i+k-j])
			j = k
			continue
		}
		for ; j < k; j++ {
			out[j] = in[sel[j]]
		}
	}
	return buf
}

// takeVarlen gathers variable-length values (offsets of type O).
func takeVarlen[O int32 | int64](mem memory.Allocator, offBytes []byte, data *memory.Buffer, off int, sel []int32) (*memory.Buffer, *memory.Buffer) {
	offs := ViewAs[O](offBytes)[off:]
	obuf, outOffs := NewValues[O](mem, len(sel)+1)
	var total O
	for j := 0; j < len(sel); {
		k := runEnd(sel, j)
		if k-j >= minRun {
			i := int(sel[j])
			shift := total - offs[i]
			for t, o := range offs[i : i+k-j] {
				outOffs[j+t] = o + shift
			}
			total += offs[i+k-j] - offs[i]
			j = k
			continue
		}
		for ; j < k; j++ {
			i := sel[j]
			outOffs[j] = total
			total += offs[i+1] - offs[i]
		}
	}
	outOffs[len(sel)] = total
	dbuf := NewBuf(mem, int(total))
	var src []byte
	if data != nil {
		src = data.Bytes()
	}
	dst := dbuf.Bytes()
	for j := 0; j < len(sel); {
		k := runEnd(sel, j)
		if k-j >= minRun {
			i := int(sel[j])
			copy(dst[outOffs[j]:outOffs[k]], src[offs[i]:offs[i+k-j]])
			j = k
			continue
		}
		for ; j < k; j++ {
			i := sel[j]
			copy(dst[outOffs[j]:outOffs[j+1]], src[offs[i]:offs[i+1]])
		}
	}
	return obuf, dbuf
}
