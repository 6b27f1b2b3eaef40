// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the thread pool. Tasks are claimed one at a time from an atomic counter. A run's start and end are
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

Parallel::Parallel(int threads) : threads_(threads < 1 ? 1 : threads) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
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

void Parallel::work(const std::function<void(int64_t)>& fn, int64_t tasks) const {
  for (;;) {
    const int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= tasks) return;
    fn(i);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);  // the caller may be about to sleep: notify under its lock
      cv_done_.notify_all();
    }
  }
}

void Parallel::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
    const std::function<void(int64_t)>* fn;
    int64_t tasks;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_start_.wait(lk, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      seen = generation_.load(std::memory_order_relaxed);
      fn = fn_;
      tasks = tasks_;
      if (fn == nullptr) continue;  // woke up after that run() had already finished
      busy_.fetch_add(1, std::memory_order_relaxed);
    }
    work(*fn, tasks);
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
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    pending_.store(tasks, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  work(fn, tasks);
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
