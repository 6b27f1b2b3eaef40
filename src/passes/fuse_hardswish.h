// SPDX-License-Identifier: Apache-2.0
// passes: fuse_hardswish — recognises HardSwish written out with elementwise ops (as paddle2onnx and older
// exporters do) and replaces it by one HardSwish node. Quantized, the decomposed form would put four
// tensors through int8 one after another (x + 3, the clip, x * clip with a range 6x larger, the /6);
// one HardSwish is one lookup table on x's code.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Patterns (constants f32 scalars; c = Clip(Add(x, 3), 0, 6) with the Add and Clip results used once):
///   Div(Mul(x, c), 6)      Mul(Mul(x, c), 1/6)      Mul(x, Div(c, 6))      Mul(x, Mul(c, 1/6))
/// (Add and Mul operands in either order). The HardSwish node takes the last node's output value (name
/// kept) and the origins of the nodes it replaces. 1/6 must equal the f32 nearest to 1/6.
/// `fused` counts patterns replaced. The graph must be resolved.
Status fuse_hardswish(ir::Graph& graph, size_t& fused);

}  // namespace npukit::passes
