// SPDX-License-Identifier: Apache-2.0
#include "passes/explicit_ceil_pads.h"

#include <vector>

namespace npukit::passes {

Status explicit_ceil_pads(ir::Graph& graph, size_t& rewritten) {
  rewritten = 0;
  for (ir::Node* n : graph.nodes()) {
    if (n->op() != ir::OpKind::kMaxPool || n->attrs().get_int("ceil_mode") != 1 || n->num_outputs() != 1) continue;
    if (n->attrs().get_string("auto_pad", "NOTSET") != "NOTSET") continue;
    const ir::Value* x = n->input(0);
    const ir::Value* y = n->output(0);
    if (!x || !y || !x->has_type() || !y->has_type() || x->shape().size() != 4 || y->shape().size() != 4) continue;
    const std::vector<int64_t> k = n->attrs().get_ints("kernel_shape");
    std::vector<int64_t> s = n->attrs().get_ints("strides", {1, 1});
    std::vector<int64_t> d = n->attrs().get_ints("dilations", {1, 1});
    std::vector<int64_t> p = n->attrs().get_ints("pads", {0, 0, 0, 0});
    if (k.size() != 2 || s.size() != 2 || d.size() != 2 || p.size() != 4) continue;
    bool ok = true;
    std::vector<int64_t> end = {p[2], p[3]};
    for (size_t i = 0; i < 2 && ok; ++i) {
      const int64_t in = x->shape()[2 + i], out = y->shape()[2 + i];
      const int64_t eff = (k[i] - 1) * d[i] + 1;
      // The last window must start inside the input (it then holds at least one real element).
      if ((out - 1) * s[i] - p[i] >= in) ok = false;
      const int64_t need = (out - 1) * s[i] + eff - in - p[i];
      if (need > end[i]) end[i] = need;
      // With the new end pad, floor mode must give the same size.
      if ((in + p[i] + end[i] - eff) / s[i] + 1 != out) ok = false;
    }
    if (!ok) continue;
    n->attrs().set("ceil_mode", int64_t{0});
    n->attrs().set("pads", std::vector<int64_t>{p[0], p[1], end[0], end[1]});
    ++rewritten;
  }
  return Status::Ok();
}

}  // namespace npukit::passes
