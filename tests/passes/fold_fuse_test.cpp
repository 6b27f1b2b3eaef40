// SPDX-License-Identifier: Apache-2.0
// passes::fold_batchnorm, fold_conv_affine, fuse_hardswish, remove_identity: what is folded / fused, what
// is left alone, and that the function is unchanged (float rounding only; tolerances stated per test).
#include <gtest/gtest.h>

#include <cmath>

#include "interp/interpreter.h"
#include "passes/fold_batchnorm.h"
#include "passes/fold_conv_affine.h"
#include "passes/fuse_hardswish.h"
#include "passes/remove_identity.h"
#include "quant/calib.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;
using testing::GraphBuilder;

Tensor rnd(Shape s, uint64_t seed, double lo = -1, double hi = 1) {
  return quant::random_calibration_tensor(DType::kF32, s, seed, {quant::RandomDist::kUniform, lo, hi}).value();
}

std::vector<float> run(const ir::Model& m, const Tensor& x) {
  auto y = interp::Interpreter(m.graph).run(std::vector<Tensor>{x});
  EXPECT_TRUE(y.ok()) << y.status().to_string();
  return y.ok() ? (*y)[0].to_float_vector() : std::vector<float>{};
}

/// Conv(3 -> 5 channels, 3x3, groups 1 or 5-compatible) on x [1,3,6,7] followed by `tail` built by the caller.
ir::Value* conv(GraphBuilder& b, ir::Value* x, const std::string& name, uint64_t seed, bool deconv = false) {
  Attrs a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  if (deconv) return b.op(OpKind::kConvTranspose, name, {x, b.constant(name + "_w", rnd({3, 5, 3, 3}, seed))}, a);
  return b.op(OpKind::kConv, name,
              {x, b.constant(name + "_w", rnd({5, 3, 3, 3}, seed)), b.constant(name + "_b", rnd({5}, seed + 1))}, a);
}

/// Relative tolerance for refolded weights: one f32 rounding per folded factor on each product (27
/// products per output, a few folds): 1e-5 of the output magnitude is far above that and far below any
/// real change.
void expect_close(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  float mag = 0;
  for (float v : a) mag = std::max(mag, std::fabs(v));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f * mag + 1e-6f) << i;
}

TEST(FoldConvAffine, MulDivAddSubIntoConvAndDeconv) {
  for (bool deconv : {false, true}) {
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 3, 6, 7});
    ir::Value* c = conv(b, x, "conv", 11, deconv);
    ir::Value* t = b.op(OpKind::kMul, "mul", {c, b.constant("k1", rnd({1, 5, 1, 1}, 3, 0.5, 2))});
    t = b.op(OpKind::kAdd, "add", {b.constant("k2", rnd({5, 1, 1}, 4)), t});  // constant first: commutative
    t = b.op(OpKind::kDiv, "div", {t, b.constant("k3", rnd({1}, 5, 1, 3))});
    t = b.op(OpKind::kSub, "sub", {t, b.constant("k4", rnd({1, 5, 1, 1}, 6))});
    b.output(b.op(OpKind::kRelu, "relu", {t}));
    ASSERT_TRUE(interp::resolve(m).ok());
    const Tensor in = rnd({1, 3, 6, 7}, 99);
    const auto before = run(m, in);
    size_t folded = 0;
    ASSERT_TRUE(passes::fold_conv_affine(m.graph, folded).ok());
    EXPECT_EQ(folded, 4u) << deconv;
    EXPECT_EQ(m.graph.num_nodes(), 2u);  // conv + relu
    // The conv now produces the last folded node's value (name kept).
    EXPECT_NE(m.graph.find_value("sub_out"), nullptr);
    ASSERT_TRUE(interp::resolve(m).ok());
    expect_close(before, run(m, in));
  }
}

TEST(FoldConvAffine, LeavesNonChannelConstantsAndSharedOutputs) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 6, 7});
  ir::Value* c = conv(b, x, "conv", 11);
  // [7] broadcasts along the last axis (W), not the channels: not foldable.
  ir::Value* t = b.op(OpKind::kMul, "mul_w", {c, b.constant("kw", rnd({7}, 3))});
  // Constant minus x: not x - c.
  ir::Value* c2 = conv(b, x, "conv2", 21);
  ir::Value* u = b.op(OpKind::kSub, "rsub", {b.constant("kr", rnd({1, 5, 1, 1}, 4)), c2});
  // A conv output read twice: folding would change the other reader.
  ir::Value* c3 = conv(b, x, "conv3", 31);
  ir::Value* v = b.op(OpKind::kMul, "mul_shared", {c3, b.constant("ks", rnd({1, 5, 1, 1}, 5))});
  b.output(t);
  b.output(u);
  b.output(v);
  b.output(c3);
  ASSERT_TRUE(interp::resolve(m).ok());
  size_t folded = 7;
  ASSERT_TRUE(passes::fold_conv_affine(m.graph, folded).ok());
  EXPECT_EQ(folded, 0u);
  EXPECT_EQ(m.graph.num_nodes(), 6u);
}

