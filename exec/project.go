package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/expr"
)

// project appends computed columns to each batch of its child. Each
// expression may use the columns before it (earlier derived ones included).
type project struct {
	lender
	child  Operator
	names  []string
	exprs  []*expr.Bound
	mem    memory.Allocator
	schema *arrow.Schema
}

var _ Operator = (*project)(nil)

// NewProject appends columns names[i] = exprs[i] to child's batches.
func NewProject(child Operator, names []string, exprs []*expr.Bound, mem memory.Allocator) Operator {
	fields := append([]arrow.Field(nil), child.Schema().Fields()...)
	for i, e := range exprs {
		fields = append(fields, arrow.Field{Name: names[i], Type: e.Type(), Nullable: true})
	}
	return &project{child: child, names: names, exprs: exprs, mem: mem, schema: arrow.NewSchema(fields, nil)}
}

func (p *project) Open(ctx context.Context) error { return p.child.Open(ctx) }
func (p *project) Schema() *arrow.Schema          { return p.schema }

func (p *project) Next(ctx context.Context) (arrow.RecordBatch, error) {
	p.drop()
	in, err := p.child.Next(ctx)
	if err != nil || in == nil {
		return nil, err
	}
	cols := append([]arrow.Array(nil), in.Columns()...)
	var owned []arrow.Array
	defer func() {
		for _, c := range owned {
			c.Release()
		}
	}()
	n := in.NumRows()
	fields := append([]arrow.Field(nil), in.Schema().Fields()...)
	for i, e := range p.exprs {
		cur := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
		c, err := e.Eval(cur, p.mem)
		cur.Release()
		if err != nil {
			return nil, fmt.Errorf("columns.%s: %w", p.names[i], err)
		}
		owned = append(owned, c)
		cols = append(cols, c)
		fields = append(fields, arrow.Field{Name: p.names[i], Type: c.DataType(), Nullable: true})
	}
	return p.lend(array.NewRecordBatch(p.schema, cols, n)), nil
}

func (p *project) Close() error {
	p.drop()
	return p.child.Close()
}
