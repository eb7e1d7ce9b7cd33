package shuffle

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// compactDict returns a dictionary array equal in values to arr whose
// dictionary holds only the entries arr's rows use, in their original
// dictionary order. It returns arr itself (retained) when every entry is
// used. An index outside the dictionary is an error.
func compactDict(arr *array.Dictionary, mem memory.Allocator) (arrow.Array, error) {
	data := arr.Data()
	dt := arr.DataType().(*arrow.DictionaryType)
	dictLen := data.Dictionary().Len()
	remap := make([]int32, dictLen)
	var valid []byte
	if arr.NullN() > 0 && data.Buffers()[0] != nil {
		valid = data.Buffers()[0].Bytes()
	}
	w := dt.IndexType.(arrow.FixedWidthDataType).BitWidth() / 8
	var err error
	switch dt.IndexType.ID() {
	case arrow.INT8:
		err = markUsed(arrow.GetValues[int8](data, 1), valid, data.Offset(), remap)
	case arrow.UINT8:
		err = markUsed(arrow.GetValues[uint8](data, 1), valid, data.Offset(), remap)
	case arrow.INT16:
		err = markUsed(arrow.GetValues[int16](data, 1), valid, data.Offset(), remap)
	case arrow.UINT16:
		err = markUsed(arrow.GetValues[uint16](data, 1), valid, data.Offset(), remap)
	case arrow.INT32:
		err = markUsed(arrow.GetValues[int32](data, 1), valid, data.Offset(), remap)
	case arrow.UINT32:
		err = markUsed(arrow.GetValues[uint32](data, 1), valid, data.Offset(), remap)
	case arrow.INT64:
		err = markUsed(arrow.GetValues[int64](data, 1), valid, data.Offset(), remap)
	case arrow.UINT64:
		err = markUsed(arrow.GetValues[uint64](data, 1), valid, data.Offset(), remap)
	default:
		return nil, fmt.Errorf("dictionary index type %s is not an integer type", dt.IndexType)
	}
	if err != nil {
		return nil, err
	}
	// Number the used entries in dictionary order.
	keep := make([]int32, 0, dictLen)
	for i, u := range remap {
		if u != 0 {
			remap[i] = int32(len(keep))
			keep = append(keep, int32(i))
		}
	}
	if len(keep) == dictLen {
		arr.Retain()
		return arr, nil
	}
	dict, err := take(arr.Dictionary(), keep, mem)
	if err != nil {
		return nil, err
	}
	defer dict.Release()
	ib := newBuf(mem, data.Len()*w)
	dst := ib.Bytes()
	switch dt.IndexType.ID() {
	case arrow.INT8:
		remapIdx(arrow.GetData[int8](dst), arrow.GetValues[int8](data, 1), valid, data.Offset(), remap)
	case arrow.UINT8:
		remapIdx(arrow.GetData[uint8](dst), arrow.GetValues[uint8](data, 1), valid, data.Offset(), remap)
	case arrow.INT16:
		remapIdx(arrow.GetData[int16](dst), arrow.GetValues[int16](data, 1), valid, data.Offset(), remap)
	case arrow.UINT16:
		remapIdx(arrow.GetData[uint16](dst), arrow.GetValues[uint16](data, 1), valid, data.Offset(), remap)
	case arrow.INT32:
		remapIdx(arrow.GetData[int32](dst), arrow.GetValues[int32](data, 1), valid, data.Offset(), remap)
	case arrow.UINT32:
		remapIdx(arrow.GetData[uint32](dst), arrow.GetValues[uint32](data, 1), valid, data.Offset(), remap)
	case arrow.INT64:
		remapIdx(arrow.GetData[int64](dst), arrow.GetValues[int64](data, 1), valid, data.Offset(), remap)
	case arrow.UINT64:
		remapIdx(arrow.GetData[uint64](dst), arrow.GetValues[uint64](data, 1), valid, data.Offset(), remap)
	}
	var vb *memory.Buffer
	if valid != nil {
		vb = newBuf(mem, int(bitutil.BytesForBits(int64(data.Len()))))
		bitutil.CopyBitmap(valid, data.Offset(), data.Len(), vb.Bytes(), 0)
	}
	out := array.NewDataWithDictionary(dt, data.Len(), []*memory.Buffer{vb, ib}, arr.NullN(), 0, dict.Data().(*array.Data))
	releaseBuf(vb)
	ib.Release()
	defer out.Release()
	return array.MakeFromData(out), nil
}

type index8to64 interface {
	int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64
}

// markUsed sets used[v] = 1 for every valid index v.
func markUsed[T index8to64](idx []T, valid []byte, off int, used []int32) error {
	n := uint64(len(used))
	if valid == nil {
		for _, v := range idx {
			if uint64(v) >= n {
				return fmt.Errorf("dictionary index %d outside the dictionary (%d entries)", v, n)
			}
			used[v] = 1
		}
		return nil
	}
	for i, v := range idx {
		k := off + i
		if valid[k>>3]&(1<<(k&7)) == 0 {
			continue
		}
		if uint64(v) >= n {
			return fmt.Errorf("dictionary index %d outside the dictionary (%d entries)", v, n)
		}
		used[v] = 1
	}
	return nil
}

// remapIdx is dst[i] = remap[idx[i]] for valid rows and 0 for null rows.
func remapIdx[T index8to64](dst, idx []T, valid []byte, off int, remap []int32) {
	dst = dst[:len(idx)]
	if valid == nil {
		for i, v := range idx {
			dst[i] = T(remap[v])
		}
		return
	}
	for i, v := range idx {
		k := off + i
		if valid[k>>3]&(1<<(k&7)) == 0 {
			dst[i] = 0
			continue
		}
		dst[i] = T(remap[v])
	}
}
