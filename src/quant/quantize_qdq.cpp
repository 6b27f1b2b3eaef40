// SPDX-License-Identifier: Apache-2.0
#include "quant/quantize_qdq.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/log.h"
#include "quant/arith.h"

namespace npukit::quant {
namespace {

using ir::OpKind;

/// Input slots of `n` that carry activations worth quantizing (parameters such as Clip min/max are not).
std::vector<size_t> activation_slots(const ir::Node& n) {
  switch (n.op()) {
    case OpKind::kConv:
    case OpKind::kConvTranspose:
    case OpKind::kGemm: return {0, 1};  // input 1 only matters when the weight is a runtime tensor
    case OpKind::kMatMul:
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: return {0, 1};
    case OpKind::kConcat: {
      std::vector<size_t> s(n.num_inputs());
      for (size_t i = 0; i < s.size(); ++i) s[i] = i;
      return s;
    }
    // Data movement: quantized so that a chain "op → Relu → Flatten → Gemm" stays in codes end to end
    // (its output gets the same threshold, so the requantization in between is the identity).
    case OpKind::kFlatten:
    case OpKind::kReshape:
    case OpKind::kTranspose:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kSlice:
    case OpKind::kPad:
    case OpKind::kResize:
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool:
    case OpKind::kGlobalMaxPool:
    case OpKind::kRelu:
    case OpKind::kClip:
    case OpKind::kLeakyRelu:
    case OpKind::kSigmoid:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kTanh: return {0};
    default: return {};
  }
}

/// Ops whose integer kernel takes int16 inputs (the others are table-driven: an int16 table would have
/// 65536 entries, so the vendor — and npukit — fall back to int8 there).
bool accepts_int16(OpKind k) {
  switch (k) {
    case OpKind::kSigmoid:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kTanh:
    case OpKind::kLeakyRelu: return false;
    default: return true;
  }
}

constexpr int64_t kOnnxFloat = 1;     // TensorProto.FLOAT
constexpr int64_t kOnnxFloat16 = 10;  // TensorProto.FLOAT16

bool is_data_movement(OpKind k) {
  switch (k) {
    case OpKind::kFlatten:
    case OpKind::kReshape:
    case OpKind::kTranspose:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kSlice:
    case OpKind::kPad:
    case OpKind::kResize: return true;
    default: return false;
  }
}

bool is_weighted(OpKind k) {
  return k == OpKind::kConv || k == OpKind::kConvTranspose || k == OpKind::kGemm || k == OpKind::kMatMul;
}

/// Activation quantization parameters: symmetric int8 from the threshold (recomputed: the table may hold
/// 16-bit scales), or asymmetric uint8 over the observed range clipped to the threshold.
QParams activation_params(const CalibTensor& t, bool asymmetric, int bits = 8) {
  if (bits == 16) return QParams{symmetric_scale(static_cast<float>(t.threshold), 16), 0, kRangeI16};
  if (!asymmetric) return QParams{symmetric_scale(static_cast<float>(t.threshold), 8), 0, kRangeI8};
  const double lo = std::max(t.min, -t.threshold);
  const double hi = std::min(t.max, t.threshold);
  return asymmetric_u8_params(static_cast<float>(lo), static_cast<float>(hi));
}

/// True when `v` is a runtime f32 tensor with a calibration entry (i.e. it will get a Q/DQ pair if it feeds
/// a quantizable op).
const CalibTensor* calibrated_activation(const ir::Value* v, const CalibTable& table) {
  if (!v || v->is_constant() || v->dtype() != DType::kF32) return nullptr;
  return table.find(v->name());
}

class QdqBuilder {
 public:
  QdqBuilder(ir::Graph& g, const CalibTable& table, const QdqOptions& opt) : g_(g), table_(table), opt_(opt) {
    for (const ir::Node* n : g.nodes()) node_names_.insert(n->name());
  }

