// SPDX-License-Identifier: Apache-2.0
// npu: the NPU compiler proper. For each NPU segment of a placed integer graph: groups nodes (fusion),
// chooses tiles that fit the march's SRAM with the cost model (npu/cost.h), plans the DDR arena and emits
// the command stream of npk/program.h with explicit dependencies and SRAM addresses.
//
// Optimization levels
//  O0  one node per group, no double buffering (a LOAD never overlaps the compute of the previous tile);
//  O1  epilogue fusion: a TAE / AAE node with the elementwise nodes (QAdd, QMul, QLut, Requantize, ...) that
//      consume it in a chain, intermediates kept in SRAM; double buffering;
//  O2  layer grouping: chains of spatial nodes (conv -> conv, conv -> pool, ...) tiled together over H / W
//      with halos recomputed, so intermediates never go to DDR;
//  O3  O2 plus a wider tile search (more candidate tile heights / widths).
// compile_mode picks among the legal tilings: latency (fewest estimated cycles), bandwidth (fewest DDR
// bytes), balance (balance_factor 0 = bandwidth ... 100 = latency; geometric weighting of the two).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/program.h"

namespace npukit::npu {

struct NpuOptions {
  int optimize_level = 2;  ///< 0..3
  config::CompileMode mode = config::CompileMode::kLatency;
  int64_t balance_factor = 100;  ///< only with kBalance
  int64_t core_num = 1;          ///< cores used (<= march.cores)
  int64_t max_time_per_fc_us = 0;
  int64_t jobs = 1;       ///< threads for the tile search
  int64_t advice_us = 0;  ///< 0: off
};

/// Per-group record of what the compiler decided (for logs, tests and the reports).
struct GroupInfo {
  std::vector<int32_t> nodes;  ///< node indices (Graph::nodes() order)
  std::string tiling;          ///< e.g. "n1 h14 w56 oc64 k all x2 (double buffered), 8 tiles, weights stationary"
  int64_t tiles = 0;
  int64_t est_cycles = 0;  ///< estimate used for the choice
  int64_t ddr_bytes = 0;   ///< DDR bytes of the chosen tiling
  int64_t sram_bytes = 0;  ///< peak SRAM of the chosen tiling (per core)
};

struct SegmentCompileInfo {
  std::vector<GroupInfo> groups;
  std::vector<std::string> advice;  ///< lines for ops whose aligned cost exceeds the ideal by > advice_us
  int64_t est_cycles = 0;
  int64_t ddr_bytes = 0;
};

/// Compiles one NPU segment of `g` (resolved, topologically sorted integer graph) into a Program.
/// kOutOfRange when some node cannot be tiled into SRAM (the placement should have sent it to CPU).
Expected<npk::Program> compile_segment(const ir::Graph& g, const npk::Segment& segment, const march::MarchSpec& m,
                                       const NpuOptions& options, SegmentCompileInfo* info = nullptr);

/// The options a CompileConfig asks for (optimize_level, compile_mode, balance_factor, core_num clamped to the
/// march's cores, max_time_per_fc, jobs clamped to the machine, advice; --fast-perf: O3).
NpuOptions npu_options_from_config(const config::CompileConfig& cfg, const march::MarchSpec& m);

}  // namespace npukit::npu
