// SPDX-License-Identifier: Apache-2.0
// kernels/ref: scalar, obviously-correct reference kernels — the specification every other executor
// is tested against. No graph knowledge: a kernel sees its attributes (defaults already filled from
// the op's schema), its input tensors and its preallocated output tensors.
#pragma once

#include <span>
#include <string_view>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"

namespace npukit::ref {

/// Arguments of one kernel call.
///  - inputs: one pointer per input slot; nullptr for an absent optional input.
///  - outputs: allocated by the caller with the dtype/shape from the op's shape inference
///    (which saw the same input values), so kernels write into them and need not resize.
struct KernelArgs {
  std::string_view op_type;
  std::string_view node_name;
  const Attrs& attrs;
  std::span<const Tensor* const> inputs;
  std::span<Tensor> outputs;

  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  const Tensor& in(size_t i) const { return *inputs[i]; }
  Tensor& out(size_t i) const { return outputs[i]; }
  /// Error naming op and node: "Conv 'conv1': <parts>".
  template <class... Args>
  Status error(ErrorCode code, const Args&... args) const {
    return make_error(code, op_type, " '", node_name, "': ", args...);
  }
};

using RefKernelFn = Status (*)(const KernelArgs&);

#define NPUKIT_OP(kind, onnx, min_in, max_in, min_out, max_out, since, cost) Status ref_##kind(const KernelArgs& a);
#include "ops.def"
#undef NPUKIT_OP

}  // namespace npukit::ref
