package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
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
		d, err := eval.Take(mem, col.Data(), sel)
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
	vals, off := eval.BoolBits(mask)
	keep := eval.NewBitmap(mem, n)
	defer keep.Release()
	kb := keep.Bytes()
	bitutil.CopyBitmap(vals, off, n, kb, 0)
	if eval.HasNulls(mask) {
		bitutil.BitmapAnd(kb, mask.NullBitmapBytes(), 0, int64(off), kb, 0, int64(n))
	}
	count := bitutil.CountSetBits(kb, 0, n)
	buf, sel := eval.NewValues[int32](mem, count)
	j := 0
	for i := range n {
		if kb[i>>3]&(1<<(i&7)) != 0 {
			sel[j] = int32(i)
			j++
		}
	}
	return buf, sel
}
