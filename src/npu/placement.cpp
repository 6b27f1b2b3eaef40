// SPDX-License-Identifier: Apache-2.0
// npu: NPU/CPU placement against the march's op constraint table, the cut into segments, and the removal of
// removable nodes at the model's inputs and outputs (placement.h).
#include "npu/placement.h"
#include "core/text.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/log.h"
#include "npk/program.h"

namespace npukit::npu {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

constexpr int64_t kMaxRank = npk::kMaxBoxRank;

bool is_reshape_like(OpKind k) {
  return k == OpKind::kReshape || k == OpKind::kFlatten || k == OpKind::kSqueeze || k == OpKind::kUnsqueeze;
}

/// Runtime (non-constant, present) inputs.
std::vector<const Value*> runtime_inputs(const Node& n) {
  std::vector<const Value*> r;
  for (const Value* v : n.inputs())
    if (v && !v->is_constant()) r.push_back(v);
  return r;
}

/// Activation tensors: runtime inputs and all outputs.
std::vector<const Value*> activations(const Node& n) {
  std::vector<const Value*> r = runtime_inputs(n);
  for (const Value* v : n.outputs())
    if (v) r.push_back(v);
  return r;
}

bool is_float_node(const Node& n) {
  for (const Value* v : activations(n))
    if (dtype_is_float(v->dtype())) return true;
  return false;
}

std::string dtype_list(const std::vector<DType>& v) {
  std::vector<std::string> s;
  for (DType d : v) s.push_back(dtype_name(d));
  return join(s);
}

/// A pair attribute (kernel, strides, dilations) with a default for absent / empty values.
std::vector<int64_t> pair_attr(const Node& n, const std::string& name, int64_t def) {
  std::vector<int64_t> v = n.attrs().get_ints(name, {});
  if (v.empty()) v = {def, def};
  return v;
}

std::string pair_str(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "x" : "") + std::to_string(v[i]);
  return s;
}

/// "kernel 9x9 > 7x7" when some entry exceeds `limit` (0: no limit); "" otherwise.
std::string check_pair(const std::string& what, const std::vector<int64_t>& v, int64_t limit) {
  if (limit <= 0) return "";
  for (int64_t x : v)
    if (x > limit) return str_cat(what, " ", pair_str(v), " > ", limit, "x", limit);
  return "";
}

/// Constant input as int64 values, or nullopt.
std::optional<std::vector<int64_t>> const_ints(const Node& n, size_t i) {
  const Value* v = n.input(i);
  if (!v || !v->is_constant()) return std::nullopt;
  return v->const_value()->to_int64_vector();
}

const char* unit_of_op(OpKind k) {
  switch (k) {
    case OpKind::kQConv:
    case OpKind::kQGemm:
    case OpKind::kQMatMul: return "TAE";
    case OpKind::kQAdd:
    case OpKind::kQSub:
    case OpKind::kQMul:
    case OpKind::kQLut:
    case OpKind::kRequantize:
    case OpKind::kQConcat: return "VAE";
    case OpKind::kMaxPool:
    case OpKind::kQAveragePool:
    case OpKind::kGlobalMaxPool:
    case OpKind::kQGlobalAveragePool:
    case OpKind::kResize: return "AAE";
    case OpKind::kTranspose:
    case OpKind::kPad: return "TRANS";
    default: return "DMA";
  }
}

