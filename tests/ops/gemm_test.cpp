// SPDX-License-Identifier: Apache-2.0
// Unit tests for Gemm and MatMul: shapes (transposes, C broadcast, numpy matmul promotion and batch
// broadcasting), error codes, and hand-computed kernel values (small integers: exact in f32).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "ir/op_table.h"
#include "kernels/ref/ref_kernels.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using ir::OpKind;

using namespace npukit::optest;  // NOLINT: test helpers

}  // namespace

constexpr float kExact = 0.f;  // integer data: every product/sum is exact in f32

Attrs gemm_attrs(float alpha, float beta, int64_t ta, int64_t tb) {
  Attrs a;
  a.set("alpha", alpha);
  a.set("beta", beta);
  a.set("transA", ta);
  a.set("transB", tb);
  return a;
}

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]] → A·B = [[4,5],[10,11]].
TEST(GemmTest, AlphaBetaVectorBias) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3}), b = f32({1, 0, 0, 1, 1, 1}, {3, 2}), c = f32({10, 20}, {2});
  auto out = run(OpKind::kGemm, ref::ref_Gemm, gemm_attrs(2.f, 0.5f, 0, 0), {&a, &b, &c});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {13, 20, 25, 32}, kExact);  // 2·AB + 0.5·C (C repeated over rows)
}

TEST(GemmTest, TransposesGiveTheSameProduct) {
  Tensor at = f32({1, 4, 2, 5, 3, 6}, {3, 2}), bt = f32({1, 0, 1, 0, 1, 1}, {2, 3});
  auto out = run(OpKind::kGemm, ref::ref_Gemm, gemm_attrs(1.f, 1.f, 1, 1), {&at, &bt});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {4, 5, 10, 11}, kExact);
}

TEST(GemmTest, ScalarAndColumnBias) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3}), b = f32({1, 0, 0, 1, 1, 1}, {3, 2});
  Tensor scalar = Tensor::scalar<float>(1.f), column = f32({1, 2}, {2, 1});
  auto out = run(OpKind::kGemm, ref::ref_Gemm, Attrs{}, {&a, &b, &scalar});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {5, 6, 11, 12}, kExact);
  out = run(OpKind::kGemm, ref::ref_Gemm, Attrs{}, {&a, &b, &column});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {2, 2}, {5, 6, 12, 13}, kExact);
}

TEST(GemmTest, Errors) {
  Tensor a(DType::kF32, {2, 3}), b(DType::kF32, {3, 4});
  Tensor a3(DType::kF32, {1, 2, 3});
  EXPECT_EQ(code_of(infer(OpKind::kGemm, Attrs{}, {&a3, &b})), ErrorCode::kShapeMismatch);
  // transB makes B' [4,3]: inner dims 3 vs 4 differ.
  EXPECT_EQ(code_of(infer(OpKind::kGemm, gemm_attrs(1, 1, 0, 1), {&a, &b})), ErrorCode::kShapeMismatch);
  Tensor c_bad(DType::kF32, {3});  // not broadcastable to [2,4]
  EXPECT_EQ(code_of(infer(OpKind::kGemm, Attrs{}, {&a, &b, &c_bad})), ErrorCode::kShapeMismatch);
  Tensor c_big(DType::kF32, {1, 2, 4});
  EXPECT_EQ(code_of(infer(OpKind::kGemm, Attrs{}, {&a, &b, &c_big})), ErrorCode::kShapeMismatch);
  Tensor ad(DType::kF64, {2, 3});
  EXPECT_EQ(code_of(infer(OpKind::kGemm, Attrs{}, {&ad, &b})), ErrorCode::kUnsupportedAttr);
  auto t = infer(OpKind::kGemm, Attrs{}, {&a, &b});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].shape, (Shape{2, 4}));
}

TEST(MatMulTest, VectorOperandsArePromotedAndDropped) {
  Tensor v3 = f32({1, 2, 3}, {3}), w3 = f32({4, 5, 6}, {3});
  auto out = run(OpKind::kMatMul, ref::ref_MatMul, Attrs{}, {&v3, &w3});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {}, {32}, kExact);  // dot product, rank 0
  Tensor v2 = f32({1, 2}, {2}), m23 = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  out = run(OpKind::kMatMul, ref::ref_MatMul, Attrs{}, {&v2, &m23});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {3}, {9, 12, 15}, kExact);
  Tensor col = f32({1, 0, -1}, {3});
  out = run(OpKind::kMatMul, ref::ref_MatMul, Attrs{}, {&m23, &col});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {2}, {-2, -2}, kExact);
}

TEST(MatMulTest, BatchBroadcast) {
  // A [2,1,2,2] = {0·I, 1·I}, B [3,2,2] = 0..11 → out [2,3,2,2]: out[0] = 0, out[1] = B.
  Tensor a = f32({0, 0, 0, 0, 1, 0, 0, 1}, {2, 1, 2, 2});
  std::vector<float> bv(12);
  for (int i = 0; i < 12; ++i) bv[i] = static_cast<float>(i);
  Tensor b = f32(bv, {3, 2, 2});
  auto out = run(OpKind::kMatMul, ref::ref_MatMul, Attrs{}, {&a, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  std::vector<float> want(12, 0.f);
  want.insert(want.end(), bv.begin(), bv.end());
  expect_f32((*out)[0], {2, 3, 2, 2}, want, kExact);
  // 1-D against a batched matrix: [2] x [3,2,2] → [3,2].
  Tensor v = f32({1, 1}, {2});
  out = run(OpKind::kMatMul, ref::ref_MatMul, Attrs{}, {&v, &b});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {3, 2}, {2, 4, 10, 12, 18, 20}, kExact);
}

TEST(MatMulTest, Errors) {
  Tensor a(DType::kF32, {2, 3}), b(DType::kF32, {4, 2});
  EXPECT_EQ(code_of(infer(OpKind::kMatMul, Attrs{}, {&a, &b})), ErrorCode::kShapeMismatch);
  Tensor s(DType::kF32, {});
  EXPECT_EQ(code_of(infer(OpKind::kMatMul, Attrs{}, {&s, &a})), ErrorCode::kShapeMismatch);
  Tensor ba(DType::kF32, {2, 2, 3}), bb(DType::kF32, {3, 3, 2});
  EXPECT_EQ(code_of(infer(OpKind::kMatMul, Attrs{}, {&ba, &bb})), ErrorCode::kShapeMismatch);  // batch 2 vs 3
  Tensor ah(DType::kF16, {2, 3}), bi(DType::kI64, {3, 2});
  EXPECT_EQ(code_of(infer(OpKind::kMatMul, Attrs{}, {&ah, &bi})), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kMatMul, Attrs{}, {&a, &bi})), ErrorCode::kShapeMismatch);
}

}  // namespace npukit
