// SPDX-License-Identifier: Apache-2.0
// kernels/q8: prepare_op dispatch (q8_ops.h). Placeholder dispatch until the op kernels land: every node goes
// to the reference kernel.
#include "kernels/q8/q8_ops.h"

namespace npukit::q8 {

Expected<std::unique_ptr<PreparedOp>> prepare_op(std::string_view /*op_type*/, const Attrs& /*attrs*/,
                                                 std::span<const TensorSig> /*inputs*/,
                                                 std::span<const TensorSig> /*outputs*/, Isa /*isa*/) {
  return std::unique_ptr<PreparedOp>();
}

}  // namespace npukit::q8
