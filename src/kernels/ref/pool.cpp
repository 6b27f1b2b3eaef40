// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: MaxPool AveragePool GlobalAveragePool GlobalMaxPool
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_MaxPool(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_AveragePool(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_GlobalAveragePool(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_GlobalMaxPool(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
