// SPDX-License-Identifier: Apache-2.0
#include "npu/schedule.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "npu/cost.h"

namespace npukit::npu {

// Discrete-event schedule. Compute commands have fixed durations; DMA commands have an amount of "work"
// (their cycles at full bandwidth minus the fixed latency) that progresses at rate 1/k while k DMA commands
// transfer at once. A command becomes ready when its deps and its queue predecessor have ended.
ScheduleResult schedule_commands(const npk::Program& p, const std::vector<ir::Node*>& nodes, const march::MarchSpec& m,
                                 size_t begin, size_t end) {
  end = std::min(end, p.commands.size());
  ScheduleResult r;
  if (begin >= end) return r;
  const size_t n = end - begin;
  r.times.assign(n, {});
  const int cores = std::max<int32_t>(1, p.num_cores);
  const double latency = m.ddr.latency_ns * m.clock_mhz / 1000.0;

  // Queue predecessor of each command and the ready bookkeeping.
  std::vector<int64_t> remaining_deps(n, 0);
  std::vector<std::vector<size_t>> dependents(n);
  std::vector<int64_t> last_in_queue(static_cast<size_t>(cores) * npk::kNumUnits, -1);
  for (size_t i = 0; i < n; ++i) {
    const npk::Command& c = p.commands[begin + i];
    const size_t q = static_cast<size_t>(std::min<int>(c.core, cores - 1)) * npk::kNumUnits +
                     static_cast<size_t>(npk::unit_of(c.op));
    auto add_dep = [&](int64_t d) {
      if (d < static_cast<int64_t>(begin)) return;
      dependents[static_cast<size_t>(d) - begin].push_back(i);
      ++remaining_deps[i];
    };
    if (last_in_queue[q] >= 0) add_dep(last_in_queue[q]);
    last_in_queue[q] = static_cast<int64_t>(begin + i);
    for (int32_t d : c.deps) add_dep(d);
  }

  struct Active {
    size_t idx;
    double work_left;  // DMA: bytes-time at full rate; compute: cycles left
    bool dma;
    double fixed_end;  // compute: absolute end time; DMA: time the latency part ends
  };
  std::vector<Active> active;
  std::vector<size_t> ready;
  std::vector<double> ready_time(n, 0.0);
  for (size_t i = 0; i < n; ++i)
    if (remaining_deps[i] == 0) ready.push_back(i);
  double now = 0;
  size_t done = 0;
  auto start = [&](size_t i) {
    const npk::Command& c = p.commands[begin + i];
    const bool dma = c.op == npk::CmdOp::kLoad || c.op == npk::CmdOp::kStore;
    const double t0 = std::max(now, ready_time[i]);
    r.times[i].start = static_cast<int64_t>(std::llround(t0));
    if (dma) {
      const double bytes = static_cast<double>(command_ddr_bytes(c, p));
      active.push_back({i, bytes / std::max(m.ddr_bytes_per_cycle(), 1e-9), true, t0 + latency});
    } else {
      active.push_back({i, 0, false, t0 + static_cast<double>(command_cycles(c, p, nodes, m))});
    }
  };
  for (size_t i : ready) start(i);
  ready.clear();
  while (done < n) {
    if (active.empty()) break;  // cannot happen for a well-formed stream (deps point backwards)
    // Rate of DMA transfers: those past their latency share the bandwidth.
    int64_t k = 0;
    for (const Active& a : active)
      if (a.dma && now >= a.fixed_end) ++k;
    const double rate = k > 0 ? 1.0 / static_cast<double>(k) : 1.0;
    // Next event: a compute end, a DMA latency end, or a transferring DMA finishing at the current rate.
    double next = INFINITY;
    for (const Active& a : active) {
      if (!a.dma)
        next = std::min(next, a.fixed_end);
      else if (now < a.fixed_end)
        next = std::min(next, a.fixed_end);
      else
        next = std::min(next, now + a.work_left / rate);
    }
    const double dt = next - now;
    for (Active& a : active)
      if (a.dma && now >= a.fixed_end) a.work_left -= dt * rate;
    now = next;
    std::vector<size_t> finished;
    for (size_t j = 0; j < active.size();) {
      const Active& a = active[j];
      const bool fin = a.dma ? (now >= a.fixed_end && a.work_left <= 1e-6) : now >= a.fixed_end - 1e-9;
      if (fin) {
        finished.push_back(a.idx);
        active[j] = active.back();
        active.pop_back();
      } else {
        ++j;
      }
    }
    for (size_t i : finished) {
      r.times[i].end = std::max<int64_t>(r.times[i].start + 1, static_cast<int64_t>(std::llround(now)));
      ++done;
      for (size_t d : dependents[i]) {
        ready_time[d] = std::max(ready_time[d], now);
        if (--remaining_deps[d] == 0) start(d);
      }
    }
  }
  int64_t lo = INT64_MAX, hi = 0;
  for (const CommandTime& t : r.times) {
    lo = std::min(lo, t.start);
    hi = std::max(hi, t.end);
  }
  r.makespan = hi - std::min(lo, hi);
  (void)cores;
  return r;
}

}  // namespace npukit::npu
