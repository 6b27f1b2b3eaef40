// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: BatchNormalization LayerNormalization InstanceNormalization
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_BatchNormalization(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_LayerNormalization(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_InstanceNormalization(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
