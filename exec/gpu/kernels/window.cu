// window.cu: the split-window collection of exec/split Collector.Add. For
// every row and every window w of its group (windows start[g] ..
// start[g+1]; a null group puts every row in group 0; a group outside
// [0, ngroups) has none), the row counts in below[w] when h < lo[w], and
// is kept in w when h - lo[w] <= width[w] (wrapping). Two kernels over
// tiles of blockDim*per rows, per consecutive rows a thread:
// k_window_count counts the below rows and each tile's picks;
// k_window_pick writes the picks (window, row) in row order at the tile's
// offset (the host's prefix sum of the counts).
#include "prelude.h"
#include "scan.h"

// WIN_SHARED is the most windows whose below counts a block sums in
// shared memory before adding them to below; with more, every count is a
// global atomic add.
#define WIN_SHARED 2048

// win_range is the windows [a, b) of row i's group.
static __device__ __forceinline__ void win_range(const int32_t* group, int64_t i, const int32_t* start, int64_t ngroups,
                                                 int64_t* a, int64_t* b) {
  uint64_t g = group ? (uint64_t)(uint32_t)group[i] : 0;
  if (g >= (uint64_t)ngroups) {
    *a = *b = 0;
    return;
  }
  *a = start[g];
  *b = start[g + 1];
}

// k_window_count adds to below[w] the rows below window w and sets
// counts[t] to the picks of tile t.
extern "C" __global__ void k_window_count(const int32_t* group, const uint64_t* h, int64_t n, const int32_t* start,
                                          int64_t ngroups, const uint64_t* lo, const uint64_t* width, int64_t nwin,
                                          int64_t per, uint64_t* below, uint64_t* counts, int64_t tiles) {
  __shared__ uint32_t sb[WIN_SHARED];
  __shared__ uint32_t buf[SLUICE_MAX_BLOCK];
  unsigned th = thread_x(), nb = block_dim_x();
  int shared = nwin <= WIN_SHARED;
  int64_t size = (int64_t)nb * per;
  for (int64_t t = block_x(); t < tiles; t += grid_dim_x()) {
    if (shared) {
      for (int64_t w = th; w < nwin; w += nb) sb[w] = 0;
    }
    __syncthreads();
    int64_t rlo, rhi;
    thread_run(t * size, (t + 1) * size < n ? (t + 1) * size : n, per, &rlo, &rhi);
    uint32_t kept = 0;
    for (int64_t i = rlo; i < rhi; i++) {
      int64_t a, b;
      win_range(group, i, start, ngroups, &a, &b);
      uint64_t x = h[i];
      for (int64_t w = a; w < b; w++) {
        if (x < lo[w]) {
          if (shared) {
            atomic_add_u32(&sb[w], 1);
          } else {
            atomic_add_u64(&below[w], 1);
          }
        }
        kept += x - lo[w] <= width[w];
      }
    }
    uint32_t total;
    block_excl_scan(kept, buf, &total);  // its barriers also publish sb
    if (th == 0) counts[t] = total;
    if (shared) {
      for (int64_t w = th; w < nwin; w += nb) {
        if (sb[w]) atomic_add_u64(&below[w], sb[w]);
      }
    }
    __syncthreads();
  }
}

// k_window_pick writes tile t's picks from offset starts[t]: row i's
// windows in ascending order, rows in order (win, row: int32).
extern "C" __global__ void k_window_pick(const int32_t* group, const uint64_t* h, int64_t n, const int32_t* start,
                                         int64_t ngroups, const uint64_t* lo, const uint64_t* width, int64_t per,
                                         const uint64_t* starts, int64_t tiles, int32_t* win, int32_t* row) {
  __shared__ uint32_t buf[SLUICE_MAX_BLOCK];
  int64_t size = (int64_t)block_dim_x() * per;
  for (int64_t t = block_x(); t < tiles; t += grid_dim_x()) {
    int64_t rlo, rhi;
    thread_run(t * size, (t + 1) * size < n ? (t + 1) * size : n, per, &rlo, &rhi);
    uint32_t kept = 0;
    for (int64_t i = rlo; i < rhi; i++) {
      int64_t a, b;
      win_range(group, i, start, ngroups, &a, &b);
      for (int64_t w = a; w < b; w++) kept += h[i] - lo[w] <= width[w];
    }
    uint32_t total;
    uint64_t pos = starts[t] + block_excl_scan(kept, buf, &total);
    for (int64_t i = rlo; i < rhi; i++) {
      int64_t a, b;
      win_range(group, i, start, ngroups, &a, &b);
      for (int64_t w = a; w < b; w++) {
        if (h[i] - lo[w] <= width[w]) {
          win[pos] = (int32_t)w;
          row[pos] = (int32_t)i;
          pos++;
        }
      }
    }
  }
}
