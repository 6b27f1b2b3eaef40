// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: ReduceMean ReduceSum ReduceMax ReduceMin ArgMax ArgMin Softmax LogSoftmax
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_ReduceMean() { return {}; }
Expected<std::vector<TensorType>> infer_ReduceMean(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ReduceSum() { return {}; }
Expected<std::vector<TensorType>> infer_ReduceSum(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ReduceMax() { return {}; }
Expected<std::vector<TensorType>> infer_ReduceMax(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ReduceMin() { return {}; }
Expected<std::vector<TensorType>> infer_ReduceMin(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ArgMax() { return {}; }
Expected<std::vector<TensorType>> infer_ArgMax(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_ArgMin() { return {}; }
Expected<std::vector<TensorType>> infer_ArgMin(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_Softmax() { return {}; }
Expected<std::vector<TensorType>> infer_Softmax(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_LogSoftmax() { return {}; }
Expected<std::vector<TensorType>> infer_LogSoftmax(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
