// SPDX-License-Identifier: Apache-2.0
// The q8 thread pool (kernels/q8/parallel.cpp) under ThreadSanitizer (ctest "pool_tsan"; built with -fsanitize=thread
// from parallel.cpp alone). Runs of 0-22 tasks and one of more than a run's range word holds, on 1-4 threads, from
// one caller and from two at once, with pauses that let the workers fall asleep. Each task writes a plain int, so
// TSan checks that run() returns only after every task and that no worker ever calls a finished run's function on a
// later run's task (a claim without the generation check is reported as a data race here, while the gtest tests
// usually pass). Exit 1 on a wrong count; TSan's own reports fail the test through halt_on_error.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "kernels/q8/parallel.h"

using npukit::q8::Parallel;

int main() {
  int64_t bad = 0;
  for (int threads = 1; threads <= 4; ++threads) {
    for (int life = 0; life < 20; ++life) {
      Parallel par(threads);
      for (int rep = 0; rep < 300; ++rep) {
        const int64_t tasks = rep == 7 ? 70000 : (rep * 37 + life) % 23;
        std::vector<int> hits(static_cast<size_t>(tasks), 0);
        par.run(tasks, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
        for (int h : hits) bad += h != 1;
        if (rep % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(400));
      }
    }
  }
  Parallel par(3);
  int64_t bad2[2] = {0, 0};
  auto caller = [&](int seed) {
    for (int rep = 0; rep < 2000; ++rep) {
      const int64_t tasks = 1 + (rep * 7 + seed) % 9;
      std::vector<int> hits(static_cast<size_t>(tasks), 0);
      par.run(tasks, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
      for (int h : hits) bad2[seed] += h != 1;
      if (rep % 300 == 0) std::this_thread::sleep_for(std::chrono::microseconds(400));
    }
  };
  std::thread a(caller, 0), b(caller, 1);
  a.join();
  b.join();
  bad += bad2[0] + bad2[1];
  std::printf("pool_tsan: %lld tasks ran a wrong number of times\n", static_cast<long long>(bad));
  return bad == 0 ? 0 : 1;
}
