// SPDX-License-Identifier: Apache-2.0
// frontend: ONNX ModelProto → ir::Model. Structure only: names, values, initializers, attributes,
// subgraphs, validation and constant-If folding. Opset → canonical rewrites live in onnx_normalize.cpp.
#include "frontend/onnx_import.h"

#include <algorithm>
#include <filesystem>

#include "core/file_util.h"
#include "frontend/onnx_internal.h"

namespace npukit::frontend {
namespace detail {

std::string GraphBuild::unique_node_name(const std::string& hint) {
  std::string name = hint;
  for (int i = 1; node_names.count(name); ++i) name = hint + "_" + std::to_string(i);
  node_names.insert(name);
  return name;
}

void detach_graph(ir::Graph& g) {
  for (ir::Node* n : g.nodes()) {
    for (auto& [k, sg] : n->subgraphs())
      if (sg) detach_graph(*sg);
    n->truncate_inputs(0);
  }
}

namespace {

// ---------------------------------------------------------------------------------------------
// Declared types
// ---------------------------------------------------------------------------------------------

// Applies a ValueInfoProto type to `v`. `strict` (graph inputs/outputs) turns unsupported element
// types into errors; for intermediate value_info they are ignored (the interpreter infers them).
Status apply_declared_type(const onnx::ValueInfoProto& vi, ir::Value* v, const std::string& what, bool strict) {
  if (!vi.has_type()) return Status::Ok();
  const auto& type = vi.type();
  if (!type.has_tensor_type()) {
    if (strict)
      return make_error(ErrorCode::kUnsupportedAttr, what,
                        ": only tensor types are supported (sequence, map and "
                        "optional types are not)");
    return Status::Ok();
  }
  const auto& tt = type.tensor_type();
  if (tt.elem_type() == 0) return Status::Ok();
  DType dt = dtype_from_onnx(tt.elem_type());
  if (dt == DType::kUndefined || dt == DType::kString) {
    if (strict)
      return make_error(ErrorCode::kUnsupportedAttr, what, ": elem_type ", onnx_dtype_name(tt.elem_type()),
                        " is not supported");
    return Status::Ok();
  }
  // Without a shape the rank is unknown; the IR has no "unknown rank" type, so the value stays
  // untyped and shape inference fills it in.
  if (!tt.has_shape()) return Status::Ok();
  if (tt.shape().dim_size() > static_cast<int>(kMaxRank))
    return make_error(ErrorCode::kInvalidModel, what, ": rank ", tt.shape().dim_size(), " exceeds the limit ",
                      kMaxRank);
  Shape shape;
  std::vector<std::string> params;
  bool dynamic = false;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    if (d.has_dim_value()) {
      if (d.dim_value() < 0)
        return make_error(ErrorCode::kInvalidModel, what, ": dim ", i, " = ", d.dim_value(), " is negative");
      shape.push_back(d.dim_value());
      params.emplace_back();
    } else {
      shape.push_back(-1);
      params.push_back(d.has_dim_param() ? d.dim_param() : std::string());
      dynamic = true;
    }
  }
  v->set_type(dt, std::move(shape));
  v->dim_params = dynamic ? std::move(params) : std::vector<std::string>{};
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Graph construction
// ---------------------------------------------------------------------------------------------

void collect_used_names(const onnx::GraphProto& gp, std::unordered_set<std::string>& used) {
  for (const auto& n : gp.node()) {
    for (const auto& in : n.input())
      if (!in.empty()) used.insert(in);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_used_names(a.g(), used);
      for (const auto& sg : a.graphs()) collect_used_names(sg, used);
    }
  }
  for (const auto& o : gp.output()) used.insert(o.name());
}

std::vector<std::string> parse_origin(const onnx::NodeProto& np) {
  const std::string& doc = np.doc_string();
  const std::string tag = std::string(kOriginTag) + "\n";
  std::vector<std::string> out;
  if (doc.compare(0, tag.size(), tag) != 0) return out;
  size_t pos = tag.size();
  while (pos <= doc.size()) {
    size_t nl = doc.find('\n', pos);
    if (nl == std::string::npos) nl = doc.size();
    out.push_back(doc.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

Status build_graph(ImportState& st, const onnx::GraphProto& gp, ir::Graph& g, bool is_main);

Status convert_attribute(ImportState& st, ir::Graph& g, const onnx::AttributeProto& a, RawNode& rn,
                         const std::string& where) {
  using AP = onnx::AttributeProto;
  const std::string what = where + ": attribute '" + a.name() + "'";
  if (a.name().empty()) return make_error(ErrorCode::kInvalidModel, where, ": attribute without a name");
  if (!a.ref_attr_name().empty())
    return make_error(ErrorCode::kUnsupportedAttr, what, ": references to function attributes are not supported");
  int type = a.type();
  if (type == AP::UNDEFINED) {
    // IR versions before 0.0.2 did not write `type`; infer it from the populated field.
    if (a.has_f())
      type = AP::FLOAT;
    else if (a.has_i())
      type = AP::INT;
    else if (a.has_s())
      type = AP::STRING;
    else if (a.has_t())
      type = AP::TENSOR;
    else if (a.has_g())
      type = AP::GRAPH;
    else if (a.floats_size())
      type = AP::FLOATS;
    else if (a.ints_size())
      type = AP::INTS;
    else if (a.strings_size())
      type = AP::STRINGS;
    else
      return make_error(ErrorCode::kInvalidModel, what, ": has no type and no value");
  }
  switch (type) {
    case AP::FLOAT: rn.attrs.set(a.name(), a.f()); break;
    case AP::INT: rn.attrs.set(a.name(), static_cast<int64_t>(a.i())); break;
    case AP::STRING: rn.attrs.set(a.name(), a.s()); break;
    case AP::FLOATS: rn.attrs.set(a.name(), std::vector<float>(a.floats().begin(), a.floats().end())); break;
    case AP::INTS: rn.attrs.set(a.name(), std::vector<int64_t>(a.ints().begin(), a.ints().end())); break;
    case AP::STRINGS: rn.attrs.set(a.name(), std::vector<std::string>(a.strings().begin(), a.strings().end())); break;
    case AP::TENSOR: {
      TensorSource src{what, st.base_dir, &st.byte_budget};
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(a.t(), src));
      rn.attrs.set(a.name(), std::move(t));
      break;
    }
    case AP::GRAPH: {
      auto sg = std::make_unique<ir::Graph>();
      sg->set_parent(&g);
      // ONNX requires non-empty graph names (onnx.checker); give anonymous branches a stable one.
      sg->set_name(a.g().name().empty() ? rn.name + "_" + a.name() : a.g().name());
      NPUKIT_RETURN_IF_ERROR(build_graph(st, a.g(), *sg, false).with_context(where + " " + a.name()));
      rn.subgraphs[a.name()] = std::move(sg);
      break;
    }
    default:
      return make_error(ErrorCode::kUnsupportedAttr, what, ": attribute type ",
                        AP::AttributeType_Name(static_cast<AP::AttributeType>(type)), " is not supported");
  }
  return Status::Ok();
}

bool is_default_domain(const std::string& d) {
  return d.empty() || d == "ai.onnx";
}

Status build_graph(ImportState& st, const onnx::GraphProto& gp, ir::Graph& g, bool is_main) {
  GraphBuild gb;
  gb.graph = &g;
  collect_used_names(gp, gb.used);
  if (g.name().empty()) g.set_name(gp.name());
  if (gp.sparse_initializer_size())
    return make_error(ErrorCode::kUnsupportedAttr, "sparse initializers are not supported (first: '",
                      gp.sparse_initializer(0).values().name(), "')");

  std::unordered_set<std::string> init_names;
  for (const auto& t : gp.initializer()) init_names.insert(t.name());

  // Graph inputs. Old exporters list every initializer as an input too: those become constants.
  for (const auto& in : gp.input()) {
    if (in.name().empty()) return make_error(ErrorCode::kInvalidModel, "graph input with an empty name");
    if (init_names.count(in.name())) continue;
    auto v = g.add_value(in.name());
    if (!v.ok()) return make_error(ErrorCode::kInvalidModel, "graph input '", in.name(), "' is declared twice");
    NPUKIT_RETURN_IF_ERROR(apply_declared_type(in, *v, "graph input '" + in.name() + "'", true));
    g.add_input(*v);
  }
  // Initializers → constants.
  for (const auto& t : gp.initializer()) {
    if (t.name().empty()) return make_error(ErrorCode::kInvalidModel, "initializer with an empty name");
    const std::string what = "initializer '" + t.name() + "'";
    TensorSource src{what, st.base_dir, &st.byte_budget};
    NPUKIT_ASSIGN_OR_RETURN(Tensor tensor, tensor_from_proto(t, src));
    auto v = g.add_value(t.name());
    if (!v.ok()) return make_error(ErrorCode::kInvalidModel, what, " is defined twice");
    (*v)->set_constant(std::move(tensor));
  }

  // Node names (generated for empty ones) and output values up front, so nodes may appear in any
  // order (they are sorted topologically at the end).
  std::vector<std::string> names(static_cast<size_t>(gp.node_size()));
  std::map<std::string, std::string> producer_of;
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    const std::string hint = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    names[static_cast<size_t>(i)] = gb.unique_node_name(hint);
  }
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    const std::string& nn = names[static_cast<size_t>(i)];
    for (const auto& out : np.output()) {
      if (out.empty()) continue;
      auto v = g.add_value(out);
      if (!v.ok()) {
        auto it = producer_of.find(out);
        std::string by = it != producer_of.end() ? "output of node '" + it->second + "'"
                         : init_names.count(out) ? std::string("an initializer")
                                                 : std::string("a graph input");
        return make_error(ErrorCode::kInvalidModel, "node '", nn, "' (", np.op_type(), "): output '", out,
                          "' is already defined as ", by, " (duplicate output name)");
      }
      producer_of[out] = nn;
    }
  }
  // Declared intermediate / output types.
  for (const auto& vi : gp.value_info()) {
    ir::Value* v = g.find_value(vi.name());
    if (v && !v->is_constant() && !v->is_graph_input())
      NPUKIT_RETURN_IF_ERROR(apply_declared_type(vi, v, "value_info '" + vi.name() + "'", false));
  }
  for (const auto& o : gp.output()) {
    ir::Value* v = g.find_value(o.name());
    if (v && !v->is_constant() && !v->is_graph_input())
      NPUKIT_RETURN_IF_ERROR(apply_declared_type(o, v, "graph output '" + o.name() + "'", true));
  }

  // Nodes.
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    RawNode rn;
    rn.op_type = np.op_type();
    rn.name = names[static_cast<size_t>(i)];
    const std::string where = "node '" + rn.name + "' (" + np.op_type() + ")";
    if (np.op_type().empty()) return make_error(ErrorCode::kInvalidModel, where, ": empty op_type");
    if (np.domain() == ir::kNpukitDomain) {
      // npukit's integer ops (quant/lower_qdq.h): the model must import the domain at a version we know.
      if (st.npukit_opset < 1 || st.npukit_opset > ir::kNpukitDomainVersion)
        return make_error(ErrorCode::kUnsupportedOp, "op ", np.domain(), "::", np.op_type(), " (node '", rn.name,
                          "'): the model imports domain '", ir::kNpukitDomain, "' at version ", st.npukit_opset,
                          " (supported: ", ir::kNpukitDomainVersion, "; 0 = not imported)");
      rn.domain = ir::kNpukitDomain;
    } else if (np.domain() == "com.microsoft" &&
               (np.op_type() == "QuantizeLinear" || np.op_type() == "DequantizeLinear")) {
      // ONNX Runtime's contrib QuantizeLinear / DequantizeLinear: the standard ops with 16-bit codes allowed
      // (what npukit's exporter writes for int16 activations at opset 17). Same semantics: default domain.
    } else if (!is_default_domain(np.domain())) {
      return make_error(ErrorCode::kUnsupportedOp, "op ", np.domain(), "::", np.op_type(), " (node '", rn.name,
                        "') is in domain '", np.domain(), "'; only the default ONNX domain and '", ir::kNpukitDomain,
                        "' are supported");
    }
    rn.origin = parse_origin(np);
    if (rn.origin.empty()) rn.origin.push_back(np.name().empty() ? rn.name : np.name());
    for (int k = 0; k < np.input_size(); ++k) {
      const std::string& in = np.input(k);
      if (in.empty()) {
        rn.inputs.push_back(nullptr);
        continue;
      }
      ir::Value* v = g.lookup_value(in);
      if (!v)
        return make_error(ErrorCode::kInvalidModel, where, ": input ", k, " '", in,
                          "' is not defined (no node output, graph input or initializer has this name: missing "
                          "initializer or dangling name)");
      rn.inputs.push_back(v);
    }
    for (const auto& out : np.output()) rn.outputs.push_back(out.empty() ? nullptr : g.find_value(out));
    for (const auto& a : np.attribute()) NPUKIT_RETURN_IF_ERROR(convert_attribute(st, g, a, rn, where));
    NPUKIT_RETURN_IF_ERROR(canonicalize_and_emit(st, gb, std::move(rn)));
  }

