// SPDX-License-Identifier: Apache-2.0
// npukit quant: THE integer specification. Every executor (reference kernels, optimized CPU kernels, NPU
// simulator) must reproduce these functions bit-exactly. docs/QUANTIZATION.md explains each rule.
//
// Header-only on purpose: kernels and the runtime use it without linking any compiler stage.
// Nothing here depends on the global floating-point rounding mode: every rounding is written out explicitly
// with floor()/integer shifts, which IEEE-754 defines exactly regardless of fesetround().
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace npukit::quant {

// ---------------------------------------------------------------------------------------------------------
// Integer ranges
// ---------------------------------------------------------------------------------------------------------

/// Inclusive integer range of quantized codes (also used for fused activation clamps).
struct QRange {
  int32_t qmin = -128;
  int32_t qmax = 127;
  friend bool operator==(const QRange&, const QRange&) = default;
};

inline constexpr QRange kRangeI8{-128, 127};
inline constexpr QRange kRangeU8{0, 255};
inline constexpr QRange kRangeI16{-32768, 32767};
/// Weights: int8 restricted to [-127, 127] so that -128 never appears and negation cannot overflow.
inline constexpr QRange kRangeWeightI8{-127, 127};
inline constexpr QRange kRangeI32{std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};

/// Scale used instead of 0 when a calibration threshold / range is 0, negative or not finite: 2^-32.
/// Small enough never to clip a real activation, large enough that 1/scale and multipliers stay finite.
inline constexpr float kMinScale = 2.3283064365386963e-10f;  // exactly 2^-32

/// Quantization parameters of one tensor (per-tensor) or one channel: real = (code - zero_point) * scale.
struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  QRange range = kRangeI8;  ///< storage range of the codes
};

/// Saturates an int64 to [lo, hi].
inline constexpr int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}
/// Saturates an int64 to a QRange.
inline constexpr int32_t saturate(int64_t v, QRange r) {
  return static_cast<int32_t>(clamp64(v, r.qmin, r.qmax));
}
/// Saturates an int64 to int32.
inline constexpr int32_t saturate_i32(int64_t v) {
  return saturate(v, kRangeI32);
}

// ---------------------------------------------------------------------------------------------------------
// Float -> integer rounding (round half to even, explicit)
// ---------------------------------------------------------------------------------------------------------

/// Rounds to the nearest integer, ties to even (same as std::nearbyint under FE_TONEAREST), without reading
/// the global rounding mode. NaN stays NaN, infinities stay infinite.
inline double round_half_even(double x) {
  if (!std::isfinite(x)) return x;
  const double a = std::fabs(x);
  if (a >= 4503599627370496.0) return x;  // 2^52: already an integer
  const double f = std::floor(a);
  const double d = a - f;  // exact: a >= 0 and f <= a < f + 1 (Sterbenz for a >= 1; f == 0 below)
  double r = f;
  if (d > 0.5 || (d == 0.5 && std::fmod(f, 2.0) != 0.0)) r = f + 1.0;
  return std::signbit(x) ? -r : r;
}

/// round_half_even then saturation to `r`. NaN maps to 0 (then saturated); +-inf saturate.
inline int32_t round_saturate(double x, QRange r) {
  if (std::isnan(x)) return saturate(0, r);
  const double v = round_half_even(x);
  if (v <= static_cast<double>(r.qmin)) return r.qmin;
  if (v >= static_cast<double>(r.qmax)) return r.qmax;
  return static_cast<int32_t>(v);
}

/// Float -> code, the rule of QuantizeLinear / input quantization / weight quantization:
///   q = saturate(round_half_even(x / scale) + zero_point)
/// The division is done in f32 (as ONNX QuantizeLinear does), the rounding and the addition exactly.
inline int32_t quantize_value(float x, float scale, int32_t zero_point, QRange r) {
  const float q = x / scale;
  if (std::isnan(q)) return saturate(zero_point, r);
  const double v = round_half_even(static_cast<double>(q));
  if (v >= 4.0e9) return r.qmax;  // keeps the int64 conversion below defined for huge / infinite values
  if (v <= -4.0e9) return r.qmin;
  return saturate(static_cast<int64_t>(v) + zero_point, r);
}
inline int32_t quantize_value(float x, const QParams& p) {
  return quantize_value(x, p.scale, p.zero_point, p.range);
}

