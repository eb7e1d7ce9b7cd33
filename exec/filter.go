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
	pred    *expr.Bound
	mem     memory.Allocator
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
	return &filter{child: child, pred: pred, mem: mem}
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
	mask, err := f.pred.Eval(in, f.mem)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	defer mask.Release()
	bm, ok := mask.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter: predicate is %s, not bool", mask.DataType())
	}
	out, err := expr.Filter(in, bm, f.mem)
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
