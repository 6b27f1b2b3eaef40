// SPDX-License-Identifier: Apache-2.0
// Golden tests of the integer spec (quant/arith.h). Expected values were computed independently with
// Python's fractions module / numpy float32 (scripts reproduced in the comments), never with this code.
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "quant/arith.h"

namespace npukit::quant {
namespace {

TEST(QuantArith, RoundHalfEvenTies) {
  EXPECT_EQ(round_half_even(0.5), 0.0);
  EXPECT_EQ(round_half_even(1.5), 2.0);
  EXPECT_EQ(round_half_even(2.5), 2.0);
  EXPECT_EQ(round_half_even(-0.5), -0.0);
  EXPECT_EQ(round_half_even(-1.5), -2.0);
  EXPECT_EQ(round_half_even(-2.5), -2.0);
  EXPECT_EQ(round_half_even(2.4999999999999996), 2.0);
  EXPECT_EQ(round_half_even(2.5000000000000004), 3.0);
  EXPECT_EQ(round_half_even(-3.5), -4.0);
  EXPECT_EQ(round_half_even(-0.49999999999999994), -0.0);
  EXPECT_EQ(round_half_even(4503599627370497.0), 4503599627370497.0);  // 2^52 + 1 unchanged
}

TEST(QuantArith, RoundingDoesNotDependOnGlobalMode) {
  const int old = std::fegetround();
  ASSERT_EQ(std::fesetround(FE_UPWARD), 0);
  const double a = round_half_even(2.5), b = round_half_even(-2.5), c = round_half_even(0.4);
  const int32_t q = quantize_value(0.5f, 1.0f, 0, kRangeI8);
  std::fesetround(FE_DOWNWARD);
  const double d = round_half_even(3.5);
  std::fesetround(old);
  EXPECT_EQ(a, 2.0);
  EXPECT_EQ(b, -2.0);
  EXPECT_EQ(c, 0.0);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(d, 4.0);
}

TEST(QuantArith, QuantizeValueHalfEvenAndSaturation) {
  EXPECT_EQ(quantize_value(0.5f, 1.0f, 0, kRangeI8), 0);
  EXPECT_EQ(quantize_value(1.5f, 1.0f, 0, kRangeI8), 2);
  EXPECT_EQ(quantize_value(2.5f, 1.0f, 0, kRangeI8), 2);
  EXPECT_EQ(quantize_value(-2.5f, 1.0f, 0, kRangeI8), -2);
  EXPECT_EQ(quantize_value(-3.5f, 1.0f, 0, kRangeI8), -4);
  EXPECT_EQ(quantize_value(0.25f, 0.1f, 0, kRangeI8), 2);  // 0.25f/0.1f = 2.5f exactly in f32 -> even 2
  EXPECT_EQ(quantize_value(1.0f, 0.5f, 10, kRangeU8), 12);
  EXPECT_EQ(quantize_value(200.0f, 1.0f, 0, kRangeI8), 127);
  EXPECT_EQ(quantize_value(-200.0f, 1.0f, 0, kRangeI8), -128);
  EXPECT_EQ(quantize_value(-200.0f, 1.0f, 0, kRangeWeightI8), -127);
  EXPECT_EQ(quantize_value(-5.0f, 1.0f, 3, kRangeU8), 0);
  EXPECT_EQ(quantize_value(std::numeric_limits<float>::infinity(), 1.0f, 0, kRangeI16), 32767);
  EXPECT_EQ(quantize_value(-std::numeric_limits<float>::infinity(), 1.0f, 0, kRangeI16), -32768);
  EXPECT_EQ(quantize_value(std::nanf(""), 1.0f, 7, kRangeU8), 7);
  EXPECT_EQ(quantize_value(1e30f, 1e-10f, 0, kRangeI8), 127);
}

TEST(QuantArith, DequantizeValue) {
  EXPECT_EQ(dequantize_value(12, 0.5f, 10), 1.0f);
  EXPECT_EQ(dequantize_value(-128, 0.25f, 0), -32.0f);
}

TEST(QuantArith, QuantizeMultiplierGolden) {
  // /usr/bin/python3, fractions: e = ceil-exponent with 2^(e-1) <= M < 2^e, mult = round(M * 2^(31-e))
  // (Python round on Fraction = half even), carry 2^31 -> (2^30, e+1).
  EXPECT_EQ(quantize_multiplier(0.5), (QuantizedMultiplier{1073741824, 0}));
  EXPECT_EQ(quantize_multiplier(1.0), (QuantizedMultiplier{1073741824, 1}));
  EXPECT_EQ(quantize_multiplier(0.75), (QuantizedMultiplier{1610612736, 0}));
  EXPECT_EQ(quantize_multiplier(0.0078125), (QuantizedMultiplier{1073741824, -6}));
  EXPECT_EQ(quantize_multiplier(0.001), (QuantizedMultiplier{1099511628, -9}));
  EXPECT_EQ(quantize_multiplier(1.0 / 3.0), (QuantizedMultiplier{1431655765, -1}));
  EXPECT_EQ(quantize_multiplier(M_PI / 10), (QuantizedMultiplier{1349303770, -1}));
  EXPECT_EQ(quantize_multiplier(std::sqrt(2.0) / 4096), (QuantizedMultiplier{1518500250, -11}));
  EXPECT_EQ(quantize_multiplier(1234.5678), (QuantizedMultiplier{1294538165, 11}));
  EXPECT_EQ(quantize_multiplier(3e-19), (QuantizedMultiplier{1485528047, -61}));
  // Rounds up to 2^31 -> carry into the exponent.
  EXPECT_EQ(quantize_multiplier(0.9999999999), (QuantizedMultiplier{1073741824, 1}));
}

TEST(QuantArith, QuantizeMultiplierEdgeCases) {
  EXPECT_EQ(quantize_multiplier(0.0), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(-0.5), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(std::nan("")), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(1e-19), (QuantizedMultiplier{0, 0}));  // < 2^-62
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -62)), (QuantizedMultiplier{1073741824, -61}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -62) * 0.999), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, 31)), (QuantizedMultiplier{2147483647, 31}));
  EXPECT_EQ(quantize_multiplier(std::numeric_limits<double>::infinity()), (QuantizedMultiplier{2147483647, 31}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, 30)), (QuantizedMultiplier{1073741824, 31}));
  EXPECT_EQ(multiplier_value(quantize_multiplier(0.75)), 0.75);
}

