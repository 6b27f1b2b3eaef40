// SPDX-License-Identifier: Apache-2.0
// Unit tests for Conv / ConvTranspose: shape inference (explicit pads, auto_pad, strides, dilations, group,
// output_shape / output_padding), error codes, and reference-kernel values computed by hand or with a naive
// numpy loop implementation (integer-valued data, so results are exact).
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

// Integer-valued data: sums are exact in f32, so kernel results must match exactly.
constexpr float kExact = 0.f;

Attrs ints_attr(const char* name, std::vector<int64_t> v) {
  Attrs a;
  a.set(name, std::move(v));
  return a;
}

TEST(ConvTest, Basic2DNoPadding) {
  // 3x3 input 0..8, 2x2 kernel of ones: each output is the sum of a 2x2 window.
  Tensor x = f32({0, 1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 3, 3}), w = f32({1, 1, 1, 1}, {1, 1, 2, 2});
  auto out = run(OpKind::kConv, ref::ref_Conv, Attrs{}, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 2, 2}, {8, 12, 20, 24}, kExact);
}

TEST(ConvTest, OneDPadsStridesDilationsBias) {
  // x=[1..5], w=[1,0,-1], dilation 2 (effective kernel 5), pads 2/2, stride 2 → 3 outputs:
  // y[o] = x[2o-2] - x[2o+2] + 0.5 with x out of range = 0 → [-2.5, -3.5, 3.5].
  Tensor x = f32({1, 2, 3, 4, 5}, {1, 1, 5}), w = f32({1, 0, -1}, {1, 1, 3}), b = f32({0.5f}, {1});
  Attrs a;
  a.set("dilations", std::vector<int64_t>{2});
  a.set("pads", std::vector<int64_t>{2, 2});
  a.set("strides", std::vector<int64_t>{2});
  auto out = run(OpKind::kConv, ref::ref_Conv, a, {&x, &w, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 3}, {-2.5f, -3.5f, 3.5f}, kExact);
}

TEST(ConvTest, DepthwiseGroup) {
  // group=2, one channel per group: ch0 [1,2,3]*[1,1] → [3,5]; ch1 [4,5,6]*[1,-1] → [-1,-1].
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {1, 2, 1, 3}), w = f32({1, 1, 1, -1}, {2, 1, 1, 2});
  Attrs a;
  a.set("group", int64_t{2});
  auto out = run(OpKind::kConv, ref::ref_Conv, a, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 2, 1, 2}, {3, 5, -1, -1}, kExact);
}

TEST(ConvTest, AutoPadSameUpperVersusLower) {
  // Kernel [1,10] on [1,2,3,4], stride 1: total pad 1. SAME_UPPER pads at the end: y[i] = x[i] + 10 x[i+1];
  // SAME_LOWER pads at the start: y[i] = x[i-1] + 10 x[i].
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 4}), w = f32({1, 10}, {1, 1, 2});
  Attrs up;
  up.set("auto_pad", std::string("SAME_UPPER"));
  auto o1 = run(OpKind::kConv, ref::ref_Conv, up, {&x, &w});
  ASSERT_TRUE(o1.ok()) << o1.status().to_string();
  expect_f32((*o1)[0], {1, 1, 4}, {21, 32, 43, 4}, kExact);
  Attrs lo;
  lo.set("auto_pad", std::string("SAME_LOWER"));
  auto o2 = run(OpKind::kConv, ref::ref_Conv, lo, {&x, &w});
  ASSERT_TRUE(o2.ok());
  expect_f32((*o2)[0], {1, 1, 4}, {10, 21, 32, 43}, kExact);
  Attrs valid;
  valid.set("auto_pad", std::string("VALID"));
  valid.set("pads", std::vector<int64_t>{5, 5});  // ignored with auto_pad
  auto o3 = run(OpKind::kConv, ref::ref_Conv, valid, {&x, &w});
  ASSERT_TRUE(o3.ok());
  expect_f32((*o3)[0], {1, 1, 3}, {21, 32, 43}, kExact);
}

