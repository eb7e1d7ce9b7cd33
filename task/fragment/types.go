package fragment

import (
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
)

// Fitted holds every Fitted transform of the job.
type Fitted struct {
	Features    []*feature.Fitted `json:"features"`   // per job feature
	LabelFill   *column.Value     `json:"label_fill"` // nil: label nulls stay null
	OutputNames [][]string        `json:"outputs"`    // per feature, its output column names
}

// Location is a file written by a task: the executor that holds it and its
// path there.
type Location struct {
	Executor string `json:"executor"`
	Path     string `json:"path"`
}

// Broadcast is the small driver state a stage's tasks need, sent with every
// task of the stage (the fit barrier's results, split and shard boundaries,
// where the inputs are). It travels as the fragment's Broadcast message.
type Broadcast struct {
	Groups    map[string]int32 // split.by key -> group id
	Windows   []split.Window   // boundary windows to collect
	SplitCuts []byte           // split.Boundaries, binary
	ShardCuts []byte
	Fit       *Fitted
	Caches    []Location   // per scan task: its cached rows
	Aggs      [][]Location // per scan task, per table: partial aggregates
	OutDir    string       // the output's temporary directory
	ShardWin  bool         // windows are shard windows (split, h2)
	Table     int          // aggregate stages: the job's table index
}
