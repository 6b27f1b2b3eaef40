// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): schema + shape inference for: LSTM
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_LSTM() { return {}; }
Expected<std::vector<TensorType>> infer_LSTM(const InferContext& ctx) { return ctx.error(ErrorCode::kUnimplemented, "shape inference not written"); }

}  // namespace npukit::ir
