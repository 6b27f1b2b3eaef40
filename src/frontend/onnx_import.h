// SPDX-License-Identifier: Apache-2.0
// frontend: the only ONNX-aware code (protobuf stays in this folder). Turns bytes into valid IR in
// canonical form (see src/ops.def) or a precise error naming file, node and field.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::frontend {

struct ImportOptions {
  /// Limit on the model file size and on the sum of all tensor bytes it declares.
  size_t max_file_bytes = size_t{4} << 30;
};

/// Loads an ONNX model file (external data resolved relative to the file's folder). The result is
/// verified (ir::Graph::verify) but shapes may still be dynamic: interp::resolve() makes them static.
Expected<ir::Model> load_onnx(const std::string& path, const ImportOptions& options = {});
/// Same from bytes in memory; `name` is used in messages, `base_dir` for external data.
Expected<ir::Model> parse_onnx(const std::string& bytes, const std::string& name, const std::string& base_dir,
                               const ImportOptions& options = {});

/// Reads a serialized onnx.TensorProto file (the backend test-data `.pb` format).
Expected<Tensor> load_tensor_pb(const std::string& path, std::string* name = nullptr);
/// Writes a TensorProto file atomically.
Status save_tensor_pb(const std::string& path, const Tensor& t, const std::string& name = "");

}  // namespace npukit::frontend
