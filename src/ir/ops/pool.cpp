// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: MaxPool AveragePool GlobalAveragePool GlobalMaxPool
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_MaxPool() { return {}; }
Expected<std::vector<TensorType>> infer_MaxPool(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_AveragePool() { return {}; }
Expected<std::vector<TensorType>> infer_AveragePool(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_GlobalAveragePool() { return {}; }
Expected<std::vector<TensorType>> infer_GlobalAveragePool(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_GlobalMaxPool() { return {}; }
Expected<std::vector<TensorType>> infer_GlobalMaxPool(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
