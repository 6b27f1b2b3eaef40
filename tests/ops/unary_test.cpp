// SPDX-License-Identifier: Apache-2.0
// Unit tests: schema, shape inference and reference kernels of the unary family (ir/ops/unary.cpp,
// kernels/ref/unary.cpp). Expected values are hand-computed or from numpy (float64, rounded to f32).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "ir/op_table.h"
#include "kernels/ref/ref_kernels.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using namespace npukit::optest;  // NOLINT: test helpers

// f32 transcendental results: the kernels use float libm, numpy reference values were printed with 7
// significant digits, so 1e-6 relative is the right bound.
constexpr float kTol = 1e-6f;
const std::vector<float> kX = {-3, -1, -0.5f, 0, 0.5f, 1, 3};
Tensor x7() {
  return f32(kX, {7});
}

TEST(Unary, ReluF32AndInt) {
  auto r = run(OP(Relu), {}, {x7()});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_near((*r)[0], {0, 0, 0, 0, 0.5f, 1, 3}, 0);
  auto ri = run(OP(Relu), {}, {i64({-5, 0, 7}, {3})});
  ASSERT_TRUE(ri.ok());
  EXPECT_EQ((*ri)[0].dtype(), DType::kI64);
  EXPECT_EQ(values<int64_t>((*ri)[0]), (std::vector<int64_t>{0, 0, 7}));
  // NaN propagates (x < 0 is false for NaN).
  auto rn = run(OP(Relu), {}, {f32({NAN}, {1})});
  ASSERT_TRUE(rn.ok());
  EXPECT_TRUE(std::isnan((*rn)[0].data<float>()[0]));
}

TEST(Unary, LeakyReluDefaultAndCustomAlpha) {
  auto r = run(OP(LeakyRelu), {}, {x7()});
  ASSERT_TRUE(r.ok());
  expect_near((*r)[0], {-0.03f, -0.01f, -0.005f, 0, 0.5f, 1, 3}, kTol);
  auto r2 = run(OP(LeakyRelu), attrs_of({{"alpha", 0.1f}}), {x7()});
  ASSERT_TRUE(r2.ok());
  expect_near((*r2)[0], {-0.3f, -0.1f, -0.05f, 0, 0.5f, 1, 3}, kTol);
  // ONNX allows an int attribute value where a float is expected; normalize_attrs converts it.
  auto r3 = run(OP(LeakyRelu), attrs_of({{"alpha", int64_t{2}}}), {f32({-1}, {1})});
  ASSERT_TRUE(r3.ok());
  expect_near((*r3)[0], {-2}, 0);
}

TEST(Unary, Activations) {
  struct Case {
    OpFns op;
    std::vector<float> want;
  };
  const Case cases[] = {
      {OP(Sigmoid), {0.04742587f, 0.2689414f, 0.3775407f, 0.5f, 0.6224593f, 0.7310586f, 0.9525741f}},
      {OP(HardSigmoid), {0, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 1}},
      {OP(HardSwish), {0, -0.3333333f, -0.2083333f, 0, 0.2916667f, 0.6666667f, 3}},
      {OP(Tanh), {-0.9950548f, -0.7615942f, -0.4621172f, 0, 0.4621172f, 0.7615942f, 0.9950548f}},
      {OP(Elu), {-0.9502129f, -0.6321206f, -0.3934693f, 0, 0.5f, 1, 3}},
      {OP(Softplus), {0.04858735f, 0.3132617f, 0.474077f, 0.6931472f, 0.974077f, 1.313262f, 3.048587f}},
      {OP(Exp), {0.04978707f, 0.3678794f, 0.6065307f, 1, 1.648721f, 2.718282f, 20.08554f}},
      {OP(Erf), {-0.9999779f, -0.8427008f, -0.5204999f, 0, 0.5204999f, 0.8427008f, 0.9999779f}},
      {OP(Abs), {3, 1, 0.5f, 0, 0.5f, 1, 3}},
      {OP(Neg), {3, 1, 0.5f, 0, -0.5f, -1, -3}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(ir::op_name(c.op.kind));
    auto r = run(c.op, {}, {x7()});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ((*r)[0].shape(), Shape{7});
    expect_near((*r)[0], c.want, kTol);
  }
}

TEST(Unary, AttributeDefaultsAreFilled) {
  Attrs a;
  ASSERT_TRUE(ir::normalize_attrs(OpKind::kHardSigmoid, "n", a).ok());
  EXPECT_FLOAT_EQ(a.get_float("alpha"), 0.2f);
  EXPECT_FLOAT_EQ(a.get_float("beta"), 0.5f);
  Attrs e;
  ASSERT_TRUE(ir::normalize_attrs(OpKind::kElu, "n", e).ok());
  EXPECT_FLOAT_EQ(e.get_float("alpha"), 1.0f);
  Attrs l;
  ASSERT_TRUE(ir::normalize_attrs(OpKind::kLeakyRelu, "n", l).ok());
  EXPECT_FLOAT_EQ(l.get_float("alpha"), 0.01f);
}

TEST(Unary, EluAndHardSigmoidCustomAttrs) {
  auto r = run(OP(Elu), attrs_of({{"alpha", 2.f}}), {x7()});
  ASSERT_TRUE(r.ok());
  expect_near((*r)[0], {-1.900426f, -1.264241f, -0.7869387f, 0, 0.5f, 1, 3}, kTol);
  auto h = run(OP(HardSigmoid), attrs_of({{"alpha", 0.5f}, {"beta", 0.f}}), {f32({-1, 1, 3}, {3})});
  ASSERT_TRUE(h.ok());
  expect_near((*h)[0], {0, 0.5f, 1}, 0);
}

TEST(Unary, SoftplusAndSigmoidAreStableForLargeInputs) {
  auto s = run(OP(Softplus), {}, {f32({100, -100, 1000}, {3})});
  ASSERT_TRUE(s.ok());
  EXPECT_FLOAT_EQ((*s)[0].data<float>()[0], 100.f);
  EXPECT_GE((*s)[0].data<float>()[1], 0.f);
  EXPECT_LT((*s)[0].data<float>()[1], 1e-40f);  // log1p(e^-100) ~ 3.7e-44, not inf/nan
  EXPECT_FLOAT_EQ((*s)[0].data<float>()[2], 1000.f);
  auto g = run(OP(Sigmoid), {}, {f32({-1000, 1000}, {2})});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)[0].data<float>()[0], 0.f);
  EXPECT_EQ((*g)[0].data<float>()[1], 1.f);
}