  Status run() {
    decide_int16_fallbacks();
    if (opt_.quantize_weights)
      for (ir::Node* n : g_.nodes())
        if (is_weighted(n->op()) && !opt_.float_nodes.count(n->name()) && !opt_.float16_nodes.count(n->name()))
          NPUKIT_RETURN_IF_ERROR(quantize_weight_and_bias(*n));
    // Snapshot: only values of the float graph are candidates.
    for (ir::Value* v : g_.values()) NPUKIT_RETURN_IF_ERROR(quantize_activation(v));
    for (ir::Node* n : g_.nodes())
      if (opt_.float16_nodes.count(n->name())) NPUKIT_RETURN_IF_ERROR(make_float16(*n));
    g_.remove_dead_values();
    NPUKIT_RETURN_IF_ERROR(g_.topo_sort());
    return g_.verify(true);
  }

 private:
  std::string unique_node_name(const std::string& hint) {
    std::string name = hint;
    for (int i = 1; node_names_.count(name); ++i) name = hint + "_" + std::to_string(i);
    node_names_.insert(name);
    return name;
  }

  Expected<ir::Node*> add_node(OpKind op, const std::string& hint, const std::vector<ir::Value*>& ins, ir::Value* out,
                               Attrs attrs, const std::vector<std::string>& origin) {
    const std::string name = unique_node_name(hint);
    NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(op, name, attrs));
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * n, g_.add_node(op, name, ins, {out}, std::move(attrs)));
    n->origin() = origin;
    return n;
  }

  /// DequantizeLinear of a constant integer tensor `q` with scales `scales` (1 value = per tensor).
  Expected<ir::Value*> add_const_dq(const std::string& base, Tensor q, const std::vector<float>& scales, int64_t axis,
                                    bool with_zero_point, const std::vector<std::string>& origin) {
    const Shape shape = q.shape();
    const bool per_tensor = scales.size() == 1;
    ir::Value* qv = g_.add_constant(base + "_quantized", std::move(q));
    ir::Value* sv =
        g_.add_constant(base + "_scale",
                        per_tensor ? Tensor::scalar(scales[0]) : Tensor::from_vector(scales, {int64_t(scales.size())}));
    std::vector<ir::Value*> ins{qv, sv};
    if (with_zero_point) {
      // Weights are int8 with zero point 0; int32 bias has no zero point (ONNX: absent means 0).
      Tensor zp = per_tensor ? Tensor(DType::kI8, {}) : Tensor(DType::kI8, {int64_t(scales.size())});
      ins.push_back(g_.add_constant(base + "_zero_point", std::move(zp)));
    }
    ir::Value* out = g_.add_unique_value(base + "_dequantized");
    out->set_type(DType::kF32, shape);
    Attrs a;
    a.set("axis", per_tensor ? int64_t{1} : axis);
    NPUKIT_RETURN_IF_ERROR(
        add_node(OpKind::kDequantizeLinear, base + "/DequantizeLinear", ins, out, std::move(a), origin).status());
    return out;
  }

  /// Output-channel axis of the weight of `n`, or -1 for per-tensor.
  int64_t weight_axis(const ir::Node& n, const Shape& w) const {
    if (!opt_.per_channel || w.empty()) return -1;
    switch (n.op()) {
      case OpKind::kConv: return 0;
      case OpKind::kConvTranspose:
        // Weight [C, M/group, ...]: axis 1 is the output channel only without groups.
        return n.attrs().get_int("group") == 1 && w.size() >= 2 ? 1 : -1;
      case OpKind::kGemm: return n.attrs().get_int("transB") != 0 ? 0 : 1;
      case OpKind::kMatMul: return w.size() == 2 ? 1 : -1;
      default: return -1;
    }
  }

