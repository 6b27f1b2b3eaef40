// SPDX-License-Identifier: Apache-2.0
// Unit tests: schema, shape inference and reference kernels of reductions and softmax
// (ir/ops/reduce.cpp, kernels/ref/reduce.cpp). Expected values are hand-computed or from numpy.
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

Tensor x23() {
  return f32({1, 2, 3, 4, 5, 6}, {2, 3});
}
/// arange(24) as [2,3,4]: x[i][j][k] = 12i + 4j + k.
Tensor x234() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  return f32(v, {2, 3, 4});
}
Attrs axes_keep(std::vector<int64_t> axes, int64_t keepdims) {
  return attrs_of({{"axes", std::move(axes)}, {"keepdims", keepdims}});
}

TEST(Reduce, MeanAxesAndKeepdims) {
  auto r = run(OP(ReduceMean), axes_keep({1}, 1), {x23()});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 1}));
  expect_near((*r)[0], {2, 5}, 0);
  auto nk = run(OP(ReduceMean), axes_keep({-2}, 0), {x23()});
  ASSERT_TRUE(nk.ok());
  EXPECT_EQ((*nk)[0].shape(), Shape{3});
  expect_near((*nk)[0], {2.5f, 3.5f, 4.5f}, 0);
  // No axes attribute: reduce everything; keepdims defaults to 1.
  auto all = run(OP(ReduceMean), {}, {x23()});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].shape(), (Shape{1, 1}));
  expect_near((*all)[0], {3.5f}, 0);
  auto multi = run(OP(ReduceMean), axes_keep({0, 2}, 0), {x234()});
  ASSERT_TRUE(multi.ok());
  expect_near((*multi)[0], {7.5f, 11.5f, 15.5f}, 0);
}

TEST(Reduce, MaxMin) {
  auto mx = run(OP(ReduceMax), axes_keep({0, 2}, 0), {x234()});
  auto mn = run(OP(ReduceMin), axes_keep({2, 0}, 1), {x234()});
  ASSERT_TRUE(mx.ok() && mn.ok());
  EXPECT_EQ((*mx)[0].shape(), Shape{3});
  expect_near((*mx)[0], {15, 19, 23}, 0);
  EXPECT_EQ((*mn)[0].shape(), (Shape{1, 3, 1}));
  expect_near((*mn)[0], {0, 4, 8}, 0);
  auto imax = run(OP(ReduceMax), axes_keep({1}, 0), {i32({-5, -7, 3, 2}, {2, 2})});
  ASSERT_TRUE(imax.ok());
  EXPECT_EQ(values<int32_t>((*imax)[0]), (std::vector<int32_t>{-5, 3}));
  // Empty reduction: the identity of max (-inf), as ONNX 18 specifies.
  auto empty = run(OP(ReduceMax), axes_keep({0}, 0), {f32({}, {0, 2})});
  ASSERT_TRUE(empty.ok());
  expect_near((*empty)[0], {-INFINITY, -INFINITY}, 0);
  auto nan = run(OP(ReduceMin), axes_keep({}, 0), {f32({1, NAN, 0}, {3})});
  ASSERT_TRUE(nan.ok());
  expect_near((*nan)[0], {NAN}, 0);
}

TEST(Reduce, SumAxesInput) {
  auto r = run(OP(ReduceSum), {}, {x234(), i64({1}, {1})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 1, 4}));
  expect_near((*r)[0], {12, 15, 18, 21, 48, 51, 54, 57}, 0);
  auto all = run(OP(ReduceSum), attrs_of({{"keepdims", int64_t{0}}}), {x23()});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].shape(), Shape{});
  expect_near((*all)[0], {21}, 0);
  // Empty axes + noop_with_empty_axes=1: identity. Without the flag, empty axes reduce all.
  auto noop = run(OP(ReduceSum), attrs_of({{"noop_with_empty_axes", int64_t{1}}}), {x23(), i64({}, {0})});
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ((*noop)[0], x23());
  auto noop_absent = run(OP(ReduceSum), attrs_of({{"noop_with_empty_axes", int64_t{1}}}), {x23()});
  ASSERT_TRUE(noop_absent.ok());
  EXPECT_EQ((*noop_absent)[0], x23());
  auto empty = run(OP(ReduceSum), {}, {x23(), i64({}, {0})});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)[0].shape(), (Shape{1, 1}));
  expect_near((*empty)[0], {21}, 0);
  auto ints = run(OP(ReduceSum), attrs_of({{"keepdims", int64_t{0}}}), {i64({1, 2, 3, 4}, {2, 2}), i64({-1}, {1})});
  ASSERT_TRUE(ints.ok());
  EXPECT_EQ(values<int64_t>((*ints)[0]), (std::vector<int64_t>{3, 7}));
}