TEST(QuantArith, RequantizeTiesRoundHalfUp) {
  const QuantizedMultiplier half = quantize_multiplier(0.5);
  EXPECT_EQ(requantize(5, half, 0, kRangeI8), 3);    // 2.5 -> 3
  EXPECT_EQ(requantize(-5, half, 0, kRangeI8), -2);  // -2.5 -> -2
  EXPECT_EQ(requantize(3, half, 0, kRangeI8), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(-3, half, 0, kRangeI8), -1);  // -1.5 -> -1
  EXPECT_EQ(requantize(1, half, 0, kRangeI8), 1);    // 0.5 -> 1
  EXPECT_EQ(requantize(-1, half, 0, kRangeI8), 0);   // -0.5 -> 0
  const QuantizedMultiplier quarter = quantize_multiplier(0.25);
  EXPECT_EQ(requantize(2, quarter, 0, kRangeI8), 1);
  EXPECT_EQ(requantize(-2, quarter, 0, kRangeI8), 0);
  EXPECT_EQ(requantize(6, quarter, 0, kRangeI8), 2);
  EXPECT_EQ(requantize(-6, quarter, 0, kRangeI8), -1);
  EXPECT_EQ(requantize(-7, quarter, 0, kRangeI8), -2);  // -1.75
  // The raw-parameter overload is the same function.
  EXPECT_EQ(requantize(-5, 1073741824, 0, 0, -128, 127), -2);
}

