package shuffle

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

// take returns a new array holding arr's rows idx[0], idx[1], ... (every
// index must be in [0, arr.Len())). Fixed-width, boolean, binary/string
// and dictionary columns use the typed loops below (a dictionary column
// keeps its dictionary and gathers its indices); other types fall back to
// the arrow compute take kernel, still one call per column.
func take(arr arrow.Array, idx []int32, mem memory.Allocator) (arrow.Array, error) {
	data := arr.Data()
	dt := arr.DataType()
	n := len(idx)
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		valid, nulls := takeValidity(data, idx, mem)
		vals, err := takeFixed(data, t.IndexType.(arrow.FixedWidthDataType).BitWidth()/8, idx, mem)
		if err != nil {
			releaseBuf(valid)
			return nil, err
		}
		out := array.NewDataWithDictionary(dt, n, []*memory.Buffer{valid, vals}, nulls, 0, data.Dictionary().(*array.Data))
		releaseBuf(valid)
		vals.Release()
		defer out.Release()
		return array.MakeFromData(out), nil
	case *arrow.BooleanType:
		valid, nulls := takeValidity(data, idx, mem)
		vals := takeBits(data.Buffers()[1], data.Offset(), idx, mem)
		return finish(dt, n, nulls, valid, vals, nil), nil
	case *arrow.StringType, *arrow.BinaryType:
		valid, nulls := takeValidity(data, idx, mem)
		offs, vals := takeBinary[int32](data, idx, mem)
		return finish(dt, n, nulls, valid, offs, vals), nil
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		valid, nulls := takeValidity(data, idx, mem)
		offs, vals := takeBinary[int64](data, idx, mem)
		return finish(dt, n, nulls, valid, offs, vals), nil
	case arrow.FixedWidthDataType:
		if dt.ID() == arrow.NULL || dt.ID() == arrow.EXTENSION || len(data.Buffers()) != 2 || t.BitWidth()%8 != 0 {
			break
		}
		valid, nulls := takeValidity(data, idx, mem)
		vals, err := takeFixed(data, t.BitWidth()/8, idx, mem)
		if err != nil {
			releaseBuf(valid)
			return nil, err
		}
		return finish(dt, n, nulls, valid, vals, nil), nil
	}
	ids := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, n,
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, 0, 0))
	defer ids.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	out, err := compute.TakeArray(ctx, arr, ids)
	if err != nil {
		return nil, fmt.Errorf("take %s: %w", dt, err)
	}
	return out, nil
}

// finish wraps the buffers in an array and drops the local references.
func finish(dt arrow.DataType, n, nulls int, bufs ...*memory.Buffer) arrow.Array {
	data := array.NewData(dt, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		releaseBuf(b)
	}
	defer data.Release()
	return array.MakeFromData(data)
}

func releaseBuf(b *memory.Buffer) {
	if b != nil {
		b.Release()
	}
}

// newBuf allocates a zero-length-checked buffer of n bytes.
func newBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// takeValidity gathers the validity bitmap; it returns nil and 0 when the
// taken rows have no nulls (as an input without nulls gives), so a take of
// selected rows is the same array as the take from a copy of those rows.
func takeValidity(data arrow.ArrayData, idx []int32, mem memory.Allocator) (*memory.Buffer, int) {
	if data.NullN() == 0 || data.Buffers()[0] == nil {
		return nil, 0
	}
	out := takeBits(data.Buffers()[0], data.Offset(), idx, mem)
	nulls := len(idx) - bitutil.CountSetBits(out.Bytes(), 0, len(idx))
	if nulls == 0 {
		out.Release()
		return nil, 0
	}
	return out, nulls
}

// takeBits gathers bits src[off+idx[i]] into a new bitmap.
func takeBits(src *memory.Buffer, off int, idx []int32, mem memory.Allocator) *memory.Buffer {
	out := newBuf(mem, int(bitutil.BytesForBits(int64(len(idx)))))
	dst := out.Bytes()
	clear(dst)
	in := src.Bytes()
	for i, j := range idx {
		k := off + int(j)
		if in[k>>3]&(1<<(k&7)) != 0 {
			dst[i>>3] |= 1 << (i & 7)
		}
	}
	return out
}

// takeFixed gathers values of width w bytes from buffer 1.
func takeFixed(data arrow.ArrayData, w int, idx []int32, mem memory.Allocator) (*memory.Buffer, error) {
	src := data.Buffers()[1]
	need := (data.Offset() + data.Len()) * w
	if src == nil || src.Len() < need {
		return nil, fmt.Errorf("take %s: value buffer holds %d bytes, %d needed", data.DataType(), bufLen(src), need)
	}
	out := uninit.Buffer(mem, len(idx)*w)
	in := src.Bytes()[data.Offset()*w : need]
	dst := out.Bytes()
	switch w {
	case 1:
		gather(dst, in, idx)
	case 2:
		gather(arrow.GetData[uint16](dst), arrow.GetData[uint16](in), idx)
	case 4:
		gather(arrow.GetData[uint32](dst), arrow.GetData[uint32](in), idx)
	case 8:
		gather(arrow.GetData[uint64](dst), arrow.GetData[uint64](in), idx)
	default:
		for i, j := range idx {
			copy(dst[i*w:(i+1)*w], in[int(j)*w:])
		}
	}
	return out, nil
}

func bufLen(b *memory.Buffer) int {
	if b == nil {
		return 0
	}
	return b.Len()
}

// gather is dst[i] = src[idx[i]].
func gather[T uint8 | uint16 | uint32 | uint64](dst, src []T, idx []int32) {
	dst = dst[:len(idx)]
	for i, j := range idx {
		dst[i] = src[j]
	}
}

// takeBinary gathers a variable-length column with offsets of type O.
func takeBinary[O int32 | int64](data arrow.ArrayData, idx []int32, mem memory.Allocator) (*memory.Buffer, *memory.Buffer) {
	offs := arrow.GetOffsets[O](data, 1)
	var total O
	for _, j := range idx {
		total += offs[j+1] - offs[j]
	}
	var zero O
	w := int(unsafe.Sizeof(zero))
	ob := newBuf(mem, (len(idx)+1)*w)
	vb := newBuf(mem, int(total))
	out := arrow.GetData[O](ob.Bytes())[:len(idx)+1]
	var in []byte
	if b := data.Buffers()[2]; b != nil {
		in = b.Bytes()
	}
	dst := vb.Bytes()
	var pos O
	out[0] = 0
	for i, j := range idx {
		s, e := offs[j], offs[j+1]
		copy(dst[pos:], in[s:e])
		pos += e - s
		out[i+1] = pos
	}
	return ob, vb
}
