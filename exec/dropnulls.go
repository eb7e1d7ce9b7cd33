package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/expr"
)

// DropNulls is an operator that removes the rows with a null in any of its
// columns (`fill: drop`) and counts them, per column and in total (a row
// null in two columns counts once in the total and once per column).
type DropNulls interface {
	Operator
	Dropped() int64
	DroppedBy() map[string]int64
}

type dropNulls struct {
	lender
	child   Operator
	sel     *NullSelector
	mem     memory.Allocator
	dropped int64
}

var _ Operator = (*dropNulls)(nil)

// NewDropNulls drops the rows of child's batches with nulls in cols.
func NewDropNulls(child Operator, cols []string, mem memory.Allocator) DropNulls {
	return &dropNulls{child: child, sel: NewNullSelector(cols), mem: mem}
}

func (d *dropNulls) Open(ctx context.Context) error { return d.child.Open(ctx) }
func (d *dropNulls) Schema() *arrow.Schema          { return d.child.Schema() }
func (d *dropNulls) Dropped() int64                 { return d.dropped }
func (d *dropNulls) DroppedBy() map[string]int64    { return d.sel.DroppedBy() }

func (d *dropNulls) Next(ctx context.Context) (arrow.RecordBatch, error) {
	d.drop()
	in, err := d.child.Next(ctx)
	if err != nil || in == nil {
		return nil, err
	}
	keep, err := d.sel.mask(in)
	if err != nil {
		return nil, err
	}
	if keep == nil {
		in.Retain()
		return d.lend(in), nil
	}
	bb := array.NewBooleanBuilder(d.mem)
	defer bb.Release()
	bb.AppendValues(keep, nil)
	mask := bb.NewBooleanArray()
	defer mask.Release()
	out, err := expr.Filter(in, mask, d.mem)
	if err != nil {
		return nil, err
	}
	d.dropped += in.NumRows() - out.NumRows()
	return d.lend(out), nil
}

func (d *dropNulls) Close() error {
	d.drop()
	return d.child.Close()
}

// resizeBools returns n true values, reusing s.
func resizeBools(s []bool, n int) []bool {
	if cap(s) < n {
		s = make([]bool, n)
	}
	s = s[:n]
	for i := range s {
		s[i] = true
	}
	return s
}
