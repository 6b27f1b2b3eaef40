// SPDX-License-Identifier: Apache-2.0
// Round-trip time of one cache line between the first two CPUs this process may run on: two threads, each pinned to
// one of them, hand a counter back and forth. On a shared virtual machine the host decides where the two vCPUs sit;
// on the machine of bench/RESULTS.md the round trip is ~55 ns at some times (the vCPUs share a last-level cache) and
// ~320 ns at others (they do not), and 2-thread runs are slower in the second state, for every runtime.
// bench/runtime_vs_peers.sh records it before and after each 2-thread measurement, so that a round measured in a
// different placement than its peer can be told apart. Prints one JSON line (median of 3 bursts).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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
  if (cpus.size() < 2) {
    std::printf("{\"cpus\":[],\"round_trip_ns\":null}\n");  // one CPU: nothing to measure
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
  std::sort(ns.begin(), ns.end());
  std::printf("{\"cpus\":[%d,%d],\"round_trip_ns\":%.0f}\n", cpus[0], cpus[1], ns[1]);
  return 0;
}
