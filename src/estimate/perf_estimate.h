// SPDX-License-Identifier: Apache-2.0
// estimate: the static performance estimate of a compiled model (the hbm_perf of npukit). Every NPU
// program is scheduled event by event on the units of its march (npu/schedule.h) with the same pure cost
// functions the compiler chose its tiles with (npu/cost.h), so the report and the compile decisions never
// disagree. CPU segments are listed with their op counts and excluded from the NPU latency.
// The JSON form (to_json) is the stable interface; docs/PERF_REPORT.md documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "npk/npk_model.h"

namespace npukit::estimate {

struct EstimateOptions {
  /// Width of one temporal-statistics interval in µs; 0 picks it: 1000 µs, halved until the latency
  /// spans at least 50 intervals, but never below 1 µs.
  double interval_us = 0;
};

/// One NPU or CPU segment.
struct SegmentEstimate {
  int32_t index = 0;      ///< NpkModel::segments index
  std::string target;     ///< "NPU" / "CPU"
  int64_t nodes = 0;      ///< integer-graph nodes
  int64_t ops = 0;        ///< per run
  double latency_us = 0;  ///< NPU: makespan of its program (function calls back to back); CPU: 0 (not estimated)
  double start_us = 0;    ///< NPU: where it starts on the model's NPU time line
  int64_t ddr_bytes = 0;  ///< NPU: bytes on the DDR bus per run
  int64_t commands = 0;   ///< NPU: commands in its program
  int64_t function_calls = 0;
};

/// One row of the layer table: one original (ONNX) node, found through the integer nodes' provenance.
struct LayerEstimate {
  std::string name;    ///< original node name(s), "+"-joined when one integer node fused several
  std::string op;      ///< integer-graph op type(s) of the node(s), "+"-joined when different
  std::string target;  ///< "NPU" / "CPU"
  int32_t segment = -1;
  std::vector<std::string> nodes;  ///< the integer-graph nodes merged into this row
  int64_t ops = 0;                 ///< per run
  double compute_us = 0;           ///< sum of the durations of its TAE/VAE/AAE/TRANS commands
  double load_store_us = 0;        ///< sum of the durations of its LOAD/STORE commands
  int64_t ddr_bytes = 0;           ///< bus bytes its LOAD/STORE commands move
  int64_t commands = 0;
  double start_us = 0, end_us = 0;  ///< first command start, last command end (NPU time line)
};

/// One command on the time line.
struct TimelineEntry {
  std::string unit;  ///< "TAE", "VAE", "AAE", "TRANS", "LOAD", "STORE"
  int32_t core = 0;
  double start_us = 0, end_us = 0;
  int32_t layer = -1;     ///< index into PerfReport::layers
  std::string op;         ///< command op ("CONV", "LOAD", ...)
  int32_t segment = -1;   ///< NpkModel::segments index
  int32_t command = -1;   ///< index in the segment's program
  int64_t ddr_bytes = 0;  ///< LOAD / STORE bus bytes
};

struct TemporalStats {
  double interval_us = 0;
  int64_t intervals = 0;
  /// Per unit ("tae", "vae", "aae", "trans", "load", "store"): busy fraction in percent of each interval,
  /// averaged over the cores.
  std::map<std::string, std::vector<double>> unit_utilization;
  std::vector<double> load_mbps, store_mbps;  ///< DDR MB/s (1e6 bytes) read / written in each interval
};

struct PerfSummary {
  std::string model_name;
  std::string march;
  std::string npukit_version;
  std::string parameter_crc;  ///< hex CRC-32 of the weights (as model_info prints); "" when not known
  nlohmann::json compile_options = nlohmann::json::object();
  int64_t cores = 1;  ///< cores the model was compiled for (core_num)
  double clock_mhz = 0;
  double peak_tops = 0;
  int64_t frames_per_run = 1;
  double latency_us = 0;  ///< one run, NPU segments back to back
  double latency_ms = 0;
  double fps = 0;  ///< frames_per_run / latency
  double runs_per_second = 0;
  int64_t ops_per_run = 0, ops_per_frame = 0;  ///< all segments (effective: no alignment padding)
  int64_t npu_ops_per_run = 0, cpu_ops_per_run = 0;
  int64_t ddr_bytes_per_run = 0, ddr_bytes_per_frame = 0;
  int64_t loaded_bytes_per_frame = 0, stored_bytes_per_frame = 0;
  double ddr_bytes_per_second = 0, ddr_mb_per_frame = 0, ddr_mb_per_run = 0, ddr_mb_per_second = 0;
  double compute_us = 0;     ///< sum over layers
  double load_store_us = 0;  ///< sum over layers
  int64_t npu_segments = 0, cpu_segments = 0;
  double estimate_seconds = 0;  ///< wall time of the estimate itself
};

struct PerfReport {
  PerfSummary summary;
  std::vector<SegmentEstimate> segments;
  TemporalStats temporal;
  std::vector<LayerEstimate> layers;
  std::vector<TimelineEntry> timeline;
};

/// Estimates a compiled model. `parameter_crc` as read from the file (npk::NpkFileInfo), or "".
Expected<PerfReport> estimate_perf(const npk::NpkModel& model, const EstimateOptions& options = {},
                                   const std::string& parameter_crc = "");

/// The documented JSON (docs/PERF_REPORT.md).
nlohmann::json to_json(const PerfReport& report);

/// The key figures as text: "FPS=1245.31, latency = 803.0 us (...)" then one line per segment.
std::string summary_text(const PerfReport& report);

/// The self-contained HTML report (four tabs, no network access) for a report in its JSON form.
std::string render_html(const nlohmann::json& report);

/// Writes `<dir>/<stem>.json` and `<dir>/<stem>.html` atomically.
Status write_perf_report(const PerfReport& report, const std::string& dir, const std::string& stem);

}  // namespace npukit::estimate
