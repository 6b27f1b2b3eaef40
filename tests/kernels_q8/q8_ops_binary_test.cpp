// SPDX-License-Identifier: Apache-2.0
// kernels/q8 op kernels (q8_ops.h): QAdd / QSub / QMul — every broadcast direction, every code pair, extreme
// multipliers, awkward row lengths, and the constant 16-bit operand — compared BIT FOR BIT with the reference kernel
// (interp::run_node) on every ISA tier, serially and with a thread pool.
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

#include "kernels/q8/ops_common.h"
#include "kernels_q8/q8_ops_test_util.h"

namespace npukit {
namespace {

using namespace q8_ops_test;  // NOLINT(google-build-using-namespace): the shared test helpers
using ir::OpKind;
using quant::QuantizedMultiplier;

// ---- QAdd / QSub / QMul ------------------------------------------------------------------------------------

struct BinShapes {
  Shape a, b;
};
const std::vector<BinShapes>& binary_shapes() {
  static const std::vector<BinShapes> s = {
      {{1, 24, 7, 9}, {1, 24, 7, 9}},  // same shape
      {{2, 13, 5, 7}, {1, 13, 1, 1}},  // squeeze-excite
      {{1, 13, 1, 1}, {2, 13, 5, 7}},  // the other way round
      {{3, 1, 5}, {1, 4, 1}},          // outer product
      {{2, 3, 4, 5}, {}},              // scalar b
      {{}, {5}},                       // scalar a
      {{1, 3, 1, 7}, {1, 1, 6, 7}},    // middle broadcast
      {{5}, {4, 1}},                   // rank difference
      {{1, 1, 1, 1}, {1, 1, 1, 1}},    // single element
      {{2, 3, 4, 5}, {5}},             // inner same, outer broadcast
      {{2, 3, 4, 5}, {3, 4, 1}},       // inner broadcast
      {{1, 1, 31}, {3, 1, 1}},         // odd sizes
      {{2, 1, 300, 301}, {2, 1, 1, 301}},
  };
  return s;
}

TEST(Q8Ops, QAddQSubBroadcastEveryDirectionBitExact) {
  std::mt19937 rng(11);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kI8, DType::kU8},
                            {DType::kU8, DType::kU8, DType::kI16},
                            {DType::kI8, DType::kU8, DType::kI8}};
  for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub}) {
    int variant = 0;
    for (const auto& t : types) {
      for (const BinShapes& s : binary_shapes()) {
        ++variant;
        // Scales chosen so that the sum spans beyond the output range (clamping is exercised).
        const float sa = 0.05f + 0.01f * static_cast<float>(variant % 7), sb = 0.11f;
        const float so = t[2] == DType::kI16 ? 0.0009f : 0.07f;
        quant::AddParams p =
            quant::make_add_params(sa, mid_zp(t[0]), sb, mid_zp(t[1]) + 3, so, mid_zp(t[2]), quant::kRangeI8);
        Attrs a;
        a.set("a_zero_point", int64_t{p.a_zp});
        a.set("b_zero_point", int64_t{p.b_zp});
        a.set("y_zero_point", int64_t{p.out_zp});
        a.set("left_shift", int64_t{p.left_shift});
        a.set("y_dtype", onnx_dtype(t[2]));
        set_mults(a, {p.a_mult, p.b_mult, p.out_mult});
        if (variant % 3 == 0) {  // fused clamp
          a.set("y_min", int64_t{mid_zp(t[2])});
          a.set("y_max", int64_t{t[2] == DType::kU8 ? 240 : 100});
        }
        check(kind, a, {rt(codes(t[0], s.a, rng)), rt(codes(t[1], s.b, rng))}, "variant " + std::to_string(variant));
      }
    }
  }
}

