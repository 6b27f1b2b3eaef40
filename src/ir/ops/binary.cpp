// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: PRelu Add Sub Mul Div Pow Max Min Sum Equal Greater Less GreaterOrEqual LessOrEqual And Or Where
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_PRelu() { return {}; }
Expected<std::vector<TensorType>> infer_PRelu(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Add() { return {}; }
Expected<std::vector<TensorType>> infer_Add(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Sub() { return {}; }
Expected<std::vector<TensorType>> infer_Sub(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Mul() { return {}; }
Expected<std::vector<TensorType>> infer_Mul(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Div() { return {}; }
Expected<std::vector<TensorType>> infer_Div(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Pow() { return {}; }
Expected<std::vector<TensorType>> infer_Pow(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Max() { return {}; }
Expected<std::vector<TensorType>> infer_Max(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Min() { return {}; }
Expected<std::vector<TensorType>> infer_Min(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Sum() { return {}; }
Expected<std::vector<TensorType>> infer_Sum(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Equal() { return {}; }
Expected<std::vector<TensorType>> infer_Equal(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Greater() { return {}; }
Expected<std::vector<TensorType>> infer_Greater(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Less() { return {}; }
Expected<std::vector<TensorType>> infer_Less(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_GreaterOrEqual() { return {}; }
Expected<std::vector<TensorType>> infer_GreaterOrEqual(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_LessOrEqual() { return {}; }
Expected<std::vector<TensorType>> infer_LessOrEqual(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_And() { return {}; }
Expected<std::vector<TensorType>> infer_And(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Or() { return {}; }
Expected<std::vector<TensorType>> infer_Or(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Where() { return {}; }
Expected<std::vector<TensorType>> infer_Where(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
