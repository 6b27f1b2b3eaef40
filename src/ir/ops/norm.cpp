// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: BatchNormalization LayerNormalization InstanceNormalization
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_BatchNormalization() { return {}; }
Expected<std::vector<TensorType>> infer_BatchNormalization(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_LayerNormalization() { return {}; }
Expected<std::vector<TensorType>> infer_LayerNormalization(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_InstanceNormalization() { return {}; }
Expected<std::vector<TensorType>> infer_InstanceNormalization(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
