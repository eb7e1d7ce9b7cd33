// groupcount.cu: group-by count over an int64 key column with an
// open-addressing hash table in global memory, filled with atomics.
#include "prelude.h"
#include "hashfn.h"

// GROUP_EMPTY marks a free slot; the key with these bits is counted in
// special[1] instead of the table.
#define GROUP_EMPTY 0x8000000000000000ULL

// k_groupcount adds each row's key to the table (tkeys, tcounts: mask+1
// slots, a power of two, more than the distinct keys; tkeys filled with
// GROUP_EMPTY). Null rows add to special[0], the GROUP_EMPTY key to
// special[1]. With sel not null the rows are sel[0:n] (a selection
// vector), else 0..n-1.
extern "C" __global__ void k_groupcount(const int64_t* keys, const uint8_t* valid, int64_t noff, const int32_t* sel,
                                        int64_t n, uint64_t* tkeys, uint64_t* tcounts, uint64_t mask,
                                        uint64_t* special) {
  for (int64_t j = global_index(); j < n; j += grid_stride()) {
    int64_t i = sel ? (int64_t)sel[j] : j;
    if (valid && !bit_at(valid, noff, i)) {
      atomic_add_u64(&special[0], 1);
      continue;
    }
    uint64_t k = (uint64_t)keys[i];
    if (k == GROUP_EMPTY) {
      atomic_add_u64(&special[1], 1);
      continue;
    }
    uint64_t s = hash_int64((int64_t)k) & mask;
    for (;;) {
      uint64_t old = atomic_cas_u64(&tkeys[s], GROUP_EMPTY, k);
      if (old == GROUP_EMPTY || old == k) {
        atomic_add_u64(&tcounts[s], 1);
        break;
      }
      s = (s + 1) & mask;
    }
  }
}
