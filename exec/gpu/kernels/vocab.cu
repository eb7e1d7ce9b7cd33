// vocab.cu: vocabulary lookups (the vocab and onehot transforms): values
// to 1-based vocabulary ids (0 out of vocabulary) by binary search in a
// sorted key array, dictionary strings by xxHash64 then byte comparison,
// and the one-hot expansion of ids.
#include "prelude.h"
#include "hashfn.h"

// value_key is the vocabulary key of row i: the int64 (kind 0), the
// canonical float64 bits (-0 as +0, every NaN as 0x7ff8...; kind 1), or
// the bool (kind 2).
static __device__ __forceinline__ int64_t value_key(const void* vals, int64_t kind, int64_t voff, int64_t i) {
  if (kind == 0) return ((const int64_t*)vals)[i];
  if (kind == 1) {
    uint64_t b = ((const uint64_t*)vals)[i];
    if ((b & 0x7fffffffffffffffULL) == 0) return 0;
    if ((b & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL && (b & 0x000fffffffffffffULL) != 0)
      return (int64_t)0x7ff8000000000000ULL;
    return (int64_t)b;
  }
  return bit_at((const uint8_t*)vals, voff, i);
}

// k_vocab_values: out[i] = ids[j] where keys[j] (ascending, nkeys >= 1)
// equals row i's key, 0 when none; null rows get null_code.
extern "C" __global__ void k_vocab_values(const void* vals, int64_t kind, int64_t voff, const uint8_t* valid,
                                          int64_t noff, const int64_t* keys, const int32_t* ids, int64_t nkeys,
                                          int64_t null_code, int32_t* out, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    if (valid && !bit_at(valid, noff, i)) {
      out[i] = (int32_t)null_code;
      continue;
    }
    int64_t x = value_key(vals, kind, voff, i);
    int64_t lo = 0, hi = nkeys;  // first key >= x
    while (lo < hi) {
      int64_t mid = (lo + hi) >> 1;
      if (keys[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    out[i] = (lo < nkeys && keys[lo] == x) ? ids[lo] : 0;
  }
}

static __device__ __forceinline__ int bytes_equal(const uint8_t* a, const uint8_t* b, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (a[i] != b[i]) return 0;
  }
  return 1;
}

// k_vocab_strings: ids[j] for each dictionary entry j: the id of the
// vocabulary string equal to it, 0 when none. dhash are the entries'
// xxHash64s; the vocabulary is sorted by hash (vhash), with its strings
// at voffs (int64, nvocab+1) into vdata.
extern "C" __global__ void k_vocab_strings(const int32_t* doffs, int64_t dbase, const uint8_t* ddata,
                                           const uint64_t* dhash, int64_t ndict, const uint64_t* vhash,
                                           const int32_t* vids, const int64_t* voffs, const uint8_t* vdata,
                                           int64_t nvocab, int32_t* ids) {
  for (int64_t j = global_index(); j < ndict; j += grid_stride()) {
    uint64_t h = dhash[j];
    int64_t lo = 0, hi = nvocab;
    while (lo < hi) {
      int64_t mid = (lo + hi) >> 1;
      if (vhash[mid] < h) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    int64_t a = doffs[j] - dbase, len = doffs[j + 1] - doffs[j];
    int32_t id = 0;
    for (; lo < nvocab && vhash[lo] == h; lo++) {
      if (voffs[lo + 1] - voffs[lo] == len && bytes_equal(ddata + a, vdata + voffs[lo], len)) {
        id = vids[lo];
        break;
      }
    }
    ids[j] = id;
  }
}

// k_onehot: out is ncols float32 columns of stride rows each; column j of
// row i is 1 when codes[i] == j+1, the last column (out of vocabulary)
// when codes[i] is 0.
extern "C" __global__ void k_onehot(const int32_t* codes, int64_t ncols, float* out, int64_t stride, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t hot = codes[i] > 0 ? (int64_t)codes[i] - 1 : ncols - 1;
    for (int64_t j = 0; j < ncols; j++) out[j * stride + i] = j == hot ? 1.0f : 0.0f;
  }
}