TEST(Q8Ops, QMulBroadcastEveryDirectionBitExact) {
  std::mt19937 rng(12);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kI8, DType::kU8, DType::kI16}};
  int variant = 0;
  for (const auto& t : types) {
    for (const BinShapes& s : binary_shapes()) {
      ++variant;
      const float so = t[2] == DType::kI16 ? 0.0003f : 0.04f;
      quant::MulParams p = quant::make_mul_params(0.05f, mid_zp(t[0]), 0.02f * static_cast<float>(1 + variant % 5),
                                                  mid_zp(t[1]), so, mid_zp(t[2]), quant::kRangeI8);
      Attrs a;
      a.set("a_zero_point", int64_t{p.a_zp});
      a.set("b_zero_point", int64_t{p.b_zp});
      a.set("y_zero_point", int64_t{p.out_zp});
      a.set("y_dtype", onnx_dtype(t[2]));
      set_mults(a, {p.mult});
      if (variant % 4 == 1) a.set("y_min", int64_t{mid_zp(t[2])});
      check(OpKind::kQMul, a, {rt(codes(t[0], s.a, rng)), rt(codes(t[1], s.b, rng))},
            "variant " + std::to_string(variant));
    }
  }
}

/// Attributes of a QAdd / QSub (mul == nullptr) or QMul node.
Attrs binary_attrs(const quant::AddParams* add, const quant::MulParams* mul, DType yt, bool clamp) {
  Attrs a;
  a.set("a_zero_point", int64_t{add ? add->a_zp : mul->a_zp});
  a.set("b_zero_point", int64_t{add ? add->b_zp : mul->b_zp});
  a.set("y_zero_point", int64_t{add ? add->out_zp : mul->out_zp});
  a.set("y_dtype", onnx_dtype(yt));
  if (add) {
    a.set("left_shift", int64_t{add->left_shift});
    set_mults(a, {add->a_mult, add->b_mult, add->out_mult});
  } else {
    set_mults(a, {mul->mult});
  }
  if (clamp) {
    const int32_t zo = add ? add->out_zp : mul->out_zp;
    a.set("y_min", int64_t{zo});
    a.set("y_max", int64_t{std::min(zo + 70, yt == DType::kU8 ? 255 : 127)});
  }
  return a;
}

/// Every pair of input codes, same-shape ({256, 256}: a = row, b = column) and per-channel broadcast both ways
/// ({1, 256, 1, 1} x {1, 256, 1, 259}: every channel constant against every code, the row length odd), on every
/// tier; on the AVX2 tiers the vector kernels must be the ones chosen.
void check_all_codes(OpKind kind, const Attrs& a, DType ta, DType tb, const std::string& note,
                     int* float_count = nullptr) {
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  const bool lut512 = q8::available_isas().back() >= q8::Isa::kAvx512Vnni && q8::ops::have_lut8_row_avx512();
  check(kind, a,
        {rt(byte_pattern(ta, {256, 256}, [](int64_t i) { return i >> 8; })),
         rt(byte_pattern(tb, {256, 256}, [](int64_t i) { return i & 255; }))},
        note + " all pairs");
  if (avx2 && !::testing::Test::HasFailure()) {
    // Add / sub: the float form where its error bound allows (counted by the caller), else the integer form.
    // The top tier's kernel: the float form on 64-element AVX-512 blocks where the build and the CPU have them.
    const std::string k = last_kernels().back();
    const std::string float_name =
        q8::available_isas().back() >= q8::Isa::kAvx512Vnni && q8::ops::have_binary_row_avx512() ? "binary_float_avx512"
                                                                                                 : "binary_float_avx2";
    EXPECT_TRUE(k == "binary_formula_avx2" || (kind != OpKind::kQMul && k == float_name)) << note << ": " << k;
    if (float_count != nullptr && k == float_name) ++*float_count;
  }
  const Shape wide{1, 256, 1, 259};
  auto chan = [](int64_t i) { return i; };
  auto row = [](int64_t i) { return (i % 259) * 7 % 256; };  // every code, in a scrambled order
  check(kind, a, {rt(byte_pattern(ta, {1, 256, 1, 1}, chan)), rt(byte_pattern(tb, wide, row))},
        note + " per-channel a");
  if (avx2 && !::testing::Test::HasFailure()) {
    EXPECT_EQ(last_kernels().back(), lut512 ? "binary_row_lut_avx512" : "binary_row_lut_avx2") << note;
  }
  check(kind, a, {rt(byte_pattern(ta, wide, row)), rt(byte_pattern(tb, {1, 256, 1, 1}, chan))},
        note + " per-channel b");
  if (avx2 && !::testing::Test::HasFailure()) {
    EXPECT_EQ(last_kernels().back(), lut512 ? "binary_row_lut_avx512" : "binary_row_lut_avx2") << note;
  }
}

