package engine

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/planner"
)

// ioOperators move rows without computing on them; steering counts the
// other operators.
var ioOperators = map[string]bool{
	planner.OpScan: true, planner.OpCacheRead: true, planner.OpCacheWrite: true, planner.OpShuffleRead: true,
	planner.OpShuffleWrite: true, planner.OpTableWrite: true, planner.OpShardWrite: true,
}

// gpuStages are the stage kinds a mixed cluster runs on its GPU executors:
// those where a GPU engine would run at least half of the compute
// operators. It plans the job as if a GPU were present (the driver may
// have none), so the answer does not depend on the driver's machine.
func gpuStages(in planner.Inputs, filter expr.Expr, schema *arrow.Schema) map[string]bool {
	in.Engines = checkJob([]exec.Engine{gpu.Capabilities{}, cpu.Engine{}}, filter, schema, jobAggSpecs(in.Job))
	in.Fallback = "allow"
	plan, err := planner.Build(in)
	if err != nil {
		return nil
	}
	onGPU, compute := map[string]int{}, map[string]int{}
	for _, pl := range plan.Placement {
		if ioOperators[pl.Operator] {
			continue
		}
		compute[pl.StageKind]++
		if pl.Engine != (cpu.Engine{}).Name() {
			onGPU[pl.StageKind]++
		}
	}
	out := map[string]bool{}
	for kind, n := range onGPU {
		if 2*n >= compute[kind] {
			out[kind] = true
		}
	}
	// A repeated shard-window pass does the split-boundaries work.
	out[KindShardBoundaries] = out[planner.StageSplitBoundaries]
	return out
}
