// SPDX-License-Identifier: Apache-2.0
// quant: pattern matching helpers of lower_qdq_to_integer (declared in quant/lower_qdq_internal.h): the
// parameters of Q / DQ nodes, the activation and constant inputs read through a DequantizeLinear, the
// QuantizeLinear that ends a pattern (find_output), and the attributes shared by the integer ops.
#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/lower_qdq_internal.h"

namespace npukit::quant::lower_detail {

namespace {

int64_t onnx_code(DType t) {
  return t == DType::kU8 ? 2 : t == DType::kI16 ? 5 : 3;
}

/// Node `u` reads `v` in its data slot 0 only.
bool reads_only_as_data(const Node& u, const Value* v) {
  if (u.input(0) != v) return false;
  for (size_t i = 1; i < u.num_inputs(); ++i)
    if (u.input(i) == v) return false;
  return true;
}

std::vector<int64_t> ints_of(const std::vector<QuantizedMultiplier>& m, bool mult) {
  std::vector<int64_t> v;
  for (const auto& q : m) v.push_back(mult ? q.mult : q.shift);
  return v;
}

}  // namespace

QRange range_of(DType t) {
  switch (t) {
    case DType::kI8: return kRangeI8;
    case DType::kU8: return kRangeU8;
    case DType::kI16: return kRangeI16;
    default: return kRangeI32;
  }
}

bool is_code_dtype(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

Tensor code_tensor(DType t, const std::vector<int32_t>& codes, Shape shape) {
  Tensor out(t, std::move(shape));
  for (size_t i = 0; i < codes.size(); ++i) {
    if (t == DType::kU8)
      out.data<uint8_t>()[i] = static_cast<uint8_t>(codes[i]);
    else if (t == DType::kI16)
      out.data<int16_t>()[i] = static_cast<int16_t>(codes[i]);
    else
      out.data<int8_t>()[i] = static_cast<int8_t>(codes[i]);
  }
  return out;
}

bool chain_runs_on(const std::vector<Node*>& chain, DType t) {
  if (t != DType::kI16) return true;
  for (const Node* n : chain)
    if (n->op() == OpKind::kMaxPool || n->op() == OpKind::kGlobalMaxPool) return false;
  return true;
}

std::optional<TensorQ> node_qparams(const Node& n) {
  const Value* s = n.input(1);
  if (!s || !s->is_constant() || s->dtype() != DType::kF32 || s->const_value()->numel() != 1) return std::nullopt;
  TensorQ q;
  q.scale = s->const_value()->data<float>()[0];
  if (!(q.scale > 0.0f) || !std::isfinite(q.scale)) return std::nullopt;
  const Value* z = n.input(2);
  if (z) {
    if (!z->is_constant() || z->const_value()->numel() != 1) return std::nullopt;
    q.zp = static_cast<int32_t>(z->const_value()->get_as_int64(0));
  }
  const Value* codes = n.op() == OpKind::kDequantizeLinear ? n.input(0) : n.output(0);
  if (!codes || !is_code_dtype(codes->dtype())) return std::nullopt;
  q.dtype = codes->dtype();
  return q;
}

bool same_q(const TensorQ& a, const TensorQ& b) {
  return a.scale == b.scale && a.zp == b.zp && a.dtype == b.dtype;
}

std::optional<ActIn> dq_activation(Value* v) {
  if (!v || !v->producer() || v->producer()->op() != OpKind::kDequantizeLinear) return std::nullopt;
  auto q = node_qparams(*v->producer());
  if (!q) return std::nullopt;
  return ActIn{v->producer()->input(0), *q};
}

std::optional<ConstIn> dq_constant(Value* v) {
  if (!v || !v->producer() || v->producer()->op() != OpKind::kDequantizeLinear) return std::nullopt;
  const Node& dq = *v->producer();
  Value* codes = dq.input(0);
  const Value* s = dq.input(1);
  const Value* z = dq.input(2);
  if (!codes || !codes->is_constant() || !s || !s->is_constant() || s->dtype() != DType::kF32) return std::nullopt;
  if (z && !z->is_constant()) return std::nullopt;
  ConstIn c;
  c.codes = codes;
  c.scales = s->const_value()->to_float_vector();
  for (float x : c.scales)
    if (!(x > 0.0f) || !std::isfinite(x)) return std::nullopt;
  c.zps.assign(c.scales.size(), 0);
  if (z) {
    if (z->const_value()->numel() != static_cast<int64_t>(c.scales.size())) return std::nullopt;
    for (size_t i = 0; i < c.zps.size(); ++i) c.zps[i] = static_cast<int32_t>(z->const_value()->get_as_int64(i));
  }
  if (c.scales.size() > 1) {
    int64_t axis = dq.attrs().get_int("axis");
    const int64_t rank = static_cast<int64_t>(codes->shape().size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return std::nullopt;
    c.axis = axis;
  }
  return c;
}

bool all_zero(const std::vector<int32_t>& v) {
  return std::all_of(v.begin(), v.end(), [](int32_t x) { return x == 0; });
}

Node* sole_user(Value* v) {
  if (!v || v->is_graph_output() || v->users().size() != 1) return nullptr;
  return v->users()[0];
}

void append_origin(std::vector<std::string>& origin, const Node& into, const Node& fused) {
  if (origin.empty()) origin.push_back(into.name());
  const std::vector<std::string> names =
      fused.origin().empty() ? std::vector<std::string>{fused.name()} : fused.origin();
  for (const std::string& o : names)
    if (std::find(origin.begin(), origin.end(), o) == origin.end()) origin.push_back(o);
}

std::optional<std::pair<float, float>> clamp_of(const Node& n) {
  const float inf = std::numeric_limits<float>::infinity();
  if (n.op() == OpKind::kRelu) return std::make_pair(0.0f, inf);
  if (n.op() != OpKind::kClip) return std::nullopt;
  float lo = -inf, hi = inf;
  for (size_t i = 1; i <= 2; ++i) {
    const Value* b = n.input(i);
    if (!b) continue;
    if (!b->is_constant() || b->dtype() != DType::kF32 || b->const_value()->numel() != 1) return std::nullopt;
    (i == 1 ? lo : hi) = b->const_value()->data<float>()[0];
  }
  if (std::isnan(lo) || std::isnan(hi)) return std::nullopt;
  return std::make_pair(lo, hi);
}

bool is_data_movement(const Node& n) {
  switch (n.op()) {
    case OpKind::kIdentity:
    case OpKind::kReshape:
    case OpKind::kFlatten:
    case OpKind::kTranspose:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kSlice:
    case OpKind::kGather:
    case OpKind::kExpand:
    case OpKind::kTile:
    case OpKind::kDepthToSpace:
    case OpKind::kSpaceToDepth:
    case OpKind::kPad: return n.num_outputs() == 1;
    case OpKind::kGlobalMaxPool:
    case OpKind::kDropout:
    case OpKind::kMaxPool: return n.num_outputs() == 1 || (n.num_outputs() == 2 && n.output(1) == nullptr);
    // Nearest-neighbour resize picks elements (the reference Resize runs it on codes).
    case OpKind::kResize:
      return n.num_outputs() == 1 && n.attrs().get_string("mode", "nearest") == "nearest" &&
             n.attrs().get_string("coordinate_transformation_mode", "half_pixel") != "tf_crop_and_resize";
    default: return false;
  }
}

std::optional<OutQ> find_output(Value* y, float lo, float hi) {
  OutQ o;
  Node* u = sole_user(y);
  while (u && is_data_movement(*u) && reads_only_as_data(*u, y)) {
    if (u->op() == OpKind::kPad && u->input(2) && !u->input(2)->is_constant()) return std::nullopt;
    o.tail.push_back(u);
    y = u->output(0);
    u = sole_user(y);
  }
  if (u && u->input(0) == y && (u->op() == OpKind::kRelu || u->op() == OpKind::kClip)) {
    auto c = clamp_of(*u);
    if (!c) return std::nullopt;
    lo = std::max(lo, c->first);
    hi = std::min(hi, c->second);
    o.absorbed.push_back(u);
    u = sole_user(u->output(0));
  }
  if (!u || u->op() != OpKind::kQuantizeLinear) return std::nullopt;
  auto p = node_qparams(*u);
  if (!p) return std::nullopt;
  if (!chain_runs_on(o.tail, p->dtype)) return std::nullopt;
  o.q = u;
  o.p = *p;
  o.range = fused_range(lo, hi, p->scale, p->zp, range_of(p->dtype));
  if (o.range.qmin > o.range.qmax) return std::nullopt;  // clamp outside the representable range
  return o;
}

void set_output_attrs(Attrs& a, const OutQ& o) {
  a.set("y_dtype", onnx_code(o.p.dtype));
  a.set("y_zero_point", int64_t{o.p.zp});
  a.set("y_min", int64_t{o.range.qmin});
  a.set("y_max", int64_t{o.range.qmax});
}

void set_multipliers(Attrs& a, const std::vector<QuantizedMultiplier>& m) {
  a.set("multiplier", ints_of(m, true));
  a.set("shift", ints_of(m, false));
}

std::vector<int64_t> explicit_pads(const Node& n, const Shape& x, const Shape& y, const std::vector<int64_t>& k,
                                   const std::vector<int64_t>& s, const std::vector<int64_t>& d) {
  const std::string auto_pad = n.attrs().get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> p = n.attrs().get_ints("pads");
    if (p.empty()) p.assign(4, 0);
    return p;
  }
  std::vector<int64_t> p(4, 0);
  if (auto_pad == "VALID") return p;
  for (size_t i = 0; i < 2; ++i) {
    const int64_t eff = (k[i] - 1) * d[i] + 1;
    const int64_t total = std::max<int64_t>(0, (y[i + 2] - 1) * s[i] + eff - x[i + 2]);
    const int64_t small = total / 2, big = total - small;
    p[i] = auto_pad == "SAME_LOWER" ? big : small;
    p[i + 2] = total - p[i];
  }
  return p;
}

std::vector<int64_t> ints_or(const Node& n, const char* name, std::vector<int64_t> def) {
  return n.attrs().has(name) ? n.attrs().get_ints(name) : def;
}

}  // namespace npukit::quant::lower_detail
