// tsan_harness.cc: runs the kernels that use atomics and shared memory
// (group count, group aggregation, compaction, moments, split assignment, dictionary gathers, the radix sort, window collection) on the emulated
// device under ThreadSanitizer and checks their results against plain
// loops. Built and run by TestThreadSanitizer; exit 0 means clean.
#include <stdio.h>

#include <algorithm>
#include <map>
#include <vector>

#include "../host.h"

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

  // Group aggregation: slots and first rows with atomics, group ids in
  // order of first row, a stable radix pass (hist, single-block scan,
  // scatter), segment starts, then per-group sums in row order.
  std::vector<uint64_t> gk(slots), gf(slots + 2);
  std::vector<uint32_t> rs(n);
  uint64_t ga1[] = {w(gk.data()), 0x8000000000000000ULL, (uint64_t)slots};
  uint64_t ga2[] = {w(gf.data()), ~0ULL, (uint64_t)(slots + 2)};
  uint64_t ga3[] = {w(keys.data()), w(valid.data()), 0, (uint64_t)n, w(gk.data()), w(gf.data()), (uint64_t)(slots - 1), w(rs.data())};
  if (sluice_host::launch("k_fill_u64", 4, block, ga1, 3) || sluice_host::launch("k_fill_u64", 4, block, ga2, 3) ||
      sluice_host::launch("k_groupagg_slots", 4, block, ga3, 8))
    return fail("group aggregate slots launch");
  std::map<uint64_t, uint32_t> byFirst;  // first row -> slot
  for (int64_t s = 0; s < slots + 2; s++)
    if (gf[s] != ~0ULL) byFirst[gf[s]] = (uint32_t)s;
  std::vector<uint32_t> slotgid(slots + 2), gidv(n), perm(n);
  uint32_t groups = 0;
  for (auto& e : byFirst) slotgid[e.second] = groups++;
  uint64_t ga4[] = {w(rs.data()), w(slotgid.data()), (uint64_t)n, w(gidv.data())};
  if (sluice_host::launch("k_groupagg_gids", 4, block, ga4, 4)) return fail("group ids launch");
  std::map<int64_t, uint32_t> firstGid;  // key (or null) -> expected group id
  for (int64_t i = 0; i < n; i++) {
    int64_t key = is_valid(i) ? keys[i] : -1;
    if (!firstGid.count(key)) {
      uint32_t id = (uint32_t)firstGid.size();
      firstGid[key] = id;
    }
    if (gidv[i] != firstGid[key]) return fail("group ids differ");
  }
  const int64_t tiles = (n + 255) / 256;
  std::vector<uint32_t> hist(256 * tiles), starts(groups + 1);
  starts[groups] = (uint32_t)n;
  uint64_t ga5[] = {w(gidv.data()), 0, (uint64_t)n, 0, w(hist.data()), (uint64_t)tiles};
  uint64_t ga6[] = {w(hist.data()), (uint64_t)(256 * tiles)};
  uint64_t ga7[] = {w(gidv.data()), 0, (uint64_t)n, 0, w(hist.data()), (uint64_t)tiles, w(perm.data())};
  uint64_t ga8[] = {w(gidv.data()), w(perm.data()), (uint64_t)n, w(starts.data())};
  if (sluice_host::launch("k_radix_hist", 4, block, ga5, 6) || sluice_host::launch("k_scan_u32", 1, block, ga6, 2) ||
      sluice_host::launch("k_radix_scatter", 4, block, ga7, 7) || sluice_host::launch("k_seg_starts", 4, block, ga8, 4))
    return fail("radix sort launch");
  std::vector<uint64_t> cnt1(groups), sum1(groups), unused(groups);
  uint64_t ga9[] = {2, w(keys.data()), 0, w(valid.data()), 0, w(perm.data()), w(starts.data()), groups,
                    w(cnt1.data()), w(sum1.data()), w(unused.data())};
  if (sluice_host::launch("k_groupagg_reduce", 4, block, ga9, 11)) return fail("group reduce launch");
  std::vector<uint64_t> wantCnt(groups), wantSum(groups);
  for (int64_t i = 0; i < n; i++)
    if (is_valid(i)) wantCnt[gidv[i]]++, wantSum[gidv[i]] += (uint64_t)keys[i];
  for (uint32_t g = 0; g < groups; g++)
    for (uint32_t p = starts[g]; p < starts[g + 1]; p++)
      if (gidv[perm[p]] != g || (p + 1 < starts[g + 1] && perm[p] >= perm[p + 1])) return fail("radix order differs");
  if (cnt1 != wantCnt || sum1 != wantSum) return fail("group sums differ");

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

  // The radix sort: which bits vary (atomic or), then two stable passes
  // (the tie's low byte, then the key's), each a shared-memory histogram,
  // a segmented scan and the scatter ranking through per-thread counts.
  {
    const int64_t per = 16, scanPer = 4, tiles = (n + block * per - 1) / (block * per);
    const int64_t m = 256 * tiles, seg = block * scanPer, nseg = (m + seg - 1) / seg;
    std::vector<uint64_t> sk(n), st(n), sk2(n), st2(n), vary(3, 0);
    std::vector<uint32_t> sh(m), ssum(nseg), si(n), sperm(n);
    for (int64_t i = 0; i < n; i++) sk[i] = (uint64_t)keys[i] * 7 % 256, st[i] = (uint64_t)(keys[(i * 13) % n] & 15);
    uint64_t b1[] = {w(sk.data()), w(st.data()), (uint64_t)n, w(vary.data())};
    if (sluice_host::launch("k_sort_bits", 4, block, b1, 4)) return fail("sort bits launch");
    if (vary[0] != 0xff || vary[1] != 15) return fail("sort bits differ");
    for (int pass = 0; pass < 2; pass++) {
      uint64_t sel = pass == 0;
      const uint64_t* ik = pass == 0 ? sk.data() : sk2.data();
      const uint64_t* it = pass == 0 ? st.data() : st2.data();
      uint64_t h1[] = {w(ik), w(it), sel, 0, (uint64_t)n, (uint64_t)per, w(sh.data()), (uint64_t)tiles};
      uint64_t h2[] = {w(sh.data()), (uint64_t)m, (uint64_t)scanPer, w(ssum.data()), (uint64_t)nseg};
      uint64_t h3[] = {w(ssum.data()), (uint64_t)nseg};
      uint64_t h4[] = {w(ik), w(it), pass == 0 ? 0 : w(si.data()), sel, 0, (uint64_t)n, (uint64_t)per, w(sh.data()), (uint64_t)tiles,
                       pass == 0 ? w(sk2.data()) : 0, pass == 0 ? w(st2.data()) : 0, pass == 0 ? w(si.data()) : w(sperm.data())};
      if (sluice_host::launch("k_sort_hist", 4, block, h1, 8) || sluice_host::launch("k_sort_scan_up", 4, block, h2, 5) ||
          sluice_host::launch("k_scan_u32", 1, block, h3, 2) || sluice_host::launch("k_sort_scan_down", 4, block, h2, 5) ||
          sluice_host::launch("k_sort_scatter", 4, block, h4, 12))
        return fail("sort pass launch");
    }
    std::vector<uint32_t> want(n);
    for (int64_t i = 0; i < n; i++) want[i] = (uint32_t)i;
    std::stable_sort(want.begin(), want.end(), [&](uint32_t a, uint32_t b) {
      return sk[a] != sk[b] ? sk[a] < sk[b] : st[a] < st[b];
    });
    if (sperm != want) return fail("radix sort order differs");
  }

  // Window collection: below counts in shared memory (atomics), each
  // tile's picks (block scan), then the picks in row order.
  {
    const int64_t per = 16, tiles = (n + block * per - 1) / (block * per);
    std::vector<int32_t> wg(n), wstart = {0, 2, 2, 3};
    std::vector<uint64_t> wh(n), wlo = {1ULL << 62, 3ULL << 61, 1ULL << 63}, wwid = {1ULL << 61, 1ULL << 61, 1ULL << 62};
    std::vector<uint64_t> wbelow(3, 0), wcounts(tiles);
    uint64_t y = 99;
    for (int64_t i = 0; i < n; i++) {
      y = y * 6364136223846793005ULL + 1442695040888963407ULL;
      wg[i] = (int32_t)(keys[i] % 4) - (i % 97 == 0);  // groups -1..3: -1 and 3 have no windows
      wh[i] = y;
    }
    uint64_t c1[] = {w(wg.data()), w(wh.data()), (uint64_t)n, w(wstart.data()), 3, w(wlo.data()), w(wwid.data()), 3, (uint64_t)per,
                     w(wbelow.data()), w(wcounts.data()), (uint64_t)tiles};
    if (sluice_host::launch("k_window_count", 4, block, c1, 12)) return fail("window count launch");
    uint64_t total = 0;
    for (int64_t t = 0; t < tiles; t++) {
      uint64_t c = wcounts[t];
      wcounts[t] = total;
      total += c;
    }
    std::vector<int32_t> pw(total), pr(total);
    uint64_t c2[] = {w(wg.data()), w(wh.data()), (uint64_t)n, w(wstart.data()), 3, w(wlo.data()), w(wwid.data()), (uint64_t)per,
                     w(wcounts.data()), (uint64_t)tiles, w(pw.data()), w(pr.data())};
    if (sluice_host::launch("k_window_pick", 4, block, c2, 12)) return fail("window pick launch");
    std::vector<uint64_t> wantBelow(3, 0);
    std::vector<int32_t> wantW, wantR;
    for (int64_t i = 0; i < n; i++) {
      if (wg[i] < 0 || wg[i] >= 3) continue;
      for (int32_t k = wstart[wg[i]]; k < wstart[wg[i] + 1]; k++) {
        if (wh[i] < wlo[k]) wantBelow[k]++;
        if (wh[i] - wlo[k] <= wwid[k]) wantW.push_back(k), wantR.push_back((int32_t)i);
      }
    }
    if (wbelow != wantBelow || pw != wantW || pr != wantR || total < 100) return fail("window collection differs");
  }

  printf("tsan harness: ok\n");
  return 0;
}
