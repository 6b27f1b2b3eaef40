// SPDX-License-Identifier: Apache-2.0
// core: a console progress bar for long steps (calibration, similarity, compile, perf runs).
//
// On a terminal (stderr is a TTY) the bar redraws in place at most ~10 times a second:
//   calibration  [#############...........]  52/100  3.1 s  ETA 2.9 s
// Otherwise (CI logs, pipes) it prints a plain line at every 10 % step, so logs stay short. Start and
// end are also written to the log file (core/log.h) with the elapsed time. Thread-safe: workers may
// call advance() concurrently. Disabled bars (enabled = false) only log.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace npukit {

class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Marks `n` more items done.
  void advance(int64_t n = 1);
  /// Ends the bar (idempotent; the destructor calls it): final redraw, newline, log line.
  void finish();
  /// Seconds since construction.
  double elapsed_seconds() const;
  /// Global switch (the CLI's --no-progress / tests): when false, bars only log.
  static void set_globally_enabled(bool on);

 private:
  void draw(int64_t done, bool final);

  std::string label_;
  int64_t total_;
  bool tty_;
  bool enabled_;
  std::atomic<int64_t> done_{0};
  std::mutex mu_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool finished_ = false;
};

}  // namespace npukit
