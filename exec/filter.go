package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/expr"
)

// filter keeps the rows of its child's batches where the predicate is true
// (null counts as false), and counts the rows it removes.
type filter struct {
	lender
	child   Operator
	run     func(arrow.RecordBatch) (arrow.RecordBatch, error)
	removed int64
}

var _ Operator = (*filter)(nil)

// Filter is an operator that filters rows and reports how many it removed.
type Filter interface {
	Operator
	Removed() int64
}

// NewFilter filters child's batches by a bool predicate.
func NewFilter(child Operator, pred *expr.Bound, mem memory.Allocator) Filter {
	return &filter{child: child, run: func(in arrow.RecordBatch) (arrow.RecordBatch, error) {
		return FilterBatch(pred, in, mem)
	}}
}

// NewFilterWith filters child's batches with run, which returns the kept
// rows of one batch (+1 reference; it may be the input batch retained).
func NewFilterWith(child Operator, run func(arrow.RecordBatch) (arrow.RecordBatch, error)) Filter {
	return &filter{child: child, run: run}
}

// FilterBatch keeps the rows of in where pred is true (null counts as
// false).
func FilterBatch(pred *expr.Bound, in arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	mask, err := pred.Eval(in, mem)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	defer mask.Release()
	bm, ok := mask.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter: predicate is %s, not bool", mask.DataType())
	}
	return expr.Filter(in, bm, mem)
}

func (f *filter) Open(ctx context.Context) error { return f.child.Open(ctx) }
func (f *filter) Schema() *arrow.Schema          { return f.child.Schema() }
func (f *filter) Removed() int64                 { return f.removed }

func (f *filter) Next(ctx context.Context) (arrow.RecordBatch, error) {
	f.drop()
	in, err := f.child.Next(ctx)
	if err != nil || in == nil {
		return nil, err
	}
	out, err := f.run(in)
	if err != nil {
		return nil, err
	}
	f.removed += in.NumRows() - out.NumRows()
	return f.lend(out), nil
}

func (f *filter) Close() error {
	f.drop()
	return f.child.Close()
}
