// SPDX-License-Identifier: Apache-2.0
// kernels/q8 Winograd F(2x2, 3x3) path (conv_wino.cpp): 3x3 stride-1 convolutions bit-exact against qref::qconv2d on
// every ISA tier this machine runs (1..3 threads), asserting that the packed layer takes the Winograd path: channel
// counts 8 / 13 / 64 / 127, odd and even output sizes (1x1 with pad 1 up to 56x56), symmetric and asymmetric pads,
// u8 / i8 inputs with non-zero zero points, full-range and post-ReLU inputs, per-tensor and per-channel multipliers,
// ReLU clamps, residual add, int16 / int32 outputs, batch 2, rows outside the fused requantization. Layers the path
// must not take (4 * K * 255 * max|w| > 2^31 - 1, strides, dilations, groups, small C) are checked to stay off it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "kernels/q8/q8_kernels.h"
#include "kernels/ref/qkernels.h"
#include "q8_test_util.h"

namespace npukit {
namespace {

using q8test::expect_same_codes;

struct WinoCase {
  int64_t n = 1, c = 8, h = 7, w = 9, cout = 8;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1, group = 1;
  int64_t pt = 1, pl = 1, pb = 1, pr = 1;
  DType in = DType::kU8;
  int32_t in_zp = 0;
  DType out = DType::kI8;
  int32_t out_zp = 0;
  bool relu = false, per_channel = true, bias = true, residual = false, wild_mults = false;
  DType res_dtype = DType::kI8;
  bool relu_in = false;  ///< int8 input codes in [-128, -1] (post-ReLU with zero point -128)
  int wmax = 127;        ///< weights in [-wmax, wmax]
  uint32_t seed = 1;

