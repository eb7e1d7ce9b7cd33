// Package profile computes the column profiles, train-vs-eval drift and
// slice tables that a job records in its manifest (`profiles`, `slices`)
// and renders in report.html.
//
// Every statistic is a mergeable partial: each shard-write task profiles
// the rows of its shard (in the shard's sorted order) and the driver merges
// the partials in task-index order. Shard tasks are fixed by the job
// (output.shards), not by the number of executors, and the rows of each
// shard are fixed by the split and shard boundaries, so the merged result
// is the same bytes whatever the layout:
//
//   - counts, nulls, NaN, ±Inf, min and max are exact;
//   - mean and std are exact up to floating-point rounding, with a fixed
//     merge order (per-chunk two-pass moments merged by Chan's update);
//   - quantiles come from a deterministic compacting sketch (rank error
//     reported per column, at most log2(N/K)/K with K = QuantileSamples);
//   - distinct counts come from a HyperLogLog sketch of 2^HLLPrecision
//     registers (relative standard error 1.04/sqrt(2^HLLPrecision), Ertl's
//     improved estimator, so small counts are nearly exact);
//   - top values come from a Misra-Gries summary of TopCounters counters
//     (exact while a column has at most TopCounters distinct values; each
//     reported count may be low by at most the column's top_max_undercount);
//   - slice tables are exact (a slice column may hold at most
//     MaxSliceValues distinct values).
package profile
