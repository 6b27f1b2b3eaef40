// SPDX-License-Identifier: Apache-2.0
// interp::resolve: input shapes, dynamic-dim errors, constant folding of shape subgraphs, If inlining.
#include <gtest/gtest.h>

#include "interp/interpreter.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;
using testing::f32;
using testing::GraphBuilder;
using testing::i64;

size_t count_op(const ir::Graph& g, OpKind k) {
  size_t n = 0;
  for (const ir::Node* node : g.nodes()) n += node->op() == k;
  return n;
}

TEST(Resolve, DynamicDimIsAnErrorNamingInputDimAndFlag) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {-1, 3}, {"batch", ""});
  b.output(b.op(OpKind::kRelu, "relu", {x}));
  Status s = interp::resolve(m);
  EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(s.message().find("input 'x' dim 0 ('batch') is dynamic; give its size with --input-shape x 1x3"),
            std::string::npos)
      << s.message();
}

TEST(Resolve, InputShapeOverrideResolvesDynamicDims) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {-1, 3}, {"batch", ""});
  ir::Value* y = b.op(OpKind::kRelu, "relu", {x});
  b.output(y);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {5, 3};
  ASSERT_TRUE(interp::resolve(m, o).ok());
  EXPECT_EQ(x->shape(), (Shape{5, 3}));
  EXPECT_EQ(y->shape(), (Shape{5, 3}));
  EXPECT_EQ(y->dtype(), DType::kF32);
}

TEST(Resolve, InputShapeErrors) {
  {
    ir::Model m;
    GraphBuilder b(m.graph);
    b.output(b.op(OpKind::kRelu, "relu", {b.input("x", DType::kF32, {2, 3})}));
    interp::ResolveOptions o;
    o.input_shapes["nope"] = {2, 3};
    Status s = interp::resolve(m, o);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("'nope' is not a graph input (inputs: 'x')"), std::string::npos) << s.message();
  }
  {
    ir::Model m;
    GraphBuilder b(m.graph);
    b.output(b.op(OpKind::kRelu, "relu", {b.input("x", DType::kF32, {2, 3})}));
    interp::ResolveOptions o;
    o.input_shapes["x"] = {6};
    Status s = interp::resolve(m, o);
    EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
    EXPECT_NE(s.message().find("has rank 2"), std::string::npos) << s.message();
  }
}

// Reshape(x, Concat(Gather(Shape(x), [0]), [12])) — the usual exporter "flatten keeping batch".
TEST(Resolve, FoldsShapeGatherConcatIntoReshapeConstant) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {-1, 3, 4}, {"N", "", ""});
  ir::Value* shape = b.op(OpKind::kShape, "shape", {x});
  ir::Value* n = b.op(OpKind::kGather, "gather", {shape, b.constant("idx0", i64({0}))});
  Attrs cat;
  cat.set("axis", int64_t{0});
  ir::Value* target = b.op(OpKind::kConcat, "concat", {n, b.constant("twelve", i64({12}))}, cat);
  ir::Value* y = b.op(OpKind::kReshape, "reshape", {x, target});
  b.output(y);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {2, 3, 4};
  Status s = interp::resolve(m, o);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  const ir::Node* r = m.graph.nodes()[0];
  EXPECT_EQ(r->op(), OpKind::kReshape);
  ASSERT_TRUE(r->input(1)->is_constant());
  EXPECT_EQ(r->input(1)->const_value()->to_int64_vector(), (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(y->shape(), (Shape{2, 12}));
  EXPECT_TRUE(m.graph.verify(true).ok());
}

TEST(Resolve, FoldingRespectsMaxFoldBytes) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* c = b.constant("c", f32({-1, 2, -3, 4}, {4}));
  ir::Value* y = b.op(OpKind::kRelu, "relu", {c});
  b.output(y);
  interp::ResolveOptions o;
  o.max_fold_bytes = 8;  // the 16-byte result must stay a node
  ASSERT_TRUE(interp::resolve(m, o).ok());
  EXPECT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_FALSE(y->is_constant());
  EXPECT_EQ(y->shape(), (Shape{4}));

  ir::Model m2;
  GraphBuilder b2(m2.graph);
  ir::Value* y2 = b2.op(OpKind::kRelu, "relu", {b2.constant("c", f32({-1, 2, -3, 4}, {4}))});
  b2.output(y2);
  ASSERT_TRUE(interp::resolve(m2).ok());
  EXPECT_EQ(m2.graph.num_nodes(), 0u);
  ASSERT_TRUE(y2->is_constant());
  EXPECT_EQ(y2->const_value()->to_float_vector(), (std::vector<float>{0, 2, 0, 4}));
  // A graph whose output is a folded constant still runs.
  auto out = interp::Interpreter(m2.graph).run(std::vector<Tensor>{});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{0, 2, 0, 4}));
}