/// Why the NPU cannot run `n` under `row`; "" when it can. The op name prefix is added by the caller.
std::string violation(const Node& n, const march::OpConstraint& row, const march::MarchSpec& m) {
  const OpKind k = n.op();
  const std::vector<const Value*> acts = activations(n);
  // Static types, box rank.
  for (const Value* v : acts) {
    if (!v->has_type()) return str_cat("value '", v->name(), "' has no type");
    for (int64_t d : v->shape())
      if (d < 0) return str_cat("value '", v->name(), "' has a dynamic shape");
    if (static_cast<int64_t>(v->shape().size()) > kMaxRank) return str_cat("rank ", v->shape().size(), " > ", kMaxRank);
  }
  // Activation dtypes.
  const std::vector<DType> dtypes = row.dtypes.empty() ? std::vector<DType>{DType::kI8, DType::kU8} : row.dtypes;
  for (const Value* v : acts) {
    // QConv / QGemm may write the int32 accumulator (a final layer, dequantized on the CPU): the TAE's native
    // result, allowed whatever the activation dtypes.
    const bool accumulator = v->dtype() == DType::kI32 && n.num_outputs() == 1 && v == n.output(0) &&
                             (n.op() == OpKind::kQConv || n.op() == OpKind::kQGemm);
    if (!accumulator && std::find(dtypes.begin(), dtypes.end(), v->dtype()) == dtypes.end())
      return str_cat("dtype ", dtype_name(v->dtype()), " not supported (supported: ", dtype_list(dtypes), ")");
  }
  const Value* x = n.input(0);
  const Value* y = n.output(0);
  const size_t xr = x ? x->shape().size() : 0;
  // Modes.
  if (!row.modes.empty() && n.attrs().has("mode")) {
    const std::string mode = n.attrs().get_string("mode");
    if (std::find(row.modes.begin(), row.modes.end(), mode) == row.modes.end())
      return str_cat("mode '", mode, "' not supported (supported: ", join(row.modes), ")");
  }
  // Op-specific structure.
  switch (k) {
    case OpKind::kMaxPool:
    case OpKind::kQAveragePool:
    case OpKind::kGlobalMaxPool:
    case OpKind::kQGlobalAveragePool:
    case OpKind::kQConv:
      if (xr != 4) return str_cat("rank ", xr, " (only 2-D, NCHW)");
      break;
    default: break;
  }
  if (k == OpKind::kMaxPool) {
    if (n.attrs().get_int("ceil_mode", 0) != 0) return "ceil_mode 1 not supported";
    if (n.attrs().get_int("storage_order", 0) != 0) return "storage_order 1 not supported";
    if (n.num_outputs() > 1 && n.output(1)) return "Indices output not supported";
    const std::string ap = n.attrs().get_string("auto_pad", "NOTSET");
    if (ap != "NOTSET" && ap != "VALID") return str_cat("auto_pad ", ap, " not supported (explicit pads only)");
  }
  if (k == OpKind::kPad) {
    const std::string mode = n.attrs().get_string("mode", "constant");
    if (mode != "constant") return str_cat("mode '", mode, "' not supported (supported: constant)");
    if (xr != 4) return str_cat("rank ", xr, " (only NCHW with pads on H and W)");
    auto pads = const_ints(n, 1);
    if (!pads) return "pads are not a constant";
    if (pads->size() != 8) return "pads do not match the rank";
    for (size_t d : {size_t{0}, size_t{1}})
      if ((*pads)[d] != 0 || (*pads)[d + 4] != 0) return "pads on N or C (only the last two dims of a rank-4 tensor)";
    for (int64_t p : *pads)
      if (p < 0) return "negative pads (crop) not supported";
  }
  if (k == OpKind::kResize) {
    if (xr != 4) return str_cat("rank ", xr, " (only NCHW)");
    if (y->shape()[0] != x->shape()[0] || y->shape()[1] != x->shape()[1]) return "resizes N or C (only H and W)";
  }
  if (k == OpKind::kSlice) {
    for (size_t i = 1; i < 3; ++i)
      if (!const_ints(n, i)) return "starts / ends are not constants";
    if (n.input(3) && !const_ints(n, 3)) return "axes are not a constant";
    if (n.input(4)) {
      auto steps = const_ints(n, 4);
      if (!steps) return "steps are not a constant";
      for (int64_t s : *steps)
        if (s != 1) return str_cat("step ", s, " not supported (only 1)");
    }
  }
  if (k == OpKind::kSplit && n.input(1) && !const_ints(n, 1)) return "split sizes are not a constant";
  if (k == OpKind::kQGemm && (xr != 2 || !n.input(1) || n.input(1)->shape().size() != 2))
    return "A and W must be rank 2";
  if (k == OpKind::kQMatMul) {
    if (xr < 2) return str_cat("rank ", xr, " < 2");
  }
  // Kernel / stride / dilation.
  if (k == OpKind::kQConv) {
    const Shape& w = n.input(1)->shape();
    if (auto r = check_pair("kernel", {w[2], w[3]}, row.max_kernel); !r.empty()) return r;
  } else if (k == OpKind::kMaxPool || k == OpKind::kQAveragePool) {
    if (auto r = check_pair("kernel", n.attrs().get_ints("kernel_shape", {}), row.max_kernel); !r.empty()) return r;
  }
  if (k == OpKind::kQConv || k == OpKind::kMaxPool || k == OpKind::kQAveragePool) {
    if (auto r = check_pair("stride", pair_attr(n, "strides", 1), row.max_stride); !r.empty()) return r;
  }
  if (k == OpKind::kQConv || k == OpKind::kMaxPool) {
    if (auto r = check_pair("dilation", pair_attr(n, "dilations", 1), row.max_dilation); !r.empty()) return r;
  }
  // Channels.
  if (row.max_channels > 0) {
    std::vector<int64_t> ch;
    if (k == OpKind::kQGemm) {
      ch = {x->shape()[1], n.input(1)->shape()[0]};
    } else if (k == OpKind::kQMatMul) {
      ch = {x->shape().back(), y->shape().back()};
    } else {
      for (const Value* v : acts)
        if (v->shape().size() == 4) ch.push_back(v->shape()[1]);
    }
    for (int64_t c : ch)
      if (c > row.max_channels) return str_cat("channels ", c, " > ", row.max_channels);
  }
  // Spatial (NCHW tensors).
  if (row.max_spatial > 0 && k != OpKind::kQGemm && k != OpKind::kQMatMul) {
    for (const Value* v : acts) {
      if (v->shape().size() != 4) continue;
      if (v->shape()[2] > row.max_spatial) return str_cat("height ", v->shape()[2], " > ", row.max_spatial);
      if (v->shape()[3] > row.max_spatial) return str_cat("width ", v->shape()[3], " > ", row.max_spatial);
    }
  }
  // Groups.
  if (k == OpKind::kQConv) {
    const int64_t group = n.attrs().get_int("group", 1);
    const int64_t cin = x->shape()[1];
    if (group > 1 && group == cin) {
      if (!row.depthwise) return "depthwise conv not supported";
    } else if (group > 1) {
      if (!row.grouped) return str_cat("grouped conv (group ", group, ") not supported");
    }
  }
  // Ops that keep whole channel planes in SRAM.
  if ((k == OpKind::kGlobalMaxPool || k == OpKind::kQGlobalAveragePool || k == OpKind::kResize || k == OpKind::kPad) &&
      m.sram.bytes > 0) {
    auto plane = [](const Value* v) {
      const Shape& s = v->shape();
      return s[2] * s[3] * static_cast<int64_t>(dtype_size(v->dtype()));
    };
    const int64_t bytes = plane(x) + plane(y);
    if (bytes > m.sram.bytes / 2) return str_cat("plane ", bytes, " B > half of SRAM ", m.sram.bytes / 2, " B");
  }
  return "";
}