/// y = HardSwish written out: variant 0 = Div(Mul(x, c), 6); 1 = Mul(x, Div(c, 6)); 2 = Mul(Mul(c, x), 1/6).
ir::Model hardswish_model(int variant, float three = 3.0f) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {2, 9});
  ir::Value* a = b.op(OpKind::kAdd, "add3", {b.constant("three", Tensor::scalar(three)), x});
  ir::Value* c =
      b.op(OpKind::kClip, "clip", {a, b.constant("lo", Tensor::scalar(0.0f)), b.constant("hi", Tensor::scalar(6.0f))});
  ir::Value* six = b.constant("six", Tensor::scalar(6.0f));
  ir::Value* sixth = b.constant("sixth", Tensor::scalar(static_cast<float>(1.0 / 6.0)));
  ir::Value* y = nullptr;
  if (variant == 0) y = b.op(OpKind::kDiv, "last", {b.op(OpKind::kMul, "mul", {x, c}), six});
  if (variant == 1) y = b.op(OpKind::kMul, "last", {x, b.op(OpKind::kDiv, "div", {c, six})});
  if (variant == 2) y = b.op(OpKind::kMul, "last", {b.op(OpKind::kMul, "mul", {c, x}), sixth});
  b.output(y);
  EXPECT_TRUE(interp::resolve(m).ok());
  return m;
}

TEST(FuseHardSwish, ThreeSpellingsBecomeOneNode) {
  Tensor x(DType::kF32, {2, 9});
  const float vals[] = {-5, -3, -2.5f, -1, -0.25f, 0, 0.5f, 1, 2, 2.99f, 3, 3.5f, 4, 6, 7, -7, 1e-3f, 100};
  for (int i = 0; i < 18; ++i) x.data<float>()[i] = vals[i];
  for (int variant = 0; variant < 3; ++variant) {
    ir::Model m = hardswish_model(variant);
    const auto before = run(m, x);
    size_t fused = 0;
    ASSERT_TRUE(passes::fuse_hardswish(m.graph, fused).ok());
    EXPECT_EQ(fused, 1u) << variant;
    ASSERT_EQ(m.graph.num_nodes(), 1u) << variant;
    EXPECT_EQ(m.graph.nodes()[0]->op(), OpKind::kHardSwish);
    EXPECT_EQ(m.graph.nodes()[0]->output(0)->name(), "last_out");
    ASSERT_TRUE(interp::resolve(m).ok());
    const auto after = run(m, x);
    // x * clip(x + 3) / 6 vs HardSwish's x * clip(x/6 + 0.5): two f32 roundings apart at most.
    for (size_t i = 0; i < before.size(); ++i)
      EXPECT_NEAR(after[i], before[i], 4e-7f * std::max(1.0f, std::fabs(before[i]))) << variant << " " << i;
  }
  // Not HardSwish: x + 2 inside the clip.
  ir::Model other = hardswish_model(0, 2.0f);
  size_t fused = 9;
  ASSERT_TRUE(passes::fuse_hardswish(other.graph, fused).ok());
  EXPECT_EQ(fused, 0u);
  EXPECT_EQ(other.graph.num_nodes(), 4u);
}

TEST(FoldBatchnormAndRemoveIdentity, FoldsAndKeepsOutputNames) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 6, 7});
  ir::Value* c = conv(b, x, "conv", 11);
  ir::Value* bn = b.op(OpKind::kBatchNormalization, "bn",
                       {c, b.constant("g", rnd({5}, 1, 0.5, 1.5)), b.constant("be", rnd({5}, 2)),
                        b.constant("mu", rnd({5}, 3)), b.constant("var", rnd({5}, 4, 0.1, 2))});
  ir::Value* id = b.op(OpKind::kIdentity, "id", {bn});
  b.output(b.op(OpKind::kIdentity, "id_out", {id}));
  ASSERT_TRUE(interp::resolve(m).ok());
  const Tensor in = rnd({1, 3, 6, 7}, 7);
  const auto before = run(m, in);
  size_t folded = 0, removed = 0;
  ASSERT_TRUE(passes::fold_batchnorm(m.graph, folded).ok());
  ASSERT_TRUE(passes::remove_identity(m.graph, removed).ok());
  EXPECT_EQ(folded, 1u);
  EXPECT_EQ(removed, 2u);
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_EQ(m.graph.outputs()[0]->name(), "id_out_out");
  EXPECT_EQ(m.graph.outputs()[0]->producer()->name(), "conv");
  ASSERT_TRUE(interp::resolve(m).ok());
  expect_close(before, run(m, in));
}

}  // namespace
}  // namespace npukit