  // Graph outputs.
  if (gp.output_size() == 0) return make_error(ErrorCode::kInvalidModel, "graph '", gp.name(), "' has no outputs");
  std::vector<ir::Value*> outs;
  for (const auto& o : gp.output()) {
    ir::Value* v = g.find_value(o.name());
    if (!v && !is_main) {
      // A subgraph may return an outer-scope value directly. Route it through an Identity so the
      // subgraph owns its outputs (graph-output flags stay per graph).
      if (ir::Value* outer = g.lookup_value(o.name())) {
        ir::Value* copy = g.add_unique_value(o.name());
        if (outer->has_type()) copy->set_type(outer->dtype(), outer->shape());
        const std::string nn = gb.unique_node_name(o.name() + "/outer_identity");
        NPUKIT_ASSIGN_OR_RETURN(ir::Node * id, g.add_node(ir::OpKind::kIdentity, nn, {outer}, {copy}));
        id->origin().push_back(nn);
        v = copy;
      }
    }
    if (!v || (!v->producer() && !v->is_constant() && !v->is_graph_input()))
      return make_error(ErrorCode::kInvalidModel, "graph output '", o.name(),
                        "' is not produced by any node, graph input or initializer");
    outs.push_back(v);
  }
  g.set_outputs(outs);
  // A graph whose outputs are only initializers is legal (e.g. a folded Constant model); a graph
  // with neither nodes nor initializers computes nothing.
  if (is_main && gp.node_size() == 0 && gp.initializer_size() == 0)
    return make_error(ErrorCode::kInvalidModel, "graph '", gp.name(), "' is empty (no nodes)");
  NPUKIT_RETURN_IF_ERROR(g.topo_sort());
  return Status::Ok();
}

// Recursively drops values nobody reads (dropped optional outputs, unused initializers).
void cleanup(ir::Graph& g) {
  for (ir::Node* n : g.nodes())
    for (auto& [k, sg] : n->subgraphs())
      if (sg) cleanup(*sg);
  g.remove_dead_values();
}

// Rewires inputs of `s` (and its subgraphs) that point into `from` through `m`.
Status rewire(ir::Graph& s, const ir::Graph* from, const std::map<ir::Value*, ir::Value*>& m) {
  for (ir::Node* n : s.nodes()) {
    for (size_t i = 0; i < n->num_inputs(); ++i) {
      ir::Value* in = n->input(i);
      if (!in || in->owner() != from) continue;
      auto it = m.find(in);
      if (it == m.end())
        return make_error(ErrorCode::kInternal, "inlining If: value '", in->name(), "' read by '", n->name(),
                          "' has no mapping");
      n->set_input(i, it->second);
    }
    for (auto& [k, sg] : n->subgraphs())
      if (sg) NPUKIT_RETURN_IF_ERROR(rewire(*sg, from, m));
  }
  return Status::Ok();
}

Status inline_if(ir::Graph& g, ir::Node* ifn) {
  const std::string if_name = ifn->name();
  const std::vector<std::string> if_origin = ifn->origin();
  const Tensor* c = ifn->input(0)->const_value();
  if (c->numel() != 1)
    return make_error(ErrorCode::kInvalidModel, "If '", if_name, "': condition '", ifn->input(0)->name(),
                      "' must have exactly one element, has ", c->numel());
  const bool taken = c->get_as_double(0) != 0.0;
  const std::string key = taken ? "then_branch" : "else_branch";
  auto it = ifn->subgraphs().find(key);
  if (it == ifn->subgraphs().end() || !it->second)
    return make_error(ErrorCode::kInvalidModel, "If '", if_name, "': missing attribute '", key, "'");
  std::unique_ptr<ir::Graph> sg = std::move(it->second);
  const std::vector<ir::Value*> if_outs = ifn->outputs();
  if (sg->outputs().size() != if_outs.size())
    return make_error(ErrorCode::kInvalidModel, "If '", if_name, "': ", key, " has ", sg->outputs().size(),
                      " outputs, the node has ", if_outs.size());
  for (auto& [k, other] : ifn->subgraphs())
    if (other) detach_graph(*other);
  g.remove_node(ifn);

  std::set<std::string> node_names;
  for (ir::Node* n : g.nodes()) node_names.insert(n->name());
  auto unique_name = [&](const std::string& hint) {
    std::string name = hint;
    for (int i = 1; node_names.count(name); ++i) name = hint + "_" + std::to_string(i);
    node_names.insert(name);
    return name;
  };

  std::map<ir::Value*, ir::Value*> m;
  std::vector<bool> need_identity(if_outs.size(), false);
  for (size_t k = 0; k < if_outs.size(); ++k) {
    ir::Value* so = sg->outputs()[k];
    if (so->owner() == sg.get() && so->producer() && !m.count(so))
      m[so] = if_outs[k];
    else
      need_identity[k] = true;
  }
  for (ir::Value* v : sg->values())
    if (v->is_constant() && !m.count(v)) m[v] = g.add_constant(v->name(), *v->const_value());
  for (ir::Node* n : sg->nodes()) {
    std::vector<ir::Value*> ins, outs;
    for (ir::Value* in : n->inputs()) {
      if (!in || in->owner() != sg.get()) {
        ins.push_back(in);
        continue;
      }
      auto mi = m.find(in);
      if (mi == m.end())
        return make_error(ErrorCode::kInvalidModel, "If '", if_name, "' ", key, ": node '", n->name(), "' reads '",
                          in->name(), "' which the branch does not define");
      ins.push_back(mi->second);
    }
    for (ir::Value* o : n->outputs()) {
      auto mo = m.find(o);
      ir::Value* target = mo != m.end() ? mo->second : (m[o] = g.add_unique_value(o->name()));
      if (o->has_type() && !target->has_type()) {
        target->set_type(o->dtype(), o->shape());
        target->dim_params = o->dim_params;
      }
      outs.push_back(target);
    }
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * nn, g.add_node(n->op(), unique_name(n->name()), ins, outs, n->attrs()));
    nn->origin() = n->origin();
    for (auto& [k, s] : n->subgraphs()) {
      if (!s) continue;
      s->set_parent(&g);
      NPUKIT_RETURN_IF_ERROR(rewire(*s, sg.get(), m));
      nn->subgraphs()[k] = std::move(s);
    }
  }
  for (size_t k = 0; k < if_outs.size(); ++k) {
    if (!need_identity[k]) continue;
    ir::Value* src = sg->outputs()[k];
    ir::Value* mapped = src->owner() == sg.get() ? m.at(src) : src;
    const std::string nn = unique_name(if_name + "/out" + std::to_string(k));
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * id, g.add_node(ir::OpKind::kIdentity, nn, {mapped}, {if_outs[k]}));
    id->origin() = if_origin;
  }
  detach_graph(*sg);
  return Status::Ok();
}

}  // namespace

