// prelude.h: the few CUDA words the kernels use, for two compilers.
//
// Compiled as CUDA by clang (-x cuda --cuda-device-only -nocudainc), the
// keywords map to clang's attributes and PTX special registers. Compiled
// for the CPU (SLUICE_HOST defined), they map to the host shim in host.h:
// thread-local indices, __atomic builtins and a real barrier.
//
// Kernel rules (both targets): extern "C", every parameter 8 bytes wide
// (a pointer, int64_t, uint64_t or double), one-dimensional grids and
// blocks, block sizes a power of two up to SLUICE_MAX_BLOCK, and every
// thread of a block reaches every __syncthreads().
#ifndef SLUICE_PRELUDE_H
#define SLUICE_PRELUDE_H

#define SLUICE_MAX_BLOCK 256

#ifdef SLUICE_HOST
#include <stdint.h>
#include <math.h>
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
namespace sluice_host {
void syncthreads();
extern thread_local unsigned tid_x, bid_x, bdim_x, gdim_x;
}
#define __syncthreads() ::sluice_host::syncthreads()
static inline unsigned thread_x() { return sluice_host::tid_x; }
static inline unsigned block_x() { return sluice_host::bid_x; }
static inline unsigned block_dim_x() { return sluice_host::bdim_x; }
static inline unsigned grid_dim_x() { return sluice_host::gdim_x; }
#else
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef unsigned int uint32_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned char uint8_t;
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __attribute__((always_inline)) inline
static __device__ __forceinline__ unsigned thread_x() { return __nvvm_read_ptx_sreg_tid_x(); }
static __device__ __forceinline__ unsigned block_x() { return __nvvm_read_ptx_sreg_ctaid_x(); }
static __device__ __forceinline__ unsigned block_dim_x() { return __nvvm_read_ptx_sreg_ntid_x(); }
static __device__ __forceinline__ unsigned grid_dim_x() { return __nvvm_read_ptx_sreg_nctaid_x(); }
#endif

// Atomics: the same __atomic builtins on both targets (relaxed order; the
// kernels publish results only at the end of a launch).
static __device__ __forceinline__ uint64_t atomic_add_u64(uint64_t* p, uint64_t v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static __device__ __forceinline__ uint32_t atomic_add_u32(uint32_t* p, uint32_t v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static __device__ __forceinline__ uint64_t atomic_or_u64(uint64_t* p, uint64_t v) {
  return __atomic_fetch_or(p, v, __ATOMIC_RELAXED);
}
static __device__ __forceinline__ uint64_t atomic_cas_u64(uint64_t* p, uint64_t expect, uint64_t desired) {
  __atomic_compare_exchange_n(p, &expect, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return expect;  // the old value
}
static __device__ __forceinline__ uint64_t atomic_min_u64(uint64_t* p, uint64_t v) {
  uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (v < old && !__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return old;
}

// global_index is the row of this thread in a grid-stride loop's first pass.
static __device__ __forceinline__ int64_t global_index() {
  return (int64_t)block_x() * block_dim_x() + thread_x();
}
static __device__ __forceinline__ int64_t grid_stride() {
  return (int64_t)grid_dim_x() * block_dim_x();
}

// bit_at reads bit i (after a bit offset) of an Arrow bitmap.
static __device__ __forceinline__ int bit_at(const uint8_t* bits, int64_t off, int64_t i) {
  int64_t j = off + i;
  return (bits[j >> 3] >> (j & 7)) & 1;
}

#endif
