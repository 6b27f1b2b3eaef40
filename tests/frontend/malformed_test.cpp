// SPDX-License-Identifier: Apache-2.0
// Hostile / malformed ONNX input: every case must return the specific ErrorCode with a message that
// names the file, node or field — never crash or allocate without bound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "frontend/onnx_builder.h"
#include "frontend/onnx_import.h"

namespace npukit::frontend {
namespace {

using ::testing::HasSubstr;
using namespace testing;

// x[2] → Relu → y
OnnxBuilder relu_model(int opset = 13) {
  OnnxBuilder b(opset);
  b.input("x", {2});
  b.node("Relu", "relu", {"x"}, {"y"});
  b.output("y", {2});
  return b;
}

// x[2] + w → y, w an initializer filled by the caller.
OnnxBuilder add_model() {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Add", "add", {"x", "w"}, {"y"});
  b.output("y", {2});
  return b;
}

TEST(FrontendMalformed, ValidBaselineLoads) {
  auto m = relu_model().parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.num_nodes(), 1u);
}

TEST(FrontendMalformed, TruncatedFile) {
  TempDir tmp;
  OnnxBuilder b = add_model();
  b.init_f32("w", {64}, std::vector<float>(64, 1.f));
  std::string bytes = b.bytes();
  const std::string path = tmp.file("trunc.onnx");
  {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  auto m = load_onnx(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr(path + ": not a valid ONNX model (truncated or corrupt protobuf)"));
}

TEST(FrontendMalformed, GarbageBytes) {
  auto m = parse_onnx(std::string("\xff\xff\xff\xff\x0f garbage", 14), "junk.onnx", ".");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("junk.onnx"));
}

TEST(FrontendMalformed, MissingFileIsNotFound) {
  auto m = load_onnx("/nonexistent/folder/model.onnx");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("/nonexistent/folder/model.onnx"));
}

TEST(FrontendMalformed, WrongRawDataSize) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  fill_f32(t, "w", {2}, {1.f, 2.f});
  t->mutable_raw_data()->resize(7);
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("test.onnx"));
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': raw_data has 7 bytes, expected 8"));
}

TEST(FrontendMalformed, WrongTypedDataCount) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::FLOAT);
  t->add_dims(2);
  t->add_float_data(1.f);
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': float_data has 1 elements, expected 2"));
}

TEST(FrontendMalformed, NegativeInitializerDim) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  fill_f32(t, "w", {2}, {1.f, 2.f});
  t->set_dims(0, -2);
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': dims[0] = -2 is negative"));
}

TEST(FrontendMalformed, NegativeDeclaredInputDim) {
  OnnxBuilder b;
  b.input("x", {2, -1});
  b.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(-3);
  b.node("Relu", "relu", {"x"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("graph input 'x': dim 1 = -3 is negative"));
}

TEST(FrontendMalformed, HugeDimsDoNotAllocate) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::FLOAT);
  for (int i = 0; i < 4; ++i) t->add_dims(int64_t{1} << 20);  // 2^80 elements: overflows the limit
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kOutOfRange);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': dims"));
}

TEST(FrontendMalformed, LargeButValidDimsWithoutDataAreRejectedBeforeAllocation) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::FLOAT);
  t->add_dims(int64_t{1} << 33);  // 32 GiB claimed, 0 bytes present
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': float_data has 0 elements"));
}

TEST(FrontendMalformed, StringInitializer) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::STRING);
  t->add_dims(1);
  t->add_string_data("hello");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': string tensors are not supported"));
}

TEST(FrontendMalformed, MissingInitializer) {
  OnnxBuilder b = add_model();  // "w" never defined
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("node 'add' (Add): input 1 'w' is not defined"));
}

TEST(FrontendMalformed, UnknownOp) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("FancyOp", "fancy", {"x"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedOp);
  EXPECT_THAT(m.status().message(),
              HasSubstr("op FancyOp (node 'fancy') is not supported; supported ops: see docs/SUPPORTED_OPS.md"));
}