TEST(Q8Ops, QAddQSubEveryCodePairBitExact) {
  std::mt19937 rng(14);
  int float_cases = 0;
  std::uniform_real_distribution<float> scale(-6.0f, 3.0f);  // log2 of the scales
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kU8, DType::kI8, DType::kI8},
                            {DType::kI8, DType::kU8, DType::kU8}};
  for (int variant = 0; variant < 16; ++variant) {
    const auto& t = types[variant % 4];
    auto zp = [&](DType d) {
      const int32_t lo = d == DType::kU8 ? 0 : -128, hi = d == DType::kU8 ? 255 : 127;
      return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
    };
    // Scale ratios up to 2^9 between inputs and output (saturating, near-identity and heavily shrinking sums).
    const float sa = std::exp2(scale(rng)), sb = variant == 3 ? sa : std::exp2(scale(rng)), so = std::exp2(scale(rng));
    const quant::AddParams p =
        quant::make_add_params(sa, zp(t[0]), sb, zp(t[1]), so, zp(t[2]), qref::dtype_range(t[2]));
    const bool clamp = variant % 3 == 1;
    for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub}) {
      quant::AddParams q = p;
      if (clamp) q.range = quant::QRange{q.out_zp, std::min(q.out_zp + 70, qref::dtype_range(t[2]).qmax)};
      check_all_codes(kind, binary_attrs(&q, nullptr, t[2], clamp), t[0], t[1], "variant " + std::to_string(variant),
                      &float_cases);
    }
  }
  // The float form (exact only where its margin test passes; a block with an element too close to an integer runs
  // the integer form, so every code pair above also covers that fallback) must be what most of these cases run.
  if (q8::available_isas().back() >= q8::Isa::kAvx2) {
    EXPECT_GE(float_cases, 24) << "of 32 add / sub cases";
  }
}

TEST(Q8Ops, AddRowInPlaceEveryCodePairBitExact) {
  // The convolution's fused residual add runs the add's row kernel in place (y == a). Every code pair in one row:
  // the elements the float form hands to the exact form must be computed from the inputs, not from the float
  // results already stored over them.
  std::mt19937 rng(16);
  std::uniform_real_distribution<float> scale(-6.0f, 3.0f);
  for (const q8::Isa isa : q8::available_isas()) {
    int checked = 0;
    for (int variant = 0; variant < 6; ++variant) {
      const DType ta = variant % 2 ? DType::kU8 : DType::kI8, tb = variant % 3 ? DType::kI8 : DType::kU8;
      const int32_t za = ta == DType::kU8 ? 100 + variant : -5 - variant, zb = tb == DType::kU8 ? 131 : 9;
      const quant::AddParams p =
          quant::make_add_params(std::exp2(scale(rng)), za, std::exp2(scale(rng)), zb, std::exp2(scale(rng)),
                                 ta == DType::kU8 ? 120 : -3, qref::dtype_range(ta));
      const auto k = q8::ops::make_add_row(p, ta, tb, isa);
      if (k == nullptr) continue;
      std::vector<uint8_t> a(65536), b(65536);
      for (uint32_t i = 0; i < 65536; ++i) {
        a[i] = static_cast<uint8_t>(i >> 8);
        b[i] = static_cast<uint8_t>(i & 255);
      }
      std::vector<uint8_t> y = a;
      k->run_rows(y.data(), b.data(), y.data(), 65536, 1, 65536);
      auto code = [](DType t, uint8_t v) { return t == DType::kU8 ? int32_t{v} : int32_t{static_cast<int8_t>(v)}; };
      for (uint32_t i = 0; i < 65536; ++i) {
        const int32_t want = quant::add_quantized(code(ta, a[i]), code(tb, b[i]), p);
        ASSERT_EQ(code(ta, y[i]), want) << q8::isa_name(isa) << " variant " << variant << " a " << code(ta, a[i])
                                        << " b " << code(tb, b[i]) << " (element " << i << ")";
      }
      ++checked;
    }
    if (isa >= q8::Isa::kAvx2) {
      EXPECT_GT(checked, 0) << q8::isa_name(isa) << ": no row kernel applied";
    }
  }
}

