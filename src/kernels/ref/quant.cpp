// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: QuantizeLinear DequantizeLinear
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_QuantizeLinear(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_DequantizeLinear(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
