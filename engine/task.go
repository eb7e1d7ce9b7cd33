package engine

import (
	"encoding/json"
	"fmt"

	"github.com/sluice-ml/sluice/exec/split"
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
}

// TaskSpec is everything an executor needs to run one task. It travels
// encoded (JSON) over every transport, the in-process one included, so the
// embedded mode exercises the same protocol as a cluster.
type TaskSpec struct {
	JobID   string     `json:"job_id"`
	Job     JobSource  `json:"job"`
	Stage   int        `json:"stage"`
	Kind    string     `json:"kind"`
	Index   int        `json:"index"`
	Attempt int        `json:"attempt"`
	Bcast   *Broadcast `json:"bcast"`
	// BatchRows is the scan batch size; any value gives the same output.
	BatchRows int `json:"batch_rows"`
	// Engine is the --engine choice; each executor places operators on
	// the engines it has.
	Engine string `json:"engine"`
}

// fellBack is part of every task result: the batches the task's device
// kernels gave back to the CPU, per "stage-kind/Operator".
type fellBack struct {
	Fallbacks map[string]int64 `json:"fallbacks,omitempty"`
}

func (f *fellBack) setFallbacks(m map[string]int64) { f.Fallbacks = m }
func (f *fellBack) fallbacks() map[string]int64     { return f.Fallbacks }

// Stage kinds that executors run.
const (
	KindScan            = "scan"
	KindAggregate       = "aggregate"
	KindSplitBoundaries = "split-boundaries"
	KindShardBoundaries = "shard-boundaries"
	KindFit             = "fit"
	KindShardWrite      = "shard-write"
)

// DecodeResult decodes a task's encoded result (Worker.RunEncoded) into its
// stage's type, for transports to hand back to the scheduler.
func DecodeResult(kind string, data []byte) (any, error) { return decodeResult(kind, data) }

// decodeResult decodes a task's encoded result into its stage's type.
func decodeResult(kind string, data []byte) (any, error) {
	var v any
	switch kind {
	case KindScan:
		v = &scanResult{}
	case KindAggregate:
		v = &aggPart{}
	case KindSplitBoundaries, KindShardBoundaries:
		v = &windowResult{}
	case KindFit:
		v = &fitPartial{}
	case KindShardWrite:
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