TEST(FrontendMalformed, NonDefaultDomainNode) {
  OnnxBuilder b;
  auto* o = b.m.add_opset_import();
  o->set_domain("com.microsoft");
  o->set_version(1);
  b.input("x", {2});
  b.node("FusedGemm", "fg", {"x"}, {"y"})->set_domain("com.microsoft");
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedOp);
  EXPECT_THAT(m.status().message(), HasSubstr("com.microsoft"));
  EXPECT_THAT(m.status().message(), HasSubstr("FusedGemm"));
  EXPECT_THAT(m.status().message(), HasSubstr("'fg'"));
}

TEST(FrontendMalformed, DeclaredButUnusedDomainIsFine) {
  OnnxBuilder b = relu_model();
  auto* o = b.m.add_opset_import();
  o->set_domain("com.microsoft");
  o->set_version(1);
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->opset_imports.at("com.microsoft"), 1);
}

TEST(FrontendMalformed, OpsetOutOfRange) {
  for (int opset : {0, 19}) {
    auto m = relu_model(opset).parse();
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedOp);
    EXPECT_THAT(m.status().message(), HasSubstr("opset " + std::to_string(opset) + " is not supported"));
  }
}

TEST(FrontendMalformed, OldOpsetAcceptedOnlyWithoutLegacyAttributes) {
  // Opset 6 Relu has today's form: accepted.
  auto ok = relu_model(6).parse();
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  // Opset 1 Relu with its legacy consumed_inputs attribute: rejected by name, never run as if current.
  OnnxBuilder b(1);
  b.input("x", {2});
  auto* n = b.node("Relu", "r", {"x"}, {"y"});
  attr_ints(n, "consumed_inputs", {0});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), HasSubstr("Relu 'r': unknown attribute 'consumed_inputs'"));
}

TEST(FrontendMalformed, OpNewerThanModelOpset) {
  OnnxBuilder b(13);  // HardSwish exists since opset 14
  b.input("x", {2});
  b.node("HardSwish", "hs", {"x"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedOp);
  EXPECT_THAT(m.status().message(), HasSubstr("op HardSwish (node 'hs') needs opset >= 14"));
}

TEST(FrontendMalformed, Cycle) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Add", "a1", {"x", "b_out"}, {"a_out"});
  b.node("Relu", "b1", {"a_out"}, {"b_out"});
  b.output("a_out");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("cycle"));
}

TEST(FrontendMalformed, DanglingGraphOutput) {
  OnnxBuilder b = relu_model();
  b.output("nowhere");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("graph output 'nowhere' is not produced"));
}

TEST(FrontendMalformed, DanglingNodeInput) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Relu", "r", {"typo_x"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("node 'r' (Relu): input 0 'typo_x' is not defined"));
}

TEST(FrontendMalformed, DuplicateOutputName) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Relu", "r1", {"x"}, {"y"});
  b.node("Neg", "r2", {"x"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("node 'r2' (Neg): output 'y' is already defined as output of node 'r1'"));
}

TEST(FrontendMalformed, OutputShadowsGraphInput) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Relu", "r1", {"x"}, {"x"});
  b.output("x");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("output 'x' is already defined as a graph input"));
}

TEST(FrontendMalformed, EmptyGraph) {
  OnnxBuilder b;
  b.input("x", {2});
  b.output("x");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("is empty"));
  OnnxBuilder c;
  c.input("x", {2});
  c.node("Relu", "r", {"x"}, {"y"});
  auto m2 = c.parse();
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m2.status().message(), HasSubstr("has no outputs"));
}

TEST(FrontendMalformed, NoGraph) {
  onnx::ModelProto mp;
  mp.set_ir_version(7);
  auto m = parse_onnx(mp.SerializeAsString(), "nog.onnx", ".");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("nog.onnx: model has no graph"));
}

TEST(FrontendMalformed, NodesOutOfOrderAreSorted) {
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Neg", "second", {"a"}, {"y"});
  b.node("Relu", "first", {"x"}, {"a"});
  b.output("y");
  auto m = b.parse();
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  auto nodes = m->graph.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]->name(), "first");
  EXPECT_EQ(nodes[1]->name(), "second");
}

