// compact.cu: stream compaction of a boolean mask into ascending row
// indices (the rows where the mask is true and not null).
#include "prelude.h"

// mask_at is 1 when row i of the mask is valid and true.
static __device__ __forceinline__ uint64_t mask_at(const uint8_t* vals, int64_t voff, const uint8_t* valid,
                                                   int64_t noff, int64_t i) {
  if (valid && !bit_at(valid, noff, i)) return 0;
  return (uint64_t)bit_at(vals, voff, i);
}

// thread_rows is the range of rows of thread t in block b: each thread
// owns per consecutive rows of its block's tile of blockDim*per rows.
static __device__ __forceinline__ void thread_rows(int64_t n, int64_t per, int64_t* lo, int64_t* hi) {
  int64_t base = (int64_t)block_x() * block_dim_x() * per + (int64_t)thread_x() * per;
  *lo = base < n ? base : n;
  *hi = base + per < n ? base + per : n;
}

// k_compact_count: counts[b] = the true rows of block b's tile.
extern "C" __global__ void k_compact_count(const uint8_t* vals, int64_t voff, const uint8_t* valid, int64_t noff,
                                           int64_t n, int64_t per, uint64_t* counts) {
  __shared__ uint64_t buf[SLUICE_MAX_BLOCK];
  int64_t lo, hi;
  thread_rows(n, per, &lo, &hi);
  uint64_t c = 0;
  for (int64_t i = lo; i < hi; i++) c += mask_at(vals, voff, valid, noff, i);
  unsigned t = thread_x();
  buf[t] = c;
  __syncthreads();
  for (unsigned s = block_dim_x() >> 1; s > 0; s >>= 1) {
    if (t < s) buf[t] += buf[t + s];
    __syncthreads();
  }
  if (t == 0) counts[block_x()] = buf[0];
}

// k_compact_scatter writes the true rows of block b's tile, in order, to
// out starting at starts[b] (the exclusive prefix sum of the counts).
extern "C" __global__ void k_compact_scatter(const uint8_t* vals, int64_t voff, const uint8_t* valid, int64_t noff,
                                             int64_t n, int64_t per, const uint64_t* starts, int32_t* out) {
  __shared__ uint64_t buf[SLUICE_MAX_BLOCK];
  int64_t lo, hi;
  thread_rows(n, per, &lo, &hi);
  uint64_t c = 0;
  for (int64_t i = lo; i < hi; i++) c += mask_at(vals, voff, valid, noff, i);
  // Inclusive scan over the block (Hillis-Steele, fixed steps).
  unsigned t = thread_x();
  buf[t] = c;
  __syncthreads();
  for (unsigned off = 1; off < block_dim_x(); off <<= 1) {
    uint64_t v = t >= off ? buf[t - off] : 0;
    __syncthreads();
    buf[t] += v;
    __syncthreads();
  }
  uint64_t pos = starts[block_x()] + buf[t] - c;
  for (int64_t i = lo; i < hi; i++) {
    if (mask_at(vals, voff, valid, noff, i)) out[pos++] = (int32_t)i;
  }
}