TEST(ConvTest, GroupStridesDilationsAsymmetricPadsMatchNumpy) {
  // numpy naive loops: x [1,4,5,6], w [6,2,2,3], group 2, strides [2,1], dilations [1,2], pads [1,0,0,2].
  Tensor x =
      f32({2.0f,  -3.0f, -2.0f, -2.0f, -2.0f, 2.0f,  3.0f,  1.0f,  -3.0f, -3.0f, -1.0f, 0.0f,  1.0f,  0.0f,  -2.0f,
           -2.0f, 1.0f,  2.0f,  -3.0f, -3.0f, 0.0f,  -1.0f, 3.0f,  0.0f,  -1.0f, 0.0f,  1.0f,  1.0f,  -2.0f, 2.0f,
           2.0f,  3.0f,  2.0f,  -2.0f, -1.0f, 1.0f,  1.0f,  1.0f,  3.0f,  -1.0f, 3.0f,  -3.0f, -3.0f, 3.0f,  3.0f,
           -1.0f, -3.0f, -1.0f, -3.0f, 3.0f,  1.0f,  1.0f,  -2.0f, 0.0f,  -2.0f, 2.0f,  0.0f,  -3.0f, -2.0f, 1.0f,
           0.0f,  -1.0f, -2.0f, -3.0f, 1.0f,  1.0f,  0.0f,  3.0f,  3.0f,  -2.0f, 1.0f,  1.0f,  -2.0f, -1.0f, 0.0f,
           2.0f,  -1.0f, 2.0f,  1.0f,  -2.0f, -1.0f, 2.0f,  2.0f,  1.0f,  -3.0f, 1.0f,  -2.0f, 2.0f,  3.0f,  0.0f,
           3.0f,  2.0f,  -1.0f, 3.0f,  -1.0f, -3.0f, 1.0f,  2.0f,  1.0f,  -1.0f, 3.0f,  0.0f,  -1.0f, -2.0f, -2.0f,
           1.0f,  2.0f,  -1.0f, 1.0f,  3.0f,  -2.0f, -2.0f, 0.0f,  0.0f,  -1.0f, -1.0f, -3.0f, 1.0f,  3.0f,  -2.0f},
          {1, 4, 5, 6});
  Tensor w =
      f32({1.0f,  -2.0f, -2.0f, 1.0f,  -2.0f, 1.0f,  -1.0f, 0.0f,  2.0f,  2.0f, 0.0f,  -1.0f, -1.0f, 2.0f,  0.0f,
           -2.0f, 2.0f,  2.0f,  2.0f,  1.0f,  2.0f,  1.0f,  0.0f,  2.0f,  1.0f, 1.0f,  -1.0f, 1.0f,  2.0f,  -2.0f,
           0.0f,  -1.0f, -2.0f, -2.0f, -1.0f, -2.0f, 1.0f,  -1.0f, 1.0f,  2.0f, 0.0f,  -2.0f, -2.0f, -1.0f, 0.0f,
           0.0f,  -1.0f, 2.0f,  0.0f,  2.0f,  2.0f,  1.0f,  -2.0f, -1.0f, 1.0f, 0.0f,  2.0f,  1.0f,  2.0f,  -2.0f,
           -1.0f, 1.0f,  1.0f,  -1.0f, -2.0f, 0.0f,  -2.0f, 1.0f,  2.0f,  1.0f, -2.0f, 0.0f},
          {6, 2, 2, 3});
  Tensor b = f32({0.5f, -1.0f, 0.0f, 2.0f, 1.0f, -0.5f}, {6});
  Attrs a;
  a.set("group", int64_t{2});
  a.set("strides", std::vector<int64_t>{2, 1});
  a.set("dilations", std::vector<int64_t>{1, 2});
  a.set("pads", std::vector<int64_t>{1, 0, 0, 2});
  a.set("kernel_shape", std::vector<int64_t>{2, 3});
  auto out = run(OpKind::kConv, ref::ref_Conv, a, {&x, &w, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 6, 3, 4},
             {9.5f,   8.5f,   6.5f,  -9.5f, 19.5f,  13.5f,  -1.5f,  -9.5f, -16.5f, -0.5f,  -1.5f, -10.5f,
              -13.0f, 10.0f,  1.0f,  5.0f,  -12.0f, -12.0f, 18.0f,  4.0f,  -13.0f, 17.0f,  -1.0f, 1.0f,
              -2.0f,  -17.0f, -9.0f, 5.0f,  -4.0f,  -6.0f,  -10.0f, 5.0f,  10.0f,  -10.0f, 4.0f,  9.0f,
              -1.0f,  -11.0f, -1.0f, -1.0f, 1.0f,   -4.0f,  -3.0f,  6.0f,  3.0f,   -8.0f,  -4.0f, 13.0f,
              7.0f,   19.0f,  -6.0f, -7.0f, 6.0f,   -4.0f,  8.0f,   -1.0f, -11.0f, 12.0f,  -2.0f, 0.0f,
              8.5f,   2.5f,   0.5f,  9.5f,  13.5f,  -16.5f, -5.5f,  1.5f,  7.5f,   -11.5f, -6.5f, 5.5f},
             kExact);
}

