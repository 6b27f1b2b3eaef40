// SPDX-License-Identifier: Apache-2.0
#include "passes/remove_identity.h"

#include <string>

namespace npukit::passes {

Status remove_identity(ir::Graph& graph, size_t& removed) {
  removed = 0;
  for (ir::Node* n : graph.nodes()) {
    const bool identity = n->op() == ir::OpKind::kIdentity;
    const bool dropout =
        n->op() == ir::OpKind::kDropout && (n->num_outputs() < 2 || n->output(1) == nullptr ||
                                            (n->output(1)->users().empty() && !n->output(1)->is_graph_output()));
    if (!identity && !dropout) continue;
    ir::Value* in = n->input(0);
    ir::Value* out = n->output(0);
    if (in == nullptr || out == nullptr) continue;
    if (!out->is_graph_output()) {
      graph.remove_node(n);
      graph.replace_all_uses(out, in);
      ++removed;
      continue;
    }
    // A graph output: keep the interface name by renaming the input value, when that is safe.
    const bool renamable = in->producer() != nullptr && in->owner() == &graph && !in->is_graph_input() &&
                           !in->is_graph_output() && !in->is_constant() && in->users().size() == 1;
    if (!renamable) continue;
    const std::string name = out->name();
    graph.remove_node(n);
    graph.replace_all_uses(out, in);
    graph.remove_dead_values();
    NPUKIT_RETURN_IF_ERROR(graph.rename_value(in, name));
    ++removed;
  }
  if (removed) graph.remove_dead_values();
  return Status::Ok();
}

}  // namespace npukit::passes
