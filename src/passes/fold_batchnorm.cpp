// SPDX-License-Identifier: Apache-2.0
#include "passes/fold_batchnorm.h"

#include <cmath>
#include <string>
#include <vector>

namespace npukit::passes {
namespace {

bool const_f32(const ir::Value* v) {
  return v != nullptr && v->is_constant() && v->dtype() == DType::kF32;
}

/// True when BN node `bn` can be folded into its producer; fills `conv`.
bool foldable(ir::Node* bn, ir::Node*& conv) {
  ir::Value* x = bn->input(0);
  conv = x->producer();
  if (conv == nullptr || x->users().size() != 1 || x->is_graph_output()) return false;
  const bool is_conv = conv->op() == ir::OpKind::kConv;
  const bool is_deconv = conv->op() == ir::OpKind::kConvTranspose && conv->attrs().get_int("group") == 1;
  if (!is_conv && !is_deconv) return false;
  if (!const_f32(conv->input(1))) return false;
  if (conv->input(2) != nullptr && !const_f32(conv->input(2))) return false;
  for (size_t i = 1; i < 5; ++i)
    if (!const_f32(bn->input(i))) return false;
  return true;
}

Status fold_one(ir::Graph& g, ir::Node* bn, ir::Node* conv) {
  const bool deconv = conv->op() == ir::OpKind::kConvTranspose;
  const Tensor& w = *conv->input(1)->const_value();
  const Shape& ws = w.shape();
  if (ws.size() < 2) return make_error(ErrorCode::kInternal, "fold_batchnorm: weight of '", conv->name(), "' rank < 2");
  const int64_t cout = deconv ? ws[1] : ws[0];
  const float* scale = bn->input(1)->const_value()->data<float>();
  const float* bias = bn->input(2)->const_value()->data<float>();
  const float* mean = bn->input(3)->const_value()->data<float>();
  const float* var = bn->input(4)->const_value()->data<float>();
  if (bn->input(1)->const_value()->numel() != cout)
    return make_error(ErrorCode::kShapeMismatch, "fold_batchnorm: '", bn->name(), "' has ",
                      bn->input(1)->const_value()->numel(), " channels, conv '", conv->name(), "' has ", cout);
  const double eps = bn->attrs().get_float("epsilon");
  std::vector<double> k(cout);
  for (int64_t c = 0; c < cout; ++c) k[c] = scale[c] / std::sqrt(static_cast<double>(var[c]) + eps);

  Tensor nw = w.clone();
  float* pw = nw.data<float>();
  // Weight layout: Conv [Cout, Cin/g, k...]; ConvTranspose (group 1) [Cin, Cout, k...].
  int64_t inner = 1;
  for (size_t d = 2; d < ws.size(); ++d) inner *= ws[d];
  const int64_t outer = deconv ? ws[0] : 1;
  const int64_t per_c = deconv ? inner : ws[1] * inner;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < cout; ++c) {
      float* p = pw + (o * cout + c) * per_c;
      for (int64_t i = 0; i < per_c; ++i) p[i] = static_cast<float>(p[i] * k[c]);
    }
  Tensor nb(DType::kF32, {cout});
  float* pb = nb.data<float>();
  const float* old_b = conv->input(2) ? conv->input(2)->const_value()->data<float>() : nullptr;
  for (int64_t c = 0; c < cout; ++c) pb[c] = static_cast<float>(((old_b ? old_b[c] : 0.0) - mean[c]) * k[c] + bias[c]);

  conv->set_input(1, g.add_constant(conv->name() + "_W_bnfold", std::move(nw)));
  conv->set_input(2, g.add_constant(conv->name() + "_B_bnfold", std::move(nb)));
  for (const auto& o : bn->origin()) conv->origin().push_back(o);
  // The conv now produces the BN's output value (keeps its name for graph outputs and dumps).
  ir::Value* conv_out = conv->output(0);
  ir::Value* bn_out = bn->output(0);
  const std::string bn_out_name = bn_out->name();
  g.remove_node(bn);
  g.replace_all_uses(bn_out, conv_out);
  g.remove_dead_values();  // drops bn_out (no producer, no users)
  return g.rename_value(conv_out, bn_out_name);
}

}  // namespace

Status fold_batchnorm(ir::Graph& graph, size_t& folded) {
  folded = 0;
  for (ir::Node* n : graph.nodes()) {
    if (n->op() != ir::OpKind::kBatchNormalization) continue;
    ir::Node* conv = nullptr;
    if (!foldable(n, conv)) continue;
    NPUKIT_RETURN_IF_ERROR(fold_one(graph, n, conv));
    ++folded;
  }
  if (folded) graph.remove_dead_values();
  return Status::Ok();
}

}  // namespace npukit::passes
