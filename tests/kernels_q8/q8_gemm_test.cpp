// SPDX-License-Identifier: Apache-2.0
// kernels/q8 fully connected layer: bit-exact against qref::qgemm on every ISA tier this machine runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "kernels/q8/q8_kernels.h"
#include "kernels/ref/qkernels.h"
#include "q8_test_util.h"

namespace npukit {
namespace {

void run_gemm(int64_t m, int64_t k, int64_t n, DType in, int32_t zp, DType out, int32_t ozp, bool per_channel,
              bool relu, uint32_t seed, int32_t bias_mag = 100000) {
  std::mt19937 rng(seed);
  const Tensor a = q8test::random_codes(in, {m, k}, rng);
  const Tensor w = q8test::random_weights({n, k}, rng);
  const Tensor b = q8test::random_bias(n, bias_mag, rng);
  qref::QGemmParams p;
  p.a_zero_point = zp;
  p.out_mult = q8test::random_mults(per_channel ? n : 1, k, rng);
  p.output_zero_point = ozp;
  p.output_dtype = out;
  p.out_range = qref::dtype_range(out);
  if (relu) p.out_range.qmin = ozp;
  const std::string problem =
      str_cat("gemm a[", m, ",", k, "] ", dtype_name(in), " zp ", zp, " x w[", n, ",", k, "] -> ", dtype_name(out),
              " zp ", ozp, per_channel ? " per-channel" : "", relu ? " relu" : "", " seed ", seed);
  Tensor want;
  ASSERT_TRUE(qref::qgemm(a, w, &b, p, &want).ok()) << problem;
  for (q8::Isa isa : q8test::tiers()) {
    auto pg = q8::PackedGemm::create(w, &b, p, isa);
    ASSERT_TRUE(pg.ok()) << pg.status().to_string();
    EXPECT_TRUE(pg->fast()) << problem;
    for (int threads = 1; threads <= 3; ++threads) {
      q8::Parallel par(threads);
      Tensor got;
      ASSERT_TRUE(q8::gemm(*pg, a, &got, &par).ok()) << problem;
      q8test::expect_same_codes(got, want, str_cat(problem, " tier ", q8::isa_name(isa), " threads ", threads));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(Q8Gemm, AwkwardShapes) {
  uint32_t seed = 1;
  for (int64_t m : {1, 3, 17, 40})
    for (int64_t k : {1, 3, 13, 127, 130})
      for (int64_t n : {1, 7, 13, 33}) {
        ++seed;
        const bool u8 = seed % 2;
        run_gemm(m, k, n, u8 ? DType::kU8 : DType::kI8, u8 ? 120 : -3, seed % 3 ? DType::kI8 : DType::kU8,
                 seed % 3 ? 4 : 128, seed % 4 != 0, seed % 5 == 0, seed);
      }
}

TEST(Q8Gemm, Int32AndInt16Outputs) {
  // The classifier of a CNN: QGemm with an int32 (accumulator) output; M = 1 and 2 run as matrix-vector products, M >=
  // 4 on the tiles. K with tails of the 16-wide gemv step, N with tails of the 4-row group.
  uint32_t seed = 500;
  for (int64_t m : {1, 2, 3, 4, 19})
    for (int64_t k : {1, 13, 31, 127, 1280})
      for (int64_t n : {1, 7, 66}) {
        ++seed;
        const bool u8 = seed % 2;
        run_gemm(m, k, n, u8 ? DType::kU8 : DType::kI8, u8 ? 3 : -128, DType::kI32, 0, true, seed % 3 == 0, seed);
        run_gemm(m, k, n, u8 ? DType::kU8 : DType::kI8, u8 ? 255 : 127, DType::kI16, seed % 2 ? 0 : -300, seed % 4 != 0,
                 seed % 5 == 0, seed);
      }
  // int32 output saturated by the bias (the accumulator plus bias passes INT32_MAX / INT32_MIN).
  run_gemm(1, 1280, 33, DType::kU8, 0, DType::kI32, 0, false, false, 901, 2147483000);
  run_gemm(5, 1280, 33, DType::kI8, 5, DType::kI32, 0, false, false, 902, 2147483000);
}

TEST(Q8Gemm, Int32OutputSaturatesLikeTheReference) {
  const int64_t k = 1280, n = 3;
  for (int64_t m : {1, 5}) {
    Tensor a(DType::kU8, {m, k}), w(DType::kI8, {n, k}), b(DType::kI32, {n});
    for (int64_t i = 0; i < a.numel(); ++i) a.data<uint8_t>()[i] = 255;
    for (int64_t i = 0; i < k; ++i) {
      w.data<int8_t>()[i] = 127;
      w.data<int8_t>()[k + i] = -127;
      w.data<int8_t>()[2 * k + i] = static_cast<int8_t>(i % 2 ? 127 : -127);
    }
    b.data<int32_t>()[0] = 2147483647 - 5;
    b.data<int32_t>()[1] = -2147483647 + 5;
    b.data<int32_t>()[2] = 17;
    qref::QGemmParams p;
    p.output_dtype = DType::kI32;
    p.out_range = qref::dtype_range(DType::kI32);
    Tensor want;
    ASSERT_TRUE(qref::qgemm(a, w, &b, p, &want).ok());
    ASSERT_EQ(want.data<int32_t>()[0], 2147483647);
    ASSERT_EQ(want.data<int32_t>()[1], -2147483647 - 1);
    for (q8::Isa isa : q8test::tiers()) {
      auto pg = q8::PackedGemm::create(w, &b, p, isa);
      ASSERT_TRUE(pg.ok());
      EXPECT_TRUE(pg->fast());
      Tensor got;
      ASSERT_TRUE(q8::gemm(*pg, a, &got).ok());
      q8test::expect_same_codes(got, want, str_cat("gemm i32 saturation m ", m, " tier ", q8::isa_name(isa)));
    }
  }
}

TEST(Q8Gemm, BatchOneEightBit) {
  // M = 1 (batch-1 fully connected) on the gemv path with 8-bit outputs, per-tensor and per-channel.
  uint32_t seed = 700;
  for (int64_t k : {1, 3, 16, 17, 130, 1280})
    for (int64_t n : {1, 5, 64, 65, 1000}) {
      ++seed;
      run_gemm(1, k, n, seed % 2 ? DType::kU8 : DType::kI8, seed % 2 ? 128 : -7, seed % 3 ? DType::kI8 : DType::kU8,
               seed % 3 ? -2 : 100, seed % 4 != 0, seed % 5 == 0, seed);
    }
}

TEST(Q8Gemm, Large) {
  run_gemm(130, 1000, 97, DType::kU8, 17, DType::kI8, 0, true, false, 77);
}

TEST(Q8Gemm, PanelsSharedOrPackedPerTask) {
  // Several output-column chunks over few row blocks: the a panels are packed once per call and shared (K with and
  // without a quad tail, M with a partial panel); and a problem whose panels exceed the shared buffer's cap (K = 40001,
  // 7 row blocks of one 640 KB panel each), packed per task.
  uint32_t seed = 1500;
  for (int64_t k : {64, 1283})
    for (int64_t m : {4, 37}) {
      ++seed;
      run_gemm(m, k, 250, seed % 2 ? DType::kU8 : DType::kI8, seed % 2 ? 77 : -128, DType::kI8, 3, true, seed % 3 == 0,
               seed);
    }
  run_gemm(100, 40001, 9, DType::kI8, 7, DType::kU8, 128, false, false, 1510);
}

TEST(Q8Gemm, SaturationAtTheExactnessLimit) {
  // K = 66311, all activations 255 (zero point 0), all weights 127: the sum is 2147481735 < 2^31 (the fast path
  // is exact) and the bias pushes it past INT32_MAX, where the spec saturates once.
  const int64_t k = 66311;
  // 6 rows run on the tiles (M >= 4), their first 2 on the gemv (M < 4).
  Tensor a(DType::kU8, {6, k}), w(DType::kI8, {2, k}), b(DType::kI32, {2});
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t r = 0; r < 6; ++r) a.data<uint8_t>()[r * k + i] = r % 2 == 0 || i % 2 ? 255 : 0;
    w.data<int8_t>()[i] = 127;
    w.data<int8_t>()[k + i] = -127;
  }
  Tensor a2rows(DType::kU8, {2, k});
  std::copy_n(a.data<uint8_t>(), 2 * k, a2rows.data<uint8_t>());
  b.data<int32_t>()[0] = 10000;
  b.data<int32_t>()[1] = -10000;
  qref::QGemmParams p;
  p.out_mult = {quant::quantize_multiplier(100.0 / 2147483647.0)};
  for (const Tensor* in : {&a, &a2rows}) {
    Tensor want;
    ASSERT_TRUE(qref::qgemm(*in, w, &b, p, &want).ok());
    for (q8::Isa isa : q8test::tiers()) {
      auto pg = q8::PackedGemm::create(w, &b, p, isa);
      ASSERT_TRUE(pg.ok());
      EXPECT_TRUE(pg->fast());
      Tensor got;
      ASSERT_TRUE(q8::gemm(*pg, *in, &got).ok());
      q8test::expect_same_codes(got, want,
                                str_cat("gemm K=66311 saturation M=", in->dim(0), " tier ", q8::isa_name(isa)));
    }
  }
  // One more column of K: no longer provably exact in int32, so the reference runs it.
  Tensor w2(DType::kI8, {1, k + 1});
  for (int64_t i = 0; i <= k; ++i) w2.data<int8_t>()[i] = 127;
  Tensor a2(DType::kU8, {1, k + 1});
  for (int64_t i = 0; i <= k; ++i) a2.data<uint8_t>()[i] = 255;
  auto pg2 = q8::PackedGemm::create(w2, nullptr, p, q8::Isa::kScalar);
  ASSERT_TRUE(pg2.ok());
  EXPECT_FALSE(pg2->fast());
  Tensor got2, want2;
  ASSERT_TRUE(q8::gemm(*pg2, a2, &got2).ok());
  ASSERT_TRUE(qref::qgemm(a2, w2, nullptr, p, &want2).ok());
  EXPECT_TRUE(got2.bit_equal(want2));
}

}  // namespace
}  // namespace npukit
