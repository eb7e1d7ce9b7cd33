// sort.cu: a stable LSD radix sort of rows by (key, tie), two uint64
// words, to a permutation: exec/cpu/perm SortPerm's order. The host runs
// one pass per varying byte, least significant first (the tie's bytes,
// then the key's), each pass stable, so the result is the stable order by
// (key, tie). A pass is three steps over tiles of blockDim*per rows:
//
//   k_sort_hist     per-tile digit counts (hist[d*tiles + tile]);
//   k_sort_scan_up, k_scan_u32, k_sort_scan_down
//                   the exclusive prefix sum of hist (digit-major, so a
//                   tile's rows of digit d land after every earlier tile's);
//   k_sort_scatter  every thread ranks its run of per consecutive rows
//                   within the tile (per-thread digit counts in shared
//                   memory, scanned across the threads) and writes each row
//                   to its place, with the key, tie and row index.
//
// The rows move with their keys (no gather through the permutation), and
// a tile takes two block barriers per pass, whatever per is.
#include "prelude.h"
#include "scan.h"

#define SORT_BITS 8
#define SORT_RADIX (1 << SORT_BITS)
// SORT_MAX_BLOCK is the largest block of k_sort_scatter: its per-thread
// digit counts are SORT_RADIX x (block + 2) uint16 in shared memory (the
// +2 spreads a digit's row over the banks): 33 KiB at 64 threads.
#define SORT_MAX_BLOCK 64
#define SORT_MAX_STRIDE (SORT_MAX_BLOCK + 2)

// sort_word is the word a pass takes its digit from: the tie (sel 1) or
// the key.
static __device__ __forceinline__ unsigned sort_digit(const uint64_t* key, const uint64_t* tie, int64_t sel,
                                                      int64_t shift, int64_t i) {
  uint64_t w = sel ? tie[i] : key[i];
  return (unsigned)(w >> shift) & (SORT_RADIX - 1);
}

// k_sort_bits ORs into varying[0] the bits in which some key differs from
// key[0], into varying[1] those in which some tie differs from tie[0] (tie
// null: none), and into varying[2] those in which some row's key differs
// from its tie (so the host skips the bytes every row shares, and the tie
// when it repeats the key). n >= 1.
extern "C" __global__ void k_sort_bits(const uint64_t* key, const uint64_t* tie, int64_t n, uint64_t* varying) {
  uint64_t k0 = key[0], t0 = tie ? tie[0] : 0;
  uint64_t vk = 0, vt = 0, vd = 0;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    uint64_t k = key[i], t = tie ? tie[i] : 0;
    vk |= k ^ k0;
    vt |= t ^ t0;
    vd |= k ^ t;
  }
  if (vk) atomic_or_u64(&varying[0], vk);
  if (vt) atomic_or_u64(&varying[1], vt);
  if (vd) atomic_or_u64(&varying[2], vd);
}

// sort_tile is the rows [lo, hi) of tile t (tiles of block*per rows).
static __device__ __forceinline__ void sort_tile(int64_t t, int64_t per, int64_t n, int64_t* lo, int64_t* hi) {
  int64_t size = (int64_t)block_dim_x() * per;
  *lo = t * size;
  *hi = *lo + size < n ? *lo + size : n;
}

// k_sort_hist: hist[d*tiles + t] = the rows of tile t whose digit (of the
// word sel at shift) is d. The block's threads read the tile interleaved
// (coalesced) and count in shared memory; counts do not depend on the
// order of the atomic adds.
extern "C" __global__ void k_sort_hist(const uint64_t* key, const uint64_t* tie, int64_t sel, int64_t shift,
                                       int64_t n, int64_t per, uint32_t* hist, int64_t tiles) {
  __shared__ uint32_t cnt[SORT_RADIX];
  unsigned th = thread_x(), nb = block_dim_x();
  for (int64_t t = block_x(); t < tiles; t += grid_dim_x()) {
    for (unsigned d = th; d < SORT_RADIX; d += nb) cnt[d] = 0;
    __syncthreads();
    int64_t lo, hi;
    sort_tile(t, per, n, &lo, &hi);
    for (int64_t i = lo + th; i < hi; i += nb) atomic_add_u32(&cnt[sort_digit(key, tie, sel, shift, i)], 1);
    __syncthreads();
    for (unsigned d = th; d < SORT_RADIX; d += nb) hist[(int64_t)d * tiles + t] = cnt[d];
    __syncthreads();
  }
}

