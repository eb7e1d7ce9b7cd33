// groupagg.cu: group-by aggregation over one int64 key column with a
// deterministic result. Atomics only assign hash-table slots and find each
// group's first row; the host numbers the groups in order of first row
// (as exec/cpu does); a stable radix sort puts the rows in (group, row)
// order; then one thread per group folds its rows in row order with the
// very loop of exec/cpu, so float sums, means and M2 are bit-identical.
#include "prelude.h"
#include "hashfn.h"

// GA_EMPTY marks a free slot (and is the key counted in slot mask+2).
#define GA_EMPTY 0x8000000000000000ULL

// Aggregate ops of k_groupagg_reduce (match groupagg.go).
#define GA_COUNT_STAR 0
#define GA_COUNT 1
#define GA_SUM 2
#define GA_MOMENTS 3
#define GA_MIN 4
#define GA_MAX 5

// Value kinds (match buffers.go).
#define GA_INT64 0
#define GA_FLOAT64 1

// GA_RADIX_BITS is the digit of the radix sort; GA_TILE the rows one
// thread histograms and scatters, in order.
#define GA_RADIX_BITS 8
#define GA_RADIX (1 << GA_RADIX_BITS)
#define GA_TILE 256

// k_groupagg_slots puts each row's key in the table (tkeys: mask+1 slots
// filled with GA_EMPTY; tfirst: mask+3 entries filled with ~0) and writes
// its slot to rowslot: mask+1 for a null key, mask+2 for the key GA_EMPTY.
// tfirst[s] becomes the first row of slot s.
extern "C" __global__ void k_groupagg_slots(const int64_t* keys, const uint8_t* valid, int64_t noff, int64_t n,
                                            uint64_t* tkeys, uint64_t* tfirst, uint64_t mask, uint32_t* rowslot) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    uint64_t s;
    uint64_t k = (uint64_t)keys[i];
    if (valid && !bit_at(valid, noff, i)) {
      s = mask + 1;
    } else if (k == GA_EMPTY) {
      s = mask + 2;
    } else {
      s = hash_int64((int64_t)k) & mask;
      for (;;) {
        uint64_t old = atomic_cas_u64(&tkeys[s], GA_EMPTY, k);
        if (old == GA_EMPTY || old == k) break;
        s = (s + 1) & mask;
      }
    }
    rowslot[i] = (uint32_t)s;
    atomic_min_u64(&tfirst[s], (uint64_t)i);
  }
}

// k_groupagg_gids: gid[i] = slotgid[rowslot[i]].
extern "C" __global__ void k_groupagg_gids(const uint32_t* rowslot, const uint32_t* slotgid, int64_t n,
                                           uint32_t* gid) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) gid[i] = slotgid[rowslot[i]];
}

// radix_row is the row at position p of the pass's input order (perm
// null: the identity).
static __device__ __forceinline__ uint32_t radix_row(const uint32_t* perm, int64_t p) {
  return perm ? perm[p] : (uint32_t)p;
}

// k_radix_hist: hist[d*tiles + t] = the rows of tile t (positions
// t*GA_TILE.., of the order perm) whose group id has digit d at shift.
extern "C" __global__ void k_radix_hist(const uint32_t* gid, const uint32_t* perm, int64_t n, int64_t shift,
                                        uint32_t* hist, int64_t tiles) {
  for (int64_t t = global_index(); t < tiles; t += grid_stride()) {
    uint32_t c[GA_RADIX];
    for (int d = 0; d < GA_RADIX; d++) c[d] = 0;
    int64_t hi = (t + 1) * GA_TILE < n ? (t + 1) * GA_TILE : n;
    for (int64_t p = t * GA_TILE; p < hi; p++) c[(gid[radix_row(perm, p)] >> shift) & (GA_RADIX - 1)]++;
    for (int d = 0; d < GA_RADIX; d++) hist[(int64_t)d * tiles + t] = c[d];
  }
}

// k_scan_u32 replaces a[0:m] by its exclusive prefix sums; launched as a
// single block (each thread scans a contiguous run, then the runs' sums
// are scanned in shared memory).
extern "C" __global__ void k_scan_u32(uint32_t* a, int64_t m) {
  __shared__ uint32_t sums[SLUICE_MAX_BLOCK];
  int64_t t = thread_x(), b = block_dim_x();
  int64_t lo = m * t / b, hi = m * (t + 1) / b;
  uint32_t s = 0;
  for (int64_t i = lo; i < hi; i++) s += a[i];
  sums[t] = s;
  __syncthreads();
  if (t == 0) {
    uint32_t run = 0;
    for (int64_t j = 0; j < b; j++) {
      uint32_t v = sums[j];
      sums[j] = run;
      run += v;
    }
  }
  __syncthreads();
  uint32_t run = sums[t];
  for (int64_t i = lo; i < hi; i++) {
    uint32_t v = a[i];
    a[i] = run;
    run += v;
  }
}

