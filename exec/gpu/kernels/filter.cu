// filter.cu: filter evaluation. A small postfix program over the columns
// of a batch (comparisons of numeric columns and literals, is null,
// and/or/not with SQL three-valued logic) evaluated per row into a mask
// bitmap: a row is selected when the program's result is true and not
// null. The mask is then compacted by compact.cu.
#include "prelude.h"

// Opcodes; an instruction is 4 words: op, a, b, c.
#define F_CMP_LIT 1   // a: cmp | float<<8, b: column, c: literal (int64 or float64 bits)
#define F_CMP_COL 2   // a: cmp | float<<8, b, c: columns
#define F_ISNULL 3    // a: negate, b: column
#define F_ISNULL_TOP 4  // a: negate; replaces the top with its nullness
#define F_AND 5
#define F_OR 6
#define F_NOT 7
#define F_CONST 8     // a: value, b: valid
#define F_BOOLCOL 9   // b: column
#define F_STACK 16

// Comparisons, in expr's order.
#define C_EQ 0
#define C_NE 1
#define C_LT 2
#define C_LE 3
#define C_GT 4
#define C_GE 5

// A column is 5 words: values, kind (0 int64, 1 float64, 2 bool), value
// bit offset (bool), validity (0: none), validity bit offset.
static __device__ __forceinline__ int col_valid(const uint64_t* cols, int64_t c, int64_t i) {
  const uint8_t* v = (const uint8_t*)cols[5 * c + 3];
  return v == 0 || bit_at(v, (int64_t)cols[5 * c + 4], i);
}

static __device__ __forceinline__ int64_t col_int(const uint64_t* cols, int64_t c, int64_t i) {
  return ((const int64_t*)cols[5 * c])[i];
}

static __device__ __forceinline__ double col_float(const uint64_t* cols, int64_t c, int64_t i) {
  if (cols[5 * c + 1] == 0) return (double)((const int64_t*)cols[5 * c])[i];
  return ((const double*)cols[5 * c])[i];
}

static __device__ __forceinline__ int cmp_int(int64_t op, int64_t x, int64_t y) {
  switch (op) {
    case C_EQ: return x == y;
    case C_NE: return x != y;
    case C_LT: return x < y;
    case C_LE: return x <= y;
    case C_GT: return x > y;
  }
  return x >= y;
}

static __device__ __forceinline__ int cmp_float(int64_t op, double x, double y) {
  switch (op) {
    case C_EQ: return x == y;
    case C_NE: return x != y;
    case C_LT: return x < y;
    case C_LE: return x <= y;
    case C_GT: return x > y;
  }
  return x >= y;
}

static __device__ __forceinline__ double bits_double(uint64_t b) {
  union {
    uint64_t u;
    double d;
  } x;
  x.u = b;
  return x.d;
}

// eval_row runs the program on row i: 1 when it is true and not null.
static __device__ int eval_row(const int64_t* code, int64_t ncode, const uint64_t* cols, int64_t i) {
  uint8_t val[F_STACK], ok[F_STACK];
  int sp = 0;
  for (int64_t pc = 0; pc < ncode; pc += 4) {
    int64_t op = code[pc], a = code[pc + 1], b = code[pc + 2], c = code[pc + 3];
    switch (op) {
      case F_CMP_LIT: {
        int good = col_valid(cols, b, i);
        int r = 0;
        if (good) {
          if (a >> 8) {
            r = cmp_float(a & 255, col_float(cols, b, i), bits_double((uint64_t)c));
          } else {
            r = cmp_int(a & 255, col_int(cols, b, i), c);
          }
        }
        val[sp] = (uint8_t)r;
        ok[sp++] = (uint8_t)good;
        break;
      }
      case F_CMP_COL: {
        int good = col_valid(cols, b, i) && col_valid(cols, c, i);
        int r = 0;
        if (good) {
          if (a >> 8) {
            r = cmp_float(a & 255, col_float(cols, b, i), col_float(cols, c, i));
          } else {
            r = cmp_int(a & 255, col_int(cols, b, i), col_int(cols, c, i));
          }
        }
        val[sp] = (uint8_t)r;
        ok[sp++] = (uint8_t)good;
        break;
      }
      case F_ISNULL:
        val[sp] = (uint8_t)(!col_valid(cols, b, i) ^ (int)a);
        ok[sp++] = 1;
        break;
      case F_ISNULL_TOP:
        val[sp - 1] = (uint8_t)(!ok[sp - 1] ^ (int)a);
        ok[sp - 1] = 1;
        break;
      case F_AND: {
        sp--;
        int x = val[sp - 1], xo = ok[sp - 1], y = val[sp], yo = ok[sp];
        if ((xo && !x) || (yo && !y)) {
          val[sp - 1] = 0;
          ok[sp - 1] = 1;
        } else {
          val[sp - 1] = 1;
          ok[sp - 1] = (uint8_t)(xo && yo);
        }
        break;
      }
      case F_OR: {
        sp--;
        int x = val[sp - 1], xo = ok[sp - 1], y = val[sp], yo = ok[sp];
        if ((xo && x) || (yo && y)) {
          val[sp - 1] = 1;
          ok[sp - 1] = 1;
        } else {
          val[sp - 1] = 0;
          ok[sp - 1] = (uint8_t)(xo && yo);
        }
        break;
      }
      case F_NOT:
        val[sp - 1] = (uint8_t)!val[sp - 1];
        break;
      case F_CONST:
        val[sp] = (uint8_t)a;
        ok[sp++] = (uint8_t)b;
        break;
      case F_BOOLCOL: {
        int good = col_valid(cols, b, i);
        val[sp] = (uint8_t)(good && bit_at((const uint8_t*)cols[5 * b], (int64_t)cols[5 * b + 2], i));
        ok[sp++] = (uint8_t)good;
        break;
      }
    }
  }
  return sp == 1 && ok[0] && val[0];
}

// k_filter_eval writes the mask bitmap of n rows: each thread owns whole
// bytes (8 rows), so no two threads write one byte.
extern "C" __global__ void k_filter_eval(const int64_t* code, int64_t ncode, const uint64_t* cols, uint8_t* mask,
                                         int64_t n) {
  int64_t nbytes = (n + 7) >> 3;
  for (int64_t b = global_index(); b < nbytes; b += grid_stride()) {
    uint8_t bits = 0;
    for (int r = 0; r < 8; r++) {
      int64_t i = b * 8 + r;
      if (i < n && eval_row(code, ncode, cols, i)) bits |= (uint8_t)(1 << r);
    }
    mask[b] = bits;
  }
}
