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
// runs).
//
// A run is published by writing its function, pending count and ranges and then its generation; idle workers poll
// the generation for a short while (kSpin) before they sleep on a condition variable (an inference calls the pool once
// per operator, tens of times per millisecond, and a sleeping thread takes several microseconds to wake, as long as a
// small operator's work). The run returns as soon as its pending count is zero: it does not wait for the workers to
// leave it. That is safe because a task is claimed by a compare-and-swap on a range word that carries the run's
// generation, so a worker late for a run (or still inside the last one) claims nothing of a later run, and a worker
// that did claim a task of this run holds the pending count above zero until it has run it. Neither side takes a
// lock unless the other one sleeps (sleepers_, caller_asleep_: each side writes its flag, then reads the other
// side's state, so at least one of the two sees the other).
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

constexpr int kIdxBits = 16;
constexpr uint64_t kIdxMask = (uint64_t{1} << kIdxBits) - 1;
constexpr int64_t kMaxRunTasks = static_cast<int64_t>(kIdxMask);  // tasks per published run (more: several runs)

uint64_t range_word(uint32_t gen, int64_t next, int64_t end) {
  return (uint64_t{gen} << 32) | (static_cast<uint64_t>(end) << kIdxBits) | static_cast<uint64_t>(next);
}

}  // namespace

Parallel::Parallel(int threads) : threads_(threads < 1 ? 1 : threads), ranges_(static_cast<size_t>(threads_)) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

Parallel::~Parallel() {
  stop_.store(true);
  generation_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lk(mu_);  // a worker between its check and its wait holds mu_
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t Parallel::work(const Fn& fn, uint32_t gen, int self) const {
  int64_t done = 0;
  for (int r = 0; r < threads_; ++r) {
    Range& range = ranges_[static_cast<size_t>((self + r) % threads_)];
    uint64_t w = range.word.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t next = static_cast<int64_t>(w & kIdxMask), end = static_cast<int64_t>((w >> kIdxBits) & kIdxMask);
      if (static_cast<uint32_t>(w >> 32) != gen || next >= end) break;
      if (!range.word.compare_exchange_weak(w, w + 1, std::memory_order_relaxed)) continue;  // w reloaded
      fn(next);
      ++done;
      w = range.word.load(std::memory_order_relaxed);
    }
  }
  return done;
}

void Parallel::worker_loop(int self) {
  uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lk(mu_);
      sleepers_.fetch_add(1);
      cv_start_.wait(lk, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    // The function of run `seen` or of a later one; work() only calls it on a task claimed in run `seen`, which
    // cannot have been claimed if a later run had begun.
    const Fn* fn = fn_.load(std::memory_order_acquire);
    const int64_t done = work(*fn, static_cast<uint32_t>(seen), self);
    if (done > 0 && pending_.fetch_sub(done) == done && caller_asleep_.load()) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_done_.notify_all();
    }
  }
}

void Parallel::run(int64_t tasks, const Fn& fn) const {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> run_lk(run_mu_);
  if (tasks <= kMaxRunTasks) return run_once(tasks, fn);
  for (int64_t base = 0; base < tasks; base += kMaxRunTasks)
    run_once(std::min(kMaxRunTasks, tasks - base), [&fn, base](int64_t i) { fn(base + i); });
}

void Parallel::run_once(int64_t tasks, const Fn& fn) const {
  const uint64_t gen = generation_.load(std::memory_order_relaxed) + 1;
  fn_.store(&fn, std::memory_order_relaxed);
  pending_.store(tasks, std::memory_order_relaxed);
  for (int t = 0; t < threads_; ++t)
    ranges_[static_cast<size_t>(t)].word.store(
        range_word(static_cast<uint32_t>(gen), t * tasks / threads_, (t + 1) * tasks / threads_),
        std::memory_order_relaxed);
  generation_.store(gen);  // (seq_cst: publishes the above, and is ordered before the sleepers_ read)
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lk(mu_); }  // a worker between its check and its wait holds mu_
    cv_start_.notify_all();
  }
  const int64_t done = work(fn, static_cast<uint32_t>(gen), 0);
  if (done > 0) pending_.fetch_sub(done);
  auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spin_until(finished)) return;
  std::unique_lock<std::mutex> lk(mu_);
  caller_asleep_.store(true);
  cv_done_.wait(lk, [&] { return pending_.load() == 0; });
  caller_asleep_.store(false);
}

}  // namespace npukit::q8