// ---- external data ----

OnnxBuilder external_model(const std::string& location, int64_t offset = 0) {
  OnnxBuilder b = add_model();
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::FLOAT);
  t->add_dims(2);
  t->set_data_location(TP::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
  kv = t->add_external_data();
  kv->set_key("offset");
  kv->set_value(std::to_string(offset));
  kv = t->add_external_data();
  kv->set_key("length");
  kv->set_value("8");
  return b;
}

TEST(FrontendExternalData, LoadsRelativeToModelFolder) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.file("sub"));
  float data[3] = {9.f, 1.5f, -2.f};
  ASSERT_TRUE(atomic_write_file(tmp.file("sub/w.bin"), std::string(reinterpret_cast<char*>(data), 12)).ok());
  std::string path = external_model("sub/w.bin", 4).save(tmp.file("m.onnx"));
  auto m = load_onnx(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const ir::Value* w = m->graph.find_value("w");
  ASSERT_TRUE(w && w->is_constant());
  EXPECT_EQ(w->const_value()->to_float_vector(), (std::vector<float>{1.5f, -2.f}));
}

TEST(FrontendExternalData, PathEscapingFolderIsRejected) {
  TempDir tmp;
  for (std::string loc : {"../w.bin", "a/../../w.bin", "/etc/passwd"}) {
    std::string path = external_model(loc).save(tmp.file("m.onnx"));
    auto m = load_onnx(path);
    ASSERT_FALSE(m.ok()) << loc;
    EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel) << loc;
    EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w': external_data location '" + loc + "' escapes"));
  }
}

TEST(FrontendExternalData, MissingFileIsIoError) {
  TempDir tmp;
  std::string path = external_model("missing.bin").save(tmp.file("m.onnx"));
  auto m = load_onnx(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kIoError);
  EXPECT_THAT(m.status().message(), HasSubstr("initializer 'w'"));
  EXPECT_THAT(m.status().message(), HasSubstr("missing.bin' not found"));
}

TEST(FrontendExternalData, RangeBeyondFileEnd) {
  TempDir tmp;
  ASSERT_TRUE(atomic_write_file(tmp.file("w.bin"), std::string(10, '\0')).ok());
  std::string path = external_model("w.bin", 4).save(tmp.file("m.onnx"));
  auto m = load_onnx(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), HasSubstr("beyond the end"));
}

// ---- TensorProto files ----

