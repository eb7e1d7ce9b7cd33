package serving

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/expr"
)

// withDerived returns raw with the job's derived columns appended (+1),
// computed exactly as the scan computes them: every raw column in its
// canonical type, then each expression in job order (a later one may use an
// earlier one). A derived column the raw rows already carry is kept as given.
func (t *Transformer) withDerived(raw arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	if len(t.Manifest.Derived) == 0 {
		raw.Retain()
		return raw, nil
	}
	n := raw.NumRows()
	var fields []arrow.Field
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i, f := range raw.Schema().Fields() {
		c, err := canonical(raw.Column(i), mem)
		if err != nil {
			return nil, fmt.Errorf("serving: column %s: %w", f.Name, err)
		}
		fields = append(fields, arrow.Field{Name: f.Name, Type: c.DataType(), Nullable: true})
		cols = append(cols, c)
	}
	for _, d := range t.Manifest.Derived {
		if len(arrow.NewSchema(fields, nil).FieldIndices(d.Name)) > 0 {
			continue
		}
		e, err := expr.Parse(d.Expr)
		if err != nil {
			return nil, fmt.Errorf("serving: derived column %s = %s: %w", d.Name, d.Expr, err)
		}
		schema := arrow.NewSchema(fields, nil)
		b, err := expr.Bind(e, schema)
		if err != nil {
			return nil, fmt.Errorf("serving: derived column %s = %s: %w", d.Name, d.Expr, err)
		}
		cur := array.NewRecordBatch(schema, cols, n)
		c, err := b.Eval(cur, mem)
		cur.Release()
		if err != nil {
			return nil, fmt.Errorf("serving: derived column %s = %s: %w", d.Name, d.Expr, err)
		}
		fields = append(fields, arrow.Field{Name: d.Name, Type: c.DataType(), Nullable: true})
		cols = append(cols, c)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n), nil
}
