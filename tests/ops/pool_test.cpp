// SPDX-License-Identifier: Apache-2.0
// Unit tests for MaxPool (values, Indices incl. storage_order, dilations, uint8), AveragePool
// (count_include_pad, auto_pad, ceil_mode), GlobalAveragePool / GlobalMaxPool: hand-computed values,
// output-size edge cases and error codes.
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

constexpr float kExact = 0.f;  // max is exact; the averages below are of few small integers (exact in f32)

Attrs pool_attrs(std::vector<int64_t> kernel, std::vector<int64_t> strides = {}, std::vector<int64_t> pads = {}) {
  Attrs a;
  a.set("kernel_shape", std::move(kernel));
  if (!strides.empty()) a.set("strides", std::move(strides));
  if (!pads.empty()) a.set("pads", std::move(pads));
  return a;
}

std::vector<float> iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST(MaxPoolTest, TwoByTwoStrideTwoWithIndices) {
  Tensor x = f32(iota(16), {1, 1, 4, 4});
  auto out = run(OpKind::kMaxPool, ref::ref_MaxPool, pool_attrs({2, 2}, {2, 2}), {&x}, 2);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 2, 2}, {5, 7, 13, 15}, kExact);
  ASSERT_EQ((*out)[1].dtype(), DType::kI64);
  EXPECT_EQ((*out)[1].to_int64_vector(), (std::vector<int64_t>{5, 7, 13, 15}));
  // storage_order=1: in-plane index h + w*H (column-major): (1,1)→5, (1,3)→13, (3,1)→7, (3,3)→15.
  Attrs col = pool_attrs({2, 2}, {2, 2});
  col.set("storage_order", int64_t{1});
  out = run(OpKind::kMaxPool, ref::ref_MaxPool, col, {&x}, 2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[1].to_int64_vector(), (std::vector<int64_t>{5, 13, 7, 15}));
}

TEST(MaxPoolTest, IndicesIncludeBatchAndChannelOffsets) {
  // 2 planes of 1x3; k=2, s=1: plane p, max at in-plane offset 1 then 2; flat index adds p*3.
  Tensor x = f32({0, 1, 2, 5, 4, 3}, {1, 2, 3});
  auto out = run(OpKind::kMaxPool, ref::ref_MaxPool, pool_attrs({2}), {&x}, 2);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 2, 2}, {1, 2, 5, 4}, kExact);
  EXPECT_EQ((*out)[1].to_int64_vector(), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(MaxPoolTest, DilationsAndPads) {
  // x=[1,5,2,4,3], k=2, dilation 2 (window {i, i+2}): [max(1,2), max(5,4), max(2,3)].
  Tensor x = f32({1, 5, 2, 4, 3}, {1, 1, 5});
  Attrs a = pool_attrs({2});
  a.set("dilations", std::vector<int64_t>{2});
  auto out = run(OpKind::kMaxPool, ref::ref_MaxPool, a, {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 3}, {2, 5, 3}, kExact);
  // Padding never wins, even against negative values.
  Tensor neg = f32({-3, -1, -2}, {1, 1, 3});
  out = run(OpKind::kMaxPool, ref::ref_MaxPool, pool_attrs({2}, {}, {1, 1}), {&neg});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {-3, -1, -1, -2}, kExact);
}

TEST(MaxPoolTest, Uint8) {
  Tensor x = Tensor::from_vector<uint8_t>({1, 200, 3, 250}, {1, 1, 4});
  auto out = run(OpKind::kMaxPool, ref::ref_MaxPool, pool_attrs({2}, {2}), {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].dtype(), DType::kU8);
  EXPECT_EQ((*out)[0].data<uint8_t>()[0], 200);
  EXPECT_EQ((*out)[0].data<uint8_t>()[1], 250);
}

TEST(MaxPoolTest, CeilModeOutputSize) {
  // in 5, k 2, s 2: floor → 2, ceil → 3 (last window [4] is partial).
  Tensor x = f32({1, 2, 3, 4, 5}, {1, 1, 5});
  Attrs a = pool_attrs({2}, {2});
  a.set("ceil_mode", int64_t{1});
  auto out = run(OpKind::kMaxPool, ref::ref_MaxPool, a, {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 3}, {2, 4, 5}, kExact);
  // in 4, k 2, s 2, pads [0,1]: ceil((4+1-2)/2)+1 = 3, but the 3rd window would start at 4, inside the end
  // padding only → dropped (PyTorch / onnx >= 1.16 rule): 2.
  Tensor x4(DType::kF32, {1, 1, 4});
  Attrs b = pool_attrs({2}, {2}, {0, 1});
  b.set("ceil_mode", int64_t{1});
  auto t = infer(OpKind::kMaxPool, b, {&x4});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0].shape, (Shape{1, 1, 2}));
}

