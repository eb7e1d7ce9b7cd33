// Package hashing defines sluice's one row and value hash, shared by the CPU
// engine, the GPU kernels and the Python reader. The definitions below are a
// contract: changing any constant changes every split and shard.
//
// Definitions (all arithmetic on uint64, wrapping):
//
//	Mix(x)            = murmur3 fmix64: x ^= x>>33; x *= 0xff51afd7ed558ccd; x ^= x>>33; x *= 0xc4ceb9fe1a85ec53; x ^= x>>33
//	Int64(v)          = Mix(uint64(v) ^ IntTag)
//	Float64(v)        = Int64(int64(math.Float64bits(v))) with -0 folded to +0 and every NaN to the canonical NaN 0x7ff8000000000000
//	Bool(b)           = Int64(0 or 1)
//	Bytes(b)          = xxHash64(b, seed 0) (strings: their UTF-8 bytes)
//	Null              = NullTag
//	FileRow(f, r)     = Mix(f ^ Mix(uint64(r) + RowTag)), f = Bytes(file's path relative to the input root)
//	Seeded(seed, key) = Mix(key ^ Mix(seed ^ SeedTag))
//
// The split hash of a row is Seeded(split.seed, key); the shard-order hash is
// Seeded(split.seed ^ ShardTag, key), where key is the hash of the split.key
// column's value, or FileRow(file, row) without split.key.
package hashing
