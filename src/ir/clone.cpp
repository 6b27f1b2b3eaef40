// SPDX-License-Identifier: Apache-2.0
// ir: deep copies of graphs and models. The pipeline keeps several versions of one model side by side
// (float, calibrated, quantized); passes may rewrite constants, so copies never share tensor data.
#include <memory>
#include <utility>

#include "ir/graph.h"

namespace npukit::ir {
namespace {

Attrs clone_attrs(const Attrs& a) {
  Attrs out;
  for (const auto& [name, v] : a.all()) {
    if (const Tensor* t = std::get_if<Tensor>(&v)) {
      out.set(name, t->clone());
    } else {
      out.set(name, v);
    }
  }
  return out;
}

}  // namespace

Expected<std::unique_ptr<Graph>> clone_graph(const Graph& g, Graph* parent) {
  auto out = std::make_unique<Graph>();
  out->set_name(g.name());
  out->set_parent(parent);
  // Values first, in creation order, so names and order match the original.
  for (const Value* v : g.values()) {
    NPUKIT_ASSIGN_OR_RETURN(Value * nv, out->add_value(v->name()));
    if (v->is_constant()) {
      nv->set_constant(v->const_value()->clone());
    } else if (v->has_type()) {
      nv->set_type(v->dtype(), v->shape());
    }
    nv->dim_params = v->dim_params;
  }
  for (const Value* v : g.inputs()) out->add_input(out->find_value(v->name()));
  // Reads of values that live in an enclosing graph resolve through `parent`.
  auto map_value = [&](const Value* v) -> Value* {
    if (v == nullptr) return nullptr;
    if (v->owner() == &g) return out->find_value(v->name());
    return out->lookup_value(v->name());
  };
  for (const Node* n : g.nodes()) {
    std::vector<Value*> ins, outs;
    for (const Value* v : n->inputs()) {
      Value* m = map_value(v);
      if (v != nullptr && m == nullptr) {
        return make_error(ErrorCode::kInternal, "clone: node '", n->name(), "' reads unknown value '", v->name(), "'");
      }
      ins.push_back(m);
    }
    for (const Value* v : n->outputs()) outs.push_back(map_value(v));
    NPUKIT_ASSIGN_OR_RETURN(Node * nn, out->add_node(n->op(), n->name(), ins, outs, clone_attrs(n->attrs())));
    nn->origin() = n->origin();
    for (const auto& [key, sub] : n->subgraphs()) {
      NPUKIT_ASSIGN_OR_RETURN(auto sub_copy, clone_graph(*sub, out.get()));
      nn->subgraphs()[key] = std::move(sub_copy);
    }
  }
  std::vector<Value*> outs;
  for (const Value* v : g.outputs()) outs.push_back(map_value(v));
  out->set_outputs(outs);
  return out;
}

Expected<Model> clone_model(const Model& m) {
  Model out;
  NPUKIT_ASSIGN_OR_RETURN(auto g, clone_graph(m.graph, nullptr));
  out.graph = std::move(*g);
  out.ir_version = m.ir_version;
  out.opset = m.opset;
  out.opset_imports = m.opset_imports;
  out.producer_name = m.producer_name;
  out.producer_version = m.producer_version;
  out.doc_string = m.doc_string;
  out.metadata = m.metadata;
  out.source_path = m.source_path;
  return out;
}

}  // namespace npukit::ir