// Builds: cond = Greater(Gather(Shape(x), [1]), [2]) ; y = If(cond) then Relu(x) else Neg(x).
// With x of shape [1,3] the condition folds to true after resolve and the If is inlined.
void build_if_model(ir::Model& m, bool runtime_cond, Shape else_shape_input = {}) {
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, -1}, {"", "len"});
  ir::Value* cond;
  if (runtime_cond) {
    cond = b.input("c", DType::kBool, {1});
  } else {
    ir::Value* shape = b.op(OpKind::kShape, "shape", {x});
    ir::Value* len = b.op(OpKind::kGather, "gather", {shape, b.constant("one", i64({1}))});
    cond = b.op(OpKind::kGreater, "greater", {len, b.constant("two", i64({2}))});
  }
  ir::Node* n = b.node(OpKind::kIf, "if", {cond}, {"y"});
  auto make_branch = [&](const char* key, OpKind op) {
    auto g = std::make_unique<ir::Graph>();
    g->set_parent(&m.graph);
    g->set_name(key);
    GraphBuilder sb(*g);
    sb.output(sb.op(op, std::string(key) + "_op", {x}));
    n->subgraphs()[key] = std::move(g);
  };
  make_branch("then_branch", OpKind::kRelu);
  make_branch("else_branch", OpKind::kNeg);
  if (!else_shape_input.empty()) {
    // Replace else with a branch giving a different shape: Reshape(x, const).
    auto g = std::make_unique<ir::Graph>();
    g->set_parent(&m.graph);
    GraphBuilder sb(*g);
    sb.output(sb.op(OpKind::kReshape, "else_reshape", {x, sb.constant("target", i64(else_shape_input))}));
    n->subgraphs()["else_branch"] = std::move(g);
  }
  b.output(n->output(0));
}

TEST(Resolve, IfWithConstantConditionIsInlined) {
  ir::Model m;
  build_if_model(m, false);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {1, 3};
  Status s = interp::resolve(m, o);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(count_op(m.graph, OpKind::kIf), 0u);
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_EQ(m.graph.nodes()[0]->op(), OpKind::kRelu);
  ASSERT_EQ(m.graph.outputs().size(), 1u);
  EXPECT_EQ(m.graph.outputs()[0]->name(), "y");  // the If output name survives inlining
  auto out = interp::Interpreter(m.graph).run({f32({-1, 2, -3}, {1, 3})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{0, 2, 0}));
}

TEST(Resolve, IfElseBranchChosenWhenConditionFalse) {
  ir::Model m;
  build_if_model(m, false);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {1, 2};  // 2 > 2 is false → Neg
  ASSERT_TRUE(interp::resolve(m, o).ok());
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_EQ(m.graph.nodes()[0]->op(), OpKind::kNeg);
  auto out = interp::Interpreter(m.graph).run({f32({-1, 2}, {1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{1, -2}));
}

TEST(Resolve, RuntimeIfStaysAndRunsBothWays) {
  ir::Model m;
  build_if_model(m, true);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {1, 2};
  Status s = interp::resolve(m, o);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(count_op(m.graph, OpKind::kIf), 1u);
  EXPECT_EQ(m.graph.outputs()[0]->shape(), (Shape{1, 2}));
  interp::Interpreter it(m.graph);
  auto t = it.run(std::vector<Tensor>{f32({-1, 2}, {1, 2}), Tensor::from_vector<bool>({true}, {1})});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0].to_float_vector(), (std::vector<float>{0, 2}));
  auto e = it.run(std::vector<Tensor>{f32({-1, 2}, {1, 2}), Tensor::from_vector<bool>({false}, {1})});
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ((*e)[0].to_float_vector(), (std::vector<float>{1, -2}));
}

