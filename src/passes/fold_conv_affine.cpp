// SPDX-License-Identifier: Apache-2.0
#include "passes/fold_conv_affine.h"

#include <string>
#include <vector>

namespace npukit::passes {
namespace {

bool const_f32(const ir::Value* v) {
  return v != nullptr && v->is_constant() && v->dtype() == DType::kF32;
}

/// Per-output-channel values of constant `c` against a conv output of shape `y` (channels y[1]); empty if
/// `c` is neither a single number nor laid out along axis 1.
std::vector<double> channel_values(const Tensor& c, const Shape& y) {
  const int64_t channels = y.size() >= 2 ? y[1] : 0;
  std::vector<double> out;
  const Shape& s = c.shape();
  if (c.numel() == 1) {
    // A scalar must not broadcast the output to a higher rank.
    if (s.size() > y.size()) return out;
    out.assign(static_cast<size_t>(channels), c.data<float>()[0]);
    return out;
  }
  if (c.numel() != channels) return out;
  // Aligned to the right (numpy broadcasting): the channel dim must land on axis 1 of y.
  if (s.size() > y.size()) return out;
  const size_t offset = y.size() - s.size();
  for (size_t d = 0; d < s.size(); ++d) {
    const size_t axis = d + offset;
    if (axis == 1 ? s[d] != channels : s[d] != 1) return out;
  }
  if (offset > 1) return out;  // [C] alone would align with the last axis
  out.resize(static_cast<size_t>(channels));
  for (int64_t i = 0; i < channels; ++i) out[static_cast<size_t>(i)] = c.data<float>()[i];
  return out;
}

/// Tries to fold `e` into the conv feeding it; true when done.
Expected<bool> try_fold(ir::Graph& g, ir::Node* e) {
  const ir::OpKind op = e->op();
  if (op != ir::OpKind::kMul && op != ir::OpKind::kDiv && op != ir::OpKind::kAdd && op != ir::OpKind::kSub)
    return false;
  const bool commutative = op == ir::OpKind::kMul || op == ir::OpKind::kAdd;
  for (size_t data = 0; data < 2; ++data) {
    if (data == 1 && !commutative) break;
    ir::Value* x = e->input(data);
    ir::Value* k = e->input(1 - data);
    if (!x || !const_f32(k) || x->is_constant()) continue;
    ir::Node* conv = x->producer();
    if (!conv || x->users().size() != 1 || x->is_graph_output()) continue;
    const bool deconv = conv->op() == ir::OpKind::kConvTranspose;
    if (conv->op() != ir::OpKind::kConv && !(deconv && conv->attrs().get_int("group") == 1)) continue;
    if (!const_f32(conv->input(1)) || (conv->input(2) && !const_f32(conv->input(2)))) continue;
    const Shape& y = x->shape();
    std::vector<double> c = channel_values(*k->const_value(), y);
    if (c.empty() || e->output(0)->shape() != y) continue;
    const Tensor& w = *conv->input(1)->const_value();
    // Weight layout: Conv [Cout, Cin/g, k...]; ConvTranspose (group 1) [Cin, Cout, k...].
    if (w.shape().size() < 2) continue;
    const int64_t cout = deconv ? w.shape()[1] : w.shape()[0];
    const int64_t outer = deconv ? w.shape()[0] : 1;
    if (static_cast<int64_t>(c.size()) != cout) continue;
    Tensor nb(DType::kF32, {cout});
    const float* ob = conv->input(2) ? conv->input(2)->const_value()->data<float>() : nullptr;
    for (int64_t o = 0; o < cout; ++o) nb.data<float>()[o] = ob ? ob[o] : 0.0f;
    if (op == ir::OpKind::kMul || op == ir::OpKind::kDiv) {
      Tensor nw = w.clone();
      const int64_t per = w.numel() / (cout * outer);
      for (int64_t o = 0; o < cout; ++o) {
        const double f = op == ir::OpKind::kMul ? c[o] : 1.0 / c[o];
        for (int64_t blk = 0; blk < outer; ++blk)
          for (int64_t i = 0; i < per; ++i) {
            float& v = nw.data<float>()[(blk * cout + o) * per + i];
            v = static_cast<float>(v * f);
          }
        nb.data<float>()[o] = static_cast<float>(nb.data<float>()[o] * f);
      }
      conv->set_input(1, g.add_constant(conv->name() + "_W_folded", std::move(nw)));
    } else {
      for (int64_t o = 0; o < cout; ++o)
        nb.data<float>()[o] = static_cast<float>(nb.data<float>()[o] + (op == ir::OpKind::kAdd ? c[o] : -c[o]));
    }
    conv->set_input(2, g.add_constant(conv->name() + "_B_folded", std::move(nb)));
    for (const auto& o : e->origin()) conv->origin().push_back(o);
    ir::Value* out = e->output(0);
    const std::string name = out->name();
    g.remove_node(e);
    g.replace_all_uses(out, x);
    g.remove_dead_values();
    NPUKIT_RETURN_IF_ERROR(g.rename_value(x, name));
    return true;
  }
  return false;
}

}  // namespace

Status fold_conv_affine(ir::Graph& graph, size_t& folded) {
  folded = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (ir::Node* n : graph.nodes()) {
      NPUKIT_ASSIGN_OR_RETURN(bool done, try_fold(graph, n));
      if (done) {
        ++folded;
        changed = true;
        break;  // the node list changed
      }
    }
  }
  graph.remove_dead_values();
  return Status::Ok();
}

}  // namespace npukit::passes
