// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile_precision.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/log.h"

namespace npukit::pipeline {
namespace {

using config::NodeDType;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Status plan_precision(const config::CompileConfig& c, const ir::Graph& g, quant::QdqOptions& o) {
  const auto& mp = c.model_parameters;
  const auto& cp = c.calibration_parameters;
  const auto& opt = cp.optimization;
  const config::QuantConfig qc = cp.quant_config.value_or(config::QuantConfig{});

  std::set<std::string> present;
  for (const ir::Node* n : g.nodes()) present.insert(n->name());
  for (const auto& [name, info] : mp.node_info)
    if (!present.count(name))
      log::warn("node_info: node '", name, "' is not in the optimized model (folded into another node); ignored");
  for (const auto& [name, t] : qc.node_config)
    if (!present.count(name))
      log::warn("quant_config node_config: node '", name, "' is not in the optimized model; ignored");

  auto note_int16 = [&](const ir::Value* v, const std::string& why) {
    if (o.int16_tensors.insert(v->name()).second) log::info("precision: ", v->name(), " int16 (", why, ")");
  };
  for (const ir::Node* n : g.nodes()) {
    if (o.float_nodes.count(n->name())) continue;
    // Node-level type: node_config > op_config > all_node_type.
    std::optional<NodeDType> node_t;
    if (auto it = qc.node_config.find(n->name()); it != qc.node_config.end()) {
      node_t = it->second;
    } else if (auto jt = qc.op_config.find(n->op_type()); jt != qc.op_config.end()) {
      node_t = jt->second;
    } else if (qc.all_node_type) {
      node_t = qc.all_node_type;
    }
    std::optional<NodeDType> in_t = node_t, out_t = node_t;
    std::map<int, NodeDType> in_at;
    if (contains(opt.input_int16_kinds, n->op_type()) && !in_t) in_t = NodeDType::kInt16;
    if (contains(opt.output_int16_kinds, n->op_type()) && !out_t) out_t = NodeDType::kInt16;
    if (auto it = mp.node_info.find(n->name()); it != mp.node_info.end()) {
      if (it->second.input_type) in_t = it->second.input_type;
      if (it->second.output_type) out_t = it->second.output_type;
      in_at = it->second.input_type_at;
    }
    if (in_t == NodeDType::kFloat16 || out_t == NodeDType::kFloat16) {
      o.float16_nodes.insert(n->name());
      log::info("precision: node ", n->name(), " (", n->op_type(), ") float16");
      continue;
    }
    for (size_t i = 0; i < n->num_inputs(); ++i) {
      const ir::Value* v = n->input(i);
      if (!v || v->is_constant() || v->dtype() != DType::kF32) continue;
      std::optional<NodeDType> t = in_t;
      if (auto it = in_at.find(static_cast<int>(i)); it != in_at.end()) t = it->second;
      if (t == NodeDType::kInt16) note_int16(v, "input of " + n->name());
    }
    if (out_t == NodeDType::kInt16)
      for (const ir::Value* v : n->outputs())
        if (v && v->dtype() == DType::kF32) note_int16(v, "output of " + n->name());
    if (n->op() == ir::OpKind::kSoftmax) {
      if (opt.softmax_input_int8) o.quantize_input_nodes.insert(n->name());
      if (opt.softmax_output_int8)
        for (const ir::Value* v : n->outputs())
          if (v) o.quantize_tensors.insert(v->name());
    }
  }
  const bool out16 = opt.set_model_output_int16 || qc.model_output_type == NodeDType::kInt16;
  if (out16)
    for (const ir::Value* v : g.outputs()) note_int16(v, "model output");
  return Status::Ok();
}

}  // namespace npukit::pipeline
