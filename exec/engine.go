package exec

import "github.com/apache/arrow-go/v18/arrow"

// OpKind names an operator for placement purposes.
type OpKind string

// Operator kinds that engines are asked about.
const (
	OpScan           OpKind = "scan"
	OpFilter         OpKind = "filter"
	OpDropNulls      OpKind = "drop-nulls"
	OpProject        OpKind = "project"
	OpHash           OpKind = "hash"
	OpPartition      OpKind = "partition"
	OpGroupCount     OpKind = "group-count"
	OpAggregate      OpKind = "aggregate"       // partial aggregation of input rows
	OpMergeAggregate OpKind = "merge-aggregate" // final merge of partial states
	OpSplit          OpKind = "split-assign"
	OpShardAssign    OpKind = "shard-assign" // a row's shard from the broadcast shard cuts
	OpFit            OpKind = "fit"
	OpTransform      OpKind = "transform"
	OpSort           OpKind = "sort"
	OpShardSort      OpKind = "shard-sort" // a shard's rows ordered by their (order key, row id)
	OpSink           OpKind = "sink"
	OpShuffle        OpKind = "shuffle-write"
)

// Support is an engine's answer for one operator with given input types.
type Support struct {
	OK     bool
	Reason string // why not, when !OK ("unsupported because ...")
	// Unavailable: the engine would run the operator but cannot now (no
	// driver, an unhealthy device). Under engine.fallback: error that
	// refuses the plan; an engine that declines by design does not.
	Unavailable bool
}

// HostIO reports whether an operator kind is file or network I/O, which
// runs on the host whatever the engine: its CPU placement is no fallback.
func (k OpKind) HostIO() bool { return k == OpScan || k == OpSink || k == OpShuffle }

// Engine is one way of running kernels (the CPU engine, a GPU engine).
// Supports never fails: an engine that cannot run an operator says why,
// and the planner records the reason and places the operator elsewhere.
type Engine interface {
	Name() string
	Supports(op OpKind, inputs []arrow.DataType) Support
}
