// SPDX-License-Identifier: Apache-2.0
// passes: remove_identity — drops inference no-ops (Identity, Dropout) so later stages see the real
// dataflow (quantization would otherwise put Q/DQ pairs on both sides of a copy).
#pragma once

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Removes every Identity and single-output Dropout (inference: identity; a Dropout whose mask output is
/// used is kept) of the main graph. Readers of the output read the input instead. When the output is a
/// graph output, the input value takes its name (if the input is a node output used nowhere else and
/// not itself a graph input / output / constant), else the node is kept so the interface is unchanged.
/// `removed` returns the count.
Status remove_identity(ir::Graph& graph, size_t& removed);

}  // namespace npukit::passes
