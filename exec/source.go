package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// SourceFunc produces the next batch (+1: the source takes it over), or nil
// at the end.
type SourceFunc func(ctx context.Context) (arrow.RecordBatch, error)

// source adapts a reader function to the Operator contract.
type source struct {
	lender
	schema *arrow.Schema
	next   SourceFunc
	close  func() error
	done   bool
	closed bool
}

var _ Operator = (*source)(nil)

// NewSource makes an operator of next; closeFn (may be nil) runs once at
// Close.
func NewSource(schema *arrow.Schema, next SourceFunc, closeFn func() error) Operator {
	return &source{schema: schema, next: next, close: closeFn}
}

func (s *source) Open(context.Context) error { return nil }
func (s *source) Schema() *arrow.Schema      { return s.schema }

func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	s.drop()
	if s.done || s.closed {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.next(ctx)
	if err != nil || b == nil {
		s.done = true
		return nil, err
	}
	return s.lend(b), nil
}

func (s *source) Close() error {
	s.drop()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.close != nil {
		return s.close()
	}
	return nil
}
