// hash.cu: the hashing package's row and value hashes (see hashing/doc.go),
// bit for bit.
#include "prelude.h"
#include "hashfn.h"

// k_file_rows: out[i] = FileRow(file, first+i).
extern "C" __global__ void k_file_rows(uint64_t file, int64_t first, uint64_t* out, int64_t n) {
  uint64_t r = (uint64_t)first + SLUICE_ROW_TAG;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    out[i] = mix64(file ^ mix64(r + (uint64_t)i));
  }
}

// k_seeded2: h[i] = Seeded(seed, keys[i]); h2[i] = Seeded(seed^ShardTag,
// keys[i]) when h2 is not null.
extern "C" __global__ void k_seeded2(uint64_t seed, const uint64_t* keys, uint64_t* h, uint64_t* h2, int64_t n) {
  uint64_t s = mix64(seed ^ SLUICE_SEED_TAG);
  uint64_t s2 = mix64((seed ^ SLUICE_SHARD_TAG) ^ SLUICE_SEED_TAG);
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    uint64_t k = keys[i];
    h[i] = mix64(k ^ s);
    if (h2) h2[i] = mix64(k ^ s2);
  }
}

// k_hash_values: out[i] = the value hash of row i of a fixed-width column
// (kind 0: int64/timestamp, 1: float64, 2: bool bitmap at bit voff);
// NullTag where the validity bitmap (when not null) has a 0 at bit noff+i.
extern "C" __global__ void k_hash_values(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                         int64_t noff, uint64_t* out, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    uint64_t h;
    if (valid && !bit_at(valid, noff, i)) {
      h = SLUICE_NULL_TAG;
    } else if (kind == 0) {
      h = hash_int64(((const int64_t*)vals)[i]);
    } else if (kind == 1) {
      h = hash_float64_bits(((const uint64_t*)vals)[i]);
    } else {
      h = hash_int64(bit_at((const uint8_t*)vals, voff, i));
    }
    out[i] = h;
  }
}

// k_hash_buckets: out[i] = value hash mod buckets (the hash transform);
// null rows get null_code (the fill's bucket, or NullTag's).
extern "C" __global__ void k_hash_buckets(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                          int64_t noff, uint64_t buckets, int64_t null_code, int32_t* out,
                                          int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int32_t c;
    if (valid && !bit_at(valid, noff, i)) {
      c = (int32_t)null_code;
    } else if (kind == 0) {
      c = (int32_t)(hash_int64(((const int64_t*)vals)[i]) % buckets);
    } else if (kind == 1) {
      c = (int32_t)(hash_float64_bits(((const uint64_t*)vals)[i]) % buckets);
    } else {
      c = (int32_t)(hash_int64(bit_at((const uint8_t*)vals, voff, i)) % buckets);
    }
    out[i] = c;
  }
}

// k_fill_u64: p[i] = v.
extern "C" __global__ void k_fill_u64(uint64_t* p, uint64_t v, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) p[i] = v;
}