TEST(ConvTest, InferShapes) {
  Tensor x(DType::kF32, {2, 3, 7, 5}), w(DType::kF32, {4, 3, 3, 3});
  Attrs a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("strides", std::vector<int64_t>{2, 2});
  auto t = infer(OpKind::kConv, a, {&x, &w});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0].shape, (Shape{2, 4, 4, 3}));
  Attrs same;
  same.set("auto_pad", std::string("SAME_LOWER"));
  same.set("strides", std::vector<int64_t>{2, 2});
  t = infer(OpKind::kConv, same, {&x, &w});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].shape, (Shape{2, 4, 4, 3}));  // ceil(7/2), ceil(5/2)
  // 3-D conv.
  Tensor x3(DType::kF32, {1, 2, 4, 5, 6}), w3(DType::kF32, {8, 2, 2, 2, 2});
  t = infer(OpKind::kConv, Attrs{}, {&x3, &w3});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].shape, (Shape{1, 8, 3, 4, 5}));
}

TEST(ConvTest, Errors) {
  Tensor x(DType::kF32, {1, 4, 5, 5}), w(DType::kF32, {2, 4, 3, 3});
  Tensor x2(DType::kF32, {4, 5});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&x2, &w})), ErrorCode::kShapeMismatch);
  Tensor w_rank(DType::kF32, {2, 4, 3});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&x, &w_rank})), ErrorCode::kShapeMismatch);
  // group 2 needs W.shape[1] == 2.
  Attrs g;
  g.set("group", int64_t{2});
  EXPECT_EQ(code_of(infer(OpKind::kConv, g, {&x, &w})), ErrorCode::kShapeMismatch);
  Attrs ap;
  ap.set("auto_pad", std::string("SAME"));
  EXPECT_EQ(code_of(infer(OpKind::kConv, ap, {&x, &w})), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kConv, ints_attr("kernel_shape", {5, 5}), {&x, &w})), ErrorCode::kShapeMismatch);
  EXPECT_EQ(code_of(infer(OpKind::kConv, ints_attr("strides", {1}), {&x, &w})), ErrorCode::kShapeMismatch);
  Tensor b(DType::kF32, {3});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&x, &w, &b})), ErrorCode::kShapeMismatch);
  Tensor xh(DType::kF16, {1, 4, 5, 5});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&xh, &w})), ErrorCode::kUnsupportedAttr);
  Tensor xi(DType::kI32, {1, 4, 5, 5});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&xi, &w})), ErrorCode::kShapeMismatch);
  // Kernel larger than the (padded) input.
  Tensor w_big(DType::kF32, {2, 4, 7, 7});
  EXPECT_EQ(code_of(infer(OpKind::kConv, Attrs{}, {&x, &w_big})), ErrorCode::kShapeMismatch);
}

