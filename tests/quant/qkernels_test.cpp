// SPDX-License-Identifier: Apache-2.0
// Integer reference kernels (kernels/ref/qkernels.h) against
//  (1) an INDEPENDENT float computation: dequantize -> real math in double -> quantize with std::nearbyint
//      (round half even). The integer kernel may differ by at most 1 LSB: it uses a multiplier rounded to
//      31 bits (relative error <= 2^-31) and rounds ties up, so when the exact real value lies within a tiny
//      distance of a half-integer the two roundings can pick neighbouring codes, never codes 2 apart.
//      Average pooling rounds twice (division, then rescale with M <= 1): error < 0.5 M + 0.5 + 0.5 < 2 codes,
//      so still <= 1 LSB. Every comparison also requires >= 90% (pooling: 70%) of the codes to be exactly
//      equal and outputs not to be mostly saturated (so a kernel returning garbage within 1 LSB of a clamp cannot
//      pass).
//  (2) small hand-computed cases pinned bit-exactly.
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/ref/qkernels.h"
#include "quant/arith.h"
#include "util/qcodes.h"

namespace npukit::qref {
namespace {

using quant::kRangeI16;
using quant::kRangeI8;
using quant::kRangeU8;
using quant::QParams;
using testing::random_codes;

// ------------------------------------------------------------------------------------------------ helpers

Tensor codes_tensor(DType dt, const Shape& shape, const std::vector<int32_t>& v) {
  Tensor t(dt, shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (dt) {
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(v[static_cast<size_t>(i)]); break;
      case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v[static_cast<size_t>(i)]); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(v[static_cast<size_t>(i)]); break;
      case DType::kI32: t.data<int32_t>()[i] = v[static_cast<size_t>(i)]; break;
      default: ADD_FAILURE() << "bad dtype";
    }
  }
  return t;
}

std::vector<int64_t> codes_of(const Tensor& t) {
  return t.to_int64_vector();
}

/// Independent float -> code: nearbyint (default mode: half to even), then clamp.
int64_t ref_quant(double v, double scale, int64_t zp, QRange r) {
  const double q = std::nearbyint(v / scale) + static_cast<double>(zp);
  return static_cast<int64_t>(std::min<double>(r.qmax, std::max<double>(r.qmin, q)));
}

/// Compares integer-kernel codes with float-reference codes: |diff| <= 1, >= 90% exact, < 50% at a clamp.
/// min_exact_percent is 90 except for average pooling, which rounds twice by specification (integer division,
/// then requantization), so about 1 in 5 codes sits 1 LSB from the single-rounding float result.
void expect_close(const Tensor& got, const std::vector<int64_t>& want, QRange r, size_t min_exact_percent = 90) {
  const std::vector<int64_t> g = codes_of(got);
  ASSERT_EQ(g.size(), want.size());
  size_t exact = 0, clamped = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    ASSERT_LE(std::llabs(g[i] - want[i]), 1) << "element " << i << ": kernel " << g[i] << " float ref " << want[i];
    exact += g[i] == want[i];
    clamped += want[i] == r.qmin || want[i] == r.qmax;
  }
  EXPECT_GE(exact * 100, g.size() * min_exact_percent) << exact << " of " << g.size() << " exact";
  EXPECT_LT(clamped * 2, g.size()) << clamped << " of " << g.size() << " at a clamp: test not informative";
}

std::vector<QuantizedMultiplier> mults(const std::vector<double>& m) {
  std::vector<QuantizedMultiplier> r;
  for (double v : m) r.push_back(quant::quantize_multiplier(v));
  return r;
}

// ------------------------------------------------------------------------------------------------ conv

struct ConvCase {
  int64_t n, c, h, w, co, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr;
  DType xdt;
  int32_t xzp;
  bool per_channel;
};

