// SPDX-License-Identifier: Apache-2.0
// quant: lower_qdq_to_integer (quant/lower_qdq.h). The driver visits every node once and dispatches on its op;
// this file also holds the graph editing every rewrite uses (remove the matched nodes, add the integer node
// under the float op's name, re-create a data-movement tail on codes) and the final exact peepholes (identity
// Requantize, QMul(x, QLut(x))).
// The rewrites themselves are in lower_qdq_matrix.cpp and lower_qdq_ops.cpp, the matching helpers in
// lower_qdq_match.cpp (quant/lower_qdq_internal.h).
#include "quant/lower_qdq.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "kernels/ref/qparams.h"
#include "quant/lower_qdq_internal.h"

namespace npukit::quant {
namespace lower_detail {

Status Lowering::run() {
  const std::vector<Node*> snapshot = g_.nodes();
  for (Node* n : snapshot) {
    if (dead_.count(n)) continue;
    NPUKIT_RETURN_IF_ERROR(visit(*n));
  }
  g_.remove_dead_nodes();
  g_.remove_dead_values();
  NPUKIT_RETURN_IF_ERROR(g_.topo_sort());
  NPUKIT_RETURN_IF_ERROR(fold_identity_requantize());
  NPUKIT_RETURN_IF_ERROR(fold_lut_mul());
  g_.remove_dead_values();
  NPUKIT_RETURN_IF_ERROR(g_.topo_sort());
  stats_.float_ops.clear();
  for (const Node* n : g_.nodes()) {
    if (n->op() == OpKind::kQuantizeLinear || n->op() == OpKind::kDequantizeLinear) continue;
    if (!ir::is_default_domain_op(ir::op_info(n->op()))) continue;
    bool float_out = false;
    for (const Value* o : n->outputs()) float_out = float_out || (o && o->dtype() == DType::kF32);
    if (float_out) stats_.float_ops.push_back(std::string(n->op_type()) + " '" + n->name() + "'");
  }
  return g_.verify(true);
}

Status Lowering::visit(Node& n) {
  switch (n.op()) {
    case OpKind::kConv: return conv(n);
    case OpKind::kGemm: return gemm(n);
    case OpKind::kMatMul: return matmul(n);
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: return binary(n);
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool: return avgpool(n);
    case OpKind::kConcat: return concat(n);
    case OpKind::kRelu:
    case OpKind::kClip: return clamp(n);
    case OpKind::kSigmoid:
    case OpKind::kTanh:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kLeakyRelu:
    case OpKind::kElu:
    case OpKind::kExp:
    case OpKind::kErf:
    case OpKind::kSoftplus: return lut(n);
    case OpKind::kQuantizeLinear: return dq_q_pair(n);
    default:
      if (is_data_movement(n)) return data_movement(n);
      return Status::Ok();
  }
}

// ---- graph editing -------------------------------------------------------------------------------------
/// Re-creates recorded data-movement steps on codes with parameters `q`, starting from `cur`; the last step
/// writes `last_out`. A constant Pad pads with quantize(value) clamped to `clamp` (the zero point for 0).
Expected<Value*> Lowering::rebuild(const std::vector<Step>& steps, Value* cur, Value* last_out, const TensorQ& q,
                                   QRange clamp) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    std::vector<Value*> ins = s.ins;
    ins[0] = cur;
    if (s.kind == OpKind::kPad && s.attrs.get_string("mode", "constant") == "constant") {
      const float v = ins.size() > 2 && ins[2] ? ins[2]->const_value()->data<float>()[0] : 0.0f;
      const int32_t code = saturate(quantize_value(v, q.scale, q.zp, range_of(q.dtype)), clamp);
      Tensor pv = code_tensor(q.dtype, {code}, {});
      ins.resize(std::max<size_t>(ins.size(), 3));
      ins[2] = constant(s.name + "_pad_code", std::move(pv));
    }
    Value* out = i + 1 == steps.size() ? last_out : s.out;
    NPUKIT_ASSIGN_OR_RETURN(Node * nn, add(s.kind, s.name, ins, out, s.attrs, s.origin));
    cur = nn->output(0);
  }
  return cur;
}