TEST(ConvTransposeTest, OneDStrideAndKernel) {
  // x=[1,2,3], w=[1,2], stride 2: each input scatters [x, 2x] to positions 2i, 2i+1.
  Tensor x = f32({1, 2, 3}, {1, 1, 3}), w = f32({1, 2}, {1, 1, 2});
  auto out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, ints_attr("strides", {2}), {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 6}, {1, 2, 2, 4, 3, 6}, kExact);
  // Stride 1: overlapping scatter [1, 2+2, 4+3, 6].
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, Attrs{}, {&x, &w});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {1, 4, 7, 6}, kExact);
  // pads [1, 0] crop the first output.
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, ints_attr("pads", {1, 0}), {&x, &w});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 3}, {4, 7, 6}, kExact);
}

TEST(ConvTransposeTest, OutputPaddingAndOutputShape) {
  Tensor x = f32({1, 2, 3}, {1, 1, 3}), w = f32({1, 2}, {1, 1, 2});
  Attrs op;
  op.set("strides", std::vector<int64_t>{2});
  op.set("output_padding", std::vector<int64_t>{1});
  auto out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, op, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 7}, {1, 2, 2, 4, 3, 6, 0}, kExact);
  // output_shape 7: total padding = 2*2 + 2 - 7 = -1 → begin pad -1 - floor(-1/2) = 0: same as above.
  Attrs os;
  os.set("strides", std::vector<int64_t>{2});
  os.set("output_shape", std::vector<int64_t>{7});
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, os, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 7}, {1, 2, 2, 4, 3, 6, 0}, kExact);
  // output_shape 4: total = 2 → begin pad 1, end pad 1 → crop [1,2,2,4,3,6] to [2,2,4,3].
  os.set("output_shape", std::vector<int64_t>{4});
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, os, {&x, &w});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {2, 2, 4, 3}, kExact);
  // SAME_UPPER: output = in * stride = 6 = natural size here (total 0).
  Attrs same;
  same.set("strides", std::vector<int64_t>{2});
  same.set("auto_pad", std::string("SAME_UPPER"));
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, same, {&x, &w});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 6}, {1, 2, 2, 4, 3, 6}, kExact);
}

TEST(ConvTransposeTest, AutoPadSameSplitsOddPadding) {
  // x=[1,2,3], w=[1,2,3], stride 2: natural output [1,2,5,4,9,6,9] (7), SAME output 3*2 = 6, total pad 1.
  // SAME_UPPER puts the odd pad at the end (keep [0,6)), SAME_LOWER at the start (keep [1,7)).
  Tensor x = f32({1, 2, 3}, {1, 1, 3}), w = f32({1, 2, 3}, {1, 1, 3});
  Attrs a;
  a.set("strides", std::vector<int64_t>{2});
  a.set("auto_pad", std::string("SAME_UPPER"));
  auto out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, a, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 6}, {1, 2, 5, 4, 9, 6}, kExact);
  a.set("auto_pad", std::string("SAME_LOWER"));
  out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, a, {&x, &w});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 6}, {2, 5, 4, 9, 6, 9}, kExact);
}

