// SPDX-License-Identifier: Apache-2.0
// Opset → canonical rewrites (one test per rewrite), Constant-node weights, initializers listed as
// inputs, declared types / dim_params, generated names, constant-If folding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "frontend/onnx_builder.h"
#include "frontend/onnx_import.h"

namespace npukit::frontend {
namespace {

using ::testing::HasSubstr;
using namespace testing;
using ir::OpKind;

std::vector<int64_t> const_ints(const ir::Value* v) {
  EXPECT_TRUE(v && v->is_constant());
  return v && v->is_constant() ? v->const_value()->to_int64_vector() : std::vector<int64_t>{};
}

ir::Model parse_ok(const OnnxBuilder& b) {
  auto m = b.parse();
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return ir::Model();
  return std::move(m).value();
}

TEST(FrontendCanonical, SqueezeUnsqueezeAxesAttrBecomesInput) {
  OnnxBuilder b(11);
  b.input("x", {1, 3, 1});
  attr_ints(b.node("Squeeze", "sq", {"x"}, {"s"}), "axes", {0, 2});
  attr_ints(b.node("Unsqueeze", "usq", {"s"}, {"y"}), "axes", {1});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* sq = find_node(m.graph, OpKind::kSqueeze);
  ASSERT_TRUE(sq);
  ASSERT_EQ(sq->num_inputs(), 2u);
  EXPECT_EQ(const_ints(sq->input(1)), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(sq->input(1)->const_value()->dtype(), DType::kI64);
  EXPECT_FALSE(sq->attrs().has("axes"));
  ir::Node* usq = find_node(m.graph, OpKind::kUnsqueeze);
  ASSERT_TRUE(usq);
  EXPECT_EQ(const_ints(usq->input(1)), (std::vector<int64_t>{1}));
  EXPECT_EQ(usq->input(1)->shape(), (Shape{1}));
}

TEST(FrontendCanonical, Opset13SqueezeIsUnchanged) {
  OnnxBuilder b(13);
  b.input("x", {1, 3});
  b.init_i64("ax", {1}, {0});
  b.node("Squeeze", "sq", {"x", "ax"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* sq = find_node(m.graph, OpKind::kSqueeze);
  ASSERT_TRUE(sq);
  EXPECT_EQ(sq->input(1)->name(), "ax");
}

TEST(FrontendCanonical, SplitAttrBecomesInput) {
  OnnxBuilder b(11);
  b.input("x", {6});
  auto* n = b.node("Split", "sp", {"x"}, {"a", "b"});
  attr_ints(n, "split", {2, 4});
  attr_i(n, "axis", 0);
  b.output("a");
  b.output("b");
  ir::Model m = parse_ok(b);
  ir::Node* sp = find_node(m.graph, OpKind::kSplit);
  ASSERT_TRUE(sp);
  EXPECT_EQ(const_ints(sp->input(1)), (std::vector<int64_t>{2, 4}));
  EXPECT_FALSE(sp->attrs().has("split"));
  EXPECT_EQ(sp->num_outputs(), 2u);
}

TEST(FrontendCanonical, Split18NumOutputs) {
  OnnxBuilder b(18);
  b.input("x", {6});
  b.input("z", {7});
  attr_i(b.node("Split", "even", {"x"}, {"a", "b", "c"}), "num_outputs", 3);
  attr_i(b.node("Split", "uneven", {"z"}, {"d", "e", "f"}), "num_outputs", 3);
  for (auto o : {"a", "b", "c", "d", "e", "f"}) b.output(o);
  ir::Model m = parse_ok(b);
  for (ir::Node* n : m.graph.nodes()) {
    EXPECT_FALSE(n->attrs().has("num_outputs"));
    if (n->name() == "even") {
      EXPECT_EQ(n->num_inputs(), 1u);  // equal split is the canonical default
    }
    // 7 in 3 chunks: opset 18 gives ceil(7/3)=3, 3, 1
    if (n->name() == "uneven") {
      EXPECT_EQ(const_ints(n->input(1)), (std::vector<int64_t>{3, 3, 1}));
    }
  }
}

TEST(FrontendCanonical, ReduceSumAxesAttrBecomesInput) {
  OnnxBuilder b(11);
  b.input("x", {2, 3});
  auto* n = b.node("ReduceSum", "rs", {"x"}, {"y"});
  attr_ints(n, "axes", {1});
  attr_i(n, "keepdims", 0);
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* rs = find_node(m.graph, OpKind::kReduceSum);
  ASSERT_TRUE(rs);
  EXPECT_EQ(const_ints(rs->input(1)), (std::vector<int64_t>{1}));
  EXPECT_EQ(rs->attrs().get_int("keepdims"), 0);
}

TEST(FrontendCanonical, ReduceMean18AxesInputBecomesAttr) {
  OnnxBuilder b(18);
  b.input("x", {2, 3});
  b.init_i64("axes", {1}, {-1});
  b.node("ReduceMean", "rm", {"x", "axes"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* rm = find_node(m.graph, OpKind::kReduceMean);
  ASSERT_TRUE(rm);
  EXPECT_EQ(rm->num_inputs(), 1u);
  EXPECT_EQ(rm->attrs().get_ints("axes"), (std::vector<int64_t>{-1}));
  EXPECT_FALSE(rm->attrs().has("noop_with_empty_axes"));
}

TEST(FrontendCanonical, ReduceMean18NonConstantAxesIsRejected) {
  OnnxBuilder b(18);
  b.input("x", {2, 3});
  b.input("axes", {1}, TP::INT64);
  b.node("ReduceMean", "rm", {"x", "axes"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("ReduceMean 'rm': input 'axes'"));
}

TEST(FrontendCanonical, ClipAttrsBecomeInputs) {
  OnnxBuilder b(7);
  b.input("x", {4});
  auto* n = b.node("Clip", "c", {"x"}, {"y"});
  attr_f(n, "min", 0.f);
  attr_f(n, "max", 6.f);
  attr_f(b.node("Clip", "c_max_only", {"y"}, {"z"}), "max", 2.f);
  b.output("z");
  ir::Model m = parse_ok(b);
  for (ir::Node* c : m.graph.nodes()) {
    EXPECT_EQ(c->attrs().size(), 0u);
    if (c->name() == "c") {
      ASSERT_EQ(c->num_inputs(), 3u);
      EXPECT_EQ(c->input(1)->const_value()->to_float_vector(), (std::vector<float>{0.f}));
      EXPECT_EQ(c->input(2)->const_value()->to_float_vector(), (std::vector<float>{6.f}));
      EXPECT_EQ(c->input(1)->shape(), Shape{});  // scalars
    } else {
      ASSERT_EQ(c->num_inputs(), 3u);
      EXPECT_EQ(c->input(1), nullptr);  // min absent
      EXPECT_EQ(c->input(2)->const_value()->to_float_vector(), (std::vector<float>{2.f}));
    }
  }
}

TEST(FrontendCanonical, Slice9AttrsBecomeInputs) {
  OnnxBuilder b(9);
  b.input("x", {4, 4});
  auto* n = b.node("Slice", "sl", {"x"}, {"y"});
  attr_ints(n, "starts", {1});
  attr_ints(n, "ends", {3});
  attr_ints(n, "axes", {1});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* sl = find_node(m.graph, OpKind::kSlice);
  ASSERT_TRUE(sl);
  ASSERT_EQ(sl->num_inputs(), 4u);
  EXPECT_EQ(const_ints(sl->input(1)), (std::vector<int64_t>{1}));
  EXPECT_EQ(const_ints(sl->input(2)), (std::vector<int64_t>{3}));
  EXPECT_EQ(const_ints(sl->input(3)), (std::vector<int64_t>{1}));
}

TEST(FrontendCanonical, Pad2AttrsBecomeInputs) {
  OnnxBuilder b(9);
  b.input("x", {2, 2});
  auto* n = b.node("Pad", "pd", {"x"}, {"y"});
  attr_ints(n, "pads", {0, 1, 0, 1});
  attr_f(n, "value", 1.5f);
  attr_s(n, "mode", "constant");
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* pd = find_node(m.graph, OpKind::kPad);
  ASSERT_TRUE(pd);
  ASSERT_EQ(pd->num_inputs(), 3u);
  EXPECT_EQ(const_ints(pd->input(1)), (std::vector<int64_t>{0, 1, 0, 1}));
  EXPECT_EQ(pd->input(2)->const_value()->to_float_vector(), (std::vector<float>{1.5f}));
  EXPECT_EQ(pd->attrs().get_string("mode"), "constant");
  EXPECT_FALSE(pd->attrs().has("pads"));
}

TEST(FrontendCanonical, Pad18AxesExpandToFullRank) {
  OnnxBuilder b(18);
  b.input("x", {2, 3, 4});
  b.init_i64("pads", {2}, {1, 2});
  b.init_i64("axes", {1}, {-1});
  b.node("Pad", "pd", {"x", "pads", "", "axes"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* pd = find_node(m.graph, OpKind::kPad);
  ASSERT_TRUE(pd);
  EXPECT_EQ(pd->num_inputs(), 2u);
  EXPECT_EQ(const_ints(pd->input(1)), (std::vector<int64_t>{0, 0, 1, 0, 0, 2}));
}

TEST(FrontendCanonical, Upsample7AttrScalesToResize) {
  OnnxBuilder b(7);
  b.input("x", {1, 1, 2, 2});
  auto* n = b.node("Upsample", "up", {"x"}, {"y"});
  attr_floats(n, "scales", {1.f, 1.f, 2.f, 2.f});
  attr_s(n, "mode", "nearest");
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* r = find_node(m.graph, OpKind::kResize);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->num_inputs(), 3u);
  EXPECT_EQ(r->input(1), nullptr);  // roi absent
  EXPECT_EQ(r->input(2)->const_value()->to_float_vector(), (std::vector<float>{1.f, 1.f, 2.f, 2.f}));
  EXPECT_EQ(r->attrs().get_string("mode"), "nearest");
  EXPECT_EQ(r->attrs().get_string("coordinate_transformation_mode"), "asymmetric");
  EXPECT_EQ(r->attrs().get_string("nearest_mode"), "floor");
  EXPECT_EQ(r->origin(), (std::vector<std::string>{"up"}));
}

TEST(FrontendCanonical, Upsample9InputScalesToResize) {
  OnnxBuilder b(9);
  b.input("x", {1, 1, 2, 2});
  b.init_f32("sc", {4}, {1.f, 1.f, 2.f, 3.f});
  attr_s(b.node("Upsample", "up", {"x", "sc"}, {"y"}), "mode", "linear");
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* r = find_node(m.graph, OpKind::kResize);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->input(2)->name(), "sc");
  EXPECT_EQ(r->attrs().get_string("mode"), "linear");
}

TEST(FrontendCanonical, Resize10ScalesMoveToSlot2) {
  OnnxBuilder b(10);
  b.input("x", {1, 1, 2, 2});
  b.init_f32("sc", {4}, {1.f, 1.f, 2.f, 2.f});
  b.node("Resize", "rz", {"x", "sc"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* r = find_node(m.graph, OpKind::kResize);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->num_inputs(), 3u);
  EXPECT_EQ(r->input(1), nullptr);
  EXPECT_EQ(r->input(2)->name(), "sc");
  EXPECT_EQ(r->attrs().get_string("coordinate_transformation_mode"), "asymmetric");
}

TEST(FrontendCanonical, Resize18AntialiasRejected) {
  OnnxBuilder b(18);
  b.input("x", {1, 1, 2, 2});
  b.init_f32("sc", {4}, {1.f, 1.f, 2.f, 2.f});
  attr_i(b.node("Resize", "rz", {"x", "", "sc"}, {"y"}), "antialias", 1);
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("Resize 'rz': attribute 'antialias' = 1"));
}

OnnxBuilder bn_model(int opset) {
  OnnxBuilder b(opset);
  b.input("x", {1, 2, 2, 2});
  for (auto n : {"s", "bias", "mean", "var"}) b.init_f32(n, {2}, {1.f, 1.f});
  return b;
}

TEST(FrontendCanonical, BatchNorm7SpatialDroppedAndUnusedStatsRemoved) {
  OnnxBuilder b = bn_model(7);
  auto* n = b.node("BatchNormalization", "bn", {"x", "s", "bias", "mean", "var"}, {"y", "rm", "rv"});
  attr_i(n, "spatial", 1);
  attr_f(n, "epsilon", 1e-3f);
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* bn = find_node(m.graph, OpKind::kBatchNormalization);
  ASSERT_TRUE(bn);
  EXPECT_EQ(bn->num_outputs(), 1u);
  EXPECT_FALSE(bn->attrs().has("spatial"));
  EXPECT_FLOAT_EQ(bn->attrs().get_float("epsilon"), 1e-3f);
  EXPECT_EQ(m.graph.find_value("rm"), nullptr);
}

TEST(FrontendCanonical, BatchNormUsedTrainingOutputIsError) {
  OnnxBuilder b = bn_model(9);
  b.node("BatchNormalization", "bn", {"x", "s", "bias", "mean", "var"}, {"y", "rm"});
  b.output("y");
  b.output("rm");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("BatchNormalization 'bn': output 1 'rm'"));
}

TEST(FrontendCanonical, DropoutMaskDroppedWhenUnused) {
  OnnxBuilder b(7);
  b.input("x", {4});
  attr_f(b.node("Dropout", "dr", {"x"}, {"y", "mask"}), "ratio", 0.3f);
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* d = find_node(m.graph, OpKind::kDropout);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->num_outputs(), 1u);
  EXPECT_FALSE(d->attrs().has("ratio"));
}

TEST(FrontendCanonical, DropoutMaskUsedIsKept) {
  // In inference the mask is all true; a model that reads it keeps the second output.
  OnnxBuilder b(7);
  b.input("x", {4});
  b.node("Dropout", "dr", {"x"}, {"y", "mask"});
  b.node("Not", "n", {"mask"}, {"z"});
  b.output("y");
  b.output("z");
  ir::Model m = parse_ok(b);
  ir::Node* d = find_node(m.graph, OpKind::kDropout);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->num_outputs(), 2u);
  EXPECT_EQ(d->output(1)->name(), "mask");
}

TEST(FrontendCanonical, DropoutTrainingModeConstantTrueIsError) {
  OnnxBuilder b(13);
  b.input("x", {4});
  b.init_f32("ratio", {}, {0.5f});
  auto* t = b.m.mutable_graph()->add_initializer();
  t->set_name("tm");
  t->set_data_type(onnx::TensorProto::BOOL);
  t->add_int32_data(1);
  b.node("Dropout", "dr", {"x", "ratio", "tm"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("Dropout 'dr': input 'training_mode' is true"));
}

TEST(FrontendCanonical, Softmax11InnerAxisRewrittenWithFlattenReshape) {
  OnnxBuilder b(11);
  b.input("x", {1, 10, 2, 2});
  b.node("Softmax", "sm", {"x"}, {"y"});  // old default axis = 1 on a rank-4 input
  b.output("y");
  ir::Model m = parse_ok(b);
  auto nodes = m.graph.nodes();
  ASSERT_EQ(nodes.size(), 4u) << ir::dump(m.graph);
  ir::Node* shape = find_node(m.graph, OpKind::kShape);
  ir::Node* flat = find_node(m.graph, OpKind::kFlatten);
  ir::Node* sm = find_node(m.graph, OpKind::kSoftmax);
  ir::Node* rs = find_node(m.graph, OpKind::kReshape);
  ASSERT_TRUE(shape && flat && sm && rs);
  EXPECT_EQ(flat->attrs().get_int("axis"), 1);
  EXPECT_EQ(sm->attrs().get_int("axis"), 1);
  EXPECT_EQ(sm->input(0), flat->output(0));
  EXPECT_EQ(rs->input(0), sm->output(0));
  EXPECT_EQ(rs->input(1), shape->output(0));
  EXPECT_EQ(rs->output(0)->name(), "y");
  EXPECT_EQ(sm->name(), "sm");
  for (ir::Node* n : nodes) EXPECT_EQ(n->origin(), (std::vector<std::string>{"sm"}));
}

TEST(FrontendCanonical, Softmax11LastAxisKeptAsIs) {
  OnnxBuilder b(11);
  b.input("x", {2, 5});
  b.node("LogSoftmax", "a", {"x"}, {"y"});  // axis 1 == last axis of a rank-2 input
  attr_i(b.node("Softmax", "b", {"y"}, {"z"}), "axis", -1);
  b.output("z");
  ir::Model m = parse_ok(b);
  ASSERT_EQ(m.graph.num_nodes(), 2u);
  EXPECT_EQ(find_node(m.graph, OpKind::kLogSoftmax)->attrs().get_int("axis"), 1);
  EXPECT_EQ(find_node(m.graph, OpKind::kSoftmax)->attrs().get_int("axis"), -1);
}

TEST(FrontendCanonical, Softmax13Unchanged) {
  OnnxBuilder b(13);
  b.input("x", {1, 10, 2, 2});
  b.node("Softmax", "sm", {"x"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ASSERT_EQ(m.graph.num_nodes(), 1u);
  EXPECT_EQ(find_node(m.graph, OpKind::kSoftmax)->attrs().get_int("axis"), -1);  // opset-13 default filled
}

TEST(FrontendCanonical, DefaultsAreFilled) {
  OnnxBuilder b(13);
  b.input("a", {2, 3});
  b.input("bm", {3, 4});
  b.node("Gemm", "gm", {"a", "bm"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* g = find_node(m.graph, OpKind::kGemm);
  ASSERT_TRUE(g);
  EXPECT_FLOAT_EQ(g->attrs().get_float("alpha"), 1.f);
  EXPECT_EQ(g->attrs().get_int("transB"), 0);
  EXPECT_TRUE(g->attrs().has("transA"));
}

// ---- constants, inputs, names, types ----

TEST(FrontendImport, ConstantNodesBecomeConstantValues) {
  OnnxBuilder b(13);
  b.input("x", {2});
  fill_f32(attr_t(b.node("Constant", "c_w", {}, {"w"}), "value"), "", {2}, {0.5f, 2.f});
  attr_f(b.node("Constant", "c_f", {}, {"f"}), "value_float", 3.f);
  attr_ints(b.node("Constant", "c_is", {}, {"is"}), "value_ints", {1, 2, 3});
  attr_i(b.node("Constant", "c_i", {}, {"i"}), "value_int", 7);
  b.node("Mul", "mul", {"x", "w"}, {"y"});
  b.node("Add", "add", {"y", "f"}, {"z"});
  b.node("Unsqueeze", "uq", {"z", "is"}, {"u"});
  b.node("Reshape", "rs", {"u", "i"}, {"r"});
  b.output("r");
  ir::Model m = parse_ok(b);
  EXPECT_EQ(count_nodes(m.graph, OpKind::kConstant), 0u);
  const ir::Value* w = m.graph.find_value("w");
  ASSERT_TRUE(w && w->is_constant());
  EXPECT_EQ(w->const_value()->to_float_vector(), (std::vector<float>{0.5f, 2.f}));
  const ir::Value* f = m.graph.find_value("f");
  ASSERT_TRUE(f && f->is_constant());
  EXPECT_EQ(f->shape(), Shape{});
  EXPECT_EQ(f->dtype(), DType::kF32);
  EXPECT_EQ(const_ints(m.graph.find_value("is")), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(m.graph.find_value("is")->shape(), Shape{3});
  EXPECT_EQ(m.graph.find_value("i")->dtype(), DType::kI64);
  EXPECT_EQ(m.graph.find_value("i")->shape(), Shape{});
}

TEST(FrontendImport, InitializersListedAsInputsBecomeConstants) {
  OnnxBuilder b(8);
  b.input("x", {2});
  b.input("w", {2});  // old-opset style: initializer also declared as input
  b.init_f32("w", {2}, {1.f, 2.f});
  b.node("Add", "add", {"x", "w"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ASSERT_EQ(m.graph.inputs().size(), 1u);
  EXPECT_EQ(m.graph.inputs()[0]->name(), "x");
  const ir::Value* w = m.graph.find_value("w");
  ASSERT_TRUE(w && w->is_constant());
  EXPECT_FALSE(w->is_graph_input());
}

TEST(FrontendImport, TypedDataFieldsAllDtypes) {
  OnnxBuilder b(13);
  b.input("x", {2});
  auto add = [&](const std::string& name, int32_t type) {
    auto* t = b.g->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    t->add_dims(2);
    return t;
  };
  auto* h = add("h", TP::FLOAT16);
  h->add_int32_data(0x3C00);  // 1.0
  h->add_int32_data(0xC000);  // -2.0
  auto* bo = add("bo", TP::BOOL);
  bo->add_int32_data(1);
  bo->add_int32_data(0);
  auto* d = add("d", TP::DOUBLE);
  d->add_double_data(0.25);
  d->add_double_data(-1e300);
  auto* i8 = add("i8", TP::INT8);
  i8->add_int32_data(-128);
  i8->add_int32_data(127);
  auto* u64 = add("u64", TP::UINT64);
  u64->add_uint64_data(1);
  u64->add_uint64_data(uint64_t{1} << 63);
  auto* rawb = add("rawb", TP::BOOL);
  rawb->set_raw_data(std::string("\x00\x01", 2));
  // Use every initializer so they are kept.
  std::vector<std::string> ins = {"x", "h", "bo", "d", "i8", "u64", "rawb"};
  b.node("Relu", "keep", {"x"}, {"y"});
  for (size_t i = 1; i < ins.size(); ++i) b.node("Identity", "id_" + ins[i], {ins[i]}, {ins[i] + "_out"});
  b.output("y");
  for (size_t i = 1; i < ins.size(); ++i) b.output(ins[i] + "_out");
  ir::Model m = parse_ok(b);
  const Tensor* ht = m.graph.find_value("h")->const_value();
  EXPECT_EQ(ht->dtype(), DType::kF16);
  EXPECT_EQ(f16_to_f32(ht->data<uint16_t>()[0]), 1.f);
  EXPECT_EQ(f16_to_f32(ht->data<uint16_t>()[1]), -2.f);
  const Tensor* bt = m.graph.find_value("bo")->const_value();
  EXPECT_EQ(bt->dtype(), DType::kBool);
  EXPECT_EQ(bt->data<uint8_t>()[0], 1);
  EXPECT_EQ(bt->data<uint8_t>()[1], 0);
  const Tensor* dt = m.graph.find_value("d")->const_value();
  EXPECT_EQ(dt->data<double>()[1], -1e300);
  EXPECT_EQ(m.graph.find_value("i8")->const_value()->data<int8_t>()[0], -128);
  EXPECT_EQ(m.graph.find_value("u64")->const_value()->data<uint64_t>()[1], uint64_t{1} << 63);
  EXPECT_EQ(m.graph.find_value("rawb")->const_value()->data<uint8_t>()[1], 1);
}

TEST(FrontendImport, DeclaredTypesAndDimParams) {
  OnnxBuilder b(13);
  b.input("x", {-1, 3, -1}, TP::FLOAT, {"batch", "", ""});
  b.node("Relu", "", {"x"}, {"y"});
  b.node("Relu", "", {"y"}, {"z"});
  b.output("z", {-1, 3, 4});
  auto* vi = b.g->add_value_info();
  vi->set_name("y");
  set_type(vi, TP::FLOAT, {-1, 3, 4}, {"batch"});
  ir::Model m = parse_ok(b);
  const ir::Value* x = m.graph.inputs()[0];
  EXPECT_EQ(x->dtype(), DType::kF32);
  EXPECT_EQ(x->shape(), (Shape{-1, 3, -1}));
  EXPECT_EQ(x->dim_params, (std::vector<std::string>{"batch", "", ""}));
  EXPECT_EQ(m.graph.find_value("y")->shape(), (Shape{-1, 3, 4}));
  EXPECT_EQ(m.graph.find_value("z")->shape(), (Shape{-1, 3, 4}));
  // Generated names "<OpType>_<index>", origin = generated name.
  auto nodes = m.graph.nodes();
  EXPECT_EQ(nodes[0]->name(), "Relu_0");
  EXPECT_EQ(nodes[1]->name(), "Relu_1");
  EXPECT_EQ(nodes[1]->origin(), (std::vector<std::string>{"Relu_1"}));
}

TEST(FrontendImport, MetadataKept) {
  OnnxBuilder b(13);
  b.m.set_producer_version("1.2");
  b.m.set_doc_string("doc");
  auto* p = b.m.add_metadata_props();
  p->set_key("author");
  p->set_value("me");
  b.input("x", {2});
  b.node("Relu", "r", {"x"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  EXPECT_EQ(m.ir_version, 7);
  EXPECT_EQ(m.opset, 13);
  EXPECT_EQ(m.producer_name, "npukit-test");
  EXPECT_EQ(m.producer_version, "1.2");
  EXPECT_EQ(m.doc_string, "doc");
  EXPECT_EQ(m.metadata.at("author"), "me");
}

// ---- If ----

// then: y = x + one (outer-scope x, branch constant); else: y = Neg(x)
OnnxBuilder if_model(bool cond_constant, bool cond_value) {
  OnnxBuilder b(13);
  b.input("x", {2});
  if (cond_constant) {
    auto* t = b.g->add_initializer();
    t->set_name("cond");
    t->set_data_type(TP::BOOL);
    t->add_int32_data(cond_value ? 1 : 0);
  } else {
    b.input("cond", {}, TP::BOOL);
  }
  auto* n = b.node("If", "if", {"cond"}, {"y"});
  onnx::GraphProto* th = attr_g(n, "then_branch");
  th->set_name("then");
  fill_f32(th->add_initializer(), "one", {1}, {1.f});
  add_node(th, "Add", "then_add", {"x", "one"}, {"t_out"});
  add_node(th, "Relu", "then_relu", {"t_out"}, {"t_out2"});
  th->add_output()->set_name("t_out2");
  onnx::GraphProto* el = attr_g(n, "else_branch");
  el->set_name("else");
  add_node(el, "Neg", "else_neg", {"x"}, {"e_out"});
  el->add_output()->set_name("e_out");
  b.node("Relu", "after", {"y"}, {"z"});
  b.output("z");
  return b;
}

TEST(FrontendIf, ConstantTrueInlinesThenBranch) {
  ir::Model m = parse_ok(if_model(true, true));
  EXPECT_EQ(count_nodes(m.graph, OpKind::kIf), 0u) << ir::dump(m.graph);
  ir::Node* add = find_node(m.graph, OpKind::kAdd);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->input(0)->name(), "x");
  ASSERT_TRUE(add->input(1)->is_constant());
  EXPECT_EQ(add->input(1)->const_value()->to_float_vector(), (std::vector<float>{1.f}));
  EXPECT_EQ(add->origin(), (std::vector<std::string>{"then_add"}));
  // The branch output takes the If output's name, so downstream users are untouched.
  ir::Node* after = nullptr;
  for (ir::Node* n : m.graph.nodes())
    if (n->name() == "after") after = n;
  ASSERT_TRUE(after);
  EXPECT_EQ(after->input(0)->name(), "y");
  EXPECT_EQ(after->input(0)->producer()->name(), "then_relu");
  EXPECT_EQ(count_nodes(m.graph, OpKind::kNeg), 0u);
  EXPECT_EQ(m.graph.find_value("cond"), nullptr);  // condition constant no longer used
  EXPECT_TRUE(m.graph.verify().ok());
}

TEST(FrontendIf, ConstantFalseInlinesElseBranch) {
  ir::Model m = parse_ok(if_model(true, false));
  EXPECT_EQ(count_nodes(m.graph, OpKind::kIf), 0u);
  ir::Node* neg = find_node(m.graph, OpKind::kNeg);
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg->output(0)->name(), "y");
  EXPECT_EQ(count_nodes(m.graph, OpKind::kAdd), 0u);
}

TEST(FrontendIf, RuntimeConditionKeepsSubgraphs) {
  ir::Model m = parse_ok(if_model(false, false));
  ir::Node* ifn = find_node(m.graph, OpKind::kIf);
  ASSERT_TRUE(ifn);
  ASSERT_EQ(ifn->subgraphs().size(), 2u);
  const ir::Graph& th = *ifn->subgraphs().at("then_branch");
  EXPECT_EQ(th.parent(), &m.graph);
  ir::Node* add = find_node(th, OpKind::kAdd);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->input(0), m.graph.find_value("x"));  // outer-scope read resolved to the parent's value
  EXPECT_EQ(add->input(1)->owner(), &th);
}

TEST(FrontendIf, BranchReturningOuterValue) {
  OnnxBuilder b(13);
  b.input("x", {2});
  b.input("c", {}, TP::BOOL);
  auto* n = b.node("If", "if", {"c"}, {"y"});
  auto* th = attr_g(n, "then_branch");
  th->add_output()->set_name("x");  // returns the outer value directly
  auto* el = attr_g(n, "else_branch");
  add_node(el, "Neg", "neg", {"x"}, {"e"});
  el->add_output()->set_name("e");
  b.output("y");
  ir::Model m = parse_ok(b);
  const ir::Graph& tg = *find_node(m.graph, OpKind::kIf)->subgraphs().at("then_branch");
  ASSERT_EQ(tg.outputs().size(), 1u);
  EXPECT_EQ(tg.outputs()[0]->owner(), &tg);
  EXPECT_FALSE(m.graph.find_value("x")->is_graph_output());
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;
using ir::OpKind;

TEST(FrontendImport, AbsentMiddleOutputGetsPlaceholderAndTrailingIsDropped) {
  OnnxBuilder b(14);
  b.input("x", {1, 1, 2});
  b.init_f32("W", {1, 4, 2}, std::vector<float>(8, 0.f));
  b.init_f32("R", {1, 4, 1}, std::vector<float>(4, 0.f));
  attr_i(b.node("LSTM", "lstm", {"x", "W", "R"}, {"", "yh", ""}), "hidden_size", 1);
  b.output("yh");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ir::Node* l = find_node(m->graph, OpKind::kLSTM);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->num_outputs(), 2u);
  EXPECT_EQ(l->output(0)->name(), "lstm_unused_output0");
  EXPECT_EQ(l->output(1)->name(), "yh");
}

TEST(FrontendImport, DuplicateNodeNamesAreMadeUnique) {
  OnnxBuilder b(13);
  b.input("x", {2});
  b.node("Relu", "same", {"x"}, {"a"});
  b.node("Neg", "same", {"a"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  auto nodes = m->graph.nodes();
  EXPECT_EQ(nodes[0]->name(), "same");
  EXPECT_EQ(nodes[1]->name(), "same_1");
  EXPECT_EQ(nodes[1]->origin(), (std::vector<std::string>{"same"}));
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;
using ir::OpKind;

TEST(FrontendCanonical, LayerNormUnusedStatsDroppedUsedStatsKept) {
  for (bool used : {false, true}) {
    OnnxBuilder b(17);
    b.input("x", {2, 4});
    b.init_f32("s", {4}, {1, 1, 1, 1});
    b.node("LayerNormalization", "ln", {"x", "s"}, {"y", "mean", "istd"});
    b.output("y");
    if (used) b.output("istd");
    auto m = b.parse();
    if (!used) {
      ASSERT_TRUE(m.ok()) << m.status().to_string();
      EXPECT_EQ(find_node(m->graph, OpKind::kLayerNormalization)->num_outputs(), 1u);
    } else {
      // InvStdDev is read: all three outputs stay (Mean unused in the middle keeps its slot).
      ASSERT_TRUE(m.ok()) << m.status().to_string();
      ir::Node* ln = find_node(m->graph, OpKind::kLayerNormalization);
      ASSERT_EQ(ln->num_outputs(), 3u);
      EXPECT_EQ(ln->output(2)->name(), "istd");
    }
  }
}

TEST(FrontendImport, GraphWithOnlyInitializerOutputIsAccepted) {
  OnnxBuilder b(13);
  fill_f32(attr_t(b.node("Constant", "c", {}, {"v"}), "value"), "", {2}, {1.f, 2.f});
  b.output("v");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.num_nodes(), 0u);
  ASSERT_EQ(m->graph.outputs().size(), 1u);
  EXPECT_TRUE(m->graph.outputs()[0]->is_constant());
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;
using ir::OpKind;

TEST(FrontendCanonical, ReduceMax18NoopWithEmptyAxesIsIdentity) {
  OnnxBuilder b(18);
  b.input("x", {2, 3});
  attr_i(b.node("ReduceMax", "rm", {"x"}, {"y"}), "noop_with_empty_axes", 1);
  b.node("ReduceMin", "rmin", {"x"}, {"z"});  // no axes, noop 0: reduce over all axes
  b.output("y");
  b.output("z");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ir::Node* id = find_node(m->graph, OpKind::kIdentity);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->name(), "rm");
  EXPECT_EQ(count_nodes(m->graph, OpKind::kReduceMax), 0u);
  ir::Node* rmin = find_node(m->graph, OpKind::kReduceMin);
  ASSERT_TRUE(rmin);
  EXPECT_FALSE(rmin->attrs().has("axes"));
  EXPECT_FALSE(rmin->attrs().has("noop_with_empty_axes"));
}

TEST(FrontendCanonical, Resize18DefaultPolicyAttrsAccepted) {
  OnnxBuilder b(18);
  b.input("x", {1, 1, 2, 2});
  b.init_f32("sc", {4}, {1.f, 1.f, 2.f, 2.f});
  auto* n = b.node("Resize", "rz", {"x", "", "sc"}, {"y"});
  attr_i(n, "antialias", 0);
  attr_s(n, "keep_aspect_ratio_policy", "stretch");
  b.output("y");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ir::Node* r = find_node(m->graph, OpKind::kResize);
  EXPECT_FALSE(r->attrs().has("antialias"));
  EXPECT_FALSE(r->attrs().has("keep_aspect_ratio_policy"));
  EXPECT_EQ(r->input(2)->name(), "sc");
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using ir::OpKind;

TEST(FrontendCanonical, Opset6LegacyBroadcastWithAxisBecomesNumpyBroadcast) {
  // Add-6 with broadcast=1, axis=1: B [3] matches A [2,3,4] at dim 1 → B gets one trailing unit dim.
  OnnxBuilder b(6);
  b.input("a", {2, 3, 4});
  b.init_f32("b", {3}, {1, 2, 3});
  auto* n = b.node("Add", "add", {"a", "b"}, {"y"});
  attr_i(n, "broadcast", 1);
  attr_i(n, "axis", 1);
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* add = find_node(m.graph, OpKind::kAdd);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->attrs().size(), 0u);
  ir::Node* uq = add->input(1)->producer();
  ASSERT_TRUE(uq);
  EXPECT_EQ(uq->op(), OpKind::kUnsqueeze);
  EXPECT_EQ(uq->input(1)->const_value()->to_int64_vector(), (std::vector<int64_t>{1}));
}

TEST(FrontendCanonical, Opset6PReluSlopeIsPerChannel) {
  OnnxBuilder b(6);
  b.input("x", {2, 3, 4, 5});
  b.init_f32("s", {3}, {0.1f, 0.2f, 0.3f});
  b.node("PRelu", "pr", {"x", "s"}, {"y"});
  b.output("y");
  ir::Model m = parse_ok(b);
  ir::Node* pr = find_node(m.graph, OpKind::kPRelu);
  ASSERT_TRUE(pr && pr->input(1)->producer());
  EXPECT_EQ(pr->input(1)->producer()->input(1)->const_value()->to_int64_vector(), (std::vector<int64_t>{1, 2}));
}

TEST(FrontendCanonical, Opset6LegacyBroadcastNeedsKnownRanks) {
  OnnxBuilder b(6);
  b.input("a", {2, 3, 4});
  b.node("Relu", "r", {"a"}, {"t"});  // untyped intermediate
  b.init_f32("b", {3}, {1, 2, 3});
  auto* n = b.node("Add", "add", {"b", "t"}, {"y"});
  attr_i(n, "broadcast", 1);
  attr_i(n, "axis", 0);
  b.output("y");
  auto r = b.parse();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("Add 'add': legacy broadcast with axis=0 needs the ranks"));
}

}  // namespace
}  // namespace npukit::frontend
