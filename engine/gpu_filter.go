package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/expr"
)

// gpuFilter is the Filter operator on the GPU engine: the device evaluates
// the compiled program and compacts the selected row numbers; the rows are
// then taken on the host. A batch the device cannot take (out of memory
// after splitting) is filtered by the CPU expression: the same rows.
type gpuFilter struct {
	child   exec.Operator
	k       *gpu.Kernels
	prog    *gpu.FilterProgram
	pred    *expr.Bound
	mem     memory.Allocator
	sel     []int32
	out     arrow.RecordBatch
	removed int64
}

func newGPUFilter(child exec.Operator, k *gpu.Kernels, prog *gpu.FilterProgram, pred *expr.Bound, mem memory.Allocator) *gpuFilter {
	return &gpuFilter{child: child, k: k, prog: prog, pred: pred, mem: mem}
}

func (f *gpuFilter) Open(ctx context.Context) error { return f.child.Open(ctx) }
func (f *gpuFilter) Schema() *arrow.Schema          { return f.child.Schema() }
func (f *gpuFilter) Removed() int64                 { return f.removed }

func (f *gpuFilter) drop() {
	if f.out != nil {
		f.out.Release()
		f.out = nil
	}
}

func (f *gpuFilter) Next(ctx context.Context) (arrow.RecordBatch, error) {
	f.drop()
	in, err := f.child.Next(ctx)
	if err != nil || in == nil {
		return nil, err
	}
	var out arrow.RecordBatch
	f.sel, err = f.k.Filter(f.prog, in, f.sel[:0])
	switch {
	case errors.Is(err, gpu.ErrFallback):
		if out, err = f.onCPU(in); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("filter: %w", err)
	case len(f.sel) == int(in.NumRows()):
		in.Retain()
		out = in
	default:
		if out, err = cpu.Take(in, f.sel, f.mem); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
	}
	f.removed += in.NumRows() - out.NumRows()
	f.out = out
	return out, nil
}

// onCPU filters one batch with the CPU expression.
func (f *gpuFilter) onCPU(in arrow.RecordBatch) (arrow.RecordBatch, error) {
	mask, err := f.pred.Eval(in, f.mem)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	defer mask.Release()
	bm, ok := mask.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter: predicate is %s, not bool", mask.DataType())
	}
	return expr.Filter(in, bm, f.mem)
}

func (f *gpuFilter) Close() error {
	f.drop()
	return f.child.Close()
}

// jobChecked is a GPU engine whose answers for some operator kinds also
// depend on the job (the filter expression, the aggregate functions), which
// the operator's input types cannot show: placement must not claim what
// the device will not run.
type jobChecked struct {
	exec.Engine
	declined map[exec.OpKind]string // kind -> reason
}

func (j jobChecked) Supports(op exec.OpKind, inputs []arrow.DataType) exec.Support {
	if r, ok := j.declined[op]; ok {
		return exec.Support{Reason: r}
	}
	return j.Engine.Supports(op, inputs)
}

// checkJob returns engines for planning: GPU engines decline Filter when
// the job's filter is outside what the device program covers, and
// PartialAggregate when a table is outside what the device aggregates
// exactly.
func checkJob(engines []exec.Engine, filter expr.Expr, schema *arrow.Schema, aggs []aggSpec) []exec.Engine {
	declined := map[exec.OpKind]string{}
	if filter != nil {
		if _, err := gpu.CompileFilter(filter, schema); err != nil {
			declined[exec.OpFilter] = err.Error()
		}
	}
	for _, a := range aggs {
		if err := deviceAggregates(a, schema); err != nil {
			declined[exec.OpAggregate] = err.Error()
			break
		}
	}
	if len(declined) == 0 {
		return engines
	}
	out := make([]exec.Engine, len(engines))
	for i, e := range engines {
		out[i] = e
		if e.Name() != (cpu.Engine{}).Name() {
			out[i] = jobChecked{Engine: e, declined: declined}
		}
	}
	return out
}

// deviceAggregates is nil when the GPU kernels aggregate table a exactly as
// the CPU engine does: one int64 or timestamp key (GroupAggregateSupport)
// and only functions whose merge of per-batch partials is exact (counts,
// min, max, sums of integers). Float sums and mean/std/var would merge in
// a different order than the CPU's running state and differ in the last
// bits.
func deviceAggregates(a aggSpec, schema *arrow.Schema) error {
	if err := gpu.GroupAggregateSupport(a.by, a.specs, schema); err != nil {
		return err
	}
	for _, s := range a.specs {
		switch s.Func {
		case "count", "min", "max":
			continue
		case "sum":
			if idx := schema.FieldIndices(s.Column); len(idx) > 0 && schema.Field(idx[0]).Type.ID() == arrow.INT64 {
				continue
			}
		}
		return fmt.Errorf("%s(%s) stays on the CPU engine: per-batch device partials of floating-point sums merge in another order and would differ in the last bits", s.Func, s.Column)
	}
	return nil
}
