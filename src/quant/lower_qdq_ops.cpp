// SPDX-License-Identifier: Apache-2.0
// quant: the lower_qdq_to_integer rewrites of the activation ops: Add / Sub / Mul -> QAdd / QSub / QMul,
// AveragePool / GlobalAveragePool -> QAveragePool / QGlobalAveragePool, Concat -> QConcat, Relu / Clip ->
// Requantize, smooth activations -> QLut, DQ -> Q pairs (removed or Requantize), and data movement on codes.
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "quant/lower_qdq_internal.h"

namespace npukit::quant::lower_detail {

// ---- Add / Sub / Mul ----------------------------------------------------------------------------------
/// An operand of an elementwise op: a DQ'd activation, or an f32 constant quantized here to int16 (scale
/// max|c| / 32767) so that its own rounding stays far below one output step.
std::optional<ActIn> Lowering::operand(Value* v, const std::string& hint) {
  if (auto a = dq_activation(v)) return a;
  if (!v || !v->is_constant() || v->dtype() != DType::kF32) return std::nullopt;
  const Tensor& t = *v->const_value();
  float m = 0.0f;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, std::fabs(t.data<float>()[i]));
  if (!std::isfinite(m)) return std::nullopt;
  ActIn r;
  r.q = TensorQ{symmetric_scale(m, 16), 0, DType::kI16};
  Tensor q(DType::kI16, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i)
    q.data<int16_t>()[i] = static_cast<int16_t>(quantize_value(t.data<float>()[i], r.q.scale, 0, kRangeI16));
  r.codes = constant(hint, std::move(q));
  return r;
}

Status Lowering::binary(Node& n) {
  // Check the cheap conditions first so that no constant is created for an unmatched node.
  if (!dq_activation(n.input(0)) && !dq_activation(n.input(1))) return Status::Ok();
  auto o = find_output(n.output(0));
  if (!o) return Status::Ok();
  auto a = operand(n.input(0), n.name() + "_a_int16");
  if (!a) return Status::Ok();
  auto b = operand(n.input(1), n.name() + "_b_int16");
  if (!b) return Status::Ok();
  Attrs at;
  at.set("a_zero_point", int64_t{a->q.zp});
  at.set("b_zero_point", int64_t{b->q.zp});
  set_output_attrs(at, *o);
  OpKind kind;
  if (n.op() == OpKind::kMul) {
    const MulParams p = make_mul_params(a->q.scale, a->q.zp, b->q.scale, b->q.zp, o->p.scale, o->p.zp, o->range);
    set_multipliers(at, {p.mult});
    kind = OpKind::kQMul;
  } else {
    const bool wide = a->q.dtype == DType::kI16 || b->q.dtype == DType::kI16;
    const AddParams p = make_add_params(a->q.scale, a->q.zp, b->q.scale, b->q.zp, o->p.scale, o->p.zp, o->range, wide);
    at.set("left_shift", int64_t{p.left_shift});
    set_multipliers(at, {p.a_mult, p.b_mult, p.out_mult});
    kind = n.op() == OpKind::kAdd ? OpKind::kQAdd : OpKind::kQSub;
  }
  return replace(n, *o, kind, {a->codes, b->codes}, std::move(at)).status();
}

// ---- pooling / concat ---------------------------------------------------------------------------------
void Lowering::set_rescale(Attrs& a, const TensorQ& in, const OutQ& o) {
  const bool rescale = in.scale != o.p.scale;
  a.set("rescale", int64_t{rescale ? 1 : 0});
  if (rescale) set_multipliers(a, {rescale_multiplier(in.scale, o.p.scale)});
}

