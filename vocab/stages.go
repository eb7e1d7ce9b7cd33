package vocab

// Stage kinds, in the order stages run: the plan's stages and a
// fragment's kind.
const (
	StageScan            = "scan"
	StageAggregate       = "aggregate"
	StageSplitBoundaries = "split-boundaries"
	StageFit             = "fit"
	StageShardWrite      = "shard-write"
	// StageExpect checks the expect section's unique rules: one task per
	// rule and hash partition of the values the scan wrote.
	StageExpect = "expect-unique"
)

// Physical operator names: a plan stage's pipeline and a fragment's
// operators.
const (
	OpScan               = "Scan"
	OpFilter             = "Filter"
	OpProject            = "Project"
	OpDrop               = "Drop"
	OpRowKey             = "RowKey"
	OpGroupCount         = "GroupCount"
	OpPartialAggregate   = "PartialAggregate"
	OpCacheWrite         = "CacheWrite"
	OpShuffleWrite       = "ShuffleWrite"
	OpShuffleRead        = "ShuffleRead"
	OpFinalAggregate     = "FinalAggregate"
	OpTableWrite         = "TableWrite"
	OpCacheRead          = "CacheRead"
	OpWindowCollect      = "WindowCollect"
	OpSplitAssign        = "SplitAssign"
	OpFitPartial         = "FitPartial"
	OpShardWindowCollect = "ShardWindowCollect"
	OpShardAssign        = "ShardAssign"
	OpFill               = "Fill"
	OpTransform          = "Transform"
	OpSort               = "Sort"
	OpShardWrite         = "ShardWrite"
	// Expect checks the expect section's rules on the rows as read;
	// ExpectUnique finds the repeated values of one hash partition.
	OpExpect       = "Expect"
	OpExpectUnique = "ExpectUnique"
)
