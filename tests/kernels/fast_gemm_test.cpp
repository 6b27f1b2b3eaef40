// SPDX-License-Identifier: Apache-2.0
// kernels/fast Gemm / MatMul / sgemm against the reference (tolerance: fasttest::expect_within_bound,
// see fast_test_util.h), and the bit-exact Relu / Add.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ir/op_table.h"
#include "kernels/fast/fast_kernels.h"
#include "kernels/fast_test_util.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using fasttest::abs_of;
using fasttest::seeded;
using optest::attrs_of;
using optest::OpFns;

const OpFns kRefGemm{ir::OpKind::kGemm, &ir::infer_Gemm, &ref::ref_Gemm};
const OpFns kFastGemm{ir::OpKind::kGemm, &ir::infer_Gemm, &fast::fast_Gemm};
const OpFns kRefMatMul{ir::OpKind::kMatMul, &ir::infer_MatMul, &ref::ref_MatMul};
const OpFns kFastMatMul{ir::OpKind::kMatMul, &ir::infer_MatMul, &fast::fast_MatMul};

void check_gemm(const Shape& sa, const Shape& sb, std::optional<Shape> sc, bool ta, bool tb, float alpha, float beta,
                const std::string& what) {
  const Tensor a = seeded(sa, 11), b = seeded(sb, 12);
  const std::optional<Tensor> c = sc ? std::optional<Tensor>(seeded(*sc, 13)) : std::nullopt;
  const Attrs attrs = attrs_of({{"transA", int64_t{ta}}, {"transB", int64_t{tb}}, {"alpha", alpha}, {"beta", beta}});
  auto want = optest::run(kRefGemm, attrs, {a, b, c});
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  auto got = optest::run(kFastGemm, attrs, {a, b, c});
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  // Magnitude: |alpha| |A| |B| + |beta| |C|, via the reference on absolute values.
  const Attrs mag_attrs = attrs_of(
      {{"transA", int64_t{ta}}, {"transB", int64_t{tb}}, {"alpha", std::fabs(alpha)}, {"beta", std::fabs(beta)}});
  const std::optional<Tensor> cabs = c ? std::optional<Tensor>(abs_of(*c)) : std::nullopt;
  auto mag = optest::run(kRefGemm, mag_attrs, {abs_of(a), abs_of(b), cabs});
  ASSERT_TRUE(mag.ok());
  const int64_t k = ta ? sa[0] : sa[1];
  // +2 terms: the alpha scaling and the beta * C addend are two more roundings.
  fasttest::expect_within_bound((*got)[0], (*want)[0], (*mag)[0], k + 2, what);
}

TEST(FastGemm, TransposeCombinationsAndBroadcastC) {
  check_gemm({7, 5}, {5, 13}, Shape{13}, false, false, 1.f, 1.f, "plain, C [N]");
  check_gemm({5, 7}, {5, 13}, Shape{7, 1}, true, false, 0.5f, 2.f, "transA, C [M,1], alpha/beta");
  check_gemm({7, 5}, {13, 5}, Shape{7, 13}, false, true, -1.5f, 0.25f, "transB, C [M,N]");
  check_gemm({5, 7}, {13, 5}, Shape{}, true, true, 1.f, -1.f, "transA+transB, scalar C");
  check_gemm({3, 300}, {1000, 300}, std::nullopt, false, true, 1.f, 1.f, "FC-like, no C");
  check_gemm({130, 65}, {130, 257}, Shape{1, 257}, true, false, 1.f, 1.f, "beyond one block, C [1,N]");
}

void check_matmul(const Shape& sa, const Shape& sb, const std::string& what) {
  const Tensor a = seeded(sa, 21), b = seeded(sb, 22);
  auto want = optest::run(kRefMatMul, {}, {a, b});
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  auto got = optest::run(kFastMatMul, {}, {a, b});
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  auto mag = optest::run(kRefMatMul, {}, {abs_of(a), abs_of(b)});
  ASSERT_TRUE(mag.ok());
  const int64_t k = sa.back();
  fasttest::expect_within_bound((*got)[0], (*want)[0], (*mag)[0], k, what);
}

