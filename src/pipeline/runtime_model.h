// SPDX-License-Identifier: Apache-2.0
// pipeline: the model the int8 CPU runtime runs, from either file it accepts: a compiled .npk (read as is), or
// a quantized QDQ ONNX such as `npukit compile` writes as {prefix}_quantized_model.onnx (or ONNX Runtime's /
// PyTorch's QDQ exports), lowered here to npukit's integer graph and wrapped as a model with one CPU segment.
// The lowering is a compiler stage, which is why this lives in pipeline and not in runtime/.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "npk/npk_model.h"

namespace npukit::pipeline {

struct RuntimeModelInfo {
  bool from_onnx = false;
  int64_t quantize_nodes = 0;  ///< QuantizeLinear / DequantizeLinear nodes in the ONNX before lowering
  int64_t float_ops = 0;       ///< ops still running in float after the lowering
};

/// Loads `path` for runtime::Runtime. ONNX: `input_shapes` resolve dynamic dims (as --input-shape). A float
/// ONNX without QuantizeLinear / DequantizeLinear is an error that says to compile (or quantize) it first.
Expected<npk::NpkModel> load_runtime_model(const std::string& path,
                                           const std::map<std::string, Shape>& input_shapes = {},
                                           RuntimeModelInfo* info = nullptr);

}  // namespace npukit::pipeline
