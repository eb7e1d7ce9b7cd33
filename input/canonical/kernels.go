package canonical

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// NewBuffer allocates a buffer of n bytes from mem (+1).
func NewBuffer(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// NewInt64s allocates n int64 values from mem (+1) and returns the buffer and its values.
func NewInt64s(mem memory.Allocator, n int) (*memory.Buffer, []int64) {
	b := NewBuffer(mem, n*8)
	return b, arrow.Int64Traits.CastFromBytes(b.Bytes())[:n]
}

// NewFloat64s allocates n float64 values from mem (+1) and returns the buffer and its values.
func NewFloat64s(mem memory.Allocator, n int) (*memory.Buffer, []float64) {
	b := NewBuffer(mem, n*8)
	return b, arrow.Float64Traits.CastFromBytes(b.Bytes())[:n]
}

// NewInt32s allocates n int32 values from mem (+1) and returns the buffer and its values.
func NewInt32s(mem memory.Allocator, n int) (*memory.Buffer, []int32) {
	b := NewBuffer(mem, n*4)
	return b, arrow.Int32Traits.CastFromBytes(b.Bytes())[:n]
}

// validity returns arr's validity bitmap starting at bit 0 (+1), or nil when
// arr has no nulls.
func validity(arr arrow.Array, mem memory.Allocator) *memory.Buffer {
	if arr.NullN() == 0 {
		return nil
	}
	d := arr.Data()
	src := d.Buffers()[0]
	if d.Offset() == 0 {
		src.Retain()
		return src
	}
	b := NewBuffer(mem, int(bitutil.BytesForBits(int64(d.Len()))))
	bitutil.CopyBitmap(src.Bytes(), d.Offset(), d.Len(), b.Bytes(), 0)
	return b
}

// MakeArray builds an array of type dt from a validity bitmap (may be nil)
// and a values buffer, taking over both references.
func MakeArray(dt arrow.DataType, n, nulls int, valid, values *memory.Buffer) arrow.Array {
	d := array.NewData(dt, n, []*memory.Buffer{valid, values}, nil, nulls, 0)
	if valid != nil {
		valid.Release()
	}
	values.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

type smallInt interface {
	~int8 | ~int16 | ~int32 | ~uint8 | ~uint16 | ~uint32
}

// widenInts converts a narrow integer column to int64. Null slots are
// converted too (their value is unspecified), so one loop serves both cases.
func widenInts[T smallInt](arr arrow.Array, vals []T, mem memory.Allocator) arrow.Array {
	buf, out := NewInt64s(mem, len(vals))
	for i, v := range vals {
		out[i] = int64(v)
	}
	return MakeArray(arrow.PrimitiveTypes.Int64, arr.Len(), arr.NullN(), validity(arr, mem), buf)
}

func uint64ToInt64(a *array.Uint64, mem memory.Allocator) (arrow.Array, error) {
	vals := a.Uint64Values()
	buf, out := NewInt64s(mem, len(vals))
	if a.NullN() == 0 {
		for i, v := range vals {
			if v > math.MaxInt64 {
				buf.Release()
				return nil, fmt.Errorf("uint64 value %d does not fit in int64", v)
			}
			out[i] = int64(v)
		}
	} else {
		for i, v := range vals {
			if v > math.MaxInt64 && a.IsValid(i) {
				buf.Release()
				return nil, fmt.Errorf("uint64 value %d does not fit in int64", v)
			}
			out[i] = int64(v)
		}
	}
	return MakeArray(arrow.PrimitiveTypes.Int64, a.Len(), a.NullN(), validity(a, mem), buf), nil
}

func float32To64(a *array.Float32, mem memory.Allocator) arrow.Array {
	vals := a.Float32Values()
	buf, out := NewFloat64s(mem, len(vals))
	for i, v := range vals {
		out[i] = float64(v)
	}
	return MakeArray(arrow.PrimitiveTypes.Float64, a.Len(), a.NullN(), validity(a, mem), buf)
}

type timeInt interface {
	~int32 | ~int64
}

// scaleInt64 converts time values to microseconds: v*mul, or floor(v/div).
func scaleInt64[T timeInt](arr arrow.Array, vals []T, mul, div int64, mem memory.Allocator) arrow.Array {
	buf, out := NewInt64s(mem, len(vals))
	if div == 1 {
		for i, v := range vals {
			out[i] = int64(v) * mul
		}
	} else {
		for i, v := range vals {
			q := int64(v) / div
			if int64(v)%div < 0 {
				q--
			}
			out[i] = q
		}
	}
	return MakeArray(arrow.FixedWidthTypes.Timestamp_us, arr.Len(), arr.NullN(), validity(arr, mem), buf)
}

// encodeStrings dictionary-encodes a utf8 or large utf8 column. The
// dictionary holds the distinct non-null values in first-seen order.
func encodeStrings[O int32 | int64](arr arrow.Array, offsets []O, data []byte, mem memory.Allocator) (arrow.Array, error) {
	n := arr.Len()
	ibuf, idx := NewInt32s(mem, n)
	seen := make(map[string]int32)
	var uniq []string
	base := offsets[0] // data starts at the first offset of a sliced array
	if arr.NullN() == 0 {
		for i := 0; i < n; i++ {
			b := data[offsets[i]-base : offsets[i+1]-base]
			id, ok := seen[string(b)]
			if !ok {
				id = int32(len(uniq))
				s := string(b)
				seen[s] = id
				uniq = append(uniq, s)
			}
			idx[i] = id
		}
	} else {
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				idx[i] = 0
				continue
			}
			b := data[offsets[i]-base : offsets[i+1]-base]
			id, ok := seen[string(b)]
			if !ok {
				id = int32(len(uniq))
				s := string(b)
				seen[s] = id
				uniq = append(uniq, s)
			}
			idx[i] = id
		}
	}
	indices := MakeArray(arrow.PrimitiveTypes.Int32, n, arr.NullN(), validity(arr, mem), ibuf)
	defer indices.Release()
	dict := StringArray(uniq, mem)
	defer dict.Release()
	return array.NewDictionaryArray(DictString, indices, dict), nil
}

