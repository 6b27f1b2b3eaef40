// SPDX-License-Identifier: Apache-2.0
#include "runtime/memory_plan.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace npukit::runtime {

namespace {

size_t align_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

bool overlap_in_time(const ArenaRequest& a, const ArenaRequest& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<ArenaRequest>& requests, size_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; ties by earlier start, then by index, so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first < requests[b].first;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of placed requests alive at the same time
  for (size_t r : order) {
    const ArenaRequest& q = requests[r];
    const size_t need = align_up(std::max<size_t>(q.bytes, 1), alignment);
    busy.clear();
    for (size_t p : placed)
      if (overlap_in_time(q, requests[p]))
        busy.emplace_back(plan.offsets[p],
                          plan.offsets[p] + align_up(std::max<size_t>(requests[p].bytes, 1), alignment));
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the request, else the end of the busy region.
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    for (const auto& [b, e] : busy) {
      if (b > cursor && b - cursor >= need && b - cursor < best_gap) {
        best = cursor;
        best_gap = b - cursor;
      }
      cursor = std::max(cursor, e);
    }
    if (best == SIZE_MAX) best = cursor;
    plan.offsets[r] = best;
    plan.total_bytes = std::max(plan.total_bytes, best + need);
    placed.push_back(r);
  }
  std::map<int64_t, int64_t> delta;  // step -> change of live bytes
  for (const ArenaRequest& q : requests) {
    delta[q.first] += static_cast<int64_t>(q.bytes);
    delta[q.last + 1] -= static_cast<int64_t>(q.bytes);
  }
  int64_t live = 0;
  for (const auto& [step, d] : delta) {
    live += d;
    plan.peak_live_bytes = std::max(plan.peak_live_bytes, static_cast<size_t>(std::max<int64_t>(live, 0)));
  }
  return plan;
}

}  // namespace npukit::runtime