  std::string str() const {
    return str_cat("conv3x3 x[", n, ",", c, ",", h, ",", w, "] ", dtype_name(in), " zp ", in_zp, " cout ", cout,
                   " group ", group, " stride ", sh, "x", sw, " dil ", dh, "x", dw, " pads t", pt, " l", pl, " b", pb,
                   " r", pr, " out ", dtype_name(out), " zp ", out_zp, relu ? " relu" : "",
                   per_channel ? " per-channel" : " per-tensor", bias ? " bias" : "", residual ? " residual" : "",
                   wild_mults ? " wild-mults" : "", relu_in ? " input in [-128, -1]" : "", " |w| <= ", wmax, " seed ",
                   seed);
  }
};

/// Runs k on every tier and thread count 1..3 against the reference; `wino`: whether the packed layer must take the
/// Winograd path (on tiers that have a Winograd tile: every tier of this build).
void run_case(const WinoCase& k, bool wino) {
  std::mt19937 rng(k.seed);
  Tensor x = q8test::random_codes(k.in, {k.n, k.c, k.h, k.w}, rng);
  if (k.relu_in)
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<int8_t>()[i] = static_cast<int8_t>(-1 - (x.data<uint8_t>()[i] & 127));
  Tensor w = q8test::random_weights({k.cout, k.c / k.group, 3, 3}, rng);
  if (k.wmax != 127)
    for (int64_t i = 0; i < w.numel(); ++i)
      w.data<int8_t>()[i] = static_cast<int8_t>(std::clamp<int>(w.data<int8_t>()[i], -k.wmax, k.wmax));
  const int64_t kk = k.c / k.group * 9;
  const Tensor b = q8test::random_bias(k.cout, 3000 * static_cast<int32_t>(std::min<int64_t>(kk, 100)), rng);
  qref::QConv2dParams p = q8test::conv_geometry(k, k.group);
  p.out_mult = q8test::random_mults(k.per_channel ? k.cout : 1, kk, rng);
  p.output_zero_point = k.out_zp;
  p.output_dtype = k.out;
  p.out_range = qref::dtype_range(k.out);
  if (k.relu) p.out_range.qmin = k.out_zp;
  if (k.wild_mults && p.out_mult.size() > 4) {
    p.out_mult[1] = quant::quantize_multiplier(0.75);                  // >= 1/2
    p.out_mult[2] = {0, 0};                                            // zero multiplier
    p.out_mult[3] = quant::quantize_multiplier(std::ldexp(1.0, -40));  // 31 - shift > 63
  }
  Tensor res;
  if (k.residual) {
    const int64_t oh = (k.h + k.pt + k.pb - ((3 - 1) * k.dh + 1)) / k.sh + 1;
    const int64_t ow = (k.w + k.pl + k.pr - ((3 - 1) * k.dw + 1)) / k.sw + 1;
    res = q8test::random_codes(k.res_dtype, {k.n, k.cout, oh, ow}, rng);
    const int32_t rzp = k.res_dtype == DType::kU8 ? 131 : -7;
    p.residual_add = quant::make_add_params(
        0.05f, k.out_zp, 0.03f, rzp, 0.07f, k.out_zp + 3,
        k.relu ? quant::QRange{k.out_zp + 3, qref::dtype_range(k.out).qmax} : qref::dtype_range(k.out));
  }
  const Tensor* bias = k.bias ? &b : nullptr;
  const Tensor* resp = k.residual ? &res : nullptr;
  Tensor want;
  ASSERT_TRUE(qref::qconv2d(x, w, bias, p, &want, resp).ok()) << k.str();
  for (q8::Isa isa : q8test::tiers()) {
    auto pc = q8::PackedConv::create(w, bias, p, isa);
    ASSERT_TRUE(pc.ok()) << pc.status().to_string();
    ASSERT_EQ(pc->winograd(), wino) << k.str() << " tier " << q8::isa_name(isa);
    for (int threads = 1; threads <= 3; ++threads) {
      q8::Parallel par(threads);
      Tensor got;
      const Status s = q8::conv2d(*pc, x, &got, resp, &par);
      ASSERT_TRUE(s.ok()) << s.to_string() << " " << k.str();
      expect_same_codes(got, want,
                        str_cat(k.str(), " tier ", q8::isa_name(isa), " threads ", threads,
                                pc->winograd() ? " (winograd)" : " (not winograd)"));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

struct Geom {
  int64_t h, w, pt, pl, pb, pr;
};
// Odd and even output sizes, a 1x1 input with pad 1, no padding, asymmetric pads.
constexpr Geom kGeoms[] = {{1, 1, 1, 1, 1, 1}, {5, 7, 1, 1, 1, 1}, {14, 14, 1, 1, 1, 1}, {7, 7, 0, 0, 0, 0},
                           {7, 7, 1, 1, 1, 1}, {6, 9, 0, 2, 1, 0}, {9, 4, 2, 0, 0, 1},   {3, 3, 0, 0, 0, 0}};

void set_geom(WinoCase& k, const Geom& g) {
  k.h = g.h;
  k.w = g.w;
  k.pt = g.pt;
  k.pl = g.pl;
  k.pb = g.pb;
  k.pr = g.pr;
}

TEST(Q8Wino, ChannelCountsAndGeometries) {
  uint32_t seed = 1000;
  int gi = 0;
  for (int64_t c : {8, 13, 64, 127})
    for (int64_t co : {8, 13, 64, 127}) {
      WinoCase k;
      k.c = c;
      k.cout = co;
      set_geom(k, kGeoms[gi++ % std::size(kGeoms)]);
      k.seed = seed++;
      k.in = seed % 2 ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 117 : -23;
      k.per_channel = seed % 3 != 0;
      k.relu = seed % 4 == 0;
      run_case(k, true);
    }
  for (const Geom& g : kGeoms)
    for (int64_t c : {13, 64}) {
      WinoCase k;
      k.c = c;
      k.cout = c == 13 ? 8 : 127;
      set_geom(k, g);
      k.seed = seed++;
      k.in = seed % 2 ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 3 : 100;
      k.out = seed % 3 ? DType::kI8 : DType::kU8;
      k.out_zp = k.out == DType::kU8 ? 128 : -5;
      run_case(k, true);
    }
}

TEST(Q8Wino, LargePlanes) {
  // 56x56 (ResNet-18 stage 1 size, many tile rows per task and several tasks) and a wide odd plane.
  WinoCase k;
  k.c = 64;
  k.cout = 64;
  k.h = k.w = 56;
  k.in = DType::kI8;
  k.in_zp = -128;
  k.relu_in = true;  // post-ReLU input
  k.relu = true;
  k.out_zp = -128;
  k.seed = 1100;
  run_case(k, true);
  WinoCase o;
  o.c = 8;
  o.cout = 13;
  o.h = 31;
  o.w = 57;
  o.in = DType::kU8;
  o.in_zp = 255;
  o.per_channel = false;
  o.seed = 1101;
  run_case(o, true);
}

TEST(Q8Wino, InputsOutputsResidualBatch) {
  uint32_t seed = 1200;
  for (DType in : {DType::kU8, DType::kI8})
    for (bool relu_in : {false, true}) {
      if (relu_in && in != DType::kI8) continue;
      for (DType out : {DType::kI8, DType::kU8, DType::kI16, DType::kI32}) {
        WinoCase k;
        k.n = 2;
        k.c = 13;
        k.cout = 13;
        k.h = 9;
        k.w = 10;
        k.in = in;
        k.in_zp = in == DType::kU8 ? 201 : (relu_in ? -128 : -77);
        k.relu_in = relu_in;
        k.out = out;
        k.out_zp = out == DType::kU8 ? 128 : (out == DType::kI16 ? -1000 : (out == DType::kI32 ? 0 : 7));
        k.relu = seed % 2 == 0;
        k.per_channel = seed % 3 != 0;
        k.seed = seed++;
        run_case(k, true);
        if (out == DType::kI32) continue;  // int32 + residual is the reference's error
        k.residual = true;
        k.res_dtype = seed % 2 ? DType::kU8 : DType::kI8;
        k.bias = false;
        k.seed = seed++;
        run_case(k, true);
      }
    }
}

TEST(Q8Wino, RowsOutsideTheFusedRequantization) {
  // Per-channel multipliers >= 1/2, 0 and tiny mixed into blocks of fused rows; 8-bit outputs.
  uint32_t seed = 1300;
  for (DType out : {DType::kI8, DType::kU8}) {
    WinoCase k;
    k.c = 16;
    k.cout = 13;
    k.h = 8;
    k.w = 11;
    k.out = out;
    k.out_zp = out == DType::kU8 ? 128 : 0;
    k.wild_mults = true;
    k.seed = seed++;
    run_case(k, true);
  }
}

TEST(Q8Wino, AccumulatorBoundDecidesThePath) {
  // 4 * K * 255 * max|w| > 2^31 - 1 (K = 9 * 1900 with |w| = 127): the fast GEMM path, not Winograd.
  WinoCase big;
  big.c = 1900;
  big.cout = 8;
  big.h = 5;
  big.w = 4;
  big.in = DType::kI8;
  big.in_zp = -3;
  big.seed = 1400;
  run_case(big, false);
  // The same C with |w| <= 60: 4 * K * 255 * 60 < 2^31, Winograd (sums of up to 1900 channels).
  big.wmax = 60;
  big.seed = 1401;
  run_case(big, true);
}

TEST(Q8Wino, OtherLayersStayOff) {
  uint32_t seed = 1500;
  WinoCase k;
  k.c = 16;
  k.cout = 16;
  k.h = 9;
  k.w = 9;
  k.seed = seed++;
  WinoCase s2 = k;  // stride 2
  s2.sh = s2.sw = 2;
  run_case(s2, false);
  WinoCase d2 = k;  // dilation 2
  d2.dh = d2.dw = 2;
  d2.pt = d2.pl = d2.pb = d2.pr = 2;
  run_case(d2, false);
  WinoCase g2 = k;  // groups
  g2.group = 2;
  run_case(g2, false);
  WinoCase small_c = k;  // C < 8
  small_c.c = 7;
  run_case(small_c, false);
  WinoCase small_co = k;  // Cout < 8
  small_co.cout = 7;
  run_case(small_co, false);
  WinoCase edge = k;  // C = Cout = 8: the smallest layer on the path
  edge.c = edge.cout = 8;
  run_case(edge, true);
}

}  // namespace
}  // namespace npukit
