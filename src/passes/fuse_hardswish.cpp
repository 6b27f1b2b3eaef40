// SPDX-License-Identifier: Apache-2.0
#include "passes/fuse_hardswish.h"

#include <limits>
#include <string>
#include <vector>

namespace npukit::passes {
namespace {

using ir::OpKind;

/// The scalar value of a constant f32 of one element, or NaN.
float scalar_of(const ir::Value* v) {
  if (!v || !v->is_constant() || v->dtype() != DType::kF32 || v->const_value()->numel() != 1)
    return std::numeric_limits<float>::quiet_NaN();
  return v->const_value()->data<float>()[0];
}

/// The only user of `v` (nullptr when it has several, none, or is a graph output).
ir::Node* single_user(const ir::Value* v) {
  if (!v || v->users().size() != 1 || v->is_graph_output()) return nullptr;
  return v->users().front();
}

/// For a binary node with one constant scalar operand: the other operand (nullptr otherwise); `k` gets
/// the constant. For non-commutative ops the constant must be input 1.
ir::Value* split_const(const ir::Node* n, float& k) {
  const bool commutative = n->op() == OpKind::kAdd || n->op() == OpKind::kMul;
  k = scalar_of(n->input(1));
  if (k == k) return n->input(0);
  if (!commutative) return nullptr;
  k = scalar_of(n->input(0));
  return k == k ? n->input(1) : nullptr;
}

/// True when `n` divides by 6 or multiplies by the f32 nearest to 1/6.
bool is_div6(const ir::Node* n, ir::Value*& other) {
  float k = 0;
  if (n->op() == OpKind::kDiv) {
    other = split_const(n, k);
    return other && k == 6.0f;
  }
  if (n->op() == OpKind::kMul) {
    other = split_const(n, k);
    return other && k == static_cast<float>(1.0 / 6.0);
  }
  return false;
}

struct Match {
  ir::Value* x = nullptr;
  std::vector<ir::Node*> nodes;  // in dataflow order, the last one produces the result
};

/// Matches starting at a Clip(0, 6) node.
bool match(ir::Node* clip, Match& m) {
  if (clip->op() != OpKind::kClip || scalar_of(clip->input(1)) != 0.0f || scalar_of(clip->input(2)) != 6.0f)
    return false;
  ir::Node* add = clip->input(0) ? clip->input(0)->producer() : nullptr;
  if (!add || add->op() != OpKind::kAdd || single_user(add->output(0)) != clip) return false;
  float three = 0;
  ir::Value* x = split_const(add, three);
  if (!x || three != 3.0f) return false;
  ir::Node* next = single_user(clip->output(0));
  if (!next) return false;
  ir::Value* other = nullptr;
  if (next->op() == OpKind::kMul && (next->input(0) == x || next->input(1) == x) &&
      (next->input(0) == clip->output(0) || next->input(1) == clip->output(0))) {
    // x * c, then / 6.
    ir::Node* last = single_user(next->output(0));
    if (!last || !is_div6(last, other) || other != next->output(0)) return false;
    m = {x, {add, clip, next, last}};
    return true;
  }
  if (is_div6(next, other) && other == clip->output(0)) {
    // c / 6, then x * that.
    ir::Node* last = single_user(next->output(0));
    if (!last || last->op() != OpKind::kMul) return false;
    const bool uses_x = last->input(0) == x || last->input(1) == x;
    const bool uses_c = last->input(0) == next->output(0) || last->input(1) == next->output(0);
    if (!uses_x || !uses_c) return false;
    m = {x, {add, clip, next, last}};
    return true;
  }
  return false;
}

}  // namespace

Status fuse_hardswish(ir::Graph& graph, size_t& fused) {
  fused = 0;
  for (bool again = true; again;) {
    again = false;
    Match m;
    for (ir::Node* n : graph.nodes())
      if (match(n, m)) break;
    if (!m.x) break;
    again = true;  // the node list changes: look again from the start
    ir::Node* last = m.nodes.back();
    ir::Value* y = last->output(0);
    const std::string name = last->name();
    std::vector<std::string> origin;
    for (ir::Node* p : m.nodes)
      for (const auto& o : p->origin()) origin.push_back(o);
    // Detach the chain (last first), then produce y with one HardSwish.
    for (auto it = m.nodes.rbegin(); it != m.nodes.rend(); ++it) graph.remove_node(*it);
    Attrs a;
    NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(OpKind::kHardSwish, name, a));
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * hs, graph.add_node(OpKind::kHardSwish, name, {m.x}, {y}, std::move(a)));
    hs->origin() = origin;
    ++fused;
  }
  if (fused) {
    graph.remove_dead_values();
    NPUKIT_RETURN_IF_ERROR(graph.topo_sort());
  }
  return Status::Ok();
}

}  // namespace npukit::passes