TEST(Resolve, RuntimeIfBranchesWithDifferentShapesIsAnError) {
  ir::Model m;
  build_if_model(m, true, {2, 1});
  interp::ResolveOptions o;
  o.input_shapes["x"] = {1, 2};
  Status s = interp::resolve(m, o);
  EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(s.message().find("branches disagree on output 0"), std::string::npos) << s.message();
}

// Constant If whose chosen branch holds a runtime If reading a value of the inlined branch:
// after inlining, the nested branches must read the moved value.
TEST(Resolve, InlinedBranchWithNestedRuntimeIf) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {2});
  ir::Value* c = b.input("c", DType::kBool, {1});
  ir::Value* k = b.constant("k", Tensor::from_vector<bool>({true}, {1}));
  ir::Node* outer = b.node(OpKind::kIf, "outer", {k}, {"y"});
  auto then_g = std::make_unique<ir::Graph>();
  then_g->set_parent(&m.graph);
  {
    GraphBuilder tb(*then_g);
    ir::Value* r = tb.op(OpKind::kRelu, "inner_relu", {x});
    ir::Node* inner = tb.node(OpKind::kIf, "inner", {c}, {"inner_y"});
    auto t2 = std::make_unique<ir::Graph>();
    t2->set_parent(then_g.get());
    GraphBuilder t2b(*t2);
    t2b.output(t2b.op(OpKind::kNeg, "neg_r", {r}));
    auto e2 = std::make_unique<ir::Graph>();
    e2->set_parent(then_g.get());
    GraphBuilder e2b(*e2);
    e2b.output(e2b.op(OpKind::kAbs, "abs_x", {x}));
    inner->subgraphs()["then_branch"] = std::move(t2);
    inner->subgraphs()["else_branch"] = std::move(e2);
    tb.output(inner->output(0));
  }
  auto else_g = std::make_unique<ir::Graph>();
  else_g->set_parent(&m.graph);
  {
    GraphBuilder eb(*else_g);
    eb.output(eb.op(OpKind::kNeg, "else_neg", {x}));
  }
  outer->subgraphs()["then_branch"] = std::move(then_g);
  outer->subgraphs()["else_branch"] = std::move(else_g);
  b.output(outer->output(0));

  Status s = interp::resolve(m);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(count_op(m.graph, OpKind::kIf), 1u);  // only the runtime If is left
  EXPECT_EQ(m.graph.outputs()[0]->name(), "y");
  interp::Interpreter it(m.graph);
  auto t = it.run(std::vector<Tensor>{f32({-1, 2}, {2}), Tensor::from_vector<bool>({true}, {1})});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0].to_float_vector(), (std::vector<float>{0, -2}));  // -relu(x)
  auto e = it.run(std::vector<Tensor>{f32({-1, 2}, {2}), Tensor::from_vector<bool>({false}, {1})});
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ((*e)[0].to_float_vector(), (std::vector<float>{1, 2}));  // abs(x)
}

// A branch that returns an outer value directly goes through an Identity that keeps the If output name.
TEST(Resolve, InlinedBranchReturningOuterValue) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {2});
  ir::Node* n = b.node(OpKind::kIf, "if", {b.constant("k", Tensor::from_vector<bool>({false}, {1}))}, {"y"});
  for (const char* key : {"then_branch", "else_branch"}) {
    auto g = std::make_unique<ir::Graph>();
    g->set_parent(&m.graph);
    g->add_output(x);
    n->subgraphs()[key] = std::move(g);
  }
  b.output(n->output(0));
  Status s = interp::resolve(m);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_EQ(m.graph.nodes()[0]->op(), OpKind::kIdentity);
  EXPECT_EQ(m.graph.outputs()[0]->name(), "y");
  auto out = interp::Interpreter(m.graph).run(std::vector<Tensor>{f32({3, 4}, {2})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].to_float_vector(), (std::vector<float>{3, 4}));
}

TEST(Resolve, InferErrorsNameTheNode) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {2, 3});
  b.output(b.op(OpKind::kAdd, "bad_add", {x, b.input("z", DType::kF32, {4, 5})}));
  Status s = interp::resolve(m);
  EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(s.message().find("bad_add"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace npukit