// k_radix_scatter: each tile, in order, writes its rows to out at the
// offsets k_scan_u32 made of k_radix_hist (a stable pass).
extern "C" __global__ void k_radix_scatter(const uint32_t* gid, const uint32_t* perm, int64_t n, int64_t shift,
                                           const uint32_t* hist, int64_t tiles, uint32_t* out) {
  for (int64_t t = global_index(); t < tiles; t += grid_stride()) {
    uint32_t off[GA_RADIX];
    for (int d = 0; d < GA_RADIX; d++) off[d] = hist[(int64_t)d * tiles + t];
    int64_t hi = (t + 1) * GA_TILE < n ? (t + 1) * GA_TILE : n;
    for (int64_t p = t * GA_TILE; p < hi; p++) {
      uint32_t r = radix_row(perm, p);
      out[off[(gid[r] >> shift) & (GA_RADIX - 1)]++] = r;
    }
  }
}

// k_seg_starts: start[g] = the first position of group g in the sorted
// order perm (every group has a row).
extern "C" __global__ void k_seg_starts(const uint32_t* gid, const uint32_t* perm, int64_t n, uint32_t* start) {
  for (int64_t p = global_index(); p < n; p += grid_stride()) {
    uint32_t g = gid[perm[p]];
    if (p == 0 || gid[perm[p - 1]] != g) start[g] = (uint32_t)p;
  }
}

// ga_valid is 1 when row i has a value (not null, and not NaN for floats:
// the aggregates treat NaN as missing).
static __device__ __forceinline__ int ga_valid(const void* vals, int64_t kind, const uint8_t* valid, int64_t noff,
                                               int64_t i) {
  if (valid && !bit_at(valid, noff, i)) return 0;
  if (kind == GA_FLOAT64) {
    double x = ((const double*)vals)[i];
    return x == x;
  }
  return 1;
}

// k_groupagg_reduce folds the rows of each group g (positions start[g] ..
// start[g+1] of perm, perm null: the identity) in row order, exactly as
// exec/cpu's aggregates do:
//   GA_COUNT_STAR, GA_COUNT: o0 = count (int64);
//   GA_SUM: o0 = count, o1 = sum (int64 wrapping, or float64);
//   GA_MOMENTS: o0 = count, o1 = mean, o2 = M2 (Welford's step);
//   GA_MIN, GA_MAX: o0 = the value (input kind), o1 = 1 when set.
extern "C" __global__ void k_groupagg_reduce(int64_t op, const void* vals, int64_t kind, const uint8_t* valid,
                                             int64_t noff, const uint32_t* perm, const uint32_t* start, int64_t groups,
                                             uint64_t* o0, uint64_t* o1, uint64_t* o2) {
  const int64_t* iv = (const int64_t*)vals;
  const double* fv = (const double*)vals;
  for (int64_t g = global_index(); g < groups; g += grid_stride()) {
    int64_t lo = start[g], hi = start[g + 1];
    if (op == GA_COUNT_STAR) {
      o0[g] = (uint64_t)(hi - lo);
      continue;
    }
    int64_t cnt = 0;
    if (op == GA_COUNT) {
      for (int64_t p = lo; p < hi; p++) cnt += ga_valid(vals, kind, valid, noff, radix_row(perm, p));
      o0[g] = (uint64_t)cnt;
    } else if (op == GA_SUM && kind == GA_INT64) {
      uint64_t s = 0;  // two's complement wraparound, as Go's int64
      for (int64_t p = lo; p < hi; p++) {
        int64_t i = radix_row(perm, p);
        if (!ga_valid(vals, kind, valid, noff, i)) continue;
        s += (uint64_t)iv[i];
        cnt++;
      }
      o0[g] = (uint64_t)cnt;
      o1[g] = s;
    } else if (op == GA_SUM) {
      double s = 0;
      for (int64_t p = lo; p < hi; p++) {
        int64_t i = radix_row(perm, p);
        if (!ga_valid(vals, kind, valid, noff, i)) continue;
        s += fv[i];
        cnt++;
      }
      o0[g] = (uint64_t)cnt;
      ((double*)o1)[g] = s;
    } else if (op == GA_MOMENTS) {
      double mean = 0, m2 = 0;
      for (int64_t p = lo; p < hi; p++) {
        int64_t i = radix_row(perm, p);
        if (!ga_valid(vals, kind, valid, noff, i)) continue;
        double x = kind == GA_INT64 ? (double)iv[i] : fv[i];
        cnt++;
        double d = x - mean;
        mean += d / (double)cnt;
        m2 += d * (x - mean);
      }
      o0[g] = (uint64_t)cnt;
      ((double*)o1)[g] = mean;
      ((double*)o2)[g] = m2;
    } else {  // GA_MIN, GA_MAX
      int max = op == GA_MAX, set = 0;
      int64_t ib = 0;
      double fb = 0;
      for (int64_t p = lo; p < hi; p++) {
        int64_t i = radix_row(perm, p);
        if (!ga_valid(vals, kind, valid, noff, i)) continue;
        if (kind == GA_INT64) {
          int64_t v = iv[i];
          if (!set || (max && v > ib) || (!max && v < ib)) ib = v, set = 1;
        } else {
          double v = fv[i];
          if (!set || (max && v > fb) || (!max && v < fb)) fb = v, set = 1;
        }
      }
      if (kind == GA_INT64) {
        o0[g] = (uint64_t)ib;
      } else {
        ((double*)o0)[g] = fb;
      }
      o1[g] = (uint64_t)set;
    }
  }
}
