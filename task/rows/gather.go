package rows

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/perm"
	"github.com/sluice-ml/sluice/exec/gather"
)

// GatherRows builds a batch of rows picked across batches: in one copy
// when the columns allow (exec/gather), else by taking each batch's rows
// and putting them in order.
func GatherRows(schema *arrow.Schema, batches []arrow.RecordBatch, bi, ri []int32, mem memory.Allocator) (arrow.RecordBatch, error) {
	if gather.Supported(schema) {
		out, err := gather.Rows(schema, batches, bi, ri, mem)
		if !errors.Is(err, gather.ErrUnsupported) {
			return out, err
		}
	}
	// Take every source batch's rows (in pick order), concatenate, then
	// put them back in pick order.
	n := len(bi)
	order := make([]int32, n) // position in the concatenation -> pick
	byBatch := make([][]int32, len(batches))
	for i, b := range bi {
		byBatch[b] = append(byBatch[b], int32(i))
	}
	var parts []arrow.RecordBatch
	pos := 0
	for b, picks := range byBatch {
		if len(picks) == 0 {
			continue
		}
		rows := make([]int32, len(picks))
		for i, q := range picks {
			rows[i] = ri[q]
			order[q] = int32(pos + i)
		}
		pos += len(picks)
		t, err := perm.Take(batches[b], rows, mem)
		if err != nil {
			for _, x := range parts {
				x.Release()
			}
			return nil, err
		}
		parts = append(parts, t)
	}
	all, err := ConcatConsume(schema, parts, mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	return perm.Take(all, order, mem)
}

// ConcatConsume concatenates batches column by column (+1), releasing each
// input column once it is copied, so the rows are held about once.
func ConcatConsume(schema *arrow.Schema, batches []arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	var n int64
	cols := make([][]arrow.Array, schema.NumFields())
	for i := range cols {
		cols[i] = make([]arrow.Array, len(batches))
	}
	for bi, b := range batches {
		n += b.NumRows()
		for i := range cols {
			c := b.Column(i)
			c.Retain()
			cols[i][bi] = c
		}
		b.Release()
	}
	out := make([]arrow.Array, len(cols))
	release := func() {
		for _, cs := range cols {
			for _, c := range cs {
				if c != nil {
					c.Release()
				}
			}
		}
		for _, c := range out {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, parts := range cols {
		var err error
		if len(parts) == 0 {
			out[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, 0)
		} else if out[i], err = array.Concatenate(parts, mem); err != nil {
			release()
			return nil, err
		}
		for _, c := range parts {
			c.Release()
		}
		cols[i] = nil
	}
	rec := array.NewRecordBatch(schema, out, n)
	for _, c := range out {
		c.Release()
	}
	return rec, nil
}
