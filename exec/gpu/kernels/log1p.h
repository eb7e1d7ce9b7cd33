// log1p.h: Go's math.Log1p for the kernels, shared by transform.cu and
// moments.cu.
#ifndef SLUICE_LOG1P_H
#define SLUICE_LOG1P_H
#include "prelude.h"

static __device__ __forceinline__ double bits_f64(uint64_t b) {
  union { uint64_t u; double d; } v;
  v.u = b;
  return v.d;
}
static __device__ __forceinline__ uint64_t f64_bits(double d) {
  union { uint64_t u; double d; } v;
  v.d = d;
  return v.u;
}

// go_log1p is Go's math.Log1p (FreeBSD s_log1p.c), operation for operation.
static __device__ double go_log1p(double x) {
  const double Sqrt2M1 = 4.142135623730950488017e-01;
  const double Sqrt2HalfM1 = -2.928932188134524755992e-01;
  const double Small = 1.0 / (double)(1 << 29);
  const double Tiny = 1.0 / 18014398509481984.0;  // 2**-54
  const double Two53 = 9007199254740992.0;        // 2**53
  const double Ln2Hi = 6.93147180369123816490e-01;
  const double Ln2Lo = 1.90821492927058770002e-10;
  const double Lp1 = 6.666666666666735130e-01;
  const double Lp2 = 3.999999999940941908e-01;
  const double Lp3 = 2.857142874366239149e-01;
  const double Lp4 = 2.222219843214978396e-01;
  const double Lp5 = 1.818357216161805012e-01;
  const double Lp6 = 1.531383769920937332e-01;
  const double Lp7 = 1.479819860511658591e-01;

  if (x < -1 || x != x) return bits_f64(0x7FF8000000000001ULL);  // Go's NaN()
  if (x == -1) return bits_f64(0xFFF0000000000000ULL);
  if (x == bits_f64(0x7FF0000000000000ULL)) return x;

  double absx = x < 0 ? -x : x;
  double f = 0;
  uint64_t iu = 0;
  int64_t k = 1;
  if (absx < Sqrt2M1) {
    if (absx < Small) {
      if (absx < Tiny) return x;
      return x - x * x * 0.5;
    }
    if (x > Sqrt2HalfM1) {
      k = 0;
      f = x;
      iu = 1;
    }
  }
  double c = 0;
  if (k != 0) {
    double u;
    if (absx < Two53) {
      u = 1.0 + x;
      iu = f64_bits(u);
      k = (int64_t)((iu >> 52) - 1023);
      if (k > 0) {
        c = 1.0 - (u - x);
      } else {
        c = x - (u - 1.0);
      }
      c /= u;
    } else {
      u = x;
      iu = f64_bits(u);
      k = (int64_t)((iu >> 52) - 1023);
      c = 0;
    }
    iu &= 0x000fffffffffffffULL;
    if (iu < 0x0006a09e667f3bcdULL) {
      u = bits_f64(iu | 0x3ff0000000000000ULL);
    } else {
      k++;
      u = bits_f64(iu | 0x3fe0000000000000ULL);
      iu = (0x0010000000000000ULL - iu) >> 2;
    }
    f = u - 1.0;
  }
  double hfsq = 0.5 * f * f;
  double s, R, z;
  double dk = (double)k;
  if (iu == 0) {
    if (f == 0) {
      if (k == 0) return 0;
      c += dk * Ln2Lo;
      return dk * Ln2Hi + c;
    }
    R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k == 0) return f - R;
    return dk * Ln2Hi - ((R - (dk * Ln2Lo + c)) - f);
  }
  s = f / (2.0 + f);
  z = s * s;
  R = z * (Lp1 + z * (Lp2 + z * (Lp3 + z * (Lp4 + z * (Lp5 + z * (Lp6 + z * Lp7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + R));
  return dk * Ln2Hi - ((hfsq - (s * (hfsq + R) + (dk * Ln2Lo + c))) - f);
}

#endif
