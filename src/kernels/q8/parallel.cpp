// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the thread pool (tasks are claimed one at a time from a shared counter).
#include "kernels/q8/parallel.h"

namespace npukit::q8 {

Parallel::Parallel(int threads) : threads_(threads < 1 ? 1 : threads) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
}

Parallel::~Parallel() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void Parallel::work(const std::function<void(int64_t)>& fn, int64_t tasks) const {
  for (;;) {
    int64_t i;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (next_ >= tasks) return;
      i = next_++;
    }
    fn(i);
    std::lock_guard<std::mutex> lk(mu_);
    if (--pending_ == 0) cv_done_.notify_all();
  }
}

void Parallel::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t)>* fn;
    int64_t tasks;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_start_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      fn = fn_;
      tasks = tasks_;
      if (fn == nullptr) continue;  // woke up after that run() had already finished
      ++busy_;
    }
    work(*fn, tasks);
    std::lock_guard<std::mutex> lk(mu_);
    if (--busy_ == 0) cv_done_.notify_all();
  }
}

void Parallel::run(int64_t tasks, const std::function<void(int64_t)>& fn) const {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> run_lk(run_mu_);
  {
    std::lock_guard<std::mutex> lk(mu_);
    fn_ = &fn;
    tasks_ = tasks;
    next_ = 0;
    pending_ = tasks;
    ++generation_;
  }
  cv_start_.notify_all();
  work(fn, tasks);
  // Wait until every task finished and no worker still holds a pointer to fn.
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, [&] { return pending_ == 0 && busy_ == 0; });
  fn_ = nullptr;
}

}  // namespace npukit::q8
