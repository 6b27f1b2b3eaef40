// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: Conv ConvTranspose
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_Conv(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ConvTranspose(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