/// Code -> float: (q - zero_point) * scale, computed in f32 (as ONNX DequantizeLinear).
inline float dequantize_value(int32_t q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int64_t>(q) - zero_point) * scale;
}
inline float dequantize_value(int32_t q, const QParams& p) {
  return dequantize_value(q, p.scale, p.zero_point);
}

/// Bias quantization: bias_q = saturate_int32(round_half_even(b / (s_in * s_w))), computed in double.
inline int32_t quantize_bias(float b, float s_in, float s_w) {
  const double denom = static_cast<double>(s_in) * static_cast<double>(s_w);
  return round_saturate(static_cast<double>(b) / denom, kRangeI32);
}

// ---------------------------------------------------------------------------------------------------------
// Choosing scales / zero points
// ---------------------------------------------------------------------------------------------------------

/// Symmetric scale for a threshold T (= max |x|): T / qmax_positive (127 for int8, 32767 for int16).
/// T <= 0, NaN or inf gives kMinScale. The division is done in f32.
inline float symmetric_scale(float threshold, int bits) {
  const float denom = bits == 16 ? 32767.0f : 127.0f;
  if (!(threshold > 0.0f) || !std::isfinite(threshold)) return kMinScale;
  const float s = threshold / denom;
  return s > kMinScale ? s : kMinScale;
}