/// Float reference conv: real = sx * sw[c] * (sum (x - zx) * w + bias), quantized with nearbyint.
/// Returns the reference codes; sets the output scale so that results spread over the int8 range.
void run_conv_case(const ConvCase& k, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << "conv c=" << k.c << " co=" << k.co << " g=" << k.group << " seed " << seed);
  const QRange xr = qref::dtype_range(k.xdt);
  const Tensor x = random_codes(k.xdt, {k.n, k.c, k.h, k.w}, xr.qmin, xr.qmax, seed);
  const Tensor w = random_codes(DType::kI8, {k.co, k.c / k.group, k.kh, k.kw}, -127, 127, seed + 1);
  const Tensor bias = random_codes(DType::kI32, {k.co}, -3000, 3000, seed + 2);
  const double sx = k.xdt == DType::kI16 ? 0.0005 : 0.05;
  std::vector<double> sw(static_cast<size_t>(k.co));
  for (int64_t c = 0; c < k.co; ++c) sw[static_cast<size_t>(c)] = k.per_channel ? 0.002 * (1 + c % 5) : 0.003;
  const int64_t oh = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
  const int64_t ow = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
  const int64_t cg = k.c / k.group, cog = k.co / k.group;
  std::vector<double> real(static_cast<size_t>(k.n * k.co * oh * ow));
  const auto xs = codes_of(x), ws = codes_of(w), bs = codes_of(bias);
  double maxabs = 0;
  for (int64_t b = 0; b < k.n; ++b)
    for (int64_t oc = 0; oc < k.co; ++oc)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = static_cast<double>(bs[static_cast<size_t>(oc)]) * sx * sw[static_cast<size_t>(oc)];
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t ky = 0; ky < k.kh; ++ky)
              for (int64_t kx = 0; kx < k.kw; ++kx) {
                const int64_t iy = oy * k.sh - k.pt + ky * k.dh, ix = ox * k.sw - k.pl + kx * k.dw;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                const double xv =
                    (xs[static_cast<size_t>(((b * k.c + (oc / cog) * cg + ic) * k.h + iy) * k.w + ix)] - k.xzp) * sx;
                const double wv =
                    ws[static_cast<size_t>(((oc * cg + ic) * k.kh + ky) * k.kw + kx)] * sw[static_cast<size_t>(oc)];
                s += xv * wv;
              }
          real[static_cast<size_t>(((b * k.co + oc) * oh + oy) * ow + ox)] = s;
          maxabs = std::max(maxabs, std::fabs(s));
        }
  const double so = maxabs / 100.0;  // outputs spread over ~[-100, 100] codes
  const int32_t ozp = 3;
  QConv2dParams p;
  p.group = k.group;
  p.stride_h = k.sh, p.stride_w = k.sw, p.dilation_h = k.dh, p.dilation_w = k.dw;
  p.pad_top = k.pt, p.pad_left = k.pl, p.pad_bottom = k.pb, p.pad_right = k.pr;
  p.input_zero_point = k.xzp;
  std::vector<double> m;
  for (int64_t c = 0; c < (k.per_channel ? k.co : 1); ++c) m.push_back(sx * sw[static_cast<size_t>(c)] / so);
  p.out_mult = mults(m);
  p.output_zero_point = ozp;
  p.out_range = kRangeI8;
  p.output_dtype = DType::kI8;
  Tensor y;
  ASSERT_TRUE(qconv2d(x, w, &bias, p, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{k.n, k.co, oh, ow}));
  ASSERT_EQ(y.dtype(), DType::kI8);
  std::vector<int64_t> want(real.size());
  for (size_t i = 0; i < real.size(); ++i) want[i] = ref_quant(real[i], so, ozp, kRangeI8);
  expect_close(y, want, kRangeI8);

  // Fused ReLU: only the range changes; must equal max(code, zero point) of the unfused result exactly.
  QConv2dParams pr = p;
  pr.out_range = quant::fused_range(0.0f, INFINITY, static_cast<float>(so), ozp, kRangeI8);
  Tensor yr;
  ASSERT_TRUE(qconv2d(x, w, &bias, pr, &yr).ok());
  const auto a = codes_of(y), r = codes_of(yr);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(r[i], std::max<int64_t>(a[i], ozp));
}

TEST(QKernels, ConvAgainstFloatReference) {
  // n c h w co kh kw group sh sw dh dw pt pl pb pr dtype zp per_channel
  run_conv_case({1, 3, 7, 9, 13, 3, 3, 1, 2, 2, 1, 1, 1, 0, 2, 1, DType::kU8, 7, true}, 1);
  run_conv_case({2, 13, 9, 7, 13, 3, 3, 13, 1, 1, 2, 2, 2, 2, 2, 2, DType::kI8, 0, true}, 2);    // depthwise, dil 2
  run_conv_case({1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::kI8, 0, false}, 3);      // channels 1
  run_conv_case({1, 127, 3, 5, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, DType::kI8, 0, true}, 4);     // K = 127
  run_conv_case({1, 6, 11, 5, 4, 2, 3, 2, 2, 1, 1, 1, 0, 1, 1, 0, DType::kU8, 128, true}, 5);    // grouped
  run_conv_case({1, 3, 6, 6, 5, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1, DType::kI16, 0, true}, 6);      // int16 input
  run_conv_case({1, 13, 5, 5, 127, 1, 3, 1, 1, 2, 1, 1, 0, 1, 0, 1, DType::kI8, -5, false}, 7);  // co = 127
}

