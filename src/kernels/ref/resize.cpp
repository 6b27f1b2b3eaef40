// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: Resize DepthToSpace SpaceToDepth
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_Resize(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_DepthToSpace(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_SpaceToDepth(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
