// SPDX-License-Identifier: Apache-2.0
// quant: the lower_qdq_to_integer rewrites of the matrix ops: DQ(x), DQ(W const) [, bias] -> Conv | Gemm | MatMul
// [-> Relu | Clip] -> Q becomes QConv | QGemm | QMatMul (per-channel multipliers, int32 bias codes); a final
// Conv / Gemm read as float keeps integer work with an int32 accumulator and a DequantizeLinear.
#include <optional>

#include "quant/lower_qdq_internal.h"

namespace npukit::quant::lower_detail {

// ---- Conv / Gemm / MatMul -----------------------------------------------------------------------------
/// Per-channel multipliers s_x * s_w[c] / s_y (quant/arith.h: computed in double from the f32 scales).
std::vector<QuantizedMultiplier> Lowering::weight_multipliers(float s_x, const std::vector<float>& s_w, float s_y) {
  std::vector<QuantizedMultiplier> m;
  for (float sw : s_w)
    m.push_back(quantize_multiplier(static_cast<double>(s_x) * static_cast<double>(sw) / static_cast<double>(s_y)));
  return m;
}

/// Bias as int32 codes in units of s_x * s_w[c] (length n): a DQ(int32) bias whose scale already is that
/// product keeps its codes; another scale is rescaled (round half even, in double); an f32 bias is quantized
/// with quantize_bias. nullopt: not a usable bias.
std::optional<Tensor> Lowering::bias_codes(Value* b, float s_x, const std::vector<float>& s_w, int64_t n) {
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
std::vector<float> Lowering::weight_scales(const ConstIn& w, int64_t axis) {
  if (w.codes->dtype() != DType::kI8 || !all_zero(w.zps)) return {};
  if (w.scales.size() == 1) return w.scales;
  if (w.axis != axis) return {};
  return w.scales;
}

Status Lowering::conv(Node& n) {
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

Status Lowering::gemm(Node& n) {
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

Status Lowering::matmul(Node& n) {
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

}  // namespace npukit::quant::lower_detail