TEST(Q8Ops, QMulEveryCodePairBitExact) {
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> scale(-9.0f, 2.0f);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kI8, DType::kU8, DType::kI8},
                            {DType::kU8, DType::kI8, DType::kU8}};
  for (int variant = 0; variant < 16; ++variant) {
    const auto& t = types[variant % 4];
    auto zp = [&](DType d) {
      const int32_t lo = d == DType::kU8 ? 0 : -128, hi = d == DType::kU8 ? 255 : 127;
      return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
    };
    quant::MulParams p = quant::make_mul_params(std::exp2(scale(rng)), zp(t[0]), std::exp2(scale(rng)), zp(t[1]),
                                                std::exp2(scale(rng) - 3.0f), zp(t[2]), qref::dtype_range(t[2]));
    const bool clamp = variant % 3 == 2;
    if (clamp) p.range = quant::QRange{p.out_zp, std::min(p.out_zp + 70, qref::dtype_range(t[2]).qmax)};
    check_all_codes(OpKind::kQMul, binary_attrs(nullptr, &p, t[2], clamp), t[0], t[1],
                    "variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, BinaryExtremeMultipliersBitExact) {
  // Hand-made multipliers at the ends of the encoding (M ~ 2^31, M ~ 2^-62, zero) and the largest left shift:
  // the kernels either evaluate them exactly or keep the table walk, never a wrong code.
  const QuantizedMultiplier huge{std::numeric_limits<int32_t>::max(), 31}, tiny{1 << 30, -61}, zero{0, 0},
      half{1 << 30, 0};
  int variant = 0;
  for (const auto& m : {std::vector<QuantizedMultiplier>{half, half, huge},
                        {half, tiny, half},
                        {zero, half, half},
                        {huge, half, tiny},
                        {half, half, QuantizedMultiplier{1 << 30, 31}}}) {
    for (int32_t shift : {0, 20, 24}) {
      ++variant;
      quant::AddParams p;
      p.a_zp = -3;
      p.b_zp = 5;
      p.out_zp = 1;
      p.left_shift = shift;
      p.a_mult = m[0];
      p.b_mult = m[1];
      p.out_mult = m[2];
      p.range = quant::kRangeI8;
      Attrs a = binary_attrs(&p, nullptr, DType::kI8, false);
      check(OpKind::kQAdd, a,
            {rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i >> 8; })),
             rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i & 255; }))},
            "extreme variant " + std::to_string(variant));
    }
    quant::MulParams q;
    q.a_zp = 7;
    q.b_zp = -128;
    q.out_zp = -2;
    q.mult = m[2];
    check(OpKind::kQMul, binary_attrs(nullptr, &q, DType::kI8, false),
          {rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i >> 8; })),
           rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i & 255; }))},
          "extreme mul variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, BinaryAwkwardSizesBitExact) {
  // Row lengths around the 16 / 32 / 64-element vector steps and tails, same-shape and broadcast along every
  // kind of axis (innermost, channel, outer, scalar), 8- and 16-bit outputs.
  std::mt19937 rng(16);
  const quant::AddParams ap = quant::make_add_params(0.031f, -5, 0.047f, 9, 0.06f, 3, quant::kRangeI8);
  const quant::AddParams sp = quant::make_add_params(0.031f, 120, 0.047f, -5, 0.06f, 3, quant::kRangeI8);
  const quant::MulParams mp = quant::make_mul_params(0.031f, -5, 0.02f, 9, 0.01f, 3, quant::kRangeI8);
  for (int64_t n : {1, 3, 13, 15, 16, 17, 31, 33, 63, 65, 127, 1001, 4099}) {
    const std::vector<BinShapes> shapes = {
        {{n}, {n}},              // same shape
        {{1, 3, n}, {1, 3, 1}},  // per-row constant b
        {{1, 3, 1}, {1, 3, n}},  // per-row constant a
        {{2, 3, n}, {n}},        // outer broadcast
        {{2, n, 1}, {2, 1, 1}},  // constant over the inner dims
        {{n}, {}},               // scalar b
        {{}, {n}},               // scalar a
        {{1, 5, n}, {1, 1, n}},  // middle broadcast
        {{3, 1}, {1, n}},        // outer product
    };
    for (const BinShapes& s : shapes) {
      const std::string note = "n " + std::to_string(n);
      for (DType yt : {DType::kI8, DType::kI16}) {
        quant::AddParams p = ap;
        if (yt == DType::kI16) p.range = quant::kRangeI16;
        check(OpKind::kQAdd, binary_attrs(&p, nullptr, yt, false),
              {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kU8, s.b, rng))}, note);
      }
      check(OpKind::kQSub, binary_attrs(&sp, nullptr, DType::kI8, true),
            {rt(codes(DType::kU8, s.a, rng)), rt(codes(DType::kI8, s.b, rng))}, note);
      check(OpKind::kQMul, binary_attrs(nullptr, &mp, DType::kI8, false),
            {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kI8, s.b, rng))}, note);
    }
  }
}

