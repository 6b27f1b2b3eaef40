// SPDX-License-Identifier: Apache-2.0
// Unit tests: schema, shape inference and reference kernels of data movement / shape ops
// (ir/ops/shape_ops.cpp, kernels/ref/shape_ops.cpp). Expected values are hand-computed or from numpy.
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

/// arange(n) reshaped, as f32.
Tensor arange_f32(Shape s) {
  const int64_t n = numel(s);
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return f32(v, std::move(s));
}
std::vector<float> fvals(const Tensor& t) {
  return values<float>(t);
}
using FV = std::vector<float>;
using IV = std::vector<int64_t>;

TEST(ShapeOps, Concat) {
  auto r = run(OP(Concat), attrs_of({{"axis", int64_t{1}}}), {f32({1, 2, 3, 4}, {2, 2}), f32({5, 6}, {2, 1})});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(fvals((*r)[0]), (FV{1, 2, 5, 3, 4, 6}));
  // Shape arithmetic in i64, negative axis, zero-size input.
  auto i = run(OP(Concat), attrs_of({{"axis", int64_t{-1}}}), {i64({1, 2}, {2}), i64({}, {0}), i64({3}, {1})});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(values<int64_t>((*i)[0]), (IV{1, 2, 3}));
  const Tensor a = f32({1, 2}, {1, 2});
  expect_code(run(OP(Concat), attrs_of({{"axis", int64_t{0}}}), {a, f32({1, 2, 3}, {1, 3})}),
              ErrorCode::kShapeMismatch);
  expect_code(run(OP(Concat), attrs_of({{"axis", int64_t{0}}}), {a, f32({1, 2}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Concat), attrs_of({{"axis", int64_t{0}}}), {a, i64({1, 2}, {1, 2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Concat), attrs_of({{"axis", int64_t{2}}}), {a, a}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Concat), {}, {a, a}), ErrorCode::kInvalidModel);  // axis is required
  expect_code(run(OP(Concat), attrs_of({{"axis", int64_t{0}}}), {f32({1}, {}), f32({1}, {})}),
              ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, Split) {
  const Tensor x = f32({1, 2, 3, 4, 5, 6}, {6});
  auto r = run(OP(Split), {}, {x, i64({2, 4}, {2})}, 2);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(fvals((*r)[0]), (FV{1, 2}));
  EXPECT_EQ(fvals((*r)[1]), (FV{3, 4, 5, 6}));
  // No sizes: equal parts, count from the node's outputs.
  auto eq = run(OP(Split), {}, {x}, 3);
  ASSERT_TRUE(eq.ok());
  ASSERT_EQ(eq->size(), 3u);
  EXPECT_EQ(fvals((*eq)[2]), (FV{5, 6}));
  auto ax1 = run(OP(Split), attrs_of({{"axis", int64_t{-1}}}), {arange_f32({2, 3}), i64({1, 0, 2}, {3})}, 3);
  ASSERT_TRUE(ax1.ok());
  EXPECT_EQ((*ax1)[0].shape(), (Shape{2, 1}));
  EXPECT_EQ((*ax1)[1].shape(), (Shape{2, 0}));
  EXPECT_EQ(fvals((*ax1)[0]), (FV{0, 3}));
  EXPECT_EQ(fvals((*ax1)[2]), (FV{1, 2, 4, 5}));
  expect_code(run(OP(Split), {}, {x}, 4), ErrorCode::kShapeMismatch);                     // 6 not divisible by 4
  expect_code(run(OP(Split), {}, {x, i64({2, 3}, {2})}, 2), ErrorCode::kShapeMismatch);   // sums to 5
  expect_code(run(OP(Split), {}, {x, i64({2, 4}, {2})}, 3), ErrorCode::kShapeMismatch);   // 2 sizes, 3 outputs
  expect_code(run(OP(Split), {}, {x, i64({-1, 7}, {2})}, 2), ErrorCode::kShapeMismatch);  // negative size
  expect_code(infer(OP(Split), {}, {info(DType::kF32, {6}), info(DType::kI64, {2})}, 2), ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, Slice) {
  const Tensor x = arange_f32({3, 4});
  auto r = run(OP(Slice), {}, {x, i64({0, 1}, {2}), i64({2, 3}, {2})});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(fvals((*r)[0]), (FV{1, 2, 5, 6}));
  auto st = run(OP(Slice), {}, {x, i64({0}, {1}), i64({INT64_MAX}, {1}), i64({-1}, {1}), i64({2}, {1})});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals((*st)[0]), (FV{0, 2, 4, 6, 8, 10}));
  // Negative step from the end down to (and including) index 0: INT64_MIN end clamps to -1.
  auto rev = run(OP(Slice), {}, {x, i64({-1}, {1}), i64({INT64_MIN}, {1}), i64({0}, {1}), i64({-1}, {1})});
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(fvals((*rev)[0]), (FV{8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}));
  auto rev2 = run(OP(Slice), {}, {x, i32({3}, {1}), i32({0}, {1}), i32({1}, {1}), i32({-2}, {1})});
  ASSERT_TRUE(rev2.ok());
  EXPECT_EQ((*rev2)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals((*rev2)[0]), (FV{3, 1, 7, 5, 11, 9}));
  // Start beyond the end: empty result, not an error.
  auto empty = run(OP(Slice), {}, {x, i64({10}, {1}), i64({20}, {1}), i64({1}, {1})});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)[0].shape(), (Shape{3, 0}));
  auto huge = run(OP(Slice), {}, {x, i64({1}, {1}), i64({INT64_MAX}, {1}), i64({1}, {1}), i64({INT64_MAX}, {1})});
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ((*huge)[0].shape(), (Shape{3, 1}));
  expect_code(run(OP(Slice), {}, {x, i64({0}, {1}), i64({1}, {1}), i64({0}, {1}), i64({0}, {1})}),
              ErrorCode::kInvalidModel);  // step 0
  expect_code(run(OP(Slice), {}, {x, i64({0, 0}, {2}), i64({1, 1}, {2}), i64({1, -1}, {2})}),
              ErrorCode::kInvalidModel);  // repeated axis
  expect_code(run(OP(Slice), {}, {x, i64({0}, {1}), i64({1}, {1}), i64({2}, {1})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Slice), {}, {x, i64({0, 0}, {2}), i64({1}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Slice), {}, {info(DType::kF32, {3, 4}), info(DType::kI64, {1}), info(DType::kI64, {1})}),
              ErrorCode::kShapeMismatch);  // starts/ends not constant
}

TEST(ShapeOps, ReshapeFlatten) {
  const Tensor x = arange_f32({2, 3});
  auto r = run(OP(Reshape), {}, {x, i64({3, -1}, {2})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals((*r)[0]), (FV{0, 1, 2, 3, 4, 5}));
  auto z = run(OP(Reshape), {}, {x, i64({0, -1, 1}, {3})});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)[0].shape(), (Shape{2, 3, 1}));
  // allowzero=1: 0 is a real zero dimension.
  auto az = run(OP(Reshape), attrs_of({{"allowzero", int64_t{1}}}), {f32({}, {0, 3}), i64({3, 0}, {2})});
  ASSERT_TRUE(az.ok());
  EXPECT_EQ((*az)[0].shape(), (Shape{3, 0}));
  expect_code(run(OP(Reshape), {}, {x, i64({-1, -1}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Reshape), {}, {x, i64({4, 2}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Reshape), {}, {x, i64({4, -1}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Reshape), {}, {x, i64({-2, 3}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Reshape), {}, {x, i64({6, 1, 0}, {3})}), ErrorCode::kShapeMismatch);  // 0 beyond input rank
  expect_code(run(OP(Reshape), attrs_of({{"allowzero", int64_t{1}}}), {f32({}, {0, 3}), i64({0, -1}, {2})}),
              ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Reshape), {}, {info(DType::kF32, {6}), info(DType::kI64, {2})}), ErrorCode::kShapeMismatch);

  const Tensor y = arange_f32({2, 3, 4});
  const std::pair<int64_t, Shape> cases[] = {{0, {1, 24}}, {1, {2, 12}}, {2, {6, 4}},
                                             {3, {24, 1}}, {-1, {6, 4}}, {-3, {1, 24}}};
  for (const auto& [axis, want] : cases) {
    auto f = run(OP(Flatten), attrs_of({{"axis", axis}}), {y});
    ASSERT_TRUE(f.ok()) << axis;
    EXPECT_EQ((*f)[0].shape(), want) << axis;
    EXPECT_EQ((*f)[0].data<float>()[23], 23.f);
  }
  auto fd = run(OP(Flatten), {}, {y});  // default axis 1
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ((*fd)[0].shape(), (Shape{2, 12}));
  expect_code(run(OP(Flatten), attrs_of({{"axis", int64_t{4}}}), {y}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Flatten), attrs_of({{"axis", int64_t{-4}}}), {y}), ErrorCode::kInvalidModel);
}

TEST(ShapeOps, Transpose) {
  auto d = run(OP(Transpose), {}, {arange_f32({2, 3})});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals((*d)[0]), (FV{0, 3, 1, 4, 2, 5}));
  auto p = run(OP(Transpose), attrs_of({{"perm", IV{1, 2, 0}}}), {arange_f32({2, 3, 4})});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].shape(), (Shape{3, 4, 2}));
  const FV got = fvals((*p)[0]);
  EXPECT_EQ(FV(got.begin(), got.begin() + 6), (FV{0, 12, 1, 13, 2, 14}));
  EXPECT_EQ(got[2 * 8 + 1 * 2 + 1], 21.f);  // out[2][1][1] = x[1][2][1]
  auto b = run(OP(Transpose), attrs_of({{"perm", IV{1, 0}}}), {bools({true, false, false, true, true, false}, {3, 2})});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(bool_values((*b)[0]), (std::vector<bool>{true, false, true, false, true, false}));
  expect_code(run(OP(Transpose), attrs_of({{"perm", IV{0, 0}}}), {arange_f32({2, 3})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Transpose), attrs_of({{"perm", IV{0}}}), {arange_f32({2, 3})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Transpose), attrs_of({{"perm", IV{0, 2}}}), {arange_f32({2, 3})}), ErrorCode::kInvalidModel);
}

