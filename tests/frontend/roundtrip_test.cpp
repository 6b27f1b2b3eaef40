// SPDX-License-Identifier: Apache-2.0
// Export: import → export → import preserves the graph (dump text, constants bit for bit,
// provenance); exported files pass onnx.checker; every real model in ../shared/models imports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "frontend/onnx_builder.h"
#include "frontend/onnx_export.h"
#include "frontend/onnx_import.h"

namespace npukit::frontend {
namespace {

using ::testing::HasSubstr;
using namespace testing;
namespace fs = std::filesystem;

// Constants of two graphs (recursively) are identical by name, dtype, shape and bytes.
void expect_same_constants(const ir::Graph& a, const ir::Graph& b) {
  for (const ir::Value* v : a.values()) {
    if (!v->is_constant()) continue;
    const ir::Value* w = b.find_value(v->name());
    ASSERT_TRUE(w && w->is_constant()) << v->name();
    EXPECT_TRUE(v->const_value()->bit_equal(*w->const_value())) << v->name();
  }
  auto an = a.nodes(), bn = b.nodes();
  ASSERT_EQ(an.size(), bn.size());
  for (size_t i = 0; i < an.size(); ++i)
    for (const auto& [k, sg] : an[i]->subgraphs()) expect_same_constants(*sg, *bn[i]->subgraphs().at(k));
}

// import(export(m)) has the same dump; a second export is byte-identical to the first.
void expect_round_trip(const ir::Model& m) {
  auto bytes = serialize_onnx(m);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto m2 = parse_onnx(*bytes, "exported.onnx", ".");
  ASSERT_TRUE(m2.ok()) << m2.status().to_string();
  EXPECT_EQ(ir::dump(m.graph), ir::dump(m2->graph));
  expect_same_constants(m.graph, m2->graph);
  EXPECT_EQ(m2->opset, ir::kCanonicalOpset);
  EXPECT_EQ(m2->ir_version, 8);
  EXPECT_EQ(m2->producer_name, m.producer_name.empty() ? "npukit" : m.producer_name);
  EXPECT_EQ(m2->metadata, m.metadata);
  auto bytes2 = serialize_onnx(*m2);
  ASSERT_TRUE(bytes2.ok());
  EXPECT_TRUE(*bytes == *bytes2) << "second export differs from the first";
}

ir::Model parse_ok(const OnnxBuilder& b) {
  auto m = b.parse();
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return ir::Model();
  return std::move(m).value();
}

TEST(FrontendRoundTrip, CanonicalisedOldOpsetModel) {
  OnnxBuilder b(9);
  b.input("x", {-1, 3, 4, 4}, TP::FLOAT, {"N"});
  b.init_f32("w", {3, 3, 1, 1}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  auto* conv = b.node("Conv", "conv", {"x", "w"}, {"c"});
  attr_ints(conv, "kernel_shape", {1, 1});
  auto* cl = b.node("Clip", "", {"c"}, {"cl"});
  attr_f(cl, "min", 0.f);
  attr_f(cl, "max", 6.f);
  attr_ints(b.node("Unsqueeze", "uq", {"cl"}, {"u"}), "axes", {0});
  attr_ints(b.node("Squeeze", "sq", {"u"}, {"s"}), "axes", {0});
  b.node("Softmax", "sm", {"s"}, {"y"});
  b.output("y", {-1, 3, 4, 4});
  auto* vi = b.g->add_value_info();
  vi->set_name("c");
  set_type(vi, TP::FLOAT, {-1, 3, 4, 4}, {"N"});
  b.m.add_metadata_props()->set_key("k");
  ir::Model m = parse_ok(b);
  expect_round_trip(m);
}

TEST(FrontendRoundTrip, DtypesAndConstants) {
  OnnxBuilder b(13);
  b.input("x", {2}, TP::INT64);
  auto* h = b.g->add_initializer();
  h->set_name("h");
  h->set_data_type(TP::FLOAT16);
  h->add_dims(1);
  h->add_int32_data(0x3C00);
  b.init_i64("k", {2}, {5, -6});
  b.node("Add", "add", {"x", "k"}, {"y"});
  b.node("Cast", "cast", {"h"}, {"hf"});
  attr_i(b.g->mutable_node(1), "to", TP::FLOAT);
  fill_i64(attr_t(b.node("ConstantOfShape", "cos", {"y"}, {"z"}), "value"), "", {1}, {3});
  b.output("z");
  b.output("hf");
  ir::Model m = parse_ok(b);
  expect_round_trip(m);
}

TEST(FrontendRoundTrip, IfWithSubgraphsAndProvenance) {
  OnnxBuilder b(13);
  b.input("x", {2});
  b.input("c", {}, TP::BOOL);
  auto* n = b.node("If", "if", {"c"}, {"y"});
  auto* th = attr_g(n, "then_branch");
  fill_f32(th->add_initializer(), "one", {1}, {1.f});
  add_node(th, "Add", "", {"x", "one"}, {"t"});
  th->add_output()->set_name("t");
  auto* el = attr_g(n, "else_branch");
  add_node(el, "Neg", "neg", {"x"}, {"e"});
  el->add_output()->set_name("e");
  b.node("Softmax", "sm", {"y"}, {"z"});
  b.output("z");
  ir::Model m = parse_ok(b);
  // Provenance that is not just the node name must survive the trip.
  find_node(m.graph, ir::OpKind::kSoftmax)->origin() = {"orig_a", "orig_b"};
  expect_round_trip(m);
}

TEST(FrontendRoundTrip, SaveOnnxWritesFile) {
  TempDir tmp;
  OnnxBuilder b(13);
  b.input("x", {2});
  b.node("Relu", "r", {"x"}, {"y"});
  b.output("y", {2});
  ir::Model m = parse_ok(b);
  const std::string path = tmp.file("out/model.onnx");
  ASSERT_TRUE(save_onnx(m, path).ok());
  auto back = load_onnx(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(ir::dump(back->graph), ir::dump(m.graph));
}

// Runs onnx.checker on `path`; returns false (and sets *skip) when python/onnx is unavailable.
bool onnx_checker_accepts(const std::string& path, std::string* skip) {
  if (!fs::exists("/usr/bin/python3")) {
    *skip = "/usr/bin/python3 not found";
    return false;
  }
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0) {
    *skip = "python module onnx not available";
    return false;
  }
  std::string cmd =
      "/usr/bin/python3 -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]))' '" + path + "'";
  return std::system(cmd.c_str()) == 0;
}

TEST(FrontendRoundTrip, OnnxCheckerAcceptsExport) {
  TempDir tmp;
  OnnxBuilder b(9);
  b.input("x", {1, 3, 4, 4});
  b.init_f32("w", {3, 3, 1, 1}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  attr_ints(b.node("Conv", "conv", {"x", "w"}, {"c"}), "kernel_shape", {1, 1});
  attr_ints(b.node("Squeeze", "sq", {"c"}, {"s"}), "axes", {0});
  b.node("Softmax", "sm", {"s"}, {"y"});
  b.output("y", {3, 4, 4});
  ir::Model m = parse_ok(b);
  const std::string path = tmp.file("checked.onnx");
  ASSERT_TRUE(save_onnx(m, path).ok());
  std::string skip;
  bool ok = onnx_checker_accepts(path, &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  EXPECT_TRUE(ok) << "onnx.checker rejected " << path;
}

// ---- real models ----

std::vector<std::string> real_models() {
  std::vector<std::string> out;
  const fs::path root = fs::path(NPUKIT_SHARED_DIR) / "models";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& d : fs::directory_iterator(root, ec)) {
    if (!d.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(d.path(), ec))
      if (f.path().extension() == ".onnx") out.push_back(f.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FrontendRealModels, AllImportAndRoundTrip) {
  auto models = real_models();
  if (models.empty()) GTEST_SKIP() << "no models in " << NPUKIT_SHARED_DIR << "/models (shared folder absent)";
  for (const auto& path : models) {
    SCOPED_TRACE(path);
    auto m = load_onnx(path);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    EXPECT_GT(m->graph.num_nodes(), 0u);
    EXPECT_EQ(count_nodes(m->graph, ir::OpKind::kConstant), 0u);  // Constant nodes became values
    for (ir::Node* n : m->graph.nodes()) EXPECT_FALSE(n->origin().empty()) << n->name();
    expect_round_trip(*m);
  }
}

TEST(FrontendRealModels, ExportedRealModelPassesChecker) {
  const std::string path = std::string(NPUKIT_SHARED_DIR) + "/models/squeezenet1.1/model.onnx";
  if (!fs::exists(path)) GTEST_SKIP() << path << " absent";
  auto m = load_onnx(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  TempDir tmp;
  ASSERT_TRUE(save_onnx(*m, tmp.file("sq.onnx")).ok());
  std::string skip;
  bool ok = onnx_checker_accepts(tmp.file("sq.onnx"), &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  EXPECT_TRUE(ok);
}

TEST(FrontendRealModels, SileroV4KeepsRuntimeIf) {
  const std::string path = std::string(NPUKIT_SHARED_DIR) + "/models/silero-vad/v4_lstm.onnx";
  if (!fs::exists(path)) GTEST_SKIP() << path << " absent";
  auto m = load_onnx(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  // The condition compares the runtime input `sr`, so the If stays with both branches.
  ir::Node* ifn = find_node(m->graph, ir::OpKind::kIf);
  ASSERT_TRUE(ifn);
  EXPECT_EQ(ifn->subgraphs().size(), 2u);
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;

TEST(FrontendRoundTrip, OnnxCheckerAcceptsIfAndDtypes) {
  TempDir tmp;
  OnnxBuilder b(13);
  b.input("x", {2});
  b.input("c", {}, TP::BOOL);
  auto* n = b.node("If", "", {"c"}, {"y"});
  auto* th = attr_g(n, "then_branch");
  fill_f32(th->add_initializer(), "one", {1}, {1.f});
  add_node(th, "Add", "", {"x", "one"}, {"t"});
  set_type(th->add_output(), TP::FLOAT, {2});
  th->mutable_output(0)->set_name("t");
  auto* el = attr_g(n, "else_branch");
  add_node(el, "Neg", "neg", {"x"}, {"e"});
  set_type(el->add_output(), TP::FLOAT, {2});
  el->mutable_output(0)->set_name("e");
  auto* h = b.g->add_initializer();
  h->set_name("h");
  h->set_data_type(TP::FLOAT16);
  h->add_dims(2);
  h->add_int32_data(0x3C00);
  h->add_int32_data(0x3C00);
  auto* cast = b.node("Cast", "cast", {"h"}, {"hf"});
  attr_i(cast, "to", TP::FLOAT);
  b.node("Add", "sum", {"y", "hf"}, {"z"});
  b.output("z", {2});
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const std::string path = tmp.file("if.onnx");
  ASSERT_TRUE(save_onnx(*m, path).ok());
  std::string skip;
  bool ok = onnx_checker_accepts(path, &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace npukit::frontend
