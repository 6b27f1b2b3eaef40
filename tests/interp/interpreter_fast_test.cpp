// SPDX-License-Identifier: Apache-2.0
// Interpreter with RunOptions::use_fast_kernels: which ops switch, and a small CNN stays within float
// rounding of the reference run.
#include <gtest/gtest.h>

#include <cmath>

#include "interp/interpreter.h"
#include "util/graph_builder.h"

namespace npukit::interp {
namespace {

using ir::OpKind;
using npukit::testing::f32;
using npukit::testing::GraphBuilder;

Tensor ramp(Shape s, float step, float offset) {
  Tensor t(DType::kF32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::sin(static_cast<float>(i) * step) + offset;
  return t;
}

TEST(InterpreterFast, KernelTable) {
  EXPECT_NE(fast_kernel(OpKind::kConv), nullptr);
  EXPECT_NE(fast_kernel(OpKind::kGemm), nullptr);
  EXPECT_NE(fast_kernel(OpKind::kMatMul), nullptr);
  EXPECT_NE(fast_kernel(OpKind::kRelu), nullptr);
  EXPECT_NE(fast_kernel(OpKind::kAdd), nullptr);
  EXPECT_EQ(fast_kernel(OpKind::kSoftmax), nullptr);
  EXPECT_EQ(fast_kernel(OpKind::kMaxPool), nullptr);
}

TEST(InterpreterFast, SmallCnnMatchesReference) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {2, 3, 8, 8});
  Attrs conv_attrs;
  conv_attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  conv_attrs.set("strides", std::vector<int64_t>{2, 2});
  ir::Value* c =
      b.op(OpKind::kConv, "conv",
           {x, b.constant("w", ramp({6, 3, 3, 3}, 0.37f, 0.f)), b.constant("b", ramp({6}, 1.f, 0.1f))}, conv_attrs);
  ir::Value* r = b.op(OpKind::kRelu, "relu", {c});
  Attrs flat;
  flat.set("axis", int64_t{1});
  ir::Value* f = b.op(OpKind::kFlatten, "flat", {r}, flat);
  Attrs gemm_attrs;
  gemm_attrs.set("transB", int64_t{1});
  ir::Value* g =
      b.op(OpKind::kGemm, "fc",
           {f, b.constant("fw", ramp({10, 96}, 0.11f, 0.f)), b.constant("fb", ramp({10}, 0.5f, 0.f))}, gemm_attrs);
  b.output(g);
  ASSERT_TRUE(resolve(m).ok());
  Interpreter interp(m.graph);
  const std::vector<Tensor> in{ramp({2, 3, 8, 8}, 0.05f, -0.2f)};
  auto want = interp.run(in);
  RunOptions opt;
  opt.use_fast_kernels = true;
  int nodes_seen = 0;
  opt.on_node = [&](const ir::Node&, std::span<const Tensor>) { ++nodes_seen; };
  auto got = interp.run(in, opt);
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_EQ(nodes_seen, 4);
  ASSERT_EQ((*got)[0].shape(), (Shape{2, 10}));
  for (int64_t i = 0; i < 20; ++i) {
    const float w = (*want)[0].data<float>()[i], v = (*got)[0].data<float>()[i];
    // 27-term conv then 96-term FC in f32 vs f64: |values| ~ 10, error bound ~ 1e-4 absolute at most.
    EXPECT_NEAR(v, w, 1e-4f * (1.f + std::fabs(w))) << i;
  }
}

}  // namespace
}  // namespace npukit::interp