TEST(QKernels, ConvExactHandComputed) {
  // x 1x1x3x3 = 1..9 (int8, zp 1 -> 0..8), w 1x1x2x2 = [1 2; 3 4], bias 5, M = 0.5, out zp -1, stride 1.
  // windows (x - 1): [0 1;3 4] -> 0+2+9+16 = 27 (+5 = 32 -> 16 -> 15); [1 2;4 5] -> 1+4+12+20 = 37 (+5 = 42 -> 21
  // -> 20); [3 4;6 7] -> 3+8+18+28 = 57 (62 -> 31 -> 30); [4 5;7 8] -> 4+10+21+32 = 67 (72 -> 36 -> 35).
  const Tensor x = codes_tensor(DType::kI8, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w = codes_tensor(DType::kI8, {1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor b = codes_tensor(DType::kI32, {1}, {5});
  QConv2dParams p;
  p.input_zero_point = 1;
  p.out_mult = mults({0.5});
  p.output_zero_point = -1;
  Tensor y;
  ASSERT_TRUE(qconv2d(x, w, &b, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{15, 20, 30, 35}));
  // Tie: bias 6 -> 33 * 0.5 = 16.5 -> 17 (half up) -> 16 with zp -1; -33 * 0.5 = -16.5 -> -16 -> -17.
  const Tensor b2 = codes_tensor(DType::kI32, {1}, {6});
  ASSERT_TRUE(qconv2d(x, w, &b2, p, &y).ok());
  EXPECT_EQ(codes_of(y)[0], 16);
  const Tensor wn = codes_tensor(DType::kI8, {1, 1, 2, 2}, {-1, -2, -3, -4});
  const Tensor b3 = codes_tensor(DType::kI32, {1}, {-6});
  ASSERT_TRUE(qconv2d(x, wn, &b3, p, &y).ok());
  EXPECT_EQ(codes_of(y)[0], -17);
  // Padding contributes real 0 even with a non-zero input zero point: 1x1 kernel w = 2 on a padded border.
  const Tensor w1 = codes_tensor(DType::kI8, {1, 1, 1, 1}, {2});
  QConv2dParams pp = p;
  pp.pad_top = pp.pad_left = 1;
  pp.out_mult = mults({1.0});
  pp.output_zero_point = 0;
  ASSERT_TRUE(qconv2d(x, w1, nullptr, pp, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 2, 4, 0, 6, 8, 10, 0, 12, 14, 16}));
}

TEST(QKernels, ConvResidualFusionEqualsConvThenAdd) {
  const Tensor x = random_codes(DType::kI8, {1, 13, 7, 5}, -128, 127, 11);
  const Tensor w = random_codes(DType::kI8, {13, 13, 3, 3}, -127, 127, 12);
  const Tensor b = random_codes(DType::kI32, {13}, -2000, 2000, 13);
  const Tensor res = random_codes(DType::kI8, {1, 13, 7, 5}, -128, 127, 14);
  QConv2dParams p;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  std::vector<double> m;
  for (int c = 0; c < 13; ++c) m.push_back(0.0004 * (1 + c % 3));
  p.out_mult = mults(m);
  p.output_zero_point = 2;
  p.residual_add =
      quant::make_add_params(0.1f, 2, 0.07f, 0, 0.15f, -3, quant::fused_range(0.0f, INFINITY, 0.15f, -3, kRangeI8));
  Tensor mid, unfused, fused;
  ASSERT_TRUE(qconv2d(x, w, &b, p, &mid).ok());
  ASSERT_TRUE(qadd(mid, res, p.residual_add, DType::kI8, &unfused).ok());
  ASSERT_TRUE(qconv2d(x, w, &b, p, &fused, &res).ok());
  EXPECT_TRUE(fused.bit_equal(unfused));
  // Informative: the residual matters, and the fused ReLU clamps at the output zero point -3.
  EXPECT_FALSE(fused.bit_equal(mid));
  for (int64_t v : codes_of(fused)) ASSERT_GE(v, -3);
  // Residual shape mismatch is an error, not a crash.
  const Tensor bad = random_codes(DType::kI8, {1, 13, 7, 4}, -128, 127, 15);
  EXPECT_EQ(qconv2d(x, w, &b, p, &fused, &bad).code(), ErrorCode::kShapeMismatch);
}

TEST(QKernels, ConvRejectsBadParameters) {
  const Tensor x = random_codes(DType::kI8, {1, 4, 5, 5}, -128, 127, 1);
  const Tensor w = random_codes(DType::kI8, {6, 2, 3, 3}, -127, 127, 2);
  QConv2dParams p;
  p.out_mult = mults({0.01});
  Tensor y;
  EXPECT_EQ(qconv2d(x, w, nullptr, p, &y).code(), ErrorCode::kShapeMismatch);  // group 1 needs w [.,4,.,.]
  p.group = 2;
  EXPECT_TRUE(qconv2d(x, w, nullptr, p, &y).ok());
  p.out_mult = mults({0.01, 0.02});
  EXPECT_EQ(qconv2d(x, w, nullptr, p, &y).code(), ErrorCode::kShapeMismatch);  // 2 multipliers for 6 channels
  p.out_mult = mults({0.01});
  const Tensor b = codes_tensor(DType::kI32, {5}, {0, 0, 0, 0, 0});
  EXPECT_EQ(qconv2d(x, w, &b, p, &y).code(), ErrorCode::kShapeMismatch);
  p.stride_h = 0;
  EXPECT_EQ(qconv2d(x, w, nullptr, p, &y).code(), ErrorCode::kInvalidArgument);
  p.stride_h = 1;
  p.out_range = QRange{-200, 127};
  EXPECT_EQ(qconv2d(x, w, nullptr, p, &y).code(), ErrorCode::kInvalidArgument);
  p.out_range = kRangeI8;
  p.input_zero_point = 300;
  EXPECT_EQ(qconv2d(x, w, nullptr, p, &y).code(), ErrorCode::kInvalidArgument);
  p.input_zero_point = 0;
  const Tensor xf(DType::kF32, {1, 4, 5, 5});
  EXPECT_EQ(qconv2d(xf, w, nullptr, p, &y).code(), ErrorCode::kUnsupportedAttr);
  const Tensor big = random_codes(DType::kI8, {6, 2, 9, 9}, -127, 127, 3);
  EXPECT_EQ(qconv2d(x, big, nullptr, p, &y).code(), ErrorCode::kShapeMismatch);  // kernel > input
}

// ------------------------------------------------------------------------------------------------ gemm / matmul

void run_gemm_case(int64_t m, int64_t k, int64_t n, DType adt, int32_t azp, bool per_channel, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << "gemm " << m << "x" << k << "x" << n << " seed " << seed);
  const QRange ar = dtype_range(adt);
  const Tensor a = random_codes(adt, {m, k}, ar.qmin, ar.qmax, seed);
  const Tensor w = random_codes(DType::kI8, {n, k}, -127, 127, seed + 1);
  const Tensor b = random_codes(DType::kI32, {n}, -5000, 5000, seed + 2);
  const double sa = adt == DType::kI16 ? 0.0001 : 0.02;
  std::vector<double> sw;
  for (int64_t j = 0; j < n; ++j) sw.push_back(per_channel ? 0.001 * (1 + j % 7) : 0.004);
  const auto as = codes_of(a), ws = codes_of(w), bs = codes_of(b);
  std::vector<double> real(static_cast<size_t>(m * n));
  double maxabs = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = bs[static_cast<size_t>(j)] * sa * sw[static_cast<size_t>(j)];
      for (int64_t t = 0; t < k; ++t)
        s += (as[static_cast<size_t>(i * k + t)] - azp) * sa *
             (ws[static_cast<size_t>(j * k + t)] * sw[static_cast<size_t>(j)]);
      real[static_cast<size_t>(i * n + j)] = s;
      maxabs = std::max(maxabs, std::fabs(s));
    }
  const DType odt = adt == DType::kI16 ? DType::kI16 : DType::kU8;
  const QRange orr = dtype_range(odt);
  const double so = maxabs / (odt == DType::kI16 ? 20000.0 : 100.0);
  const int32_t ozp = odt == DType::kI16 ? 0 : 128;
  QGemmParams p;
  p.a_zero_point = azp;
  std::vector<double> mm;
  for (int64_t j = 0; j < (per_channel ? n : 1); ++j) mm.push_back(sa * sw[static_cast<size_t>(j)] / so);
  p.out_mult = mults(mm);
  p.output_zero_point = ozp;
  p.out_range = orr;
  p.output_dtype = odt;
  Tensor y;
  ASSERT_TRUE(qgemm(a, w, &b, p, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{m, n}));
  std::vector<int64_t> want(real.size());
  for (size_t i = 0; i < real.size(); ++i) want[i] = ref_quant(real[i], so, ozp, orr);
  expect_close(y, want, orr);
}

