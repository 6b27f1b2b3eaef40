// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: Concat Split Slice Reshape Flatten Transpose Squeeze Unsqueeze Gather Shape Constant ConstantOfShape Range Expand Tile Pad
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_Concat() { return {}; }
Expected<std::vector<TensorType>> infer_Concat(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Split() { return {}; }
Expected<std::vector<TensorType>> infer_Split(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Slice() { return {}; }
Expected<std::vector<TensorType>> infer_Slice(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Reshape() { return {}; }
Expected<std::vector<TensorType>> infer_Reshape(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Flatten() { return {}; }
Expected<std::vector<TensorType>> infer_Flatten(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Transpose() { return {}; }
Expected<std::vector<TensorType>> infer_Transpose(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Squeeze() { return {}; }
Expected<std::vector<TensorType>> infer_Squeeze(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Unsqueeze() { return {}; }
Expected<std::vector<TensorType>> infer_Unsqueeze(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Gather() { return {}; }
Expected<std::vector<TensorType>> infer_Gather(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Shape() { return {}; }
Expected<std::vector<TensorType>> infer_Shape(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Constant() { return {}; }
Expected<std::vector<TensorType>> infer_Constant(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ConstantOfShape() { return {}; }
Expected<std::vector<TensorType>> infer_ConstantOfShape(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Range() { return {}; }
Expected<std::vector<TensorType>> infer_Range(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Expand() { return {}; }
Expected<std::vector<TensorType>> infer_Expand(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Tile() { return {}; }
Expected<std::vector<TensorType>> infer_Tile(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Pad() { return {}; }
Expected<std::vector<TensorType>> infer_Pad(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