  Status quantize_weight_and_bias(ir::Node& n) {
    ir::Value* w = n.input(1);
    if (!w || !w->is_constant() || w->dtype() != DType::kF32) return Status::Ok();
    const Tensor& wt = *w->const_value();
    const Shape& ws = wt.shape();
    const int64_t axis = weight_axis(n, ws);
    const int64_t channels = axis < 0 ? 1 : ws[axis];
    int64_t inner = 1;
    if (axis >= 0)
      for (size_t i = static_cast<size_t>(axis) + 1; i < ws.size(); ++i) inner *= ws[i];
    const float* wd = wt.data<float>();
    const int64_t numel = wt.numel();
    auto channel_of = [&](int64_t i) { return axis < 0 ? int64_t{0} : (i / inner) % channels; };

    std::vector<float> max_abs(static_cast<size_t>(channels), 0.0f);
    for (int64_t i = 0; i < numel; ++i) {
      float& m = max_abs[static_cast<size_t>(channel_of(i))];
      m = std::max(m, std::fabs(wd[i]));
    }
    std::vector<float> s_w(max_abs.size());
    for (size_t c = 0; c < s_w.size(); ++c) s_w[c] = symmetric_scale(max_abs[c], 8);
    if (auto it = opt_.fixed_weights.find(w->name()); it != opt_.fixed_weights.end()) {
      // The model's own scales: one for the tensor, or one per channel of the axis quantized here.
      const std::vector<float>& kept = it->second.scales;
      if (kept.size() == 1)
        std::fill(s_w.begin(), s_w.end(), kept[0]);
      else if (it->second.axis == axis && kept.size() == s_w.size())
        s_w = kept;
      else
        log::warn("quantize: the kept scales of '", w->name(), "' (", kept.size(), " along axis ", it->second.axis,
                  ") do not run along the axis npukit quantizes it on (", axis, "); using max|w| / 127");
    }
    Tensor q(DType::kI8, ws);
    for (int64_t i = 0; i < numel; ++i)
      q.data<int8_t>()[i] =
          static_cast<int8_t>(quantize_value(wd[i], s_w[static_cast<size_t>(channel_of(i))], 0, kRangeWeightI8));
    NPUKIT_ASSIGN_OR_RETURN(ir::Value * wdq,
                            add_const_dq(w->name(), std::move(q), s_w, axis < 0 ? 1 : axis, true, n.origin()));
    n.set_input(1, wdq);

    // Bias: needs the input scale, i.e. a quantized data input.
    const size_t bias_slot = 2;
    ir::Value* b = n.input(bias_slot);
    const CalibTensor* in = calibrated_activation(n.input(0), table_);
    if (!b || !in || !b->is_constant() || b->dtype() != DType::kF32 || n.op() == OpKind::kMatMul) return Status::Ok();
    const Tensor& bt = *b->const_value();
    const int64_t n_out = axis < 0 ? -1 : channels;
    // Only a bias laid out along the output channel can use s_in * s_w[c]: [N] (any op) or [1, N] (Gemm).
    int64_t bias_axis = 0;
    if (bt.shape().size() == 1) {
      bias_axis = 0;
    } else if (n.op() == OpKind::kGemm && bt.shape().size() == 2 && bt.shape()[0] == 1) {
      bias_axis = 1;
    } else {
      return Status::Ok();
    }
    if (n_out >= 0 && bt.shape()[static_cast<size_t>(bias_axis)] != n_out) return Status::Ok();
    // Gemm computes alpha * A B + beta * C: the int32 rule assumes both are 1.
    if (n.op() == OpKind::kGemm && (n.attrs().get_float("alpha") != 1.0f || n.attrs().get_float("beta") != 1.0f))
      return Status::Ok();
    const float s_in = params_of(*in, bits_of(n.input(0)->name())).scale;
    Tensor bq(DType::kI32, bt.shape());
    const int64_t bn = bt.numel();
    std::vector<float> s_b(n_out >= 0 ? static_cast<size_t>(n_out) : 1);
    for (size_t c = 0; c < s_b.size(); ++c) s_b[c] = s_in * s_w[c];
    for (int64_t i = 0; i < bn; ++i) {
      const size_t c = n_out >= 0 ? static_cast<size_t>(i) : 0;
      bq.data<int32_t>()[i] = quantize_bias(bt.data<float>()[i], s_in, s_w[c]);
    }
    NPUKIT_ASSIGN_OR_RETURN(ir::Value * bdq, add_const_dq(b->name(), std::move(bq), s_b, bias_axis, false, n.origin()));
    n.set_input(bias_slot, bdq);
    return Status::Ok();
  }

