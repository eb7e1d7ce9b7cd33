package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/planner/logical"
	"github.com/sluice-ml/sluice/vocab"
)

// Stage kinds, in the order stages run (defined in vocab, which the
// executors share).
const (
	StageScan            = vocab.StageScan
	StageAggregate       = vocab.StageAggregate
	StageSplitBoundaries = vocab.StageSplitBoundaries
	StageFit             = vocab.StageFit
	StageShardWrite      = vocab.StageShardWrite
	StageExpect          = vocab.StageExpect
)

// CacheBuckets is how many partitions the scan's cache is cut into, by
// ranges of the shard hash: the shard-write task of shard j reads only the
// partitions that overlap its range (about 1/shards of the cache plus one
// partition at each edge), and writes a shuffled shard one partition at a
// time, so a partition's rows bound its memory. At least 64, about 8 per
// shard (at most 1024 for those), and at most CacheBucketRows of the
// input's rows (rows, 0 when not known) each, up to MaxCacheBuckets.
func CacheBuckets(shards int, rows int64) int {
	b := 64
	for b < 8*shards && b < 1024 {
		b *= 2
	}
	for rows/int64(b) > CacheBucketRows && b < MaxCacheBuckets {
		b *= 2
	}
	return b
}

// CacheBucketRows is the most input rows a cache bucket is planned for:
// 512K rows (about 30 MB of cached columns) keep a shuffled shard's memory
// small next to the scan's, and the cache's segments large enough to read
// fast.
const CacheBucketRows = 512 << 10

// MaxCacheBuckets bounds the cache buckets whatever the input size.
const MaxCacheBuckets = 1 << 14

// Physical operator names (defined in vocab).
const (
	OpScan               = vocab.OpScan
	OpFilter             = vocab.OpFilter
	OpProject            = vocab.OpProject
	OpDrop               = vocab.OpDrop
	OpRowKey             = vocab.OpRowKey
	OpGroupCount         = vocab.OpGroupCount
	OpPartialAggregate   = vocab.OpPartialAggregate
	OpCacheWrite         = vocab.OpCacheWrite
	OpShuffleWrite       = vocab.OpShuffleWrite
	OpShuffleRead        = vocab.OpShuffleRead
	OpFinalAggregate     = vocab.OpFinalAggregate
	OpTableWrite         = vocab.OpTableWrite
	OpCacheRead          = vocab.OpCacheRead
	OpWindowCollect      = vocab.OpWindowCollect
	OpSplitAssign        = vocab.OpSplitAssign
	OpFitPartial         = vocab.OpFitPartial
	OpShardWindowCollect = vocab.OpShardWindowCollect
	OpShardAssign        = vocab.OpShardAssign
	OpFill               = vocab.OpFill
	OpTransform          = vocab.OpTransform
	OpSort               = vocab.OpSort
	OpShardWrite         = vocab.OpShardWrite
	OpExpect             = vocab.OpExpect
	OpExpectUnique       = vocab.OpExpectUnique
)

// opKinds maps each physical operator to the kind engines are asked about.
var opKinds = map[string]exec.OpKind{
	OpScan: exec.OpScan, OpFilter: exec.OpFilter, OpProject: exec.OpProject, OpDrop: exec.OpDropNulls,
	OpRowKey: exec.OpHash, OpGroupCount: exec.OpGroupCount, OpPartialAggregate: exec.OpAggregate,
	OpCacheWrite: exec.OpSink, OpShuffleWrite: exec.OpShuffle, OpShuffleRead: exec.OpScan,
	OpFinalAggregate: exec.OpMergeAggregate, OpTableWrite: exec.OpSink, OpCacheRead: exec.OpScan,
	OpWindowCollect: exec.OpSplit, OpSplitAssign: exec.OpSplit, OpFitPartial: exec.OpFit,
	OpShardWindowCollect: exec.OpSplit, OpShardAssign: exec.OpShardAssign, OpFill: exec.OpTransform,
	OpTransform: exec.OpTransform, OpSort: exec.OpShardSort, OpShardWrite: exec.OpSink,
	OpExpect: OpKindExpect, OpExpectUnique: exec.OpSort,
}

// PhysOp is one operator of a stage's pipeline.
type PhysOp struct {
	Name       string           // Op* constant
	Kind       exec.OpKind      // what engines were asked about
	InputTypes []arrow.DataType // the types engines were asked about
	Params     []logical.KV     // in display order
	Engine     string           // the engine that runs it
	Reason     string           // why not a more preferred engine; "" when the first engine runs it
	Transfer   string           // "gpu->cpu" when the previous operator ran on another engine
}

// Param returns the value of a parameter, or "".
func (o PhysOp) Param(key string) string {
	for _, kv := range o.Params {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Stage is a set of identical tasks running one pipeline; stages are cut at
// exchanges and fit barriers.
type Stage struct {
	ID        int
	Kind      string // Stage* constant
	Tasks     int    // -1 when known only at run time
	Inputs    []int  // ids of the stages it reads (shuffle or cache) or waits for (barrier results)
	Operators []PhysOp
	Barrier   string // what the driver does after the stage, "" for none
	Table     string // aggregate stages: the table
}

// Placement is one operator's engine, flat for reports and the manifest.
type Placement struct {
	Stage     int
	StageKind string
	Operator  string
	Engine    string
	Reason    string
}
