// SPDX-License-Identifier: Apache-2.0
// npu: node classes and group formation (fusion / layer grouping per optimization level).
#include <algorithm>
#include <set>

#include "npu/lower_internal.h"

namespace npukit::npu::detail {

NodeClass classify(const ir::Node& n) {
  const std::string op = n.op_type();
  if (op == "QConv") return NodeClass::kConv;
  if (op == "QGemm") return NodeClass::kGemm;
  if (op == "QMatMul") return NodeClass::kMatMul;
  if (op == "QAdd" || op == "QSub" || op == "QMul") return NodeClass::kEltwise;
  if (op == "QLut") return NodeClass::kLut;
  if (op == "Requantize") return NodeClass::kRequant;
  if (op == "QConcat") return NodeClass::kQConcat;
  if (op == "MaxPool" || op == "QAveragePool") return NodeClass::kPool;
  if (op == "QGlobalAveragePool" || op == "GlobalMaxPool") return NodeClass::kGlobalPool;
  if (op == "Resize") return NodeClass::kResize;
  if (op == "Transpose") return NodeClass::kTranspose;
  if (op == "Pad") return NodeClass::kPad;
  if (op == "Slice" || op == "Split" || op == "Concat") return NodeClass::kDma;
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" || op == "Identity" || op == "Dropout")
    return NodeClass::kAlias;
  return NodeClass::kUnsupported;
}

bool is_spatial(const ir::Node& n, NodeClass c) {
  const ir::Value* y = n.output(0);
  if (!y || y->shape().size() != 4) return false;
  switch (c) {
    case NodeClass::kConv:
    case NodeClass::kPool:
    case NodeClass::kLut:
    case NodeClass::kRequant: return true;
    case NodeClass::kEltwise: {
      // Chained elementwise nodes: every input rank 4 or broadcast from lower rank.
      for (const ir::Value* v : n.inputs())
        if (!v || v->shape().size() > 4) return false;
      return true;
    }
    default: return false;
  }
}

namespace {

GroupKind group_kind_of(NodeClass c) {
  switch (c) {
    case NodeClass::kConv:
    case NodeClass::kPool: return GroupKind::kChain;
    case NodeClass::kGemm: return GroupKind::kGemm;
    case NodeClass::kMatMul: return GroupKind::kMatMul;
    case NodeClass::kEltwise:
    case NodeClass::kLut:
    case NodeClass::kRequant: return GroupKind::kElementwise;
    case NodeClass::kGlobalPool:
    case NodeClass::kResize:
    case NodeClass::kPad: return GroupKind::kPlane;
    case NodeClass::kTranspose: return GroupKind::kTranspose;
    case NodeClass::kQConcat: return GroupKind::kQConcat;
    default: return GroupKind::kDma;
  }
}

bool is_epilogue(NodeClass c) {
  return c == NodeClass::kEltwise || c == NodeClass::kLut || c == NodeClass::kRequant;
}

/// The unique segment node reading `n`'s only output, when that output is an intermediate that may stay
/// in SRAM (one use, not a segment / graph output).
ir::Node* sole_consumer(const SegmentContext& ctx, const ir::Node& n, const std::set<const ir::Node*>& in_segment) {
  if (n.num_outputs() != 1) return nullptr;
  const ir::Value* y = n.output(0);
  if (!y || y->is_graph_output()) return nullptr;
  auto so = ctx.segment_output.find(y->name());
  if (so != ctx.segment_output.end() && so->second) return nullptr;
  if (y->users().size() != 1) return nullptr;
  ir::Node* u = y->users()[0];
  if (!in_segment.count(u)) return nullptr;
  // The consumer must read it exactly once (x + x is not a chain).
  int uses = 0;
  for (const ir::Value* v : u->inputs()) uses += v == y;
  return uses == 1 ? u : nullptr;
}

}  // namespace

std::vector<Group> form_groups(const SegmentContext& ctx, const std::vector<int32_t>& segment_nodes) {
  std::set<const ir::Node*> in_segment;
  std::map<const ir::Node*, int32_t> index_of;
  for (int32_t i : segment_nodes) {
    in_segment.insert(ctx.nodes[static_cast<size_t>(i)]);
    index_of[ctx.nodes[static_cast<size_t>(i)]] = i;
  }
  const int level = ctx.options.optimize_level;
  std::set<int32_t> taken;
  std::vector<Group> groups;
  for (int32_t i : segment_nodes) {
    if (taken.count(i)) continue;
    const ir::Node& n = *ctx.nodes[static_cast<size_t>(i)];
    const NodeClass c = classify(n);
    if (c == NodeClass::kAlias) continue;  // views: no group
    Group g;
    g.kind = group_kind_of(c);
    g.nodes.push_back(i);
    taken.insert(i);
    // Chains: extend with the sole consumer while the level allows it and a tiling still fits.
    const bool can_start = level >= 1 && is_spatial(n, c);
    if (can_start) {
      g.kind = GroupKind::kChain;
      const ir::Node* cur = &n;
      std::optional<PlanCost> chain_cost;
      while (g.nodes.size() < 8) {
        ir::Node* next = sole_consumer(ctx, *cur, in_segment);
        if (!next) break;
        const int32_t ni = index_of[next];
        if (taken.count(ni)) break;
        const NodeClass nc = classify(*next);
        if (!is_spatial(*next, nc)) break;
        if (level == 1 && !is_epilogue(nc)) break;
        // Other inputs of `next` are loaded from DDR. Their producers come earlier in topological order and
        // are the last node of their own group (their output has a use outside this chain), so ordering the
        // groups by last node (below) computes them first.
        // The chain grows only when the mode prefers the longer chain to ending here and running `next` as a
        // group of its own (a chain that barely fits SRAM can cost more, e.g. in re-read halos, than the DDR
        // round trip it saves).
        Group trial = g;
        trial.nodes.push_back(ni);
        const std::optional<PlanCost> trial_cost = best_cost(ctx, trial);
        if (!trial_cost) break;
        Group alone;
        alone.kind = GroupKind::kChain;
        alone.nodes = {ni};
        const std::optional<PlanCost> alone_cost = best_cost(ctx, alone);
        if (!chain_cost) chain_cost = best_cost(ctx, g);
        if (chain_cost && alone_cost &&
            !mode_prefers(*trial_cost, {chain_cost->first + alone_cost->first, chain_cost->second + alone_cost->second},
                          ctx.options))
          break;
        chain_cost = trial_cost;
        g = std::move(trial);
        taken.insert(ni);
        cur = next;
      }
    }
    groups.push_back(std::move(g));
  }
  // Groups are emitted in the order of their last node so that every input is produced before use.
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.nodes.back() < b.nodes.back(); });
  return groups;
}

}  // namespace npukit::npu::detail
