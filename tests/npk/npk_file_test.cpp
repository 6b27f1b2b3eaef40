// SPDX-License-Identifier: Apache-2.0
// .npk files (npk/npk_file.h): exact round trips of everything in an NpkModel and the documented byte layout
// (docs/MODEL_FORMAT.md: header fields, section table, CRCs, 64-byte aligned weights). Rejection of corrupted,
// truncated and foreign files: npk_corruption_test.cpp; semantically broken models: npk_validation_test.cpp;
// files on disk: npk_file_io_test.cpp. Shared helpers: npk_test_util.h, npk_test_model.h.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "interp/interpreter.h"
#include "npk_test_util.h"

namespace npukit::npk_test {
namespace {

// ---- round trips ----

TEST(NpkFile, RoundTripIsExactAndRunsTheSame) {
  const NpkModel m = build_npk();
  npk::NpkFileInfo winfo, rinfo;
  const auto bytes = serialize_ok(m, &winfo);
  ASSERT_FALSE(bytes.empty());
  auto back = npk::deserialize_npk(bytes, &rinfo);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_npk(m, *back);
  EXPECT_TRUE(back->model.graph.verify(true).ok());

  // Same interpreter outputs on random inputs.
  interp::Interpreter ia(m.model.graph), ib(back->model.graph);
  for (uint32_t seed = 0; seed < 3; ++seed) {
    std::vector<Tensor> in{codes(DType::kI8, {1, 3, 8, 8}, -128, 127, 100 + seed)};
    auto oa = ia.run(in);
    auto ob = ib.run(in);
    ASSERT_TRUE(oa.ok()) << oa.status().to_string();
    ASSERT_TRUE(ob.ok()) << ob.status().to_string();
    ASSERT_EQ(oa->size(), 1u);
    EXPECT_TRUE((*oa)[0].bit_equal((*ob)[0]));
  }

  // Reported facts agree between writer and reader and with the bytes.
  EXPECT_EQ(winfo.format_major, npk::kFormatMajor);
  EXPECT_EQ(winfo.format_minor, npk::kFormatMinor);
  EXPECT_EQ(winfo.file_bytes, bytes.size());
  EXPECT_EQ(rinfo.file_bytes, winfo.file_bytes);
  EXPECT_EQ(rinfo.file_crc32, winfo.file_crc32);
  EXPECT_EQ(rinfo.params_crc32, winfo.params_crc32);
  EXPECT_EQ(rinfo.weights_bytes, winfo.weights_bytes);
  // Serialising is deterministic.
  EXPECT_EQ(serialize_ok(*back), bytes);
}

TEST(NpkFile, HeaderLayoutCrcsAndAlignedWeightsAreAsDocumented) {
  const NpkModel m = build_npk();
  npk::NpkFileInfo info;
  const auto b = serialize_ok(m, &info);
  ASSERT_GE(b.size(), kFixedHeader);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "NPUK");
  EXPECT_EQ(rd32(b, kOffMajor), npk::kFormatMajor);
  EXPECT_EQ(rd32(b, kOffMinor), npk::kFormatMinor);
  EXPECT_EQ(rd32(b, kOffSectionCount), 2u);
  EXPECT_EQ(rd32(b, kOffHeaderBytes), kFixedHeader + 2 * kEntryBytes);
  EXPECT_EQ(rd64(b, kOffFileBytes), b.size());
  EXPECT_EQ(rd32(b, kOffFileCrc), doc_file_crc(b));
  EXPECT_EQ(rd32(b, kOffFileCrc), info.file_crc32);
  for (size_t i = 40; i < kFixedHeader; ++i) EXPECT_EQ(b[i], 0) << "reserved header byte " << i;

  const SectionEntry meta = section(b, kMeta), w = section(b, kWeights);
  EXPECT_EQ(meta.offset % 64, 0u);
  EXPECT_EQ(w.offset % 64, 0u);
  EXPECT_GE(meta.offset, rd32(b, kOffHeaderBytes));
  EXPECT_LE(meta.offset + meta.bytes, w.offset);
  EXPECT_EQ(w.offset + w.bytes, b.size());
  EXPECT_EQ(w.bytes, info.weights_bytes);
  EXPECT_EQ(std::string(b.begin() + meta.offset + 4, b.begin() + meta.offset + 8), "NPKM");  // FlatBuffers file id
  const uint32_t params = static_cast<uint32_t>(crc32_z(crc32_z(0, nullptr, 0), b.data() + w.offset, w.bytes));
  EXPECT_EQ(rd32(b, kOffParamsCrc), params);
  EXPECT_EQ(info.params_crc32, params);

