// scan.h: block-wide helpers of the kernels that give each thread a run
// of consecutive rows (sort.cu, window.cu).
#ifndef SLUICE_SCAN_H
#define SLUICE_SCAN_H
#include "prelude.h"

// block_excl_scan returns the exclusive prefix sum of v over the block's
// threads (in thread order) and sets *total to the block's sum; buf is
// SLUICE_MAX_BLOCK words of shared memory. Every thread must call it.
static __device__ __forceinline__ uint32_t block_excl_scan(uint32_t v, uint32_t* buf, uint32_t* total) {
  unsigned t = thread_x(), nb = block_dim_x();
  buf[t] = v;
  __syncthreads();
  for (unsigned off = 1; off < nb; off <<= 1) {
    uint32_t x = t >= off ? buf[t - off] : 0;
    __syncthreads();
    buf[t] += x;
    __syncthreads();
  }
  uint32_t incl = buf[t];
  *total = buf[nb - 1];
  __syncthreads();
  return incl - v;
}

// thread_run is the calling thread's run [lo, hi) of consecutive entries of the
// range [base, end), runs of per entries.
static __device__ __forceinline__ void thread_run(int64_t base, int64_t end, int64_t per, int64_t* lo, int64_t* hi) {
  int64_t l = base + (int64_t)thread_x() * per;
  *lo = l < end ? l : end;
  *hi = l + per < end ? l + per : end;
}

#endif
