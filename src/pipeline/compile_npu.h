// SPDX-License-Identifier: Apache-2.0
// pipeline: the NPU step of `npukit compile` — quantized QDQ model -> integer graph -> head/tail removal ->
// placement + NPU compilation -> {prefix}.npk. Also used by `npukit check` (placement only).
#pragma once

#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/npk_model.h"
#include "npu/compile_model.h"

namespace npukit::pipeline {

/// The march a configuration names (preset or file).
Expected<march::MarchSpec> load_config_march(const config::CompileConfig& c);

/// Lowers a quantized QDQ model to the integer graph and applies remove_node_type / remove_node_name
/// (and --fast-perf's automatic removal of CPU ops at the ends). `removed` lists what was removed.
Expected<ir::Model> integer_model_for_npu(const ir::Model& quantized, const config::CompileConfig& c,
                                          const march::MarchSpec& m, std::vector<std::string>* removed = nullptr);

struct NpuCompileSummary {
  std::string npk_path;
  npu::ModelCompileInfo info;
  std::vector<std::string> removed;  ///< head/tail nodes removed
  int64_t segments_npu = 0, segments_cpu = 0;
  double est_latency_us = 0;  ///< sum of the NPU segments' scheduled spans (CPU segments excluded)
  int64_t ddr_bytes = 0;      ///< per run
};

/// Builds the deployable model from a quantized model (names, input descriptions from the config).
Expected<npk::NpkModel> build_npk(const ir::Model& quantized, const config::CompileConfig& c,
                                  NpuCompileSummary* summary);

}  // namespace npukit::pipeline
