// SPDX-License-Identifier: Apache-2.0
// The q8 convolution test case (q8_conv_test.cpp, q8_wino_test.cpp): random codes, weights, bias and multipliers for
// one geometry, run on every ISA tier and 1..3 threads and compared bit for bit with qref::qconv2d.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kernels/q8/q8_kernels.h"
#include "kernels/q8/ukernels.h"
#include "kernels/ref/qkernels.h"
#include "q8_test_util.h"

namespace npukit::q8test {

struct ConvCase {
  int64_t n = 1, c = 3, h = 7, w = 9, cout = 5, kh = 3, kw = 3;
  int64_t group = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  DType in = DType::kU8;
  int32_t in_zp = 0;
  DType out = DType::kI8;
  int32_t out_zp = 0;
  bool relu = false, per_channel = true, bias = true, residual = false;
  bool wild_mults = false;  ///< some per-channel multipliers outside the fused requantization's range
  double mult_scale = 1.0;  ///< scales every multiplier (large values: rows on the general requantization)
  DType res_dtype = DType::kI8;
  /// int8 input codes in [-128, -1] (post-ReLU with zero point -128: a 7-bit window, the AVX2 vpmaddubsw tile)
  bool relu_in = false;
  int wmax = 127;  ///< weights in [-wmax, wmax]
  /// Weights shaped like a trained layer's (normal, each output channel scaled to max |w| = 127): few byte pairs can
  /// saturate vpmaddubsw, so AVX2 packs such layers in the split 7-bit form (PackedConv::split7()).
  bool trained_w = false;
  uint32_t seed = 1;