TEST(QKernels, GemmAgainstFloatReference) {
  run_gemm_case(3, 13, 7, DType::kI8, 0, true, 21);
  run_gemm_case(5, 127, 3, DType::kU8, 100, true, 22);
  run_gemm_case(1, 1, 1, DType::kI8, 0, false, 23);
  run_gemm_case(4, 37, 13, DType::kU8, 0, false, 24);
  run_gemm_case(3, 1023, 9, DType::kI16, 0, true, 25);  // int16 x int8, int64 accumulation
}

TEST(QKernels, GemmExactAndErrors) {
  // a = [[1, 2, 3]] (zp 0), w = [[1, 1, 1], [-1, 0, 2]], bias [1, 0]; M = [1/4, 1/2], out zp 0.
  // row 0: 6 + 1 = 7 -> 1.75 -> 2; row 1: -1 + 6 = 5 -> 2.5 -> 3 (half up).
  const Tensor a = codes_tensor(DType::kI8, {1, 3}, {1, 2, 3});
  const Tensor w = codes_tensor(DType::kI8, {2, 3}, {1, 1, 1, -1, 0, 2});
  const Tensor b = codes_tensor(DType::kI32, {2}, {1, 0});
  QGemmParams p;
  p.out_mult = mults({0.25, 0.5});
  Tensor y;
  ASSERT_TRUE(qgemm(a, w, &b, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{2, 3}));
  const Tensor w_bad = codes_tensor(DType::kI8, {2, 2}, {1, 1, 1, 1});
  EXPECT_EQ(qgemm(a, w_bad, &b, p, &y).code(), ErrorCode::kShapeMismatch);
  const Tensor b_bad = codes_tensor(DType::kI32, {3}, {1, 0, 0});
  EXPECT_EQ(qgemm(a, w, &b_bad, p, &y).code(), ErrorCode::kShapeMismatch);
}

TEST(QKernels, MatMulAgainstFloatReference) {
  // Batched activation x activation product, both uint8 with zero points; per-tensor multiplier.
  const Tensor a = random_codes(DType::kU8, {2, 3, 5}, 0, 255, 31);
  const Tensor b = random_codes(DType::kU8, {2, 5, 4}, 0, 255, 32);
  const double sa = 0.03, sb = 0.02;
  const int32_t za = 120, zb = 9;
  const auto as = codes_of(a), bs = codes_of(b);
  std::vector<double> real(2 * 3 * 4);
  double maxabs = 0;
  for (int bi = 0; bi < 2; ++bi)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) {
        double s = 0;
        for (int t = 0; t < 5; ++t)
          s += (as[static_cast<size_t>((bi * 3 + i) * 5 + t)] - za) * sa *
               ((bs[static_cast<size_t>((bi * 5 + t) * 4 + j)] - zb) * sb);
        real[static_cast<size_t>((bi * 3 + i) * 4 + j)] = s;
        maxabs = std::max(maxabs, std::fabs(s));
      }
  const double so = maxabs / 100;
  QMatMulParams p;
  p.a_zero_point = za;
  p.b_zero_point = zb;
  p.out_mult = mults({sa * sb / so});
  p.output_zero_point = -7;
  Tensor y;
  ASSERT_TRUE(qmatmul(a, b, p, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  std::vector<int64_t> want(real.size());
  for (size_t i = 0; i < real.size(); ++i) want[i] = ref_quant(real[i], so, -7, kRangeI8);
  expect_close(y, want, kRangeI8);
  // Weights [K, N] shared over the batch, per-column multipliers: exact small case.
  const Tensor a2 = codes_tensor(DType::kI8, {2, 1, 2}, {1, 2, -3, 4});
  const Tensor w2 = codes_tensor(DType::kI8, {2, 2}, {1, 2, 3, 4});  // columns [1,3], [2,4]
  QMatMulParams p2;
  p2.out_mult = mults({1.0, 0.5});
  ASSERT_TRUE(qmatmul(a2, w2, p2, &y).ok());
  // batch 0: [1 2] -> [7, 10 * 0.5 = 5]; batch 1: [-3 4] -> [9, 10 * 0.5 = 5]
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{7, 5, 9, 5}));
  const Tensor bad = codes_tensor(DType::kI8, {3, 2}, {0, 0, 0, 0, 0, 0});
  EXPECT_EQ(qmatmul(a2, bad, p2, &y).code(), ErrorCode::kShapeMismatch);
}

// ------------------------------------------------------------------------------------------------ elementwise

