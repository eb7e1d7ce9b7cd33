// Package aggregate reduces columns on the device: Moments and
// MomentsLog1p (counts, min and max exact; mean and M2 within a relative
// 1e-12 of exec/cpu's, a different but fixed summation tree), GroupCount
// and ValueCounts on int64 and timestamp keys (a global-memory hash
// table), and GroupAggregate, the group-by partial states of one
// int64/timestamp key (count, sum, mean, std, var of int64/float64, min
// and max also of timestamps), bit-identical to a groupby.GroupBy's PartialBatch of
// the same batch: atomics only place keys in the hash table, a stable
// radix sort orders the rows by (group, row), and one thread per group
// folds its rows in row order with exec/cpu's loop (so a group's rows are
// folded serially: few large groups use few device threads).
package aggregate
