// SPDX-License-Identifier: Apache-2.0
#include "ir/op_count.h"

#include "ir/op_table.h"

namespace npukit::ir {
namespace {

bool typed(const Node& n, size_t i) {
  return i < n.inputs().size() && n.input(i) && n.input(i)->has_type();
}

// Output elements times the weight elements per output channel (Conv / QConv weights [Cout, Cin/g, kh, kw]).
int64_t conv_macs(const Node& n, const Value& y) {
  if (!typed(n, 1) || n.input(1)->shape().empty() || n.input(1)->shape()[0] == 0) return 0;
  return numel(y.shape()) * (numel(n.input(1)->shape()) / n.input(1)->shape()[0]);
}

template <typename Fn>
void walk(const Graph& g, const Fn& fn) {
  for (const Node* n : g.nodes()) {
    fn(*n);
    for (const auto& [k, sg] : n->subgraphs())
      if (sg) walk(*sg, fn);
  }
}

}  // namespace

int64_t node_macs(const Node& n) {
  const Value* y = n.outputs().empty() ? nullptr : n.output(0);
  if (!y || !y->has_type()) return 0;
  switch (n.op()) {
    case OpKind::kConv:
    case OpKind::kQConv: return conv_macs(n, *y);
    case OpKind::kConvTranspose: {  // each input element scatters into Cout/group * prod(kernel) outputs
      if (!typed(n, 0) || !typed(n, 1) || n.input(1)->shape().empty() || n.input(1)->shape()[0] == 0) return 0;
      return numel(n.input(0)->shape()) * (numel(n.input(1)->shape()) / n.input(1)->shape()[0]);
    }
    case OpKind::kGemm: {
      if (!typed(n, 0) || n.input(0)->shape().size() != 2) return 0;
      const int64_t k = n.attrs().get_int("transA") ? n.input(0)->shape()[0] : n.input(0)->shape()[1];
      return numel(y->shape()) * k;
    }
    case OpKind::kQGemm:  // a [M, K]
    case OpKind::kMatMul:
    case OpKind::kQMatMul:
      if (!typed(n, 0) || n.input(0)->shape().empty()) return 0;
      return numel(y->shape()) * n.input(0)->shape().back();
    case OpKind::kLSTM: {  // per (step, batch): all gates of all directions, input and recurrence
      if (!typed(n, 0) || !typed(n, 1) || !typed(n, 2) || n.input(0)->shape().size() != 3) return 0;
      const int64_t in_size = n.input(0)->shape()[2];
      if (in_size == 0) return 0;
      return numel(n.input(0)->shape()) / in_size * (numel(n.input(1)->shape()) + numel(n.input(2)->shape()));
    }
    default: return 0;
  }
}

int64_t node_ops(const Node& n) {
  if (const int64_t macs = node_macs(n); macs > 0) return 2 * macs;
  const Value* y = n.outputs().empty() ? nullptr : n.output(0);
  if (!y || !y->has_type()) return 0;
  switch (op_info(n.op()).cost) {
    case CostClass::kShape:
    case CostClass::kDataMove:
    case CostClass::kControl: return 0;
    case CostClass::kConv:
    case CostClass::kMatMul:
    case CostClass::kRnn: return 0;  // MACs unknown (shapes missing): nothing to report
    case CostClass::kPool: {
      if (!typed(n, 0)) return 0;
      if (n.op() == OpKind::kGlobalAveragePool || n.op() == OpKind::kGlobalMaxPool ||
          n.op() == OpKind::kQGlobalAveragePool)
        return numel(n.input(0)->shape());
      int64_t window = 1;
      if (n.attrs().has("kernel_shape"))
        for (int64_t k : n.attrs().get_ints("kernel_shape")) window *= k;
      return numel(y->shape()) * window;
    }
    default: return numel(y->shape());
  }
}

int64_t graph_macs(const Graph& g) {
  int64_t total = 0;
  walk(g, [&](const Node& n) { total += node_macs(n); });
  return total;
}

int64_t graph_ops(const Graph& g) {
  int64_t total = 0;
  walk(g, [&](const Node& n) { total += node_ops(n); });
  return total;
}

}  // namespace npukit::ir
