package serving

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dictString is the engine's canonical string type.
var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// canonical returns col in an engine type (+1: the caller releases it):
// canonical columns are returned as is; utf8 and large utf8 become
// dictionary<int32, utf8>; int8..int32 and uint8..uint32 become int64;
// float32 becomes float64. Other types are returned unchanged, for the
// kernels to refuse with the list of allowed types.
func canonical(col arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	switch c := col.(type) {
	case *array.String:
		return encodeDict(c.Len(), c.IsNull, c.Value, mem)
	case *array.LargeString:
		return encodeDict(c.Len(), c.IsNull, c.Value, mem)
	case *array.Int8:
		return widenInt(c, c.Int8Values(), mem), nil
	case *array.Int16:
		return widenInt(c, c.Int16Values(), mem), nil
	case *array.Int32:
		return widenInt(c, c.Int32Values(), mem), nil
	case *array.Uint8:
		return widenInt(c, c.Uint8Values(), mem), nil
	case *array.Uint16:
		return widenInt(c, c.Uint16Values(), mem), nil
	case *array.Uint32:
		return widenInt(c, c.Uint32Values(), mem), nil
	case *array.Float32:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Resize(c.Len())
		vals := c.Float32Values()
		out := make([]float64, len(vals))
		for i, v := range vals {
			out[i] = float64(v)
		}
		b.AppendValues(out, validBools(c))
		return b.NewArray(), nil
	case *array.Dictionary:
		if !arrow.TypeEqual(c.DataType(), dictString) {
			return nil, fmt.Errorf("dictionary type %s (allowed: dictionary<int32, utf8>)", c.DataType())
		}
	}
	col.Retain()
	return col, nil
}

// widenInt copies an integer column into int64.
func widenInt[T int8 | int16 | int32 | uint8 | uint16 | uint32](col arrow.Array, vals []T, mem memory.Allocator) arrow.Array {
	out := make([]int64, len(vals))
	for i, v := range vals {
		out[i] = int64(v)
	}
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(out, validBools(col))
	return b.NewArray()
}

// validBools is the validity of col as bools, nil when it has no nulls.
func validBools(col arrow.Array) []bool {
	if col.NullN() == 0 {
		return nil
	}
	v := make([]bool, col.Len())
	for i := range v {
		v[i] = col.IsValid(i)
	}
	return v
}

// encodeDict dictionary-encodes a string column (first-seen order).
func encodeDict(n int, isNull func(int) bool, value func(int) string, mem memory.Allocator) (arrow.Array, error) {
	ids := map[string]int32{}
	var dict []string
	idx := make([]int32, n)
	valid := make([]bool, n)
	nulls := 0
	for i := 0; i < n; i++ {
		if isNull(i) {
			nulls++
			continue
		}
		valid[i] = true
		s := value(i)
		id, ok := ids[s]
		if !ok {
			id = int32(len(dict))
			ids[s] = id
			dict = append(dict, s)
		}
		idx[i] = id
	}
	if nulls == 0 {
		valid = nil
	}
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.AppendValues(idx, valid)
	indices := ib.NewArray()
	defer indices.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(dict, nil)
	d := sb.NewArray()
	defer d.Release()
	return array.NewDictionaryArray(dictString, indices, d), nil
}
