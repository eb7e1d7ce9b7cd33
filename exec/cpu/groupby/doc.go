// Package groupby is the CPU engine's hash group-by: GroupBy assigns each
// row a group id over one or several keys of any canonical type (an
// int64 table, a dictionary table, a multi-key table), folds count, sum,
// mean, std, var, min, max and count_distinct per group, and hands out
// its state as a partial batch that another GroupBy merges
// (PartialBatch, MergePartial) before Final orders the groups and
// computes the results. KeyHashes hashes the keys for partitioning.
package groupby
