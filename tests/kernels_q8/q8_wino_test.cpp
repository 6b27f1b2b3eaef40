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
#include "q8_conv_case.h"
#include "q8_test_util.h"

namespace npukit {
namespace {

using q8test::expect_same_codes;

using q8test::ConvCase;
using q8test::run_case;

/// A 3x3 layer on the Winograd path's defaults: 8 -> 8 channels, pads 1.
struct WinoCase : ConvCase {
  WinoCase() {
    c = 8;
    cout = 8;
    pt = pl = pb = pr = 1;
  }
};

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
