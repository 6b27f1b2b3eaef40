// SPDX-License-Identifier: Apache-2.0
// Unit tests for BatchNormalization (inference), LayerNormalization, InstanceNormalization: hand-computed
// values (epsilon set to 0 where the statistics are exact), shape inference and error codes.
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

// Results involve one sqrt and a division in f32/f64: agree with the hand values to ~1 ulp.
constexpr float kTol = 1e-6f;

Attrs eps(float e) {
  Attrs a;
  a.set("epsilon", e);
  return a;
}

TEST(BatchNormTest, PerChannelAffine) {
  // ch0: (x-1)/sqrt(4)*1 + 0 → [0, 0.5]; ch1: (x-3)/sqrt(1)*2 + 1 → [1, 3].
  Tensor x = f32({1, 2, 3, 4}, {1, 2, 1, 2});
  Tensor s = f32({1, 2}, {2}), b = f32({0, 1}, {2}), m = f32({1, 3}, {2}), v = f32({4, 1}, {2});
  auto out = run(OpKind::kBatchNormalization, ref::ref_BatchNormalization, eps(0.f), {&x, &s, &b, &m, &v});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 2, 1, 2}, {0, 0.5f, 1, 3}, kTol);
  // Rank-2 input [N, C] is allowed.
  Tensor x2 = f32({1, 3}, {1, 2});
  out = run(OpKind::kBatchNormalization, ref::ref_BatchNormalization, eps(0.f), {&x2, &s, &b, &m, &v});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 2}, {0, 1}, kTol);
}

TEST(BatchNormTest, DefaultEpsilonIsApplied) {
  // var 0 with the schema default epsilon 1e-5: y = x / sqrt(1e-5).
  Tensor x = f32({1e-3f}, {1, 1}), s = f32({1}, {1}), b = f32({0}, {1}), m = f32({0}, {1}), v = f32({0}, {1});
  auto out = run(OpKind::kBatchNormalization, ref::ref_BatchNormalization, Attrs{}, {&x, &s, &b, &m, &v});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1}, {0.31622776f}, kTol);
}

TEST(BatchNormTest, Errors) {
  Tensor x(DType::kF32, {2, 3, 4}), p(DType::kF32, {3}), p4(DType::kF32, {4});
  Attrs train;
  train.set("training_mode", int64_t{1});
  EXPECT_EQ(code_of(infer(OpKind::kBatchNormalization, train, {&x, &p, &p, &p, &p})), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kBatchNormalization, Attrs{}, {&x, &p, &p, &p4, &p})), ErrorCode::kShapeMismatch);
  Tensor x1(DType::kF32, {3});
  EXPECT_EQ(code_of(infer(OpKind::kBatchNormalization, Attrs{}, {&x1, &p, &p, &p, &p})), ErrorCode::kShapeMismatch);
  Tensor xh(DType::kF16, {2, 3, 4});
  EXPECT_EQ(code_of(infer(OpKind::kBatchNormalization, Attrs{}, {&xh, &p, &p, &p, &p})), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kBatchNormalization, Attrs{}, {&x, &p, &p, &p, nullptr})), ErrorCode::kInvalidModel);
}

TEST(LayerNormTest, LastAxis) {
  // rows [1,3] and [0,4]: mean 2, var 1 and 4 → normalized [-1, 1] both; + B [0, 1].
  Tensor x = f32({1, 3, 0, 4}, {2, 2}), s = f32({1, 1}, {2}), b = f32({0, 1}, {2});
  auto out = run(OpKind::kLayerNormalization, ref::ref_LayerNormalization, eps(0.f), {&x, &s, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {-1, 2, -1, 2}, kTol);
}

TEST(LayerNormTest, AxisZeroBroadcastScaleAndStatisticsOutputs) {
  // Normalize all 4 values: mean 2, var 2.5, inv std 0.63245553; scale [1,2] over the last dim, B [0.5].
  Tensor x = f32({1, 3, 0, 4}, {2, 2}), s = f32({1, 2}, {2}), b = f32({0.5f}, {1});
  Attrs a = eps(0.f);
  a.set("axis", int64_t{0});
  auto out = run(OpKind::kLayerNormalization, ref::ref_LayerNormalization, a, {&x, &s, &b}, 3);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {-0.13245553f, 1.76491106f, -0.76491106f, 3.02982212f}, kTol);
  expect_f32((*out)[1], {1, 1}, {2.f}, kTol);
  expect_f32((*out)[2], {1, 1}, {0.63245553f}, kTol);
  // Without B, negative axis -2 == 0 here.
  a.set("axis", int64_t{-2});
  out = run(OpKind::kLayerNormalization, ref::ref_LayerNormalization, a, {&x, &s});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {2, 2}, {-0.63245553f, 1.26491106f, -1.26491106f, 2.52982212f}, kTol);
}

TEST(LayerNormTest, Errors) {
  Tensor x(DType::kF32, {2, 3, 4}), s4(DType::kF32, {4}), s3(DType::kF32, {3});
  Attrs axis;
  axis.set("axis", int64_t{3});
  EXPECT_EQ(code_of(infer(OpKind::kLayerNormalization, axis, {&x, &s4})), ErrorCode::kInvalidModel);
  EXPECT_EQ(code_of(infer(OpKind::kLayerNormalization, Attrs{}, {&x, &s3})), ErrorCode::kShapeMismatch);
  Tensor s_rank(DType::kF32, {1, 3, 4});  // rank 3 > normalized rank 1 (axis -1)
  EXPECT_EQ(code_of(infer(OpKind::kLayerNormalization, Attrs{}, {&x, &s_rank})), ErrorCode::kShapeMismatch);
  Tensor xd(DType::kF64, {2, 3, 4});
  EXPECT_EQ(code_of(infer(OpKind::kLayerNormalization, Attrs{}, {&xd, &s4})), ErrorCode::kUnsupportedAttr);
  auto t = infer(OpKind::kLayerNormalization, Attrs{}, {&x, &s4}, 3);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[1].shape, (Shape{2, 3, 1}));
}

TEST(InstanceNormTest, PerInstanceStatistics) {
  // ch0 [-1,0,1]: mean 0, var 2/3 → x·1.22474487; ch1 [2,3,4] → same, ·1.5 + 1.
  Tensor x = f32({-1, 0, 1, 2, 3, 4}, {1, 2, 1, 3}), s = f32({1, 1.5f}, {2}), b = f32({0, 1}, {2});
  auto out = run(OpKind::kInstanceNormalization, ref::ref_InstanceNormalization, eps(0.f), {&x, &s, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 2, 1, 3}, {-1.22474487f, 0, 1.22474487f, -0.83711731f, 1, 2.83711731f}, kTol);
}

TEST(InstanceNormTest, Errors) {
  Tensor x2(DType::kF32, {2, 3}), p(DType::kF32, {3});
  EXPECT_EQ(code_of(infer(OpKind::kInstanceNormalization, Attrs{}, {&x2, &p, &p})), ErrorCode::kShapeMismatch);
  Tensor x(DType::kF32, {2, 3, 5}), p2(DType::kF32, {2});
  EXPECT_EQ(code_of(infer(OpKind::kInstanceNormalization, Attrs{}, {&x, &p2, &p})), ErrorCode::kShapeMismatch);
  Tensor xi(DType::kI8, {2, 3, 5});
  EXPECT_EQ(code_of(infer(OpKind::kInstanceNormalization, Attrs{}, {&xi, &p, &p})), ErrorCode::kShapeMismatch);
}

}  // namespace npukit
