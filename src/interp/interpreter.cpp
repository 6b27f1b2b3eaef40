// SPDX-License-Identifier: Apache-2.0
// interp: the float reference interpreter (executes a resolved graph node by node).
#include "interp/interpreter.h"

#include <unordered_map>
#include <vector>

#include "interp/internal.h"
#include "kernels/fast/fast_kernels.h"

namespace npukit::interp {

namespace {

// Values computed so far in one graph; subgraphs (If branches) chain to the enclosing environment
// for outer-scope reads.
struct Env {
  const Env* parent = nullptr;
  std::unordered_map<const ir::Value*, Tensor> values;

  const Tensor* find(const ir::Value* v) const {
    if (v->is_constant()) return v->const_value();
    for (const Env* e = this; e; e = e->parent) {
      auto it = e->values.find(v);
      if (it != e->values.end()) return &it->second;
    }
    return nullptr;
  }
};

std::string where(const ir::Node& n) {
  return str_cat(n.op_type(), " '", n.name(), "'");
}

// Every value a node reads, including reads from inside its subgraphs (outer-scope reads).
void collect_reads(const ir::Node& n, std::vector<const ir::Value*>& out) {
  for (const ir::Value* in : n.inputs())
    if (in) out.push_back(in);
  for (const auto& [k, sg] : n.subgraphs()) {
    if (!sg) continue;
    for (const ir::Node* m : sg->nodes()) collect_reads(*m, out);
    for (const ir::Value* o : sg->outputs()) out.push_back(o);
  }
}

Expected<std::vector<Tensor>> run_graph(const ir::Graph& g, Env& env, const RunOptions& opt);

// run_node with a given kernel: types inferred from the actual inputs, outputs allocated, kernel called.
Expected<std::vector<Tensor>> run_node_with(const ir::Node& n, std::span<const Tensor* const> inputs,
                                            ref::RefKernelFn fn) {
  std::vector<ir::TensorInfo> infos(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i]) infos[i] = ir::TensorInfo{true, inputs[i]->dtype(), inputs[i]->shape(), inputs[i]};
  NPUKIT_ASSIGN_OR_RETURN(auto types, internal::infer_types(n, infos));
  std::vector<Tensor> outs;
  outs.reserve(types.size());
  for (const auto& t : types) {
    auto a = Tensor::create(t.dtype, t.shape);
    if (!a.ok()) return a.status().with_context(where(n));
    outs.push_back(std::move(a).value());
  }
  ref::KernelArgs args{n.op_type(), n.name(), n.attrs(), inputs, std::span<Tensor>(outs)};
  NPUKIT_RETURN_IF_ERROR(fn(args));
  outs.resize(n.num_outputs());
  return outs;
}

Expected<std::vector<Tensor>> run_if(const ir::Node& n, const Tensor& cond, const Env& env, const RunOptions& opt) {
  if (cond.numel() != 1)
    return make_error(ErrorCode::kShapeMismatch, where(n), ": condition must have one element, got shape ",
                      shape_str(cond.shape()));
  const char* branch = cond.get_as_double(0) != 0.0 ? "then_branch" : "else_branch";
  auto it = n.subgraphs().find(branch);
  if (it == n.subgraphs().end() || !it->second)
    return make_error(ErrorCode::kInvalidModel, where(n), ": missing subgraph ", branch);
  Env child;
  child.parent = &env;
  auto outs = run_graph(*it->second, child, opt);
  if (!outs.ok()) return outs.status().with_context(str_cat(where(n), " ", branch));
  if (outs->size() != n.num_outputs())
    return make_error(ErrorCode::kInvalidModel, where(n), ": ", branch, " gave ", outs->size(), " outputs, expected ",
                      n.num_outputs());
  return outs;
}

Expected<std::vector<Tensor>> run_graph(const ir::Graph& g, Env& env, const RunOptions& opt) {
  const std::vector<ir::Node*> nodes = g.nodes();
  // Last node index that reads each value of this environment: values are freed right after it
  // so peak memory stays near the largest live set instead of the sum of all activations.
  std::unordered_map<const ir::Value*, size_t> last_use;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::vector<const ir::Value*> reads;
    collect_reads(*nodes[i], reads);
    for (const ir::Value* v : reads) last_use[v] = i;
  }
  std::vector<std::vector<const ir::Value*>> free_after(nodes.size());
  for (const auto& [v, i] : last_use)
    if (v->owner() == &g && !v->is_graph_output() && !v->is_constant()) free_after[i].push_back(v);

