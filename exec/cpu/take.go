package cpu

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
	defer func() { releaseAll(cols) }()
	for c := 0; c < int(batch.NumCols()); c++ {
		arr, err := takeColumn(batch.Column(c), perm, mem)
		if err != nil {
			return nil, fmt.Errorf("take: column %q: %w", batch.Schema().Field(c).Name, err)
		}
		cols = append(cols, arr)
	}
	return newBatch(batch.Schema(), cols, int64(len(perm)))
}

func takeColumn(col arrow.Array, perm []int32, mem memory.Allocator) (arrow.Array, error) {
	n := len(perm)
	switch a := col.(type) {
	case *array.Int64, *array.Timestamp:
		b := newOutBuf(mem, col.DataType(), n, 8)
		gatherInto(b.int64s(), int64Values(a), perm)
		takeValidity(b, mem, col, perm)
		return b.finish(), nil
	case *array.Float64:
		b := newOutBuf(mem, col.DataType(), n, 8)
		gatherInto(b.float64s(), a.Float64Values(), perm)
		takeValidity(b, mem, col, perm)
		return b.finish(), nil
	case *array.Int32:
		b := newOutBuf(mem, col.DataType(), n, 4)
		gatherInto(b.int32s(), a.Int32Values(), perm)
		takeValidity(b, mem, col, perm)
		return b.finish(), nil
	case *array.Float32:
		b := newOutBuf(mem, col.DataType(), n, 4)
		gatherInto(b.float32s(), a.Float32Values(), perm)
		takeValidity(b, mem, col, perm)
		return b.finish(), nil
	case *array.Boolean:
		b := newOutBuf(mem, col.DataType(), 0, 0)
		b.n = n
		b.values.Resize(int(bitutil.BytesForBits(int64(n))))
		bits := b.values.Bytes()
		clear(bits)
		if n == 0 {
			return b.finish(), nil
		}
		src := a.Data().Buffers()[1].Bytes()
		off := a.Data().Offset()
		for i, p := range perm {
			if bitutil.BitIsSet(src, off+int(p)) {
				bitutil.SetBit(bits, i)
			}
		}
		takeValidity(b, mem, col, perm)
		return b.finish(), nil
	case *array.Dictionary:
		if kindOf(col.DataType()) != kStr {
			break
		}
		idx := a.Indices().(*array.Int32)
		b := newOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
		gatherInto(b.int32s(), idx.Int32Values(), perm)
		takeValidity(b, mem, col, perm)
		indices := b.finish()
		defer indices.Release()
		return array.NewDictionaryArray(col.DataType(), indices, a.Dictionary()), nil
	}
	ctx := compute.WithAllocator(context.Background(), mem)
	b := newOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
	copy(b.int32s(), perm)
	ix := b.finish()
	defer ix.Release()
	return compute.TakeArray(ctx, col, ix)
}

func gatherInto[T any](dst, src []T, perm []int32) {
	for i, p := range perm {
		dst[i] = src[p]
	}
}

// takeValidity gathers col's validity bits through perm into b.
func takeValidity(b *outBuf, mem memory.Allocator, col arrow.Array, perm []int32) {
	if col.NullN() == 0 {
		return
	}
	b.valid = memory.NewResizableBuffer(mem)
	b.valid.Resize(int(bitutil.BytesForBits(int64(len(perm)))))
	bm := b.valid.Bytes()
	clear(bm)
	src := col.NullBitmapBytes()
	off := col.Data().Offset()
	nulls := 0
	for i, p := range perm {
		if bitutil.BitIsSet(src, off+int(p)) {
			bitutil.SetBit(bm, i)
		} else {
			nulls++
		}
	}
	b.nulls = nulls
}
