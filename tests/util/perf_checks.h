// SPDX-License-Identifier: Apache-2.0
// Test helper: the invariants every static performance estimate must satisfy — every command on the time line
// once, the layer columns summing to the model's totals (time, DDR bytes, ops), segments back to back, and the
// temporal statistics integrating back to the busy time and the bytes moved.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>

#include "estimate/perf_estimate.h"
#include "ir/op_count.h"
#include "npk/npk_model.h"
#include "npu/cost.h"

namespace npukit::testing {

inline void expect_perf_consistent(const npk::NpkModel& model, const estimate::PerfReport& r) {
  const estimate::PerfSummary& s = r.summary;
  // Every command appears once on the time line, with its own bytes.
  int64_t commands = 0, bytes = 0;
  for (const npk::Program& p : model.programs) {
    commands += static_cast<int64_t>(p.commands.size());
    for (const npk::Command& c : p.commands) bytes += npu::command_ddr_bytes(c, p);
  }
  EXPECT_EQ(static_cast<int64_t>(r.timeline.size()), commands);
  EXPECT_EQ(s.ddr_bytes_per_run, bytes);
  // Layer columns add up to the model's.
  double compute = 0, load_store = 0, busy = 0;
  int64_t ddr = 0, ops = 0, layer_commands = 0;
  for (const estimate::LayerEstimate& l : r.layers) {
    compute += l.compute_us;
    load_store += l.load_store_us;
    ddr += l.ddr_bytes;
    ops += l.ops;
    layer_commands += l.commands;
    EXPECT_LE(l.start_us, l.end_us);
    EXPECT_LE(l.end_us, s.latency_us + 1e-9);
  }
  for (const estimate::TimelineEntry& t : r.timeline) {
    busy += t.end_us - t.start_us;
    EXPECT_GE(t.start_us, 0);
    EXPECT_LE(t.end_us, s.latency_us + 1e-9);
    ASSERT_GE(t.layer, 0);
    ASSERT_LT(t.layer, static_cast<int32_t>(r.layers.size()));
  }
  EXPECT_NEAR(compute + load_store, busy, 1e-6 * busy);
  EXPECT_NEAR(compute, s.compute_us, 1e-9 * compute);
  EXPECT_NEAR(load_store, s.load_store_us, 1e-9 * load_store);
  EXPECT_EQ(ddr, s.ddr_bytes_per_run);
  EXPECT_EQ(ops, s.ops_per_run);
  EXPECT_EQ(ops, ir::graph_ops(model.model.graph));
  EXPECT_EQ(layer_commands, commands);
  // NPU latency = the segments back to back.
  double seg = 0;
  for (const estimate::SegmentEstimate& se : r.segments) seg += se.latency_us;
  EXPECT_NEAR(seg, s.latency_us, 1e-9 * s.latency_us);
  // Temporal statistics integrate back to the totals: busy time per unit and bytes moved.
  const estimate::TemporalStats& ts = r.temporal;
  ASSERT_GT(ts.intervals, 0);
  EXPECT_GE(static_cast<double>(ts.intervals) * ts.interval_us, s.latency_us - 1e-9);
  double util_time = 0, moved = 0;
  for (const auto& [unit, v] : ts.unit_utilization) {
    ASSERT_EQ(static_cast<int64_t>(v.size()), ts.intervals) << unit;
    for (size_t b = 0; b < v.size(); ++b) {
      EXPECT_GE(v[b], 0.0);
      EXPECT_LE(v[b], 100.0 + 1e-9);
      const double width = std::min(ts.interval_us, s.latency_us - static_cast<double>(b) * ts.interval_us);
      util_time += v[b] / 100.0 * width * static_cast<double>(s.cores);
    }
  }
  for (size_t b = 0; b < ts.load_mbps.size(); ++b) {
    const double width = std::min(ts.interval_us, s.latency_us - static_cast<double>(b) * ts.interval_us);
    moved += (ts.load_mbps[b] + ts.store_mbps[b]) * width;  // MB/s x us = bytes
  }
  EXPECT_NEAR(util_time, busy, 1e-6 * busy);
  EXPECT_NEAR(moved, static_cast<double>(s.ddr_bytes_per_run), 1e-6 * static_cast<double>(s.ddr_bytes_per_run));
}

}  // namespace npukit::testing
