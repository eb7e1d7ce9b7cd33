// Package split computes exact per-group splits and equal shards without
// sorting whole groups: an exact stratified split by hash windows, and
// equal shards by a second hash.
//
// Every row carries a uniform 64-bit hash H, a unique uint64 RowID and a
// dense int32 group id. Inside a group of N rows the rows are totally
// ordered by Key{H, RowID}; a split (or shard) is a run of consecutive
// ranks of that order, so it is fixed by a few cut points per group: the
// Key of the row at a given rank. The flow, driver (D) and tasks (T):
//
//	D: counts per group  -> SplitTargets / ShardTargets       ([]Target)
//	D: Resolve(targets, scan), which loops:
//	     Windows(targets)        H ranges around the expected quantiles
//	     T: NewCollector(ws).Add(batches...).Result()  -> Partial
//	     D: Partial.Merge in task order, Select         -> found / retry
//	   until every target is found (exact in every case)
//	D: BuildBoundaries(groups, targets, bounds)          -> *Boundaries (broadcast)
//	T: Boundaries.Assign / AssignInt32 per batch           -> split / shard index
//
// A task never holds a whole group: a window keeps about
// 2*Sigmas*sqrt(q(1-q)N) + 2*Sigmas^2 rows. Groups so small that the
// window covers them keep all their rows (inherent: every row of a tiny
// group is near a boundary).
//
// A device engine computes a batch's Add elsewhere from the collector's
// window table (Collector.Index) and hands the outcome back
// (Collector.AddPicked).
//
// For shards the same machinery runs with the split index as the group and
// the shard-order hash h2 as H: ShardTargets gives the ranks j*n/S.
package split
