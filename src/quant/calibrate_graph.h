// SPDX-License-Identifier: Apache-2.0
// npukit quant: graph-level calibration — runs the float reference interpreter over calibration
// samples, observes every float activation and turns the statistics into a CalibTable.
//
// Observed tensors: every runtime graph input and every node output whose dtype is f32 (constants,
// integer and bool tensors — shape arithmetic, indices, masks — are skipped). Nodes inside subgraphs
// are not visited (resolve() inlines constant-condition If; other control flow is opaque here).
//
// Samples are processed in parallel (CalibOptions::threads), each worker holding its own observers
// and one sample's live activations at a time; memory does not grow with the number of samples.
//
// Single pass: statistics use HistogramObserver's power-of-two range growth, which is exact (the
// histogram equals one built at the final range directly, see calib.h), so no second pass over the
// data is needed and the result does not depend on sample order. Histograms are kept only for
// tensors whose method needs one (everything but max / skip); max uses MinMaxObserver only.
//
// Methods (CalibMethod), per tensor:
//   max              threshold_max: the exact largest |x|.
//   max_percentile   threshold_percentile(p) on the histogram (p == 1 is exactly max).
//   kl               threshold_kl.
//   mse              threshold_mse.
//   default          threshold_default: the candidate (max, percentiles, kl, mse) with the smallest
//                    expected squared error on this tensor; the table records "default:<candidate>".
//   skip             the given samples are ignored; `skip_samples` random samples are generated
//                    from the input shapes (random_calibration_tensor, seed skip_seed + k * 1000 + i
//                    for sample k / input i), then max.
// `overrides` (the yaml `mix` per-node choice) maps a tensor name OR a producer node name to a
// method for that tensor (tensor name wins when both match). An override cannot be skip.
//
// A tensor that was zero in every sample gets threshold 0 and scale kMinScale (any scale represents
// it exactly) with a warning; a NaN-only tensor or inf values are errors naming the tensor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "quant/calib.h"
#include "quant/calib_table.h"

namespace npukit::quant {

enum class CalibMethod : uint8_t { kMax, kMaxPercentile, kKl, kMse, kDefault, kSkip };

/// A method with its parameter.
struct CalibMethodSpec {
  CalibMethod method = CalibMethod::kMax;
  double percentile = 1.0;  ///< kMaxPercentile only: p in (0, 1]
};

/// "max", "max_percentile_<p>" (shortest decimal p), "kl", "mse", "default", "skip".
std::string method_name(const CalibMethodSpec& spec);
/// Parses method_name() output (also "max_percentile" alone, meaning p = 1). kInvalidArgument otherwise.
Expected<CalibMethodSpec> parse_method(const std::string& s);

/// Upper bound of the automatic worker count (CalibOptions::threads == 0).
inline constexpr int64_t kMaxAutoCalibThreads = 8;

struct CalibOptions {
  CalibMethodSpec method;
  /// Per tensor / node name method (mix). Names that match nothing are an error (typo guard).
  std::map<std::string, CalibMethodSpec> overrides;
  int bits = 8;             ///< 8 or 16: KL levels, expected-error step and the table's scales
  int64_t num_bins = 2048;  ///< histogram bins (power of two, see HistogramOptions)
  InfPolicy inf_policy = InfPolicy::kError;
  /// skip: number of generated samples, seed, and value distribution for f32 inputs.
  int64_t skip_samples = 1;
  uint64_t skip_seed = 0x6e70756b6974ULL;
  RandomSpec skip_spec;
  /// log::info "calibration: sample i/N" every this many samples (and the last); 0 = never.
  int64_t progress_every = 1;
  /// Worker threads over the samples (each with its own observers, merged exactly at the end, so the
  /// table is identical for every value); 0 = one per hardware thread, at most kMaxAutoCalibThreads (each
  /// worker holds one sample's live activations, ~50 MB for ResNet-50). Capped at the sample count.
  int64_t threads = 0;
  /// Run Conv / Gemm / MatMul with kernels/fast (f32 accumulation) instead of the reference kernels.
  /// Activations then differ from the reference within float rounding, so thresholds can differ in the
  /// last bits (and histogram counts by values that sit exactly on a bin edge).
  bool use_fast_kernels = true;
  /// Called after each finished sample (from the worker thread that ran it; must be thread-safe), e.g.
  /// to advance a progress bar.
  std::function<void()> on_sample;
};

/// Calibrates a RESOLVED graph (static shapes, see interp::resolve). samples[k] holds one tensor per
/// runtime graph input in order (ignored for skip). Errors: kInvalidArgument for no samples, a bad
/// option or unknown override name; interpreter errors with the sample index; observer / threshold
/// errors naming the tensor.
Expected<CalibTable> calibrate_graph(const ir::Graph& resolved_graph, const std::vector<std::vector<Tensor>>& samples,
                                     const CalibOptions& options);

}  // namespace npukit::quant
