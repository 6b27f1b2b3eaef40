// SPDX-License-Identifier: Apache-2.0
#include "util/model_runner.h"

#include <filesystem>

#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "pipeline/load.h"

namespace npukit::testing {

std::string shared_model_path(const std::string& relative) {
  std::filesystem::path p = std::filesystem::path(NPUKIT_SHARED_DIR) / "models" / relative;
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return "";
  return std::filesystem::weakly_canonical(p, ec).string();
}

Expected<ir::Model> load_resolved(const std::string& path, const std::map<std::string, Shape>& input_shapes) {
  pipeline::LoadOptions lo;
  lo.input_shapes = input_shapes;
  return pipeline::load_model(path, lo);
}

Expected<std::vector<Tensor>> run_reference(const ir::Model& model, const std::vector<Tensor>& inputs) {
  interp::Interpreter it(model.graph);
  return it.run(inputs);
}

}  // namespace npukit::testing