TEST(ShapeOps, SqueezeUnsqueeze) {
  const Tensor x = f32({1, 2, 3}, {1, 3, 1});
  auto s = run(OP(Squeeze), {}, {x, i64({0}, {1})});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(fvals((*s)[0]), (FV{1, 2, 3}));
  auto all = run(OP(Squeeze), {}, {x});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].shape(), Shape{3});
  auto neg = run(OP(Squeeze), {}, {x, i64({-1, 0}, {2})});
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ((*neg)[0].shape(), Shape{3});
  expect_code(run(OP(Squeeze), {}, {x, i64({1}, {1})}), ErrorCode::kShapeMismatch);  // dim 3
  expect_code(run(OP(Squeeze), {}, {x, i64({3}, {1})}), ErrorCode::kInvalidModel);   // out of range

  auto u = run(OP(Unsqueeze), {}, {f32({1, 2, 3}, {3}), i64({0, -1}, {2})});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)[0].shape(), (Shape{1, 3, 1}));
  auto u2 = run(OP(Unsqueeze), {}, {arange_f32({2, 3}), i64({2, 0}, {2})});
  ASSERT_TRUE(u2.ok());
  EXPECT_EQ((*u2)[0].shape(), (Shape{1, 2, 1, 3}));
  auto us = run(OP(Unsqueeze), {}, {i64({7}, {}), i64({0}, {1})});  // scalar → [1]
  ASSERT_TRUE(us.ok());
  EXPECT_EQ((*us)[0], i64({7}, {1}));
  expect_code(run(OP(Unsqueeze), {}, {f32({1}, {1}), i64({0, 0}, {2})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Unsqueeze), {}, {f32({1}, {1}), i64({3}, {1})}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Unsqueeze), {}, {f32({1}, {1})}), ErrorCode::kInvalidModel);  // axes input missing
}

