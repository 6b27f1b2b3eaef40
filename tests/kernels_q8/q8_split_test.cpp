// SPDX-License-Identifier: Apache-2.0
// The split 7-bit form of the q8 convolution (PackedConv::split7()): on AVX2, layers whose weights have few byte pairs
// that could saturate vpmaddubsw on full-range u8 panels run the 7-bit tile on clipped weights plus per-tile fixes.
// Every case asserts the form was (or was not) chosen and compares bit for bit with qref::qconv2d on every tier and
// 1..3 threads.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "q8_conv_case.h"

namespace npukit {
namespace {

using q8test::ConvCase;
using q8test::run_case;

ConvCase trained(int64_t c, int64_t hw, int64_t cout, int64_t k = 1) {
  ConvCase t;
  t.c = c;
  t.h = t.w = hw;
  t.cout = cout;
  t.kh = t.kw = k;
  t.in = DType::kI8;
  t.in_zp = -5;
  t.trained_w = true;
  return t;
}

TEST(Q8Split, PointwiseLayersOfTrainedShape) {
  // K = 192 on a 7x7 plane (3 whole panels and a partial one), K = 1152 (K-blocked tiles), K = 150 (K not a multiple
  // of 4), 13 output channels (a partial block of rows).
  for (const ConvCase& k : {trained(192, 7, 48), trained(1152, 14, 40), trained(150, 9, 13), trained(384, 5, 96)})
    run_case(k, false, true);
}

TEST(Q8Split, ShortKFixesInRegisters) {
  // K of at most 16 quads: the fused tile keeps its sums in registers and the fixes are added there (per-row loops).
  // 7x7 / 9x9 planes end in partial (half-width) panels; 20 output channels end in a partial block of rows.
  ConvCase u8 = trained(48, 9, 20);
  u8.in = DType::kU8;
  u8.in_zp = 77;
  for (const ConvCase& k : {trained(32, 7, 36), trained(64, 12, 40), u8}) run_case(k, false, true);
}

TEST(Q8Split, GeometryRequantizationAndOutputVariants) {
  std::vector<ConvCase> cases;
  ConvCase s2 = trained(32, 15, 24, 3);  // 3x3 stride 2 with padding: im2col panels, not Winograd
  s2.sh = s2.sw = 2;
  s2.pt = s2.pl = s2.pb = s2.pr = 1;
  cases.push_back(s2);
  ConvCase grouped = trained(256, 6, 64);  // two groups of 128
  grouped.group = 2;
  cases.push_back(grouped);
  ConvCase u8 = trained(160, 8, 20);  // u8 input, per-tensor multiplier, fused ReLU
  u8.in = DType::kU8;
  u8.in_zp = 131;
  u8.per_channel = false;
  u8.relu = true;
  cases.push_back(u8);
  // 16- and 32-bit outputs: the tiles' sums stored, then requantized; the 7x7 plane's last pixel by gemv (K >= 256).
  ConvCase wide = trained(320, 7, 12);
  wide.out = DType::kI16;
  cases.push_back(wide);
  wide.out = DType::kI32;
  cases.push_back(wide);
  ConvCase wild = trained(200, 6, 16);  // rows off the fused requantization inside blocks of rows on it
  wild.wild_mults = true;
  cases.push_back(wild);
  ConvCase res = trained(288, 7, 8);  // fused residual add (stored row by row), the tail pixel too
  res.residual = true;
  cases.push_back(res);
  ConvCase seven = trained(256, 7, 32);  // a 7-bit input window: the clipped weights and fixes serve it too
  seven.relu_in = true;
  seven.in_zp = -128;
  cases.push_back(seven);
  for (const ConvCase& k : cases) run_case(k, false, true);
}

/// The split blocks hold K in the order that needs the fewest fixes (conv_split7.cpp); the full-range panels must be
/// built in that order on every panel path, and the tail pixels' gemv (original weights) in the original one.
TEST(Q8Split, ReorderedKOnEveryPanelPath) {
  std::vector<ConvCase> cases;
  cases.push_back(trained(144, 12, 24));  // pointwise: contiguous panels (pack_quad)
  cases.push_back(trained(96, 7, 40));    // 7x7: row-crossing panels (runs) and a partial last panel
  cases.push_back(trained(320, 7, 16));   // the last pixel by gemv (K >= 256)
  cases.push_back(trained(1100, 5, 12));  // K-blocked tiles, K not a multiple of 4 (zero slots)
  ConvCase s2 = trained(40, 17, 20, 3);   // 3x3 stride 2, padded: stride-2 panels and gathers
  s2.sh = s2.sw = 2;
  s2.pt = s2.pl = s2.pb = s2.pr = 1;
  cases.push_back(s2);
  ConvCase pw2 = trained(96, 14, 32);  // 1x1 stride 2 (ResNet downsample)
  pw2.sh = pw2.sw = 2;
  cases.push_back(pw2);
  ConvCase grouped = trained(192, 6, 48);  // three groups share the order
  grouped.group = 3;
  cases.push_back(grouped);
  ConvCase dil = trained(6, 11, 16, 3);  // K = 54 on 3x3 taps with dilation 2 (not Winograd: C < 8)
  dil.dh = dil.dw = 2;
  cases.push_back(dil);
  for (const ConvCase& k : cases) {
    run_case(k, false, true);
    if (::testing::Test::HasFailure()) return;
  }
  // And the order really changed where it matters (the AVX2 tier).
  for (const ConvCase& k : cases) {
    std::mt19937 rng(k.seed);
    (void)q8test::random_codes(k.in, {k.n, k.c, k.h, k.w}, rng);
    const Tensor w = q8test::trained_weights({k.cout, k.c / k.group, k.kh, k.kw}, rng);
    if (q8::detect_isa() < q8::Isa::kAvx2) GTEST_SKIP() << "no AVX2 on this machine: the split form is AVX2's";
    qref::QConv2dParams p = q8test::conv_geometry(k, k.group);
    p.output_dtype = DType::kI32;
    p.out_range = qref::dtype_range(DType::kI32);
    auto pc = q8::PackedConv::create(w, nullptr, p, q8::Isa::kAvx2);
    ASSERT_TRUE(pc.ok());
    EXPECT_TRUE(pc->split7() && pc->reordered()) << k.str() << " fix ratio " << pc->fix_ratio();
  }
}

TEST(Q8Split, UniformWeightsStayOnTheInt16Tile) {
  // Uniform weights in [-127, 127]: about a quarter of the pairs would need a fix, far above the threshold.
  ConvCase k;
  k.c = 64;
  k.h = k.w = 8;
  k.cout = 16;
  k.kh = k.kw = 1;
  run_case(k, false, false);
}

/// Weights 0 except chosen pairs at the clipping boundary in every row and quad position: |w0| + |w1| = 128 (exact
/// without a fix), 129 and 255 (fixed), same and opposite signs, -128; inputs at the largest code, so the pair sums of
/// the 7-bit tile reach their bound (255 * 128 = 32640): one more and vpmaddubsw would saturate.
TEST(Q8Split, PairsAtTheSaturationBoundary) {
  const int pairs[][2] = {{127, 1},   {64, 64},   {65, 64},    {127, 127}, {-128, 0}, {-128, -1},
                          {-64, -65}, {-127, -2}, {127, -128}, {1, 127},   {100, 29}, {-29, -100}};
  // Rows 0 and 1 are dense with same-sign weights of magnitude >= 64 (no K order avoids their fixes; 64 + 64 = 128 is
  // the exact boundary); the others hold one boundary pair per 32 input channels, at a pair position that moves with
  // the row (the K order search may dissolve those).
  const int dense[2][8] = {{65, 64, 127, 100, 66, 64, 120, 127}, {-128, -64, -65, -127, -64, -100, -128, -66}};
  const int64_t cout = 32, c = 256;
  Tensor w(DType::kI8, {cout, c, 1, 1});
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < c; ++i) {
      const int64_t slot = (i / 2) % 16, pick = (o + i / 32) % 12;
      int v = 0;
      if (o < 2)
        v = dense[o][i % 8];
      else if (slot == o % 16)
        v = pairs[pick][i % 2];
      w.data<int8_t>()[o * c + i] = static_cast<int8_t>(v);
    }
  for (DType in : {DType::kU8, DType::kI8}) {
    Tensor x(in, {1, c, 5, 7});
    const uint8_t hi = in == DType::kU8 ? 255 : 127, lo = in == DType::kU8 ? 0 : 0x80;  // largest / smallest code
    // Pass 0: every code the largest but one (the input spans the whole range, so no 7-bit window: the full-range
    // panels); pass 1: largest and smallest codes alternating by pixel.
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = pass == 1 && i % 2 == 1 ? lo : hi;
      x.data<uint8_t>()[x.numel() - 1] = lo;
      for (DType out : {DType::kI32, DType::kI8}) {  // the sums themselves, then requantized (the fused tiles)
        ConvCase geo;
        geo.kh = geo.kw = 1;
        qref::QConv2dParams p = q8test::conv_geometry(geo, 1);
        p.input_zero_point = in == DType::kU8 ? 128 : 0;
        p.output_dtype = out;
        p.out_range = qref::dtype_range(out);
        if (out != DType::kI32) p.out_mult.assign(static_cast<size_t>(cout), quant::quantize_multiplier(1.0 / 4096));
        Tensor want;
        ASSERT_TRUE(qref::qconv2d(x, w, nullptr, p, &want).ok());
        for (q8::Isa isa : q8test::tiers()) {
          auto pc = q8::PackedConv::create(w, nullptr, p, isa);
          ASSERT_TRUE(pc.ok()) << pc.status().to_string();
          ASSERT_EQ(pc->split7(), isa == q8::Isa::kAvx2) << q8::isa_name(isa) << " fix ratio " << pc->fix_ratio();
          if (isa == q8::Isa::kAvx2) {
            EXPECT_GT(pc->fix_ratio(), 0.0);
          }
          Tensor got;
          ASSERT_TRUE(q8::conv2d(*pc, x, &got).ok());
          q8test::expect_same_codes(got, want,
                                    str_cat("boundary pairs, ", dtype_name(in), pass ? " min" : " max", " input, ",
                                            dtype_name(out), " output, tier ", q8::isa_name(isa)));
        }
      }
    }
  }
}

}  // namespace
}  // namespace npukit