TEST(Unary, LogSqrtReciprocalFloorCeil) {
  const Tensor y = f32({0.25f, 1, 4, 10}, {2, 2});
  auto l = run(OP(Log), {}, {y});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)[0].shape(), (Shape{2, 2}));
  expect_near((*l)[0], {-1.386294f, 0, 1.386294f, 2.302585f}, kTol);
  auto s = run(OP(Sqrt), {}, {y});
  ASSERT_TRUE(s.ok());
  expect_near((*s)[0], {0.5f, 1, 2, 3.162278f}, kTol);
  auto rc = run(OP(Reciprocal), {}, {y});
  ASSERT_TRUE(rc.ok());
  expect_near((*rc)[0], {4, 1, 0.25f, 0.1f}, kTol);
  // IEEE edge cases pass through: log(0) = -inf, sqrt(-1) = NaN, 1/0 = inf.
  auto l0 = run(OP(Log), {}, {f32({0}, {1})});
  auto s0 = run(OP(Sqrt), {}, {f32({-1}, {1})});
  auto r0 = run(OP(Reciprocal), {}, {f32({0}, {1})});
  ASSERT_TRUE(l0.ok() && s0.ok() && r0.ok());
  expect_near((*l0)[0], {-INFINITY}, 0);
  expect_near((*s0)[0], {NAN}, 0);
  expect_near((*r0)[0], {INFINITY}, 0);
  const Tensor z = f32({-1.5f, -0.5f, 0.5f, 1.5f}, {4});
  auto fl = run(OP(Floor), {}, {z});
  auto ce = run(OP(Ceil), {}, {z});
  ASSERT_TRUE(fl.ok() && ce.ok());
  expect_near((*fl)[0], {-2, -1, 0, 1}, 0);
  expect_near((*ce)[0], {-1, 0, 1, 2}, 0);
}

