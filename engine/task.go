package engine

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
)

// JobSource is the job as the executors receive it: the job file's bytes
// and the --set overrides. Every executor parses and plans it itself, so a
// task needs nothing else from the driver but its stage's Broadcast.
type JobSource struct {
	File string   `json:"file"`
	Data []byte   `json:"data"`
	Sets []string `json:"sets"`
}

// Location is a file written by a task: the executor that holds it and its
// path there.
type Location struct {
	Executor string `json:"executor"`
	Path     string `json:"path"`
}

// Broadcast is the small driver state a stage's tasks need, sent with every
// task of the stage (the fit barrier's results, split and shard boundaries,
// where the inputs are).
type Broadcast struct {
	Groups    map[string]int32 `json:"groups,omitempty"`     // split.by key -> group id
	Windows   []split.Window   `json:"windows,omitempty"`    // boundary windows to collect
	SplitCuts []byte           `json:"split_cuts,omitempty"` // split.Boundaries, binary
	ShardCuts []byte           `json:"shard_cuts,omitempty"`
	Fit       *fitted          `json:"fit,omitempty"`
	Caches    []Location       `json:"caches,omitempty"`    // per scan task: its cached rows
	Aggs      [][]Location     `json:"aggs,omitempty"`      // per scan task, per table: partial aggregates
	OutDir    string           `json:"out_dir,omitempty"`   // the output's temporary directory
	ShardWin  bool             `json:"shard_win,omitempty"` // windows are shard windows (split, h2)
	Table     int              `json:"table,omitempty"`     // aggregate stages: the job's table index
}

// TaskSpec is everything an executor needs to run one task. It travels
// encoded (JSON) over every transport, the in-process one included, so the
// embedded mode exercises the same protocol as a cluster.
type TaskSpec struct {
	JobID string    `json:"job_id"`
	Job   JobSource `json:"job"`
	Stage int       `json:"stage"` // unique per stage run of the job
	// PlanStage is the plan's id of the stage (EXPLAIN's): its operators
	// are what the task runs.
	PlanStage int        `json:"plan_stage"`
	Kind      string     `json:"kind"`
	Index     int        `json:"index"`
	Attempt   int        `json:"attempt"`
	Bcast     *Broadcast `json:"bcast"`
	// BatchRows is the scan batch size; any value gives the same output.
	BatchRows int `json:"batch_rows"`
	// Engine is the --engine choice; each executor places operators on
	// the engines it has.
	Engine string `json:"engine"`
}

// taskReport is part of every task result: the plan operators the task ran,
// in order, and the batches its device kernels gave back to the CPU, per
// "stage-kind/Operator".
type taskReport struct {
	Ops       []string         `json:"ops,omitempty"`
	Fallbacks map[string]int64 `json:"fallbacks,omitempty"`
}

func (f *taskReport) setReport(ops []string, fb map[string]int64) { f.Ops, f.Fallbacks = ops, fb }
func (f *taskReport) fallbacks() map[string]int64                 { return f.Fallbacks }
func (f *taskReport) ops() []string                               { return f.Ops }

// hasOp reports whether a plan stage has an operator.
func hasOp(st *planner.Stage, name string) bool {
	return slices.ContainsFunc(st.Operators, func(op planner.PhysOp) bool { return op.Name == name })
}

// runsPlan checks that a runner implements the plan stage's operators:
// each is one of known, in known's order (the optional ones may be
// absent). It records them as run by the task and returns which are
// present.
func (x *TaskContext) runsPlan(st *planner.Stage, known ...string) (map[string]bool, error) {
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
	case planner.StageScan:
		v = &scanResult{}
	case planner.StageAggregate:
		v = &aggPart{}
	case planner.StageSplitBoundaries:
		v = &windowResult{}
	case planner.StageFit:
		v = &fitPartial{}
	case planner.StageShardWrite:
		v = &shardResult{}
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
