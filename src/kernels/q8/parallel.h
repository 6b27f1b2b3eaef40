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
  void worker_loop(int self);
  void work(const std::function<void(int64_t)>& fn, int self) const;

  /// Thread `self`'s share of a run's tasks, [next, end): claimed from the front by its owner first, then by the
  /// other threads once their own are done.
  struct alignas(64) Range {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };

  int threads_ = 1;
  std::vector<std::thread> workers_;
  mutable std::mutex run_mu_;  // one run() at a time
  mutable std::mutex mu_;
  mutable std::condition_variable cv_start_, cv_done_;
  mutable const std::function<void(int64_t)>* fn_ = nullptr;  // under mu_
  mutable std::vector<Range> ranges_;                         // one per thread (index 0: the caller)
  mutable std::atomic<int64_t> pending_{0};                   // tasks not finished yet
  mutable std::atomic<uint64_t> generation_{0};               // changed under mu_; polled by idle workers
  mutable std::atomic<int> busy_{0};                          // workers inside the current run (changed under mu_)
  bool stop_ = false;                                         // under mu_
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
