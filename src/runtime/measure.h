// SPDX-License-Identifier: Apache-2.0
// runtime: measuring a prepared model the way hrt_model_exec perf / RKNN eval_perf do — F frames after a
// warm-up on N inference threads in parallel (throughput, as on the board), per-frame latency, FPS, optional
// per-node times, resident memory before / during / after — and checking every frame's outputs against the
// first frame's. Shared by `npukit exec perf` and the Python API so both report the same figures.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "runtime/runtime.h"

namespace npukit::runtime {

struct MeasureOptions {
  int threads = 1;                 ///< inference threads running frames in parallel (>= 1)
  int64_t frames = 200;            ///< timed frames (>= 1)
  int64_t warmup = 3;              ///< untimed frames first; the first one gives the reference outputs
  bool per_node = false;           ///< also time every node (MeasureResult::node_us)
  std::vector<int> core_ids;       ///< pin thread t to core core_ids[t % size] (empty: no pinning)
  std::function<void()> on_frame;  ///< called after every timed frame (progress); may run on any thread
};

struct LatencyStats {
  double avg = 0, min = 0, max = 0, p50 = 0, p90 = 0, p99 = 0;  ///< ms
};

struct MeasureResult {
  std::vector<double> latency_ms;  ///< per timed frame, in frame order
  LatencyStats latency;
  double wall_seconds = 0, fps = 0;
  std::vector<double> node_us;    ///< per node (graph order): average time per frame, when per_node
  int64_t mismatched_frames = 0;  ///< frames whose outputs differ from the first frame's
  int64_t rss_before = 0, rss_at_10_percent = 0, rss_after = 0, rss_peak = 0;  ///< bytes (0: unavailable)
  int pin_failures = 0;                                                        ///< threads the OS refused to pin
};

/// Runs the frames. Errors: invalid options, inputs the model rejects, a failing frame.
Expected<MeasureResult> measure(const Runtime& rt, const std::vector<Tensor>& inputs, const MeasureOptions& options);

/// Random inputs of the model's runtime input types, fixed seed: codes over the dtype's range, N(0, 1) floats.
std::vector<Tensor> random_inputs(const Runtime& rt, uint32_t seed = 1234);

/// avg / min / max and nearest-rank percentiles of a set of latencies.
LatencyStats latency_stats(std::vector<double> ms);

/// Resident set size of this process now / at its peak (VmRSS / VmHWM of /proc/self/status); 0 when unavailable.
int64_t current_rss_bytes();
int64_t peak_rss_bytes();

/// The planned memory (Runtime::memory()) as JSON; keys in docs/RUNTIME.md ("--eval_memory").
nlohmann::json memory_json(const Runtime& rt);
/// "NPU#0", "CPU#1" (segment target and index, as in the profile tables); "-" outside every segment.
std::string segment_label(const npk::NpkModel& m, int32_t segment);

}  // namespace npukit::runtime
