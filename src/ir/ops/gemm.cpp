// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: Gemm MatMul
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_Gemm() { return {}; }
Expected<std::vector<TensorType>> infer_Gemm(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }
std::span<const AttrSpec> attrs_MatMul() { return {}; }
Expected<std::vector<TensorType>> infer_MatMul(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