  /// True when `v` is the output of an op whose integer form requantizes its accumulator and every reader
  /// is a Relu / Clip with constant bounds: the activation is fused into that requantization (its range
  /// is the clamp of the output code), so `v` itself is never materialised as a code.
  static bool fused_into_activation(const ir::Value* v) {
    const ir::Node* p = v->producer();
    if (!p || v->is_graph_output() || v->users().empty()) return false;
    switch (p->op()) {
      case OpKind::kConv:
      case OpKind::kConvTranspose:
      case OpKind::kGemm:
      case OpKind::kMatMul:
      case OpKind::kAdd:
      case OpKind::kSub: break;
      default: return false;
    }
    for (const ir::Node* u : v->users()) {
      if (u->op() == OpKind::kRelu) continue;
      if (u->op() == OpKind::kClip && (!u->input(1) || u->input(1)->is_constant()) &&
          (!u->input(2) || u->input(2)->is_constant()))
        continue;
      return false;
    }
    return true;
  }

  Status quantize_activation(ir::Value* v) {
    const CalibTensor* entry = calibrated_activation(v, table_);
    if (!entry || !v->has_type()) return Status::Ok();
    if (fused_into_activation(v) && !opt_.int16_tensors.count(v->name())) return Status::Ok();
    // (consumer, slot) pairs to rewire.
    std::vector<std::pair<ir::Node*, size_t>> uses;
    std::vector<std::string> origin;
    for (ir::Node* u : v->users()) {
      if (u->owner() != &g_ || opt_.float_nodes.count(u->name()) || opt_.float16_nodes.count(u->name())) continue;
      bool used = false;
      std::vector<size_t> slots = activation_slots(*u);
      if (opt_.quantize_input_nodes.count(u->name())) slots.push_back(0);
      // A table-driven activation that produces a float model output (e.g. a detector's final Sigmoid) reads
      // its input unquantized: the layer before it keeps its high-precision result, as the output layer's
      // result would be, instead of an int8 code whose step is coarse where the curve is steep.
      if (!opt_.quantize_outputs && !accepts_int16(u->op()) && u->output(0) && u->output(0)->is_graph_output())
        continue;
      // A data-movement consumer is quantized only where its input is an integer tensor on the device
      // (produced by a quantized op): a float op's result (Softmax, ...) stays float through a Reshape.
      if (is_data_movement(u->op()) && (!integer_producer(v) || !integer_consumer(u->output(0)))) continue;
      for (size_t s : slots)
        if (u->input(s) == v && std::find(uses.begin(), uses.end(), std::make_pair(u, s)) == uses.end()) {
          uses.emplace_back(u, s);
          used = true;
        }
      if (used)
        for (const std::string& o : u->origin())
          if (std::find(origin.begin(), origin.end(), o) == origin.end()) origin.push_back(o);
    }
    const bool as_output = opt_.quantize_outputs && v->is_graph_output() && !v->is_graph_input() && v->producer();
    const bool forced = opt_.quantize_tensors.count(v->name()) != 0 && !v->is_graph_output();
    if (uses.empty() && !as_output && !forced) return Status::Ok();
    if (as_output)
      for (const std::string& o : v->producer()->origin())
        if (std::find(origin.begin(), origin.end(), o) == origin.end()) origin.push_back(o);
    const int bits = bits_of(v->name());

    const std::string base = v->name();
    ir::Value* dq_out = nullptr;
    if (as_output) {
      // Keep the interface name on the dequantized value; the float value gets a new name.
      std::string float_name = base + "_float";
      while (g_.lookup_value(float_name)) float_name += "_";
      NPUKIT_RETURN_IF_ERROR(g_.rename_value(v, float_name));
      NPUKIT_ASSIGN_OR_RETURN(dq_out, g_.add_value(base));
    } else {
      dq_out = g_.add_unique_value(base + "_dequantized");
    }
    const QParams qp = params_of(*entry, bits);
    const DType code = qp.range.qmin == kRangeI16.qmin  ? DType::kI16
                       : qp.range.qmin == kRangeU8.qmin ? DType::kU8
                                                        : DType::kI8;
    ir::Value* sv = g_.add_constant(base + "_scale", Tensor::scalar(qp.scale));
    Tensor zp(code, {});
    if (code == DType::kU8) zp.data<uint8_t>()[0] = static_cast<uint8_t>(qp.zero_point);
    ir::Value* zv = g_.add_constant(base + "_zero_point", std::move(zp));
    ir::Value* q = g_.add_unique_value(base + "_quantized");
    q->set_type(code, v->shape());
    dq_out->set_type(DType::kF32, v->shape());
    NPUKIT_RETURN_IF_ERROR(
        add_node(OpKind::kQuantizeLinear, base + "/QuantizeLinear", {v, sv, zv}, q, Attrs{}, origin).status());
    NPUKIT_RETURN_IF_ERROR(
        add_node(OpKind::kDequantizeLinear, base + "/DequantizeLinear", {q, sv, zv}, dq_out, Attrs{}, origin).status());
    for (auto& [u, s] : uses) u->set_input(s, dq_out);
    if (forced && uses.empty()) {
      // Every float consumer reads the fake-quantized value (the tensor is "int8 on the device").
      std::vector<std::pair<ir::Node*, size_t>> all;
      for (ir::Node* u : v->users())
        if (u->owner() == &g_ && u->op() != OpKind::kQuantizeLinear)
          for (size_t s = 0; s < u->num_inputs(); ++s)
            if (u->input(s) == v) all.emplace_back(u, s);
      for (auto& [u, s] : all) u->set_input(s, dq_out);
    }
    if (as_output) {
      std::vector<ir::Value*> outs = g_.outputs();
      for (ir::Value*& o : outs)
        if (o == v) o = dq_out;
      g_.set_outputs(outs);
    }
    return Status::Ok();
  }

