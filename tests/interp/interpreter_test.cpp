// SPDX-License-Identifier: Apache-2.0
// interp::Interpreter / run_node on hand-built graphs with hand-computed results.
#include "interp/interpreter.h"

#include <gtest/gtest.h>

#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;
using testing::f32;
using testing::GraphBuilder;

// x[1,1,3,3] = 1..9 ; Conv with a 2x2 all-ones kernel and bias 0.5 → window sums + 0.5 =
// {12.5, 16.5, 24.5, 28.5}; Add -20 → {-7.5, -3.5, 4.5, 8.5}; Relu → {0, 0, 4.5, 8.5}.
struct ConvModel {
  ir::Model m;
  ir::Value *x = nullptr, *conv = nullptr, *y = nullptr;
  ConvModel() {
    GraphBuilder b(m.graph);
    x = b.input("x", DType::kF32, {1, 1, 3, 3});
    conv = b.op(OpKind::kConv, "conv",
                {x, b.constant("w", f32({1, 1, 1, 1}, {1, 1, 2, 2})), b.constant("b", f32({0.5f}, {1}))});
    ir::Value* add = b.op(OpKind::kAdd, "add", {conv, b.constant("c", f32({-20.f}, {}))});
    y = b.op(OpKind::kRelu, "relu", {add});
    b.output(y);
    b.output(conv);
  }
};

Tensor iota_input() {
  return f32({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
}

TEST(Interpreter, RunsConvAddRelu) {
  ConvModel cm;
  ASSERT_TRUE(interp::resolve(cm.m).ok());
  interp::Interpreter it(cm.m.graph);
  ASSERT_EQ(it.runtime_inputs().size(), 1u);
  auto out = it.run(std::vector<Tensor>{iota_input()});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 2u);
  // Small integers and .5 are exact in f32: exact comparison is intended.
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{0, 0, 4.5f, 8.5f}));
  EXPECT_EQ((*out)[1].to_float_vector(), (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(Interpreter, RunByNameAndOnNodeCallback) {
  ConvModel cm;
  ASSERT_TRUE(interp::resolve(cm.m).ok());
  interp::Interpreter it(cm.m.graph);
  std::vector<std::string> seen;
  interp::RunOptions ro;
  ro.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
    seen.push_back(n.name());
    EXPECT_EQ(outs.size(), 1u);
  };
  auto out = it.run(std::map<std::string, Tensor>{{"x", iota_input()}}, ro);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(seen, (std::vector<std::string>{"conv", "add", "relu"}));
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{0, 0, 4.5f, 8.5f}));

  auto missing = it.run(std::map<std::string, Tensor>{});
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("missing input 'x'"), std::string::npos);
  auto extra = it.run(std::map<std::string, Tensor>{{"x", iota_input()}, {"q", iota_input()}});
  EXPECT_EQ(extra.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(extra.status().message().find("'q'"), std::string::npos);
}

TEST(Interpreter, InputMismatchErrorsNameTheInput) {
  ConvModel cm;
  ASSERT_TRUE(interp::resolve(cm.m).ok());
  interp::Interpreter it(cm.m.graph);
  auto count = it.run(std::vector<Tensor>{});
  EXPECT_EQ(count.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(count.status().message().find("model has 1 input(s) ('x'), got 0"), std::string::npos)
      << count.status().message();
  auto shape = it.run(std::vector<Tensor>{Tensor(DType::kF32, {1, 1, 3, 4})});
  EXPECT_EQ(shape.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_EQ(shape.status().message(), "input 'x': expected f32[1,1,3,3], got f32[1,1,3,4]");
  auto dtype = it.run(std::vector<Tensor>{Tensor(DType::kI32, {1, 1, 3, 3})});
  EXPECT_EQ(dtype.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_EQ(dtype.status().message(), "input 'x': expected f32[1,1,3,3], got i32[1,1,3,3]");
}

TEST(Interpreter, RunNodeInfersAllocatesAndRuns) {
  ir::Graph g;
  GraphBuilder b(g);
  ir::Value* a = b.input("a", DType::kF32, {2, 1});
  ir::Value* c = b.input("c", DType::kF32, {3});
  ir::Node* n = b.node(OpKind::kAdd, "add", {a, c}, {"s"});
  Tensor ta = f32({1, 10}, {2, 1}), tc = f32({1, 2, 3}, {3});
  std::vector<const Tensor*> ins = {&ta, &tc};
  auto out = interp::run_node(*n, ins);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{2, 3, 4, 11, 12, 13}));
  // infer_node sets static types on the node outputs.
  ASSERT_TRUE(interp::infer_node(*n).ok());
  EXPECT_EQ(n->output(0)->shape(), (Shape{2, 3}));
  std::vector<const Tensor*> one = {&ta};
  EXPECT_EQ(interp::run_node(*n, one).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Interpreter, RefKernelTableCoversEveryOp) {
  for (const ir::OpInfo& info : ir::all_ops()) EXPECT_NE(interp::ref_kernel(info.kind), nullptr) << info.name;
}

// Values are released after their last use; a long chain must still produce the right result
// and graph outputs in the middle of the chain must survive.
TEST(Interpreter, LongChainKeepsIntermediateGraphOutputs) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* v = b.input("x", DType::kF32, {3});
  ir::Value* mid = nullptr;
  for (int i = 0; i < 20; ++i) {
    v = b.op(OpKind::kNeg, "neg" + std::to_string(i), {v});
    if (i == 4) mid = v;
  }
  b.output(v);
  b.output(mid);
  ASSERT_TRUE(interp::resolve(m).ok());
  auto out = interp::Interpreter(m.graph).run(std::vector<Tensor>{f32({1, -2, 3}, {3})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{1, -2, 3}));   // 20 negations
  EXPECT_EQ((*out)[1].to_float_vector(), (std::vector<float>{-1, 2, -3}));  // 5 negations
}

}  // namespace
}  // namespace npukit
