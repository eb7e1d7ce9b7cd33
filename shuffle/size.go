package shuffle

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// footprint is the bytes of every buffer rec references (children and
// dictionaries included): what keeping rec alive costs.
func footprint(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataFootprint(c.Data())
	}
	return n
}

func dataFootprint(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataFootprint(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
			n += dataFootprint(dict)
		}
	}
	return n
}

// neededBytes estimates the bytes of rec's rows alone (a slice counts the
// rows it covers, not its parent's buffers); dictionaries count in full.
// Types other than fixed-width, boolean, binary and dictionary count their
// whole buffers.
func neededBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataNeeded(c.Data())
	}
	return n
}

func dataNeeded(d arrow.ArrayData) int64 {
	rows := int64(d.Len())
	bitmap := int64(0)
	if d.NullN() != 0 {
		bitmap = bitutil.BytesForBits(rows)
	}
	switch t := d.DataType().(type) {
	case *arrow.DictionaryType:
		return bitmap + rows*int64(t.IndexType.(arrow.FixedWidthDataType).BitWidth()/8) + dataFootprint(d.Dictionary())
	case *arrow.BooleanType:
		return bitmap + bitutil.BytesForBits(rows)
	case *arrow.StringType, *arrow.BinaryType:
		if rows == 0 {
			return 0
		}
		offs := arrow.GetOffsets[int32](d, 1)
		return bitmap + 4*(rows+1) + int64(offs[rows]-offs[0])
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		if rows == 0 {
			return 0
		}
		offs := arrow.GetOffsets[int64](d, 1)
		return bitmap + 8*(rows+1) + offs[rows] - offs[0]
	case arrow.FixedWidthDataType:
		if len(d.Buffers()) == 2 && len(d.Children()) == 0 && t.BitWidth()%8 == 0 {
			return bitmap + rows*int64(t.BitWidth()/8)
		}
	}
	return dataFootprint(d)
}