// k_sort_scan_up: sums[s] = the sum of a[s*seg : (s+1)*seg] (seg =
// block*per entries).
extern "C" __global__ void k_sort_scan_up(const uint32_t* a, int64_t m, int64_t per, uint32_t* sums, int64_t nseg) {
  __shared__ uint32_t buf[SLUICE_MAX_BLOCK];
  int64_t seg = (int64_t)block_dim_x() * per;
  for (int64_t s = block_x(); s < nseg; s += grid_dim_x()) {
    int64_t lo, hi;
    thread_run(s * seg, m < (s + 1) * seg ? m : (s + 1) * seg, per, &lo, &hi);
    uint32_t v = 0;
    for (int64_t i = lo; i < hi; i++) v += a[i];
    uint32_t total;
    block_excl_scan(v, buf, &total);
    if (thread_x() == 0) sums[s] = total;
  }
}

// k_sort_scan_down replaces a[s*seg : (s+1)*seg] by its exclusive prefix
// sums plus sums[s] (the exclusive prefix sums of k_sort_scan_up's sums):
// a becomes the exclusive prefix sum of the whole array.
extern "C" __global__ void k_sort_scan_down(uint32_t* a, int64_t m, int64_t per, const uint32_t* sums, int64_t nseg) {
  __shared__ uint32_t buf[SLUICE_MAX_BLOCK];
  int64_t seg = (int64_t)block_dim_x() * per;
  for (int64_t s = block_x(); s < nseg; s += grid_dim_x()) {
    int64_t lo, hi;
    thread_run(s * seg, m < (s + 1) * seg ? m : (s + 1) * seg, per, &lo, &hi);
    uint32_t v = 0;
    for (int64_t i = lo; i < hi; i++) v += a[i];
    uint32_t total;
    uint32_t run = sums[s] + block_excl_scan(v, buf, &total);
    for (int64_t i = lo; i < hi; i++) {
      uint32_t x = a[i];
      a[i] = run;
      run += x;
    }
  }
}

// k_sort_scatter is one stable pass: the row at position i of the pass's
// order (key, tie, idx; idx null: row i) goes to position
// gofs[d*tiles + t] + (the rows of digit d before it in tile t), with its
// key, tie and row index written to okey, otie, oidx (okey or otie null:
// not moved, when no later pass reads them). Thread th of the block owns
// the rows [th*per, (th+1)*per) of the tile: it counts their digits into
// its column of cnt, the block turns every digit's row of cnt into
// exclusive prefix sums (the digit's rows in earlier threads), and the
// thread walks its rows in order. block <= SORT_MAX_BLOCK, and
// block*per <= 65535 (the counts are uint16).
extern "C" __global__ void k_sort_scatter(const uint64_t* key, const uint64_t* tie, const uint32_t* idx, int64_t sel,
                                          int64_t shift, int64_t n, int64_t per, const uint32_t* gofs, int64_t tiles,
                                          uint64_t* okey, uint64_t* otie, uint32_t* oidx) {
  __shared__ uint16_t cnt[SORT_RADIX * SORT_MAX_STRIDE];
  __shared__ uint32_t base[SORT_RADIX];
  unsigned th = thread_x(), nb = block_dim_x(), stride = nb + 2;
  for (int64_t t = block_x(); t < tiles; t += grid_dim_x()) {
    int64_t tlo, thi, lo, hi;
    sort_tile(t, per, n, &tlo, &thi);
    thread_run(tlo, thi, per, &lo, &hi);
    // Only this thread touches its column until the barrier.
    for (unsigned d = 0; d < SORT_RADIX; d++) cnt[d * stride + th] = 0;
    for (int64_t i = lo; i < hi; i++) cnt[sort_digit(key, tie, sel, shift, i) * stride + th]++;
    __syncthreads();
    for (unsigned d = th; d < SORT_RADIX; d += nb) {
      uint16_t* row = &cnt[d * stride];
      unsigned run = 0;
      for (unsigned j = 0; j < nb; j++) {
        unsigned x = row[j];
        row[j] = (uint16_t)run;
        run += x;
      }
      base[d] = gofs[(int64_t)d * tiles + t];
    }
    __syncthreads();
    // Again only this thread's column (and base, read only) until the
    // next tile's barrier.
    for (int64_t i = lo; i < hi; i++) {
      unsigned d = sort_digit(key, tie, sel, shift, i);
      uint32_t p = base[d] + cnt[d * stride + th]++;
      if (okey) okey[p] = key[i];
      if (otie) otie[p] = tie[i];
      oidx[p] = idx ? idx[i] : (uint32_t)i;
    }
  }
}