/// Placement of one node before overrides: reason "" = NPU.
std::string base_reason(const Node& n, const march::MarchSpec& m) {
  const std::string op = n.op_type();
  if (n.op() == OpKind::kQuantizeLinear || n.op() == OpKind::kDequantizeLinear) {
    const bool q = n.op() == OpKind::kQuantizeLinear;
    const bool boundary =
        q ? (n.input(0) && n.input(0)->is_graph_input()) : (n.output(0) && n.output(0)->is_graph_output());
    if (boundary)
      return op + ": float <-> integer conversion at the model boundary runs on CPU (remove_node_type: " +
             (q ? "Quantize" : "Dequantize") + ")";
    return op + (q ? ": float -> integer conversion after a float op runs on CPU"
                   : ": integer -> float conversion before a float op runs on CPU");
  }
  if (is_float_node(n)) return op + ": float op (not quantized)";
  const march::OpConstraint* row = m.find_op(op);
  if (!row) return op + ": not in the march's op table";
  std::string v = violation(n, *row, m);
  return v.empty() ? "" : op + ": " + v;
}

}  // namespace

std::vector<npk::Placement> place_nodes(const ir::Graph& g, const march::MarchSpec& m,
                                        const PlacementOptions& options) {
  const std::vector<Node*> nodes = g.nodes();
  std::vector<npk::Placement> out(nodes.size());
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i]] = i;

  auto override_of = [&](const Node& n) -> std::optional<config::Device> {
    auto it = options.on.find(n.name());
    if (it == options.on.end()) return std::nullopt;
    return it->second;
  };
  auto set = [&](size_t i, bool npu, std::string reason) {
    out[i].target = npu ? npk::Target::kNpu : npk::Target::kCpu;
    out[i].reason = std::move(reason);
  };
  // Reshape-like ops whose input is not produced by a node (graph input): decided by their consumers.
  std::vector<size_t> pending;
  std::vector<bool> is_pending(nodes.size(), false);

  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = *nodes[i];
    out[i].node = n.name();
    out[i].op = n.op_type();
    const auto on = override_of(n);
    if (on == config::Device::kCpu) {
      set(i, false, "node_info ON: CPU");
      continue;
    }
    std::string reason = base_reason(n, m);
    if (is_reshape_like(n.op()) && reason.empty()) {
      if (on == config::Device::kBpu) {
        set(i, true, "view");
        continue;
      }
      const Value* x = n.input(0);
      const Node* p = x ? x->producer() : nullptr;
      if (!p) {
        pending.push_back(i);
        is_pending[i] = true;
        continue;
      }
      const size_t pi = index.at(p);
      if (is_pending[pi]) {
        pending.push_back(i);
        is_pending[i] = true;
        continue;
      }
      if (out[pi].target == npk::Target::kNpu)
        set(i, true, "view");
      else
        set(i, false, str_cat(n.op_type(), ": follows its producer"));
      continue;
    }
    if (reason.empty()) {
      set(i, true, unit_of_op(n.op()));
    } else if (on == config::Device::kBpu) {
      log::warn("node_info ON: BPU ignored for ", n.op_type(), " '", n.name(), "': ", reason);
      set(i, false, reason + " (node_info ON: BPU ignored)");
    } else {
      set(i, false, reason);
    }
  }
  // Pending reshape-likes, consumers first: NPU when every consumer is NPU.
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    const size_t i = *it;
    const Node& n = *nodes[i];
    bool npu = true, any = false;
    for (const Value* o : n.outputs()) {
      if (!o) continue;
      if (o->is_graph_output()) npu = false;
      for (const Node* u : o->users()) {
        auto ui = index.find(u);
        if (ui == index.end()) {
          npu = false;
          continue;
        }
        any = true;
        if (out[ui->second].target != npk::Target::kNpu) npu = false;
      }
    }
    if (npu && any)
      set(i, true, "view");
    else
      set(i, false, str_cat(n.op_type(), ": follows its consumers"));
    is_pending[i] = false;
  }
  return out;
}

