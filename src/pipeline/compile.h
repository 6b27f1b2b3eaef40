// SPDX-License-Identifier: Apache-2.0
// pipeline: the `npukit compile` flow (hb_compile's PTQ part): configuration → float model →
// optimized float model → calibration → calibrated model → quantized model, each stage written
// to the working directory as a named ONNX artifact, plus the calibration table and the per-layer
// similarity table.
//
// Artifacts (in model_parameters.working_dir, names prefixed with output_model_file_prefix P):
//   P_original_float_model.onnx   the model as imported (canonical opset-17 form, shapes as declared)
//   P_optimized_float_model.onnx  shapes resolved, constants folded, BatchNorm folded into convs,
//                                 Identity/Dropout removed, extra output_nodes, and the input
//                                 normalisation (norm_type / mean / scale) as nodes at the head; its
//                                 inputs take the RAW input_type_train data (what cal_data_dir holds)
//   P_calibrated_model.onnx       the optimized model with the calibrated activation quantizers as
//                                 QuantizeLinear/DequantizeLinear pairs (weights still float): a float
//                                 model that simulates activation quantization
//   P_quantized_model.onnx        activations, weights (per-channel int8) and biases (int32) quantized,
//                                 standard QDQ ONNX, with the input_type_rt → input_type_train conversion
//                                 at the head (the deployed model takes the runtime format directly)
//   P_calibration_table.json      quant/calib_table.h format
//   P_quant_similarity.json       quant/similarity.h format (float vs quantized, per layer)
//   P.npk                         the deployable model for the march: the integer graph placed on NPU / CPU,
//                                 NPU segments compiled to command streams (npu/, npk/; docs/MODEL_FORMAT.md)
// All artifacts are written into a staging folder first and moved into place only when every step
// succeeded, so a failed run leaves the outputs of an earlier run untouched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "quant/calib_table.h"
#include "quant/similarity.h"

namespace npukit::pipeline {

struct CompileRunOptions {
  /// Samples used for the similarity table and for the `default` search (the first ones of the
  /// calibration set); 0 = min(number of samples, 16).
  int64_t similarity_samples = 0;
  /// Print the similarity table to stdout.
  bool print_similarity = true;
  /// Samples generated for calibration_type skip.
  int64_t skip_samples = 4;
};

struct CompileArtifacts {
  std::string original_model;
  std::string optimized_model;
  std::string calibrated_model;
  std::string quantized_model;
  std::string calibration_table;
  std::string similarity;
  std::string npk_model;  ///< P.npk: the deployable model (npk/npk_file.h)
  std::string perf_json;  ///< P.json: the static performance estimate (docs/PERF_REPORT.md)
  std::string perf_html;  ///< P.html: the same as a self-contained HTML report
  std::string graph_svg;  ///< P_graph.svg: the graph, NPU / CPU nodes coloured (empty when too large to draw)
};

struct CompileResult {
  CompileArtifacts files;
  quant::CalibTable table;
  quant::SimilarityReport similarity;
  /// The calibration actually used ("kl", "default:max_percentile_0.99995", "mix", ...).
  std::string calibration;
  /// For calibration_type default: each candidate with its model-output cosine.
  std::vector<std::pair<std::string, double>> candidates;
  int64_t num_calibration_samples = 0;
  /// per_channel: feature maps whose channel ranges were equalized (passes/equalize_channels.h).
  int equalized_feature_maps = 0;
  /// calibration_type load: how much of the model's own quantization was kept, and every parameter npukit
  /// changed (quant/qdq_import.h), one line each.
  std::string load_summary;
  std::vector<std::string> load_changes;
  /// "integer ops: QConv x26, ...; float ops left: 3 (Softmax 'prob', ...)" — the quantized model lowered
  /// to integer ops (quant/lower_qdq.h).
  std::string integer_summary;
  /// "NPU nodes 60, CPU nodes 3 in 1 NPU + 2 CPU segments; estimated NPU latency 1234.5 us, DDR 3.2 MB per run"
  std::string npu_summary;
  /// The estimate's key figures (estimate::summary_text): "FPS=..., latency = ... us ..." + segments.
  std::string perf_summary;
  double seconds = 0.0;
};

/// Runs the flow for a validated configuration (load_compile_config / make_fast_perf_config).
/// Errors carry the step ("load", "calibration data", ...) and name the file / key / node concerned.
Expected<CompileResult> run_compile(const config::CompileConfig& config, const CompileRunOptions& options = {});

}  // namespace npukit::pipeline
