// strhash.cu: xxHash64 (seed 0) of strings, the hashing package's
// hashing.Bytes, bit for bit; and the gathers that map dictionary entries
// through a column's indices.
#include "prelude.h"
#include "hashfn.h"

#define XXH_P1 0x9E3779B185EBCA87ULL
#define XXH_P2 0xC2B2AE3D27D4EB4FULL
#define XXH_P3 0x165667B19E3779F9ULL
#define XXH_P4 0x85EBCA77C2B2AE63ULL
#define XXH_P5 0x27D4EB2F165667C5ULL

static __device__ __forceinline__ uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// read64 and read32 assemble little-endian words byte by byte (the bytes
// of a string have no alignment).
static __device__ __forceinline__ uint64_t read64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
static __device__ __forceinline__ uint64_t read32(const uint8_t* p) {
  return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) | ((uint64_t)p[3] << 24);
}

static __device__ __forceinline__ uint64_t xxh_round(uint64_t acc, uint64_t lane) {
  acc += lane * XXH_P2;
  acc = rotl64(acc, 31);
  return acc * XXH_P1;
}

static __device__ __forceinline__ uint64_t xxh_merge(uint64_t h, uint64_t v) {
  h ^= xxh_round(0, v);
  return h * XXH_P1 + XXH_P4;
}

// xxh64 is xxHash64 of p[0:n] with seed 0.
static __device__ uint64_t xxh64(const uint8_t* p, int64_t n) {
  const uint8_t* end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = XXH_P1 + XXH_P2, v2 = XXH_P2, v3 = 0, v4 = (uint64_t)0 - XXH_P1;
    while (end - p >= 32) {
      v1 = xxh_round(v1, read64(p));
      v2 = xxh_round(v2, read64(p + 8));
      v3 = xxh_round(v3, read64(p + 16));
      v4 = xxh_round(v4, read64(p + 24));
      p += 32;
    }
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xxh_merge(h, v1);
    h = xxh_merge(h, v2);
    h = xxh_merge(h, v3);
    h = xxh_merge(h, v4);
  } else {
    h = XXH_P5;
  }
  h += (uint64_t)n;
  while (end - p >= 8) {
    h ^= xxh_round(0, read64(p));
    h = rotl64(h, 27) * XXH_P1 + XXH_P4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= read32(p) * XXH_P1;
    h = rotl64(h, 23) * XXH_P2 + XXH_P3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)(*p) * XXH_P5;
    h = rotl64(h, 11) * XXH_P1;
    p++;
  }
  h ^= h >> 33;
  h *= XXH_P2;
  h ^= h >> 29;
  h *= XXH_P3;
  h ^= h >> 32;
  return h;
}

// string_at returns row i's bytes: offs holds n+1 offsets (int32 when
// wide is 0, int64 otherwise) into data, which starts at offset base.
static __device__ __forceinline__ const uint8_t* string_at(const void* offs, int64_t wide, int64_t base,
                                                           const uint8_t* data, int64_t i, int64_t* len) {
  int64_t a, b;
  if (wide) {
    a = ((const int64_t*)offs)[i];
    b = ((const int64_t*)offs)[i + 1];
  } else {
    a = ((const int32_t*)offs)[i];
    b = ((const int32_t*)offs)[i + 1];
  }
  *len = b - a;
  return data + (a - base);
}

// k_hash_strings: out[i] = xxHash64 of row i's bytes, NullTag where the
// validity bitmap (when not null) has a 0.
extern "C" __global__ void k_hash_strings(const void* offs, int64_t wide, int64_t base, const uint8_t* data,
                                          const uint8_t* valid, int64_t noff, uint64_t* out, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    if (valid && !bit_at(valid, noff, i)) {
      out[i] = SLUICE_NULL_TAG;
      continue;
    }
    int64_t len;
    const uint8_t* s = string_at(offs, wide, base, data, i, &len);
    out[i] = xxh64(s, len);
  }
}

// k_gather_u64: out[i] = per[idx[i]] for valid rows, null_value for null
// rows. An index outside [0, nper) lowers bad[0] to its row.
extern "C" __global__ void k_gather_u64(const int32_t* idx, const uint64_t* per, int64_t nper, const uint8_t* valid,
                                        int64_t noff, uint64_t null_value, uint64_t* out, int64_t n, uint64_t* bad) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    if (valid && !bit_at(valid, noff, i)) {
      out[i] = null_value;
      continue;
    }
    int32_t j = idx[i];
    if (j < 0 || j >= nper) {
      atomic_min_u64(bad, (uint64_t)i);
      out[i] = null_value;
      continue;
    }
    out[i] = per[j];
  }
}

// k_gather_i32: as k_gather_u64 for int32 codes.
extern "C" __global__ void k_gather_i32(const int32_t* idx, const int32_t* per, int64_t nper, const uint8_t* valid,
                                        int64_t noff, int64_t null_value, int32_t* out, int64_t n, uint64_t* bad) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    if (valid && !bit_at(valid, noff, i)) {
      out[i] = (int32_t)null_value;
      continue;
    }
    int32_t j = idx[i];
    if (j < 0 || j >= nper) {
      atomic_min_u64(bad, (uint64_t)i);
      out[i] = (int32_t)null_value;
      continue;
    }
    out[i] = per[j];
  }
}