/// Asymmetric uint8: the range [min, max] is widened to contain 0, scale = (max - min) / 255 (f32),
/// zero_point = clamp(round_half_even(-min / scale), 0, 255). An empty range (max == min == 0) or a non-finite
/// bound gives scale kMinScale, zero point 0 (non-finite bounds are treated as 0).
inline QParams asymmetric_u8_params(float min, float max) {
  if (!std::isfinite(min)) min = 0.0f;
  if (!std::isfinite(max)) max = 0.0f;
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  QParams p;
  p.range = kRangeU8;
  float s = (max - min) / 255.0f;
  // max - min can overflow f32 for absurd ranges: redo that case in double (the result fits in f32).
  if (std::isinf(s)) s = static_cast<float>((static_cast<double>(max) - min) / 255.0);
  if (!(s > kMinScale)) s = kMinScale;
  p.scale = s;
  p.zero_point = round_saturate(static_cast<double>(-min / s), kRangeU8);
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Requantization: M = mult * 2^(shift - 31)
// ---------------------------------------------------------------------------------------------------------

/// A positive real multiplier M represented as mult * 2^(shift - 31) with mult in [2^30, 2^31), or {0, 0} for
/// M == 0. shift is in [-61, 31] (see quantize_multiplier for the clamps at both ends), so the total right
/// shift r = 31 - shift of requantization is in [0, 92].
struct QuantizedMultiplier {
  int32_t mult = 0;
  int32_t shift = 0;
  friend bool operator==(const QuantizedMultiplier&, const QuantizedMultiplier&) = default;
};

/// Encodes a real multiplier. Rules (all assert-free):
///  - M == 0, M < 0, NaN, or M < 2^-62  -> {0, 0} (the product is 0 for every int32 accumulator anyway
///    up to the rounding, which the spec then defines as exactly 0).
///  - M >= 2^31 or +inf                 -> {2^31 - 1, 31}: M ~= 2^31, so any non-zero accumulator
///    saturates to qmin/qmax, exactly as the true product would.
///  - otherwise M = f * 2^e with f in [0.5, 1) (frexp, exact); mult = round_half_even(f * 2^31) (exact
///    product, one rounding); if that rounds up to 2^31, mult = 2^30 and e += 1; shift = e.
inline QuantizedMultiplier quantize_multiplier(double m) {
  if (std::isnan(m) || !(m > 0.0)) return {0, 0};
  if (m >= 2147483648.0) return {std::numeric_limits<int32_t>::max(), 31};
  int e = 0;
  const double f = std::frexp(m, &e);  // m = f * 2^e, f in [0.5, 1)
  if (e < -61) return {0, 0};          // m < 2^-62
  int64_t q = static_cast<int64_t>(round_half_even(std::ldexp(f, 31)));
  if (q == (int64_t{1} << 31)) {
    q >>= 1;
    ++e;
  }
  if (e > 31) return {std::numeric_limits<int32_t>::max(), 31};
  return {static_cast<int32_t>(q), e};
}

/// The real value a QuantizedMultiplier stands for (for tests and documentation).
inline double multiplier_value(QuantizedMultiplier m) {
  return std::ldexp(static_cast<double>(m.mult), m.shift - 31);
}

/// Scales an accumulator by M with the ONE rounding rule of npukit, without zero point or clamp:
///   v = floor(acc * mult / 2^r + 1/2)  with r = 31 - shift   (round half UP, i.e. toward +inf on ties)
/// evaluated exactly. Implementation: p = acc * mult in 128-bit; r >= 1: (p + 2^(r-1)) >> r (arithmetic);
/// r <= 0 (only r == 0 occurs, M in [2^30, 2^31)): p << -r with saturation.
/// The result is saturated to [-2^40, 2^40] (wide enough that adding any int32 zero point
/// and clamping to any int32 range gives the same answer as exact arithmetic).
/// For an int32 accumulator, |p| < 2^62, so any r >= 63 gives exactly 0: that is the defined result.
inline int64_t scale_round(int64_t acc, QuantizedMultiplier m) {
  constexpr int64_t kLim = int64_t{1} << 40;
  if (m.mult == 0 || acc == 0) return 0;
  const __int128 p = static_cast<__int128>(acc) * m.mult;  // |p| < 2^94
  const int64_t r = 31 - static_cast<int64_t>(m.shift);    // int64: no overflow for any int32 shift
  __int128 v;
  if (r >= 1) {
    if (r >= 100) return 0;                                // |p| < 2^94: |p / 2^r| < 2^-6, rounds to 0
    v = (p + (static_cast<__int128>(1) << (r - 1))) >> r;  // >> on signed __int128 is arithmetic (GCC/Clang)
  } else {
    // M >= 2^30: the result is at least 2^30 * |acc| before saturation.
    const int64_t l = -r;  // 0 for encoded multipliers; larger only for hand-made {mult, shift}
    const __int128 lim = static_cast<__int128>(kLim) >> std::min<int64_t>(l, 41);
    if (p > lim || p < -lim) return p > 0 ? kLim : -kLim;
    v = p << l;
  }
  if (v > kLim) return kLim;
  if (v < -kLim) return -kLim;
  return static_cast<int64_t>(v);
}

/// Full requantization: clamp(scale_round(acc, m) + out_zp, qmin, qmax). Fused ReLU / ReLU6 / Clip are
/// expressed only through qmin / qmax (see fused_range).
inline int32_t requantize(int64_t acc, QuantizedMultiplier m, int32_t out_zp, QRange r) {
  return saturate(scale_round(acc, m) + out_zp, r);
}
inline int32_t requantize(int64_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t qmin, int32_t qmax) {
  return requantize(acc, QuantizedMultiplier{mult, shift}, out_zp, QRange{qmin, qmax});
}

/// Integer division rounding half up (toward +inf on ties): floor(n / d + 1/2), d > 0. Exact.
/// Used by average pooling. d <= 0 returns 0 (callers never pass it).
inline int64_t div_round_half_up(int64_t n, int64_t d) {
  if (d <= 0) return 0;
  const __int128 num = static_cast<__int128>(n) * 2 + d;
  const __int128 den = static_cast<__int128>(d) * 2;
  __int128 q = num / den;  // truncates toward 0: fix up to floor for negative numerators
  if ((num % den != 0) && (num < 0)) --q;
  return static_cast<int64_t>(q);
}

/// Average pooling with a scale change: the multiplier applied to a window SUM of `count` elements,
/// quantize_multiplier(multiplier_value(m) / count). multiplier_value(m) is exact in double and the
/// division is correctly rounded, so every executor derives the same fixed-point value from (m, count).
inline QuantizedMultiplier avgpool_multiplier(QuantizedMultiplier m, int64_t count) {
  return quantize_multiplier(multiplier_value(m) / static_cast<double>(count));
}

/// Output range for a fused activation clamp [lo, hi] (float, +-inf allowed) of an output with scale / zero
/// point: [max(base.qmin, quantize(lo)), min(base.qmax, quantize(hi))]. Because quantization is monotone,
/// clamp(quantize(y), quantize(lo), quantize(hi)) == quantize(clamp(y, lo, hi)) exactly.
/// ReLU = [0, +inf] (qmin becomes the zero point), ReLU6 = [0, 6], Clip(a, b) = [a, b].
inline QRange fused_range(float lo, float hi, float out_scale, int32_t out_zp, QRange base) {
  QRange r = base;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (lo > -kInf) r.qmin = std::max(base.qmin, quantize_value(lo, out_scale, out_zp, base));
  if (hi < kInf) r.qmax = std::min(base.qmax, quantize_value(hi, out_scale, out_zp, base));
  if (r.qmax < r.qmin) r.qmax = r.qmin;  // degenerate clamp (lo > hi): constant output, like Clip
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise add / sub / mul between tensors with different scales
// ---------------------------------------------------------------------------------------------------------

/// Parameters of the add/sub recipe (see docs/QUANTIZATION.md, "Elementwise add"):
///   a' = scale_round((a - za) << L, ma)      b' = scale_round((b - zb) << L, mb)
///   out = requantize(a' +- b', mo, zo, range)
/// with ma = sa / (2 max(sa, sb)), mb = sb / (2 max(sa, sb)), mo = 2 max(sa, sb) / (2^L so),
/// L = 20 for 8-bit inputs, 15 for 16-bit inputs.
struct AddParams {
  int32_t a_zp = 0, b_zp = 0, out_zp = 0;
  int32_t left_shift = 20;
  QuantizedMultiplier a_mult, b_mult, out_mult;
  QRange range = kRangeI8;
};

/// Builds AddParams from scales (multipliers computed in double from the f32 scales).
inline AddParams make_add_params(float sa, int32_t za, float sb, int32_t zb, float so, int32_t zo, QRange range,
                                 bool sixteen_bit = false) {
  AddParams p;
  p.a_zp = za;
  p.b_zp = zb;
  p.out_zp = zo;
  p.left_shift = sixteen_bit ? 15 : 20;
  p.range = range;
  const double twice_max = 2.0 * std::max(static_cast<double>(sa), static_cast<double>(sb));
  p.a_mult = quantize_multiplier(static_cast<double>(sa) / twice_max);
  p.b_mult = quantize_multiplier(static_cast<double>(sb) / twice_max);
  p.out_mult = quantize_multiplier(twice_max / (std::ldexp(1.0, p.left_shift) * static_cast<double>(so)));
  return p;
}

/// One element of quantized add (subtract = true: a - b). Precondition: left_shift in [0, 24] (the kernels
/// check it; make_add_params produces 15 or 20).
inline int32_t add_quantized(int32_t a, int32_t b, const AddParams& p, bool subtract = false) {
  const int64_t sa = (static_cast<int64_t>(a) - p.a_zp) * (int64_t{1} << p.left_shift);
  const int64_t sb = (static_cast<int64_t>(b) - p.b_zp) * (int64_t{1} << p.left_shift);
  const int64_t ra = scale_round(sa, p.a_mult);
  const int64_t rb = scale_round(sb, p.b_mult);
  return requantize(subtract ? ra - rb : ra + rb, p.out_mult, p.out_zp, p.range);
}

/// Parameters of quantized multiply: out = requantize((a - za) * (b - zb), m = sa * sb / so, zo, range).
struct MulParams {
  int32_t a_zp = 0, b_zp = 0, out_zp = 0;
  QuantizedMultiplier mult;
  QRange range = kRangeI8;
};

inline MulParams make_mul_params(float sa, int32_t za, float sb, int32_t zb, float so, int32_t zo, QRange range) {
  MulParams p;
  p.a_zp = za;
  p.b_zp = zb;
  p.out_zp = zo;
  p.range = range;
  p.mult = quantize_multiplier(static_cast<double>(sa) * static_cast<double>(sb) / static_cast<double>(so));
  return p;
}

inline int32_t mul_quantized(int32_t a, int32_t b, const MulParams& p) {
  const int64_t prod = (static_cast<int64_t>(a) - p.a_zp) * (static_cast<int64_t>(b) - p.b_zp);
  return requantize(prod, p.mult, p.out_zp, p.range);
}

/// Multiplier for a plain rescale of codes from one scale to another (requantize, concat, pooling):
/// m = s_in / s_out in double.
inline QuantizedMultiplier rescale_multiplier(float s_in, float s_out) {
  return quantize_multiplier(static_cast<double>(s_in) / static_cast<double>(s_out));
}

// ---------------------------------------------------------------------------------------------------------
// Lookup tables for nonlinear activations
// ---------------------------------------------------------------------------------------------------------

/// Table for every input code in in.range: entry i is the output code for input code in.range.qmin + i:
///   table[i] = round_saturate(fn((code - in.zp) * in.scale) / out.scale + out.zp)       (all in double)
/// The input is dequantized in double (exact for every code), fn is evaluated in double, and the result is
/// quantized with round half to even + saturation. Executors copy the table; they never re-evaluate fn.
inline std::vector<int32_t> build_lut(const std::function<double(double)>& fn, const QParams& in, const QParams& out) {
  std::vector<int32_t> t;
  if (in.range.qmax < in.range.qmin) return t;
  t.reserve(static_cast<size_t>(static_cast<int64_t>(in.range.qmax) - in.range.qmin + 1));
  for (int64_t c = in.range.qmin; c <= in.range.qmax; ++c) {
    const double x = static_cast<double>(c - in.zero_point) * static_cast<double>(in.scale);
    const double y = fn(x);
    t.push_back(round_saturate(y / static_cast<double>(out.scale) + static_cast<double>(out.zero_point), out.range));
  }
  return t;
}

/// 256-entry table for int8 / uint8 inputs (in.range must span 256 codes; otherwise the table is empty).
inline std::vector<int32_t> build_lut_int8(const std::function<double(double)>& fn, const QParams& in,
                                           const QParams& out) {
  if (static_cast<int64_t>(in.range.qmax) - in.range.qmin != 255) return {};
  return build_lut(fn, in, out);
}

/// 65536-entry table for int16 inputs (used for Sigmoid / Tanh and any other unary op on int16).
inline std::vector<int32_t> build_lut_int16(const std::function<double(double)>& fn, const QParams& in,
                                            const QParams& out) {
  if (static_cast<int64_t>(in.range.qmax) - in.range.qmin != 65535) return {};
  return build_lut(fn, in, out);
}

/// The float functions the vector unit implements through tables (double precision definitions).
namespace act {
inline double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
inline double tanh(double x) {
  return std::tanh(x);
}
/// ONNX HardSigmoid: max(0, min(1, alpha x + beta)), defaults alpha = 0.2, beta = 0.5.
inline double hard_sigmoid(double x, double alpha = 0.2, double beta = 0.5) {
  return std::max(0.0, std::min(1.0, alpha * x + beta));
}
/// ONNX HardSwish: x * max(0, min(1, x / 6 + 1/2)).
inline double hard_swish(double x) {
  return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
}
inline double exp(double x) {
  return std::exp(x);
}
inline double erf(double x) {
  return std::erf(x);
}
/// Exact (erf) GELU: x / 2 (1 + erf(x / sqrt 2)).
inline double gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
}  // namespace act

}  // namespace npukit::quant
