// SPDX-License-Identifier: Apache-2.0
// STUB (to be replaced): reference kernels for: LSTM
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_LSTM(const KernelArgs& a) { return a.error(ErrorCode::kUnimplemented, "kernel not written"); }

}  // namespace npukit::ref
