// SPDX-License-Identifier: Apache-2.0
// Reference "kernel" for control flow: If runs its subgraphs, which only the interpreter can see.
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {

Status ref_If(const KernelArgs& a) {
  return a.error(ErrorCode::kInternal, "If is executed by the interpreter, not a kernel");
}

}  // namespace npukit::ref
