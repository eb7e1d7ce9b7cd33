// Package roworder computes where each cached row goes: for a batch of
// the scan cache, Order finds every row's key (the cached split.key, or
// the (file, row) key from its row id), its global split.by group, its
// split hash and shard-order hash, and assigns its split from the split
// boundaries, through the kernels it is given (CPU or device). The window,
// fit and shard-write runners all order rows this way, so the splits and
// shards they agree on are the same rows.
package roworder
