// SPDX-License-Identifier: Apache-2.0
// Unit tests for QuantizeLinear / DequantizeLinear (opset 13): round-half-to-even, saturation, optional
// zero point (default u8 0), per-axis parameters, i32 dequantization, and error codes. Hand-computed values.
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

Tensor u8(std::vector<uint8_t> v, Shape s) {
  return Tensor::from_vector<uint8_t>(v, std::move(s));
}
Tensor i8(std::vector<int8_t> v, Shape s) {
  return Tensor::from_vector<int8_t>(v, std::move(s));
}

std::vector<int64_t> values(const Tensor& t) {
  return t.to_int64_vector();
}

TEST(QuantizeTest, PerTensorUint8RoundsHalfToEvenAndSaturates) {
  // x/2 = 0, 1, 1.5→2, 500, -127, -500, 2.5→2; + 128; saturate to [0, 255].
  Tensor x = f32({0, 2, 3, 1000, -254, -1000, 5}, {7});
  Tensor s = Tensor::scalar<float>(2.f), zp = Tensor::scalar<uint8_t>(128);
  auto out = run(OpKind::kQuantizeLinear, ref::ref_QuantizeLinear, Attrs{}, {&x, &s, &zp});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].dtype(), DType::kU8);
  EXPECT_EQ(values((*out)[0]), (std::vector<int64_t>{128, 129, 130, 255, 1, 0, 130}));
}

TEST(QuantizeTest, Int8AndAbsentZeroPoint) {
  // -1.5 → -2, 2.5 → 2 (half to even), 150 → 127, -150 → -128.
  Tensor x = f32({-3, 5, 300, -300}, {4});
  Tensor s = Tensor::scalar<float>(2.f), zp = Tensor::scalar<int8_t>(0);
  auto out = run(OpKind::kQuantizeLinear, ref::ref_QuantizeLinear, Attrs{}, {&x, &s, &zp});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].dtype(), DType::kI8);
  EXPECT_EQ(values((*out)[0]), (std::vector<int64_t>{-2, 2, 127, -128}));
  // No zero point: output u8 with zero point 0.
  Tensor one = Tensor::scalar<float>(1.f);
  Tensor x2 = f32({-1, 3, 300}, {3});
  out = run(OpKind::kQuantizeLinear, ref::ref_QuantizeLinear, Attrs{}, {&x2, &one});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].dtype(), DType::kU8);
  EXPECT_EQ(values((*out)[0]), (std::vector<int64_t>{0, 3, 255}));
}

TEST(QuantizeTest, PerAxis) {
  Tensor x = f32({1, 2, 3, 4}, {2, 2}), s = f32({1, 2}, {2}), zp = u8({0, 10}, {2});
  Attrs axis0;
  axis0.set("axis", int64_t{0});
  // Row 1 uses scale 2, zp 10: 1.5 → 2 → 12, 2 → 12.
  auto out = run(OpKind::kQuantizeLinear, ref::ref_QuantizeLinear, axis0, {&x, &s, &zp});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(values((*out)[0]), (std::vector<int64_t>{1, 2, 12, 12}));
  // Default axis 1: column 1 uses scale 2, zp 10: 2/2 + 10 = 11, 4/2 + 10 = 12.
  out = run(OpKind::kQuantizeLinear, ref::ref_QuantizeLinear, Attrs{}, {&x, &s, &zp});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(values((*out)[0]), (std::vector<int64_t>{1, 11, 3, 12}));
}

TEST(DequantizeTest, PerTensor) {
  Tensor x = u8({0, 3, 128, 255}, {4}), s = Tensor::scalar<float>(2.f), zp = Tensor::scalar<uint8_t>(128);
  auto out = run(OpKind::kDequantizeLinear, ref::ref_DequantizeLinear, Attrs{}, {&x, &s, &zp});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {4}, {-256, -250, 0, 254}, 0.f);
  Tensor xi = i8({-128, 127}, {2}), half = Tensor::scalar<float>(0.5f), zpi = Tensor::scalar<int8_t>(-1);
  out = run(OpKind::kDequantizeLinear, ref::ref_DequantizeLinear, Attrs{}, {&xi, &half, &zpi});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {2}, {-63.5f, 64}, 0.f);
  Tensor x32 = Tensor::from_vector<int32_t>({-4, 6}, {2});
  out = run(OpKind::kDequantizeLinear, ref::ref_DequantizeLinear, Attrs{}, {&x32, &half});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2}, {-2, 3}, 0.f);
}

TEST(DequantizeTest, PerAxis) {
  // Axis 1: column 0 (x-1)*1, column 1 (x-2)*0.5 → [0, 0, 2, 1].
  Tensor x = u8({1, 2, 3, 4}, {2, 2}), s = f32({1, 0.5f}, {2}), zp = u8({1, 2}, {2});
  auto out = run(OpKind::kDequantizeLinear, ref::ref_DequantizeLinear, Attrs{}, {&x, &s, &zp});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {2, 2}, {0, 0, 2, 1}, 0.f);
}

TEST(QuantTest, Errors) {
  Tensor x(DType::kF32, {2, 3}), s3(DType::kF32, {3}), s2(DType::kF32, {2});
  Tensor s = Tensor::scalar<float>(1.f);
  // Per-axis scale of 2 values along axis 1 (size 3).
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s2})), ErrorCode::kShapeMismatch);
  auto ok = infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s3});
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  Attrs axis;
  axis.set("axis", int64_t{2});
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, axis, {&x, &s3})), ErrorCode::kInvalidModel);
  // 16-bit codes are accepted (opset-21 / com.microsoft semantics); 32-bit codes are not an activation type.
  Tensor zp16 = Tensor::scalar<int16_t>(0);
  auto q16 = infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s, &zp16});
  ASSERT_TRUE(q16.ok()) << q16.status().to_string();
  Tensor zp32 = Tensor::scalar<int32_t>(0);
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s, &zp32})), ErrorCode::kUnsupportedAttr);
  Tensor xd(DType::kF64, {2, 3});
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&xd, &s})), ErrorCode::kUnsupportedAttr);
  Tensor s_rank2(DType::kF32, {2, 3});
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s_rank2})), ErrorCode::kShapeMismatch);
  Tensor sh(DType::kF16, {});
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &sh})), ErrorCode::kUnsupportedAttr);
  Tensor zp_shape = u8({0, 0}, {2});  // per-tensor scale but a 2-element zero point
  EXPECT_EQ(code_of(infer(OpKind::kQuantizeLinear, Attrs{}, {&x, &s, &zp_shape})), ErrorCode::kShapeMismatch);
  // Dequantize: float input, zero point of another dtype.
  EXPECT_EQ(code_of(infer(OpKind::kDequantizeLinear, Attrs{}, {&x, &s})), ErrorCode::kUnsupportedAttr);
  Tensor xq(DType::kU8, {2, 3}), zpi8 = Tensor::scalar<int8_t>(0);
  EXPECT_EQ(code_of(infer(OpKind::kDequantizeLinear, Attrs{}, {&xq, &s, &zpi8})), ErrorCode::kShapeMismatch);
}

}  // namespace npukit