namespace {

/// Values of `g` read by the subgraphs of `n` (outer-scope reads).
void implicit_inputs(const ir::Graph& g, const Node& n, std::vector<const Value*>& out) {
  for (const auto& [name, sg] : n.subgraphs()) {
    if (!sg) continue;
    for (const Node* s : sg->nodes()) {
      for (const Value* v : s->inputs())
        if (v && v->owner() == &g) out.push_back(v);
      implicit_inputs(g, *s, out);
    }
    for (const Value* v : sg->outputs())
      if (v && v->owner() == &g) out.push_back(v);
  }
}

std::vector<const Value*> all_reads(const ir::Graph& g, const Node& n) {
  std::vector<const Value*> r;
  for (const Value* v : n.inputs())
    if (v) r.push_back(v);
  implicit_inputs(g, n, r);
  return r;
}

}  // namespace

std::vector<npk::Segment> build_segments(const ir::Graph& g, const std::vector<npk::Placement>& placement) {
  const std::vector<Node*> nodes = g.nodes();
  const size_t n = nodes.size();
  std::unordered_map<const Node*, int32_t> index;
  for (size_t i = 0; i < n; ++i) index[nodes[i]] = static_cast<int32_t>(i);
  auto target_of = [&](size_t i) { return i < placement.size() ? placement[i].target : npk::Target::kCpu; };
  // Dependencies between nodes (deduplicated).
  std::vector<std::vector<int32_t>> succ(n);
  std::vector<int> indeg(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::set<int32_t> preds;
    for (const Value* v : all_reads(g, *nodes[i]))
      if (const Node* p = v->producer(); p && index.count(p)) preds.insert(index.at(p));
    preds.erase(static_cast<int32_t>(i));
    for (int32_t p : preds) {
      succ[p].push_back(static_cast<int32_t>(i));
      ++indeg[i];
    }
  }
  std::set<int32_t> ready[2];
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready[static_cast<int>(target_of(i))].insert(static_cast<int32_t>(i));

  std::vector<npk::Segment> segs;
  int cur = -1;
  size_t done = 0;
  while (done < n) {
    if (cur < 0 || ready[cur].empty()) {
      // Switch: start with the target of the earliest ready node.
      int best = -1;
      for (int t = 0; t < 2; ++t)
        if (!ready[t].empty() && (best < 0 || *ready[t].begin() < *ready[best].begin())) best = t;
      if (best < 0) break;  // cycle: cannot happen on a topologically sorted graph
      cur = best;
      segs.emplace_back();
      segs.back().target = static_cast<npk::Target>(cur);
    }
    const int32_t i = *ready[cur].begin();
    ready[cur].erase(ready[cur].begin());
    segs.back().nodes.push_back(i);
    ++done;
    for (int32_t s : succ[i])
      if (--indeg[s] == 0) ready[static_cast<int>(target_of(s))].insert(s);
  }

  // Boundary values.
  std::vector<int> seg_of(n, -1);
  for (size_t s = 0; s < segs.size(); ++s)
    for (int32_t i : segs[s].nodes) seg_of[i] = static_cast<int>(s);
  for (size_t s = 0; s < segs.size(); ++s) {
    npk::Segment& seg = segs[s];
    std::unordered_set<const Value*> seen_in, seen_out;
    for (int32_t i : seg.nodes) {
      for (const Value* v : all_reads(g, *nodes[i])) {
        if (v->is_constant()) continue;
        const Node* p = v->producer();
        const bool inside = p && index.count(p) && seg_of[index.at(p)] == static_cast<int>(s);
        if (!inside && seen_in.insert(v).second) seg.inputs.push_back(v->name());
      }
    }
    for (int32_t i : seg.nodes) {
      for (const Value* o : nodes[i]->outputs()) {
        if (!o) continue;
        bool escapes = o->is_graph_output();
        for (const Node* u : o->users()) {
          auto ui = index.find(u);
          // A user outside this graph's node list is a subgraph node: its If node reads the value.
          if (ui == index.end() || seg_of[ui->second] != static_cast<int>(s)) escapes = true;
        }
        if (!escapes) {
          // Outer-scope reads by subgraphs of nodes in other segments.
          for (size_t j = 0; j < n && !escapes; ++j) {
            if (seg_of[j] == static_cast<int>(s) || nodes[j]->subgraphs().empty()) continue;
            std::vector<const Value*> imp;
            implicit_inputs(g, *nodes[j], imp);
            escapes = std::find(imp.begin(), imp.end(), o) != imp.end();
          }
        }
        if (escapes && seen_out.insert(o).second) seg.outputs.push_back(o->name());
      }
    }
  }
  return segs;
}

