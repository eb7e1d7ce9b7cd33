// Package planner turns a parsed job (jobspec.Job) and the input's schema
// into a plan: a logical plan, the same plan after the optimizer rules, the
// physical stages the engine runs, and the engine chosen for every
// operator. Everything here is a pure function of its inputs: no I/O, no
// expression parsing (the caller passes ExprInfo facts for the filter and
// the derived columns).
//
// Stage shapes follow the algorithms (exact stratified split by hash windows,
// equal shards by a second hash, fits merged on the driver):
//
//	scan             per input task: Scan → Filter → Project → Drop → RowKey →
//	                 GroupCount → PartialAggregate* → CacheWrite (partitioned
//	                 by ranges of the shard hash __h2), ShuffleWrite*
//	aggregate        one stage per table, per partition: ShuffleRead →
//	                 FinalAggregate → TableWrite
//	split-boundaries per cache part: CacheRead → WindowCollect; barrier
//	fit              per cache part: CacheRead → SplitAssign → FitPartial,
//	                 ShardWindowCollect; barrier
//	shard-write      per shard index j: CacheRead (the cache partitions of
//	                 j's __h2 range, from every scan task) → SplitAssign →
//	                 ShardAssign → Fill → Transform → Sort → ShardWrite of
//	                 shard j of every split
//
// The exchange that brings a shard's rows together is the cache itself:
// shard j of a split takes the ranks [j·n/S, (j+1)·n/S) of the split's rows
// in __h2 order, and the split assignment does not depend on __h2, so shard
// j of every split lies in about the same __h2 range. Partitioning the cache
// by __h2 range lets one task read that range once and write shard j of
// every split, with no second write and read of the rows.
//
// Stages that have nothing to do are left out (no aggregates: no aggregate
// stage; one split: no split-boundaries stage and no SplitAssign, every row
// is in split 0; no statistics and one shard: no fit stage). The kinds that
// remain keep this order.
//
// The logical plan and its optimizer rules are package planner/logical;
// this package builds the logical plan from the job, validates the job
// against the schema, lowers the optimized plan into stages, places
// operators on engines and renders EXPLAIN.
package planner
