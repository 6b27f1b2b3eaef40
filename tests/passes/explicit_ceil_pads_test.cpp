// SPDX-License-Identifier: Apache-2.0
// passes::explicit_ceil_pads: ceil-mode MaxPool becomes floor mode with explicit end pads; the output is
// bit-identical (max pooling ignores padding), and pools whose last window would start in the padding are kept.
#include "passes/explicit_ceil_pads.h"

#include <gtest/gtest.h>

#include "interp/interpreter.h"
#include "quant/calib.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;

ir::Model pool_model(int64_t h, int64_t w, int64_t k, int64_t s, std::vector<int64_t> pads) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, h, w});
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{k, k});
  a.set("strides", std::vector<int64_t>{s, s});
  a.set("pads", std::move(pads));
  a.set("ceil_mode", int64_t{1});
  b.output(b.op(OpKind::kMaxPool, "pool", {x}, a));
  EXPECT_TRUE(interp::resolve(m).ok());
  return m;
}

TEST(ExplicitCeilPads, TorchvisionSqueezenetPoolsBecomeFloorModeWithTheSameResult) {
  // squeezenet1_1: 3x3 stride 2 ceil_mode on 111x111, 55x55, 27x27.
  for (int64_t hw : {111, 55, 27, 8}) {
    ir::Model m = pool_model(hw, hw + 1, 3, 2, {0, 0, 0, 0});
    const Tensor x =
        quant::random_calibration_tensor(DType::kF32, {1, 3, hw, hw + 1}, 3, {quant::RandomDist::kUniform, -1, 1})
            .value();
    auto before = interp::Interpreter(m.graph).run(std::vector<Tensor>{x});
    ASSERT_TRUE(before.ok());
    const Shape shape_before = m.graph.outputs()[0]->shape();
    size_t n = 0;
    ASSERT_TRUE(passes::explicit_ceil_pads(m.graph, n).ok());
    EXPECT_EQ(n, 1u);
    const ir::Node* pool = m.graph.nodes()[0];
    EXPECT_EQ(pool->attrs().get_int("ceil_mode"), 0);
    ASSERT_TRUE(interp::resolve(m).ok());
    EXPECT_EQ(m.graph.outputs()[0]->shape(), shape_before) << hw;
    auto after = interp::Interpreter(m.graph).run(std::vector<Tensor>{x});
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE((*before)[0].bit_equal((*after)[0])) << hw;
  }
}

TEST(ExplicitCeilPads, FloorModeAndNonRewritablePoolsAreLeftAlone) {
  ir::Model m = pool_model(9, 9, 3, 2, {0, 0, 0, 0});
  m.graph.nodes()[0]->attrs().set("ceil_mode", int64_t{0});
  size_t n = 0;
  ASSERT_TRUE(passes::explicit_ceil_pads(m.graph, n).ok());
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace npukit
