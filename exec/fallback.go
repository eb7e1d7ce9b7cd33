package exec

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/expr"
)

// Answers a device kernel gives instead of a result; callers classify them
// with errors.Is. Both mean "run this on the CPU engine": the one wrapper
// that does so is kernel.WithFallback.
var (
	// ErrFallback: the device could not run this batch (out of memory even
	// after splitting it). The CPU engine runs the batch; the count of such
	// batches per operator goes into the manifest.
	ErrFallback = errors.New("gpu: batch does not fit on the device, run it on the CPU")
	// ErrUnsupported: the device kernels do not implement this operation,
	// type or parameter at all; the CPU engine runs it.
	ErrUnsupported = errors.New("unsupported on the GPU")
	// ErrDeviceLost: the device hit a sticky error (its context is
	// unusable); it wraps ErrFallback, and the rest of the job runs on the
	// CPU engine. Reported once, whatever the fallback policy.
	ErrDeviceLost = errors.New("device lost")
)

// Predicate is a filter condition in the two forms kernels need: the parsed
// expression (a device compiles it) and the expression bound to Schema
// (the CPU evaluates it).
type Predicate struct {
	Expr   expr.Expr
	Bound  *expr.Bound
	Schema *arrow.Schema
}
