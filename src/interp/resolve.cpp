// SPDX-License-Identifier: Apache-2.0
// interp: resolve() — input shapes, shape inference, constant folding and If inlining.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "interp/internal.h"
#include "interp/interpreter.h"

namespace npukit::interp {

namespace {

std::string where(const ir::Node& n) {
  return str_cat(n.op_type(), " '", n.name(), "'");
}

// "1x3x224x224"-style suggestion for the error message: a dynamic leading (batch) dim becomes 1,
// other dynamic dims become '?' because no safe default exists for them (image sizes, lengths).
std::string suggest_shape(const Shape& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "x" : "") + (s[i] >= 0 ? std::to_string(s[i]) : i == 0 ? "1" : "?");
  if (r.empty()) return "\"\"";
  if (r.find('?') != std::string::npos) r += " (replace each ? with a size)";
  return r;
}

// Declared shape with dynamic dims shown by name: "[N,3]".
std::string declared_str(const ir::Value& v) {
  std::string r = "[";
  for (size_t i = 0; i < v.shape().size(); ++i) {
    int64_t d = v.shape()[i];
    r += (i ? "," : "");
    r += d >= 0 ? std::to_string(d)
                : (i < v.dim_params.size() && !v.dim_params[i].empty() ? v.dim_params[i] : std::string("?"));
  }
  return r + "]";
}

Status check_shapes(const ir::Graph& g, const std::map<std::string, Shape>& shapes) {
  for (const auto& [name, shape] : shapes) {
    const ir::Value* v = nullptr;
    for (ir::Value* in : g.inputs())
      if (in->name() == name && !in->is_constant()) v = in;
    if (!v) {
      std::string names;
      for (ir::Value* in : g.inputs())
        if (!in->is_constant()) names += (names.empty() ? "'" : ", '") + in->name() + "'";
      return make_error(ErrorCode::kInvalidArgument, "--input-shape: '", name,
                        "' is not a graph input (inputs: ", names.empty() ? "none" : names, ")");
    }
    for (int64_t d : shape)
      if (d < 0)
        return make_error(ErrorCode::kInvalidArgument, "--input-shape: shape ", shape_str(shape), " for input '", name,
                          "' has a negative dimension");
    if (v->has_type() && v->shape().size() != shape.size())
      return make_error(ErrorCode::kShapeMismatch, "--input-shape: input '", name, "' has rank ", v->shape().size(),
                        " (declared ", declared_str(*v), "), got rank ", shape.size(), " ", shape_str(shape));
    if (!v->has_type())
      return make_error(ErrorCode::kShapeMismatch, "--input-shape: input '", name, "' has no declared element type");
    NPUKIT_RETURN_IF_ERROR(checked_numel(shape).status().with_context(str_cat("--input-shape '", name, "'")));
  }
  return Status::Ok();
}

Status apply_input_shapes(ir::Graph& g, const std::map<std::string, Shape>& shapes) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(g, shapes));
  for (const auto& [name, shape] : shapes) {
    for (ir::Value* v : g.inputs())
      if (v->name() == name && !v->is_constant()) v->set_type(v->dtype(), shape);
  }
  for (ir::Value* in : g.inputs()) {
    if (in->is_constant()) continue;
    if (!in->has_type())
      return make_error(ErrorCode::kShapeMismatch, "input '", in->name(), "' has no declared element type");
    const Shape& s = in->shape();
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] >= 0) continue;
      std::string dim_name;
      if (i < in->dim_params.size() && !in->dim_params[i].empty()) dim_name = str_cat(" ('", in->dim_params[i], "')");
      return make_error(ErrorCode::kShapeMismatch, "input '", in->name(), "' dim ", i, dim_name,
                        " is dynamic; give its size with --input-shape ", in->name(), " ", suggest_shape(s));
    }
  }
  return Status::Ok();
}

class Resolver {
 public:
  explicit Resolver(const ResolveOptions& o) : opt_(o) {}

  Status resolve_graph(ir::Graph& g) {
    g.remove_dead_nodes();
    NPUKIT_RETURN_IF_ERROR(g.topo_sort());
    NPUKIT_RETURN_IF_ERROR(process(g, g.nodes()));
    NPUKIT_RETURN_IF_ERROR(g.topo_sort());
    g.remove_dead_nodes();
    g.remove_dead_values();
    return Status::Ok();
  }

 private:
  Status process(ir::Graph& g, const std::vector<ir::Node*>& nodes) {
    for (ir::Node* n : nodes) NPUKIT_RETURN_IF_ERROR(process_node(g, n));
    return Status::Ok();
  }

