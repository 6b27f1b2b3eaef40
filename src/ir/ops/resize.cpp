// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: Resize DepthToSpace SpaceToDepth
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_Resize() { return {}; }
Expected<std::vector<TensorType>> infer_Resize(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_DepthToSpace() { return {}; }
Expected<std::vector<TensorType>> infer_DepthToSpace(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_SpaceToDepth() { return {}; }
Expected<std::vector<TensorType>> infer_SpaceToDepth(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