Status fold_constant_ifs(ir::Graph& g) {
  for (ir::Node* n : g.nodes())
    for (auto& [k, sg] : n->subgraphs())
      if (sg) NPUKIT_RETURN_IF_ERROR(fold_constant_ifs(*sg));
  bool changed = true;
  bool any = false;
  while (changed) {
    changed = false;
    for (ir::Node* n : g.nodes()) {
      if (n->op() == ir::OpKind::kIf && n->input(0) && n->input(0)->is_constant()) {
        NPUKIT_RETURN_IF_ERROR(inline_if(g, n));
        changed = any = true;
        break;
      }
    }
  }
  if (any) NPUKIT_RETURN_IF_ERROR(g.topo_sort());
  return Status::Ok();
}

}  // namespace detail

Expected<ir::Model> parse_onnx(const std::string& bytes, const std::string& name, const std::string& base_dir,
                               const ImportOptions& options) {
  using namespace detail;
  if (bytes.size() > options.max_file_bytes)
    return make_error(ErrorCode::kOutOfRange, name, ": ", bytes.size(), " bytes exceed the limit ",
                      options.max_file_bytes);
  onnx::ModelProto mp;
  if (!parse_message(bytes, &mp))
    return make_error(ErrorCode::kInvalidModel, name, ": not a valid ONNX model (truncated or corrupt protobuf)");
  if (!mp.has_graph()) return make_error(ErrorCode::kInvalidModel, name, ": model has no graph");

  ir::Model model;
  model.source_path = name;
  model.ir_version = mp.ir_version();
  model.producer_name = mp.producer_name();
  model.producer_version = mp.producer_version();
  model.doc_string = mp.doc_string();
  for (const auto& kv : mp.metadata_props()) model.metadata[kv.key()] = kv.value();
  int opset = -1;
  for (const auto& os : mp.opset_import()) {
    model.opset_imports[os.domain()] = os.version();
    if (is_default_domain(os.domain())) opset = static_cast<int>(os.version());
  }
  if (opset < 0) {
    // IR version 1-2 models have no opset_import; ONNX defines the default as opset 1.
    return make_error(ErrorCode::kUnsupportedOp, name,
                      ": model declares no default-domain opset (opset_import); supported opsets are ", ir::kMinOpset,
                      "..", ir::kMaxOpset);
  }
  if (opset < ir::kMinOpset || opset > ir::kMaxOpset)
    return make_error(ErrorCode::kUnsupportedOp, name, ": default-domain opset ", opset,
                      " is not supported (supported: ", ir::kMinOpset, "..", ir::kMaxOpset, ")");
  model.opset = opset;

  ImportState st;
  st.file = name;
  st.base_dir = base_dir;
  st.opset = opset;
  if (auto it = model.opset_imports.find(ir::kNpukitDomain); it != model.opset_imports.end())
    st.npukit_opset = static_cast<int>(std::min<int64_t>(it->second, 1 << 30));
  st.byte_budget = options.max_file_bytes;
  model.graph.set_name(mp.graph().name().empty() ? std::string("main") : mp.graph().name());
  Status s = build_graph(st, mp.graph(), model.graph, true);
  if (s.ok()) s = fold_constant_ifs(model.graph);
  if (s.ok()) {
    cleanup(model.graph);
    s = model.graph.verify();
  }
  if (!s.ok()) return s.with_context(name);
  return model;
}

Expected<ir::Model> load_onnx(const std::string& path, const ImportOptions& options) {
  auto bytes = read_file(path, options.max_file_bytes);
  if (!bytes.ok()) return bytes.status();
  std::string dir = dir_name(path);
  return parse_onnx(*bytes, path, dir, options);
}

}  // namespace npukit::frontend