  Status process_node(ir::Graph& g, ir::Node* n) {
    if (n->op() == ir::OpKind::kIf) {
      const ir::Value* cond = n->input(0);
      if (cond && cond->is_constant()) {
        const Tensor* c = cond->const_value();
        if (c->numel() != 1)
          return make_error(ErrorCode::kShapeMismatch, where(*n), ": condition must have one element, got shape ",
                            shape_str(c->shape()));
        NPUKIT_ASSIGN_OR_RETURN(auto inlined, inline_if(g, n, c->get_as_double(0) != 0.0));
        return process(g, inlined);
      }
      for (auto& [name, sg] : n->subgraphs())
        NPUKIT_RETURN_IF_ERROR(resolve_graph(*sg).with_context(str_cat(where(*n), " ", name)));
      return infer_node(*n);
    }
    NPUKIT_RETURN_IF_ERROR(infer_node(*n));
    if (!opt_.fold_constants) return Status::Ok();
    // A DequantizeLinear of a constant IS a quantized model's weight (int8 codes + scales): folding it
    // into an f32 constant would erase the quantization that later stages lower to integer kernels.
    if (n->op() == ir::OpKind::kDequantizeLinear) return Status::Ok();
    // Shape only needs its input's static shape, so it folds even when the data is a runtime value.
    const bool shape_only = n->op() == ir::OpKind::kShape;
    for (const ir::Value* in : n->inputs())
      if (in && !in->is_constant() && !shape_only) return Status::Ok();
    int64_t bytes = 0;
    for (const ir::Value* o : n->outputs()) bytes += numel(o->shape()) * static_cast<int64_t>(dtype_size(o->dtype()));
    if (bytes > opt_.max_fold_bytes) return Status::Ok();
    std::vector<const Tensor*> ins;
    std::vector<ir::TensorType> types;
    // Placeholder for Shape's runtime input: right dtype and shape over a one-element buffer (never
    // allocated at full size); ref_Shape reads only the shape.
    Tensor placeholder;
    if (shape_only && !n->input(0)->is_constant())
      placeholder = Tensor(n->input(0)->dtype(), {1}).reshaped(n->input(0)->shape());
    for (const ir::Value* in : n->inputs())
      ins.push_back(!in ? nullptr : in->is_constant() ? in->const_value() : &placeholder);
    for (const ir::Value* o : n->outputs()) types.push_back({o->dtype(), o->shape()});
    // Infer again with the values so ops that return extra (dropped) outputs are allocated too.
    std::vector<ir::TensorInfo> infos(ins.size());
    for (size_t i = 0; i < ins.size(); ++i)
      if (ins[i]) infos[i] = ir::TensorInfo{true, ins[i]->dtype(), ins[i]->shape(), ins[i]};
    NPUKIT_ASSIGN_OR_RETURN(types, internal::infer_types(*n, infos));
    auto outs = internal::execute(*n, ins, types);
    if (!outs.ok()) return outs.status().with_context("while folding constants");
    std::vector<ir::Value*> out_values = n->outputs();
    g.remove_node(n);
    for (size_t i = 0; i < out_values.size(); ++i) out_values[i]->set_constant(std::move(outs.value()[i]));
    return Status::Ok();
  }

  std::string fresh_node_name(ir::Graph& g, const std::string& hint) {
    if (node_names_owner_ != &g) {
      node_names_.clear();
      for (ir::Node* n : g.nodes()) node_names_.insert(n->name());
      node_names_owner_ = &g;
    }
    std::string name = hint;
    for (int i = 1; node_names_.count(name); ++i) name = str_cat(hint, "_", i);
    node_names_.insert(name);
    return name;
  }

  // Re-points reads of dissolved-graph values inside nested subgraphs of an inlined node.
  static void remap_nested(ir::Graph& nested, const ir::Graph* dissolved,
                           const std::unordered_map<const ir::Value*, ir::Value*>& map) {
    for (ir::Node* m : nested.nodes()) {
      for (size_t i = 0; i < m->num_inputs(); ++i) {
        ir::Value* in = m->input(i);
        if (in && in->owner() == dissolved) m->set_input(i, map.at(in));
      }
      for (auto& [k, sg] : m->subgraphs()) remap_nested(*sg, dissolved, map);
    }
    bool outputs_changed = false;
    for (ir::Value* o : nested.outputs())
      if (o->owner() == dissolved) outputs_changed = true;
    if (outputs_changed) {
      // Route through an Identity inside the nested graph: a graph output must be owned by a graph
      // that keeps it, and flagging an outer value as a nested graph's output would mislabel it.
      std::vector<ir::Value*> outs;
      for (ir::Value* o : nested.outputs()) {
        if (o->owner() != dissolved) {
          outs.push_back(o);
          continue;
        }
        ir::Value* src = map.at(o);
        ir::Value* nv = nested.add_unique_value(o->name());
        if (src->has_type()) nv->set_type(src->dtype(), src->shape());
        Attrs none;
        (void)ir::normalize_attrs(ir::OpKind::kIdentity, "", none);
        (void)nested.add_node(ir::OpKind::kIdentity, nv->name() + "_identity", {src}, {nv}, none);
        outs.push_back(nv);
      }
      nested.set_outputs(outs);
    }
  }

