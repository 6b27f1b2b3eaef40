// SPDX-License-Identifier: Apache-2.0
// kernels/q8 op kernels (q8_ops.h): pooling, QConcat / QLut / Requantize, QuantizeLinear / DequantizeLinear, data
// movement and the prepare contract, on awkward shapes, dtypes, zero points and clamps, compared BIT FOR BIT with the
// reference kernel the interpreter runs for the same node (interp::run_node), serially and with a thread pool;
// prepare_op must cover the cases it claims and decline the others. The binary ops: q8_ops_binary_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/q8/maxpool_impl.h"
#include "kernels/q8/ops_common.h"
#include "kernels_q8/q8_ops_test_util.h"

namespace npukit {
namespace {

using namespace q8_ops_test;  // NOLINT(google-build-using-namespace): the shared test helpers
using ir::OpKind;
using quant::QuantizedMultiplier;

// ---- pooling -----------------------------------------------------------------------------------------------

TEST(Q8Ops, QAveragePoolBitExact) {
  std::mt19937 rng(21);
  struct Case {
    Shape x;
    std::vector<int64_t> k, s, pads;
  };
  const std::vector<Case> cases = {
      {{1, 3, 9, 11}, {3, 3}, {2, 2}, {1, 0, 1, 2}}, {{2, 13, 7, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}},
      {{1, 1, 5, 5}, {5, 5}, {1, 1}, {0, 0, 0, 0}},  {{1, 5, 35, 35}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {{1, 2, 8, 13}, {3, 1}, {1, 3}, {2, 0, 1, 0}}, {{1, 1, 1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
  };
  int variant = 0;
  for (const Case& c : cases)
    for (DType xt : {DType::kU8, DType::kI8})
      for (int cip : {0, 1})
        for (int rescale : {0, 1}) {
          ++variant;
          const DType yt = variant % 3 == 0 ? DType::kI16 : (variant % 2 ? DType::kI8 : DType::kU8);
          Attrs a;
          a.set("kernel_shape", c.k);
          a.set("strides", c.s);
          a.set("pads", c.pads);
          a.set("count_include_pad", int64_t{cip});
          a.set("x_zero_point", int64_t{mid_zp(xt)});
          a.set("y_zero_point", int64_t{mid_zp(yt) + 2});
          a.set("y_dtype", onnx_dtype(yt));
          a.set("rescale", int64_t{rescale});
          if (rescale) set_mults(a, {quant::quantize_multiplier(yt == DType::kI16 ? 90.0 : 1.7)});
          if (variant % 4 == 0) a.set("y_max", int64_t{60});
          check(OpKind::kQAveragePool, a, {rt(codes(xt, c.x, rng))}, "variant " + std::to_string(variant));
        }
}

TEST(Q8Ops, QGlobalAveragePoolBitExact) {
  std::mt19937 rng(22);
  int variant = 0;
  // (2 x 200 planes of 15 codes: more planes per task than one call sums)
  for (const Shape& x :
       {Shape{1, 13, 7, 7}, Shape{2, 3, 1, 1}, Shape{1, 5, 13, 17}, Shape{1, 64, 56, 56}, Shape{2, 200, 3, 5}})
    for (DType xt : {DType::kU8, DType::kI8})
      for (int rescale : {0, 1}) {
        ++variant;
        const DType yt = variant % 3 == 0 ? DType::kI16 : (variant % 2 ? DType::kI8 : DType::kU8);
        Attrs a;
        a.set("x_zero_point", int64_t{mid_zp(xt)});
        a.set("y_zero_point", int64_t{mid_zp(yt)});
        a.set("y_dtype", onnx_dtype(yt));
        a.set("rescale", int64_t{rescale});
        if (rescale) set_mults(a, {quant::quantize_multiplier(yt == DType::kI16 ? 50.0 : 2.3)});
        check(OpKind::kQGlobalAveragePool, a, {rt(codes(xt, x, rng))}, "variant " + std::to_string(variant));
      }
}

/// Whether the top tier runs stride-2 max pools on the AVX-512 kernel (built, and the CPU has AVX-512 VBMI).
bool top_has_maxpool_s2() {
  q8::ops::MaxPoolGeom g;
  g.kw = 3, g.sw = 2;
  return q8::available_isas().back() >= q8::Isa::kAvx512Vnni && q8::ops::maxpool_s2_avx512_applies(g);
}

TEST(Q8Ops, MaxPoolBitExact) {
  std::mt19937 rng(23);
  struct Case {
    Shape x;
    std::vector<int64_t> k, s, d, pads;
    int64_t ceil = 0;
    std::string auto_pad = "NOTSET";
  };
  const std::vector<Case> cases = {
      {{1, 3, 17, 15}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{1, 2, 16, 16}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{2, 13, 9, 10}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 3, 10, 11}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 1},
      {{1, 3, 9, 12}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 0, "SAME_UPPER"},
      {{1, 3, 9, 12}, {4, 2}, {3, 1}, {1, 1}, {0, 0, 0, 0}, 0, "SAME_LOWER"},
      {{1, 3, 9, 12}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 0, "VALID"},
      {{1, 4, 13, 14}, {3, 2}, {1, 3}, {2, 3}, {2, 1, 0, 2}},
      {{1, 1, 1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 5, 7, 7}, {3, 3}, {3, 3}, {1, 1}, {2, 2, 2, 2}, 1},
      // Horizontal stride 2 over 2 or 3 columns (the AVX-512 kernel): ResNet's stem pool, SqueezeNet's ceil-mode
      // pools, rows of more than one 64-output block (ow 130, 65, 64, 63), odd widths, left pads 0-2, vertical
      // strides 1-3 and a dilated vertical window.
      {{1, 3, 112, 112}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{1, 3, 111, 111}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 1},
      {{1, 2, 5, 259}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{1, 2, 6, 130}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 2, 6, 129}, {3, 3}, {1, 2}, {1, 1}, {1, 0, 1, 0}, 1},
      {{1, 2, 7, 127}, {3, 3}, {3, 2}, {2, 1}, {2, 2, 2, 2}},
      {{2, 3, 4, 9}, {2, 3}, {2, 2}, {1, 1}, {0, 1, 1, 1}, 1},
  };
  int variant = 0;
  for (const Case& c : cases)
    for (DType xt : {DType::kU8, DType::kI8}) {
      ++variant;
      Attrs a;
      a.set("kernel_shape", c.k);
      a.set("strides", c.s);
      a.set("dilations", c.d);
      if (c.auto_pad == "NOTSET") a.set("pads", c.pads);
      a.set("ceil_mode", c.ceil);
      a.set("auto_pad", c.auto_pad);
      check(OpKind::kMaxPool, a, {rt(codes(xt, c.x, rng))}, "variant " + std::to_string(variant));
      // Mostly the lowest code (the padding value), a few others: windows at the edges whose only valid value is
      // the lowest, next to ones with a larger code.
      const uint8_t low = xt == DType::kI8 ? 0x80 : 0;
      check(OpKind::kMaxPool, a,
            {rt(byte_pattern(xt, c.x, [&](int64_t i) { return i % 29 == 3 ? uint8_t(low + 1 + i % 7) : low; }))},
            "variant " + std::to_string(variant) + " lowest codes");
      if (c.s[1] == 2 && c.d[1] == 1 && (c.k[1] == 2 || c.k[1] == 3) && top_has_maxpool_s2() &&
          !::testing::Test::HasFailure()) {
        EXPECT_EQ(last_kernels().back(), "maxpool_s2_avx512") << "variant " << variant;
      }
    }
  // The Indices output stays with the reference.
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("strides", std::vector<int64_t>{2, 2});
  check(OpKind::kMaxPool, a, {rt(codes(DType::kI8, {1, 2, 4, 4}, rng))}, "indices", false, 2);
  // f32 stays with the reference.
  check(OpKind::kMaxPool, a, {rt(codes(DType::kF32, {1, 2, 4, 4}, rng))}, "f32", false);
}

TEST(Q8Ops, GlobalMaxPoolBitExact) {
  std::mt19937 rng(24);
  for (const Shape& x : {Shape{1, 13, 5, 7}, Shape{2, 3, 11}, Shape{1, 1, 1, 1}, Shape{1, 3, 2, 3, 4}})
    for (DType xt : {DType::kU8, DType::kI8}) check(OpKind::kGlobalMaxPool, Attrs{}, {rt(codes(xt, x, rng))}, "");
}

// ---- QConcat / QLut / Requantize ---------------------------------------------------------------------------

TEST(Q8Ops, QConcatCopyAndRescaleBitExact) {
  std::mt19937 rng(31);
  struct Case {
    std::vector<Shape> xs;
    std::vector<DType> ts;
    int64_t axis;
    std::vector<int64_t> zps, rescale;
    DType yt;
    int64_t yzp;
    bool clamp = false;
  };
  const std::vector<Case> cases = {
      {{{1, 4, 3, 3}, {1, 5, 3, 3}}, {DType::kI8, DType::kI8}, 1, {-7, -7}, {0, 0}, DType::kI8, -7},  // memcpy
      {{{1, 4, 3, 3}, {1, 5, 3, 3}}, {DType::kI8, DType::kI8}, 1, {-7, 3}, {0, 0}, DType::kI8, -7},   // zp differs
      {{{2, 3, 5}, {2, 3, 2}, {2, 3, 1}},
       {DType::kU8, DType::kU8, DType::kU8},
       -1,
       {131, 0, 255},
       {0, 1, 1},
       DType::kU8,
       131},
      {{{3, 2}, {1, 2}}, {DType::kU8, DType::kI8}, 0, {128, 0}, {0, 1}, DType::kI8, 0},
      {{{1, 3, 2, 2}, {1, 1, 2, 2}}, {DType::kI8, DType::kU8}, 1, {5, 200}, {1, 0}, DType::kI16, -100},
      {{{1, 2, 7, 7}, {1, 3, 7, 7}}, {DType::kI8, DType::kI8}, 1, {0, 0}, {0, 0}, DType::kI8, 0, true},  // clamp
      {{{1, 2, 3, 3}, {1, 2, 4, 3}}, {DType::kU8, DType::kU8}, 2, {9, 9}, {0, 0}, DType::kU8, 9},
  };
  int variant = 0;
  for (const Case& c : cases) {
    ++variant;
    Attrs a;
    a.set("axis", c.axis);
    a.set("x_zero_points", c.zps);
    a.set("rescale", c.rescale);
    std::vector<QuantizedMultiplier> m;
    for (size_t i = 0; i < c.xs.size(); ++i)
      m.push_back(quant::quantize_multiplier(c.rescale[i] ? (c.yt == DType::kI16 ? 37.0 : 0.4 + 0.9 * i) : 1.0));
    set_mults(a, m);
    a.set("y_dtype", onnx_dtype(c.yt));
    a.set("y_zero_point", c.yzp);
    if (c.clamp) {
      a.set("y_min", int64_t{0});
      a.set("y_max", int64_t{90});
    }
    std::vector<In> ins;
    for (size_t i = 0; i < c.xs.size(); ++i) ins.push_back(rt(codes(c.ts[i], c.xs[i], rng)));
    check(OpKind::kQConcat, a, ins, "variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, QLutBitExact) {
  std::mt19937 rng(32);
  const DType pairs[][2] = {{DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8},
                            {DType::kI8, DType::kI16},
                            {DType::kU8, DType::kI8},
                            {DType::kI16, DType::kI8}};
  for (const auto& p : pairs) {
    const int64_t n = p[0] == DType::kI16 ? 65536 : 256;
    check(OpKind::kQLut, Attrs{}, {rt(codes(p[0], {1, 3, 7, 5}, rng)), cst(codes(p[1], {n}, rng))}, "");
  }
  // A runtime (non-constant) table stays with the reference.
  check(OpKind::kQLut, Attrs{}, {rt(codes(DType::kI8, {4}, rng)), rt(codes(DType::kI8, {256}, rng))}, "rt table",
        false);
}

TEST(Q8Ops, QLutEveryCodeAwkwardSizesBitExact) {
  // Every input code at every position of the vector steps (the pattern shifts by one code per element), sizes
  // around the 16 / 32 / 64-byte steps and tails; on the AVX2 tiers the vector lookup must be chosen (the VBMI one on
  // the AVX-512 VNNI tier of a CPU with VBMI).
  std::mt19937 rng(34);
  const bool lut512 = q8::available_isas().back() >= q8::Isa::kAvx512Vnni && q8::ops::have_lut8_row_avx512();
  for (DType xt : {DType::kI8, DType::kU8})
    for (DType tt : {DType::kI8, DType::kU8})
      for (int64_t n : {1, 3, 13, 31, 32, 33, 64, 127, 256, 1001, 4099}) {
        const Tensor table = codes(tt, {256}, rng);
        check(OpKind::kQLut, Attrs{}, {rt(byte_pattern(xt, {1, n}, [](int64_t i) { return i * 5 + 3; })), cst(table)},
              "n " + std::to_string(n));
        if (q8::available_isas().back() >= q8::Isa::kAvx2 && !::testing::Test::HasFailure()) {
          EXPECT_EQ(last_kernels().back(), lut512 ? "lut_avx512" : "lut_avx2") << n;
        }
        check(OpKind::kQLut, Attrs{}, {rt(byte_pattern(xt, {2, 3, 256}, [](int64_t i) { return i; })), cst(table)},
              "all codes");
      }
}

TEST(Q8Ops, RequantizeEveryCodeBitExact) {
  std::mt19937 rng(35);
  std::uniform_real_distribution<double> lm(-8.0, 8.0);
  int variant = 0;
  for (DType xt : {DType::kI8, DType::kU8})
    for (DType yt : {DType::kI8, DType::kU8})
      for (int rep = 0; rep < 4; ++rep) {
        ++variant;
        Attrs a;
        a.set("x_zero_point", int64_t{mid_zp(xt) + rep});
        a.set("y_zero_point", int64_t{mid_zp(yt) - rep});
        a.set("y_dtype", onnx_dtype(yt));
        set_mults(a, {quant::quantize_multiplier(std::exp2(lm(rng)))});
        if (rep == 1) a.set("y_max", int64_t{mid_zp(yt) + 40});
        check(OpKind::kRequantize, a, {rt(byte_pattern(xt, {1, 3, 1000 + 2 * rep + 1}, [](int64_t i) { return i; }))},
              "variant " + std::to_string(variant));
      }
}

TEST(Q8Ops, RequantizeBitExact) {
  std::mt19937 rng(33);
  const DType pairs[][2] = {{DType::kU8, DType::kI8},
                            {DType::kI8, DType::kI16},
                            {DType::kI16, DType::kI8},
                            {DType::kI8, DType::kU8},
                            {DType::kU8, DType::kU8}};
  int variant = 0;
  for (const auto& p : pairs) {
    ++variant;
    Attrs a;
    a.set("x_zero_point", int64_t{mid_zp(p[0])});
    a.set("y_zero_point", int64_t{mid_zp(p[1])});
    a.set("y_dtype", onnx_dtype(p[1]));
    const double m = p[1] == DType::kI16 ? 200.0 : (p[0] == DType::kI16 ? 0.004 : 0.8 + 0.3 * variant);
    set_mults(a, {quant::quantize_multiplier(m)});
    if (variant % 2) a.set("y_min", int64_t{mid_zp(p[1])});
    check(OpKind::kRequantize, a, {rt(codes(p[0], {2, 5, 3, 7}, rng))}, "variant " + std::to_string(variant));
  }
}

// ---- QuantizeLinear / DequantizeLinear ---------------------------------------------------------------------

TEST(Q8Ops, QuantizeLinearSpecialValuesBitExact) {
  std::mt19937 rng(41);
  std::vector<float> v = {0.0f,
                          -0.0f,
                          std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          1e30f,
                          -1e30f,
                          3e9f,
                          -3e9f,
                          8388607.5f,
                          16777215.0f,
                          std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::max()};
  // Exact halves of the scale (ties), near-ties and a random spread.
  for (int k = -300; k <= 300; ++k) {
    v.push_back(0.25f * (static_cast<float>(k) + 0.5f));
    v.push_back(std::nextafter(0.25f * (static_cast<float>(k) + 0.5f), 1e9f));
  }
  std::uniform_real_distribution<float> d(-80.0f, 80.0f);
  for (int i = 0; i < 3001; ++i) v.push_back(d(rng));
  const Tensor x = Tensor::from_vector<float>(v, Shape{static_cast<int64_t>(v.size())});
  for (float scale : {0.25f, 0.37f, 1e-3f})
    for (DType qt : {DType::kI8, DType::kU8, DType::kI16}) {
      Tensor zp(qt, {});
      if (qt == DType::kU8) zp.data<uint8_t>()[0] = 131;
      if (qt == DType::kI8) zp.data<int8_t>()[0] = -9;
      if (qt == DType::kI16) zp.data<int16_t>()[0] = 77;
      check(OpKind::kQuantizeLinear, Attrs{},
            {rt(x), cst(Tensor::from_vector<float>({scale}, Shape{})), cst(std::move(zp))},
            "scale " + std::to_string(scale));
    }
  // No zero point: u8 with zero point 0.
  check(OpKind::kQuantizeLinear, Attrs{}, {rt(x), cst(Tensor::from_vector<float>({0.5f}, Shape{}))}, "no zp");
  // A runtime scale stays with the reference.
  check(OpKind::kQuantizeLinear, Attrs{}, {rt(x), rt(Tensor::from_vector<float>({0.5f}, Shape{}))}, "rt scale", false);
}

TEST(Q8Ops, QuantizeLinearAwkwardSizesAndExtremesBitExact) {
  // Special values scattered through rows of awkward lengths (vector blocks and scalar tails), zero points at the
  // ends of the code range and scales that make every quotient overflow or vanish; on the AVX2 tiers the vector
  // row must be the kernel.
  std::mt19937 rng(43);
  const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                           -std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::max(),
                           -std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::denorm_min(),
                           -0.0f,
                           2.5f,
                           -2.5f,
                           3.5f,
                           127.5f,
                           -128.5f,
                           255.5f,
                           32767.5f,
                           -32768.5f,
                           1e10f};
  std::uniform_real_distribution<float> d(-300.0f, 300.0f);
  std::uniform_int_distribution<int> pick(0, 3), which(0, static_cast<int>(std::size(special)) - 1);
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  for (int64_t n : {1, 3, 13, 31, 32, 33, 127, 1001}) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& f : v) f = pick(rng) == 0 ? special[which(rng)] : std::round(d(rng) * 2.0f) * 0.5f;
    const Tensor x = Tensor::from_vector<float>(v, Shape{1, n});
    for (float scale : {1.0f, 0.5f, 1e-30f, 1e30f, std::numeric_limits<float>::denorm_min()}) {
      for (DType qt : {DType::kI8, DType::kU8, DType::kI16}) {
        for (int end = 0; end < 2; ++end) {
          const quant::QRange r = qref::dtype_range(qt);
          Tensor zp(qt, {});
          const int32_t z = end ? r.qmax : r.qmin;
          if (qt == DType::kU8) zp.data<uint8_t>()[0] = static_cast<uint8_t>(z);
          if (qt == DType::kI8) zp.data<int8_t>()[0] = static_cast<int8_t>(z);
          if (qt == DType::kI16) zp.data<int16_t>()[0] = static_cast<int16_t>(z);
          const std::string note = "n " + std::to_string(n) + " scale " + std::to_string(scale) + " zp " +
                                   std::to_string(z) + " " + dtype_name(qt);
          check(OpKind::kQuantizeLinear, Attrs{},
                {rt(x), cst(Tensor::from_vector<float>({scale}, Shape{})), cst(std::move(zp))}, note);
          if (avx2 && !::testing::Test::HasFailure()) {
            EXPECT_EQ(last_kernels().back(), "quantize_f32_avx2") << note;
          }
        }
      }
    }
  }
}

TEST(Q8Ops, DequantizeLinearBitExact) {
  std::mt19937 rng(42);
  for (DType qt : {DType::kI8, DType::kU8}) {
    Tensor zp(qt, {});
    if (qt == DType::kU8) zp.data<uint8_t>()[0] = 250;
    if (qt == DType::kI8) zp.data<int8_t>()[0] = -128;
    check(OpKind::kDequantizeLinear, Attrs{},
          {rt(codes(qt, {1, 3, 5, 7}, rng)), cst(Tensor::from_vector<float>({0.0371f}, Shape{})), cst(std::move(zp))},
          "");
    check(OpKind::kDequantizeLinear, Attrs{},
          {rt(codes(qt, {1, 3, 5, 7}, rng)), cst(Tensor::from_vector<float>({3.3e-5f}, Shape{}))}, "no zp");
  }
}

// ---- data movement -----------------------------------------------------------------------------------------

TEST(Q8Ops, ReshapeFamilyCopies) {
  std::mt19937 rng(51);
  for (DType t : {DType::kI8, DType::kF32, DType::kI64}) {
    const Tensor x = codes(t, {2, 3, 1, 5}, rng);
    check(OpKind::kReshape, Attrs{}, {rt(x), cst(testing::i64({6, -1}))}, "");
    Attrs fa;
    fa.set("axis", int64_t{2});
    check(OpKind::kFlatten, fa, {rt(x)}, "");
    check(OpKind::kSqueeze, Attrs{}, {rt(x), cst(testing::i64({2}))}, "");
    check(OpKind::kUnsqueeze, Attrs{}, {rt(x), cst(testing::i64({0, 5}))}, "");
    check(OpKind::kIdentity, Attrs{}, {rt(x)}, "");
  }
}

TEST(Q8Ops, TransposeAnyPermutationBitExact) {
  std::mt19937 rng(52);
  struct Case {
    Shape x;
    std::vector<int64_t> perm;  // empty: default (reverse)
  };
  const std::vector<Case> cases = {
      {{1, 2, 5, 3, 3}, {0, 2, 1, 3, 4}},  // ShuffleNet channel shuffle
      {{1, 2, 58, 7, 7}, {0, 2, 1, 3, 4}},
      {{1, 13, 5, 7}, {0, 2, 3, 1}},  // NCHW -> NHWC
      {{1, 5, 7, 13}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{3, 4}, {}},
      {{2, 3, 4, 5}, {3, 2, 1, 0}},
      {{2, 1, 4, 1, 3}, {4, 3, 2, 1, 0}},
      {{7}, {0}},
      {{2, 3, 4}, {0, 1, 2}},
      {{0, 3}, {1, 0}},
  };
  for (const Case& c : cases)
    for (DType t : {DType::kI8, DType::kU8, DType::kF32, DType::kI64, DType::kI16}) {
      Attrs a;
      if (!c.perm.empty()) a.set("perm", c.perm);
      check(OpKind::kTranspose, a, {rt(codes(t, c.x, rng))}, "");
    }
}

TEST(Q8Ops, SliceConstantParametersBitExact) {
  std::mt19937 rng(53);
  struct Case {
    Shape x;
    std::vector<int64_t> starts, ends, axes, steps;  // empty axes / steps: absent input
  };
  const std::vector<Case> cases = {
      {{1, 8, 5, 6}, {2}, {6}, {1}, {}},
      {{1, 8, 5, 6}, {0, 1}, {100, -1}, {2, 3}, {2, 2}},
      {{4, 7}, {-1, 6}, {-100, 0}, {0, 1}, {-1, -2}},
      {{4, 7}, {1}, {1}, {}, {}},  // empty
      {{3, 5, 7}, {0, 0, 0}, {3, 5, 7}, {}, {}},
      {{3, 5, 7}, {1, 2}, {2, 4}, {-3, -1}, {1, 1}},
      {{2, 9}, {8}, {0}, {1}, {-3}},
  };
  for (const Case& c : cases)
    for (DType t : {DType::kI8, DType::kF32}) {
      std::vector<In> ins = {rt(codes(t, c.x, rng)), cst(testing::i64(c.starts)), cst(testing::i64(c.ends))};
      if (!c.axes.empty())
        ins.push_back(cst(testing::i64(c.axes)));
      else if (!c.steps.empty())
        ins.push_back(absent());
      if (!c.steps.empty()) ins.push_back(cst(testing::i64(c.steps)));
      check(OpKind::kSlice, Attrs{}, ins, "");
    }
  // Runtime starts stay with the reference.
  check(OpKind::kSlice, Attrs{}, {rt(codes(DType::kI8, {4, 4}, rng)), rt(testing::i64({1})), cst(testing::i64({3}))},
        "rt starts", false);
}

TEST(Q8Ops, ConcatAndSplitBitExact) {
  std::mt19937 rng(54);
  for (DType t : {DType::kI8, DType::kF32}) {
    for (int64_t axis : {0, 1, -1}) {
      Shape a{2, 3, 4}, b{2, 3, 4};
      const size_t ax = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
      b[ax] = 5;
      Attrs at;
      at.set("axis", axis);
      check(OpKind::kConcat, at, {rt(codes(t, a, rng)), rt(codes(t, b, rng)), rt(codes(t, a, rng))}, "");
      Shape x{4, 6, 8};
      x[ax] = 9;
      check(OpKind::kSplit, at, {rt(codes(t, x, rng)), cst(testing::i64({2, 3, 4}))}, "", true, 3);
    }
  }
}

// ---- contract ----------------------------------------------------------------------------------------------

TEST(Q8Ops, RunRejectsMismatchedOutputsAndUnknownOpsAreNotCovered) {
  std::mt19937 rng(61);
  q8::TensorSig x{true, DType::kI8, {1, 4, 3, 3}, nullptr};
  q8::TensorSig y{true, DType::kI8, {1, 4, 3, 3}, nullptr};
  std::vector<q8::TensorSig> ins = {x}, outs = {y};
  auto unknown = q8::prepare_op("Softmax", Attrs{}, ins, outs);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->get(), nullptr);
  auto op = q8::prepare_op("Identity", Attrs{}, ins, outs);
  ASSERT_TRUE(op.ok());
  ASSERT_NE(op->get(), nullptr);
  const Tensor in = codes(DType::kI8, {1, 4, 3, 3}, rng);
  std::vector<const Tensor*> ptrs = {&in};
  std::vector<Tensor> wrong;
  wrong.emplace_back(DType::kI8, Shape{1, 4, 3, 2});
  EXPECT_FALSE((*op)->run(ptrs, wrong, nullptr).ok());
  std::vector<Tensor> none(1);  // not allocated
  EXPECT_FALSE((*op)->run(ptrs, none, nullptr).ok());
  std::vector<Tensor> good;
  good.emplace_back(DType::kI8, Shape{1, 4, 3, 3});
  const void* storage = good[0].raw();
  ASSERT_TRUE((*op)->run(ptrs, good, nullptr).ok());
  EXPECT_EQ(good[0].raw(), storage);
  EXPECT_TRUE(good[0] == in);
}

}  // namespace
}  // namespace npukit
