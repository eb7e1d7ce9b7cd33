// Package cpu is sluice's CPU engine: Engine (it runs every operator, so
// it is what every other engine falls back to) and StageKernels, its
// implementation of the kernels a stage runs, plus GroupCounts. The
// vectorized kernels live in its subpackages:
//
//	column   canonical column types, typed scalars (Value), row selection
//	         and output buffers shared by every kernel
//	stats    mergeable fit statistics: Moments, Quantiles, ValueCounts
//	feature  fitting a feature (FeatureStats, FitFeature) and applying it
//	         (Fitted, Apply, FillNulls)
//	groupby  hash group-by aggregation with mergeable partials (GroupBy)
//	perm     a radix sort to a permutation (SortPerm) and the typed gather
//	         by one (Take)
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
