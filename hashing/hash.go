package hashing

import (
	"math"

	"github.com/cespare/xxhash/v2"
)

// Tags separate the hash domains.
const (
	IntTag   uint64 = 0x9e3779b97f4a7c15
	RowTag   uint64 = 0xbf58476d1ce4e5b9
	SeedTag  uint64 = 0x94d049bb133111eb
	ShardTag uint64 = 0x2545f4914f6cdd1d
	NullTag  uint64 = 0x6a09e667f3bcc909
)

// Mix is the murmur3 64-bit finaliser.
func Mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// Int64 hashes an integer value (also timestamps, by their microseconds).
func Int64(v int64) uint64 { return Mix(uint64(v) ^ IntTag) }

// Float64 hashes a float value; -0 equals +0 and all NaNs are equal.
func Float64(v float64) uint64 {
	if v == 0 {
		v = 0
	}
	bits := math.Float64bits(v)
	if v != v {
		bits = 0x7ff8000000000000
	}
	return Int64(int64(bits))
}

// Bool hashes a boolean as the integer 0 or 1.
func Bool(b bool) uint64 {
	if b {
		return Int64(1)
	}
	return Int64(0)
}

// Bytes hashes a byte string (UTF-8 for strings) with xxHash64, seed 0.
func Bytes(b []byte) uint64 { return xxhash.Sum64(b) }

// String hashes a string by its UTF-8 bytes.
func String(s string) uint64 { return xxhash.Sum64String(s) }

// FileRow is the default row key: the file's hash and the row number in it.
func FileRow(file uint64, row int64) uint64 { return Mix(file ^ Mix(uint64(row)+RowTag)) }

// Seeded turns a key hash into a uniform hash for one seed.
func Seeded(seed, key uint64) uint64 { return Mix(key ^ Mix(seed^SeedTag)) }

// FileRows fills out[i] = FileRow(file, first+i).
func FileRows(file uint64, first int64, out []uint64) {
	r := uint64(first) + RowTag
	for i := range out {
		out[i] = Mix(file ^ Mix(r+uint64(i)))
	}
}

// SeededAll fills out[i] = Seeded(seed, keys[i]); out may alias keys.
func SeededAll(seed uint64, keys, out []uint64) {
	s := Mix(seed ^ SeedTag)
	out = out[:len(keys)]
	for i, k := range keys {
		out[i] = Mix(k ^ s)
	}
}