namespace {

const std::vector<std::pair<std::string, OpKind>>& removable_types() {
  static const std::vector<std::pair<std::string, OpKind>> k = {
      {"Quantize", OpKind::kQuantizeLinear}, {"Dequantize", OpKind::kDequantizeLinear},
      {"Transpose", OpKind::kTranspose},     {"Cast", OpKind::kCast},
      {"Reshape", OpKind::kReshape},         {"Softmax", OpKind::kSoftmax},
  };
  return k;
}

std::vector<Value*> runtime_inputs_mut(Node& n) {
  std::vector<Value*> r;
  for (Value* v : n.inputs())
    if (v && !v->is_constant() && std::find(r.begin(), r.end(), v) == r.end()) r.push_back(v);
  return r;
}

bool has_subgraph_reads(const Node& n) {
  return !n.subgraphs().empty();
}

/// All runtime inputs are graph inputs read by `n` alone; no output is a graph output.
bool at_input(const Node& n) {
  if (has_subgraph_reads(n)) return false;
  std::vector<const Value*> ins = runtime_inputs(n);
  if (ins.empty()) return false;
  for (const Value* v : ins) {
    if (!v->is_graph_input() || v->is_graph_output()) return false;
    for (const Node* u : v->users())
      if (u != &n) return false;
  }
  bool any_used = false;
  for (const Value* o : n.outputs()) {
    if (!o) continue;
    if (o->is_graph_output()) return false;
    if (!o->users().empty()) any_used = true;
  }
  return any_used;
}

/// Every output is a graph output read by no node; no runtime input is a graph input.
bool at_output(const Node& n) {
  if (has_subgraph_reads(n)) return false;
  std::vector<const Value*> ins = runtime_inputs(n);
  if (ins.empty() || n.num_outputs() == 0) return false;
  for (const Value* v : ins)
    if (v->is_graph_input()) return false;
  for (const Value* o : n.outputs()) {
    if (!o || !o->is_graph_output() || !o->users().empty()) return false;
  }
  return true;
}

void remove_at_input(ir::Graph& g, Node* n) {
  std::vector<Value*> ins = runtime_inputs_mut(*n);
  std::vector<Value*> outs;
  for (Value* o : n->outputs())
    if (o && !o->users().empty()) outs.push_back(o);
  const bool rename = ins.size() == 1 && outs.size() == 1;
  const std::string old_name = ins.front()->name();
  std::vector<std::string> dim_params = ins.front()->dim_params;
  const size_t old_rank = ins.front()->shape().size();

  std::vector<Value*> new_inputs;
  bool placed = false;
  for (Value* v : g.inputs()) {
    if (std::find(ins.begin(), ins.end(), v) != ins.end()) {
      if (!placed) new_inputs.insert(new_inputs.end(), outs.begin(), outs.end());
      placed = true;
    } else {
      new_inputs.push_back(v);
    }
  }
  for (Value* v : std::vector<Value*>(g.inputs())) g.remove_input(v);
  g.remove_node(n);
  for (Value* v : new_inputs) g.add_input(v);
  g.remove_dead_values();
  if (rename) {
    Value* o = outs.front();
    if (g.rename_value(o, old_name).ok() && o->shape().size() == old_rank && dim_params.size() == old_rank &&
        o->dim_params.empty())
      o->dim_params = std::move(dim_params);
  }
}

void remove_at_output(ir::Graph& g, Node* n) {
  std::vector<Value*> ins = runtime_inputs_mut(*n);
  std::vector<Value*> outs;
  for (Value* o : n->outputs())
    if (o) outs.push_back(o);
  const bool rename = ins.size() == 1 && outs.size() == 1 && !ins.front()->is_graph_output();
  const std::string old_name = outs.front()->name();

  std::vector<Value*> new_outputs;
  bool placed = false;
  for (Value* v : g.outputs()) {
    if (std::find(outs.begin(), outs.end(), v) != outs.end()) {
      if (!placed)
        for (Value* i : ins)
          if (!i->is_graph_output() && std::find(new_outputs.begin(), new_outputs.end(), i) == new_outputs.end())
            new_outputs.push_back(i);
      placed = true;
    } else if (std::find(new_outputs.begin(), new_outputs.end(), v) == new_outputs.end()) {
      new_outputs.push_back(v);
    }
  }
  g.set_outputs(new_outputs);
  g.remove_node(n);
  g.remove_dead_values();
  if (rename) (void)g.rename_value(ins.front(), old_name);
}

}  // namespace