Status Lowering::avgpool(Node& n) {
  auto x = dq_activation(n.input(0));
  if (!x || n.input(0)->shape().size() != 4) return Status::Ok();
  auto o = find_output(n.output(0));
  if (!o) return Status::Ok();
  Attrs a;
  a.set("x_zero_point", int64_t{x->q.zp});
  set_rescale(a, x->q, *o);
  set_output_attrs(a, *o);
  if (n.op() == OpKind::kGlobalAveragePool)
    return replace(n, *o, OpKind::kQGlobalAveragePool, {x->codes}, std::move(a)).status();
  const std::vector<int64_t> k = n.attrs().get_ints("kernel_shape");
  const std::vector<int64_t> s = ints_or(n, "strides", {1, 1});
  if (k.size() != 2 || s.size() != 2) return Status::Ok();
  const Shape& xs = n.input(0)->shape();
  const Shape& ys = n.output(0)->shape();
  const std::vector<int64_t> p = explicit_pads(n, xs, ys, k, s, {1, 1});
  // ceil_mode is fine when it does not change the output size; pads must be smaller than the kernel.
  for (size_t i = 0; i < 2; ++i) {
    if ((xs[i + 2] + p[i] + p[i + 2] - k[i]) / s[i] + 1 != ys[i + 2]) return Status::Ok();
    if (p[i] >= k[i] || p[i + 2] >= k[i]) return Status::Ok();
  }
  a.set("kernel_shape", k);
  a.set("strides", s);
  a.set("pads", p);
  a.set("count_include_pad", n.attrs().get_int("count_include_pad"));
  return replace(n, *o, OpKind::kQAveragePool, {x->codes}, std::move(a)).status();
}

Status Lowering::concat(Node& n) {
  std::vector<ActIn> xs;
  for (Value* v : n.inputs()) {
    auto x = dq_activation(v);
    if (!x) return Status::Ok();
    xs.push_back(*x);
  }
  auto o = find_output(n.output(0));
  if (!o) return Status::Ok();
  std::vector<int64_t> zps, rescale;
  std::vector<QuantizedMultiplier> m;
  std::vector<Value*> ins;
  for (const ActIn& x : xs) {
    const bool r = x.q.scale != o->p.scale;
    zps.push_back(x.q.zp);
    rescale.push_back(r ? 1 : 0);
    m.push_back(rescale_multiplier(x.q.scale, r ? o->p.scale : x.q.scale));
    ins.push_back(x.codes);
  }
  Attrs a;
  a.set("axis", n.attrs().get_int("axis"));
  a.set("x_zero_points", zps);
  a.set("rescale", rescale);
  set_multipliers(a, m);
  set_output_attrs(a, *o);
  return replace(n, *o, OpKind::kQConcat, ins, std::move(a)).status();
}

// ---- Relu / Clip, lookup tables -----------------------------------------------------------------------
Status Lowering::clamp(Node& n) {
  auto x = dq_activation(n.input(0));
  auto c = clamp_of(n);
  if (!x || !c) return Status::Ok();
  auto o = find_output(n.output(0), c->first, c->second);
  if (!o) return Status::Ok();
  Attrs a;
  a.set("x_zero_point", int64_t{x->q.zp});
  set_multipliers(a, {rescale_multiplier(x->q.scale, o->p.scale)});
  set_output_attrs(a, *o);
  return replace(n, *o, OpKind::kRequantize, {x->codes}, std::move(a)).status();
}

Status Lowering::lut(Node& n) {
  auto x = dq_activation(n.input(0));
  if (!x) return Status::Ok();
  auto o = find_output(n.output(0));
  if (!o) return Status::Ok();
  const Attrs& at = n.attrs();
  std::function<double(double)> fn;
  switch (n.op()) {
    case OpKind::kSigmoid: fn = act::sigmoid; break;
    case OpKind::kTanh: fn = act::tanh; break;
    case OpKind::kHardSwish: fn = act::hard_swish; break;
    case OpKind::kExp: fn = act::exp; break;
    case OpKind::kErf: fn = act::erf; break;
    case OpKind::kHardSigmoid: {
      const double alpha = at.get_float("alpha"), beta = at.get_float("beta");
      fn = [alpha, beta](double v) { return act::hard_sigmoid(v, alpha, beta); };
      break;
    }
    case OpKind::kLeakyRelu: {
      const double alpha = at.get_float("alpha");
      fn = [alpha](double v) { return v >= 0.0 ? v : alpha * v; };
      break;
    }
    case OpKind::kElu: {
      const double alpha = at.get_float("alpha");
      fn = [alpha](double v) { return v >= 0.0 ? v : alpha * (std::exp(v) - 1.0); };
      break;
    }
    case OpKind::kSoftplus: fn = [](double v) { return std::log1p(std::exp(-std::fabs(v))) + std::max(v, 0.0); }; break;
    default: return Status::Ok();
  }
  const QParams in{x->q.scale, x->q.zp, range_of(x->q.dtype)};
  const QParams out{o->p.scale, o->p.zp, o->range};
  // 256 entries for 8-bit inputs, 65536 for int16 inputs (docs/QUANTIZATION.md, section 6).
  const std::vector<int32_t> table =
      x->q.dtype == DType::kI16 ? build_lut_int16(fn, in, out) : build_lut_int8(fn, in, out);
  if (table.empty()) return Status::Ok();
  Value* tv = constant(n.name() + "_table", code_tensor(o->p.dtype, table, {int64_t(table.size())}));
  return replace(n, *o, OpKind::kQLut, {x->codes, tv}, Attrs{}).status();
}

