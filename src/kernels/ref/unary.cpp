// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Elu Softplus Exp Log Sqrt Erf Abs Neg Reciprocal Floor Ceil Not Identity Dropout Cast
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_Relu(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_LeakyRelu(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Clip(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Sigmoid(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_HardSigmoid(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_HardSwish(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Tanh(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Elu(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Softplus(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Exp(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Log(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Sqrt(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Erf(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Abs(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Neg(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Reciprocal(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Floor(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Ceil(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Not(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Identity(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Dropout(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }
Status ref_Cast(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
