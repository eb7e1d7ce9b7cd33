// host.h: the emulated device. It compiles every kernel for the CPU with
// the host prelude and runs a launch with one OS thread per thread of a
// block (from a pool started once): the threads walk the grid's blocks in order, with a real barrier
// for __syncthreads and between blocks (so __shared__ arrays, which are
// function statics here, belong to one block at a time). Launches are
// serialised. Include it in exactly one C++ translation unit.
#ifndef SLUICE_HOST_H
#define SLUICE_HOST_H

#define SLUICE_HOST 1
// No fused multiply-add where the Go code has a multiply and an add (cgo
// does not pass -ffp-contract=off, so it is set here).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#include <stdint.h>
#include <string.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "prelude.h"

namespace sluice_host {

thread_local unsigned tid_x, bid_x, bdim_x, gdim_x;

// Barrier is a reusable barrier for a fixed number of threads.
class Barrier {
 public:
  explicit Barrier(unsigned n) : n_(n) {}
  void wait() {
    std::unique_lock<std::mutex> l(m_);
    uint64_t g = gen_;
    if (++waiting_ == n_) {
      waiting_ = 0;
      gen_++;
      cv_.notify_all();
      return;
    }
    cv_.wait(l, [&] { return gen_ != g; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  unsigned n_, waiting_ = 0;
  uint64_t gen_ = 0;
};

thread_local Barrier* block_barrier;

void syncthreads() { block_barrier->wait(); }

}  // namespace sluice_host

#include "compact.cu"
#include "filter.cu"
#include "groupagg.cu"
#include "groupcount.cu"
#include "hash.cu"
#include "moments.cu"
#include "sort.cu"
#include "split.cu"
#include "strhash.cu"
#include "transform.cu"
#include "vocab.cu"
#include "window.cu"

namespace sluice_host {

template <typename T>
T from_u64(uint64_t v) {
  static_assert(sizeof(T) == 8, "kernel parameters must be 8 bytes wide");
  if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<T>(static_cast<uintptr_t>(v));
  } else if constexpr (std::is_same_v<T, double>) {
    double d;
    memcpy(&d, &v, 8);
    return d;
  } else {
    return static_cast<T>(v);
  }
}

template <typename... A, size_t... I>
void call_with(void (*f)(A...), const uint64_t* a, std::index_sequence<I...>) {
  f(from_u64<A>(a[I])...);
}

// Kernel is one entry of the launch table.
struct Kernel {
  const char* name;
  size_t nargs;
  std::function<void(const uint64_t*)> run;
};

template <typename... A>
Kernel entry(const char* name, void (*f)(A...)) {
  return Kernel{name, sizeof...(A), [f](const uint64_t* a) { call_with(f, a, std::index_sequence_for<A...>{}); }};
}

#define SLUICE_KERNEL(k) entry(#k, k)
static const std::vector<Kernel>& kernels() {
  static const std::vector<Kernel> table = {
      SLUICE_KERNEL(k_file_rows),     SLUICE_KERNEL(k_seeded2),         SLUICE_KERNEL(k_hash_values),
      SLUICE_KERNEL(k_hash_buckets),  SLUICE_KERNEL(k_fill_u64),        SLUICE_KERNEL(k_transform_f32),
      SLUICE_KERNEL(k_bucketize),     SLUICE_KERNEL(k_moments),         SLUICE_KERNEL(k_groupcount),
      SLUICE_KERNEL(k_compact_count), SLUICE_KERNEL(k_compact_scatter), SLUICE_KERNEL(k_assign),
      SLUICE_KERNEL(k_hash_strings),  SLUICE_KERNEL(k_gather_u64),      SLUICE_KERNEL(k_gather_i32),
      SLUICE_KERNEL(k_vocab_values),  SLUICE_KERNEL(k_vocab_strings),   SLUICE_KERNEL(k_onehot),
      SLUICE_KERNEL(k_filter_eval),   SLUICE_KERNEL(k_groupagg_slots),  SLUICE_KERNEL(k_groupagg_gids),
      SLUICE_KERNEL(k_radix_hist),    SLUICE_KERNEL(k_scan_u32),        SLUICE_KERNEL(k_radix_scatter),
      SLUICE_KERNEL(k_seg_starts),    SLUICE_KERNEL(k_groupagg_reduce), SLUICE_KERNEL(k_sort_bits),
      SLUICE_KERNEL(k_sort_hist),     SLUICE_KERNEL(k_sort_scan_up),    SLUICE_KERNEL(k_sort_scan_down),
      SLUICE_KERNEL(k_sort_scatter),  SLUICE_KERNEL(k_window_count),    SLUICE_KERNEL(k_window_pick),
  };
  return table;
}
#undef SLUICE_KERNEL

static std::mutex launch_mu;

// Pool is the emulated block's threads, started once and kept for the
// process: a launch hands each of its first n threads the same job and
// waits until all n are done (thread creation per launch cost more than
// the small kernels themselves).
class Pool {
 public:
  void run(unsigned n, const std::function<void(unsigned)>& f) {
    std::unique_lock<std::mutex> l(m_);
    while (threads_ < n) {
      unsigned t = threads_++;
      uint64_t seen = gen_;  // the thread's first job is this launch's
      std::thread([this, t, seen] { work(t, seen); }).detach();
    }
    job_ = &f;
    active_ = n;
    remaining_ = n;
    gen_++;
    start_.notify_all();
    done_.wait(l, [&] { return remaining_ == 0; });
    job_ = nullptr;
  }

 private:
  void work(unsigned t, uint64_t seen) {
    std::unique_lock<std::mutex> l(m_);
    for (;;) {
      start_.wait(l, [&] { return gen_ != seen; });
      seen = gen_;
      if (t >= active_) continue;
      const std::function<void(unsigned)>* f = job_;
      l.unlock();
      (*f)(t);
      l.lock();
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  std::mutex m_;
  std::condition_variable start_, done_;
  const std::function<void(unsigned)>* job_ = nullptr;
  unsigned threads_ = 0, active_ = 0, remaining_ = 0;
  uint64_t gen_ = 0;
};

// Launch errors.
enum { LAUNCH_OK = 0, LAUNCH_UNKNOWN = -1, LAUNCH_NARGS = -2, LAUNCH_SHAPE = -3 };

// launch runs kernel name on grid x block emulated threads.
inline int launch(const char* name, int64_t grid, int64_t block, const uint64_t* args, int64_t nargs) {
  const Kernel* k = nullptr;
  for (const Kernel& e : kernels()) {
    if (strcmp(e.name, name) == 0) k = &e;
  }
  if (!k) return LAUNCH_UNKNOWN;
  if ((int64_t)k->nargs != nargs) return LAUNCH_NARGS;
  if (grid < 1 || block < 1 || block > SLUICE_MAX_BLOCK || (block & (block - 1)) != 0) return LAUNCH_SHAPE;
  std::lock_guard<std::mutex> g(launch_mu);
  static Pool* pool = new Pool();  // never destroyed: its threads outlive every launch
  Barrier bar((unsigned)block);
  pool->run((unsigned)block, [&](unsigned t) {
    tid_x = t;
    bdim_x = (unsigned)block;
    gdim_x = (unsigned)grid;
    block_barrier = &bar;
    for (int64_t b = 0; b < grid; b++) {
      bid_x = (unsigned)b;
      k->run(args);
      bar.wait();
    }
  });
  return LAUNCH_OK;
}

}  // namespace sluice_host

#endif