TEST(FrontendTensorPb, RoundTripAndValidation) {
  TempDir tmp;
  Tensor t = Tensor::from_vector<int32_t>({1, -2, 3, 4, 5, 6}, {2, 3});
  ASSERT_TRUE(save_tensor_pb(tmp.file("t.pb"), t, "input_0").ok());
  std::string name;
  auto back = load_tensor_pb(tmp.file("t.pb"), &name);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(name, "input_0");
  EXPECT_TRUE(back->bit_equal(t));

  onnx::TensorProto tp;
  tp.set_name("bad");
  tp.set_data_type(TP::FLOAT);
  tp.add_dims(3);
  tp.set_raw_data(std::string(5, '\0'));
  ASSERT_TRUE(atomic_write_file(tmp.file("bad.pb"), tp.SerializeAsString()).ok());
  auto bad = load_tensor_pb(tmp.file("bad.pb"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(bad.status().message(), HasSubstr("bad.pb"));
  EXPECT_THAT(bad.status().message(), HasSubstr("tensor 'bad': raw_data has 5 bytes, expected 12"));
}

TEST(FrontendTensorPb, BackendTestDataLoads) {
  const std::string p = std::string(NPUKIT_ONNX_TESTDATA_DIR) + "/node/test_relu/test_data_set_0/input_0.pb";
  if (!std::filesystem::exists(p)) GTEST_SKIP() << "ONNX backend test data not installed: " << p;
  auto t = load_tensor_pb(p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->dtype(), DType::kF32);
  EXPECT_EQ(t->shape(), (Shape{3, 4, 5}));
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;

// Deterministic mutation "fuzzing": every truncation point and many byte flips of a small valid
// model must yield either a model or an error — never a crash, hang or unbounded allocation.
TEST(FrontendMalformed, MutatedBytesNeverCrash) {
  OnnxBuilder b(9);
  b.input("x", {1, 2, 4, 4});
  b.init_f32("w", {2, 2, 1, 1}, {1, 2, 3, 4});
  attr_ints(b.node("Conv", "conv", {"x", "w"}, {"c"}), "kernel_shape", {1, 1});
  attr_ints(b.node("Squeeze", "sq", {"c"}, {"s"}), "axes", {0});
  b.node("Softmax", "sm", {"s"}, {"y"});
  b.output("y", {2, 4, 4});
  const std::string good = b.bytes();
  size_t ok = 0, failed = 0;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto m = parse_onnx(good.substr(0, cut), "cut.onnx", ".");
    (m.ok() ? ok : failed)++;
    if (!m.ok()) {
      EXPECT_THAT(m.status().message(), ::testing::HasSubstr("cut.onnx"));
    }
  }
  uint32_t state = 12345;
  auto rnd = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = good;
    int flips = 1 + static_cast<int>(rnd() % 4);
    for (int f = 0; f < flips; ++f) bytes[rnd() % bytes.size()] = static_cast<char>(rnd() & 0xff);
    auto m = parse_onnx(bytes, "fuzz.onnx", ".");
    (m.ok() ? ok : failed)++;
    if (!m.ok()) {
      EXPECT_THAT(m.status().message(), ::testing::HasSubstr("fuzz.onnx"));
    }
  }
  EXPECT_GT(failed, 0u);
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;

TEST(FrontendExternalData, SymlinkEscapingFolderIsRejected) {
  TempDir outside, tmp;
  ASSERT_TRUE(atomic_write_file(outside.file("secret.bin"), std::string(8, '\x01')).ok());
  std::error_code ec;
  std::filesystem::create_symlink(outside.file("secret.bin"), tmp.file("link.bin"), ec);
  if (ec) GTEST_SKIP() << "cannot create symlinks here: " << ec.message();
  OnnxBuilder b;
  b.input("x", {2});
  b.node("Add", "add", {"x", "w"}, {"y"});
  b.output("y", {2});
  auto* t = b.g->add_initializer();
  t->set_name("w");
  t->set_data_type(TP::FLOAT);
  t->add_dims(2);
  t->set_data_location(TP::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value("link.bin");
  auto m = load_onnx(b.save(tmp.file("m.onnx")));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidModel);
  EXPECT_THAT(m.status().message(), ::testing::HasSubstr("resolves outside the model folder"));
}

}  // namespace
}  // namespace npukit::frontend

namespace npukit::frontend {
namespace {

using namespace testing;

TEST(FrontendMalformed, GraphAttributeOnNonIfNodeIsRejected) {
  OnnxBuilder b;
  b.input("x", {2});
  auto* n = b.node("Constant", "c", {}, {"v"});
  fill_f32(attr_t(n, "value"), "", {2}, {1.f, 2.f});
  auto* g = attr_g(n, "body");
  add_node(g, "Relu", "inner", {"x"}, {"r"});
  g->add_output()->set_name("r");
  b.node("Add", "add", {"x", "v"}, {"y"});
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_THAT(m.status().message(), ::testing::HasSubstr("Constant 'c': graph attribute 'body' is not supported"));
}

TEST(FrontendMalformed, LoopIsUnsupportedOp) {
  OnnxBuilder b;
  b.input("x", {2});
  auto* n = b.node("Loop", "loop", {"", ""}, {"y"});
  auto* g = attr_g(n, "body");
  add_node(g, "Relu", "inner", {"x"}, {"r"});
  g->add_output()->set_name("r");
  b.output("y");
  auto m = b.parse();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedOp);
  EXPECT_THAT(m.status().message(), ::testing::HasSubstr("op Loop (node 'loop') is not supported"));
}

}  // namespace
}  // namespace npukit::frontend