  /// True when `v` is an integer tensor on the device: a graph input, or the output of a quantizable op
  /// (through data-movement ops).
  bool integer_producer(const ir::Value* v) const {
    for (int depth = 0; depth < 64; ++depth) {
      const ir::Node* p = v->producer();
      if (!p) return v->is_graph_input();
      if (opt_.float_nodes.count(p->name()) || opt_.float16_nodes.count(p->name())) return false;
      // Already rewritten upstream: a DequantizeLinear reads integer codes.
      if (p->op() == OpKind::kDequantizeLinear) return true;
      if (!is_data_movement(p->op())) return !activation_slots(*p).empty();
      v = p->input(0);
      if (!v) return false;
    }
    return false;
  }

  /// True when some reader of `v` (through data-movement ops) is a quantized op: only then is moving `v`
  /// as codes useful. A chain ending in a float op or a float model output (e.g. logits → Flatten →
  /// Softmax) keeps its precision instead of being rounded to int8 on the way.
  bool integer_consumer(const ir::Value* v, int depth = 0) const {
    if (!v || depth > 64) return false;
    for (const ir::Node* u : v->users()) {
      if (u->owner() != &g_ || opt_.float_nodes.count(u->name()) || opt_.float16_nodes.count(u->name())) continue;
      if (is_data_movement(u->op())) {
        if (integer_consumer(u->output(0), depth + 1)) return true;
        continue;
      }
      std::vector<size_t> slots = activation_slots(*u);
      if (opt_.quantize_input_nodes.count(u->name())) slots.push_back(0);
      for (size_t s : slots)
        if (u->input(s) == v) return true;
    }
    return opt_.quantize_outputs && v->is_graph_output();
  }

  /// int16 tensors read by a consumer without an int16 kernel fall back to int8 (decided before weights
  /// and biases are quantized, since a bias scale depends on its input's scale).
  void decide_int16_fallbacks() {
    for (const ir::Value* v : g_.values()) {
      if (!(opt_.activation_bits == 16 || opt_.int16_tensors.count(v->name()))) continue;
      for (const ir::Node* u : v->users()) {
        if (u->owner() != &g_ || accepts_int16(u->op())) continue;
        log::info("quantize: ", v->name(), ": int16 requested but consumer '", u->name(), "' (", u->op_type(),
                  ") has no int16 kernel; using int8");
        fallback_int8_.insert(v->name());
        break;
      }
    }
  }

  /// Quantization parameters of a calibrated activation: the kept ones, else from the table.
  QParams params_of(const CalibTensor& t, int bits) const {
    auto it = opt_.fixed_activations.find(t.name);
    if (it == opt_.fixed_activations.end()) return activation_params(t, opt_.asymmetric, bits);
    const QParams& f = it->second;
    const bool f16 = f.range.qmin == kRangeI16.qmin;
    if (f16 == (bits == 16)) return f;
    // The kept width is not the one used here (an int16 tensor whose consumer has no int16 kernel, or a
    // precision override): the same symmetric range at `bits`.
    const double t_abs =
        static_cast<double>(f.scale) * std::max(f.range.qmax - f.zero_point, f.zero_point - f.range.qmin);
    log::info("quantize: ", t.name, ": kept ", f16 ? 16 : 8, "-bit scale used at ", bits, " bits");
    return QParams{symmetric_scale(static_cast<float>(t_abs), bits), 0, bits == 16 ? kRangeI16 : kRangeI8};
  }

