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

// filterChecked is a GPU engine whose Filter answer also depends on the
// job's filter expression: the device runs only the subset CompileFilter
// takes, so placement must not claim the rest.
type filterChecked struct {
	exec.Engine
	reason string
}

func (f filterChecked) Supports(op exec.OpKind, inputs []arrow.DataType) exec.Support {
	if op == exec.OpFilter && f.reason != "" {
		return exec.Support{Reason: f.reason}
	}
	return f.Engine.Supports(op, inputs)
}

// checkFilter returns engines for planning: GPU engines decline Filter,
// with the compiler's reason, when the job's filter is outside what the
// device program covers.
func checkFilter(engines []exec.Engine, filter expr.Expr, schema *arrow.Schema) []exec.Engine {
	if filter == nil {
		return engines
	}
	out := make([]exec.Engine, len(engines))
	for i, e := range engines {
		out[i] = e
		if e.Name() == (cpu.Engine{}).Name() {
			continue
		}
		if _, err := gpu.CompileFilter(filter, schema); err != nil {
			out[i] = filterChecked{Engine: e, reason: err.Error()}
		}
	}
	return out
}
