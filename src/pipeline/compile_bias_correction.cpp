// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile_bias_correction.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/log.h"
#include "interp/interpreter.h"

namespace npukit::pipeline {
namespace {

bool weighted(ir::OpKind k) {
  return k == ir::OpKind::kConv || k == ir::OpKind::kConvTranspose || k == ir::OpKind::kGemm;
}

/// The dequantized weight of a QDQ node (input 1 produced by DequantizeLinear of constants), if any.
Expected<std::optional<Tensor>> dequantized_weight(const ir::Node& n) {
  const ir::Value* w = n.input(1);
  const ir::Node* dq = w ? w->producer() : nullptr;
  if (!dq || dq->op() != ir::OpKind::kDequantizeLinear) return std::optional<Tensor>{};
  std::vector<const Tensor*> ins;
  for (const ir::Value* v : dq->inputs()) {
    if (v && !v->is_constant()) return std::optional<Tensor>{};
    ins.push_back(v ? v->const_value() : nullptr);
  }
  NPUKIT_ASSIGN_OR_RETURN(std::vector<Tensor> out, interp::run_node(*dq, ins));
  return std::optional<Tensor>{out[0]};
}

struct Acc {
  std::vector<double> sum;
  double count = 0;
};

}  // namespace

Expected<int> correct_biases(ir::Graph& fg, const ir::Graph& qg, const std::vector<std::vector<Tensor>>& samples) {
  std::map<std::string, Tensor> wq;
  for (const ir::Node* n : qg.nodes()) {
    if (!weighted(n->op())) continue;
    NPUKIT_ASSIGN_OR_RETURN(std::optional<Tensor> w, dequantized_weight(*n));
    if (w) wq.emplace(n->name(), *w);
  }
  std::map<std::string, const ir::Node*> targets;
  std::set<std::string> needed;  // values read by the targets
  for (const ir::Node* n : fg.nodes()) {
    if (!weighted(n->op()) || !wq.count(n->name())) continue;
    const ir::Value* b = n->input(2);
    if (!b || !b->is_constant() || b->dtype() != DType::kF32 || b->const_value()->rank() != 1) continue;
    targets.emplace(n->name(), n);
    for (const ir::Value* v : n->inputs())
      if (v && !v->is_constant()) needed.insert(v->name());
  }
  if (targets.empty()) return 0;

  std::map<std::string, Acc> acc;
  interp::Interpreter in(fg);
  const auto rin = in.runtime_inputs();
  for (size_t k = 0; k < samples.size(); ++k) {
    std::map<std::string, Tensor> live;
    for (size_t i = 0; i < rin.size() && i < samples[k].size(); ++i)
      if (needed.count(rin[i]->name())) live[rin[i]->name()] = samples[k][i];
    Status inner = Status::Ok();
    interp::RunOptions ro;
    ro.use_fast_kernels = true;
    ro.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
      for (size_t i = 0; i < outs.size() && i < n.num_outputs(); ++i)
        if (n.output(i) && needed.count(n.output(i)->name())) live[n.output(i)->name()] = outs[i];
      auto t = targets.find(n.name());
      if (t == targets.end() || !inner.ok()) return;
      std::vector<const Tensor*> ins;
      for (size_t s = 0; s < n.num_inputs(); ++s) {
        const ir::Value* v = n.input(s);
        if (!v) {
          ins.push_back(nullptr);
        } else if (s == 1) {
          ins.push_back(&wq.at(n.name()));
        } else if (v->is_constant()) {
          ins.push_back(v->const_value());
        } else {
          ins.push_back(&live.at(v->name()));
        }
      }
      auto yq = interp::run_node(n, ins);
      if (!yq.ok()) {
        inner = yq.status();
        return;
      }
      const Tensor& yf = outs[0];
      const Shape& s = yf.shape();
      const int64_t channels = s.size() >= 2 ? s[1] : 1;
      const int64_t inner_n = s.size() > 2 ? yf.numel() / (s[0] * channels) : 1;
      Acc& a = acc[n.name()];
      a.sum.resize(static_cast<size_t>(channels), 0.0);
      for (int64_t i = 0; i < yf.numel(); ++i) {
        const int64_t c = (i / inner_n) % channels;
        a.sum[static_cast<size_t>(c)] += static_cast<double>(yf.data<float>()[i]) - (*yq)[0].data<float>()[i];
      }
      a.count += static_cast<double>(yf.numel() / channels);
    };
    auto r = in.run(samples[k], ro);
    if (!r.ok()) return r.status().with_context(str_cat("bias correction: sample ", k));
    if (!inner.ok()) return inner.with_context(str_cat("bias correction: sample ", k));
  }
  int corrected = 0;
  for (auto& [name, a] : acc) {
    ir::Node* n = const_cast<ir::Node*>(targets.at(name));
    const Tensor& b = *n->input(2)->const_value();
    if (static_cast<int64_t>(a.sum.size()) != b.numel() || a.count <= 0) continue;
    Tensor nb = b.clone();
    double worst = 0;
    for (int64_t c = 0; c < nb.numel(); ++c) {
      const double d = a.sum[static_cast<size_t>(c)] / a.count;
      worst = std::max(worst, std::fabs(d));
      nb.data<float>()[c] = static_cast<float>(nb.data<float>()[c] + d);
    }
    n->set_input(2, fg.add_constant(name + "_B_corrected", std::move(nb)));
    log::debug("bias correction: ", name, ": largest per-channel shift ", worst);
    ++corrected;
  }
  fg.remove_dead_values();
  return corrected;
}

}  // namespace npukit::pipeline