TEST(QuantArith, RequantizeGoldenIrrational) {
  // python: floor(Fraction(acc * mult, 2**(31 - shift)) + Fraction(1, 2)) with (mult, shift) from above.
  const QuantizedMultiplier m1 = quantize_multiplier(0.001);
  EXPECT_EQ(requantize(500, m1, 0, kRangeI32), 1);
  EXPECT_EQ(requantize(-500, m1, 0, kRangeI32), -1);
  EXPECT_EQ(requantize(123456, m1, 0, kRangeI32), 123);
  EXPECT_EQ(requantize(-123456, m1, 0, kRangeI32), -123);
  EXPECT_EQ(requantize(2147483647, m1, 0, kRangeI32), 2147484);
  EXPECT_EQ(requantize(-2147483648LL, m1, 0, kRangeI32), -2147484);
  const QuantizedMultiplier m3 = quantize_multiplier(1.0 / 3.0);
  EXPECT_EQ(requantize(7, m3, 0, kRangeI32), 2);
  EXPECT_EQ(requantize(-7, m3, 0, kRangeI32), -2);
  EXPECT_EQ(requantize(2147483647, m3, 0, kRangeI32), 715827882);
  EXPECT_EQ(requantize(-2147483648LL, m3, 0, kRangeI32), -715827882);
  const QuantizedMultiplier mp = quantize_multiplier(M_PI / 10);
  EXPECT_EQ(requantize(12345, mp, 0, kRangeI32), 3878);
  EXPECT_EQ(requantize(-12345, mp, 0, kRangeI32), -3878);
}

TEST(QuantArith, RequantizeZeroPointAndSaturation) {
  const QuantizedMultiplier m = quantize_multiplier(0.5);
  EXPECT_EQ(requantize(100, m, 10, kRangeU8), 60);
  EXPECT_EQ(requantize(1000, m, 0, kRangeI8), 127);
  EXPECT_EQ(requantize(-1000, m, 0, kRangeI8), -128);
  EXPECT_EQ(requantize(-1000, m, 128, kRangeU8), 0);
  EXPECT_EQ(requantize(1000, m, 128, kRangeU8), 255);
  EXPECT_EQ(requantize(1000, m, 0, QRange{0, 6}), 6);  // fused clamp via range only
  EXPECT_EQ(requantize(-10, m, 0, QRange{0, 6}), 0);
}

TEST(QuantArith, RequantizeLargeShiftsAndBigMultipliers) {
  // M = 3e-19: total right shift 92; every int32 accumulator gives 0.
  const QuantizedMultiplier tiny = quantize_multiplier(3e-19);
  EXPECT_EQ(requantize(2147483647, tiny, 0, kRangeI32), 0);
  EXPECT_EQ(requantize(-2147483648LL, tiny, 0, kRangeI32), 0);
  EXPECT_EQ(requantize(5, QuantizedMultiplier{0, 0}, 3, kRangeI8), 3);
  // M >= 1: 1234.5678 (python golden), saturation at both ends.
  const QuantizedMultiplier big = quantize_multiplier(1234.5678);
  EXPECT_EQ(requantize(1, big, 0, kRangeI32), 1235);
  EXPECT_EQ(requantize(-1, big, 0, kRangeI32), -1235);
  EXPECT_EQ(requantize(100000, big, 0, kRangeI32), 123456780);
  EXPECT_EQ(requantize(-100000, big, 0, kRangeI32), -123456780);
  EXPECT_EQ(requantize(10000000, big, 0, kRangeI32), 2147483647);
  EXPECT_EQ(requantize(-10000000, big, 0, kRangeI32), -2147483648LL);
  EXPECT_EQ(requantize(1, big, 0, kRangeI8), 127);
  // Shift 31 (r = 0, left-shift branch) and the clamp for M >= 2^31.
  const QuantizedMultiplier huge = quantize_multiplier(std::ldexp(1.0, 30));
  EXPECT_EQ(requantize(1, huge, 0, kRangeI32), 1073741824);
  EXPECT_EQ(requantize(2, huge, 0, kRangeI32), 2147483647);
  EXPECT_EQ(requantize(-2, huge, 0, kRangeI32), -2147483648LL);
  const QuantizedMultiplier inf = quantize_multiplier(1e300);
  EXPECT_EQ(requantize(1, inf, -5, kRangeI16), 32767);
  EXPECT_EQ(requantize(-1, inf, 5, kRangeI16), -32768);
  EXPECT_EQ(requantize(0, inf, 5, kRangeI16), 5);
  // A large zero point must not wrap around after saturation of the scaled value.
  EXPECT_EQ(requantize(10000000, big, -2147483647, kRangeI32), 2147483647);
  // int64 accumulators (16-bit path): exact, no int32 saturation before scaling.
  // acc = 3 * 2^33, M = 2^-34: the product 3 * 2^63 needs the 128-bit intermediate; 1.5 -> 2.
  const QuantizedMultiplier m34 = quantize_multiplier(std::ldexp(1.0, -34));
  EXPECT_EQ(m34, (QuantizedMultiplier{1073741824, -33}));
  EXPECT_EQ(requantize(int64_t{3} << 33, m34, 0, kRangeI32), 2);
  EXPECT_EQ(requantize(-(int64_t{3} << 33), m34, 0, kRangeI32), -1);
  EXPECT_EQ(requantize(int64_t{1} << 40, quantize_multiplier(0.5), 0, kRangeI32), 2147483647);
}

