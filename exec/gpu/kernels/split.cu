// split.cu: split (and shard) assignment from a broadcast boundary table,
// as exec/split Boundaries.Assign: a row's index is the number of its
// group's cuts that are <= (h, rowid).
#include "prelude.h"

// cut_le is 1 when the cut (ch, cr) <= the key (x, r).
static __device__ __forceinline__ int cut_le(uint64_t ch, uint64_t cr, uint64_t x, uint64_t r) {
  return (x > ch) | ((x == ch) & (r >= cr));
}

// k_assign: group g's cuts are (cut_h, cut_r)[off[g]:off[g+1]], ascending
// (-inf stored as (0, 0), +inf dropped). group may be null (every row in
// group 0). A row whose group is outside [0, ngroups) lowers bad[0] to its
// row index.
extern "C" __global__ void k_assign(const int32_t* group, const uint64_t* h, const uint64_t* rowid,
                                    const uint64_t* cut_h, const uint64_t* cut_r, const int32_t* off,
                                    int64_t ngroups, int32_t* out, int64_t n, uint64_t* bad) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t g = group ? (int64_t)group[i] : 0;
    if (g < 0 || g >= ngroups) {
      atomic_min_u64(bad, (uint64_t)i);
      out[i] = 0;
      continue;
    }
    uint64_t x = h[i], r = rowid[i];
    int64_t lo = off[g], cnt = off[g + 1] - lo;
    int32_t c = 0;
    if (cnt <= 8) {
      for (int64_t j = 0; j < cnt; j++) c += cut_le(cut_h[lo + j], cut_r[lo + j], x, r);
    } else {
      // Branch-free binary search: base stays the last cut known <= key.
      int64_t base = lo, m = cnt;
      while (m > 1) {
        int64_t half = m >> 1;
        base += half * cut_le(cut_h[base + half], cut_r[base + half], x, r);
        m -= half;
      }
      c = (int32_t)(base - lo + cut_le(cut_h[base], cut_r[base], x, r));
    }
    out[i] = c;
  }
}