/// Removes `op`, its data-movement tail, the absorbed clamp nodes and the QuantizeLinear of `o`, then adds
/// `kind` under op's name; the tail is re-created on the integer codes and the last node writes the
/// QuantizeLinear's output value. Type-checks each new node (interp::infer_node).
Expected<Node*> Lowering::replace(Node& op, const OutQ& o, OpKind kind, const std::vector<Value*>& ins, Attrs attrs) {
  const std::string name = op.name();
  std::vector<std::string> origin = op.origin();
  for (const Node* a : o.absorbed) append_origin(origin, op, *a);  // a fused Relu / Clip keeps its provenance
  Value* y = o.q->output(0);
  Value* mid = o.tail.empty() ? y : op.output(0);
  const std::vector<Step> tail = record(o.tail);
  kill(o.q);
  for (Node* a : o.absorbed) kill(a);
  for (auto it = o.tail.rbegin(); it != o.tail.rend(); ++it) kill(*it);
  kill(&op);
  NPUKIT_ASSIGN_OR_RETURN(Node * n, add(kind, name, ins, mid, std::move(attrs), origin));
  NPUKIT_RETURN_IF_ERROR(rebuild(tail, mid, y, o.p, o.range).status());
  return n;
}

Expected<Node*> Lowering::add(OpKind kind, const std::string& name, const std::vector<Value*>& ins, Value* y,
                              Attrs attrs, const std::vector<std::string>& origin) {
  NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(kind, name, attrs));
  NPUKIT_ASSIGN_OR_RETURN(Node * n, g_.add_node(kind, unique_name(name), ins, {y}, std::move(attrs)));
  n->origin() = origin;
  Status s = interp::infer_node(*n);
  if (!s.ok())
    return make_error(ErrorCode::kInternal, "lower_qdq: rewrite of '", name, "' does not type-check: ", s.to_string());
  ++stats_.created[ir::op_name(kind)];
  return n;
}

std::string Lowering::unique_name(const std::string& hint) {
  std::set<std::string> names;
  for (const Node* n : g_.nodes()) names.insert(n->name());
  std::string s = hint;
  for (int i = 1; names.count(s); ++i) s = hint + "_" + std::to_string(i);
  return s;
}

/// Replaces `op` by `kind` with y_dtype 6 (the int32 accumulator: bias added, no requantization) and a
/// per-channel DequantizeLinear (scale s_x * s_w[c], axis 1) that writes op's float output value, so the
/// matrix work of a final layer stays integer (docs/QUANTIZATION.md, "Integer graph").
Status Lowering::replace_with_accumulator(Node& op, OpKind kind, const std::vector<Value*>& ins, Attrs a, float s_x,
                                          const std::vector<float>& s_w, int64_t channels) {
  const std::string name = op.name();
  std::vector<std::string> origin = op.origin();
  Value* y = op.output(0);
  // A Relu that alone reads the result folds into the accumulator's clamp (the scales are positive).
  Node* relu = sole_user(y);
  if (relu && relu->op() == OpKind::kRelu && !y->is_graph_output() && read_as_float(relu->output(0))) {
    append_origin(origin, op, *relu);
    y = relu->output(0);
    kill(relu);
    a.set("y_min", int64_t{0});
  }
  kill(&op);
  a.set("y_dtype", int64_t{6});
  a.set("multiplier", std::vector<int64_t>{});
  a.set("shift", std::vector<int64_t>{});
  Value* acc = g_.add_unique_value(name + "_acc");
  NPUKIT_ASSIGN_OR_RETURN(Node * n, add(kind, name, ins, acc, std::move(a), origin));
  (void)n;
  std::vector<float> scales(static_cast<size_t>(channels));
  for (size_t c = 0; c < scales.size(); ++c) scales[c] = s_x * (s_w.size() == 1 ? s_w[0] : s_w[c]);
  Attrs da;
  da.set("axis", int64_t{1});
  NPUKIT_RETURN_IF_ERROR(add(OpKind::kDequantizeLinear, name + "_dequantize",
                             {acc, constant(name + "_acc_scale", Tensor::from_vector(scales, {channels})),
                              constant(name + "_acc_zero_point", Tensor(DType::kI32, {channels}))},
                             y, std::move(da), origin)
                             .status());
  return Status::Ok();
}