TEST(ShapeOps, Gather) {
  const Tensor data = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  auto r = run(OP(Gather), {}, {data, i64({0, 1, 1, 2}, {2, 2})});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(fvals((*r)[0]), (FV{1, 2, 3, 4, 3, 4, 5, 6}));
  auto ax1 = run(OP(Gather), attrs_of({{"axis", int64_t{1}}}), {data, i32({-1}, {1})});
  ASSERT_TRUE(ax1.ok());
  EXPECT_EQ((*ax1)[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(fvals((*ax1)[0]), (FV{2, 4, 6}));
  // Scalar index removes the axis (typical shape computation: Shape → Gather(0)).
  auto sc = run(OP(Gather), {}, {i64({1, 3, 224, 224}, {4}), i64({-3}, {})});
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ((*sc)[0], i64({3}, {}));
  expect_code(run(OP(Gather), {}, {data, i64({3}, {1})}), ErrorCode::kOutOfRange);
  expect_code(run(OP(Gather), {}, {data, i64({-4}, {1})}), ErrorCode::kOutOfRange);
  expect_code(run(OP(Gather), {}, {data, f32({0}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Gather), attrs_of({{"axis", int64_t{2}}}), {data, i64({0}, {1})}), ErrorCode::kInvalidModel);
  // The kernel re-checks indices (infer only can when they are constant): error, never out-of-bounds reads.
  auto types = infer(OP(Gather), {}, {info(DType::kF32, {3, 2}), info(DType::kI64, {1})});
  ASSERT_TRUE(types.ok());
  Attrs attrs = attrs_of({{"axis", int64_t{0}}});
  const Tensor bad = i64({5}, {1});
  const Tensor* ins[] = {&data, &bad};
  std::vector<Tensor> outs{Tensor((*types)[0].dtype, (*types)[0].shape)};
  ref::KernelArgs args{"Gather", "n", attrs, ins, outs};
  EXPECT_EQ(ref::ref_Gather(args).code(), ErrorCode::kOutOfRange);
}

TEST(ShapeOps, Shape) {
  const Tensor x = arange_f32({2, 3, 4});
  auto r = run(OP(Shape), {}, {x});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0], i64({2, 3, 4}, {3}));
  auto s1 = run(OP(Shape), attrs_of({{"start", int64_t{1}}}), {x});
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ((*s1)[0], i64({3, 4}, {2}));
  auto e = run(OP(Shape), attrs_of({{"end", int64_t{-1}}}), {x});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)[0], i64({2, 3}, {2}));
  auto clamp = run(OP(Shape), attrs_of({{"start", int64_t{-10}}, {"end", int64_t{10}}}), {x});
  ASSERT_TRUE(clamp.ok());
  EXPECT_EQ((*clamp)[0], i64({2, 3, 4}, {3}));
  auto none = run(OP(Shape), attrs_of({{"start", int64_t{2}}, {"end", int64_t{1}}}), {x});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)[0].shape(), Shape{0});
  auto sc = run(OP(Shape), {}, {f32({1}, {})});
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ((*sc)[0].shape(), Shape{0});
}