  std::string str() const {
    return str_cat("conv x[", n, ",", c, ",", h, ",", w, "] ", dtype_name(in), " zp ", in_zp, " w[", cout, ",",
                   c / group, ",", kh, ",", kw, "] group ", group, " stride ", sh, "x", sw, " dil ", dh, "x", dw,
                   " pads t", pt, " l", pl, " b", pb, " r", pr, " out ", dtype_name(out), " zp ", out_zp,
                   relu ? " relu" : "", per_channel ? " per-channel" : " per-tensor", bias ? " bias" : "",
                   residual ? " residual" : "", relu_in ? " input in [-128, -1]" : "", wild_mults ? " wild-mults" : "",
                   trained_w ? " trained-like w" : "", " |w| <= ", wmax, " seed ", seed);
  }
};

/// Normal weights, each output channel scaled to max |w| = 127 (ConvCase::trained_w).
inline Tensor trained_weights(Shape shape, std::mt19937& rng) {
  Tensor t(DType::kI8, shape);
  std::normal_distribution<double> d(0.0, 1.0);
  const int64_t per = t.numel() / shape[0];
  std::vector<double> v(static_cast<size_t>(per));
  for (int64_t o = 0; o < shape[0]; ++o) {
    double mx = 1e-9;
    for (double& e : v) mx = std::max(mx, std::abs(e = d(rng)));
    for (int64_t i = 0; i < per; ++i)
      t.data<int8_t>()[o * per + i] = static_cast<int8_t>(std::lround(v[static_cast<size_t>(i)] / mx * 127.0));
  }
  return t;
}

/// The residual add of a case with k.residual (scales of a typical ResNet block add, ReLU range with k.relu).
inline quant::AddParams residual_params(const ConvCase& k) {
  const int32_t rzp = k.res_dtype == DType::kU8 ? 131 : -7;
  return quant::make_add_params(
      0.05f, k.out_zp, 0.03f, rzp, 0.07f, k.out_zp + 3,
      k.relu ? quant::QRange{k.out_zp + 3, qref::dtype_range(k.out).qmax} : qref::dtype_range(k.out));
}

/// Runs k on every tier this machine has and 1..3 threads against qref::qconv2d; `winograd`, when given: whether
/// the packed layer must take the Winograd path (conv_wino.h); `split7`, when given: whether the AVX2 tier packs it
/// in the split 7-bit form (the other tiers never do).
inline void run_case(const ConvCase& k, std::optional<bool> winograd = std::nullopt,
                     std::optional<bool> split7 = std::nullopt) {
  std::mt19937 rng(k.seed);
  Tensor x = q8test::random_codes(k.in, {k.n, k.c, k.h, k.w}, rng);
  if (k.relu_in)
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<int8_t>()[i] = static_cast<int8_t>(-1 - (x.data<uint8_t>()[i] & 127));
  Tensor w = k.trained_w ? trained_weights({k.cout, k.c / k.group, k.kh, k.kw}, rng)
                         : q8test::random_weights({k.cout, k.c / k.group, k.kh, k.kw}, rng);
  if (k.wmax != 127)
    for (int64_t i = 0; i < w.numel(); ++i)
      w.data<int8_t>()[i] = static_cast<int8_t>(std::clamp<int>(w.data<int8_t>()[i], -k.wmax, k.wmax));
  const int64_t kk = k.c / k.group * k.kh * k.kw;
  const Tensor b = q8test::random_bias(k.cout, 3000 * static_cast<int32_t>(std::min<int64_t>(kk, 100)), rng);
  qref::QConv2dParams p = q8test::conv_geometry(k, k.group);
  p.out_mult = q8test::random_mults(k.per_channel ? k.cout : 1, kk, rng);
  p.output_zero_point = k.out_zp;
  p.output_dtype = k.out;
  p.out_range = qref::dtype_range(k.out);
  if (k.relu) p.out_range.qmin = k.out_zp;
  if (k.mult_scale != 1.0)
    for (auto& m : p.out_mult) m = quant::quantize_multiplier(quant::multiplier_value(m) * k.mult_scale);
  if (k.wild_mults && p.out_mult.size() > 4) {
    // Rows that do not meet the fused requantization's preconditions, mixed into blocks of rows that do.
    p.out_mult[1] = quant::quantize_multiplier(0.75);                  // >= 1/2 (shift 0)
    p.out_mult[2] = {0, 0};                                            // zero multiplier
    p.out_mult[3] = quant::quantize_multiplier(std::ldexp(1.0, -40));  // 31 - shift > 63
  }
  // An accumulator output takes no multipliers (as a lowered QConv with y_dtype INT32: ir/ops/qops.cpp).
  if (k.out == DType::kI32) p.out_mult.clear();
  Tensor res;
  if (k.residual) {
    const int64_t oh = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
    const int64_t ow = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
    res = q8test::random_codes(k.res_dtype, {k.n, k.cout, oh, ow}, rng);
    p.residual_add = residual_params(k);
  }
  const Tensor* bias = k.bias ? &b : nullptr;
  const Tensor* resp = k.residual ? &res : nullptr;
  Tensor want;
  ASSERT_TRUE(qref::qconv2d(x, w, bias, p, &want, resp).ok()) << k.str();
  for (q8::Isa isa : q8test::tiers()) {
    auto pc = q8::PackedConv::create(w, bias, p, isa);
    ASSERT_TRUE(pc.ok()) << pc.status().to_string();
    if (winograd) {  // (tiers without Winograd tiles, the VNNI ones, run every layer direct)
      ASSERT_EQ(pc->winograd(), *winograd && q8::detail::ukernels_for(isa)->wino_tile != nullptr)
          << k.str() << " tier " << q8::isa_name(isa);
    }
    if (split7) {
      ASSERT_EQ(pc->split7(), *split7 && isa == q8::Isa::kAvx2)
          << k.str() << " tier " << q8::isa_name(isa) << " fix ratio " << pc->fix_ratio();
    }
    for (int threads = 1; threads <= 3; ++threads) {
      q8::Parallel par(threads);
      Tensor got;
      const Status s = q8::conv2d(*pc, x, &got, resp, &par);
      ASSERT_TRUE(s.ok()) << s.to_string() << " " << k.str();
      expect_same_codes(got, want,
                        str_cat(k.str(), " tier ", q8::isa_name(isa), " threads ", threads,
                                pc->depthwise() ? " (depthwise kernel)" : "", pc->winograd() ? " (winograd)" : "",
                                pc->split7() ? " (split 7-bit)" : "", pc->fast() ? "" : " (reference)"));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace npukit::q8test
