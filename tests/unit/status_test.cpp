// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"

namespace npukit {
namespace {

Expected<int> half_of(int x) {
  if (x % 2) return make_error(ErrorCode::kInvalidArgument, "odd value ", x);
  return x / 2;
}

Status use_half(int x, int* out) {
  NPUKIT_ASSIGN_OR_RETURN(*out, half_of(x));
  return Status::Ok();
}

TEST(Status, CarriesCodeAndMessage) {
  int v = 0;
  EXPECT_TRUE(use_half(4, &v).ok());
  EXPECT_EQ(v, 2);
  Status st = use_half(3, &v);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.to_string(), "InvalidArgument: odd value 3");
  EXPECT_EQ(st.with_context("load").message(), "load: odd value 3");
}

TEST(Tensor, CheckedNumelRejectsHostileShapes) {
  EXPECT_EQ(checked_numel({2, 3, 4}).value(), 24);
  EXPECT_EQ(checked_numel({}).value(), 1);
  EXPECT_EQ(checked_numel({-1, 3}).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(checked_numel({int64_t{1} << 40, int64_t{1} << 40}).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(Tensor::create(DType::kF32, {int64_t{1} << 20, int64_t{1} << 20}).status().code(), ErrorCode::kOutOfRange);
}

TEST(Tensor, SharesBufferUntilCloned) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = a.reshaped({3, 2});
  EXPECT_EQ(b.data<float>(), a.data<float>());
  Tensor c = a.clone();
  c.data<float>()[0] = 9;
  EXPECT_EQ(a.data<float>()[0], 1);
  EXPECT_TRUE(a.bit_equal(a.clone()));
  EXPECT_FALSE(a.bit_equal(b));
  EXPECT_EQ(a.to_int64_vector(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(DType, HalfConversionRoundTripsAndRounds) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);               // overflow → inf
  EXPECT_EQ(f32_to_f16(5.960464477539063e-08f), 1);  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x0001), 5.960464477539063e-08f);
  EXPECT_EQ(f16_to_f32(0x3555), 0.333251953125f);
  // 1 + 2^-11 is a tie between 1.0 and 1+2^-10: rounds to even (1.0).
  EXPECT_EQ(f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);
  for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h);
}

TEST(Attrs, TypedAccessWithDefaults) {
  Attrs a;
  a.set("group", int64_t{2});
  a.set("alpha", 0.5f);
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  EXPECT_EQ(a.get_int("group"), 2);
  EXPECT_EQ(a.get_int("missing", 7), 7);
  EXPECT_FLOAT_EQ(a.get_float("alpha"), 0.5f);
  EXPECT_EQ(a.get_ints("pads").size(), 4u);
  EXPECT_EQ(attr_value_str(*a.find("pads")), "[1,1,1,1]");
  Attrs b = a;
  EXPECT_TRUE(a == b);
  b.set("group", int64_t{3});
  EXPECT_FALSE(a == b);
}

}  // namespace
}  // namespace npukit