// ---- DQ -> Q --------------------------------------------------------------------------------------------
Status Lowering::dq_q_pair(Node& q) {
  auto x = dq_activation(q.input(0));
  auto p = node_qparams(q);
  if (!x || !p) return Status::Ok();
  Value* y = q.output(0);
  if (same_q(x->q, *p)) {
    if (y->is_graph_output()) return Status::Ok();  // keep the interface name
    g_.replace_all_uses(y, x->codes);
    kill(&q);
    ++stats_.removed_pairs;
    return Status::Ok();
  }
  OutQ o;
  o.q = &q;
  o.p = *p;
  o.range = range_of(p->dtype);
  Attrs a;
  a.set("x_zero_point", int64_t{x->q.zp});
  set_multipliers(a, {rescale_multiplier(x->q.scale, p->scale)});
  set_output_attrs(a, o);
  const std::string name = q.name();
  const std::vector<std::string> origin = q.origin();
  kill(&q);
  return add(OpKind::kRequantize, name, {x->codes}, y, std::move(a), origin).status();
}

// ---- data movement on codes ---------------------------------------------------------------------------
/// DQ(x) -> dm_1 -> ... -> dm_k [-> Relu | Clip] -> Q: every dm op runs on the codes (they move elements or,
/// for MaxPool, pick the largest; both commute with the monotone requantization), followed by Requantize
/// when the Q parameters or the clamp differ from DQ's.
Status Lowering::data_movement(Node& first) {
  auto x = dq_activation(first.input(0));
  if (!x) return Status::Ok();
  std::vector<Node*> chain{&first};
  Value* y = first.output(0);
  for (;;) {
    Node* u = sole_user(y);
    if (!u || u->input(0) != y || !is_data_movement(*u)) break;
    for (size_t i = 1; i < u->num_inputs(); ++i)
      if (u->input(i) == y) return Status::Ok();
    chain.push_back(u);
    y = u->output(0);
  }
  auto o = find_output(y);
  if (!o || !chain_runs_on(chain, x->q.dtype)) return Status::Ok();
  for (Node* c : chain)
    if (c->op() == OpKind::kPad && c->input(2) && !c->input(2)->is_constant()) return Status::Ok();
  const bool need_requant = !same_q(x->q, o->p) || !(o->range == range_of(o->p.dtype));
  Value* qout = o->q->output(0);
  const std::vector<Step> steps = record(chain);
  kill(o->q);
  for (Node* a : o->absorbed) kill(a);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) kill(*it);
  // On the input codes the pad value is quantize(v) with the input parameters (no clamp: the Requantize
  // that follows applies it).
  NPUKIT_ASSIGN_OR_RETURN(Value * cur,
                          rebuild(steps, x->codes, need_requant ? steps.back().out : qout, x->q, range_of(x->q.dtype)));
  if (need_requant) {
    Attrs a;
    a.set("x_zero_point", int64_t{x->q.zp});
    set_multipliers(a, {rescale_multiplier(x->q.scale, o->p.scale)});
    set_output_attrs(a, *o);
    NPUKIT_RETURN_IF_ERROR(
        add(OpKind::kRequantize, steps.back().name + "/requantize", {cur}, qout, std::move(a), steps.back().origin)
            .status());
  }
  return Status::Ok();
}

}  // namespace npukit::quant::lower_detail