TEST(FastMatMul, BatchedAndBroadcast) {
  check_matmul({4, 5}, {5, 6}, "2-D");
  check_matmul({3, 4, 5}, {3, 5, 6}, "batched");
  check_matmul({2, 1, 4, 5}, {3, 5, 6}, "broadcast batch dims");
  check_matmul({2, 3, 7, 9}, {9, 4}, "shared B (one GEMM over all rows)");
  check_matmul({3, 9}, {2, 9, 4}, "shared A, batched B");
  check_matmul({9}, {2, 9, 4}, "1-D A");
  check_matmul({2, 3, 9}, {9}, "1-D B");
  check_matmul({5, 0}, {0, 3}, "empty inner dim: zeros");
}

TEST(FastGemm, OwnBlockedGemmMatchesDoubleProduct) {
  // sgemm_blocked is the fallback without OpenBLAS: check it directly (all transposes, beta 0 / 1 / other,
  // sizes that leave partial blocks: m % 4 != 0, n > 512, k > 128).
  const int64_t m = 7, n = 600, k = 150;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.f, 1.f, -0.5f}) {
        const Tensor a = seeded(ta ? Shape{k, m} : Shape{m, k}, 31), b = seeded(tb ? Shape{n, k} : Shape{k, n}, 32);
        Tensor c = seeded({m, n}, 33);
        if (beta == 0.f) c.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();  // beta 0 must not read C
        const Tensor c0 = c.clone();
        fast::sgemm_blocked(ta, tb, m, n, k, 0.75f, a.data<float>(), ta ? m : k, b.data<float>(), tb ? k : n, beta,
                            c.data<float>(), n);
        Tensor want(DType::kF32, {m, n}), mag(DType::kF32, {m, n});
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0, s = 0;
            for (int64_t p = 0; p < k; ++p) {
              const double av = ta ? a.data<float>()[p * m + i] : a.data<float>()[i * k + p];
              const double bv = tb ? b.data<float>()[j * k + p] : b.data<float>()[p * n + j];
              acc += av * bv;
              s += std::fabs(av * bv);
            }
            const double cv = beta == 0.f ? 0.0 : static_cast<double>(beta) * c0.data<float>()[i * n + j];
            want.data<float>()[i * n + j] = static_cast<float>(0.75 * acc + cv);
            mag.data<float>()[i * n + j] = static_cast<float>(0.75 * s + std::fabs(cv));
          }
        fasttest::expect_within_bound(
            c, want, mag, k + 2,
            "sgemm_blocked ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) + " beta=" + std::to_string(beta));
      }
}

TEST(FastGemm, BackendIsNamed) {
  EXPECT_FALSE(fast::gemm_backend().empty());
  EXPECT_GE(fast::gemm_threads(), 1);
}

TEST(FastElementwise, ReluAndAddAreBitExact) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Tensor x = seeded({3, 37}, 41), y = seeded({3, 37}, 42);
  const float specials[] = {nan, -0.f, 0.f, inf, -inf, -1e-40f, 1e-40f};
  for (size_t i = 0; i < std::size(specials); ++i) {
    x.data<float>()[i * 5] = specials[i];
    y.data<float>()[i * 7] = specials[(i + 3) % std::size(specials)];
  }
  const OpFns ref_relu{ir::OpKind::kRelu, &ir::infer_Relu, &ref::ref_Relu};
  const OpFns fast_relu{ir::OpKind::kRelu, &ir::infer_Relu, &fast::fast_Relu};
  auto r1 = optest::run(ref_relu, {}, {x});
  auto r2 = optest::run(fast_relu, {}, {x});
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_TRUE((*r2)[0].bit_equal((*r1)[0]));
  EXPECT_TRUE(std::signbit((*r2)[0].data<float>()[5]));  // Relu(-0) = -0, as `x < 0 ? 0 : x` says
  const OpFns ref_add{ir::OpKind::kAdd, &ir::infer_Add, &ref::ref_Add};
  const OpFns fast_add{ir::OpKind::kAdd, &ir::infer_Add, &fast::fast_Add};
  auto a1 = optest::run(ref_add, {}, {x, y});
  auto a2 = optest::run(fast_add, {}, {x, y});
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_TRUE((*a2)[0].bit_equal((*a1)[0]));
  // Broadcasting goes to the reference.
  const Tensor row = seeded({37}, 43);
  auto b1 = optest::run(ref_add, {}, {x, row});
  auto b2 = optest::run(fast_add, {}, {x, row});
  ASSERT_TRUE(b1.ok() && b2.ok());
  EXPECT_TRUE((*b2)[0].bit_equal((*b1)[0]));
}

}  // namespace
}  // namespace npukit