TEST(QuantArith, DivRoundHalfUp) {
  EXPECT_EQ(div_round_half_up(5, 2), 3);
  EXPECT_EQ(div_round_half_up(-5, 2), -2);
  EXPECT_EQ(div_round_half_up(7, 3), 2);
  EXPECT_EQ(div_round_half_up(8, 3), 3);
  EXPECT_EQ(div_round_half_up(-7, 3), -2);
  EXPECT_EQ(div_round_half_up(-8, 3), -3);
  EXPECT_EQ(div_round_half_up(-9, 6), -1);  // -1.5 -> -1
  EXPECT_EQ(div_round_half_up(9, 6), 2);    // 1.5 -> 2
  EXPECT_EQ(div_round_half_up(0, 9), 0);
  EXPECT_EQ(div_round_half_up(5, 0), 0);
}

TEST(QuantArith, SymmetricScale) {
  EXPECT_EQ(symmetric_scale(127.0f, 8), 1.0f);
  EXPECT_EQ(symmetric_scale(32767.0f, 16), 1.0f);
  EXPECT_EQ(symmetric_scale(2.0f, 8), 2.0f / 127.0f);
  EXPECT_EQ(symmetric_scale(0.0f, 8), kMinScale);
  EXPECT_EQ(symmetric_scale(-1.0f, 8), kMinScale);
  EXPECT_EQ(symmetric_scale(std::nanf(""), 16), kMinScale);
  EXPECT_EQ(symmetric_scale(std::numeric_limits<float>::infinity(), 8), kMinScale);
  EXPECT_EQ(kMinScale, std::ldexp(1.0f, -32));
}

TEST(QuantArith, AsymmetricU8Params) {
  // numpy float32: s = (max - min) / 255, zp = clip(round(-min / s), 0, 255) after widening to contain 0.
  QParams p = asymmetric_u8_params(-1.0f, 3.0f);
  EXPECT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 64);           // -min/s = 63.749996f
  p = asymmetric_u8_params(0.5f, 2.0f);  // widened to [0, 2]
  EXPECT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 0);
  p = asymmetric_u8_params(-2.0f, -1.0f);  // widened to [-2, 0]; -min/s = 254.99998f
  EXPECT_EQ(p.zero_point, 255);
  p = asymmetric_u8_params(-0.3f, 0.7f);  // -min/s = 76.5f exactly: half to even -> 76
  EXPECT_EQ(p.scale, 1.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 76);
  p = asymmetric_u8_params(-3e38f, 3e38f);  // max - min overflows f32: computed in double, finite
  EXPECT_EQ(p.scale, 2.3529411e36f);        // numpy: float32((float64(float32(3e38)) * 2) / 255), shortest repr
  EXPECT_EQ(p.zero_point, 128);             // -min / s = 127.50001f
  p = asymmetric_u8_params(0.0f, 0.0f);
  EXPECT_EQ(p.scale, kMinScale);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_EQ(p.range, kRangeU8);
}

