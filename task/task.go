package task

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/split"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task/fragment"
	"github.com/sluice-ml/sluice/vocab"
)

// Task is one attempt of one task of a stage run.
type Task struct {
	Stage   int
	Index   int
	Attempt int
}

// planStage is a fragment's stage: the plan's id, kind and operators.
type planStage struct {
	ID        int
	Kind      string
	Operators []planOp
}

// planOp is one operator of a fragment's stage.
type planOp struct {
	Name   string
	Params []*pb.Param
}

// Param returns the value of a parameter, or "".
func (o planOp) Param(key string) string {
	for _, p := range o.Params {
		if p.GetKey() == key {
			return p.GetValue()
		}
	}
	return ""
}

// taskReport is part of every task result: the plan operators the task ran,
// in order, and the batches its device kernels gave back to the CPU, per
// "stage-kind/Operator".
type taskReport struct {
	Ops       []string         `json:"ops,omitempty"`
	Fallbacks map[string]int64 `json:"fallbacks,omitempty"`
	// the first reason each operator fell back, and the first "device
	// lost" reason (a sticky GPU error), for the driver's messages
	FallbackWhy map[string]string `json:"fallback_why,omitempty"`
	DeviceLost  string            `json:"device_lost,omitempty"`
}

func (f *taskReport) setReport(ops []string, fb *kernel.Counts) {
	f.Ops, f.Fallbacks, f.FallbackWhy, f.DeviceLost = ops, fb.Map(), fb.Reasons(), fb.DeviceLost()
}

// TaskFallbackNotes are the first reason each operator fell back and the
// first device-lost reason ("" when none).
func (f *taskReport) TaskFallbackNotes() (map[string]string, string) {
	return f.FallbackWhy, f.DeviceLost
}
func (f *taskReport) TaskFallbacks() map[string]int64 { return f.Fallbacks }
func (f *taskReport) TaskOps() []string               { return f.Ops }

// hasOp reports whether a plan stage has an operator.
func hasOp(st *planStage, name string) bool {
	return slices.ContainsFunc(st.Operators, func(op planOp) bool { return op.Name == name })
}

// runsPlan checks that a runner implements the plan stage's operators:
// each is one of known, in known's order (the optional ones may be
// absent). It records them as run by the task and returns which are
// present.
func (x *TaskContext) runsPlan(st *planStage, known ...string) (map[string]bool, error) {
	have := map[string]bool{}
	k := 0
	for _, op := range st.Operators {
		for k < len(known) && known[k] != op.Name {
			k++
		}
		if k == len(known) {
			return nil, fmt.Errorf("internal: stage %d (%s): the %s runner does not run %s here (it runs %v)", st.ID, st.Kind, st.Kind, op.Name, known)
		}
		have[op.Name] = true
		x.ran(op.Name)
	}
	return have, nil
}

// DecodeResult decodes a task's encoded result (Worker.RunEncoded) into its
// stage's type, for transports to hand back to the scheduler.
func DecodeResult(kind string, data []byte) (any, error) { return decodeResult(kind, data) }

// decodeResult decodes a task's encoded result into its stage's type.
func decodeResult(kind string, data []byte) (any, error) {
	var v any
	switch kind {
	case vocab.StageScan:
		v = &ScanResult{}
	case vocab.StageAggregate:
		v = &AggPart{}
	case vocab.StageSplitBoundaries:
		v = &WindowResult{}
	case vocab.StageFit:
		v = &FitPartial{}
	case vocab.StageShardWrite:
		v = &ShardResult{}
	case vocab.StageExpect:
		v = &UniqueResult{}
	default:
		return nil, fmt.Errorf("unknown stage kind %q", kind)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decoding %s result: %w", kind, err)
	}
	return v, nil
}

// boundaries decodes a broadcast boundary table.
func boundaries(data []byte) (*split.Boundaries, error) {
	b := &split.Boundaries{}
	if err := b.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("broadcast boundaries: %w", err)
	}
	return b, nil
}

// The fragment's Go side (its version, broadcast and fitted transforms)
// is package fragment's.
type (
	Location  = fragment.Location
	Broadcast = fragment.Broadcast
	Fitted    = fragment.Fitted
)

// FragmentVersion is the stage fragment format this build writes and runs.
const FragmentVersion = fragment.Version
