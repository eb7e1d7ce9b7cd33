// Package planner turns a parsed job (jobspec.Job) and the input's schema
// into a plan: a logical plan, the same plan after the optimizer rules, the
// physical stages the engine runs, and the engine chosen for every
// operator. Everything here is a pure function of its inputs: no I/O, no
// expression parsing (the caller passes ExprInfo facts for the filter and
// the derived columns).
//
// Stage shapes follow ALGORITHMS.md (exact stratified split by hash windows,
// equal shards by a second hash, fits merged on the driver):
//
//	scan             per input task: Scan → Filter → Project → Drop → RowKey →
//	                 GroupCount → PartialAggregate* → CacheWrite, ShuffleWrite*
//	aggregate        one stage per table, per partition: ShuffleRead →
//	                 FinalAggregate → TableWrite
//	split-boundaries per cache part: CacheRead → WindowCollect; barrier
//	fit              per cache part: CacheRead → SplitAssign → FitPartial,
//	                 ShardWindowCollect; barrier
//	transform        per cache part: CacheRead → SplitAssign → ShardAssign →
//	                 Fill → Transform → ShuffleWrite
//	shard-write      per (split, shard): ShuffleRead → Sort → ShardWrite
//
// Stages that have nothing to do are left out (no aggregates: no aggregate
// stage; one split: no split-boundaries stage and no SplitAssign, every row
// is in split 0; no statistics and one shard: no fit stage). The kinds that
// remain keep this order.
package planner
