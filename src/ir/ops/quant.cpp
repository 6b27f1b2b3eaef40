// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: QuantizeLinear DequantizeLinear
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_QuantizeLinear() { return {}; }
Expected<std::vector<TensorType>> infer_QuantizeLinear(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_DequantizeLinear() { return {}; }
Expected<std::vector<TensorType>> infer_DequantizeLinear(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