Expected<std::vector<std::string>> remove_boundary_nodes(ir::Graph& g, const RemoveOptions& options) {
  std::set<OpKind> kinds;
  for (const std::string& t : options.types) {
    auto it =
        std::find_if(removable_types().begin(), removable_types().end(), [&](const auto& p) { return p.first == t; });
    if (it == removable_types().end()) {
      std::vector<std::string> allowed;
      for (const auto& p : removable_types()) allowed.push_back(p.first);
      return make_error(ErrorCode::kInvalidArgument, "remove_node_type: '", t,
                        "' is not a removable node type (allowed: ", join(allowed), ")");
    }
    kinds.insert(it->second);
  }
  if (options.auto_cpu_ends && !options.placement_march)
    return make_error(ErrorCode::kInvalidArgument, "remove_boundary_nodes: auto_cpu_ends needs a placement march");
  const std::set<std::string> names(options.names.begin(), options.names.end());

  std::vector<std::string> removed;
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<npk::Placement> placement;
    if (options.auto_cpu_ends) placement = place_nodes(g, *options.placement_march);
    const std::vector<Node*> nodes = g.nodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
      Node* n = nodes[i];
      const bool match = kinds.count(n->op()) || names.count(n->name()) ||
                         (options.auto_cpu_ends && placement[i].target == npk::Target::kCpu);
      if (!match) continue;
      const std::string what = str_cat(n->op_type(), " '", n->name(), "'");
      if (at_input(*n)) {
        remove_at_input(g, n);
      } else if (at_output(*n)) {
        remove_at_output(g, n);
      } else {
        continue;
      }
      removed.push_back(what);
      changed = true;
      break;
    }
  }
  for (const std::string& name : options.names) {
    const std::vector<Node*> nodes = g.nodes();
    if (std::any_of(nodes.begin(), nodes.end(), [&](const Node* n) { return n->name() == name; }))
      log::warn("remove_node_name: node '", name, "' is not at a model input or output; kept");
    else if (std::none_of(removed.begin(), removed.end(),
                          [&](const std::string& r) { return r.ends_with(" '" + name + "'"); }))
      log::warn("remove_node_name: no node named '", name, "'");
  }
  return removed;
}

}  // namespace npukit::npu
