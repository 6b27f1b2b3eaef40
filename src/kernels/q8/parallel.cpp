// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the thread pool. A run's tasks are cut into one contiguous range per thread, in order (the caller
// takes the first): each thread claims its own range's tasks one at a time from the front, then helps with the other
// ranges the same way. Kernels number their tasks in output order (pixel blocks, planes, rows), so a thread mostly
// computes the same part of every operator's output, and the next operator finds much of its input in the cache of
// the core that wrote it, while a late or preempted thread still leaves its tasks to the others (against one counter
// for all tasks: ResNet-18, one inference on 2 threads, 0.98x). Each thread counts the tasks it ran and takes them off
// the shared pending count once, when no task is left to claim: a decrement per task moved that cache line between
// the cores once per task (bench/pool_bench.cpp on 2 threads, tasks that load and store: 36 tasks of ~0.4 us 10.3-10.8
// -> 8.3-9.0 us per run, serial 15.5; 64 tiny ones 1.9-4.1 -> 1.0 us; an inference runs ~700-1200 tasks in ~50-110
// runs). A run's start and end are
// signalled through atomics that the other side first polls for a short while (kSpin) before it sleeps on a
// condition variable: an inference calls the pool once per operator, tens of times per millisecond, and a sleeping
// thread takes several microseconds to wake, which is as long as a small operator's work.
#include "kernels/q8/parallel.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NPUKIT_CPU_RELAX() _mm_pause()
#else
#define NPUKIT_CPU_RELAX() ((void)0)
#endif

namespace npukit::q8 {
namespace {

constexpr auto kSpin = std::chrono::microseconds(200);

/// Polls done() for up to kSpin; true when it became true.
template <class Done>
bool spin_until(Done done) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (done()) return true;
    NPUKIT_CPU_RELAX();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - t0 > kSpin) return done();
  }
}

}  // namespace

Parallel::Parallel(int threads) : threads_(threads < 1 ? 1 : threads), ranges_(static_cast<size_t>(threads_)) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

Parallel::~Parallel() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void Parallel::work(const std::function<void(int64_t)>& fn, int self) const {
  int64_t done = 0;
  for (int r = 0; r < threads_; ++r) {
    Range& range = ranges_[static_cast<size_t>((self + r) % threads_)];
    for (;;) {
      const int64_t i = range.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= range.end) break;
      fn(i);
      ++done;
    }
  }
  if (done > 0 && pending_.fetch_sub(done, std::memory_order_acq_rel) == done) {
    std::lock_guard<std::mutex> lk(mu_);  // the caller may be about to sleep: notify under its lock
    cv_done_.notify_all();
  }
}

void Parallel::worker_loop(int self) {
  uint64_t seen = 0;
  for (;;) {
    spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
    const std::function<void(int64_t)>* fn;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_start_.wait(lk, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      seen = generation_.load(std::memory_order_relaxed);
      fn = fn_;
      if (fn == nullptr) continue;  // woke up after that run() had already finished
      busy_.fetch_add(1, std::memory_order_relaxed);
    }
    work(*fn, self);
    std::lock_guard<std::mutex> lk(mu_);
    if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) cv_done_.notify_all();
  }
}

void Parallel::run(int64_t tasks, const std::function<void(int64_t)>& fn) const {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> run_lk(run_mu_);
  {
    std::lock_guard<std::mutex> lk(mu_);
    fn_ = &fn;
    for (int t = 0; t < threads_; ++t) {
      Range& range = ranges_[static_cast<size_t>(t)];
      range.next.store(t * tasks / threads_, std::memory_order_relaxed);
      range.end = (t + 1) * tasks / threads_;
    }
    pending_.store(tasks, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  work(fn, 0);
  // Wait until every task finished and no worker still holds a pointer to fn (busy_ only changes under mu_, so a
  // worker that has not yet taken fn will see fn_ == nullptr or the next run's).
  auto finished = [&] {
    return pending_.load(std::memory_order_acquire) == 0 && busy_.load(std::memory_order_acquire) == 0;
  };
  spin_until(finished);
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, finished);
  fn_ = nullptr;
}

}  // namespace npukit::q8