TEST(Q8Ops, BinaryLongRowsBitExact) {
  // Same-shape and scalar operands coalesce into one long row, which the plan cuts into rows for the threads (a
  // divisor of the length between 4096 and 32768): lengths with such a divisor (56x56x64, 2^16, 3 * 5 * 7^4 = 36015 *
  // 2), one without (the prime 100003), and an outer broadcast over long rows; serially and on 3 threads.
  std::mt19937 rng(23);
  const quant::AddParams ap = quant::make_add_params(0.031f, -5, 0.047f, 9, 0.06f, 3, quant::kRangeI8);
  const quant::MulParams mp = quant::make_mul_params(0.031f, -5, 0.02f, 9, 0.01f, 3, quant::kRangeI8);
  const std::vector<BinShapes> shapes = {
      {{1, 64, 56, 56}, {1, 64, 56, 56}},
      {{65536}, {65536}},
      {{72030}, {}},
      {{100003}, {100003}},
      {{2, 70000}, {70000}},
  };
  for (const BinShapes& s : shapes) {
    const std::string note = "shape " + shape_str(s.a);
    check(OpKind::kQAdd, binary_attrs(&ap, nullptr, DType::kI8, false),
          {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kU8, s.b, rng))}, note);
    check(OpKind::kQMul, binary_attrs(nullptr, &mp, DType::kI8, false),
          {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kI8, s.b, rng))}, note);
  }
}

TEST(Q8Ops, QAddOn16BitInputsIsNotCovered) {
  std::mt19937 rng(13);
  quant::AddParams p = quant::make_add_params(0.1f, 0, 0.2f, 0, 0.3f, 0, quant::kRangeI16, true);
  Attrs a;
  a.set("left_shift", int64_t{p.left_shift});
  a.set("y_dtype", int64_t{5});
  set_mults(a, {p.a_mult, p.b_mult, p.out_mult});
  check(OpKind::kQAdd, a, {rt(codes(DType::kI16, {2, 3}, rng)), rt(codes(DType::kI16, {2, 3}, rng))}, "i16", false);
}

// ---- QAdd / QSub / QMul with a constant 16-bit operand ---------------------------------------------------