TEST(QuantArith, BiasQuantization) {
  EXPECT_EQ(quantize_bias(2.5f, 1.0f, 1.0f), 2);
  EXPECT_EQ(quantize_bias(3.5f, 1.0f, 1.0f), 4);
  EXPECT_EQ(quantize_bias(-2.5f, 1.0f, 1.0f), -2);
  EXPECT_EQ(quantize_bias(1.0f, 0.5f, 0.25f), 8);
  // numpy: 0.7 / (float64(float32(0.02)) * float64(float32(0.005))) = 7000.0003 -> 7000 (f32 0.7f is
  // 0.69999998807907; still 6999.99... -> 7000).
  EXPECT_EQ(quantize_bias(0.7f, 0.02f, 0.005f), 7000);
  EXPECT_EQ(quantize_bias(1e9f, 1e-3f, 1e-3f), 2147483647);
  EXPECT_EQ(quantize_bias(-1e9f, 1e-3f, 1e-3f), -2147483648LL);
}

TEST(QuantArith, FusedRange) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fused_range(0.0f, inf, 0.1f, 0, kRangeI8), (QRange{0, 127}));  // ReLU
  EXPECT_EQ(fused_range(0.0f, 6.0f, 0.1f, 0, kRangeI8), (QRange{0, 60}));  // ReLU6
  EXPECT_EQ(fused_range(0.0f, 6.0f, 0.1f, -20, kRangeI8), (QRange{-20, 40}));
  EXPECT_EQ(fused_range(0.0f, 6.0f, 0.01f, 0, kRangeI8), (QRange{0, 127}));       // clamp wider than range
  EXPECT_EQ(fused_range(-1.0f, 1.0f, 0.25f, 128, kRangeU8), (QRange{124, 132}));  // Clip(-1, 1)
  EXPECT_EQ(fused_range(-inf, inf, 0.25f, 128, kRangeU8), kRangeU8);
  EXPECT_EQ(fused_range(0.0f, inf, 1.0f, 7, kRangeU8), (QRange{7, 255}));
}

TEST(QuantArith, AddRecipeGolden) {
  // Equal scales 1, zps 0, output scale 1: a + b exactly. ma = mb = 1/2, mo = 2 / 2^20.
  AddParams p = make_add_params(1.0f, 0, 1.0f, 0, 1.0f, 0, kRangeI8);
  EXPECT_EQ(p.left_shift, 20);
  EXPECT_EQ(p.a_mult, (QuantizedMultiplier{1073741824, 0}));
  EXPECT_EQ(p.out_mult, (QuantizedMultiplier{1073741824, -18}));
  EXPECT_EQ(add_quantized(3, 4, p), 7);
  EXPECT_EQ(add_quantized(100, 100, p), 127);
  EXPECT_EQ(add_quantized(-100, -100, p), -128);
  EXPECT_EQ(add_quantized(3, 4, p, true), -1);
  // Output scale 2: (3 + 4) / 2 = 3.5 -> 4 (half up), (-3 - 4) / 2 = -3.5 -> -3.
  p = make_add_params(1.0f, 0, 1.0f, 0, 2.0f, 0, kRangeI8);
  EXPECT_EQ(add_quantized(3, 4, p), 4);
  EXPECT_EQ(add_quantized(-3, -4, p), -3);
  // Different scales and zero points: a = (130 - 128) * 0.5 = 1, b = (10 - 0) * 0.25 = 2.5 -> 3.5 / 0.5 = 7 + 5.
  p = make_add_params(0.5f, 128, 0.25f, 0, 0.5f, 5, kRangeU8);
  EXPECT_EQ(add_quantized(130, 10, p), 12);
  // b = 0.25 * 1 -> 1.25 / 0.5 = 2.5 -> 3 (half up at the final rounding) + 5.
  EXPECT_EQ(add_quantized(130, 1, p), 8);
  // 16-bit: shift 15.
  EXPECT_EQ(make_add_params(1.0f, 0, 1.0f, 0, 1.0f, 0, kRangeI16, true).left_shift, 15);
  EXPECT_EQ(add_quantized(30000, 30000, make_add_params(1.0f, 0, 1.0f, 0, 1.0f, 0, kRangeI16, true)), 32767);
}