  /// Bits of an activation tensor (16 when requested; int8 fallbacks are decided per tensor above).
  int bits_of(const std::string& name) const {
    if (fallback_int8_.count(name)) return 8;
    return opt_.activation_bits == 16 || opt_.int16_tensors.count(name) ? 16 : 8;
  }

  /// Cast(to f16) → Cast(to f32) of `v`, named after it.
  Expected<ir::Value*> f16_round_trip(ir::Value* v, const std::vector<std::string>& origin) {
    ir::Value* h = g_.add_unique_value(v->name() + "_fp16");
    h->set_type(DType::kF16, v->shape());
    ir::Value* back = g_.add_unique_value(v->name() + "_fp16_f32");
    back->set_type(DType::kF32, v->shape());
    Attrs to16, to32;
    to16.set("to", kOnnxFloat16);
    to32.set("to", kOnnxFloat);
    NPUKIT_RETURN_IF_ERROR(add_node(OpKind::kCast, v->name() + "/CastToFloat16", {v}, h, to16, origin).status());
    NPUKIT_RETURN_IF_ERROR(add_node(OpKind::kCast, v->name() + "/CastToFloat32", {h}, back, to32, origin).status());
    return back;
  }

  /// float16 node: inputs, constant inputs and outputs rounded through fp16 (see QdqOptions::float16_nodes).
  Status make_float16(ir::Node& n) {
    for (size_t i = 0; i < n.num_inputs(); ++i) {
      ir::Value* v = n.input(i);
      if (!v || v->dtype() != DType::kF32) continue;
      if (v->is_constant()) {
        Tensor t = v->const_value()->clone();
        float* p = t.data<float>();
        for (int64_t k = 0; k < t.numel(); ++k) p[k] = f16_to_f32(f32_to_f16(p[k]));
        n.set_input(i, g_.add_constant(v->name() + "_fp16", std::move(t)));
        continue;
      }
      NPUKIT_ASSIGN_OR_RETURN(ir::Value * r, f16_round_trip(v, n.origin()));
      n.set_input(i, r);
    }
    for (ir::Value* out : n.outputs()) {
      if (!out || out->dtype() != DType::kF32) continue;
      // Readers (and the graph output) keep the name; the node writes "<name>_fp32" which is rounded.
      const std::string name = out->name();
      std::string raw = name + "_fp32";
      while (g_.lookup_value(raw)) raw += "_";
      std::vector<std::pair<ir::Node*, size_t>> readers;
      for (ir::Node* u : out->users())
        for (size_t s = 0; s < u->num_inputs(); ++s)
          if (u->input(s) == out) readers.emplace_back(u, s);
      const bool is_output = out->is_graph_output();
      NPUKIT_RETURN_IF_ERROR(g_.rename_value(out, raw));
      NPUKIT_ASSIGN_OR_RETURN(ir::Value * r, f16_round_trip(out, n.origin()));
      for (auto& [u, s] : readers) u->set_input(s, r);
      if (is_output) {
        std::vector<ir::Value*> outs = g_.outputs();
        for (ir::Value*& o : outs)
          if (o == out) o = r;
        g_.set_outputs(outs);
      }
      NPUKIT_RETURN_IF_ERROR(g_.rename_value(r, name));
    }
    return Status::Ok();
  }

  std::set<std::string> fallback_int8_;
  ir::Graph& g_;
  const CalibTable& table_;
  const QdqOptions& opt_;
  std::set<std::string> node_names_;
};

}  // namespace

Status quantize_to_qdq(ir::Graph& g, const CalibTable& table, const QdqOptions& opt) {
  if (opt.activation_bits != 8 && opt.activation_bits != 16)
    return make_error(ErrorCode::kInvalidArgument, "quantize_to_qdq: activation_bits must be 8 or 16, got ",
                      opt.activation_bits);
  return QdqBuilder(g, table, opt).run();
}

}  // namespace npukit::quant