TEST(Unary, AbsNegIntegersWrapInsteadOfUB) {
  auto a = run(OP(Abs), {}, {i32({-7, 0, 5, INT32_MIN}, {4})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(values<int32_t>((*a)[0]), (std::vector<int32_t>{7, 0, 5, INT32_MIN}));  // numpy: abs(INT_MIN) == INT_MIN
  auto n = run(OP(Neg), {}, {i64({-7, 0, 5, INT64_MIN}, {4})});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(values<int64_t>((*n)[0]), (std::vector<int64_t>{7, 0, -5, INT64_MIN}));
  auto n8 = run(OP(Neg), {}, {tv<int8_t>({-128, 127}, {2})});
  ASSERT_TRUE(n8.ok());
  EXPECT_EQ(values<int8_t>((*n8)[0]), (std::vector<int8_t>{-128, -127}));
}

TEST(Unary, ClipOptionalBounds) {
  const Tensor x = f32({-2, -1, 0, 1, 2}, {5});
  auto both = run(OP(Clip), {}, {x, f32({-1}, {}), f32({1}, {})});
  ASSERT_TRUE(both.ok());
  expect_near((*both)[0], {-1, -1, 0, 1, 1}, 0);
  auto lo = run(OP(Clip), {}, {x, f32({0}, {})});
  ASSERT_TRUE(lo.ok());
  expect_near((*lo)[0], {0, 0, 0, 1, 2}, 0);
  auto hi = run(OP(Clip), {}, {x, kAbsent, f32({0.5f}, {1})});  // shape [1] accepted like a scalar
  ASSERT_TRUE(hi.ok());
  expect_near((*hi)[0], {-2, -1, 0, 0.5f, 0.5f}, 0);
  auto none = run(OP(Clip), {}, {x});
  ASSERT_TRUE(none.ok());
  expect_near((*none)[0], {-2, -1, 0, 1, 2}, 0);
  // min > max: everything becomes max (numpy.clip / ONNX reference behaviour).
  auto inv = run(OP(Clip), {}, {x, f32({1}, {}), f32({-1}, {})});
  ASSERT_TRUE(inv.ok());
  expect_near((*inv)[0], {-1, -1, -1, -1, -1}, 0);
  auto i8 = run(OP(Clip), {}, {tv<int8_t>({-128, -3, 0, 3, 127}, {5}), tv<int8_t>({-2}, {}), tv<int8_t>({2}, {})});
  ASSERT_TRUE(i8.ok());
  EXPECT_EQ(values<int8_t>((*i8)[0]), (std::vector<int8_t>{-2, -2, 0, 2, 2}));
}

TEST(Unary, ClipErrors) {
  const Tensor x = f32({1, 2}, {2});
  expect_code(run(OP(Clip), {}, {x, i32({0}, {})}), ErrorCode::kShapeMismatch);           // dtype differs
  expect_code(run(OP(Clip), {}, {x, f32({0, 1}, {2})}), ErrorCode::kShapeMismatch);       // not a scalar
  expect_code(run(OP(Clip), {}, {tv<double>({1.0}, {1})}), ErrorCode::kUnsupportedAttr);  // f64 not computed
}

TEST(Unary, NotIdentity) {
  auto n = run(OP(Not), {}, {bools({true, false, true}, {3})});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)[0].dtype(), DType::kBool);
  EXPECT_EQ(bool_values((*n)[0]), (std::vector<bool>{false, true, false}));
  expect_code(run(OP(Not), {}, {f32({1}, {1})}), ErrorCode::kShapeMismatch);
  auto id = run(OP(Identity), {}, {i64({1, 2, 3, 4, 5, 6}, {2, 3})});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ((*id)[0], i64({1, 2, 3, 4, 5, 6}, {2, 3}));
  // Identity moves any dtype, including f16 (not a compute type).
  Tensor h(DType::kF16, {2});
  h.data<uint16_t>()[0] = 0x3C00;
  h.data<uint16_t>()[1] = 0xC000;
  auto ih = run(OP(Identity), {}, {h});
  ASSERT_TRUE(ih.ok());
  EXPECT_EQ((*ih)[0], h);
  // Zero-size tensors are fine.
  auto ie = run(OP(Relu), {}, {f32({}, {0, 3})});
  ASSERT_TRUE(ie.ok());
  EXPECT_EQ((*ie)[0].shape(), (Shape{0, 3}));
}

TEST(Unary, DtypeErrors) {
  expect_code(run(OP(Sigmoid), {}, {i32({1}, {1})}), ErrorCode::kShapeMismatch);
  Tensor h(DType::kF16, {1});
  expect_code(run(OP(Sigmoid), {}, {h}), ErrorCode::kUnsupportedAttr);
  expect_code(run(OP(Exp), {}, {bools({true}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Abs), {}, {bools({true}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(LeakyRelu), attrs_of({{"beta", 1.f}}), {x7()}), ErrorCode::kUnsupportedAttr);  // unknown attr
}

TEST(Unary, DropoutIsIdentityInInference) {
  const Tensor x = f32({1, -2, 3}, {3});
  auto r = run(OP(Dropout), {}, {x});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0], x);
  auto with_ratio = run(OP(Dropout), attrs_of({{"seed", int64_t{0}}}), {x, f32({0.5f}, {}), bools({false}, {})});
  ASSERT_TRUE(with_ratio.ok());
  EXPECT_EQ((*with_ratio)[0], x);
  // Constant training_mode=true would need random dropping: unsupported.
  expect_code(run(OP(Dropout), {}, {x, f32({0.5f}, {}), bools({true}, {})}), ErrorCode::kUnsupportedAttr);
  // ... unless ratio is exactly 0, which drops nothing.
  auto zero = run(OP(Dropout), {}, {x, f32({0.f}, {}), bools({true}, {})});
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ((*zero)[0], x);
  // Non-constant training_mode is treated as inference.
  auto inf = infer(OP(Dropout), {}, {info(DType::kF32, {3}), info(DType::kF32, {}), info(DType::kBool, {})});
  ASSERT_TRUE(inf.ok());
  // Mask output, when requested, is all true.
  auto m = run(OP(Dropout), {}, {x}, 2);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].dtype(), DType::kBool);
  EXPECT_EQ(bool_values((*m)[1]), (std::vector<bool>{true, true, true}));
  expect_code(run(OP(Dropout), {}, {x, i32({1}, {})}), ErrorCode::kShapeMismatch);  // ratio must be float
}