  std::vector<const Tensor*> ins;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node& n = *nodes[i];
    ins.assign(n.num_inputs(), nullptr);
    for (size_t k = 0; k < n.num_inputs(); ++k) {
      const ir::Value* v = n.input(k);
      if (!v) continue;
      ins[k] = env.find(v);
      if (!ins[k])
        return make_error(ErrorCode::kInternal, where(n), ": input '", v->name(), "' was not computed before use");
    }
    std::vector<Tensor> outs;
    bool executed = false;
    if (opt.executor) {
      NPUKIT_ASSIGN_OR_RETURN(executed, opt.executor(n, ins, &outs));
    }
    if (executed) {
      if (outs.size() != n.num_outputs())
        return make_error(ErrorCode::kInternal, where(n), ": executor gave ", outs.size(), " outputs");
    } else if (n.op() == ir::OpKind::kIf) {
      if (!ins[0]) return make_error(ErrorCode::kInvalidModel, where(n), ": missing condition");
      NPUKIT_ASSIGN_OR_RETURN(outs, run_if(n, *ins[0], env, opt));
    } else if (ref::RefKernelFn fast = opt.use_fast_kernels ? fast_kernel(n.op()) : nullptr) {
      NPUKIT_ASSIGN_OR_RETURN(outs, run_node_with(n, ins, fast));
    } else {
      NPUKIT_ASSIGN_OR_RETURN(outs, run_node(n, ins));
    }
    for (size_t k = 0; k < n.num_outputs(); ++k) {
      const ir::Value* o = n.output(k);
      // The static type from resolve() must match what actually ran; a difference is a bug in an
      // infer function (or the graph was changed after resolve) and would mislead later stages.
      bool static_type = o->has_type();
      for (int64_t d : o->shape()) static_type = static_type && d >= 0;  // declared-but-dynamic: unresolved graph
      if (static_type && (o->dtype() != outs[k].dtype() || o->shape() != outs[k].shape()))
        return make_error(ErrorCode::kInternal, where(n), ": output '", o->name(), "' is ",
                          internal::type_str(outs[k].dtype(), outs[k].shape()), " but resolve inferred ",
                          internal::type_str(o->dtype(), o->shape()));
    }
    if (opt.on_node) opt.on_node(n, outs);
    for (size_t k = 0; k < n.num_outputs(); ++k) {
      const ir::Value* o = n.output(k);
      // Outputs nobody reads (e.g. unused LSTM states) are dropped at once.
      if (!o->is_graph_output() && !last_use.count(o)) continue;
      env.values[o] = std::move(outs[k]);
    }
    for (const ir::Value* v : free_after[i]) env.values.erase(v);
  }
  std::vector<Tensor> result;
  for (const ir::Value* o : g.outputs()) {
    const Tensor* t = env.find(o);
    if (!t) return make_error(ErrorCode::kInternal, "graph output '", o->name(), "' was not computed");
    result.push_back(*t);
  }
  return result;
}

}  // namespace

ref::RefKernelFn fast_kernel(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::kConv: return &fast::fast_Conv;
    case ir::OpKind::kGemm: return &fast::fast_Gemm;
    case ir::OpKind::kMatMul: return &fast::fast_MatMul;
    case ir::OpKind::kRelu: return &fast::fast_Relu;
    case ir::OpKind::kAdd: return &fast::fast_Add;
    case ir::OpKind::kConvTranspose: return &fast::fast_ConvTranspose;
    case ir::OpKind::kResize: return &fast::fast_Resize;
    default: return nullptr;
  }
}

Expected<std::vector<Tensor>> run_node_fast(const ir::Node& node, std::span<const Tensor* const> inputs) {
  ref::RefKernelFn fast = node.op() == ir::OpKind::kIf ? nullptr : fast_kernel(node.op());
  if (!fast) return run_node(node, inputs);
  if (inputs.size() != node.num_inputs())
    return make_error(ErrorCode::kInvalidArgument, where(node), ": got ", inputs.size(), " input tensors for ",
                      node.num_inputs(), " input slots");
  return run_node_with(node, inputs, fast);
}

std::vector<const ir::Value*> Interpreter::runtime_inputs() const {
  std::vector<const ir::Value*> r;
  for (const ir::Value* v : graph_.inputs())
    if (!v->is_constant()) r.push_back(v);
  return r;
}

Expected<std::vector<Tensor>> Interpreter::run(const std::vector<Tensor>& inputs, const RunOptions& options) const {
  const auto rin = runtime_inputs();
  if (inputs.size() != rin.size()) {
    std::string names;
    for (const ir::Value* v : rin) names += (names.empty() ? "'" : ", '") + v->name() + "'";
    return make_error(ErrorCode::kInvalidArgument, "model has ", rin.size(), " input(s) (", names, "), got ",
                      inputs.size());
  }
  Env env;
  for (size_t i = 0; i < rin.size(); ++i) {
    const ir::Value* v = rin[i];
    const Tensor& t = inputs[i];
    if (t.dtype() != v->dtype() || t.shape() != v->shape())
      return make_error(ErrorCode::kShapeMismatch, "input '", v->name(), "': expected ",
                        internal::type_str(v->dtype(), v->shape()), ", got ", internal::type_str(t.dtype(), t.shape()));
    env.values[v] = t;
  }
  return run_graph(graph_, env, options);
}

Expected<std::vector<Tensor>> Interpreter::run(const std::map<std::string, Tensor>& inputs,
                                               const RunOptions& options) const {
  const auto rin = runtime_inputs();
  std::vector<Tensor> ordered;
  for (const ir::Value* v : rin) {
    auto it = inputs.find(v->name());
    if (it == inputs.end()) return make_error(ErrorCode::kInvalidArgument, "missing input '", v->name(), "'");
    ordered.push_back(it->second);
  }
  for (const auto& [name, t] : inputs) {
    bool known = false;
    for (const ir::Value* v : rin) known = known || v->name() == name;
    if (!known) return make_error(ErrorCode::kInvalidArgument, "'", name, "' is not a runtime input of the model");
  }
  return run(ordered, options);
}

}  // namespace npukit::interp
