package cpu

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
)

// Engine is the CPU engine: it runs every operator on the canonical types.
type Engine struct{}

var _ exec.Engine = Engine{}

// Name implements exec.Engine.
func (Engine) Name() string { return "cpu" }

// Supports implements exec.Engine: the CPU engine is the fallback for every
// operator, so it never declines.
func (Engine) Supports(exec.OpKind, []arrow.DataType) exec.Support { return exec.Support{OK: true} }
