// Package transform applies fitted feature transforms on the device
// (Apply, and ApplyResident on a column of a launch.DeviceBatch): the
// numeric transforms (identity, zscore, minmax, log1p, clip), bucketize,
// hash buckets of numeric columns, and vocab and onehot of numeric and
// dictionary-string columns (numeric keys by binary search, dictionary
// strings by hash then bytes). Outputs equal exec/cpu's Apply: the same
// fields and int32 values, float32 values bit-identical except that every
// NaN is the canonical quiet NaN 0x7fc00000. The hash transform of
// strings answers ErrUnsupported and runs on the CPU engine.
package transform
