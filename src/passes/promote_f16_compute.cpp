// SPDX-License-Identifier: Apache-2.0
#include "passes/promote_f16_compute.h"

#include <vector>

namespace npukit::passes {
namespace {

// ONNX TensorProto element type codes used by Cast's `to` attribute.
constexpr int64_t kOnnxFloat = 1;
constexpr int64_t kOnnxFloat16 = 10;

Tensor widen(const Tensor& t) {
  Tensor out(DType::kF32, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) out.data<float>()[i] = f16_to_f32(t.data<uint16_t>()[i]);
  return out;
}

Attrs cast_to(int64_t onnx_type) {
  Attrs a;
  a.set("to", onnx_type);
  a.set("saturate", int64_t{1});
  return a;
}

Status promote(ir::Graph& g, bool& changed) {
  for (ir::Value* v : g.values()) {
    if (const Tensor* t = v->const_value(); t && t->dtype() == DType::kF16) {
      v->set_constant(widen(*t));
      changed = true;
    }
  }
  for (ir::Node* n : g.nodes()) {
    if (n->op() == ir::OpKind::kCast && n->attrs().get_int("to") == kOnnxFloat16) {
      n->attrs().set("to", kOnnxFloat);
      changed = true;
    }
    if (n->op() == ir::OpKind::kConstantOfShape)
      if (const Tensor* t = n->attrs().get_tensor("value"); t && t->dtype() == DType::kF16) {
        n->attrs().set("value", widen(*t));
        changed = true;
      }
    for (auto& [k, sg] : n->subgraphs())
      if (sg) NPUKIT_RETURN_IF_ERROR(promote(*sg, changed));
  }
  // Runtime inputs stay f16 at the interface; compute starts after a Cast.
  for (ir::Value* in : std::vector<ir::Value*>(g.inputs())) {
    if (in->is_constant() || in->dtype() != DType::kF16) continue;
    ir::Value* wide = g.add_unique_value(in->name() + "_f32");
    std::vector<ir::Node*> users = in->users();
    for (ir::Node* u : users)
      for (size_t i = 0; i < u->num_inputs(); ++i)
        if (u->input(i) == in) u->set_input(i, wide);
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * c,
                            g.add_node(ir::OpKind::kCast, in->name() + "/to_f32", {in}, {wide}, cast_to(kOnnxFloat)));
    c->origin() = {in->name()};
    changed = true;
  }
  // f16 outputs keep their names: the computing value is renamed and a Cast produces the output.
  std::vector<ir::Value*> outs = g.outputs();
  for (ir::Value*& out : outs) {
    if (out->dtype() != DType::kF16 || out->owner() != &g || out->is_constant() || out->is_graph_input()) continue;
    const std::string name = out->name();
    std::string wide_name = name + "_f32";
    while (g.lookup_value(wide_name)) wide_name += "_";
    NPUKIT_RETURN_IF_ERROR(g.rename_value(out, wide_name));
    ir::Value* narrow = g.add_value(name).value();
    narrow->set_type(DType::kF16, out->shape());
    out->set_type(DType::kF32, out->shape());
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * c,
                            g.add_node(ir::OpKind::kCast, name + "/to_f16", {out}, {narrow}, cast_to(kOnnxFloat16)));
    if (out->producer()) c->origin() = out->producer()->origin();
    out = narrow;
    changed = true;
  }
  g.set_outputs(outs);
  g.remove_dead_values();
  return Status::Ok();
}

}  // namespace

Status promote_f16_compute(ir::Graph& graph, bool& changed) {
  changed = false;
  NPUKIT_RETURN_IF_ERROR(promote(graph, changed));
  if (!changed) return Status::Ok();
  // Declared intermediate f16 types are stale now; resolve() infers them again.
  for (ir::Node* n : graph.nodes())
    for (ir::Value* o : n->outputs())
      if (o->dtype() == DType::kF16 && !o->is_graph_output()) o->set_type(DType::kUndefined, {});
  return graph.topo_sort();
}

}  // namespace npukit::passes