TEST(ShapeOps, Constant) {
  const Tensor v = i32({1, 2, 3, 4}, {2, 2});
  auto t = run(OP(Constant), attrs_of({{"value", v}}), {});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0], v);
  auto f = run(OP(Constant), attrs_of({{"value_float", 2.5f}}), {});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)[0], f32({2.5f}, {}));
  auto fs = run(OP(Constant), attrs_of({{"value_floats", FV{1, 2}}}), {});
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ((*fs)[0], f32({1, 2}, {2}));
  auto i = run(OP(Constant), attrs_of({{"value_int", int64_t{-3}}}), {});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ((*i)[0], i64({-3}, {}));
  auto is = run(OP(Constant), attrs_of({{"value_ints", IV{4, 5, 6}}}), {});
  ASSERT_TRUE(is.ok());
  EXPECT_EQ((*is)[0], i64({4, 5, 6}, {3}));
  expect_code(run(OP(Constant), attrs_of({{"value_string", std::string("x")}}), {}), ErrorCode::kUnsupportedAttr);
  expect_code(run(OP(Constant), {}, {}), ErrorCode::kInvalidModel);
  expect_code(run(OP(Constant), attrs_of({{"value_int", int64_t{1}}, {"value_float", 1.f}}), {}),
              ErrorCode::kInvalidModel);
}