  // Replaces an If with a constant condition by the nodes of the chosen branch. The If's output
  // values are kept (their names may be graph outputs) and become outputs of the inlined nodes.
  Expected<std::vector<ir::Node*>> inline_if(ir::Graph& g, ir::Node* n, bool cond) {
    const char* branch = cond ? "then_branch" : "else_branch";
    auto it = n->subgraphs().find(branch);
    if (it == n->subgraphs().end() || !it->second)
      return make_error(ErrorCode::kInvalidModel, where(*n), ": missing subgraph ", branch);
    std::unique_ptr<ir::Graph> sg = std::move(it->second);
    if (sg->outputs().size() != n->num_outputs())
      return make_error(ErrorCode::kInvalidModel, where(*n), ": has ", n->num_outputs(), " outputs but ", branch,
                        " has ", sg->outputs().size());
    NPUKIT_RETURN_IF_ERROR(sg->topo_sort().with_context(str_cat(where(*n), " ", branch)));
    const std::string prefix = n->name().empty() ? std::string("if") : n->name();
    std::vector<ir::Value*> if_outs = n->outputs();
    std::vector<std::string> origin = n->origin();
    g.remove_node(n);  // frees the If outputs' producer slot; n is destroyed here

    // Branch outputs produced by a branch node take over the If output value directly.
    std::unordered_map<const ir::Value*, ir::Value*> claim;
    std::vector<bool> claimed(if_outs.size(), false);
    for (size_t i = 0; i < if_outs.size(); ++i) {
      const ir::Value* bo = sg->outputs()[i];
      if (bo->owner() == sg.get() && bo->producer() && !claim.count(bo)) {
        claim[bo] = if_outs[i];
        claimed[i] = true;
      }
    }
    std::unordered_map<const ir::Value*, ir::Value*> map;
    for (ir::Value* v : sg->values())
      if (v->is_constant()) map[v] = g.add_constant(v->name(), *v->const_value());
    std::vector<ir::Node*> created;
    for (ir::Node* m : sg->nodes()) {
      std::vector<ir::Value*> ins;
      for (ir::Value* in : m->inputs()) {
        if (!in || in->owner() != sg.get()) {
          ins.push_back(in);
          continue;
        }
        auto mi = map.find(in);
        if (mi == map.end())
          return make_error(ErrorCode::kInvalidModel, where(*m), " in ", branch, ": input '", in->name(),
                            "' is not defined");
        ins.push_back(mi->second);
      }
      std::vector<ir::Value*> outs;
      for (ir::Value* o : m->outputs()) {
        ir::Value* nv;
        auto ci = claim.find(o);
        if (ci != claim.end()) {
          nv = ci->second;
        } else {
          nv = g.add_unique_value(o->name());
          if (o->has_type()) nv->set_type(o->dtype(), o->shape());
        }
        map[o] = nv;
        outs.push_back(nv);
      }
      NPUKIT_ASSIGN_OR_RETURN(ir::Node * nn,
                              g.add_node(m->op(), fresh_node_name(g, prefix + "/" + m->name()), ins, outs, m->attrs()));
      nn->origin() = m->origin().empty() ? origin : m->origin();
      for (auto& [k, nested] : m->subgraphs()) {
        nested->set_parent(&g);
        remap_nested(*nested, sg.get(), map);
        nn->subgraphs()[k] = std::move(nested);
      }
      created.push_back(nn);
    }
    // Remaining outputs (outer-scope values, constants, or one value returned twice) go through Identity.
    for (size_t i = 0; i < if_outs.size(); ++i) {
      if (claimed[i]) continue;
      ir::Value* bo = sg->outputs()[i];
      ir::Value* src = bo->owner() == sg.get() ? map.at(bo) : bo;
      Attrs none;
      NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(ir::OpKind::kIdentity, "", none));
      NPUKIT_ASSIGN_OR_RETURN(
          ir::Node * nn, g.add_node(ir::OpKind::kIdentity, fresh_node_name(g, prefix + "/" + if_outs[i]->name()), {src},
                                    {if_outs[i]}, none));
      nn->origin() = origin;
      created.push_back(nn);
    }
    // Values of the dissolved branch die with `sg`; nothing outside may still point at them.
    sg->detach_reads();
    for (ir::Value* v : sg->values())
      for (ir::Node* u : v->users())
        if (u->owner() != sg.get())
          return make_error(ErrorCode::kInternal, where(*u), " still reads '", v->name(), "' of an inlined branch");
    return created;
  }

  const ResolveOptions& opt_;
  std::set<std::string> node_names_;
  const ir::Graph* node_names_owner_ = nullptr;
};

}  // namespace

Status check_input_shapes(const ir::Graph& graph, const std::map<std::string, Shape>& input_shapes) {
  return check_shapes(graph, input_shapes);
}

Status resolve(ir::Model& model, const ResolveOptions& options) {
  ir::Graph& g = model.graph;
  NPUKIT_RETURN_IF_ERROR(apply_input_shapes(g, options.input_shapes));
  Resolver r(options);
  NPUKIT_RETURN_IF_ERROR(r.resolve_graph(g));
  return g.verify(true);
}

}  // namespace npukit::interp