enum class Bin { kAdd, kSub, kMul };

void run_binary_case(Bin op, const Shape& sa_shape, const Shape& sb_shape, const Shape& out_shape, DType adt, DType bdt,
                     uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << "binary op " << static_cast<int>(op) << " seed " << seed);
  const QRange ar = dtype_range(adt), br = dtype_range(bdt);
  const Tensor a = random_codes(adt, sa_shape, ar.qmin, ar.qmax, seed);
  const Tensor b = random_codes(bdt, sb_shape, br.qmin, br.qmax, seed + 1);
  const float sa = adt == DType::kI16 ? 0.0003f : 0.05f, sb = bdt == DType::kI16 ? 0.0002f : 0.021f;
  const int32_t za = adt == DType::kU8 ? 131 : 0, zb = bdt == DType::kU8 ? 77 : 0;
  const bool sixteen = adt == DType::kI16;
  const DType odt = sixteen ? DType::kI16 : DType::kI8;
  const QRange orr = dtype_range(odt);
  float so = 0;
  if (op == Bin::kMul)
    so = sa * sb * (sixteen ? 32768.0f * 32768.0f / 20000.0f : 128.0f * 128.0f / 100.0f);
  else
    so = (sa * ar.qmax + sb * br.qmax) / (sixteen ? 20000.0f : 100.0f);
  const int32_t zo = sixteen ? 0 : -4;
  const auto ac = codes_of(a), bc = codes_of(b);
  // Broadcast index mapping done independently with explicit coordinates.
  const size_t r = out_shape.size();
  std::vector<int64_t> want;
  std::vector<int64_t> idx(r, 0);
  const int64_t total = numel(out_shape);
  auto flat = [&](const Shape& s) {
    int64_t f = 0;
    for (size_t d = 0; d < s.size(); ++d) {
      const int64_t coord = idx[r - s.size() + d];
      f = f * s[d] + (s[d] == 1 ? 0 : coord);
    }
    return f;
  };
  for (int64_t i = 0; i < total; ++i) {
    const double x = (ac[static_cast<size_t>(flat(sa_shape))] - za) * static_cast<double>(sa);
    const double y = (bc[static_cast<size_t>(flat(sb_shape))] - zb) * static_cast<double>(sb);
    const double v = op == Bin::kAdd ? x + y : op == Bin::kSub ? x - y : x * y;
    want.push_back(ref_quant(v, so, zo, orr));
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  Tensor out;
  if (op == Bin::kMul) {
    ASSERT_TRUE(qmul(a, b, quant::make_mul_params(sa, za, sb, zb, so, zo, orr), odt, &out).ok());
  } else {
    const AddParams p = quant::make_add_params(sa, za, sb, zb, so, zo, orr, sixteen);
    ASSERT_TRUE((op == Bin::kAdd ? qadd(a, b, p, odt, &out) : qsub(a, b, p, odt, &out)).ok());
  }
  ASSERT_EQ(out.shape(), out_shape);
  expect_close(out, want, orr);
}

TEST(QKernels, ElementwiseAgainstFloatReference) {
  run_binary_case(Bin::kAdd, {2, 13, 3, 5}, {2, 13, 3, 5}, {2, 13, 3, 5}, DType::kI8, DType::kI8, 41);
  run_binary_case(Bin::kAdd, {2, 13, 3, 5}, {1, 13, 1, 1}, {2, 13, 3, 5}, DType::kU8, DType::kI8, 42);  // per-channel
  run_binary_case(Bin::kSub, {1, 3, 7, 1}, {1, 1, 1, 9}, {1, 3, 7, 9}, DType::kI8, DType::kU8, 43);     // both sides
  run_binary_case(Bin::kSub, {127, 3}, {}, {127, 3}, DType::kU8, DType::kU8, 44);                       // scalar
  run_binary_case(Bin::kMul, {2, 13, 3, 5}, {13, 1, 1}, {2, 13, 3, 5}, DType::kI8, DType::kU8, 45);
  run_binary_case(Bin::kMul, {}, {5, 7}, {5, 7}, DType::kU8, DType::kI8, 46);
  run_binary_case(Bin::kAdd, {3, 11}, {3, 11}, {3, 11}, DType::kI16, DType::kI16, 47);
  run_binary_case(Bin::kMul, {3, 11}, {1, 11}, {3, 11}, DType::kI16, DType::kI16, 48);
}

TEST(QKernels, ElementwiseExactAndErrors) {
  const Tensor a = codes_tensor(DType::kI8, {2, 2}, {3, -3, 100, 5});
  const Tensor b = codes_tensor(DType::kI8, {2}, {4, -4});
  Tensor y;
  // Output scale 2: (3+4)/2 = 3.5 -> 4, (-3-4)/2 = -3.5 -> -3, 104/2 = 52, (5-4)/2 = 0.5 -> 1.
  ASSERT_TRUE(qadd(a, b, quant::make_add_params(1, 0, 1, 0, 2, 0, kRangeI8), DType::kI8, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{4, -3, 52, 1}));
  ASSERT_TRUE(qsub(a, b, quant::make_add_params(1, 0, 1, 0, 1, 0, kRangeI8), DType::kI8, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-1, 1, 96, 9}));
  ASSERT_TRUE(qmul(a, b, quant::make_mul_params(1, 0, 1, 0, 4, 0, kRangeI8), DType::kI8, &y).ok());
  // 12/4 = 3, 12/4 = 3, 400/4 = 100, -20/4 = -5
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{3, 3, 100, -5}));
  const Tensor c = codes_tensor(DType::kI8, {3}, {0, 0, 0});
  EXPECT_EQ(qadd(a, c, quant::make_add_params(1, 0, 1, 0, 1, 0, kRangeI8), DType::kI8, &y).code(),
            ErrorCode::kShapeMismatch);
  EXPECT_EQ(qadd(a, b, quant::make_add_params(1, 0, 1, 0, 1, 0, kRangeU8), DType::kI8, &y).code(),
            ErrorCode::kInvalidArgument);  // range outside the output dtype
}

