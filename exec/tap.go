package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// tap passes its child's batches through, showing each to fn first (for
// side outputs such as partial aggregates).
type tap struct {
	child Operator
	fn    func(arrow.RecordBatch) error
}

var _ Operator = (*tap)(nil)

// NewTap calls fn on every batch of child before passing it on unchanged;
// fn must not keep the batch without retaining it.
func NewTap(child Operator, fn func(arrow.RecordBatch) error) Operator {
	return &tap{child: child, fn: fn}
}

func (t *tap) Open(ctx context.Context) error { return t.child.Open(ctx) }
func (t *tap) Schema() *arrow.Schema          { return t.child.Schema() }
func (t *tap) Close() error                   { return t.child.Close() }

func (t *tap) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := t.child.Next(ctx)
	if err != nil || b == nil {
		return b, err
	}
	if err := t.fn(b); err != nil {
		return nil, err
	}
	return b, nil
}
