package planner

// ioOperators move rows without computing on them; steering counts the
// other operators.
var ioOperators = map[string]bool{
	OpScan: true, OpCacheRead: true, OpCacheWrite: true, OpShuffleRead: true,
	OpShuffleWrite: true, OpTableWrite: true, OpShardWrite: true,
}

// GPUStages are the stage kinds a mixed cluster runs on its GPU executors:
// those where a GPU engine would run at least half of the compute
// operators. in.Engines should answer as a node with a GPU would, so that
// the answer does not depend on the machine that plans (the driver may
// have none). Placement falls back freely here: it is a steering hint.
func GPUStages(in Inputs) map[string]bool {
	in.Fallback = "allow"
	plan, err := Build(in)
	if err != nil {
		return nil
	}
	onGPU, compute := map[string]int{}, map[string]int{}
	for _, pl := range plan.Placement {
		if ioOperators[pl.Operator] {
			continue
		}
		compute[pl.StageKind]++
		if pl.Engine != "cpu" {
			onGPU[pl.StageKind]++
		}
	}
	out := map[string]bool{}
	for kind, n := range onGPU {
		if 2*n >= compute[kind] {
			out[kind] = true
		}
	}
	return out
}
