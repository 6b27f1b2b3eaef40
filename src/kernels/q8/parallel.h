// SPDX-License-Identifier: Apache-2.0
// kernels/q8: a small thread pool splitting one kernel call into tasks. Every task writes disjoint outputs with
// exact integer arithmetic, and how an output is computed never depends on the split, so results are identical for any
// number of threads (a kernel may split less on one thread, e.g. the convolution's output-channel chunks).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace npukit::q8 {

class Parallel {
 public:
  /// `threads` workers in total including the calling thread (values < 1 mean 1: no extra thread).
  explicit Parallel(int threads = 1);
  ~Parallel();
  Parallel(const Parallel&) = delete;
  Parallel& operator=(const Parallel&) = delete;

  int threads() const { return threads_; }
  /// Calls fn(i) once for every i in [0, tasks), on the calling thread and the workers; returns when all are
  /// done. Calls from several threads at once are serialized. fn must not call run() on the same pool.
  void run(int64_t tasks, const std::function<void(int64_t)>& fn) const;

 private:
  using Fn = std::function<void(int64_t)>;
  void run_once(int64_t tasks, const Fn& fn) const;
  void worker_loop(int self);
  /// Claims and runs tasks of run `gen` (its own range first, then the others'); returns how many it ran.
  int64_t work(const Fn& fn, uint32_t gen, int self) const;

  /// Thread `self`'s share of a run: one word holding the run's generation (high 32 bits), the range's end and the
  /// next unclaimed task (16 bits each), claimed by compare-and-swap, so a thread still holding an earlier run's
  /// function can never claim a later run's task with it (unless it stalled between reading the generation and its
  /// claim for 2^32 runs, when the 32-bit generation comes round again).
  struct alignas(64) Range {
    std::atomic<uint64_t> word{0};
  };

  int threads_ = 1;
  std::vector<std::thread> workers_;
  mutable std::mutex run_mu_;  // one run() at a time
  mutable std::mutex mu_;      // only for sleeping and waking
  mutable std::condition_variable cv_start_, cv_done_;
  mutable std::vector<Range> ranges_;  // one per thread (index 0: the caller)
  mutable std::atomic<const Fn*> fn_{nullptr};
  alignas(64) mutable std::atomic<uint64_t> generation_{0};  // the current run; polled by idle workers
  mutable std::atomic<int> sleepers_{0};                     // workers asleep on cv_start_ (or about to be)
  mutable std::atomic<bool> stop_{false};
  alignas(64) mutable std::atomic<int64_t> pending_{0};  // tasks of the current run not finished yet
  mutable std::atomic<bool> caller_asleep_{false};       // the caller waits on cv_done_ (or is about to)
};

/// Runs fn over [0, tasks) on `par`, or serially on the calling thread when par is null.
inline void parallel_for(const Parallel* par, int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (par == nullptr || par->threads() <= 1 || tasks <= 1) {
    for (int64_t i = 0; i < tasks; ++i) fn(i);
    return;
  }
  par->run(tasks, fn);
}

}  // namespace npukit::q8
