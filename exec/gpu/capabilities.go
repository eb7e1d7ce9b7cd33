package gpu

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
)

// Capabilities answers placement questions for the GPU kernels without a
// device: a driver with no GPU uses it to plan which stages a mixed
// cluster's GPU executors should run. It never runs anything.
type Capabilities struct{}

// Name implements exec.Engine.
func (Capabilities) Name() string { return "gpu" }

// Supports implements exec.Engine: the same answers as Engine.Supports,
// which depend on the operator and its types only.
func (Capabilities) Supports(op exec.OpKind, inputs []arrow.DataType) exec.Support {
	return (&Engine{}).Supports(op, inputs)
}
