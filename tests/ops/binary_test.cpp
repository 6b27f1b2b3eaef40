// SPDX-License-Identifier: Apache-2.0
// Unit tests: schema, shape inference and reference kernels of the broadcasting binary family
// (ir/ops/binary.cpp, kernels/ref/binary.cpp). Expected values are hand-computed.
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

TEST(Binary, AddBroadcasting) {
  auto r = run(OP(Add), {}, {f32({1, 2, 3, 4, 5, 6}, {2, 3}), f32({10, 20, 30}, {3})});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3}));
  expect_near((*r)[0], {11, 22, 33, 14, 25, 36}, 0);
  // Both sides broadcast: [2,1] + [1,3] → [2,3].
  auto b = run(OP(Add), {}, {f32({1, 2}, {2, 1}), f32({10, 20, 30}, {1, 3})});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0].shape(), (Shape{2, 3}));
  expect_near((*b)[0], {11, 21, 31, 12, 22, 32}, 0);
  // Scalar + tensor, and a zero-size broadcast.
  auto s = run(OP(Add), {}, {f32({1}, {}), f32({1, 2}, {2})});
  ASSERT_TRUE(s.ok());
  expect_near((*s)[0], {2, 3}, 0);
  auto z = run(OP(Add), {}, {f32({}, {0, 3}), f32({1, 2, 3}, {3})});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)[0].shape(), (Shape{0, 3}));
}

TEST(Binary, IntegerArithmeticWraps) {
  auto s = run(OP(Sub), {}, {i64({5, 0}, {2}), i64({7, INT64_MIN}, {2})});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(values<int64_t>((*s)[0]), (std::vector<int64_t>{-2, INT64_MIN}));  // 0 - MIN wraps to MIN
  auto m = run(OP(Mul), {}, {i32({INT32_MAX, -3}, {2}), i32({2}, {})});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0].dtype(), DType::kI32);
  EXPECT_EQ(values<int32_t>((*m)[0]), (std::vector<int32_t>{-2, -6}));
  auto u8 = run(OP(Add), {}, {tv<uint8_t>({250, 1}, {2}), tv<uint8_t>({10, 2}, {2})});
  ASSERT_TRUE(u8.ok());
  EXPECT_EQ(values<uint8_t>((*u8)[0]), (std::vector<uint8_t>{4, 3}));
  auto u16 = run(OP(Mul), {}, {tv<uint16_t>({65535}, {1}), tv<uint16_t>({65535}, {1})});
  ASSERT_TRUE(u16.ok());
  EXPECT_EQ(values<uint16_t>((*u16)[0]), (std::vector<uint16_t>{1}));  // 65535^2 mod 2^16
}

TEST(Binary, Div) {
  auto f = run(OP(Div), {}, {f32({1, -1, 0, 7}, {4}), f32({0, 0, 0, 2}, {4})});
  ASSERT_TRUE(f.ok());
  expect_near((*f)[0], {INFINITY, -INFINITY, NAN, 3.5f}, 0);
  // Integer division truncates toward zero (C++ /, not numpy's floor division).
  auto i = run(OP(Div), {}, {i32({-7, 7, 7, INT32_MIN}, {4}), i32({2, -2, 2, -1}, {4})});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(values<int32_t>((*i)[0]), (std::vector<int32_t>{-3, -3, 3, INT32_MIN}));
  expect_code(run(OP(Div), {}, {i64({1, 2}, {2}), i64({1, 0}, {2})}), ErrorCode::kInvalidArgument);
  expect_code(run(OP(Div), {}, {tv<uint8_t>({1}, {1}), tv<uint8_t>({0}, {1})}), ErrorCode::kInvalidArgument);
}

