package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is a pull-based stage of a task pipeline.
//
// Open is idempotent and opens the children. Next returns the next batch,
// or nil, nil at the end; the batch is borrowed until the next call to Next
// or Close. Close is idempotent, safe without Open, and closes the children.
// Operators return errors; they never panic across operators.
type Operator interface {
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
	Schema() *arrow.Schema
}
