// SPDX-License-Identifier: Apache-2.0
// npukit quant: per-layer similarity between a float graph and its QDQ (fake-quantized) version.
//
// Both graphs are run with the reference interpreter on the same samples. Every f32 node output of the
// float graph whose name also exists in the QDQ graph (quantize_to_qdq keeps node output names; a
// quantized graph output keeps its name on the DequantizeLinear output) is compared; statistics are
// aggregated over ALL samples as if the per-sample tensors were concatenated:
//   cosine      = sum(a b) / sqrt(sum(a^2) sum(b^2))   (1 when both are all-zero, 0 when only one is)
//   max_abs_err = max |a - b|
//   rel_l2_err  = sqrt(sum((a - b)^2) / sum(a^2))      (0 when both are all-zero, inf when only a is)
// Sums are accumulated in double.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "quant/calib_table.h"

namespace npukit::quant {

/// One compared tensor.
struct SimilarityRow {
  std::string node;     ///< float node name ("" for model-output rows)
  std::string op_type;  ///< float node op type ("Output" for model-output rows)
  std::string tensor;   ///< compared tensor name
  /// Execution unit. Always "CPU" for now: placement (CPU vs NPU) is decided by the NPU compiler,
  /// which does not exist yet.
  std::string on = "CPU";
  double cosine = 1.0;
  double max_abs_err = 0.0;
  double rel_l2_err = 0.0;
  /// Calibration threshold of the tensor (NaN when the table has no entry or no table was given).
  double threshold = 0.0;
  /// "int8" when the QDQ graph quantizes this tensor (it feeds a QuantizeLinear or is a DequantizeLinear
  /// output), else "float32".
  std::string dtype;
};

struct SimilarityReport {
  int64_t num_samples = 0;
  /// Node rows in float-graph order, then one row per model output.
  std::vector<SimilarityRow> rows;
};

struct CompareOptions {
  /// Called after each sample with its index (progress reporting).
  std::function<void(int64_t)> on_sample;
  /// Run Conv / Gemm / MatMul of both graphs with kernels/fast (f32 accumulation in blocked order; the
  /// similarity figures move by float rounding only). false: the reference kernels.
  bool use_fast_kernels = true;
  /// Worker threads over the samples (contiguous chunks, merged in order); 0 = one per hardware thread.
  int64_t threads = 0;
};

/// Runs both graphs (resolved, same runtime inputs) on every sample and compares. `table` (optional)
/// supplies the thresholds. Errors: kInvalidArgument for no samples or different runtime-input / output
/// counts; interpreter errors prefixed with the graph ("float" / "qdq") and the sample index.
Expected<SimilarityReport> compare_float_quant(const ir::Graph& float_g, const ir::Graph& qdq_g,
                                               const std::vector<std::vector<Tensor>>& samples,
                                               const CalibTable* table = nullptr, const CompareOptions& options = {});

/// JSON: {"num_samples": N, "rows": [{"node", "op_type", "tensor", "on", "cosine", "max_abs_err",
/// "rel_l2_err", "threshold" (null when unknown), "dtype"}, ...]} (pretty-printed, 2-space indent).
std::string to_json(const SimilarityReport& report);

/// Fixed-width text table: Node, ON, Type, Cosine Similarity, Threshold, DataType, MaxAbsErr, RelL2.
std::string to_text_table(const SimilarityReport& report);

}  // namespace npukit::quant