/// int16 constant codes of `shape`: random over the whole range, with the extremes and small values mixed in.
Tensor i16_constant(const Shape& shape, std::mt19937& rng) {
  Tensor t(DType::kI16, shape);
  std::uniform_int_distribution<int32_t> d(-32768, 32767), e(0, 9);
  const int16_t special[] = {-32768, 32767, 0, 1, -1, -32767};
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    t.data<int16_t>()[i] = k < 6 && (i % 3 == 0) ? special[k] : static_cast<int16_t>(d(rng));
  }
  return t;
}

/// Input of `shape` whose element i holds byte (i / period + (i % period) * 37) mod 256: with a constant that
/// repeats every `period` elements (1: fixed along contiguous runs of at least 256), every code meets every
/// constant position.
Tensor every_code(DType t, const Shape& shape, int64_t period) {
  return byte_pattern(t, shape, [period](int64_t i) { return (i / period + (i % period) * 37) & 255; });
}

/// QAdd / QSub / QMul attributes with one int16 operand (scale `sc`, zero point `zc`) as quant/lower_qdq_ops.cpp
/// produces them: `const_a` selects which operand is the constant.
Attrs const_operand_attrs(OpKind kind, bool const_a, DType xt, DType yt, float sx, float sc, int32_t zc, float so,
                          int32_t left_shift, bool clamp) {
  const int32_t zx = mid_zp(xt), zo = mid_zp(yt);
  const float sa = const_a ? sc : sx, sb = const_a ? sx : sc;
  const int32_t za = const_a ? zc : zx, zb = const_a ? zx : zc;
  if (kind == OpKind::kQMul) {
    const quant::MulParams p = quant::make_mul_params(sa, za, sb, zb, so, zo, qref::dtype_range(yt));
    return binary_attrs(nullptr, &p, yt, clamp);
  }
  quant::AddParams p = quant::make_add_params(sa, za, sb, zb, so, zo, qref::dtype_range(yt), true);
  p.left_shift = left_shift;
  return binary_attrs(&p, nullptr, yt, clamp);
}

TEST(Q8Ops, BinaryInt16ConstantEveryCodeBitExact) {
  // Every input code against every constant position, for scalar / per-channel / per-element / inner-axis
  // constants on either side, 8-bit inputs and outputs of both signs, zero points, clamps and scale ratios
  // from heavily shrinking to saturating. On the AVX2 tiers a constant that is fixed along the rows must use the
  // vector lookup.
  std::mt19937 rng(31);
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  const bool lut512 = q8::available_isas().back() >= q8::Isa::kAvx512Vnni && q8::ops::have_lut8_row_avx512();
  struct Case {
    Shape x, c;
    int64_t period;  // of the constant along the flat output (every_code)
    bool lut;        // the constant is fixed along the innermost (coalesced) axis
  };
  const std::vector<Case> cases = {
      {{1, 7, 1, 259}, {1, 7, 1, 1}, 1, true},  // per channel
      {{2, 3, 256}, {}, 1, true},               // scalar
      {{3, 256}, {1}, 1, true},                 // one-element constant
      {{256, 64, 5}, {64, 5}, 320, false},      // per element
      {{4, 256, 3}, {3}, 3, false},             // along the inner axis
      {{2, 5, 260}, {2, 5, 1}, 1, true},        // per row, batch > 1
  };
  int variant = 0;
  for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub, OpKind::kQMul}) {
    for (const Case& cs : cases) {
      for (bool const_a : {false, true}) {
        ++variant;
        const DType xt = variant % 2 ? DType::kI8 : DType::kU8;
        const DType yt = variant % 3 ? DType::kI8 : DType::kU8;
        const float sx = std::exp2(static_cast<float>(variant % 7) - 6.0f);
        const float sc = std::exp2(static_cast<float>(variant % 5) - 2.0f) / 32767.0f;
        const float so = std::exp2(static_cast<float>(variant % 9) - 7.0f);
        const int32_t zc = variant % 4 == 0 ? -9 : 0;
        const int32_t ls = variant % 2 ? 15 : 20;
        const Attrs a = const_operand_attrs(kind, const_a, xt, yt, sx, sc, zc, so, ls, variant % 3 == 1);
        const Tensor x = every_code(xt, cs.x, cs.period);
        const Tensor c = i16_constant(cs.c, rng);
        const std::string note = "const variant " + std::to_string(variant) + (const_a ? " (constant a)" : "");
        check(kind, a, const_a ? std::vector<In>{cst(c), rt(x)} : std::vector<In>{rt(x), cst(c)}, note);
        if (avx2 && !::testing::Test::HasFailure()) {
          EXPECT_EQ(
              last_kernels().back(),
              cs.lut ? (lut512 ? "binary_const_rows_lut_avx512" : "binary_const_rows_lut_avx2") : "binary_const_rows")
              << note;
        }
      }
    }
  }
}

