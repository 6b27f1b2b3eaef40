// SPDX-License-Identifier: Apache-2.0
// How the host placed the first two CPUs this process may run on. On a shared virtual machine the host decides where
// the two vCPUs sit, and on the machine of bench/RESULTS.md it moves them every few seconds to minutes between three
// states, which 2-thread runs of every runtime feel (bench/RESULTS.md rounds 17 and 18):
//  - round_trip_ns: two threads, each pinned to one of the CPUs, hand a counter back and forth: ~75-95 ns when the
//    vCPUs are two cores on one last-level cache, ~320 ns when they are not ("apart"), ~55-75 ns when they share one
//    core.
//  - handoff_us: CPU b writes a 150 KiB buffer (a MobileNetV2 28x28x192 activation) that CPU a wrote last; own_us:
//    the same write after b itself wrote it last. ~2.4 against ~1.7 us on one cache, ~7.5 us apart: what a layer
//    pays for data whose last writer was the other thread.
//  - compute_ratio: the rate of a register-only integer loop on CPU b while CPU a runs it too, over its rate alone:
//    ~1 on separate cores, ~0.5 when the two vCPUs share one core's execution units (then 2 threads compute no faster
//    than 1).
// bench/runtime_vs_peers.sh records it before and after each measurement, so that a round measured in a different
// placement than its peer can be told apart. Prints one JSON line (medians of 3 bursts; ~0.2 s).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr int kTrips = 50'000;

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

struct alignas(64) Line {
  std::atomic<int> v{0};
};

// One burst of kTrips round trips between cpus a and b; nanoseconds per round trip, or -1 when a thread could not be
// pinned (two spinning threads sharing one CPU would take seconds per trip).
double burst(int a, int b) {
  if (!pin(a)) return -1;
  Line line;
  std::thread echo([&] {
    if (!pin(b)) {
      line.v.store(-1, std::memory_order_release);
      return;
    }
    line.v.store(1, std::memory_order_release);  // ready
    for (int i = 1; i <= kTrips; ++i) {
      while (line.v.load(std::memory_order_acquire) != 2 * i) {
      }
      line.v.store(2 * i + 1, std::memory_order_release);
    }
  });
  int v;
  while ((v = line.v.load(std::memory_order_acquire)) == 0) {
  }
  if (v < 0) {
    echo.join();
    return -1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= kTrips; ++i) {
    line.v.store(2 * i, std::memory_order_release);
    while (line.v.load(std::memory_order_acquire) != 2 * i + 1) {
    }
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  echo.join();
  return ns / kTrips;
}

constexpr size_t kHandoffBytes = 150 * 1024;
constexpr int kHandoffReps = 100;

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// One burst of handoffs: per repetition, the buffer is written by cpu a (odd turns: by b itself), then b times its own
// write of it. Mean microseconds of b's write {after a, after b}; {-1, -1} when a thread could not be pinned.
std::pair<double, double> handoff(int a, int b) {
  std::vector<unsigned char> buf(kHandoffBytes);
  std::atomic<int> turn{0};
  std::atomic<bool> failed{false};
  double sum[2] = {0, 0};
  std::thread other([&] {
    if (!pin(a)) failed = true;
    for (int i = 0; i < 2 * kHandoffReps; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      if (i % 2 == 0 && !failed) std::memset(buf.data(), i, buf.size());
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  if (!pin(b)) failed = true;
  for (int i = 0; i < 2 * kHandoffReps; ++i) {
    if (i % 2 == 1) std::memset(buf.data(), i, buf.size());
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::memset(buf.data(), i + 7, buf.size());
    asm volatile("" : : "r"(buf.data()) : "memory");  // (the timed stores are not dead)
    sum[i % 2] += micros_since(t0);
  }
  other.join();
  if (failed) return {-1, -1};
  return {sum[0] / kHandoffReps, sum[1] / kHandoffReps};
}

// Iterations per microsecond of four independent multiply-add chains in registers, for about 20 ms.
double spin_rate() {
  uint64_t x0 = 1, x1 = 2, x2 = 3, x3 = 4;
  long n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double us = 0;
  do {
    for (int i = 0; i < 100'000; ++i) {
      x0 = x0 * 6364136223846793005ULL + 1, x1 = x1 * 6364136223846793005ULL + 3;
      x2 = x2 * 6364136223846793005ULL + 5, x3 = x3 * 6364136223846793005ULL + 7;
    }
    asm volatile("" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3));
    n += 100'000;
  } while ((us = micros_since(t0)) < 20'000);
  return static_cast<double>(n) / us;
}

// spin_rate on cpu b while cpu a runs it too, over spin_rate on b alone; -1 when a thread could not be pinned.
double compute_ratio(int a, int b) {
  if (!pin(b)) return -1;
  const double alone = spin_rate();
  std::atomic<bool> go{false}, failed{false};
  std::thread other([&] {
    if (!pin(a)) failed = true;
    go = true;
    if (!failed) spin_rate();
  });
  while (!go) {
  }
  const double shared = spin_rate();
  other.join();
  return failed ? -1 : shared / alone;
}

double median3(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[1];
}

}  // namespace

int main() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    std::fprintf(stderr, "npukit_core_latency: sched_getaffinity failed\n");
    return 1;
  }
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cpus.size() < 2) {  // one CPU: nothing to measure
    std::printf("{\"cpus\":[],\"round_trip_ns\":null,\"handoff_us\":null,\"own_us\":null,\"compute_ratio\":null}\n");
    return 0;
  }
  std::vector<double> ns;
  for (int i = 0; i < 3; ++i) {
    ns.push_back(burst(cpus[0], cpus[1]));
    if (ns.back() < 0) {
      std::fprintf(stderr, "npukit_core_latency: could not pin a thread to CPU %d or %d\n", cpus[0], cpus[1]);
      return 1;
    }
  }
  std::vector<double> cross, own, ratio;
  for (int i = 0; i < 3; ++i) {
    const auto [c, o] = handoff(cpus[0], cpus[1]);
    const double r = compute_ratio(cpus[0], cpus[1]);
    if (c < 0 || r < 0) {
      std::fprintf(stderr, "npukit_core_latency: could not pin a thread to CPU %d or %d\n", cpus[0], cpus[1]);
      return 1;
    }
    cross.push_back(c), own.push_back(o), ratio.push_back(r);
  }
  std::printf("{\"cpus\":[%d,%d],\"round_trip_ns\":%.0f,\"handoff_us\":%.1f,\"own_us\":%.1f,\"compute_ratio\":%.2f}\n",
              cpus[0], cpus[1], median3(ns), median3(cross), median3(own), median3(ratio));
  return 0;
}
