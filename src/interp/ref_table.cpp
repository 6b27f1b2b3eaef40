// SPDX-License-Identifier: Apache-2.0
// interp: the reference-kernel table, expanded from src/ops.def in enum order.
#include <array>

#include "interp/interpreter.h"

namespace npukit::interp {

namespace {
constexpr std::array<ref::RefKernelFn, ir::kNumOps> kKernels = {{
#define NPUKIT_OP(kind, onnx, min_in, max_in, min_out, max_out, since, cost) &ref::ref_##kind,
#include "ops.def"
#undef NPUKIT_OP
}};
}  // namespace

ref::RefKernelFn ref_kernel(ir::OpKind kind) {
  size_t i = static_cast<size_t>(kind);
  return i < kKernels.size() ? kKernels[i] : nullptr;
}

}  // namespace npukit::interp