TEST(Q8Ops, BinaryInt16ConstantAwkwardSizesBitExact) {
  std::mt19937 rng(32);
  for (int64_t n : {1, 3, 13, 15, 16, 17, 127, 1001}) {
    const std::vector<BinShapes> shapes = {
        {{1, 3, n}, {1, 3, 1}},  // per channel
        {{n}, {}},               // scalar
        {{2, n, 1}, {2, 1, 1}},  // constant over the inner dims
        {{n}, {n}},              // per element
        {{3, 1}, {1, n}},        // outer product
        {{1, 5, n}, {1, 1, n}},  // middle broadcast
        {{1, 1}, {n, 1}},        // the constant is larger than the input
    };
    for (const BinShapes& s : shapes) {
      const std::string note = "n " + std::to_string(n);
      for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub, OpKind::kQMul}) {
        const Attrs a = const_operand_attrs(kind, false, DType::kI8, DType::kI8, 0.02f, 3.0f / 32767.0f, 0, 0.05f, 15,
                                            kind == OpKind::kQSub);
        check(kind, a, {rt(codes(DType::kI8, s.a, rng)), cst(i16_constant(s.b, rng))}, note);
        const Attrs b =
            const_operand_attrs(kind, true, DType::kU8, DType::kU8, 0.02f, 0.5f / 32767.0f, 0, 0.01f, 15, false);
        check(kind, b, {cst(i16_constant(s.b, rng)), rt(codes(DType::kU8, s.a, rng))}, note + " constant a");
      }
    }
  }
}

TEST(Q8Ops, BinaryInt16ConstantOutsideTheCapsIsNotCovered) {
  std::mt19937 rng(33);
  const Attrs a =
      const_operand_attrs(OpKind::kQAdd, false, DType::kI8, DType::kI8, 0.02f, 1.0f / 32767.0f, 0, 0.05f, 15, false);
  // More distinct constant values than the row cap (4096): the reference runs.
  Tensor many(DType::kI16, {5000});
  for (int64_t i = 0; i < 5000; ++i) many.data<int16_t>()[i] = static_cast<int16_t>(i * 12 - 30000);
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {2, 5000}, rng)), cst(many)}, "5000 distinct values", false);
  // 4096 distinct values repeated: covered.
  Tensor capped(DType::kI16, {8192});
  for (int64_t i = 0; i < 8192; ++i) capped.data<int16_t>()[i] = static_cast<int16_t>((i % 4096) * 15 - 30000);
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {2, 8192}, rng)), cst(capped)}, "4096 distinct values");
  // The 16-bit operand is a runtime input, or the output is 16-bit: the reference runs.
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {3, 4}, rng)), rt(i16_constant({3, 4}, rng))}, "runtime i16", false);
  quant::AddParams p = quant::make_add_params(0.02f, -7, 1.0f / 32767.0f, 0, 0.001f, 0, quant::kRangeI16, true);
  check(OpKind::kQAdd, binary_attrs(&p, nullptr, DType::kI16, false),
        {rt(codes(DType::kI8, {3, 4}, rng)), cst(i16_constant({4}, rng))}, "i16 output", false);
}

}  // namespace
}  // namespace npukit