// ---- exact peephole: producer -> Requantize(identity multiplier, same zero point) -----------------------
/// Such a Requantize only narrows the clamp (M = 1 is encoded as {2^30, 1}, and requantize(v) = v exactly
/// then), so it merges into the producer's [y_min, y_max] without changing a single code.
Status Lowering::fold_identity_requantize() {
  const QuantizedMultiplier one = quantize_multiplier(1.0);
  for (Node* r : g_.nodes()) {
    if (r->op() != OpKind::kRequantize) continue;
    Value* in = r->input(0);
    Node* p = in->producer();
    if (!p || sole_user(in) != r || ir::is_default_domain_op(ir::op_info(p->op())) || p->op() == OpKind::kQLut)
      continue;
    const Attrs& ra = r->attrs();
    Attrs pa = p->attrs();
    if (ra.get_ints("multiplier") != std::vector<int64_t>{one.mult} ||
        ra.get_ints("shift") != std::vector<int64_t>{one.shift} ||
        ra.get_int("x_zero_point") != pa.get_int("y_zero_point") ||
        ra.get_int("y_zero_point") != pa.get_int("y_zero_point") || ra.get_int("y_dtype") != pa.get_int("y_dtype"))
      continue;
    pa.set("y_min", std::max(pa.get_int("y_min"), ra.get_int("y_min")));
    pa.set("y_max", std::min(pa.get_int("y_max"), ra.get_int("y_max")));
    if (pa.get_int("y_min") > pa.get_int("y_max")) continue;
    const OpKind kind = p->op();
    const std::string name = p->name();
    const std::vector<std::string> origin = p->origin();
    const std::vector<Value*> ins = p->inputs();
    Value* out = r->output(0);
    kill(r);
    kill(p);
    NPUKIT_RETURN_IF_ERROR(add(kind, name, ins, out, std::move(pa), origin).status());
    --stats_.created[ir::op_name(kind)];
    if (--stats_.created["Requantize"] == 0) stats_.created.erase("Requantize");
  }
  return Status::Ok();
}

// ---- exact peephole: QMul(x, QLut(x)) -> QLut(x) ---------------------------------------------------------------
/// x * f(x) (SiLU = x * sigmoid(x), Swish, GELU-like gates): both operands of the QMul are functions of the same
/// code c of x, so its result mul_quantized(c, T[c]) (or (T[c], c)) is itself a table of c. The composed table gives
/// every element the code the QLut + QMul pair computes, in one lookup instead of a lookup and a multiplication.
Status Lowering::fold_lut_mul() {
  for (Node* m : g_.nodes()) {
    if (m->op() != OpKind::kQMul || m->num_inputs() != 2) continue;
    for (int lut_side = 0; lut_side < 2; ++lut_side) {
      Value* lv = m->input(static_cast<size_t>(lut_side));
      Value* xv = m->input(static_cast<size_t>(1 - lut_side));
      Node* l = lv ? lv->producer() : nullptr;
      if (!l || !xv || l->op() != OpKind::kQLut || l->num_inputs() != 2 || l->input(0) != xv || sole_user(lv) != m)
        continue;
      const Tensor* table = l->input(1) ? l->input(1)->const_value() : nullptr;
      const DType xt = xv->dtype();
      const int64_t entries = xt == DType::kI16 ? 65536 : 256;
      if (!table || (xt != DType::kI8 && xt != DType::kU8 && xt != DType::kI16) || table->numel() != entries ||
          table->dtype() != lv->dtype())
        continue;
      auto p = qref::qmul_params(m->attrs());
      if (!p.ok()) continue;  // the reference reports it when the QMul runs
      const DType yt = qref::attr_output_dtype(m->attrs());
      if (yt != m->output(0)->dtype()) continue;
      const int32_t qmin = range_of(xt).qmin;
      std::vector<int32_t> composed(static_cast<size_t>(entries));
      for (int64_t i = 0; i < entries; ++i) {
        const int32_t c = qmin + static_cast<int32_t>(i);
        const int32_t t = static_cast<int32_t>(table->get_as_double(i));
        composed[static_cast<size_t>(i)] = lut_side == 1 ? mul_quantized(c, t, *p) : mul_quantized(t, c, *p);
      }
      const std::string name = m->name();
      std::vector<std::string> origin = m->origin();
      append_origin(origin, *m, *l);
      Value* out = m->output(0);
      Value* tv = constant(name + "_table", code_tensor(yt, composed, {entries}));
      kill(m);
      kill(l);
      NPUKIT_RETURN_IF_ERROR(add(OpKind::kQLut, name, {xv, tv}, out, Attrs{}, origin).status());
      // Counts of created nodes: add() counted the new QLut, the old one is gone, and so is the QMul (when lowering
      // created them: an integer graph given as input has them uncounted).
      for (const char* op : {"QLut", "QMul"}) {
        auto it = stats_.created.find(op);
        if (it != stats_.created.end() && --it->second <= 0) stats_.created.erase(it);
      }
      break;
    }
  }
  return Status::Ok();
}

}  // namespace lower_detail

Status lower_qdq_to_integer(ir::Graph& g, LowerQdqStats* stats) {
  LowerQdqStats local;
  return lower_detail::Lowering(g, stats ? *stats : local).run();
}

}  // namespace npukit::quant
