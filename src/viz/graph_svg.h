// SPDX-License-Identifier: Apache-2.0
// viz: pictures of a model graph laid out by Graphviz (dot): one box per node coloured by where it runs (NPU dark
// blue, CPU gray, folded away light and dashed, not placed white), labelled with name, op type and output
// shape(s); CPU reasons in the node tooltip; graph inputs and outputs as distinct shapes; a legend. Rendered in
// memory (no `dot` process), as SVG or as the DOT source.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "npk/program.h"

namespace npukit::viz {

/// How a node is drawn.
enum class NodeKind : uint8_t {
  kNotPlaced = 0,  ///< no placement known (white)
  kNpu,            ///< runs on the NPU (dark blue, white text)
  kCpu,            ///< runs on the CPU (gray); NodeMark::note says why
  kFolded,         ///< original node with nothing left of it in the compiled graph (light, dashed)
};

/// One node's colour and its explanation.
struct NodeMark {
  NodeKind kind = NodeKind::kNotPlaced;
  std::string reason;  ///< kCpu: the (first) CPU fallback reason, printed small under the node's text
  std::string note;    ///< extra tooltip lines (all reasons, which compiled nodes it became)
};

/// Marks by node name.
using NodeMarks = std::unordered_map<std::string, NodeMark>;

enum class GraphFormat : uint8_t { kSvg, kDot };

struct GraphSvgOptions {
  /// First line of the legend box at the top (model name, march, ...). "" = the graph's name.
  std::string title;
  GraphFormat format = GraphFormat::kSvg;
  /// Label every edge with its tensor's shape. Off: only edges leaving multi-output nodes are labelled
  /// (which output is which); every edge still carries name, shape and dtype in its tooltip.
  bool edge_shape_labels = false;
  /// Visible node names longer than this are shortened with "..." (the tooltip holds the full name).
  size_t max_name_chars = 40;
  /// Graphs with more nodes are refused (kOutOfRange): dot's layout time grows faster than linearly (about 1 s
  /// at 1500 nodes, 25 s at 5000).
  size_t max_nodes = 10000;
  /// Draw the legend (colour key and node counts) at the top.
  bool legend = true;
};

/// Marks from a compiled model's placement (npk::Placement::node is the node name).
NodeMarks marks_from_placement(const std::vector<npk::Placement>& placement);

/// Marks for an original (float) graph through provenance: `integer` is the compiled integer graph whose nodes
/// carry origin() (names of the original nodes they were derived from) and `placement` places its nodes (by
/// name). An original node is kNpu when every integer node derived from it runs on the NPU, kCpu (note: the
/// CPU nodes and their reasons) when any runs on the CPU, kFolded when none derives from it. Float <-> integer
/// conversions (QuantizeLinear, DequantizeLinear) do not decide the colour of a node that also became compute
/// nodes: they sit where an NPU segment meets the CPU or the model's interface, and a Conv whose result is
/// dequantized on the CPU for a float Softmax still runs on the NPU. The note names them.
/// An original node's own origin() names are matched (its name when it has none).
NodeMarks marks_from_provenance(const ir::Graph& original, const ir::Graph& integer,
                                const std::vector<npk::Placement>& placement);

/// The picture of `g` with nodes coloured by `marks` (nodes without a mark are drawn "not placed"). Constants
/// (weights) are not drawn. Errors: kOutOfRange above max_nodes, kInternal when Graphviz fails (its message).
Expected<std::string> render_graph(const ir::Graph& g, const NodeMarks& marks, const GraphSvgOptions& o = {});

/// render_graph with marks_from_placement(placement): the SVG (or DOT, per o.format) of a compiled graph.
Expected<std::string> graph_svg(const ir::Graph& g, const std::vector<npk::Placement>& placement,
                                const GraphSvgOptions& o = {});

/// The DOT source render_graph lays out (no Graphviz call; for --format dot and tests).
Expected<std::string> graph_dot(const ir::Graph& g, const NodeMarks& marks, const GraphSvgOptions& o = {});

}  // namespace npukit::viz
