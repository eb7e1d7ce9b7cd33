package perm

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// Take returns a batch (+1) whose row i is row perm[i] of batch. Canonical
// columns are gathered in typed loops (dictionary columns keep their
// dictionary and gather indices); other types go through arrow's compute
// Take. Every perm entry must be in [0, rows).
func Take(batch arrow.RecordBatch, perm []int32, mem memory.Allocator) (arrow.RecordBatch, error) {
	rows := int(batch.NumRows())
	for _, p := range perm {
		if p < 0 || int(p) >= rows {
			return nil, fmt.Errorf("take: row %d out of range for a batch of %d rows", p, rows)
		}
	}
	cols := make([]arrow.Array, 0, batch.NumCols())
	defer func() { column.ReleaseAll(cols) }()
	for c := 0; c < int(batch.NumCols()); c++ {
		arr, err := takeColumn(batch.Column(c), perm, mem)
		if err != nil {
			return nil, fmt.Errorf("take: column %q: %w", batch.Schema().Field(c).Name, err)
		}
		cols = append(cols, arr)
	}
	return column.NewBatch(batch.Schema(), cols, int64(len(perm)))
}

func takeColumn(col arrow.Array, perm []int32, mem memory.Allocator) (arrow.Array, error) {
	n := len(perm)
	switch a := col.(type) {
	case *array.Int64, *array.Timestamp:
		b := column.NewOutBuf(mem, col.DataType(), n, 8)
		gatherInto(b.Int64s(), column.Int64Values(a), perm)
		b.GatherValidity(mem, col, perm)
		return b.Finish(), nil
	case *array.Float64:
		b := column.NewOutBuf(mem, col.DataType(), n, 8)
		gatherInto(b.Float64s(), a.Float64Values(), perm)
		b.GatherValidity(mem, col, perm)
		return b.Finish(), nil
	case *array.Int32:
		b := column.NewOutBuf(mem, col.DataType(), n, 4)
		gatherInto(b.Int32s(), a.Int32Values(), perm)
		b.GatherValidity(mem, col, perm)
		return b.Finish(), nil
	case *array.Float32:
		b := column.NewOutBuf(mem, col.DataType(), n, 4)
		gatherInto(b.Float32s(), a.Float32Values(), perm)
		b.GatherValidity(mem, col, perm)
		return b.Finish(), nil
	case *array.Boolean:
		b := column.NewBoolBuf(mem, col.DataType(), n)
		bits := b.Bits()
		if n == 0 {
			return b.Finish(), nil
		}
		src := a.Data().Buffers()[1].Bytes()
		off := a.Data().Offset()
		for i, p := range perm {
			if bitutil.BitIsSet(src, off+int(p)) {
				bitutil.SetBit(bits, i)
			}
		}
		b.GatherValidity(mem, col, perm)
		return b.Finish(), nil
	case *array.Dictionary:
		if column.TypeOf(col.DataType()) != column.TStr {
			break
		}
		idx := a.Indices().(*array.Int32)
		b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
		gatherInto(b.Int32s(), idx.Int32Values(), perm)
		b.GatherValidity(mem, col, perm)
		indices := b.Finish()
		defer indices.Release()
		return array.NewDictionaryArray(col.DataType(), indices, a.Dictionary()), nil
	}
	ctx := compute.WithAllocator(context.Background(), mem)
	b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
	copy(b.Int32s(), perm)
	ix := b.Finish()
	defer ix.Release()
	return compute.TakeArray(ctx, col, ix)
}

func gatherInto[T any](dst, src []T, perm []int32) {
	for i, p := range perm {
		dst[i] = src[p]
	}
}
