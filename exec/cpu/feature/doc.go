// Package feature fits and applies the feature transforms. NeedStats says
// which statistics a transform needs, FeatureStats collects them (package
// stats) and merges across tasks, FitFeature turns them into a Fitted
// transform (mean and std, min and max, bucket boundaries, a vocabulary),
// and Apply computes a feature's output columns from a Fitted: identity,
// zscore, minmax, log1p, clip, bucketize, hash buckets, vocab and onehot.
// FillNulls replaces the nulls of a column with a fill value.
package feature