  // Every constant is stored, 64-byte aligned, and its bytes are the tensor's bytes.
  auto entries = npk::detail::list_weights(b);
  ASSERT_TRUE(entries.ok()) << entries.status().to_string();
  size_t constants = 0;
  for (const ir::Value* v : m.model.graph.values()) {
    if (!v->is_constant()) continue;
    ++constants;
    const std::string what = "value '" + v->name() + "'";
    auto it = std::find_if(entries->begin(), entries->end(), [&](const auto& e) { return e.what == what; });
    ASSERT_NE(it, entries->end()) << what;
    EXPECT_EQ(it->offset % 64, 0u) << what;
    ASSERT_EQ(it->bytes, v->const_value()->nbytes()) << what;
    ASSERT_LE(it->offset + it->bytes, w.bytes) << what;
    EXPECT_EQ(std::memcmp(b.data() + w.offset + it->offset, v->const_value()->raw(), it->bytes), 0) << what;
  }
  EXPECT_EQ(entries->size(), constants);
  EXPECT_GE(constants, 7u);
}

/// Runtime If with subgraphs (one reading outer values, one returning an outer value directly), every
/// attribute kind incl. tensors, -0.0f / NaN / infinities, dim_params, constant graph inputs, absent inputs.
void build_control_model(ir::Model& m) {
  GraphBuilder b(m.graph);
  m.graph.set_name("ctrl");
  ir::Value* x = b.input("x", DType::kF32, {1, -1}, {"", "len"});
  ir::Value* c = b.input("c", DType::kBool, {1});
  ir::Value* k = b.constant("k", testing::f32({-0.0f, std::numeric_limits<float>::quiet_NaN(), 1.5f}, {1, 3}));
  m.graph.add_input(k);  // an initializer that is also a graph input
  ir::Node* n = b.node(OpKind::kIf, "if", {c}, {"y"});
  {
    auto g = std::make_unique<ir::Graph>();
    g->set_parent(&m.graph);
    g->set_name("then_branch");
    GraphBuilder sb(*g);
    ir::Value* inner = sb.constant("inner", testing::f32({2.f, 3.f, 4.f}, {1, 3}));
    ir::Value* add = sb.op(OpKind::kAdd, "then_add", {x, inner});
    sb.output(sb.op(OpKind::kMul, "then_mul", {add, k}));
    n->subgraphs()["then_branch"] = std::move(g);
  }
  {
    auto g = std::make_unique<ir::Graph>();
    g->set_parent(&m.graph);
    g->set_name("else_branch");
    g->add_output(x);  // outer value returned as is
    n->subgraphs()["else_branch"] = std::move(g);
  }
  // Clip with an absent min and a present max.
  ir::Value* clipped = b.op(OpKind::kClip, "clip", {n->output(0), nullptr, b.constant("hi", Tensor::scalar(2.5f))});
  b.output(clipped);
  b.output(n->output(0));
}

TEST(NpkFile, SubgraphsAttributesAndSpecialFloatsRoundTrip) {
  NpkModel m;
  build_control_model(m.model);
  interp::ResolveOptions o;
  o.input_shapes["x"] = {1, 3};
  Status s = interp::resolve(m.model, o);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(m.model.graph.nodes()[0]->op(), OpKind::kIf) << ir::dump(m.model);
  // Extra attributes of every kind on the If node (not in its schema: kept, not interpreted).
  Attrs& a = m.model.graph.nodes()[0]->attrs();
  a.set("t_int", int64_t{-9007199254740993});
  a.set("t_float", -0.0f);
  a.set("t_string", std::string("a\0b\xff", 4));
  a.set("t_ints", std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 0, 7});
  a.set("t_floats", std::vector<float>{std::numeric_limits<float>::infinity(), -0.0f,
                                       std::numeric_limits<float>::quiet_NaN(), 1e-45f});
  a.set("t_strings", std::vector<std::string>{"", "two", std::string(300, 'z')});
  a.set("t_tensor", Tensor::from_vector<int16_t>({-1, 2, -3, 4, -5, 6}, {2, 3}));
  a.set("t_empty_tensor", Tensor(DType::kU8, {0, 4}));
  m.model.graph.nodes()[0]->origin() = {"onnx_if", "onnx_cast"};
  m.placement.clear();
  for (const ir::Node* node : m.model.graph.nodes())
    m.placement.push_back({node->name(), node->op_type(), npk::Target::kCpu, "control flow"});
  npk::Segment seg;
  seg.target = npk::Target::kCpu;
  seg.nodes = {0, 1};
  seg.inputs = {"x", "c"};
  seg.outputs = {"clip_out", "y"};
  m.segments = {seg};

  auto bytes = serialize_ok(m);
  ASSERT_FALSE(bytes.empty());
  auto back = npk::deserialize_npk(bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_npk(m, *back);
  // The tensor attributes live in the weights section too, aligned.
  auto entries = npk::detail::list_weights(bytes);
  ASSERT_TRUE(entries.ok());
  bool found = false;
  for (const auto& e : *entries) {
    EXPECT_EQ(e.offset % 64, 0u) << e.what;
    if (e.what == "node 'if' attribute 't_tensor'") found = true;
  }
  EXPECT_TRUE(found);
  // Both branches run the same after the round trip.
  interp::Interpreter ia(m.model.graph), ib(back->model.graph);
  for (bool cond : {true, false}) {
    std::vector<Tensor> in{testing::f32({-1.f, 0.5f, 3.f}, {1, 3}), Tensor::from_vector<bool>({cond}, {1})};
    auto oa = ia.run(in);
    auto ob = ib.run(in);
    ASSERT_TRUE(oa.ok()) << oa.status().to_string();
    ASSERT_TRUE(ob.ok()) << ob.status().to_string();
    ASSERT_EQ(oa->size(), ob->size());
    for (size_t i = 0; i < oa->size(); ++i)
      EXPECT_TRUE((*oa)[i].bit_equal((*ob)[i])) << "cond " << cond << " out " << i;
  }
}

TEST(NpkFile, EmptyModelRoundTrips) {
  NpkModel m;
  m.model_name = "nothing";
  auto bytes = serialize_ok(m);
  auto back = npk::deserialize_npk(bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_npk(m, *back);
  EXPECT_EQ(section(bytes, kWeights).bytes, 0u);
}

}  // namespace
}  // namespace npukit::npk_test
