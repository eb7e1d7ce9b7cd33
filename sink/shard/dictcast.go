package shard

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FileSchema returns the schema of a file written from batches of schema,
// in either format: each top-level dictionary<int*, utf8> column becomes
// utf8 and dictionary<int*, large_utf8> becomes large_utf8 (see the package
// doc); any other dictionary column, or a dictionary nested in a list, map
// or struct, is refused. Other columns are unchanged.
func FileSchema(schema *arrow.Schema) (*arrow.Schema, error) {
	if schema == nil {
		return nil, fmt.Errorf("sink: nil schema")
	}
	fields := make([]arrow.Field, schema.NumFields())
	changed := false
	for i, f := range schema.Fields() {
		fields[i] = f
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			switch dt.ValueType.ID() {
			case arrow.STRING:
				fields[i].Type = arrow.BinaryTypes.String
			case arrow.LARGE_STRING:
				fields[i].Type = arrow.BinaryTypes.LargeString
			default:
				return nil, fmt.Errorf("column %q: dictionary of %s cannot be written to a shard; allowed: dictionary of utf8 or large_utf8", f.Name, dt.ValueType)
			}
			changed = true
			continue
		}
		if nestedDict(f.Type) {
			return nil, fmt.Errorf("column %q (%s): a dictionary nested in a list, map or struct cannot be written to a shard; use a top-level column", f.Name, f.Type)
		}
	}
	if !changed {
		return schema, nil
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// nestedDict reports whether dt contains a dictionary type anywhere.
func nestedDict(dt arrow.DataType) bool {
	if dt.ID() == arrow.DICTIONARY {
		return true
	}
	if n, ok := dt.(arrow.NestedType); ok {
		for _, f := range n.Fields() {
			if nestedDict(f.Type) {
				return true
			}
		}
	}
	return false
}

// decodeDictStrings returns a plain utf8 (or large_utf8) array with the
// values of a dictionary<int*, utf8|large_utf8> array (+1: the caller
// releases it). A slot is null when its index or its dictionary entry is
// null. It fails on an index outside the dictionary.
func decodeDictStrings(mem memory.Allocator, arr *array.Dictionary) (arrow.Array, error) {
	switch d := arr.Dictionary().(type) {
	case *array.String:
		return decodeByIndex(mem, arr, d.ValueOffsets(), d.Data(), arrow.BinaryTypes.String)
	case *array.LargeString:
		return decodeByIndex(mem, arr, d.ValueOffsets(), d.Data(), arrow.BinaryTypes.LargeString)
	default:
		return nil, fmt.Errorf("dictionary of %s: allowed: dictionary of utf8 or large_utf8", arr.Dictionary().DataType())
	}
}

// decodeByIndex dispatches once on the index type.
func decodeByIndex[O int32 | int64](mem memory.Allocator, arr *array.Dictionary, offs []O, dict arrow.ArrayData, dt arrow.DataType) (arrow.Array, error) {
	switch idx := arr.Indices().(type) {
	case *array.Int8:
		return gatherStrings(mem, idx.Int8Values(), arr.Data(), offs, dict, dt)
	case *array.Uint8:
		return gatherStrings(mem, idx.Uint8Values(), arr.Data(), offs, dict, dt)
	case *array.Int16:
		return gatherStrings(mem, idx.Int16Values(), arr.Data(), offs, dict, dt)
	case *array.Uint16:
		return gatherStrings(mem, idx.Uint16Values(), arr.Data(), offs, dict, dt)
	case *array.Int32:
		return gatherStrings(mem, idx.Int32Values(), arr.Data(), offs, dict, dt)
	case *array.Uint32:
		return gatherStrings(mem, idx.Uint32Values(), arr.Data(), offs, dict, dt)
	case *array.Int64:
		return gatherStrings(mem, idx.Int64Values(), arr.Data(), offs, dict, dt)
	case *array.Uint64:
		return gatherStrings(mem, idx.Uint64Values(), arr.Data(), offs, dict, dt)
	default:
		return nil, fmt.Errorf("dictionary index type %s: allowed: signed or unsigned integers", arr.Indices().DataType())
	}
}

type indexT interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64
}

