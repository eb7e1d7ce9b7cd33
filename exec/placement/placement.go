package placement

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	gpufilter "github.com/sluice-ml/sluice/exec/gpu/filter"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/expr"
)

// Engines returns the engines for an --engine choice, in preference order;
// the CPU engine, last, runs every operator. GPU engines are the process's
// shared ones (gpu.Acquire): however many executors, slots and jobs ask,
// a process opens one context, one kernel set and one memory pool per
// device. "gpu" on a node without an NVIDIA driver gives a stand-in that
// declines every operator as unavailable, with the reason (so placement
// falls back, or fails under engine.fallback: error); it never emulates.
// "auto" uses a GPU when one is present.
func Engines(choice string) ([]exec.Engine, error) {
	switch choice {
	case "", "cpu":
		return []exec.Engine{cpu.Engine{}}, nil
	case "auto":
		if g, err := gpu.Acquire("gpu"); err == nil && g.Unhealthy() == nil {
			return []exec.Engine{g, cpu.Engine{}}, nil
		}
		return []exec.Engine{cpu.Engine{}}, nil
	case "gpu", emulator.Name:
		g, err := gpu.Acquire(choice)
		if err != nil {
			return []exec.Engine{noGPU{name: choice, reason: err.Error()}, cpu.Engine{}}, nil
		}
		return []exec.Engine{g, cpu.Engine{}}, nil
	}
	return nil, fmt.Errorf("--engine: %q is not an engine (allowed: auto, cpu, gpu, gpu-emulated)", choice)
}

// IsGPUEngine reports whether an --engine name is a GPU engine.
func IsGPUEngine(name string) bool { return name == "gpu" || name == emulator.Name }

// Capable are engines that answer as a node with a GPU would, whether or not
// this one has one: for decisions that must not depend on the machine that
// makes them (which stages a mixed cluster sends to its GPU executors).
func Capable() []exec.Engine { return []exec.Engine{gpu.Capabilities{}, cpu.Engine{}} }

// noGPU stands for a GPU engine that could not be opened.
type noGPU struct{ name, reason string }

func (g noGPU) Name() string { return g.name }
func (g noGPU) Supports(op exec.OpKind, _ []arrow.DataType) exec.Support {
	return exec.Support{Reason: g.reason, Unavailable: true}
}

// Kernels returns the stage kernels of the device engine named name among
// engines, or nil when name is the CPU engine or not among them.
func Kernels(engines []exec.Engine, name string) kernel.Kernels {
	if name == (cpu.Engine{}).Name() {
		return nil
	}
	for _, e := range engines {
		if g, ok := e.(*gpu.Engine); ok && g.Name() == name {
			return g.StageKernels()
		}
	}
	return nil
}

// Aggregate is one aggregate table of a job: its group-by columns and
// functions.
type Aggregate struct {
	By    []string
	Specs []groupby.AggSpec
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

// CheckJob returns engines for planning a job: GPU engines decline Filter
// when the job's filter is outside what the device program covers, and
// PartialAggregate when a table is outside what the device aggregates
// exactly (gpu.ExactAggregates).
func CheckJob(engines []exec.Engine, filter expr.Expr, schema *arrow.Schema, aggs []Aggregate) []exec.Engine {
	declined := map[exec.OpKind]string{}
	if filter != nil {
		if _, err := gpufilter.Compile(filter, schema); err != nil {
			declined[exec.OpFilter] = err.Error()
		}
	}
	for _, a := range aggs {
		if err := gpu.ExactAggregates(a.By, a.Specs, schema); err != nil {
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
