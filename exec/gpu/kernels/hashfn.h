// hashfn.h: the hashing package's primitives (see hashing/doc.go), shared
// by the kernels.
#ifndef SLUICE_HASHFN_H
#define SLUICE_HASHFN_H
#include "prelude.h"

#define SLUICE_INT_TAG 0x9e3779b97f4a7c15ULL
#define SLUICE_ROW_TAG 0xbf58476d1ce4e5b9ULL
#define SLUICE_SEED_TAG 0x94d049bb133111ebULL
#define SLUICE_SHARD_TAG 0x2545f4914f6cdd1dULL
#define SLUICE_NULL_TAG 0x6a09e667f3bcc909ULL

// mix64 is the murmur3 64-bit finaliser (hashing.Mix).
static __device__ __forceinline__ uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// hash_int64 is hashing.Int64.
static __device__ __forceinline__ uint64_t hash_int64(int64_t v) { return mix64((uint64_t)v ^ SLUICE_INT_TAG); }

// hash_float64_bits is hashing.Float64 on the IEEE bits of a value: -0
// folds to +0 and every NaN to the canonical NaN.
static __device__ __forceinline__ uint64_t hash_float64_bits(uint64_t b) {
  if ((b & 0x7fffffffffffffffULL) == 0) {
    b = 0;
  } else if ((b & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL && (b & 0x000fffffffffffffULL) != 0) {
    b = 0x7ff8000000000000ULL;
  }
  return hash_int64((int64_t)b);
}

#endif
