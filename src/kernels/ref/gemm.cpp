// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: Gemm MatMul
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_Gemm(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_MatMul(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