TEST(QuantArith, MulRecipeGolden) {
  MulParams p = make_mul_params(0.5f, 0, 0.5f, 0, 0.25f, 0, kRangeI8);  // M = 1
  EXPECT_EQ(p.mult, (QuantizedMultiplier{1073741824, 1}));
  EXPECT_EQ(mul_quantized(3, -5, p), -15);
  EXPECT_EQ(mul_quantized(20, 20, p), 127);
  p = make_mul_params(0.5f, 10, 1.0f, 0, 1.0f, 3, kRangeU8);  // M = 0.5: (15 - 10) * 1 * 0.5 = 2.5 -> 3, + 3
  EXPECT_EQ(mul_quantized(15, 1, p), 6);
  EXPECT_EQ(mul_quantized(5, 1, p), 1);  // -2.5 -> -2, + 3
}

TEST(QuantArith, LutEntriesGolden) {
  // python: round(sigmoid(c * 0.0625) * 256 - 128), clipped to int8.
  const QParams in{0.0625f, 0, kRangeI8};
  const QParams out{1.0f / 256.0f, -128, kRangeI8};
  const std::vector<int32_t> t = build_lut_int8(act::sigmoid, in, out);
  ASSERT_EQ(t.size(), 256u);
  EXPECT_EQ(t[0], -128);        // code -128
  EXPECT_EQ(t[128 - 16], -59);  // -59.15
  EXPECT_EQ(t[128], 0);         // sigmoid(0) = 0.5 -> 0
  EXPECT_EQ(t[128 + 1], 4);     // 3.9987
  EXPECT_EQ(t[128 + 16], 59);   // 59.15
  EXPECT_EQ(t[255], 127);       // 127.9 -> 128 -> saturated
  // uint8 GELU, in (0.05, 128), out (0.03, 20).
  const std::vector<int32_t> g = build_lut_int8(act::gelu, QParams{0.05f, 128, kRangeU8}, QParams{0.03f, 20, kRangeU8});
  ASSERT_EQ(g.size(), 256u);
  EXPECT_EQ(g[0], 20);
  EXPECT_EQ(g[128], 20);
  EXPECT_EQ(g[200], 140);  // 139.98
  EXPECT_EQ(g[255], 232);  // 231.67
  // int16 tanh, in scale 8/32768, out scale 1/32767.
  const std::vector<int32_t> th =
      build_lut_int16(act::tanh, QParams{8.0f / 32768.0f, 0, kRangeI16}, QParams{1.0f / 32767.0f, 0, kRangeI16});
  ASSERT_EQ(th.size(), 65536u);
  EXPECT_EQ(th[0], -32767);
  EXPECT_EQ(th[32768 - 1000], -7845);
  EXPECT_EQ(th[32768], 0);
  EXPECT_EQ(th[32768 + 1000], 7845);
  EXPECT_EQ(th[65535], 32767);
  // HardSwish, int8 in (0.05, 0) out (0.04, -10); python: round(hs(c * f32(0.05)) / f32(0.04) - 10).
  const std::vector<int32_t> hs = build_lut_int8([](double x) { return act::hard_swish(x); },
                                                 QParams{0.05f, 0, kRangeI8}, QParams{0.04f, -10, kRangeI8});
  EXPECT_EQ(hs[0], -10);          // x = -6.4 -> 0
  EXPECT_EQ(hs[128 - 40], -18);   // -18.33
  EXPECT_EQ(hs[128 + 20], 7);     // 6.67
  EXPECT_EQ(hs[128 + 100], 115);  // 115.000005
  // Wrong input range sizes give an empty table.
  EXPECT_TRUE(build_lut_int8(act::tanh, QParams{1.0f, 0, kRangeI16}, out).empty());
  EXPECT_TRUE(build_lut_int16(act::tanh, in, out).empty());
}

}  // namespace
}  // namespace npukit::quant
