// moments.cu: per-block partial moments (count, mean, M2, min, max, and
// the NaN/Inf/null counts) of a numeric column, reduced in a fixed tree so
// the result does not depend on thread timing. The host merges the block
// partials in block order with Chan's formula (exec/cpu Moments.Merge).
#include "prelude.h"
#include "log1p.h"

// load_moment_x reads row r as float64 (kind 0 int64, 1 float64, 2 bool
// bitmap at bit voff); with log, log1p(x) (NaN for x < -1).
static __device__ __forceinline__ double load_moment_x(const void* vals, int64_t kind, int64_t voff, int64_t log,
                                                       int64_t r) {
  double x;
  if (kind == 0) {
    x = (double)((const int64_t*)vals)[r];
  } else if (kind == 1) {
    x = ((const double*)vals)[r];
  } else {
    x = (double)bit_at((const uint8_t*)vals, voff, r);
  }
  if (log) x = go_log1p(x);
  return x;
}

// k_moments: block b summarises rows [b*tile, min((b+1)*tile, n)) of the
// selection (sel[i] when sel is not null, else i), skipping nulls (valid
// bit 0) and, when check is set, NaN and ±Inf. It writes
// fout[4b..4b+3] = mean, M2, min, max and iout[4b..4b+3] = count, NaN,
// Inf, nulls. With log, values are log1p(x) and -Inf counts as NaN.
extern "C" __global__ void k_moments(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                     int64_t noff, const int32_t* sel, int64_t n, int64_t tile, int64_t check,
                                     int64_t log, double* fout, uint64_t* iout) {
  __shared__ double fbuf[SLUICE_MAX_BLOCK], lbuf[SLUICE_MAX_BLOCK], hbuf[SLUICE_MAX_BLOCK];
  __shared__ uint64_t cbuf[SLUICE_MAX_BLOCK], nbuf[SLUICE_MAX_BLOCK], ibuf[SLUICE_MAX_BLOCK], ubuf[SLUICE_MAX_BLOCK];
  const double inf = bits_f64(0x7FF0000000000000ULL);
  int64_t lo = (int64_t)block_x() * tile;
  int64_t hi = lo + tile < n ? lo + tile : n;
  unsigned bd = block_dim_x();
  uint64_t cnt = 0, nan = 0, infs = 0, nulls = 0;
  double sum = 0, mn = inf, mx = -inf;
  for (int64_t i = lo + thread_x(); i < hi; i += bd) {
    int64_t r = sel ? (int64_t)sel[i] : i;
    if (valid && !bit_at(valid, noff, r)) {
      nulls++;
      continue;
    }
    double x = load_moment_x(vals, kind, voff, log, r);
    if (check && x - x != 0) {
      if (x != x || (log && x < 0)) {
        nan++;
      } else {
        infs++;
      }
      continue;
    }
    cnt++;
    sum += x;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
  }
  // One fixed tree for the counts, the sum, the minimum and the maximum
  // (lane t < s takes lane t+s), so each level costs one barrier.
  unsigned t = thread_x();
  cbuf[t] = cnt;
  nbuf[t] = nan;
  ibuf[t] = infs;
  ubuf[t] = nulls;
  fbuf[t] = sum;
  lbuf[t] = mn;
  hbuf[t] = mx;
  __syncthreads();
  for (unsigned s = bd >> 1; s > 0; s >>= 1) {
    if (t < s) {
      cbuf[t] += cbuf[t + s];
      nbuf[t] += nbuf[t + s];
      ibuf[t] += ibuf[t + s];
      ubuf[t] += ubuf[t + s];
      fbuf[t] += fbuf[t + s];
      if (lbuf[t + s] < lbuf[t]) lbuf[t] = lbuf[t + s];
      if (hbuf[t + s] > hbuf[t]) hbuf[t] = hbuf[t + s];
    }
    __syncthreads();
  }
  uint64_t tcnt = cbuf[0], tnan = nbuf[0], tinf = ibuf[0], tnul = ubuf[0];
  double tsum = fbuf[0], tmin = lbuf[0], tmax = hbuf[0];
  __syncthreads();

  // Second pass: squared deviations from the block mean, corrected.
  double mean = tcnt ? tsum / (double)tcnt : 0;
  double m2 = 0, corr = 0;
  if (tcnt) {
    for (int64_t i = lo + thread_x(); i < hi; i += bd) {
      int64_t r = sel ? (int64_t)sel[i] : i;
      if (valid && !bit_at(valid, noff, r)) continue;
      double x = load_moment_x(vals, kind, voff, log, r);
      if (check && x - x != 0) continue;
      double d = x - mean;
      m2 += d * d;
      corr += d;
    }
  }
  fbuf[t] = m2;
  lbuf[t] = corr;
  __syncthreads();
  for (unsigned s = bd >> 1; s > 0; s >>= 1) {
    if (t < s) {
      fbuf[t] += fbuf[t + s];
      lbuf[t] += lbuf[t + s];
    }
    __syncthreads();
  }
  double tm2 = fbuf[0], tcorr = lbuf[0];
  if (t == 0) {
    int64_t b = block_x();
    if (tcnt) {
      double dn = (double)tcnt;
      mean += tcorr / dn;
      tm2 -= tcorr * tcorr / dn;
      if (tm2 < 0) tm2 = 0;
    } else {
      tmin = 0;
      tmax = 0;
    }
    fout[4 * b] = mean;
    fout[4 * b + 1] = tm2;
    fout[4 * b + 2] = tmin;
    fout[4 * b + 3] = tmax;
    iout[4 * b] = tcnt;
    iout[4 * b + 1] = tnan;
    iout[4 * b + 2] = tinf;
    iout[4 * b + 3] = tnul;
  }
}
