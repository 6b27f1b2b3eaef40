// SPDX-License-Identifier: Apache-2.0
// Google Benchmark of the q8 thread pool (kernels/q8 parallel.cpp): what one run of `tasks` small tasks costs on 2
// threads against the same tasks in a loop on the calling thread. Each task is a dependent integer loop of `work`
// steps (~0.4 us at work 400 on Zen 4) with a load and a store per step in its own 4 KiB, so the difference to half
// the serial time is the pool's own cost per run and per task. Wall time.
//   build/src/npukit_pool_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "kernels/q8/parallel.h"

namespace {

using npukit::q8::Parallel;

/// A task's own data: 2 KiB it reads and 2 KiB it writes (its own cache lines).
struct alignas(64) Slot {
  uint64_t in[256] = {};
  uint64_t out[256] = {};
};

/// A dependent chain of `work` multiply-adds, each loading a word of the task's slot and storing one (as a kernel's
/// loop loads its input and stores its output).
void task(Slot* slots, int64_t i, int64_t work) {
  Slot& s = slots[i];
  uint64_t x = static_cast<uint64_t>(i);
  for (int64_t k = 0; k < work; ++k) {
    x = x * 6364136223846793005ULL + s.in[k & 255];
    s.out[k & 255] = x;
  }
}

void bench_pool(benchmark::State& state, int threads) {
  const int64_t tasks = state.range(0), work = state.range(1);
  std::vector<Slot> slots(static_cast<size_t>(tasks));
  Parallel par(threads);
  for (auto _ : state) {
    if (threads == 1) {
      for (int64_t i = 0; i < tasks; ++i) task(slots.data(), i, work);
    } else {
      par.run(tasks, [&](int64_t i) { task(slots.data(), i, work); });
    }
    benchmark::DoNotOptimize(slots.data());
  }
}

void args(benchmark::internal::Benchmark* b) {
  for (int64_t tasks : {2, 36, 64})
    for (int64_t work : {10, 400}) b->Args({tasks, work});
  b->ArgNames({"tasks", "work"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK_CAPTURE(bench_pool, serial, 1)->Apply(args);
BENCHMARK_CAPTURE(bench_pool, pool2, 2)->Apply(args);
BENCHMARK_MAIN();