TEST(Reduce, IntegerMeanTruncates) {
  auto r = run(OP(ReduceMean), axes_keep({1}, 0), {i64({1, 2, -1, -2}, {2, 2})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(values<int64_t>((*r)[0]), (std::vector<int64_t>{1, -1}));
}

TEST(Reduce, Errors) {
  expect_code(run(OP(ReduceMean), axes_keep({2}, 1), {x23()}), ErrorCode::kInvalidModel);     // out of range
  expect_code(run(OP(ReduceMax), axes_keep({1, -1}, 1), {x23()}), ErrorCode::kInvalidModel);  // repeated
  expect_code(run(OP(ReduceSum), {}, {x23(), i32({1}, {1})}), ErrorCode::kShapeMismatch);     // axes must be i64
  expect_code(infer(OP(ReduceSum), {}, {info(DType::kF32, {2, 3}), info(DType::kI64, {1})}),
              ErrorCode::kShapeMismatch);  // axes not constant
  expect_code(infer(OP(ReduceMean), {}, {info(DType::kF16, {2})}), ErrorCode::kUnsupportedAttr);
  expect_code(infer(OP(ReduceMean), {}, {info(DType::kBool, {2})}), ErrorCode::kShapeMismatch);
}

TEST(Reduce, ArgMaxArgMin) {
  const Tensor x = f32({1, 3, 3, 4, 0, 4}, {2, 3});
  auto a = run(OP(ArgMax), attrs_of({{"axis", int64_t{1}}}), {x});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].dtype(), DType::kI64);
  EXPECT_EQ((*a)[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(values<int64_t>((*a)[0]), (std::vector<int64_t>{1, 0}));
  auto last = run(OP(ArgMax), attrs_of({{"axis", int64_t{-1}}, {"select_last_index", int64_t{1}}}), {x});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(values<int64_t>((*last)[0]), (std::vector<int64_t>{2, 2}));
  auto mn = run(OP(ArgMin), attrs_of({{"keepdims", int64_t{0}}}), {x});  // axis defaults to 0
  ASSERT_TRUE(mn.ok());
  EXPECT_EQ((*mn)[0].shape(), Shape{3});
  EXPECT_EQ(values<int64_t>((*mn)[0]), (std::vector<int64_t>{0, 1, 0}));
  auto tie = run(OP(ArgMin), attrs_of({{"select_last_index", int64_t{1}}}), {i32({1, 0, 3, 1, 0, 3}, {2, 3})});
  ASSERT_TRUE(tie.ok());
  EXPECT_EQ(values<int64_t>((*tie)[0]), (std::vector<int64_t>{1, 1, 1}));
  expect_code(run(OP(ArgMax), attrs_of({{"axis", int64_t{2}}}), {x}), ErrorCode::kInvalidModel);
  expect_code(run(OP(ArgMax), attrs_of({{"axis", int64_t{1}}}), {f32({}, {2, 0})}), ErrorCode::kShapeMismatch);
}

// Softmax values: numpy float64, printed with 7 significant digits; the kernel accumulates in double.
constexpr float kTol = 1e-6f;

TEST(Reduce, SoftmaxAndLogSoftmax) {
  auto s = run(OP(Softmax), {}, {f32({1, 2, 3}, {1, 3})});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[0].shape(), (Shape{1, 3}));
  expect_near((*s)[0], {0.09003057f, 0.2447285f, 0.665241f}, kTol);
  // Large logits: subtracting the max keeps the result finite and identical.
  auto big = run(OP(Softmax), {}, {f32({1001, 1002, 1003}, {3})});
  ASSERT_TRUE(big.ok());
  expect_near((*big)[0], {0.09003057f, 0.2447285f, 0.665241f}, kTol);
  auto ls = run(OP(LogSoftmax), {}, {f32({1001, 1002, 1003}, {3})});
  ASSERT_TRUE(ls.ok());
  expect_near((*ls)[0], {-2.407606f, -1.407606f, -0.407606f}, kTol);
  auto ax0 = run(OP(Softmax), attrs_of({{"axis", int64_t{0}}}), {f32({1, 5, 2, 0}, {2, 2})});
  ASSERT_TRUE(ax0.ok());
  expect_near((*ax0)[0], {0.2689414f, 0.9933071f, 0.7310586f, 0.006692851f}, kTol);
  auto lax0 = run(OP(LogSoftmax), attrs_of({{"axis", int64_t{-2}}}), {f32({1, 5, 2, 0}, {2, 2})});
  ASSERT_TRUE(lax0.ok());
  expect_near((*lax0)[0], {-1.313262f, -0.006715348f, -0.3132617f, -5.006715f}, kTol);
  expect_code(run(OP(Softmax), attrs_of({{"axis", int64_t{2}}}), {f32({1, 2}, {1, 2})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Softmax), {}, {i32({1, 2}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(LogSoftmax), {}, {info(DType::kF64, {2})}), ErrorCode::kUnsupportedAttr);
}

}  // namespace
}  // namespace npukit