// gatherStrings copies dict[idx[i]] into a new string array. offs are the
// dictionary's value offsets (len(dict)+1, absolute into its data buffer).
// Two passes: sizes and nulls, then copies; a fast path when neither the
// indices nor the dictionary have nulls.
func gatherStrings[I indexT, O int32 | int64](mem memory.Allocator, idx []I, idxData arrow.ArrayData, offs []O, dict arrow.ArrayData, dt arrow.DataType) (arrow.Array, error) {
	n := len(idx)
	ndict := uint64(dict.Len())
	var data []byte
	if bufs := dict.Buffers(); len(bufs) > 2 && bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	idxBits, idxOff := validityOf(idxData)
	dictBits, dictOff := validityOf(dict)
	noNulls := idxBits == nil && dictBits == nil

	// Pass 1: bounds, output size, nulls.
	var total int64
	nulls := 0
	if noNulls {
		for _, v := range idx {
			if uint64(v) >= ndict {
				return nil, fmt.Errorf("dictionary index %d out of range [0, %d)", int64(v), ndict)
			}
			total += int64(offs[v+1] - offs[v])
		}
	} else {
		for i, v := range idx {
			if idxBits != nil && !bitutil.BitIsSet(idxBits, idxOff+i) {
				nulls++
				continue
			}
			if uint64(v) >= ndict {
				return nil, fmt.Errorf("dictionary index %d out of range [0, %d)", int64(v), ndict)
			}
			if dictBits != nil && !bitutil.BitIsSet(dictBits, dictOff+int(v)) {
				nulls++
				continue
			}
			total += int64(offs[v+1] - offs[v])
		}
	}
	var zero O
	if _, small := any(zero).(int32); small && total > math.MaxInt32 {
		return nil, fmt.Errorf("dictionary column decodes to %d bytes in one batch; utf8 allows at most %d (use smaller batches)", total, math.MaxInt32)
	}

	offBuf := memory.NewResizableBuffer(mem)
	defer offBuf.Release()
	offBuf.Resize((n + 1) * offsetWidth(zero))
	outOffs := arrow.GetData[O](offBuf.Bytes())[: n+1 : n+1]
	dataBuf := memory.NewResizableBuffer(mem)
	defer dataBuf.Release()
	dataBuf.Resize(int(total))
	out := dataBuf.Bytes()[:total]

	// Pass 2: copy.
	var valid *memory.Buffer
	pos := O(0)
	outOffs[0] = 0
	if noNulls || nulls == 0 {
		for i, v := range idx {
			if idxBits == nil || bitutil.BitIsSet(idxBits, idxOff+i) {
				pos += O(copy(out[pos:], data[offs[v]:offs[v+1]]))
			}
			outOffs[i+1] = pos
		}
	} else {
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(int(bitutil.BytesForBits(int64(n))))
		vb := valid.Bytes()
		clear(vb)
		for i, v := range idx {
			ok := idxBits == nil || bitutil.BitIsSet(idxBits, idxOff+i)
			ok = ok && (dictBits == nil || bitutil.BitIsSet(dictBits, dictOff+int(v)))
			if ok {
				bitutil.SetBit(vb, i)
				pos += O(copy(out[pos:], data[offs[v]:offs[v+1]]))
			}
			outOffs[i+1] = pos
		}
	}
	ad := array.NewData(dt, n, []*memory.Buffer{valid, offBuf, dataBuf}, nil, nulls, 0)
	defer ad.Release()
	return array.MakeFromData(ad), nil
}

// validityOf returns the validity bitmap and bit offset of d, or nil when
// d has no nulls.
func validityOf(d arrow.ArrayData) ([]byte, int) {
	if d.NullN() == 0 || len(d.Buffers()) == 0 || d.Buffers()[0] == nil {
		return nil, 0
	}
	return d.Buffers()[0].Bytes(), d.Offset()
}

// offsetWidth is the byte width of an offset type.
func offsetWidth[O int32 | int64](z O) int {
	if _, ok := any(z).(int32); ok {
		return 4
	}
	return 8
}
