// SPDX-License-Identifier: Apache-2.0
// passes: explicit_ceil_pads — MaxPool with ceil_mode 1 becomes ceil_mode 0 with the extra end padding made
// explicit (torchvision's squeezenet / googlenet use ceil_mode). Max pooling ignores padded positions, so the
// result is identical whenever every window keeps at least one input element, which the pass checks; the NPU
// and the integer kernels then see one pooling form.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Rewrites every 2-D MaxPool (resolved shapes, auto_pad NOTSET, one output) with ceil_mode 1 whose last window
/// starts inside the input: ceil_mode 0, end pads raised so that the output size is unchanged. `rewritten`
/// returns the count. Other MaxPools are left as they are.
Status explicit_ceil_pads(ir::Graph& graph, size_t& rewritten);

}  // namespace npukit::passes
