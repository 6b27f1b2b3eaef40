// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: ReduceMean ReduceSum ReduceMax ReduceMin ArgMax ArgMin Softmax LogSoftmax
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_ReduceMean(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ReduceSum(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ReduceMax(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ReduceMin(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ArgMax(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_ArgMin(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Softmax(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_LogSoftmax(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
