// transform.cu: the numeric feature transforms of exec/cpu Apply, with the
// same float64 operations in the same order and one rounding to float32.
#include "prelude.h"
#include "log1p.h"

// Transform ops (match the Go constants in exec/gpu/transform/apply.go).
#define OP_IDENTITY 0
#define OP_AFFINE 1  // (x - p0) / p1: zscore, and minmax with p1 = max - min
#define OP_LOG1P 2   // (log1p(x) - p0) / p1
#define OP_CLIP 3    // x clamped to [p0, p1]
#define OP_ZERO 4    // 0 (minmax with max == min)

// load_x reads row i as float64: kind 0 int64 (and timestamps), 1 float64,
// 2 bool bitmap at bit voff. A null row (valid bit 0) reads as fill when
// has_fill, else as the raw value under the null slot (as exec/cpu does).
static __device__ __forceinline__ double load_x(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                                int64_t noff, int64_t has_fill, double fill, int64_t i) {
  if (has_fill && valid && !bit_at(valid, noff, i)) return fill;
  if (kind == 0) return (double)((const int64_t*)vals)[i];
  if (kind == 1) return ((const double*)vals)[i];
  return (double)bit_at((const uint8_t*)vals, voff, i);
}

// k_transform_f32: out[i] = float32(op(x_i)), NaN canonical.
extern "C" __global__ void k_transform_f32(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                           int64_t noff, int64_t has_fill, double fill, int64_t op, double p0,
                                           double p1, float* out, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    double x = load_x(vals, kind, voff, valid, noff, has_fill, fill, i);
    double y;
    switch (op) {
      case OP_AFFINE:
        y = (x - p0) / p1;
        break;
      case OP_LOG1P:
        y = (go_log1p(x) - p0) / p1;
        break;
      case OP_CLIP:
        if (x < p0) {
          x = p0;
        } else if (x > p1) {
          x = p1;
        }
        y = x;
        break;
      case OP_ZERO:
        y = 0;
        break;
      default:
        y = x;
    }
    // NaN is written as the canonical quiet NaN 0x7fc00000: NaN payloads
    // and signs differ between x86 and PTX conversions.
    float o = (float)y;
    if (o != o) {
      union { uint32_t u; float f; } c;
      c.u = 0x7fc00000u;
      o = c.f;
    }
    out[i] = o;
  }
}

// k_bucketize: out[i] = the number of bounds <= x_i (binary search; NaN
// lands in bucket 0).
extern "C" __global__ void k_bucketize(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                       int64_t noff, int64_t has_fill, double fill, const double* bounds,
                                       int64_t nb, int32_t* out, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    double x = load_x(vals, kind, voff, valid, noff, has_fill, fill, i);
    int64_t lo = 0, hi = nb;
    while (lo < hi) {
      int64_t m = (int64_t)((uint64_t)(lo + hi) >> 1);
      if (bounds[m] <= x) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    out[i] = (int32_t)lo;
  }
}