TEST(ConvTransposeTest, GroupStridesDilationsPadsMatchNumpy) {
  // numpy naive scatter: x [1,2,2,3], w [2,2,2,2], group 2 (4 output channels), strides [2,3],
  // dilations [1,2], pads [1,0,0,1], output_padding [1,0], bias [1,-1,0.5,0].
  Tensor x = f32({-1.0f, 0.0f, 1.0f, -2.0f, -3.0f, 0.0f, 1.0f, -3.0f, 3.0f, 0.0f, 3.0f, 0.0f}, {1, 2, 2, 3});
  Tensor w =
      f32({1.0f, 1.0f, 0.0f, -1.0f, 1.0f, -2.0f, 1.0f, 0.0f, -2.0f, -1.0f, -2.0f, 1.0f, 1.0f, -1.0f, 2.0f, -1.0f},
          {2, 2, 2, 2});
  Tensor b = f32({1.f, -1.f, 0.5f, 0.f}, {4});
  Attrs a;
  a.set("group", int64_t{2});
  a.set("strides", std::vector<int64_t>{2, 3});
  a.set("dilations", std::vector<int64_t>{1, 2});
  a.set("pads", std::vector<int64_t>{1, 0, 0, 1});
  a.set("output_padding", std::vector<int64_t>{1, 0});
  auto out = run(OpKind::kConvTranspose, ref::ref_ConvTranspose, a, {&x, &w, &b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32(
      (*out)[0], {1, 4, 4, 8},
      {1.0f,  1.0f,  2.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  -1.0f, 1.0f,  -1.0f, -2.0f, 1.0f,  -2.0f, 1.0f,  1.0f,
       1.0f,  1.0f,  3.0f,  1.0f,  1.0f,  4.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,  1.0f,
       -2.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, 0.0f,  -1.0f, -3.0f, -1.0f, 3.0f,  -4.0f, -1.0f, 5.0f,  -1.0f, -1.0f,
       -3.0f, -1.0f, -1.0f, -4.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f,
       -1.5f, 0.5f,  1.5f,  6.5f,  0.5f,  -2.5f, -5.5f, 0.5f,  0.5f,  0.5f,  0.5f,  -5.5f, 0.5f,  -2.5f, 0.5f,  0.5f,
       0.5f,  0.5f,  0.5f,  -5.5f, 0.5f,  3.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,  0.5f,
       2.0f,  0.0f,  -1.0f, -6.0f, 0.0f,  3.0f,  6.0f,  0.0f,  0.0f,  0.0f,  0.0f,  3.0f,  0.0f,  -3.0f, 0.0f,  0.0f,
       0.0f,  0.0f,  0.0f,  6.0f,  0.0f,  -3.0f, 0.0f,  0.0f,  0.0f,  0.0f,  0.0f,  0.0f,  0.0f,  0.0f,  0.0f,  0.0f},
      kExact);
}

TEST(ConvTransposeTest, Errors) {
  Tensor x(DType::kF32, {1, 2, 3, 3}), w(DType::kF32, {3, 2, 3, 3});
  EXPECT_EQ(code_of(infer(OpKind::kConvTranspose, Attrs{}, {&x, &w})), ErrorCode::kShapeMismatch);
  Tensor w_ok(DType::kF32, {2, 2, 3, 3});
  EXPECT_EQ(code_of(infer(OpKind::kConvTranspose, ints_attr("output_shape", {5}), {&x, &w_ok})),
            ErrorCode::kShapeMismatch);
  Tensor b(DType::kF32, {3});
  EXPECT_EQ(code_of(infer(OpKind::kConvTranspose, Attrs{}, {&x, &w_ok, &b})), ErrorCode::kShapeMismatch);
  Attrs ap;
  ap.set("auto_pad", std::string("bogus"));
  EXPECT_EQ(code_of(infer(OpKind::kConvTranspose, ap, {&x, &w_ok})), ErrorCode::kUnsupportedAttr);
  // Pads larger than the natural output.
  EXPECT_EQ(code_of(infer(OpKind::kConvTranspose, ints_attr("pads", {3, 3, 3, 3}), {&x, &w_ok})),
            ErrorCode::kShapeMismatch);
  auto t = infer(OpKind::kConvTranspose, ints_attr("output_shape", {1, 2, 9, 9}), {&x, &w_ok});
  ASSERT_TRUE(t.ok()) << t.status().to_string();  // full-rank output_shape is accepted (exporter quirk)
  EXPECT_EQ((*t)[0].shape, (Shape{1, 2, 9, 9}));
}

}  // namespace npukit