TEST(Binary, Pow) {
  auto ff = run(OP(Pow), {}, {f32({2, 3, 4}, {3}), f32({3, 2, 0.5f}, {3})});
  ASSERT_TRUE(ff.ok());
  expect_near((*ff)[0], {8, 9, 2}, 1e-6f);  // powf is exact for these
  // Float base, integer exponent tensor: output keeps the base dtype.
  auto fi = run(OP(Pow), {}, {f32({2, -3}, {2}), i64({3}, {1})});
  ASSERT_TRUE(fi.ok());
  EXPECT_EQ((*fi)[0].dtype(), DType::kF32);
  expect_near((*fi)[0], {8, -27}, 0);
  auto ii = run(OP(Pow), {}, {i64({2, 3, 2, 1, -1, -1}, {6}), i64({10, 3, -1, -5, -3, 4}, {6})});
  ASSERT_TRUE(ii.ok());
  EXPECT_EQ(values<int64_t>((*ii)[0]), (std::vector<int64_t>{1024, 27, 0, 1, -1, 1}));
  // Integer base, float exponent: computed in double, truncated toward zero.
  auto if32 = run(OP(Pow), {}, {i32({2, 3, 4}, {3}), f32({0.5f}, {})});
  ASSERT_TRUE(if32.ok());
  EXPECT_EQ((*if32)[0].dtype(), DType::kI32);
  EXPECT_EQ(values<int32_t>((*if32)[0]), (std::vector<int32_t>{1, 1, 2}));
  expect_code(run(OP(Pow), {}, {f32({2}, {1}), bools({true}, {1})}), ErrorCode::kShapeMismatch);
}

TEST(Binary, VariadicMaxMinSum) {
  const Tensor a = f32({1, 5, 3}, {3}), b = f32({4, 2, 6}, {1, 3}), c = f32({3}, {});
  auto mx = run(OP(Max), {}, {a, b, c});
  auto mn = run(OP(Min), {}, {a, b, c});
  auto sm = run(OP(Sum), {}, {a, b, c});
  ASSERT_TRUE(mx.ok() && mn.ok() && sm.ok());
  EXPECT_EQ((*mx)[0].shape(), (Shape{1, 3}));
  expect_near((*mx)[0], {4, 5, 6}, 0);
  expect_near((*mn)[0], {1, 2, 3}, 0);
  expect_near((*sm)[0], {8, 10, 12}, 0);
  auto one = run(OP(Max), {}, {a});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)[0], a);
  // NaN propagates through Max/Min like numpy.maximum/minimum, from either side.
  auto nan = run(OP(Max), {}, {f32({NAN, 1}, {2}), f32({1, NAN}, {2})});
  ASSERT_TRUE(nan.ok());
  expect_near((*nan)[0], {NAN, NAN}, 0);
  auto im = run(OP(Min), {}, {i64({3, -9}, {2}), i64({-1, 4}, {2})});
  ASSERT_TRUE(im.ok());
  EXPECT_EQ(values<int64_t>((*im)[0]), (std::vector<int64_t>{-1, -9}));
  expect_code(run(OP(Sum), {}, {a, i64({1}, {1})}), ErrorCode::kShapeMismatch);
}

