// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: Conv ConvTranspose
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_Conv() { return {}; }
Expected<std::vector<TensorType>> infer_Conv(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ConvTranspose() { return {}; }
Expected<std::vector<TensorType>> infer_ConvTranspose(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
