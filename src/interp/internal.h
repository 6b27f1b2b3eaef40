// SPDX-License-Identifier: Apache-2.0
// interp: helpers shared by resolve.cpp and interpreter.cpp (not part of the public API).
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::interp::internal {

/// Output types of `node` given what is known about its inputs (one TensorInfo per input slot).
/// For `If`, the types come from the branch outputs, which must agree.
Expected<std::vector<ir::TensorType>> infer_types(const ir::Node& node, std::span<const ir::TensorInfo> inputs);

/// Allocates outputs with `types` and runs the node's reference kernel on `inputs`.
/// Returns exactly node.num_outputs() tensors.
Expected<std::vector<Tensor>> execute(const ir::Node& node, std::span<const Tensor* const> inputs,
                                      const std::vector<ir::TensorType>& types);

/// "f32[1,3,224,224]"
std::string type_str(DType dtype, const Shape& shape);

}  // namespace npukit::interp::internal
