// Package stats holds the mergeable fit statistics the CPU engine
// collects over train rows: Moments (count, min, max, Welford mean and
// M2, NaN and Inf counts, also of log1p), Quantiles (a bounded sample
// sketch with a known rank error, JSON-serialisable) and ValueCounts
// (exact counts of int64, float64, bool and string values, Top and
// Mode). Each has Update over a column and an optional selection, and
// Merge, so that partials from tasks combine into the job's statistics.
package stats