TEST(Binary, Comparisons) {
  const Tensor a = f32({1, 2, 3}, {3}), b = f32({2}, {});
  struct Case {
    OpFns op;
    std::vector<bool> want;
  };
  const Case cases[] = {
      {OP(Equal), {false, true, false}},      {OP(Greater), {false, false, true}},
      {OP(Less), {true, false, false}},       {OP(GreaterOrEqual), {false, true, true}},
      {OP(LessOrEqual), {true, true, false}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(ir::op_name(c.op.kind));
    auto r = run(c.op, {}, {a, b});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ((*r)[0].dtype(), DType::kBool);
    EXPECT_EQ((*r)[0].shape(), Shape{3});
    EXPECT_EQ(bool_values((*r)[0]), c.want);
  }
  auto ie = run(OP(Equal), {}, {i64({1, 2, 3, 4}, {2, 2}), i64({1, 4}, {2, 1})});
  ASSERT_TRUE(ie.ok());
  EXPECT_EQ(bool_values((*ie)[0]), (std::vector<bool>{true, false, false, true}));
  auto be = run(OP(Equal), {}, {bools({true, false}, {2}), bools({true, true}, {2})});
  ASSERT_TRUE(be.ok());
  EXPECT_EQ(bool_values((*be)[0]), (std::vector<bool>{true, false}));
  auto nan = run(OP(Equal), {}, {f32({NAN}, {1}), f32({NAN}, {1})});
  ASSERT_TRUE(nan.ok());
  EXPECT_EQ(bool_values((*nan)[0]), (std::vector<bool>{false}));
  expect_code(run(OP(Less), {}, {f32({1}, {1}), i32({1}, {1})}), ErrorCode::kShapeMismatch);
}

TEST(Binary, AndOr) {
  const Tensor a = bools({true, true, false, false}, {2, 2}), b = bools({true, false}, {2});
  auto an = run(OP(And), {}, {a, b});
  auto o = run(OP(Or), {}, {a, b});
  ASSERT_TRUE(an.ok() && o.ok());
  EXPECT_EQ(bool_values((*an)[0]), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(bool_values((*o)[0]), (std::vector<bool>{true, true, true, false}));
  expect_code(run(OP(And), {}, {f32({1}, {1}), f32({1}, {1})}), ErrorCode::kShapeMismatch);
}

TEST(Binary, Where) {
  auto r = run(OP(Where), {},
               {bools({true, false, false, true}, {2, 2}), f32({1, 2, 3, 4}, {2, 2}), f32({9, 8, 7, 6}, {2, 2})});
  ASSERT_TRUE(r.ok());
  expect_near((*r)[0], {1, 8, 7, 4}, 0);
  // Three-way broadcast: cond [2,1], X [1,3], Y scalar, any dtype (i64 here).
  auto b = run(OP(Where), {}, {bools({true, false}, {2, 1}), i64({1, 2, 3}, {1, 3}), i64({-1}, {})});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>((*b)[0]), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));
  expect_code(run(OP(Where), {}, {f32({1}, {1}), f32({1}, {1}), f32({1}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Where), {}, {bools({true}, {1}), f32({1}, {1}), i64({1}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Where), {}, {bools({true, false}, {2}), f32({1, 2, 3}, {3}), f32({1}, {1})}),
              ErrorCode::kShapeMismatch);
}

TEST(Binary, PRelu) {
  auto r = run(OP(PRelu), {}, {f32({-1, 2, -3, 4}, {2, 2}), f32({0.1f, 0.2f}, {2})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2}));
  expect_near((*r)[0], {-0.1f, 2, -0.3f, 4}, 1e-7f);
  // Channel slope [C,1,1] against NCHW.
  auto c = run(OP(PRelu), {}, {f32({-1, -1, -1, -1}, {1, 2, 1, 2}), f32({2, 3}, {2, 1, 1})});
  ASSERT_TRUE(c.ok());
  expect_near((*c)[0], {-2, -2, -3, -3}, 0);
  // Slope must broadcast TO X (unidirectional): neither a mismatching nor a larger slope is accepted.
  expect_code(run(OP(PRelu), {}, {f32({1, 2, 3, 4}, {2, 2}), f32({1, 2, 3}, {3})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(PRelu), {}, {f32({1, 2}, {2}), f32({1, 2, 3, 4}, {2, 2})}), ErrorCode::kShapeMismatch);
}

TEST(Binary, InferErrors) {
  expect_code(infer(OP(Add), {}, {info(DType::kF32, {2, 3}), info(DType::kF32, {2})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Add), {}, {info(DType::kF32, {2}), info(DType::kI32, {2})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Add), {}, {info(DType::kF16, {2}), info(DType::kF16, {2})}), ErrorCode::kUnsupportedAttr);
  expect_code(infer(OP(Add), {}, {info(DType::kBool, {2}), info(DType::kBool, {2})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Mul), {}, {info(DType::kF32, {2})}), ErrorCode::kInvalidModel);  // one input only
  auto ok = infer(OP(Greater), {}, {info(DType::kI64, {4, 1, 3}), info(DType::kI64, {2, 1})});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].dtype, DType::kBool);
  EXPECT_EQ((*ok)[0].shape, (Shape{4, 2, 3}));
  expect_code(run(OP(Add), attrs_of({{"broadcast", int64_t{1}}}), {f32({1}, {1}), f32({1}, {1})}),
              ErrorCode::kUnsupportedAttr);  // pre-opset-7 attribute is not part of the canonical form
}

}  // namespace
}  // namespace npukit
