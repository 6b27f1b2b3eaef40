// SPDX-License-Identifier: Apache-2.0
// npu: NPU/CPU placement of an integer graph's nodes against a march's op constraint table, the cut into
// segments, and the removal of removable nodes at the model's inputs and outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/program.h"

namespace npukit::npu {

struct PlacementOptions {
  /// node_info ON overrides by node name (BPU forces NPU when the NPU can run the node at all; CPU forces CPU).
  std::map<std::string, config::Device> on;
};

/// One Placement per node of `g` (Graph::nodes() order, g topologically sorted and resolved). A node is
/// NPU when its op type has a row in march.ops and every constraint of the row holds for its attributes,
/// shapes and dtypes; otherwise CPU with the first violated constraint as reason, e.g.
/// "QConv: kernel 9x9 > 7x7", "QConv: channels 70000 > 65536", "Resize: mode 'cubic' not supported
/// (supported: nearest, linear)", "Softmax: float op (not quantized)", "LSTM: not in the march's op table".
/// Reshape-like ops between NPU nodes ride along (NPU, zero cost); at a segment boundary they follow the
/// producer. Overrides: ON CPU always wins ("node_info ON: CPU"); ON BPU on a node the NPU cannot run is
/// kept on CPU with the reason suffixed "(node_info ON: BPU ignored)" and a warning.
std::vector<npk::Placement> place_nodes(const ir::Graph& g, const march::MarchSpec& m,
                                        const PlacementOptions& options = {});

/// Cuts the nodes into maximal runs of one target: nodes are re-ordered (keeping dependencies) so that
/// runs are as long as possible; returns the segments in execution order with their boundary values.
std::vector<npk::Segment> build_segments(const ir::Graph& g, const std::vector<npk::Placement>& placement);

/// remove_node_type / remove_node_name: repeatedly removes nodes that sit directly at a graph input
/// (all their runtime inputs are graph inputs) or output (their outputs are graph outputs only) and match
/// a type ("Quantize" = QuantizeLinear, "Dequantize" = DequantizeLinear, "Transpose", "Cast", "Reshape",
/// "Softmax") or name; the graph's inputs / outputs become the removed nodes' inputs / outputs (keeping the
/// original names where possible). Returns the removed nodes as "OpType 'name'", in removal order.
/// `auto_cpu_ends` (--fast-perf) additionally removes, the same way, every node at the ends that would run
/// on CPU (per `placement_march`), until the ends are NPU nodes.
struct RemoveOptions {
  std::vector<std::string> types;
  std::vector<std::string> names;
  bool auto_cpu_ends = false;
  const march::MarchSpec* placement_march = nullptr;
};
Expected<std::vector<std::string>> remove_boundary_nodes(ir::Graph& g, const RemoveOptions& options);

}  // namespace npukit::npu
