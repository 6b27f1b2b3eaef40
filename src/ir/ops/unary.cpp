// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Elu Softplus Exp Log Sqrt Erf Abs Neg Reciprocal Floor Ceil Not Identity Dropout Cast
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_Relu() { return {}; }
Expected<std::vector<TensorType>> infer_Relu(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_LeakyRelu() { return {}; }
Expected<std::vector<TensorType>> infer_LeakyRelu(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Clip() { return {}; }
Expected<std::vector<TensorType>> infer_Clip(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Sigmoid() { return {}; }
Expected<std::vector<TensorType>> infer_Sigmoid(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_HardSigmoid() { return {}; }
Expected<std::vector<TensorType>> infer_HardSigmoid(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_HardSwish() { return {}; }
Expected<std::vector<TensorType>> infer_HardSwish(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Tanh() { return {}; }
Expected<std::vector<TensorType>> infer_Tanh(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Elu() { return {}; }
Expected<std::vector<TensorType>> infer_Elu(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Softplus() { return {}; }
Expected<std::vector<TensorType>> infer_Softplus(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Exp() { return {}; }
Expected<std::vector<TensorType>> infer_Exp(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Log() { return {}; }
Expected<std::vector<TensorType>> infer_Log(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Sqrt() { return {}; }
Expected<std::vector<TensorType>> infer_Sqrt(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Erf() { return {}; }
Expected<std::vector<TensorType>> infer_Erf(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Abs() { return {}; }
Expected<std::vector<TensorType>> infer_Abs(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Neg() { return {}; }
Expected<std::vector<TensorType>> infer_Neg(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Reciprocal() { return {}; }
Expected<std::vector<TensorType>> infer_Reciprocal(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Floor() { return {}; }
Expected<std::vector<TensorType>> infer_Floor(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Ceil() { return {}; }
Expected<std::vector<TensorType>> infer_Ceil(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Not() { return {}; }
Expected<std::vector<TensorType>> infer_Not(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Identity() { return {}; }
Expected<std::vector<TensorType>> infer_Identity(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Dropout() { return {}; }
Expected<std::vector<TensorType>> infer_Dropout(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Cast() { return {}; }
Expected<std::vector<TensorType>> infer_Cast(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
