// Package cpu holds the CPU engine's vectorized kernels: mergeable fit
// statistics (Moments, Quantiles, ValueCounts), hash group-by aggregation
// (GroupBy), the feature transforms (FitFeature, Apply), and a radix sort
// with a typed gather (SortPerm, Take).
//
// Inputs are Arrow arrays in the engine's canonical types (see package
// exec): int64, float64, bool, timestamp[us] and dictionary<int32, utf8>.
// Every kernel switches on the column type once per call and then runs a
// plain loop over typed slices, with a dense loop for columns without
// nulls and selection, and an indexed loop otherwise.
//
// Selection vectors: kernels that take sel []int32 use only the rows it
// lists (ascending row indices into the array, which may itself be a
// slice with an offset); nil means every row.
//
// Ownership follows package exec: every function that returns Arrow data
// hands over one reference (+1) that the caller releases; inputs are
// borrowed and never released here. All hashes come from package hashing.
package cpu