// StringArray builds a utf8 array of the given values (+1).
func StringArray(vals []string, mem memory.Allocator) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

// canonicalDict converts a dictionary of strings to dictionary<int32, utf8>.
func canonicalDict(a *array.Dictionary, mem memory.Allocator) (arrow.Array, error) {
	dt := a.DataType().(*arrow.DictionaryType)
	if arrow.TypeEqual(dt, DictString) {
		return retained(a), nil
	}
	if !arrow.IsInteger(dt.IndexType.ID()) {
		return nil, fmt.Errorf("type %s is not supported (allowed: %s)", dt, allowedTypes)
	}
	var dict arrow.Array
	switch d := a.Dictionary().(type) {
	case *array.String:
		dict = retained(d)
	case *array.LargeString:
		offs := d.ValueOffsets()
		if offs[len(offs)-1] > math.MaxInt32 {
			return nil, fmt.Errorf("dictionary of %d bytes is too large for utf8", offs[len(offs)-1])
		}
		vals := make([]string, d.Len())
		for i := range vals {
			vals[i] = d.Value(i)
		}
		dict = StringArray(vals, mem)
	default:
		return nil, fmt.Errorf("type %s is not supported (allowed: %s)", dt, allowedTypes)
	}
	defer dict.Release()
	var indices arrow.Array
	switch ix := a.Indices().(type) {
	case *array.Int32:
		indices = retained(ix)
	case *array.Int8:
		indices = narrowIndices(ix, ix.Int8Values(), mem)
	case *array.Int16:
		indices = narrowIndices(ix, ix.Int16Values(), mem)
	case *array.Int64:
		indices = narrowIndices(ix, ix.Int64Values(), mem)
	case *array.Uint8:
		indices = narrowIndices(ix, ix.Uint8Values(), mem)
	case *array.Uint16:
		indices = narrowIndices(ix, ix.Uint16Values(), mem)
	case *array.Uint32:
		indices = narrowIndices(ix, ix.Uint32Values(), mem)
	case *array.Uint64:
		indices = narrowIndices(ix, ix.Uint64Values(), mem)
	default:
		return nil, fmt.Errorf("type %s is not supported (allowed: %s)", dt, allowedTypes)
	}
	defer indices.Release()
	return array.NewDictionaryArray(DictString, indices, dict), nil
}

type anyInt interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// narrowIndices converts dictionary indices to int32; valid indices are
// below the dictionary length, which is below 2^31.
func narrowIndices[T anyInt](arr arrow.Array, vals []T, mem memory.Allocator) arrow.Array {
	buf, out := NewInt32s(mem, len(vals))
	for i, v := range vals {
		out[i] = int32(v)
	}
	return MakeArray(arrow.PrimitiveTypes.Int32, arr.Len(), arr.NullN(), validity(arr, mem), buf)
}