TEST(ShapeOps, ConstantOfShape) {
  auto z = run(OP(ConstantOfShape), {}, {i64({2, 3}, {2})});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)[0], f32({0, 0, 0, 0, 0, 0}, {2, 3}));
  auto v = run(OP(ConstantOfShape), attrs_of({{"value", i64({7}, {1})}}), {i64({3}, {1})});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0], i64({7, 7, 7}, {3}));
  auto sc = run(OP(ConstantOfShape), attrs_of({{"value", f32({1.5f}, {1})}}), {i64({}, {0})});
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ((*sc)[0], f32({1.5f}, {}));
  auto zero = run(OP(ConstantOfShape), attrs_of({{"value", i32({1}, {1})}}), {i64({0}, {1})});
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ((*zero)[0].shape(), Shape{0});
  expect_code(run(OP(ConstantOfShape), {}, {i64({2, -1}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(ConstantOfShape), attrs_of({{"value", f32({1, 2}, {2})}}), {i64({2}, {1})}),
              ErrorCode::kInvalidModel);
  expect_code(run(OP(ConstantOfShape), {}, {i64({int64_t{1} << 40}, {1})}), ErrorCode::kOutOfRange);
  expect_code(infer(OP(ConstantOfShape), {}, {info(DType::kI64, {2})}), ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, Range) {
  auto f = run(OP(Range), {}, {f32({1}, {}), f32({5}, {}), f32({2}, {})});
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ((*f)[0], f32({1, 3}, {2}));
  auto frac = run(OP(Range), {}, {f32({0}, {}), f32({1}, {}), f32({0.25f}, {})});
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ((*frac)[0], f32({0, 0.25f, 0.5f, 0.75f}, {4}));
  auto i = run(OP(Range), {}, {i32({10}, {}), i32({4}, {}), i32({-3}, {})});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ((*i)[0], i32({10, 7}, {2}));
  auto e = run(OP(Range), {}, {i64({0}, {}), i64({0}, {}), i64({1}, {})});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)[0].shape(), Shape{0});
  auto wrong_dir = run(OP(Range), {}, {i64({0}, {}), i64({5}, {}), i64({-1}, {})});
  ASSERT_TRUE(wrong_dir.ok());
  EXPECT_EQ((*wrong_dir)[0].shape(), Shape{0});
  expect_code(run(OP(Range), {}, {i64({0}, {}), i64({5}, {}), i64({0}, {})}), ErrorCode::kInvalidArgument);
  expect_code(run(OP(Range), {}, {i64({0}, {}), i32({5}, {}), i64({1}, {})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Range), {}, {i64({0}, {}), i64({INT64_MAX}, {}), i64({1}, {})}), ErrorCode::kOutOfRange);
  expect_code(run(OP(Range), {}, {tv<double>({0}, {}), tv<double>({1}, {}), tv<double>({1}, {})}),
              ErrorCode::kUnsupportedAttr);
  expect_code(infer(OP(Range), {}, {info(DType::kI64, {}), info(DType::kI64, {}), info(DType::kI64, {})}),
              ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, ExpandTile) {
  auto e = run(OP(Expand), {}, {f32({1, 2, 3}, {3, 1}), i64({2, 1, 2}, {3})});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)[0].shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(fvals((*e)[0]), (FV{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  // Bidirectional: a target dim of 1 keeps the input's larger dim, a shorter shape is fine.
  auto b = run(OP(Expand), {}, {i64({1, 2, 3}, {3}), i64({1}, {1})});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0], i64({1, 2, 3}, {3}));
  expect_code(run(OP(Expand), {}, {f32({1, 2, 3}, {3}), i64({2}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Expand), {}, {f32({1}, {1}), i64({-1}, {1})}), ErrorCode::kShapeMismatch);

  auto t = run(OP(Tile), {}, {f32({1, 2, 3, 4}, {2, 2}), i64({2, 2}, {2})});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].shape(), (Shape{4, 4}));
  EXPECT_EQ(fvals((*t)[0]), (FV{1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}));
  auto t0 = run(OP(Tile), {}, {i64({1, 2}, {2}), i64({0}, {1})});
  ASSERT_TRUE(t0.ok());
  EXPECT_EQ((*t0)[0].shape(), Shape{0});
  expect_code(run(OP(Tile), {}, {f32({1, 2}, {2}), i64({1, 1}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Tile), {}, {f32({1, 2}, {2}), i64({-1}, {1})}), ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, Pad) {
  const Tensor x = f32({1, 2, 3}, {3});
  auto mode = [](const char* m) { return attrs_of({{"mode", std::string(m)}}); };
  auto c = run(OP(Pad), {}, {x, i64({2, 1}, {2}), f32({9}, {})});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(fvals((*c)[0]), (FV{9, 9, 1, 2, 3, 9}));
  auto c0 = run(OP(Pad), {}, {x, i64({1, 0}, {2})});  // constant_value absent → 0
  ASSERT_TRUE(c0.ok());
  EXPECT_EQ(fvals((*c0)[0]), (FV{0, 1, 2, 3}));
  auto rf = run(OP(Pad), mode("reflect"), {x, i64({2, 2}, {2})});
  ASSERT_TRUE(rf.ok());
  EXPECT_EQ(fvals((*rf)[0]), (FV{3, 2, 1, 2, 3, 2, 1}));
  // Pads beyond dim-1 reflect repeatedly (numpy.pad behaviour): np.pad([1,2,3], (5,0), 'reflect').
  auto rf5 = run(OP(Pad), mode("reflect"), {x, i64({5, 0}, {2})});
  ASSERT_TRUE(rf5.ok());
  EXPECT_EQ(fvals((*rf5)[0]), (FV{2, 1, 2, 3, 2, 1, 2, 3}));
  auto ed = run(OP(Pad), mode("edge"), {x, i64({2, 1}, {2})});
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(fvals((*ed)[0]), (FV{1, 1, 1, 2, 3, 3}));
  auto ed2 = run(OP(Pad), mode("edge"), {f32({1, 2, 3, 4}, {2, 2}), i64({1, 0, 0, 1}, {4})});
  ASSERT_TRUE(ed2.ok());
  EXPECT_EQ((*ed2)[0].shape(), (Shape{3, 3}));
  EXPECT_EQ(fvals((*ed2)[0]), (FV{1, 2, 2, 1, 2, 2, 3, 4, 4}));
  // Negative pads crop.
  auto crop = run(OP(Pad), {}, {x, i64({-1, 1}, {2})});
  ASSERT_TRUE(crop.ok());
  EXPECT_EQ(fvals((*crop)[0]), (FV{2, 3, 0}));
  auto ip = run(OP(Pad), {}, {i64({5}, {1}), i64({1, 1}, {2}), i64({-1}, {})});
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ((*ip)[0], i64({-1, 5, -1}, {3}));
  expect_code(run(OP(Pad), mode("wrap"), {x, i64({1, 1}, {2})}), ErrorCode::kUnsupportedAttr);
  expect_code(run(OP(Pad), {}, {x, i64({1}, {1})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Pad), {}, {x, i64({-2, -2}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Pad), {}, {x, i64({1, 1}, {2}), i64({0}, {})}), ErrorCode::kShapeMismatch);
  expect_code(run(OP(Pad), mode("edge"), {f32({}, {0}), i64({1, 1}, {2})}), ErrorCode::kShapeMismatch);
  expect_code(infer(OP(Pad), {}, {info(DType::kF32, {3}), info(DType::kI64, {2})}), ErrorCode::kShapeMismatch);
}

TEST(ShapeOps, DataMovementKeepsAnyDtype) {
  // f16 payloads move bit-exactly through data-movement ops (no arithmetic on them).
  Tensor h(DType::kF16, {2, 2});
  for (int i = 0; i < 4; ++i) h.data<uint16_t>()[i] = static_cast<uint16_t>(0x3C00 + i);
  auto t = run(OP(Transpose), {}, {h});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(values<uint16_t>((*t)[0]), (std::vector<uint16_t>{0x3C00, 0x3C02, 0x3C01, 0x3C03}));
  auto g = run(OP(Gather), attrs_of({{"axis", int64_t{1}}}), {h, i64({1}, {})});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(values<uint16_t>((*g)[0]), (std::vector<uint16_t>{0x3C01, 0x3C03}));
}

TEST(Control, IfIsHandledByTheInterpreter) {
  EXPECT_TRUE(ir::attrs_If().empty());
  expect_code(infer(OP(If), {}, {info(DType::kBool, {}, nullptr)}), ErrorCode::kInternal);
  const Tensor c = bools({true}, {});
  const Tensor* ins[] = {&c};
  std::vector<Tensor> outs{Tensor(DType::kF32, {1})};
  Attrs attrs;
  ref::KernelArgs args{"If", "n", attrs, ins, outs};
  EXPECT_EQ(ref::ref_If(args).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace npukit
