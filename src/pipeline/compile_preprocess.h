// SPDX-License-Identifier: Apache-2.0
// pipeline: maps the configuration's input_parameters onto the preprocessing passes
// (passes/insert_preprocess.h): the normalisation head of the optimized model, and the runtime input
// format conversion (input_type_rt → input_type_train, input_batch, separate_batch) of the quantized model.
#pragma once

#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"

namespace npukit::pipeline {

/// What the normalisation step added (so the quantizer keeps it in float and calibrates its outputs
/// with max).
struct HeadNodes {
  std::vector<std::string> nodes;    ///< inserted node names
  std::vector<std::string> tensors;  ///< inserted nodes' output names
};

/// norm_type / mean_value / scale_value of every input as nodes in front of the model (graph input names
/// and shapes unchanged: the inputs take raw input_type_train data). `names[i]` is config input i.
Expected<HeadNodes> insert_normalization(ir::Model& model, const config::CompileConfig& c,
                                         const std::vector<std::string>& names);

/// input_type_rt → input_type_train conversion (and input_batch / separate_batch) at the head of the
/// model; the graph inputs become the runtime format. Resolves the model again.
Status insert_runtime_conversion(ir::Model& model, const config::CompileConfig& c,
                                 const std::vector<std::string>& names);

}  // namespace npukit::pipeline