TEST(MaxPoolTest, Errors) {
  Tensor x(DType::kF32, {1, 1, 4, 4});
  Attrs none;  // kernel_shape is required
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, none, {&x})), ErrorCode::kInvalidModel);
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({2}), {&x})), ErrorCode::kShapeMismatch);
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({2, 2}, {1}), {&x})), ErrorCode::kShapeMismatch);
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({5, 5}), {&x})), ErrorCode::kShapeMismatch);
  Tensor x2(DType::kF32, {4, 4});
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({2}), {&x2})), ErrorCode::kShapeMismatch);
  Attrs ap = pool_attrs({2, 2});
  ap.set("auto_pad", std::string("same"));
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, ap, {&x})), ErrorCode::kUnsupportedAttr);
  Attrs so = pool_attrs({2, 2});
  so.set("storage_order", int64_t{2});
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, so, {&x})), ErrorCode::kUnsupportedAttr);
  Tensor xd(DType::kF64, {1, 1, 4, 4});
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({2, 2}), {&xd})), ErrorCode::kUnsupportedAttr);
  Tensor xi(DType::kI64, {1, 1, 4, 4});
  EXPECT_EQ(code_of(infer(OpKind::kMaxPool, pool_attrs({2, 2}), {&xi})), ErrorCode::kShapeMismatch);
}

TEST(AveragePoolTest, CountIncludePad) {
  // [1,2,3], k 2, pads 1/1: windows [pad,1] [1,2] [2,3] [3,pad].
  Tensor x = f32({1, 2, 3}, {1, 1, 3});
  auto out = run(OpKind::kAveragePool, ref::ref_AveragePool, pool_attrs({2}, {}, {1, 1}), {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 4}, {1, 1.5f, 2.5f, 3}, kExact);
  Attrs inc = pool_attrs({2}, {}, {1, 1});
  inc.set("count_include_pad", int64_t{1});
  out = run(OpKind::kAveragePool, ref::ref_AveragePool, inc, {&x});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {0.5f, 1.5f, 2.5f, 1.5f}, kExact);
}

TEST(AveragePoolTest, AutoPadSame) {
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 4});
  Attrs up = pool_attrs({2});
  up.set("auto_pad", std::string("SAME_UPPER"));  // pad at the end
  auto out = run(OpKind::kAveragePool, ref::ref_AveragePool, up, {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 4}, {1.5f, 2.5f, 3.5f, 4}, kExact);
  Attrs lo = pool_attrs({2});
  lo.set("auto_pad", std::string("SAME_LOWER"));  // pad at the start
  out = run(OpKind::kAveragePool, ref::ref_AveragePool, lo, {&x});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {1, 1.5f, 2.5f, 3.5f}, kExact);
  // SAME with count_include_pad counts the padded element: last window (4 + pad) / 2.
  up.set("count_include_pad", int64_t{1});
  out = run(OpKind::kAveragePool, ref::ref_AveragePool, up, {&x});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 1, 4}, {1.5f, 2.5f, 3.5f, 2}, kExact);
}

TEST(AveragePoolTest, CeilModePartialWindowAveragesValidElements) {
  // 4x4 of 0..15, k 3, s 2, ceil: 2x2 outputs; the last row/col windows hold 2 rows/cols only.
  Tensor x = f32(iota(16), {1, 1, 4, 4});
  Attrs a = pool_attrs({3, 3}, {2, 2});
  a.set("ceil_mode", int64_t{1});
  auto out = run(OpKind::kAveragePool, ref::ref_AveragePool, a, {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  // (0,0): mean of rows 0-2 cols 0-2 = 5; (0,1): rows 0-2, cols 2-3 = 6.5; (1,0): rows 2-3, cols 0-2 = 11;
  // (1,1): rows 2-3 cols 2-3 = 12.5.
  expect_f32((*out)[0], {1, 1, 2, 2}, {5, 6.5f, 11, 12.5f}, kExact);
}

TEST(GlobalPoolTest, AverageAndMax) {
  Tensor x = f32({1, 2, 3, 4, -1, -2, -3, -6}, {1, 2, 2, 2});
  auto avg = run(OpKind::kGlobalAveragePool, ref::ref_GlobalAveragePool, Attrs{}, {&x});
  ASSERT_TRUE(avg.ok()) << avg.status().to_string();
  expect_f32((*avg)[0], {1, 2, 1, 1}, {2.5f, -3}, kExact);
  auto mx = run(OpKind::kGlobalMaxPool, ref::ref_GlobalMaxPool, Attrs{}, {&x});
  ASSERT_TRUE(mx.ok());
  expect_f32((*mx)[0], {1, 2, 1, 1}, {4, -1}, kExact);
  Tensor x1 = f32({1, 2, 3}, {1, 1, 3});
  mx = run(OpKind::kGlobalMaxPool, ref::ref_GlobalMaxPool, Attrs{}, {&x1});
  ASSERT_TRUE(mx.ok());
  expect_f32((*mx)[0], {1, 1, 1}, {3}, kExact);
  Tensor x2(DType::kF32, {2, 3});
  EXPECT_EQ(code_of(infer(OpKind::kGlobalAveragePool, Attrs{}, {&x2})), ErrorCode::kShapeMismatch);
  Tensor xh(DType::kF16, {2, 3, 4});
  EXPECT_EQ(code_of(infer(OpKind::kGlobalMaxPool, Attrs{}, {&xh})), ErrorCode::kUnsupportedAttr);
}

}  // namespace npukit
