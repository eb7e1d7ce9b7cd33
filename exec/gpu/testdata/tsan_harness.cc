// tsan_harness.cc: runs the kernels that use atomics and shared memory
// (group count, compaction, moments, split assignment, dictionary gathers) on the emulated
// device under ThreadSanitizer and checks their results against plain
// loops. Built and run by TestThreadSanitizer; exit 0 means clean.
#include <stdio.h>

#include <map>
#include <vector>

#include "../kernels/host.h"

static uint64_t w(const void* p) { return (uint64_t)(uintptr_t)p; }

static int fail(const char* what) {
  fprintf(stderr, "tsan harness: %s\n", what);
  return 1;
}

int main() {
  const int64_t n = 3001, block = 32;
  std::vector<int64_t> keys(n);
  std::vector<uint8_t> valid((n + 7) / 8 + 1, 0xff), mask((n + 7) / 8 + 1, 0);
  uint64_t x = 12345;
  for (int64_t i = 0; i < n; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    keys[i] = (int64_t)(x >> 59);  // 32 distinct keys: heavy contention
    if (x & 1) mask[i >> 3] |= (uint8_t)(1 << (i & 7));
    if ((x >> 8) % 10 == 0) valid[i >> 3] &= (uint8_t)~(1 << (i & 7));
  }
  auto is_valid = [&](int64_t i) { return (valid[i >> 3] >> (i & 7)) & 1; };

  // Group count with atomics.
  const int64_t slots = 128;
  std::vector<uint64_t> tk(slots), tc(slots), special(2);
  uint64_t a1[] = {w(tk.data()), 0x8000000000000000ULL, (uint64_t)slots};
  uint64_t a2[] = {w(tc.data()), 0, (uint64_t)slots};
  uint64_t a3[] = {w(keys.data()), w(valid.data()), 0, 0, (uint64_t)n, w(tk.data()), w(tc.data()), (uint64_t)(slots - 1), w(special.data())};
  if (sluice_host::launch("k_fill_u64", 4, block, a1, 3) || sluice_host::launch("k_fill_u64", 4, block, a2, 3) ||
      sluice_host::launch("k_groupcount", 4, block, a3, 9))
    return fail("group count launch");
  std::map<int64_t, uint64_t> want;
  uint64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) is_valid(i) ? (void)want[keys[i]]++ : (void)nulls++;
  std::map<int64_t, uint64_t> got;
  for (int64_t s = 0; s < slots; s++)
    if (tk[s] != 0x8000000000000000ULL) got[(int64_t)tk[s]] += tc[s];
  if (got != want || special[0] != nulls) return fail("group counts differ");

  // Compaction: block counts (shared-memory tree), then the scatter
  // (shared-memory scan).
  const int64_t per = 4, tile = block * per, grid = (n + tile - 1) / tile;
  std::vector<uint64_t> counts(grid);
  uint64_t c1[] = {w(mask.data()), 0, w(valid.data()), 0, (uint64_t)n, (uint64_t)per, w(counts.data())};
  if (sluice_host::launch("k_compact_count", grid, block, c1, 7)) return fail("compact count launch");
  uint64_t total = 0;
  for (auto& c : counts) {
    uint64_t v = c;
    c = total;
    total += v;
  }
  std::vector<int32_t> idx(total + 1);
  uint64_t c2[] = {w(mask.data()), 0, w(valid.data()), 0, (uint64_t)n, (uint64_t)per, w(counts.data()), w(idx.data())};
  if (sluice_host::launch("k_compact_scatter", grid, block, c2, 8)) return fail("compact scatter launch");
  std::vector<int32_t> wantIdx;
  for (int64_t i = 0; i < n; i++)
    if (is_valid(i) && ((mask[i >> 3] >> (i & 7)) & 1)) wantIdx.push_back((int32_t)i);
  idx.resize(total);
  if (idx != wantIdx) return fail("compaction differs");

  // Moments: shared-memory reductions in a fixed tree.
  std::vector<double> vals(n), fo(4 * 4);
  std::vector<uint64_t> io(4 * 4);
  for (int64_t i = 0; i < n; i++) vals[i] = (double)keys[i] * 0.5;
  uint64_t m1[] = {w(vals.data()), 1, 0, w(valid.data()), 0, 0, (uint64_t)n, 1000, 1, 0, w(fo.data()), w(io.data())};
  if (sluice_host::launch("k_moments", 4, block, m1, 12)) return fail("moments launch");
  uint64_t cnt = 0;
  for (int b = 0; b < 4; b++) cnt += io[4 * b];
  if (cnt + nulls != (uint64_t)n) return fail("moments count differs");

  // Split assignment with the atomic error slot.
  std::vector<uint64_t> h(n), rid(n), bad(1, ~0ULL), ch(1, 1ULL << 63), cr(1, 0);
  std::vector<int32_t> grp(n, 0), off = {0, 1}, out(n);
  for (int64_t i = 0; i < n; i++) h[i] = (uint64_t)keys[i] << 59, rid[i] = i;
  grp[7] = 3;
  grp[5] = 2;
  uint64_t s1[] = {w(grp.data()), w(h.data()), w(rid.data()), w(ch.data()), w(cr.data()), w(off.data()), 1, w(out.data()), (uint64_t)n, w(bad.data())};
  if (sluice_host::launch("k_assign", 4, block, s1, 10)) return fail("assign launch");
  if (bad[0] != 5) return fail("assign: first bad row");
  // Dictionary gather with the atomic error slot (two bad indices race).
  std::vector<int32_t> gidx(n);
  std::vector<uint64_t> dict(8), gout(n), gbad(1, ~0ULL);
  for (int64_t i = 0; i < n; i++) gidx[i] = (int32_t)(keys[i] & 7);
  for (int j = 0; j < 8; j++) dict[j] = 100 + j;
  gidx[900] = 8;
  gidx[77] = -1;
  uint64_t g1[] = {w(gidx.data()), w(dict.data()), 8, w(valid.data()), 0, 5, w(gout.data()), (uint64_t)n, w(gbad.data())};
  if (sluice_host::launch("k_gather_u64", 4, block, g1, 9)) return fail("gather launch");
  if (gbad[0] != 77 && !(gbad[0] == 900 && !is_valid(77))) return fail("gather: first bad row");

  printf("tsan harness: ok\n");
  return 0;
}