// ------------------------------------------------------------------------------------------------ pooling

TEST(QKernels, AvgPoolAgainstFloatReference) {
  for (int include_pad = 0; include_pad < 2; ++include_pad) {
    SCOPED_TRACE(include_pad);
    const Tensor x = random_codes(DType::kU8, {2, 3, 7, 9}, 0, 255, 51);
    QPool2dParams p;
    p.kernel_h = 3, p.kernel_w = 2, p.stride_h = 2, p.stride_w = 2;
    p.pad_top = 1, p.pad_left = 1, p.pad_bottom = 2, p.pad_right = 0;
    p.count_include_pad = include_pad != 0;
    p.input_zero_point = 100;
    // Output scale 1.3x the input's (M < 1: see the 1-LSB argument in docs/QUANTIZATION.md).
    const double sx = 0.02, so = 0.026;
    p.rescale = true;
    p.mult = quant::quantize_multiplier(sx / so);
    p.output_zero_point = 10;
    p.out_range = kRangeI8;
    Tensor y;
    ASSERT_TRUE(qavgpool2d(x, p, &y).ok());
    const int64_t oh = (7 + 3 - 3) / 2 + 1, ow = (9 + 1 - 2) / 2 + 1;
    ASSERT_EQ(y.shape(), (Shape{2, 3, oh, ow}));
    const auto xs = codes_of(x);
    std::vector<int64_t> want;
    for (int64_t bc = 0; bc < 6; ++bc)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = 0;
          int cnt = 0;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 2; ++kx) {
              const int64_t iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
              if (iy < 0 || iy >= 7 || ix < 0 || ix >= 9) {
                if (include_pad && iy < 7 + 2 && ix < 9) ++cnt;  // inside the padded input
                continue;
              }
              s += (xs[static_cast<size_t>((bc * 7 + iy) * 9 + ix)] - 100) * sx;
              ++cnt;
            }
          want.push_back(ref_quant(s / cnt, so, 10, kRangeI8));
        }
    expect_close(y, want, kRangeI8, 70);
  }
}

TEST(QKernels, PoolExactHandComputed) {
  // 1x1x2x3 codes (zp 0): [1 2 4; 3 5 7]; avg 2x2 stride 1: (1+2+3+5)/4 = 2.75 -> 3, (2+4+5+7)/4 = 4.5 -> 5.
  const Tensor x = codes_tensor(DType::kI8, {1, 1, 2, 3}, {1, 2, 4, 3, 5, 7});
  QPool2dParams p;
  p.kernel_h = p.kernel_w = 2;
  Tensor y;
  ASSERT_TRUE(qavgpool2d(x, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{3, 5}));
  // Negative tie: -4.5 -> -4 (half up).
  const Tensor xn = codes_tensor(DType::kI8, {1, 1, 2, 3}, {-1, -2, -4, -3, -5, -7});
  ASSERT_TRUE(qavgpool2d(xn, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-3, -4}));
  ASSERT_TRUE(qmaxpool2d(xn, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-1, -2}));
  // Max pool with stride 2 and pads (padding never wins even for very negative codes).
  p.stride_h = p.stride_w = 2;
  p.pad_top = p.pad_left = 1;
  ASSERT_TRUE(qmaxpool2d(xn, p, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-1, -2}));
  // Max pool with rescale (s_in / s_out = 0.5, zp 1 -> 0): max codes -1, -2 -> values -2, -3 -> -1, -1.5 -> -1.
  p.input_zero_point = 1;
  p.rescale = true;
  p.mult = quant::quantize_multiplier(0.5);
  ASSERT_TRUE(qmaxpool2d(xn, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-1, -1}));
  // Global average: (1+2+4+3+5+7)/6 = 3.666 -> 4, with zp and output zp.
  QPool2dParams g;
  g.input_zero_point = 1;
  g.output_zero_point = 1;
  g.output_dtype = DType::kU8;
  g.out_range = kRangeU8;
  ASSERT_TRUE(qglobal_avgpool(x, g, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{4}));  // (16/6 = 2.67 -> 3) + 1
  // Pads as large as the kernel are rejected (windows made of padding only).
  p.pad_top = 2;
  EXPECT_EQ(qmaxpool2d(xn, p, &y).code(), ErrorCode::kInvalidArgument);
}

TEST(QKernels, GlobalAvgPoolAgainstFloatReference) {
  // The window sum is requantized once by M / count, so the result is within 1 LSB of the float average for
  // downscaling (M = 0.25) and for upscaling (M = 6, squeezenet's final pool: 2.237 -> 0.371) alike.
  for (const double so2 : {0.4, 0.1 / 6.0}) {
    SCOPED_TRACE(so2);
    const Tensor x = random_codes(DType::kI8, {2, 13, 5, 7}, -20, 20, 61);
    QPool2dParams p;
    p.rescale = true;
    const double sx = 0.1;
    p.mult = quant::quantize_multiplier(sx / so2);
    Tensor y;
    ASSERT_TRUE(qglobal_avgpool(x, p, &y).ok());
    ASSERT_EQ(y.shape(), (Shape{2, 13, 1, 1}));
    const auto xs = codes_of(x);
    std::vector<int64_t> want;
    for (int bc = 0; bc < 26; ++bc) {
      double s = 0;
      for (int i = 0; i < 35; ++i) s += xs[static_cast<size_t>(bc * 35 + i)] * sx;
      want.push_back(ref_quant(s / 35, so2, 0, kRangeI8));
    }
    const auto g = codes_of(y);
    for (size_t i = 0; i < g.size(); ++i) ASSERT_LE(std::llabs(g[i] - want[i]), 1) << i;
  }
}

