// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for control flow: If.
// If's then_branch / else_branch are subgraphs held in Node::subgraphs(), not in Attrs, so the attribute
// schema is empty. InferContext cannot see subgraphs, so If's output types are computed by
// interp::resolve (which inlines the taken branch when the condition is constant).
#include "ir/op_table.h"

namespace npukit::ir {

std::span<const AttrSpec> attrs_If() {
  return {};
}

Expected<std::vector<TensorType>> infer_If(const InferContext& ctx) {
  return ctx.error(ErrorCode::kInternal, "If is inferred by interp::resolve");
}

}  // namespace npukit::ir
