// SPDX-License-Identifier: Apache-2.0
// runtime: the activation arena planner never lets two tensors that are alive at the same step share a byte,
// reuses memory when lifetimes do not overlap, and never needs less than the largest live set (a lower bound).
#include <gtest/gtest.h>

#include <random>

#include "runtime/memory_plan.h"

namespace npukit::runtime {
namespace {

void expect_valid(const std::vector<ArenaRequest>& req, const ArenaPlan& plan, size_t align) {
  ASSERT_EQ(plan.offsets.size(), req.size());
  for (size_t i = 0; i < req.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % align, 0u) << "request " << i;
    EXPECT_LE(plan.offsets[i] + req[i].bytes, plan.total_bytes) << "request " << i;
    for (size_t j = i + 1; j < req.size(); ++j) {
      const bool time = req[i].first <= req[j].last && req[j].first <= req[i].last;
      const bool space =
          plan.offsets[i] < plan.offsets[j] + req[j].bytes && plan.offsets[j] < plan.offsets[i] + req[i].bytes;
      EXPECT_FALSE(time && space) << "requests " << i << " [" << req[i].first << ", " << req[i].last << "] @"
                                  << plan.offsets[i] << "+" << req[i].bytes << " and " << j << " [" << req[j].first
                                  << ", " << req[j].last << "] @" << plan.offsets[j] << "+" << req[j].bytes;
    }
  }
  EXPECT_GE(plan.total_bytes, plan.peak_live_bytes);
}

TEST(ArenaPlan, AChainReusesOneBufferPair) {
  // a -> b -> c -> d, each read only by the next step: two buffers suffice.
  std::vector<ArenaRequest> req{{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const ArenaPlan plan = plan_arena(req, 64);
  expect_valid(req, plan, 64);
  EXPECT_EQ(plan.total_bytes, 2 * 1024u);
  EXPECT_EQ(plan.peak_live_bytes, 2000u);
}

TEST(ArenaPlan, ALongLivedTensorIsNeverOverwritten) {
  // A residual kept alive across three steps while others come and go.
  std::vector<ArenaRequest> req{{512, 0, 4}, {256, 1, 2}, {256, 2, 3}, {256, 3, 4}, {512, 4, 5}};
  const ArenaPlan plan = plan_arena(req, 64);
  expect_valid(req, plan, 64);
  EXPECT_EQ(plan.peak_live_bytes, 1280u);  // step 4: 512 + 256 + 512
}

TEST(ArenaPlan, RandomLifetimesNeverCollide) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 40);
    std::vector<ArenaRequest> req;
    for (int i = 0; i < n; ++i) {
      const int64_t first = rng() % 30;
      req.push_back({1 + rng() % 5000, first, first + static_cast<int64_t>(rng() % 8)});
    }
    const size_t align = size_t{1} << (rng() % 7);
    const ArenaPlan plan = plan_arena(req, align);
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_valid(req, plan, align);
  }
}

TEST(ArenaPlan, EmptyAndZeroByteRequests) {
  EXPECT_EQ(plan_arena({}).total_bytes, 0u);
  const ArenaPlan p = plan_arena({{0, 0, 0}, {0, 0, 0}});
  EXPECT_NE(p.offsets[0], p.offsets[1]) << "zero-byte tensors still get distinct addresses";
}

}  // namespace
}  // namespace npukit::runtime