TEST(QKernels, AvgPoolRescaleRoundsOnce) {
  // codes {1, 2, 2, 2}: sum 7, count 4, M = 6: exact 10.5 -> requantize(7, 6/4) = 11 (half up). Rounding
  // the average first (1.75 -> 2) and then scaling would give 12.
  const Tensor x = codes_tensor(DType::kI8, {1, 1, 2, 2}, {1, 2, 2, 2});
  QPool2dParams p;
  p.rescale = true;
  p.mult = quant::quantize_multiplier(6.0);
  Tensor y;
  ASSERT_TRUE(qglobal_avgpool(x, p, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{11}));
  EXPECT_EQ(quant::multiplier_value(quant::avgpool_multiplier(p.mult, 4)), 1.5);
}

// ------------------------------------------------------------------------------------------------ concat

TEST(QKernels, ConcatCopiesOrRequantizes) {
  const Tensor a = random_codes(DType::kI8, {1, 3, 5, 7}, -128, 127, 71);
  const Tensor b = random_codes(DType::kU8, {1, 13, 5, 7}, 0, 255, 72);
  const Tensor c = random_codes(DType::kI8, {1, 1, 5, 7}, -128, 127, 73);
  const float so = 0.05f;
  std::vector<QConcatInput> in(3);
  in[0].zero_point = 0;  // same parameters as the output: copied
  in[1].zero_point = 128;
  in[1].rescale = true;
  in[1].mult = quant::rescale_multiplier(0.03f, so);
  in[2].zero_point = 2;
  in[2].rescale = true;
  in[2].mult = quant::rescale_multiplier(0.07f, so);
  Tensor y;
  ASSERT_TRUE(qconcat({&a, &b, &c}, in, 1, 0, kRangeI8, DType::kI8, &y).ok());
  ASSERT_EQ(y.shape(), (Shape{1, 17, 5, 7}));
  const auto ys = codes_of(y), as = codes_of(a), bs = codes_of(b), cs = codes_of(c);
  std::vector<int64_t> want;
  for (int64_t v : as) want.push_back(v);
  for (int64_t v : bs) want.push_back(ref_quant((v - 128) * 0.03, so, 0, kRangeI8));
  for (int64_t v : cs) want.push_back(ref_quant((v - 2) * static_cast<double>(0.07f), so, 0, kRangeI8));
  // Copied part is bit-exact.
  for (size_t i = 0; i < as.size(); ++i) ASSERT_EQ(ys[i], as[i]);
  expect_close(y, want, kRangeI8);
  // Axis 3 (last) with negative axis; shapes must agree elsewhere.
  const Tensor d = codes_tensor(DType::kI8, {1, 1, 1, 2}, {1, 2});
  const Tensor e = codes_tensor(DType::kI8, {1, 1, 1, 1}, {3});
  ASSERT_TRUE(qconcat({&d, &e}, {QConcatInput{}, QConcatInput{}}, -1, 0, kRangeI8, DType::kI8, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(qconcat({&a, &d}, {QConcatInput{}, QConcatInput{}}, 1, 0, kRangeI8, DType::kI8, &y).code(),
            ErrorCode::kShapeMismatch);
  EXPECT_EQ(qconcat({&a}, {}, 1, 0, kRangeI8, DType::kI8, &y).code(), ErrorCode::kInvalidArgument);
}

// ------------------------------------------------------------------------------------------------ lut / requantize

TEST(QKernels, LutAppliesTable) {
  const QParams in{0.0625f, 0, kRangeI8}, out{1.0f / 256.0f, -128, kRangeI8};
  const auto t = quant::build_lut_int8(quant::act::sigmoid, in, out);
  const Tensor x = codes_tensor(DType::kI8, {5}, {-128, -16, 0, 16, 127});
  Tensor y;
  ASSERT_TRUE(qlut(x, t, -128, DType::kI8, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-128, -59, 0, 59, 127}));
  // Against the float function on every code (the table is exact by construction: within 0 LSB of
  // quantize(sigmoid(dequantize(x))), computed independently with nearbyint).
  Tensor all(DType::kI8, {256});
  for (int i = 0; i < 256; ++i) all.data<int8_t>()[i] = static_cast<int8_t>(i - 128);
  ASSERT_TRUE(qlut(all, t, -128, DType::kI8, &y).ok());
  const auto ys = codes_of(y);
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(ys[static_cast<size_t>(i)],
              ref_quant(1.0 / (1.0 + std::exp(-(i - 128) * 0.0625)), 1.0 / 256, -128, kRangeI8));
  // int16 tanh table on int16 input; a table not covering the codes is an error.
  const auto t16 = quant::build_lut_int16(quant::act::tanh, QParams{8.0f / 32768, 0, kRangeI16},
                                          QParams{1.0f / 32767, 0, kRangeI16});
  const Tensor x16 = codes_tensor(DType::kI16, {3}, {-32768, 1000, 32767});
  ASSERT_TRUE(qlut(x16, t16, -32768, DType::kI16, &y).ok());
  EXPECT_EQ(codes_of(y), (std::vector<int64_t>{-32767, 7845, 32767}));
  EXPECT_EQ(qlut(x16, t, -128, DType::kI8, &y).code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(qlut(x, t16, -32768, DType::kI8, &y).code(), ErrorCode::kInvalidArgument);  // entries exceed int8
}

TEST(QKernels, RequantizeQuantizeDequantize) {
  // int8 -> int16 with scale ratio 256 (exact), and back.
  const Tensor x = codes_tensor(DType::kI8, {4}, {-128, -1, 0, 127});
  Tensor y16, back;
  ASSERT_TRUE(qrequantize(x, 0, quant::rescale_multiplier(1.0f, 1.0f / 256), 0, kRangeI16, DType::kI16, &y16).ok());
  EXPECT_EQ(y16.dtype(), DType::kI16);
  EXPECT_EQ(codes_of(y16), (std::vector<int64_t>{-32768, -256, 0, 32512}));
  ASSERT_TRUE(qrequantize(y16, 0, quant::rescale_multiplier(1.0f / 256, 1.0f), 0, kRangeI8, DType::kI8, &back).ok());
  EXPECT_TRUE(back.bit_equal(x));
  // uint8 (zp 128) -> int8 (zp 0), same scale: code - 128.
  const Tensor u = codes_tensor(DType::kU8, {3}, {0, 128, 255});
  Tensor i8;
  ASSERT_TRUE(qrequantize(u, 128, quant::quantize_multiplier(1.0), 0, kRangeI8, DType::kI8, &i8).ok());
  EXPECT_EQ(codes_of(i8), (std::vector<int64_t>{-128, 0, 127}));
  // Float quantize per channel (weights, axis 0, range [-127, 127]) and dequantize.
  const Tensor wf = Tensor::from_vector<float>({0.25f, -0.75f, 10.0f, -10.0f}, {2, 2});
  Tensor wq, wd;
  ASSERT_TRUE(quantize_tensor(wf, {0.5f, 0.05f}, {0, 0}, 0, quant::kRangeWeightI8, DType::kI8, &wq).ok());
  // 0.5 -> 0 (half even), -1.5 -> -2, 200 -> 127, -200 -> -127 (never -128 for weights)
  EXPECT_EQ(codes_of(wq), (std::vector<int64_t>{0, -2, 127, -127}));
  ASSERT_TRUE(dequantize_tensor(wq, {0.5f, 0.05f}, {0, 0}, 0, &wd).ok());
  EXPECT_EQ(wd.to_float_vector(), (std::vector<float>{0.0f, -1.0f, 127 * 0.05f, -127 * 0.05f}));
  EXPECT_EQ(quantize_tensor(wf, {0.5f, 0.05f, 1.0f}, {0, 0, 0}, 0, kRangeI8, DType::kI8, &wq).code(),
            ErrorCode::kShapeMismatch);
  EXPECT_EQ(quantize_tensor(wf, {0.0f}, {0}, 0, kRangeI8, DType::kI8, &wq).code(), ErrorCode::kInvalidArgument);
  // Bias per channel.
  const Tensor bf = Tensor::from_vector<float>({2.5f, 1.0f});
  Tensor bq;
  ASSERT_TRUE(quantize_bias_tensor(bf, 1.0f, {1.0f, 0.125f}, &bq).ok());
  EXPECT_EQ(bq.dtype(), DType::kI32);
  EXPECT_EQ(codes_of(bq), (std::vector<int64_t>{2, 8}));
}

TEST(QKernels, RandomParametersNeverCrash) {
  // Random (often invalid) geometry: every call returns either ok with the documented output shape or an
  // error Status. Run under ASan/UBSan this also checks that no kernel reads out of bounds.
  std::mt19937 rng(99);
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int ok = 0;
  for (int it = 0; it < 300; ++it) {
    const int64_t c = r(1, 4), g = r(1, 3), h = r(1, 6), w = r(1, 6);
    const Tensor x = random_codes(DType::kI8, {1, c, h, w}, -128, 127, static_cast<uint32_t>(it));
    const Tensor wt = random_codes(DType::kI8, {r(1, 4), r(1, 4), r(1, 4), r(1, 4)}, -127, 127, 7);
    QConv2dParams p;
    p.group = g;
    p.stride_h = r(0, 3), p.stride_w = r(1, 3), p.dilation_h = r(1, 2), p.dilation_w = r(0, 2);
    p.pad_top = r(-1, 3), p.pad_left = r(0, 3), p.pad_bottom = r(0, 3), p.pad_right = r(0, 3);
    p.out_mult = mults({0.01});
    Tensor y;
    const Status st = qconv2d(x, wt, nullptr, p, &y);
    if (st.ok()) {
      ++ok;
      ASSERT_EQ(y.dim(1), wt.dim(0));
    }
    QPool2dParams pp;
    pp.kernel_h = r(0, 4), pp.kernel_w = r(1, 4), pp.stride_h = r(1, 3), pp.stride_w = r(0, 3);
    pp.pad_top = r(0, 3), pp.pad_left = r(-1, 2), pp.pad_bottom = r(0, 3), pp.pad_right = r(0, 2);
    pp.count_include_pad = r(0, 1) != 0;
    if (qavgpool2d(x, pp, &y).ok()) ++ok;
    if (qmaxpool2d(x, pp, &y).ok()) ++ok;
  }
  EXPECT_GT(ok, 30);  // the generator does produce valid cases too
  Tensor y;
  EXPECT_FALSE(qadd(Tensor(), Tensor(), quant::make_add_params(1, 0, 1, 0, 1, 0, kRangeI8), DType::kI8, &y).ok());
  EXPECT_EQ(
      qrequantize(codes_tensor(DType::kI8, {1}, {1}), 0, mults({1.0})[0], 0, kRangeI8, DType::kI8, nullptr).code(),
      ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace npukit::qref
