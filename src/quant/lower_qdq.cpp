// SPDX-License-Identifier: Apache-2.0
#include "quant/lower_qdq.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "quant/arith.h"

namespace npukit::quant {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

/// Per-tensor quantization parameters of an activation.
struct TensorQ {
  float scale = 1.0f;
  int32_t zp = 0;
  DType dtype = DType::kI8;
};

QRange range_of(DType t) {
  switch (t) {
    case DType::kI8: return kRangeI8;
    case DType::kU8: return kRangeU8;
    case DType::kI16: return kRangeI16;
    default: return kRangeI32;
  }
}

int64_t onnx_code(DType t) {
  return t == DType::kU8 ? 2 : t == DType::kI16 ? 5 : 3;
}

/// Activation code dtypes the integer ops take (int16: npukit's mixed-precision tensors).
bool is_code_dtype(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

/// A scalar / 1-D constant of codes of dtype `t` (i8, u8 or i16; the values are inside its range).
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

/// The reference MaxPool / GlobalMaxPool kernels take 8-bit codes only.
bool chain_runs_on(const std::vector<Node*>& chain, DType t) {
  if (t != DType::kI16) return true;
  for (const Node* n : chain)
    if (n->op() == OpKind::kMaxPool || n->op() == OpKind::kGlobalMaxPool) return false;
  return true;
}

/// Scale / zero point of a Q or DQ node when both are constant and per tensor (1 element).
/// `dtype` is the code dtype (DQ: its input; Q: its output).
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

/// An activation input read through a per-tensor DequantizeLinear: the codes value and its parameters.
struct ActIn {
  Value* codes = nullptr;
  TensorQ q;
};

std::optional<ActIn> dq_activation(Value* v) {
  if (!v || !v->producer() || v->producer()->op() != OpKind::kDequantizeLinear) return std::nullopt;
  auto q = node_qparams(*v->producer());
  if (!q) return std::nullopt;
  return ActIn{v->producer()->input(0), *q};
}

/// A constant read through a DequantizeLinear with per-tensor or per-axis parameters.
struct ConstIn {
  Value* codes = nullptr;
  std::vector<float> scales;
  std::vector<int32_t> zps;
  int64_t axis = -1;  ///< normalised axis; -1 for per tensor
};

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

/// Adds the provenance of `fused`, a node merged into `into`, to `origin` (into's provenance): each node counts
/// by its origin, or by its name when it has none; every name once.
void append_origin(std::vector<std::string>& origin, const Node& into, const Node& fused) {
  if (origin.empty()) origin.push_back(into.name());
  const std::vector<std::string> names =
      fused.origin().empty() ? std::vector<std::string>{fused.name()} : fused.origin();
  for (const std::string& o : names)
    if (std::find(origin.begin(), origin.end(), o) == origin.end()) origin.push_back(o);
}

/// Float clamp [lo, hi] of a Relu or Clip node with constant bounds; nullopt otherwise.
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

/// Ops that only move / select elements (MaxPool: picks the largest), so they run on codes unchanged and
/// commute with the monotone requantization.
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

/// The QuantizeLinear that ends a pattern: value y -> [data movement chain] -> [Relu | Clip] -> Q (each step the
/// only user of the previous value).
struct OutQ {
  Node* q = nullptr;
  TensorQ p;
  QRange range;                 ///< dtype range narrowed by the absorbed clamp
  std::vector<Node*> tail;      ///< data-movement ops between y and the clamp / Q: rebuilt on the output codes
  std::vector<Node*> absorbed;  ///< Relu / Clip nodes between the tail and q
};

/// Node `u` reads `v` in its data slot 0 only.
bool reads_only_as_data(const Node& u, const Value* v) {
  if (u.input(0) != v) return false;
  for (size_t i = 1; i < u.num_inputs(); ++i)
    if (u.input(i) == v) return false;
  return true;
}

std::optional<OutQ> find_output(Value* y, float lo = -std::numeric_limits<float>::infinity(),
                                float hi = std::numeric_limits<float>::infinity()) {
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

std::vector<int64_t> ints_of(const std::vector<QuantizedMultiplier>& m, bool mult) {
  std::vector<int64_t> v;
  for (const auto& q : m) v.push_back(mult ? q.mult : q.shift);
  return v;
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

/// Explicit [begin..., end...] pads of a 2-D window op from its attributes and resolved shapes.
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

class Lowering {
 public:
  Lowering(ir::Graph& g, LowerQdqStats& stats) : g_(g), stats_(stats) {}

  Status run() {
    const std::vector<Node*> snapshot = g_.nodes();
    for (Node* n : snapshot) {
      if (dead_.count(n)) continue;
      NPUKIT_RETURN_IF_ERROR(visit(*n));
    }
    g_.remove_dead_nodes();
    g_.remove_dead_values();
    NPUKIT_RETURN_IF_ERROR(g_.topo_sort());
    NPUKIT_RETURN_IF_ERROR(fold_identity_requantize());
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

 private:
  Status visit(Node& n) {
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
  void kill(Node* n) {
    dead_.insert(n);
    g_.remove_node(n);
  }

  /// Removes `op`, the absorbed clamp nodes and the QuantizeLinear of `o`, then adds `kind` under op's name
  /// writing the QuantizeLinear's output value. Type-checks the new node (interp::infer_node).
  /// A node recorded before removal, to be re-created on codes.
  struct Step {
    OpKind kind;
    std::string name;
    std::vector<std::string> origin;
    std::vector<Value*> ins;
    Value* out;
    Attrs attrs;
  };

  static std::vector<Step> record(const std::vector<Node*>& chain) {
    std::vector<Step> steps;
    for (Node* c : chain) steps.push_back({c->op(), c->name(), c->origin(), c->inputs(), c->output(0), c->attrs()});
    return steps;
  }

  /// Re-creates recorded data-movement steps on codes with parameters `q`, starting from `cur`; the last step
  /// writes `last_out`. A constant Pad pads with quantize(value) clamped to `clamp` (the zero point for 0).
  Expected<Value*> rebuild(const std::vector<Step>& steps, Value* cur, Value* last_out, const TensorQ& q,
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
  Expected<Node*> replace(Node& op, const OutQ& o, OpKind kind, const std::vector<Value*>& ins, Attrs attrs) {
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

  Expected<Node*> add(OpKind kind, const std::string& name, const std::vector<Value*>& ins, Value* y, Attrs attrs,
                      const std::vector<std::string>& origin) {
    NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(kind, name, attrs));
    NPUKIT_ASSIGN_OR_RETURN(Node * n, g_.add_node(kind, unique_name(name), ins, {y}, std::move(attrs)));
    n->origin() = origin;
    Status s = interp::infer_node(*n);
    if (!s.ok())
      return make_error(ErrorCode::kInternal, "lower_qdq: rewrite of '", name,
                        "' does not type-check: ", s.to_string());
    ++stats_.created[ir::op_name(kind)];
    return n;
  }

  std::string unique_name(const std::string& hint) {
    std::set<std::string> names;
    for (const Node* n : g_.nodes()) names.insert(n->name());
    std::string s = hint;
    for (int i = 1; names.count(s); ++i) s = hint + "_" + std::to_string(i);
    return s;
  }

  Value* constant(const std::string& hint, Tensor t) { return g_.add_constant(hint, std::move(t)); }

  /// True when no QuantizeLinear reads `y`: a conv / gemm whose float result is the model's output (or feeds
  /// float ops only).
  static bool read_as_float(const Value* y) {
    for (const Node* u : y->users())
      if (u->op() == OpKind::kQuantizeLinear) return false;
    return true;
  }

  /// Replaces `op` by `kind` with y_dtype 6 (the int32 accumulator: bias added, no requantization) and a
  /// per-channel DequantizeLinear (scale s_x * s_w[c], axis 1) that writes op's float output value, so the
  /// matrix work of a final layer stays integer (docs/QUANTIZATION.md, "Integer graph").
  Status replace_with_accumulator(Node& op, OpKind kind, const std::vector<Value*>& ins, Attrs a, float s_x,
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

  // ---- Conv / Gemm / MatMul -----------------------------------------------------------------------------
  /// Per-channel multipliers s_x * s_w[c] / s_y (quant/arith.h: computed in double from the f32 scales).
  static std::vector<QuantizedMultiplier> weight_multipliers(float s_x, const std::vector<float>& s_w, float s_y) {
    std::vector<QuantizedMultiplier> m;
    for (float sw : s_w)
      m.push_back(quantize_multiplier(static_cast<double>(s_x) * static_cast<double>(sw) / static_cast<double>(s_y)));
    return m;
  }

  /// Bias as int32 codes in units of s_x * s_w[c] (length n): a DQ(int32) bias whose scale already is that
  /// product keeps its codes; another scale is rescaled (round half even, in double); an f32 bias is quantized
  /// with quantize_bias. nullopt: not a usable bias.
  std::optional<Tensor> bias_codes(Value* b, float s_x, const std::vector<float>& s_w, int64_t n) {
    auto sw = [&](int64_t c) { return s_w[s_w.size() == 1 ? 0 : static_cast<size_t>(c)]; };
    Tensor out(DType::kI32, {n});
    if (b->is_constant()) {
      if (b->dtype() != DType::kF32 || b->const_value()->numel() != n) return std::nullopt;
      for (int64_t c = 0; c < n; ++c)
        out.data<int32_t>()[c] = quantize_bias(b->const_value()->data<float>()[c], s_x, sw(c));
      return out;
    }
    auto c = dq_constant(b);
    if (!c || c->codes->dtype() != DType::kI32 || c->codes->const_value()->numel() != n || !all_zero(c->zps))
      return std::nullopt;
    if (c->scales.size() != 1 && static_cast<int64_t>(c->scales.size()) != n) return std::nullopt;
    const Tensor& codes = *c->codes->const_value();
    for (int64_t i = 0; i < n; ++i) {
      const float sb = c->scales[c->scales.size() == 1 ? 0 : static_cast<size_t>(i)];
      const float expect = s_x * sw(i);  // the f32 product both quantizers use for the bias scale
      const int32_t q = codes.data<int32_t>()[i];
      if (sb == expect) {
        out.data<int32_t>()[i] = q;
      } else {
        const double v = static_cast<double>(q) * sb / (static_cast<double>(s_x) * sw(i));
        out.data<int32_t>()[i] = round_saturate(v, kRangeI32);
      }
    }
    return out;
  }

  /// Weight scales of a DQ(int8 const) with zero point 0, per tensor or along `axis`; empty if not usable.
  static std::vector<float> weight_scales(const ConstIn& w, int64_t axis) {
    if (w.codes->dtype() != DType::kI8 || !all_zero(w.zps)) return {};
    if (w.scales.size() == 1) return w.scales;
    if (w.axis != axis) return {};
    return w.scales;
  }

  Status conv(Node& n) {
    auto x = dq_activation(n.input(0));
    auto w = dq_constant(n.input(1));
    if (!x || !w || n.input(0)->shape().size() != 4 || w->codes->shape().size() != 4) return Status::Ok();
    const std::vector<float> s_w = weight_scales(*w, 0);
    if (s_w.empty()) return Status::Ok();
    auto o = find_output(n.output(0));
    if (!o && !read_as_float(n.output(0))) return Status::Ok();
    const Shape& ws = w->codes->shape();
    const int64_t cout = ws[0];
    std::optional<Tensor> bias;
    if (n.input(2)) {
      bias = bias_codes(n.input(2), x->q.scale, s_w, cout);
      if (!bias) return Status::Ok();
    }
    const std::vector<int64_t> k{ws[2], ws[3]};
    const std::vector<int64_t> strides = ints_or(n, "strides", {1, 1});
    const std::vector<int64_t> dil = ints_or(n, "dilations", {1, 1});
    if (strides.size() != 2 || dil.size() != 2) return Status::Ok();
    const std::vector<int64_t> pads = explicit_pads(n, n.input(0)->shape(), n.output(0)->shape(), k, strides, dil);
    if (pads.size() != 4) return Status::Ok();
    Attrs a;
    a.set("group", n.attrs().get_int("group"));
    a.set("strides", strides);
    a.set("dilations", dil);
    a.set("pads", pads);
    a.set("x_zero_point", int64_t{x->q.zp});
    std::vector<Value*> ins{x->codes, w->codes};
    if (bias) ins.push_back(constant(n.name() + "_bias_int32", std::move(*bias)));
    if (!o) return replace_with_accumulator(n, OpKind::kQConv, ins, std::move(a), x->q.scale, s_w, cout);
    set_multipliers(a, weight_multipliers(x->q.scale, s_w, o->p.scale));
    set_output_attrs(a, *o);
    return replace(n, *o, OpKind::kQConv, ins, std::move(a)).status();
  }

  Status gemm(Node& n) {
    auto x = dq_activation(n.input(0));
    auto w = dq_constant(n.input(1));
    if (!x || !w || n.input(0)->shape().size() != 2 || w->codes->shape().size() != 2) return Status::Ok();
    if (n.attrs().get_int("transA") != 0 || n.attrs().get_float("alpha") != 1.0f) return Status::Ok();
    const bool trans_b = n.attrs().get_int("transB") != 0;
    const std::vector<float> s_w = weight_scales(*w, trans_b ? 0 : 1);
    if (s_w.empty()) return Status::Ok();
    auto o = find_output(n.output(0));
    if (!o && !read_as_float(n.output(0))) return Status::Ok();
    const Shape& ws = w->codes->shape();
    const int64_t nn = trans_b ? ws[0] : ws[1], kk = trans_b ? ws[1] : ws[0];
    std::optional<Tensor> bias;
    if (n.input(2)) {
      const Shape& cs = n.input(2)->shape();
      if (n.attrs().get_float("beta") != 1.0f || !(cs == Shape{nn} || cs == Shape{1, nn})) return Status::Ok();
      bias = bias_codes(n.input(2), x->q.scale, s_w, nn);
      if (!bias) return Status::Ok();
    }
    Value* wv = w->codes;
    if (!trans_b) {
      // QGemm takes W as [N, K] (one row per output channel): transpose the constant once here.
      Tensor t(DType::kI8, {nn, kk});
      const int8_t* src = w->codes->const_value()->data<int8_t>();
      for (int64_t i = 0; i < kk; ++i)
        for (int64_t j = 0; j < nn; ++j) t.data<int8_t>()[j * kk + i] = src[i * nn + j];
      wv = constant(w->codes->name() + "_transposed", std::move(t));
    }
    Attrs a;
    a.set("a_zero_point", int64_t{x->q.zp});
    std::vector<Value*> ins{x->codes, wv};
    if (bias) ins.push_back(constant(n.name() + "_bias_int32", std::move(*bias)));
    if (!o) return replace_with_accumulator(n, OpKind::kQGemm, ins, std::move(a), x->q.scale, s_w, nn);
    set_multipliers(a, weight_multipliers(x->q.scale, s_w, o->p.scale));
    set_output_attrs(a, *o);
    return replace(n, *o, OpKind::kQGemm, ins, std::move(a)).status();
  }

  Status matmul(Node& n) {
    auto x = dq_activation(n.input(0));
    if (!x || !n.input(1)) return Status::Ok();
    const Shape& as = n.input(0)->shape();
    const Shape& bs = n.input(1)->shape();
    bool ok = as.size() >= 2 && (bs.size() == 2 || bs.size() == as.size());
    for (size_t i = 0; ok && bs.size() == as.size() && i + 2 < as.size(); ++i) ok = as[i] == bs[i];
    if (!ok) return Status::Ok();
    Value* b_codes = nullptr;
    int32_t b_zp = 0;
    std::vector<float> s_b;
    if (auto b = dq_activation(n.input(1))) {
      b_codes = b->codes;
      b_zp = b->q.zp;
      s_b = {b->q.scale};
    } else if (auto c = dq_constant(n.input(1))) {
      // Constant B: per tensor (any zero point), or per column N (int8, zero point 0).
      if (c->scales.size() == 1 && is_code_dtype(c->codes->dtype())) {
        b_zp = c->zps[0];
        s_b = c->scales;
      } else {
        s_b = weight_scales(*c, static_cast<int64_t>(bs.size()) - 1);
        if (s_b.empty()) return Status::Ok();
      }
      b_codes = c->codes;
    } else {
      return Status::Ok();
    }
    auto o = find_output(n.output(0));
    if (!o) return Status::Ok();
    Attrs a;
    a.set("a_zero_point", int64_t{x->q.zp});
    a.set("b_zero_point", int64_t{b_zp});
    set_multipliers(a, weight_multipliers(x->q.scale, s_b, o->p.scale));
    set_output_attrs(a, *o);
    return replace(n, *o, OpKind::kQMatMul, {x->codes, b_codes}, std::move(a)).status();
  }

  // ---- Add / Sub / Mul ----------------------------------------------------------------------------------
  /// An operand of an elementwise op: a DQ'd activation, or an f32 constant quantized here to int16 (scale
  /// max|c| / 32767) so that its own rounding stays far below one output step.
  std::optional<ActIn> operand(Value* v, const std::string& hint) {
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

  Status binary(Node& n) {
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
      const AddParams p =
          make_add_params(a->q.scale, a->q.zp, b->q.scale, b->q.zp, o->p.scale, o->p.zp, o->range, wide);
      at.set("left_shift", int64_t{p.left_shift});
      set_multipliers(at, {p.a_mult, p.b_mult, p.out_mult});
      kind = n.op() == OpKind::kAdd ? OpKind::kQAdd : OpKind::kQSub;
    }
    return replace(n, *o, kind, {a->codes, b->codes}, std::move(at)).status();
  }

  // ---- pooling / concat ---------------------------------------------------------------------------------
  static void set_rescale(Attrs& a, const TensorQ& in, const OutQ& o) {
    const bool rescale = in.scale != o.p.scale;
    a.set("rescale", int64_t{rescale ? 1 : 0});
    if (rescale) set_multipliers(a, {rescale_multiplier(in.scale, o.p.scale)});
  }

  Status avgpool(Node& n) {
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

  Status concat(Node& n) {
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
  Status clamp(Node& n) {
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

  Status lut(Node& n) {
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
      case OpKind::kSoftplus:
        fn = [](double v) { return std::log1p(std::exp(-std::fabs(v))) + std::max(v, 0.0); };
        break;
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
  Status dq_q_pair(Node& q) {
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
  Status data_movement(Node& first) {
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
    NPUKIT_ASSIGN_OR_RETURN(
        Value * cur, rebuild(steps, x->codes, need_requant ? steps.back().out : qout, x->q, range_of(x->q.dtype)));
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

  // ---- exact peephole: producer -> Requantize(identity multiplier, same zero point) -----------------------
  /// Such a Requantize only narrows the clamp (M = 1 is encoded as {2^30, 1}, and requantize(v) = v exactly
  /// then), so it merges into the producer's [y_min, y_max] without changing a single code.
  Status fold_identity_requantize() {
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

  ir::Graph& g_;
  LowerQdqStats& stats_;
  std::set<const Node*> dead_;
};

}  // namespace

Status lower_qdq_to_integer(ir::Graph& g, LowerQdqStats* stats) {
  LowerQdqStats local;
  return Lowering(g, stats ? *stats : local).run();
}

}  // namespace npukit::quant
