// SPDX-License-Identifier: Apache-2.0
// passes::promote_f16_compute: structure of the rewrite and numeric equivalence.
#include <gtest/gtest.h>

#include "interp/interpreter.h"
#include "ir/graph.h"
#include "passes/promote_f16_compute.h"

namespace npukit {
namespace {

Tensor half(const std::vector<float>& v, Shape s) {
  Tensor t(DType::kF16, std::move(s));
  for (size_t i = 0; i < v.size(); ++i) t.data<uint16_t>()[i] = f32_to_f16(v[i]);
  return t;
}

// y = Relu(x * w), x: f16[4] input, w: f16[4] constant, y: f16[4] output.
ir::Model f16_model() {
  ir::Model m;
  ir::Graph& g = m.graph;
  ir::Value* x = g.add_value("x").value();
  x->set_type(DType::kF16, {4});
  g.add_input(x);
  ir::Value* w = g.add_constant("w", half({0.5f, -1.f, 2.f, 0.25f}, {4}));
  ir::Value* t = g.add_value("t").value();
  ir::Value* y = g.add_value("y").value();
  y->set_type(DType::kF16, {4});
  EXPECT_TRUE(g.add_node(ir::OpKind::kMul, "mul", {x, w}, {t}).ok());
  EXPECT_TRUE(g.add_node(ir::OpKind::kRelu, "relu", {t}, {y}).ok());
  g.add_output(y);
  return m;
}

TEST(PromoteF16Compute, KeepsTheInterfaceAndComputesInF32) {
  ir::Model m = f16_model();
  bool changed = false;
  ASSERT_TRUE(passes::promote_f16_compute(m.graph, changed).ok());
  EXPECT_TRUE(changed);
  // Interface unchanged: input x f16, output named y f16, produced by a Cast.
  ASSERT_EQ(m.graph.outputs().size(), 1u);
  ir::Value* y = m.graph.outputs()[0];
  EXPECT_EQ(y->name(), "y");
  EXPECT_EQ(y->dtype(), DType::kF16);
  ASSERT_NE(y->producer(), nullptr);
  EXPECT_EQ(y->producer()->op(), ir::OpKind::kCast);
  EXPECT_EQ(m.graph.find_value("w")->const_value()->dtype(), DType::kF32);
  ASSERT_TRUE(interp::resolve(m).ok());
  EXPECT_EQ(m.graph.find_value("t")->dtype(), DType::kF32);

  interp::Interpreter it(m.graph);
  auto out = it.run({half({2.f, 3.f, -1.f, 8.f}, {4})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].dtype(), DType::kF16);
  // Exact: every product is representable in f16.
  const std::vector<float> want = {1.f, 0.f, 0.f, 2.f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f16_to_f32((*out)[0].data<uint16_t>()[i]), want[i]) << i;
}

TEST(PromoteF16Compute, LeavesF32GraphsAlone) {
  ir::Model m;
  ir::Value* x = m.graph.add_value("x").value();
  x->set_type(DType::kF32, {2});
  m.graph.add_input(x);
  ir::Value* y = m.graph.add_value("y").value();
  ASSERT_TRUE(m.graph.add_node(ir::OpKind::kRelu, "r", {x}, {y}).ok());
  m.graph.add_output(y);
  const std::string before = ir::dump(m.graph);
  bool changed = true;
  ASSERT_TRUE(passes::promote_f16_compute(m.graph, changed).ok());
  EXPECT_FALSE(changed);
  EXPECT_EQ(ir::dump(m.graph), before);
}

}  // namespace
}  // namespace npukit