Attrs cast_to(int64_t to) {
  return attrs_of({{"to", to}});
}

TEST(Unary, CastFloatToIntTruncatesAndSaturates) {
  const Tensor x = f32({-2.7f, -0.5f, 0.5f, 2.7f, NAN, 1e10f, -1e10f}, {7});
  auto r = run(OP(Cast), cast_to(6), {x});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].dtype(), DType::kI32);
  EXPECT_EQ(values<int32_t>((*r)[0]), (std::vector<int32_t>{-2, 0, 0, 2, 0, INT32_MAX, INT32_MIN}));
  auto u8 = run(OP(Cast), cast_to(2), {f32({-1, 255.9f, 300, 7.9f}, {4})});
  ASSERT_TRUE(u8.ok());
  EXPECT_EQ(values<uint8_t>((*u8)[0]), (std::vector<uint8_t>{0, 255, 255, 7}));
  auto i64r = run(OP(Cast), cast_to(7), {f32({1e19f, -1e19f, 16777216.f}, {3})});
  ASSERT_TRUE(i64r.ok());
  EXPECT_EQ(values<int64_t>((*i64r)[0]), (std::vector<int64_t>{INT64_MAX, INT64_MIN, 16777216}));
}

TEST(Unary, CastIntegerConversionsWrap) {
  auto r = run(OP(Cast), cast_to(6), {i64({(int64_t{1} << 32) + 5, -1, 7}, {3})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(values<int32_t>((*r)[0]), (std::vector<int32_t>{5, -1, 7}));
  auto u = run(OP(Cast), cast_to(13), {i64({-1}, {1})});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(values<uint64_t>((*u)[0]), (std::vector<uint64_t>{UINT64_MAX}));
  auto f = run(OP(Cast), cast_to(1), {tv<uint64_t>({UINT64_MAX, 3}, {2})});
  ASSERT_TRUE(f.ok());
  expect_near((*f)[0], {18446744073709551616.f, 3}, 0);
  auto big = run(OP(Cast), cast_to(1), {i64({(int64_t{1} << 53) + 1}, {1})});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)[0].data<float>()[0], 9007199254740992.f);
}

TEST(Unary, CastBoolF16F64) {
  auto b = run(OP(Cast), cast_to(9), {f32({0, -0.f, NAN, 2, -0.1f}, {5})});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(bool_values((*b)[0]), (std::vector<bool>{false, false, true, true, true}));
  auto bf = run(OP(Cast), cast_to(1), {bools({true, false}, {2})});
  ASSERT_TRUE(bf.ok());
  expect_near((*bf)[0], {1, 0}, 0);
  auto h = run(OP(Cast), cast_to(10), {f32({1.5f, -2, 65504, 1e6f}, {4})});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].dtype(), DType::kF16);
  EXPECT_EQ(values<uint16_t>((*h)[0]), (std::vector<uint16_t>{0x3E00, 0xC000, 0x7BFF, 0x7C00}));  // 1e6 → +inf
  auto back = run(OP(Cast), cast_to(1), {(*h)[0]});
  ASSERT_TRUE(back.ok());
  expect_near((*back)[0], {1.5f, -2, 65504, INFINITY}, 0);
  auto d = run(OP(Cast), cast_to(11), {f32({0.1f}, {1})});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0].dtype(), DType::kF64);
  EXPECT_EQ((*d)[0].data<double>()[0], static_cast<double>(0.1f));
  auto df = run(OP(Cast), cast_to(1), {tv<double>({0.1, 1e300}, {2})});
  ASSERT_TRUE(df.ok());
  expect_near((*df)[0], {0.1f, INFINITY}, 0);
  auto same = run(OP(Cast), cast_to(7), {i64({1, 2}, {2})});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)[0], i64({1, 2}, {2}));
}

TEST(Unary, CastErrors) {
  expect_code(run(OP(Cast), cast_to(8), {f32({1}, {1})}), ErrorCode::kUnsupportedAttr);   // string
  expect_code(run(OP(Cast), cast_to(16), {f32({1}, {1})}), ErrorCode::kUnsupportedAttr);  // bfloat16
  expect_code(run(OP(Cast), {}, {f32({1}, {1})}), ErrorCode::kInvalidModel);              // 'to' is required
}

}  // namespace
}  // namespace npukit
