// SPDX-License-Identifier: Apache-2.0
#include "util/qdq_compare.h"

#include <cstdlib>
#include <map>

#include "interp/interpreter.h"

namespace npukit::testing {
namespace {

bool is_code(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

void compare(const std::string& name, const Tensor& a, const Tensor& b, LsbReport& r) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape() || !is_code(a.dtype())) return;
  ++r.tensors;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const int64_t d = std::llabs(a.get_as_int64(i) - b.get_as_int64(i));
    ++r.elements;
    if (d != 0) ++r.off;
    if (d > r.max_lsb) {
      r.max_lsb = d;
      r.worst = name;
    }
  }
}

}  // namespace

Expected<std::map<std::string, Tensor>> run_all(const ir::Graph& g, const std::vector<Tensor>& inputs) {
  std::map<std::string, Tensor> all;
  interp::RunOptions opt;
  opt.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
    for (size_t i = 0; i < outs.size() && i < n.num_outputs(); ++i)
      if (n.output(i)) all[n.output(i)->name()] = outs[i];
  };
  interp::Interpreter in(g);
  const auto rt = in.runtime_inputs();
  for (size_t i = 0; i < rt.size() && i < inputs.size(); ++i) all[rt[i]->name()] = inputs[i];
  NPUKIT_RETURN_IF_ERROR(in.run(inputs, opt).status());
  return all;
}

Expected<LsbReport> teacher_forced_lsb(const ir::Graph& qdq, const ir::Graph& integer,
                                       const std::vector<Tensor>& inputs) {
  NPUKIT_ASSIGN_OR_RETURN(auto ref, run_all(qdq, inputs));
  LsbReport r;
  for (const ir::Node* n : integer.nodes()) {
    std::vector<const Tensor*> ins;
    bool ok = true;
    for (const ir::Value* v : n->inputs()) {
      if (!v) {
        ins.push_back(nullptr);
        continue;
      }
      if (v->is_constant()) {
        ins.push_back(v->const_value());
        continue;
      }
      auto it = ref.find(v->name());
      if (it == ref.end() || it->second.dtype() != v->dtype()) {
        ok = false;
        break;
      }
      ins.push_back(&it->second);
    }
    if (!ok) continue;
    NPUKIT_ASSIGN_OR_RETURN(std::vector<Tensor> outs, interp::run_node(*n, ins));
    for (size_t i = 0; i < outs.size(); ++i) {
      if (!n->output(i)) continue;
      auto it = ref.find(n->output(i)->name());
      if (it != ref.end()) compare(n->output(i)->name(), outs[i], it->second, r);
    }
  }
  return r;
}

Expected<LsbReport> free_running_lsb(const ir::Graph& qdq, const ir::Graph& integer,
                                     const std::vector<Tensor>& inputs) {
  NPUKIT_ASSIGN_OR_RETURN(auto ref, run_all(qdq, inputs));
  NPUKIT_ASSIGN_OR_RETURN(auto got, run_all(integer, inputs));
  LsbReport r;
  for (const auto& [name, t] : got) {
    auto it = ref.find(name);
    if (it != ref.end()) compare(name, t, it->second, r);
  }
  return r;
}

}  // namespace npukit::testing
