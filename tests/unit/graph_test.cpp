// SPDX-License-Identifier: Apache-2.0
// IR invariants: construction, use lists, topo_sort, verify() errors, dump format, op table.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "ir/op_table.h"

namespace npukit::ir {
namespace {

struct TwoReluGraph {
  Graph g;
  Value* x;
  Value* a;
  Value* b;
  Node* n1;
  Node* n2;
  TwoReluGraph() {
    x = g.add_value("x").value();
    x->set_type(DType::kF32, {1, 4});
    g.add_input(x);
    a = g.add_value("a").value();
    b = g.add_value("b").value();
    n1 = g.add_node(OpKind::kRelu, "r1", {x}, {a}).value();
    n2 = g.add_node(OpKind::kRelu, "r2", {a}, {b}).value();
    g.add_output(b);
  }
};

TEST(Graph, UseListsFollowRewiring) {
  TwoReluGraph t;
  EXPECT_EQ(t.a->producer(), t.n1);
  ASSERT_EQ(t.a->users().size(), 1u);
  EXPECT_EQ(t.a->users()[0], t.n2);
  t.g.replace_all_uses(t.a, t.x);
  EXPECT_TRUE(t.a->users().empty());
  EXPECT_EQ(t.x->users().size(), 2u);
  EXPECT_EQ(t.g.remove_dead_nodes(), 1u);  // r1 is now unused
  EXPECT_EQ(t.g.num_nodes(), 1u);
  EXPECT_TRUE(t.g.verify().ok()) << t.g.verify().to_string();
}

TEST(Graph, DuplicateNamesAndDoubleProducersAreErrors) {
  TwoReluGraph t;
  EXPECT_EQ(t.g.add_value("a").status().code(), ErrorCode::kInvalidModel);
  auto st = t.g.add_node(OpKind::kRelu, "r3", {t.x}, {t.a});
  EXPECT_EQ(st.status().code(), ErrorCode::kInvalidModel);
  EXPECT_NE(st.status().message().find("already produced by node 'r1'"), std::string::npos);
  Value* u = t.g.add_unique_value("a");
  EXPECT_EQ(u->name(), "a_1");
}

TEST(Graph, TopoSortRestoresOrderAndFindsCycles) {
  Graph g;
  Value* x = g.add_value("x").value();
  g.add_input(x);
  Value* a = g.add_value("a").value();
  Value* b = g.add_value("b").value();
  // Added out of order: the consumer first.
  ASSERT_TRUE(g.add_node(OpKind::kRelu, "second", {a}, {b}).ok());
  ASSERT_TRUE(g.add_node(OpKind::kRelu, "first", {x}, {a}).ok());
  g.add_output(b);
  Status v = g.verify();
  EXPECT_EQ(v.code(), ErrorCode::kInvalidModel);
  EXPECT_NE(v.message().find("'a' is not defined before use"), std::string::npos) << v.message();
  ASSERT_TRUE(g.topo_sort().ok());
  EXPECT_EQ(g.nodes()[0]->name(), "first");
  EXPECT_TRUE(g.verify().ok());

  Graph c;
  Value* p = c.add_value("p").value();
  Value* q = c.add_value("q").value();
  ASSERT_TRUE(c.add_node(OpKind::kRelu, "n1", {q}, {p}).ok());
  ASSERT_TRUE(c.add_node(OpKind::kRelu, "n2", {p}, {q}).ok());
  c.add_output(q);
  Status cyc = c.topo_sort();
  EXPECT_EQ(cyc.code(), ErrorCode::kInvalidModel);
  EXPECT_NE(cyc.message().find("cycle"), std::string::npos);
}

TEST(Graph, VerifyChecksArityAndTypes) {
  Graph g;
  Value* x = g.add_value("x").value();
  g.add_input(x);
  Value* y = g.add_value("y").value();
  ASSERT_TRUE(g.add_node(OpKind::kAdd, "add", {x}, {y}).ok());  // Add needs 2 inputs
  g.add_output(y);
  Status st = g.verify();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidModel);
  EXPECT_NE(st.message().find("Add 'add': has 1 inputs, expected 2..2"), std::string::npos) << st.message();

  TwoReluGraph t;
  Status typed = t.g.verify(/*require_types=*/true);
  EXPECT_EQ(typed.code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(typed.message().find("'a' has no static type"), std::string::npos);
}

TEST(Graph, DumpIsStableText) {
  TwoReluGraph t;
  t.a->set_type(DType::kF32, {1, 4});
  t.b->set_type(DType::kF32, {1, 4});
  t.n1->origin() = {"onnx_relu_1"};
  Value* c = t.g.add_constant("k", Tensor::from_vector<float>({0.5f, 2.0f}));
  (void)c;
  t.g.set_name("main");
  EXPECT_EQ(dump(t.g),
            "graph main {\n"
            "  input  %x : f32[1,4]\n"
            "  const  %k : f32[2] = {0.5, 2}\n"
            "  %a : f32[1,4] = Relu(%x) name=\"r1\" origin=[\"onnx_relu_1\"]\n"
            "  %b : f32[1,4] = Relu(%a) name=\"r2\"\n"
            "  output %b : f32[1,4]\n"
            "}\n");
}

TEST(OpTable, LookupAndSchema) {
  const OpInfo* conv = find_op("Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->kind, OpKind::kConv);
  EXPECT_EQ(conv->cost, CostClass::kConv);
  EXPECT_EQ(find_op("NoSuchOp"), nullptr);
  EXPECT_EQ(std::string(op_name(OpKind::kLSTM)), "LSTM");
  EXPECT_EQ(all_ops().size(), kNumOps);
  for (const OpInfo& row : all_ops()) {
    EXPECT_LE(row.min_inputs, row.max_inputs) << row.name;
    EXPECT_LE(row.min_outputs, row.max_outputs) << row.name;
    EXPECT_EQ(find_op(row.domain, row.name), &row);
  }
}

TEST(OpTable, NormalizeAttrsFillsDefaultsAndRejectsUnknown) {
  Attrs a;
  ASSERT_TRUE(normalize_attrs(OpKind::kLeakyRelu, "lr", a).ok());
  EXPECT_FLOAT_EQ(a.get_float("alpha", -1.f), 0.01f);
  Attrs bad;
  bad.set("alhpa", 0.1f);
  Status st = normalize_attrs(OpKind::kLeakyRelu, "lr", bad);
  EXPECT_EQ(st.code(), ErrorCode::kUnsupportedAttr);
  EXPECT_NE(st.message().find("LeakyRelu 'lr': unknown attribute 'alhpa'"), std::string::npos) << st.message();
  Attrs typed;
  typed.set("alpha", std::string("x"));
  EXPECT_EQ(normalize_attrs(OpKind::kLeakyRelu, "lr", typed).code(), ErrorCode::kInvalidModel);
  Attrs as_int;
  as_int.set("alpha", int64_t{1});  // int given for a float attribute is converted
  ASSERT_TRUE(normalize_attrs(OpKind::kLeakyRelu, "lr", as_int).ok());
  EXPECT_FLOAT_EQ(as_int.get_float("alpha"), 1.0f);
}

TEST(OpTable, BroadcastAndAxisHelpers) {
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}).value(), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {5}).value(), (Shape{5}));
  EXPECT_EQ(broadcast_shapes({2, 3}, {4, 3}).status().code(), ErrorCode::kShapeMismatch);
  EXPECT_EQ(normalize_axis(-1, 4).value(), 3);
  EXPECT_EQ(normalize_axis(4, 4).status().code(), ErrorCode::kInvalidModel);
}

}  // namespace
}  // namespace npukit::ir
