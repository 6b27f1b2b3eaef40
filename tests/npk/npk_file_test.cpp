// SPDX-License-Identifier: Apache-2.0
// .npk files (npk/npk_file.h): exact round trips of everything in an NpkModel, the documented byte layout
// (docs/MODEL_FORMAT.md: header fields, section table, CRCs, 64-byte aligned weights), and rejection of
// corrupted, truncated, foreign and semantically broken files with a clear kInvalidModel message.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "interp/interpreter.h"
#include "ir/graph.h"
#include "npk/npk_file.h"
#include "npk/npk_validate.h"
#include "quant/arith.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using ir::OpKind;
using npk::Box;
using npk::CmdOp;
using npk::Command;
using npk::NpkModel;
using npk::Operand;
using npk::Role;
using testing::GraphBuilder;

// ---- documented header layout (docs/MODEL_FORMAT.md) ----
constexpr size_t kOffMajor = 4, kOffMinor = 8, kOffHeaderBytes = 12, kOffSectionCount = 20, kOffFileCrc = 24,
                 kOffParamsCrc = 28, kOffFileBytes = 32, kFixedHeader = 64, kEntryBytes = 24;

uint32_t rd32(const std::vector<uint8_t>& b, size_t o) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b[o + i]) << (8 * i);
  return v;
}
uint64_t rd64(const std::vector<uint8_t>& b, size_t o) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[o + i]) << (8 * i);
  return v;
}
void wr32(std::vector<uint8_t>& b, size_t o, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[o + i] = static_cast<uint8_t>(v >> (8 * i));
}
void wr64(std::vector<uint8_t>& b, size_t o, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[o + i] = static_cast<uint8_t>(v >> (8 * i));
}

/// CRC-32 (zlib) of the file with the file-CRC field taken as zero, computed independently of npk_file.cpp.
uint32_t doc_file_crc(std::vector<uint8_t> b) {
  wr32(b, kOffFileCrc, 0);
  return static_cast<uint32_t>(crc32_z(crc32_z(0, nullptr, 0), b.data(), b.size()));
}
void fix_crc(std::vector<uint8_t>& b) {
  wr32(b, kOffFileCrc, doc_file_crc(b));
}

struct SectionEntry {
  uint32_t kind;
  uint64_t offset, bytes;
};
std::vector<SectionEntry> sections(const std::vector<uint8_t>& b) {
  std::vector<SectionEntry> out;
  for (uint32_t i = 0; i < rd32(b, kOffSectionCount); ++i) {
    size_t e = kFixedHeader + i * kEntryBytes;
    out.push_back({rd32(b, e), rd64(b, e + 8), rd64(b, e + 16)});
  }
  return out;
}
SectionEntry section(const std::vector<uint8_t>& b, uint32_t kind) {
  for (const auto& s : sections(b))
    if (s.kind == kind) return s;
  ADD_FAILURE() << "no section of kind " << kind;
  return {};
}
constexpr uint32_t kMeta = 1, kWeights = 2;

// ---- models ----

std::vector<int64_t> mult_vec(const std::vector<double>& m, bool shifts) {
  std::vector<int64_t> out;
  for (double v : m) {
    auto q = quant::quantize_multiplier(v);
    out.push_back(shifts ? q.shift : q.mult);
  }
  return out;
}

Tensor codes(DType dt, const Shape& shape, int lo, int hi, uint32_t seed) {
  Tensor t(dt, shape);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) {
    int v = d(rng);
    if (dt == DType::kI8) t.data<int8_t>()[i] = static_cast<int8_t>(v);
    if (dt == DType::kI32) t.data<int32_t>()[i] = v;
  }
  return t;
}

/// Integer graph: QConv(+bias, fused ReLU) -> MaxPool -> QConv(no bias, fused residual add) -> QLut -> Reshape
/// -> QGemm. Resolved (every value typed).
void build_int_graph(ir::Model& m) {
  GraphBuilder b(m.graph);
  m.graph.set_name("int_net");
  ir::Value* x = b.input("x", DType::kI8, {1, 3, 8, 8});
  ir::Value* w1 = b.constant("w1", codes(DType::kI8, {8, 3, 3, 3}, -127, 127, 1));
  ir::Value* b1 = b.constant("b1", codes(DType::kI32, {8}, -2000, 2000, 2));
  Attrs a1;
  a1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a1.set("x_zero_point", int64_t{-3});
  a1.set("multiplier", mult_vec({3e-3, 2e-3, 4e-3, 1e-3, 5e-3, 2.5e-3, 3.5e-3, 1.5e-3}, false));
  a1.set("shift", mult_vec({3e-3, 2e-3, 4e-3, 1e-3, 5e-3, 2.5e-3, 3.5e-3, 1.5e-3}, true));
  a1.set("y_zero_point", int64_t{-128});
  a1.set("y_min", int64_t{-128});
  ir::Value* c1 = b.op(OpKind::kQConv, "conv1", {x, w1, b1}, a1);
  Attrs ap;
  ap.set("kernel_shape", std::vector<int64_t>{2, 2});
  ap.set("strides", std::vector<int64_t>{2, 2});
  ir::Value* p1 = b.op(OpKind::kMaxPool, "pool1", {c1}, ap);
  ir::Value* w2 = b.constant("w2", codes(DType::kI8, {8, 8, 1, 1}, -127, 127, 3));
  const auto add = quant::make_add_params(0.05f, 3, 0.04f, -128, 0.06f, -4, quant::QRange{-128, 127});
  Attrs a2;
  a2.set("multiplier", mult_vec({0.01}, false));
  a2.set("shift", mult_vec({0.01}, true));
  a2.set("mid_zero_point", int64_t{3});
  a2.set("r_zero_point", int64_t{-128});
  a2.set("add_left_shift", int64_t{add.left_shift});
  a2.set("add_multiplier", std::vector<int64_t>{add.a_mult.mult, add.b_mult.mult, add.out_mult.mult});
  a2.set("add_shift", std::vector<int64_t>{add.a_mult.shift, add.b_mult.shift, add.out_mult.shift});
  a2.set("y_zero_point", int64_t{-4});
  ir::Value* c2 = b.op(OpKind::kQConv, "conv2", {p1, w2, nullptr, p1}, a2);  // absent bias slot
  Tensor table(DType::kI8, {256});
  for (int i = 0; i < 256; ++i) table.data<int8_t>()[i] = static_cast<int8_t>(std::clamp((i - 128) / 2 + 7, -128, 127));
  ir::Value* l = b.op(OpKind::kQLut, "lut", {c2, b.constant("table", table)});
  ir::Value* r = b.op(OpKind::kReshape, "flatten", {l, b.constant("shape", testing::i64({1, -1}))});
  ir::Value* w3 = b.constant("w3", codes(DType::kI8, {10, 128}, -127, 127, 4));
  ir::Value* b3 = b.constant("b3", codes(DType::kI32, {10}, -500, 500, 5));
  Attrs a3;
  a3.set("a_zero_point", int64_t{-4});
  a3.set("multiplier", mult_vec({2e-3}, false));
  a3.set("shift", mult_vec({2e-3}, true));
  a3.set("y_zero_point", int64_t{5});
  b.output(b.op(OpKind::kQGemm, "fc", {r, w3, b3}, a3));
  m.ir_version = 9;
  m.opset = 17;
  m.opset_imports = {{"", 17}, {"npukit", 1}};
  m.producer_name = "npukit";
  m.producer_version = "0.1.0";
  m.doc_string = "hand-built integer net";
  m.metadata = {{"author", "npk test"}, {"empty", ""}};
  m.source_path = "/models/int_net.onnx";
  Status s = interp::resolve(m);
  ASSERT_TRUE(s.ok()) << s.to_string();
}

Box box(std::vector<int64_t> start, std::vector<int64_t> size) {
  Box bx;
  bx.rank = static_cast<int32_t>(size.size());
  for (size_t d = 0; d < size.size(); ++d) {
    bx.start[d] = start[d];
    bx.size[d] = size[d];
  }
  return bx;
}

Operand opnd(Role role, uint32_t addr, DType dt, Box bx) {
  Operand o;
  o.role = role;
  o.addr = addr;
  o.dtype = dt;
  o.box = bx;
  return o;
}

/// The integer graph plus a hand-filled program using every command op and every operand role.
NpkModel build_npk() {
  NpkModel m;
  build_int_graph(m.model);
  m.model_name = "int_net";
  m.npukit_version = "0.1.0-test";
  m.march_name = "test_march";
  m.march_yaml = std::string("name: test_march\nsram:\n  bytes: 65536\n# \xc3\xa9t\xc3\xa9\n") + '\0' + "tail";
  m.compile_options_json = R"({"max_time_per_fc": 1000, "optimize_level": "O2"})";
  m.preprocess_json = R"({"mean": [0.5, 0.5, 0.5], "scale": 0.0078125})";

  npk::Program p;
  p.num_cores = 2;
  p.sram_bytes_per_core = 65536;
  p.arena_bytes = 4096;
  auto buf = [&](const char* value, npk::BufferKind kind, int64_t offset, int32_t alias = -1) {
    const ir::Value* v = m.model.graph.find_value(value);
    npk::DdrBuffer b;
    b.value = value;
    b.dtype = v->dtype();
    b.shape = v->shape();
    b.kind = kind;
    b.offset = kind == npk::BufferKind::kConstant ? 0 : offset;
    b.alias_of = alias;
    p.buffers.push_back(b);
    return static_cast<int32_t>(p.buffers.size() - 1);
  };
  const int32_t bx = buf("x", npk::BufferKind::kInput, 0);
  const int32_t bw1 = buf("w1", npk::BufferKind::kConstant, 0);
  const int32_t bc1 = buf("conv1_out", npk::BufferKind::kInternal, 256);
  const int32_t bp1 = buf("pool1_out", npk::BufferKind::kInternal, 1024);
  buf("lut_out", npk::BufferKind::kInternal, 2048);
  const int32_t bfl = buf("flatten_out", npk::BufferKind::kInternal, 2048, 4);
  buf("fc_out", npk::BufferKind::kOutput, 4000);

  auto cmd = [&](CmdOp op, uint16_t core, int32_t layer, int32_t buffer, std::vector<Operand> srcs, Operand dst,
                 std::vector<int32_t> deps, uint32_t flags = 0, int32_t part = 0) {
    Command c;
    c.op = op;
    c.core = core;
    c.layer = layer;
    c.buffer = buffer;
    c.srcs = std::move(srcs);
    c.dst = dst;
    c.deps = std::move(deps);
    c.flags = flags;
    c.part = part;
    p.commands.push_back(c);
    return static_cast<int32_t>(p.commands.size() - 1);
  };
  const Box xb = box({0, 0, 0, 0}, {1, 3, 8, 8});
  const int32_t l0 = cmd(CmdOp::kLoad, 0, 0, bx, {}, opnd(Role::kOut, 0, DType::kI8, xb), {});
  const int32_t l1 =
      cmd(CmdOp::kLoad, 0, 0, bw1, {}, opnd(Role::kOut, 256, DType::kI8, box({0, 0, 0, 0}, {8, 3, 3, 3})), {});
  // K split: a partial-sum share, then the final share reading it back.
  const int32_t c0 = cmd(CmdOp::kConv, 0, 0, -1,
                         {opnd(Role::kX, 0, DType::kI8, box({0, 0, 0, 0}, {1, 2, 8, 8})),
                          opnd(Role::kW, 256, DType::kI8, box({0, 0, 0, 0}, {8, 2, 3, 3}))},
                         opnd(Role::kOut, 1024, DType::kI64, box({0, 0, 0, 0}, {1, 8, 8, 8})), {l0, l1});
  const int32_t c1 = cmd(CmdOp::kConv, 0, 0, -1,
                         {opnd(Role::kX, 0, DType::kI8, box({0, 2, 0, 0}, {1, 1, 8, 8})),
                          opnd(Role::kW, 256, DType::kI8, box({0, 2, 0, 0}, {8, 1, 3, 3})),
                          opnd(Role::kBias, 600, DType::kI32, box({0}, {8})),
                          opnd(Role::kAccIn, 1024, DType::kI64, box({0, 0, 0, 0}, {1, 8, 8, 8}))},
                         opnd(Role::kOut, 8192, DType::kI8, box({0, 0, 0, 0}, {1, 8, 8, 8})), {c0}, npk::kFinal);
  const int32_t s0 = cmd(CmdOp::kStore, 1, 0, bc1, {opnd(Role::kX, 8192, DType::kI8, box({0, 0, 0, 0}, {1, 8, 8, 8}))},
                         Operand{}, {c1});
  p.commands.back().box = box({0, 0, 0, 0}, {1, 8, 8, 8});
  const int32_t po = cmd(CmdOp::kPool, 0, 1, -1, {opnd(Role::kX, 8192, DType::kI8, box({0, 0, 0, 0}, {1, 8, 8, 8}))},
                         opnd(Role::kOut, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {c1});
  const int32_t gp =
      cmd(CmdOp::kGlobalPool, 1, 1, -1, {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
          opnd(Role::kOut, 9200, DType::kI8, box({0, 0, 0, 0}, {1, 8, 1, 1})), {po});
  const int32_t el = cmd(CmdOp::kEltwise, 0, 2, -1,
                         {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})),
                          opnd(Role::kB, 9300, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
                         opnd(Role::kOut, 9500, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {po, gp});
  const int32_t cv = cmd(CmdOp::kConv, 1, 2, -1,
                         {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})),
                          opnd(Role::kW, 9700, DType::kI8, box({0, 0, 0, 0}, {8, 8, 1, 1})),
                          opnd(Role::kResidual, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
                         opnd(Role::kOut, 9800, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {el}, npk::kFinal);
  const int32_t lu = cmd(CmdOp::kLut, 0, 3, -1,
                         {opnd(Role::kX, 9800, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})),
                          opnd(Role::kTable, 10000, DType::kI8, box({0}, {256}))},
                         opnd(Role::kOut, 10300, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {cv});
  const int32_t rq =
      cmd(CmdOp::kRequant, 0, 3, -1, {opnd(Role::kX, 10300, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
          opnd(Role::kOut, 10500, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {lu});
  const int32_t cc = cmd(CmdOp::kConcat, 1, 3, -1, {opnd(Role::kX, 10500, DType::kI8, box({0, 4, 0, 0}, {1, 4, 4, 4}))},
                         opnd(Role::kOut, 10700, DType::kI8, box({0, 4, 0, 0}, {1, 4, 4, 4})), {rq}, 0, 1);
  const int32_t gm = cmd(CmdOp::kGemm, 0, 5, -1,
                         {opnd(Role::kX, 10700, DType::kI8, box({0, 0}, {1, 128})),
                          opnd(Role::kW, 11000, DType::kI8, box({0, 0}, {10, 128})),
                          opnd(Role::kBias, 12300, DType::kI32, box({0}, {10}))},
                         opnd(Role::kOut, 12400, DType::kI8, box({0, 0}, {1, 10})), {cc}, npk::kFinal);
  const int32_t mm = cmd(CmdOp::kMatMul, 1, 5, -1,
                         {opnd(Role::kX, 10700, DType::kI8, box({0, 0, 0}, {1, 1, 128})),
                          opnd(Role::kB, 11000, DType::kI8, box({0, 0}, {128, 10}))},
                         opnd(Role::kOut, 12500, DType::kI64, box({0, 0, 0}, {1, 1, 10})), {gm});
  const int32_t rs = cmd(CmdOp::kResize, 0, -1, -1, {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
                         opnd(Role::kOut, 13000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 8, 8})), {mm});
  const int32_t tr =
      cmd(CmdOp::kTranspose, 1, -1, -1, {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 4, 4, 8}))},
          opnd(Role::kOut, 14000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4})), {rs});
  const int32_t pd = cmd(CmdOp::kPad, 0, -1, -1, {opnd(Role::kX, 9000, DType::kI8, box({0, 0, 0, 0}, {1, 8, 4, 4}))},
                         opnd(Role::kOut, 15000, DType::kI8, box({0, 0, -1, -1}, {1, 8, 6, 6})), {tr});
  cmd(CmdOp::kStore, 1, 5, 6, {opnd(Role::kX, 12400, DType::kI8, box({0, 0}, {1, 10}))}, Operand{}, {pd, s0});
  p.commands.back().box = box({0, 0}, {1, 10});
  p.function_calls = {{0, 6, 12.5}, {6, 10, 0.1 + 0.2}, {16, 2, 0.0}};
  (void)bp1;
  (void)bfl;
  m.programs.push_back(p);
  npk::Program p2;  // an empty second program (a segment with nothing to do on the NPU)
  p2.sram_bytes_per_core = 1024;
  m.programs.push_back(p2);

  const auto nodes = m.model.graph.nodes();
  for (const ir::Node* n : nodes) {
    const bool cpu = n->op() == OpKind::kQGemm;
    m.placement.push_back(
        {n->name(), n->op_type(), cpu ? npk::Target::kCpu : npk::Target::kNpu, cpu ? "forced to CPU by test" : "TAE"});
  }
  npk::Segment npu;
  npu.target = npk::Target::kNpu;
  npu.nodes = {0, 1, 2, 3, 4};
  npu.inputs = {"x"};
  npu.outputs = {"flatten_out"};
  npu.program = 0;
  npk::Segment cpu;
  cpu.target = npk::Target::kCpu;
  cpu.nodes = {5};
  cpu.inputs = {"flatten_out"};
  cpu.outputs = {"fc_out"};
  cpu.program = -1;
  npk::Segment empty_npu;
  empty_npu.target = npk::Target::kNpu;
  empty_npu.program = 1;
  m.segments = {npu, cpu, empty_npu};
  m.inputs = {{"x", DType::kI8, {1, 3, 8, 8}, "NCHW", "pyramid", "nv12"}};
  m.outputs = {{"fc_out", DType::kI8, {1, 10}, "", "ddr", ""}};
  return m;
}

/// Deep copy (NpkModel is move-only because the graph is).
NpkModel clone_npk(const NpkModel& a) {
  NpkModel m;
  m.model_name = a.model_name;
  m.npukit_version = a.npukit_version;
  m.model = std::move(ir::clone_model(a.model).value());
  m.segments = a.segments;
  m.programs = a.programs;
  m.placement = a.placement;
  m.inputs = a.inputs;
  m.outputs = a.outputs;
  m.march_name = a.march_name;
  m.march_yaml = a.march_yaml;
  m.compile_options_json = a.compile_options_json;
  m.preprocess_json = a.preprocess_json;
  return m;
}

std::vector<uint8_t> serialize_ok(const NpkModel& m, npk::NpkFileInfo* info = nullptr) {
  auto bytes = npk::serialize_npk(m, info);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// ---- graph comparison (bitwise: -0.0f and NaN payloads must survive) ----

bool same_attr(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  if (auto* f = std::get_if<float>(&a))
    return std::bit_cast<uint32_t>(*f) == std::bit_cast<uint32_t>(std::get<float>(b));
  if (auto* fs = std::get_if<std::vector<float>>(&a)) {
    const auto& gs = std::get<std::vector<float>>(b);
    if (fs->size() != gs.size()) return false;
    for (size_t i = 0; i < fs->size(); ++i)
      if (std::bit_cast<uint32_t>((*fs)[i]) != std::bit_cast<uint32_t>(gs[i])) return false;
    return true;
  }
  if (auto* t = std::get_if<Tensor>(&a)) return t->bit_equal(std::get<Tensor>(b));
  return a == b;
}

void expect_same_graph(const ir::Graph& a, const ir::Graph& b, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.name(), b.name());
  const auto va = a.values(), vb = b.values();
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    SCOPED_TRACE(va[i]->name());
    EXPECT_EQ(va[i]->name(), vb[i]->name());
    EXPECT_EQ(va[i]->dtype(), vb[i]->dtype());
    EXPECT_EQ(va[i]->shape(), vb[i]->shape());
    EXPECT_EQ(va[i]->dim_params, vb[i]->dim_params);
    EXPECT_EQ(va[i]->is_graph_input(), vb[i]->is_graph_input());
    EXPECT_EQ(va[i]->is_graph_output(), vb[i]->is_graph_output());
    ASSERT_EQ(va[i]->is_constant(), vb[i]->is_constant());
    if (va[i]->is_constant()) {
      EXPECT_TRUE(va[i]->const_value()->bit_equal(*vb[i]->const_value()));
    }
  }
  auto names = [](const std::vector<ir::Value*>& vs) {
    std::vector<std::string> out;
    for (const ir::Value* v : vs) out.push_back(v ? v->name() + "@" + v->owner()->name() : "<absent>");
    return out;
  };
  EXPECT_EQ(names(a.inputs()), names(b.inputs()));
  EXPECT_EQ(names(a.outputs()), names(b.outputs()));
  const auto na = a.nodes(), nb = b.nodes();
  ASSERT_EQ(na.size(), nb.size());
  for (size_t i = 0; i < na.size(); ++i) {
    SCOPED_TRACE(na[i]->name());
    EXPECT_EQ(na[i]->op(), nb[i]->op());
    EXPECT_EQ(na[i]->name(), nb[i]->name());
    EXPECT_EQ(na[i]->origin(), nb[i]->origin());
    EXPECT_EQ(names(na[i]->inputs()), names(nb[i]->inputs()));
    EXPECT_EQ(names(na[i]->outputs()), names(nb[i]->outputs()));
    ASSERT_EQ(na[i]->attrs().size(), nb[i]->attrs().size());
    for (const auto& [k, v] : na[i]->attrs().all()) {
      const AttrValue* w = nb[i]->attrs().find(k);
      ASSERT_NE(w, nullptr) << k;
      EXPECT_TRUE(same_attr(v, *w)) << k << ": " << attr_value_str(v) << " vs " << attr_value_str(*w);
    }
    ASSERT_EQ(na[i]->subgraphs().size(), nb[i]->subgraphs().size());
    for (const auto& [k, sg] : na[i]->subgraphs()) {
      ASSERT_TRUE(nb[i]->subgraphs().count(k)) << k;
      EXPECT_EQ(nb[i]->subgraphs().at(k)->parent(), &b);
      expect_same_graph(*sg, *nb[i]->subgraphs().at(k), where + "/" + k);
    }
  }
}

void expect_same_model(const ir::Model& a, const ir::Model& b) {
  EXPECT_EQ(ir::dump(a), ir::dump(b));
  EXPECT_EQ(ir::dump(a.graph, true), ir::dump(b.graph, true));
  EXPECT_EQ(a.ir_version, b.ir_version);
  EXPECT_EQ(a.opset, b.opset);
  EXPECT_EQ(a.opset_imports, b.opset_imports);
  EXPECT_EQ(a.producer_name, b.producer_name);
  EXPECT_EQ(a.producer_version, b.producer_version);
  EXPECT_EQ(a.doc_string, b.doc_string);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.source_path, b.source_path);
  expect_same_graph(a.graph, b.graph, "main");
}

void expect_same_npk(const NpkModel& a, const NpkModel& b) {
  EXPECT_EQ(a.model_name, b.model_name);
  EXPECT_EQ(a.npukit_version, b.npukit_version);
  EXPECT_EQ(a.march_name, b.march_name);
  EXPECT_EQ(a.march_yaml, b.march_yaml);
  EXPECT_EQ(a.compile_options_json, b.compile_options_json);
  EXPECT_EQ(a.preprocess_json, b.preprocess_json);
  EXPECT_TRUE(a.segments == b.segments);
  EXPECT_TRUE(a.programs == b.programs);
  EXPECT_TRUE(a.placement == b.placement);
  EXPECT_TRUE(a.inputs == b.inputs);
  EXPECT_TRUE(a.outputs == b.outputs);
  expect_same_model(a.model, b.model);
}

/// Expects an InvalidModel error whose message contains `what`.
void expect_invalid(const Expected<NpkModel>& r, const std::string& what, const std::string& trace = "") {
  ASSERT_FALSE(r.ok()) << "accepted a broken file (" << trace << "), expected: " << what;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidModel) << trace << ": " << r.status().to_string();
  EXPECT_NE(r.status().message().find(what), std::string::npos)
      << trace << ": message '" << r.status().message() << "' lacks '" << what << "'";
}

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

// ---- corruption ----

TEST(NpkFile, EveryFlippedByteIsDetected) {
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  const SectionEntry meta = section(good, kMeta), w = section(good, kWeights);
  ASSERT_GT(w.bytes, 0u);
  // Every byte of the header, metadata and weights (the file is small enough to try them all).
  int tried = 0;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    auto b = good;
    b[pos] ^= 0x5a;
    auto r = npk::deserialize_npk(b);
    const std::string trace = "flipped byte " + std::to_string(pos);
    if (pos < 4) {
      expect_invalid(r, "bad magic", trace);
    } else if (pos >= kOffMajor && pos < kOffMajor + 4) {
      expect_invalid(r, "unsupported .npk format version", trace);
    } else if (pos >= kOffFileBytes && pos < kOffFileBytes + 8) {
      expect_invalid(r, "bytes, the file has " + std::to_string(good.size()), trace);
    } else {
      expect_invalid(r, "checksum mismatch: file is corrupted", trace);
    }
    ++tried;
  }
  EXPECT_EQ(tried, static_cast<int>(good.size()));
  EXPECT_GT(meta.bytes, 1000u);
}

TEST(NpkFile, TruncationIsDetectedEverywhere) {
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  std::vector<size_t> cuts;
  for (size_t n = 0; n <= kFixedHeader + 2 * kEntryBytes; ++n) cuts.push_back(n);
  for (const auto& s : sections(good)) {
    for (uint64_t at : {s.offset, s.offset + 1, s.offset + s.bytes / 2, s.offset + s.bytes - 1, s.offset + s.bytes})
      if (at < good.size()) cuts.push_back(at);
  }
  cuts.push_back(good.size() - 1);
  for (size_t n : cuts) {
    std::vector<uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    expect_invalid(npk::deserialize_npk(b), "truncated .npk file", "cut at " + std::to_string(n));
  }
  // Trailing garbage is not silently accepted either.
  auto longer = good;
  longer.push_back(0);
  expect_invalid(npk::deserialize_npk(longer), "trailing bytes");
}

TEST(NpkFile, ForeignFilesAndOtherMajorVersionsAreRejected) {
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  auto onnx = good;
  std::memcpy(onnx.data(), "ONNX", 4);
  fix_crc(onnx);
  expect_invalid(npk::deserialize_npk(onnx), "not an .npk file: bad magic");
  std::vector<uint8_t> text{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  expect_invalid(npk::deserialize_npk(text), "bad magic");

  auto v2 = good;
  wr32(v2, kOffMajor, 2);
  wr32(v2, kOffMinor, 3);
  fix_crc(v2);
  expect_invalid(npk::deserialize_npk(v2), "unsupported .npk format version 2.3 (this npukit reads 1.x)");
  auto v0 = good;
  wr32(v0, kOffMajor, 0);
  fix_crc(v0);
  expect_invalid(npk::deserialize_npk(v0), "unsupported .npk format version 0.0");

  // A newer minor version of the same major is read (minor versions only add what old readers may ignore).
  auto minor = good;
  wr32(minor, kOffMinor, 7);
  fix_crc(minor);
  npk::NpkFileInfo info;
  auto r = npk::deserialize_npk(minor, &info);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(info.format_minor, 7u);
}

TEST(NpkFile, BadSectionTablesAreRejected) {
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  const size_t meta_entry = kFixedHeader, weights_entry = kFixedHeader + kEntryBytes;
  ASSERT_EQ(rd32(good, meta_entry), kMeta);
  ASSERT_EQ(rd32(good, weights_entry), kWeights);
  auto patch = [&](size_t at, uint64_t v, bool is64 = true) {
    auto b = good;
    if (is64)
      wr64(b, at, v);
    else
      wr32(b, at, static_cast<uint32_t>(v));
    fix_crc(b);
    return npk::deserialize_npk(b);
  };
  expect_invalid(patch(meta_entry + 8, good.size() + 64), "lie outside the file");
  expect_invalid(patch(weights_entry + 8, uint64_t{1} << 62), "lie outside the file");
  expect_invalid(patch(weights_entry + 16, good.size()), "lie outside the file");
  expect_invalid(patch(meta_entry + 8, 0), "lie outside the file");  // inside the header
  expect_invalid(patch(weights_entry + 8, section(good, kMeta).offset), "overlap");
  expect_invalid(patch(meta_entry + 8, section(good, kMeta).offset + 8), "not a multiple of 64");
  expect_invalid(patch(weights_entry, kMeta, false), "section kind 1 twice");
  expect_invalid(patch(weights_entry, 9, false), "missing the weights section");
  expect_invalid(patch(kOffSectionCount, 1000, false), "sections (at most");
  expect_invalid(patch(kOffSectionCount, 1, false), "missing the weights section");
  expect_invalid(patch(kOffHeaderBytes, 40, false), "header size 40");
  // Metadata that is not a FlatBuffer of this schema.
  {
    auto b = good;
    const SectionEntry meta = section(b, kMeta);
    for (uint64_t i = 0; i < meta.bytes; ++i) b[meta.offset + i] = static_cast<uint8_t>(i * 37 + 11);
    fix_crc(b);
    expect_invalid(npk::deserialize_npk(b), "not a valid FlatBuffer");
  }
  // The weights CRC is checked on its own (a weights edit with the file CRC recomputed).
  {
    auto b = good;
    b[section(b, kWeights).offset + 5] ^= 1;
    fix_crc(b);
    expect_invalid(npk::deserialize_npk(b), "weights checksum mismatch");
  }
}

/// Finds `needle` in `hay` starting at `from` (npos if absent).
size_t find_bytes(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle, size_t from, size_t to) {
  for (size_t i = from; i + needle.size() <= to; ++i)
    if (std::memcmp(hay.data() + i, needle.data(), needle.size()) == 0) return i;
  return std::string::npos;
}

TEST(NpkFile, ConstantReferencesOutsideTheWeightsAreRejected) {
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  auto entries = npk::detail::list_weights(good);
  ASSERT_TRUE(entries.ok());
  auto it = std::find_if(entries->begin(), entries->end(), [](const auto& e) { return e.what == "value 'w3'"; });
  ASSERT_NE(it, entries->end());
  ASSERT_EQ(it->bytes, 1280u);
  // Locate the (offset, size) pair of w3 in the metadata: both are 8-byte fields of its TensorData table.
  const SectionEntry meta = section(good, kMeta);
  std::vector<uint8_t> pat(16);
  std::vector<uint8_t> tmp(16);
  wr64(pat, 0, it->offset);
  wr64(pat, 8, it->bytes);
  size_t at = find_bytes(good, pat, meta.offset, meta.offset + meta.bytes);
  size_t off_pos = at, size_pos = at + 8;
  if (at == std::string::npos) {
    wr64(pat, 0, it->bytes);
    wr64(pat, 8, it->offset);
    at = find_bytes(good, pat, meta.offset, meta.offset + meta.bytes);
    size_pos = at;
    off_pos = at + 8;
  }
  ASSERT_NE(at, std::string::npos) << "w3's (offset, size) not found in the metadata";
  auto patch = [&](size_t pos, uint64_t v) {
    auto b = good;
    wr64(b, pos, v);
    fix_crc(b);
    return npk::deserialize_npk(b);
  };
  const uint64_t wbytes = section(good, kWeights).bytes;
  expect_invalid(patch(off_pos, wbytes), "lies outside the");
  expect_invalid(patch(off_pos, (wbytes / 64) * 64 - 64), "lies outside the");
  expect_invalid(patch(off_pos, it->offset + 1), "is not a multiple of 64");
  expect_invalid(patch(size_pos, 1279), "needs 1280");
  expect_invalid(patch(size_pos, std::numeric_limits<uint64_t>::max()), "needs 1280");
}

TEST(NpkFile, MetadataCorruptionWithFixedCrcNeverCrashes) {
  // A writer bug or a forged CRC: flips inside the metadata are caught by the verifier and the decoder's
  // own checks, or decode to a different but valid model. Never a crash or an out-of-bounds read.
  const auto good = serialize_ok(build_npk());
  ASSERT_FALSE(good.empty());
  const SectionEntry meta = section(good, kMeta);
  int rejected = 0, accepted = 0;
  const uint64_t step = std::max<uint64_t>(1, meta.bytes / 1500);
  for (uint64_t i = 0; i < meta.bytes; i += step) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      auto b = good;
      b[meta.offset + i] ^= mask;
      fix_crc(b);
      auto r = npk::deserialize_npk(b);
      if (r.ok()) {
        ++accepted;
      } else {
        ++rejected;
        EXPECT_EQ(r.status().code(), ErrorCode::kInvalidModel) << "byte " << i << ": " << r.status().to_string();
      }
    }
  }
  EXPECT_GT(rejected, 0);
  std::cout << "[ info ] metadata flips: " << rejected << " rejected, " << accepted
            << " decoded to another valid model\n";
  EXPECT_GT(accepted + rejected, 1000);
}

TEST(NpkProgram, BoxOfTooHighRankNeverIndexesPastItsArrays) {
  const Box b = Box::whole({2, 1, 1, 1, 1, 1, 3});  // rank 7 > kMaxBoxRank: kept, so validation rejects it
  EXPECT_EQ(b.rank, 7);
  EXPECT_EQ(b.elements(), 2);  // the six stored dims only
  EXPECT_EQ(b.shape().size(), 6u);
  EXPECT_TRUE(b.contains(b));
  EXPECT_EQ(b.str(), "[0:2, 0:1, 0:1, 0:1, 0:1, 0:1]");
  Box neg;
  neg.rank = -3;
  EXPECT_EQ(neg.elements(), 1);
  EXPECT_EQ(neg.str(), "[]");
}

// ---- semantic validation (writer refuses; a file written without the checks is refused by the reader) ----

void expect_rejected_both_ways(const NpkModel& bad, const std::string& what) {
  auto w = npk::serialize_npk(bad);
  ASSERT_FALSE(w.ok()) << "writer accepted a model with: " << what;
  EXPECT_EQ(w.status().code(), ErrorCode::kInvalidModel);
  EXPECT_NE(w.status().message().find(what), std::string::npos) << w.status().message();
  auto bytes = npk::detail::serialize_npk_unvalidated(bad);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  expect_invalid(npk::deserialize_npk(*bytes), what);
}

TEST(NpkFile, OutOfRangeIndicesAreRejected) {
  const NpkModel good = build_npk();
  auto edit = [&](auto fn) {
    NpkModel m = clone_npk(good);
    fn(m);
    return m;
  };
  auto cmds = [](NpkModel& m) -> std::vector<Command>& { return m.programs[0].commands; };
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[0].buffer = 99; }), "buffer id 99 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[0].buffer = -1; }), "buffer id -1 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[3].deps.push_back(3); }),
                            "command 3 (CONV): dep index 3 is not an earlier command");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].deps.push_back(-1); }), "dep index -1");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].layer = 6; }), "layer 6 is not a node index");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].core = 2; }), "core 2 >= num_cores 2");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].op = static_cast<CmdOp>(200); }),
                            "op 200 is not a known command op");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].role = static_cast<Role>(9); }),
                            "role 9 is not a known role");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].dtype = DType::kUndefined; }),
                            "is not a storable element type");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].box.rank = 7; }), "box rank 7 is outside 0..6");
  expect_rejected_both_ways(edit([&](NpkModel& m) {
                              cmds(m)[2].srcs[0].box = Box::whole({1, 1, 1, 1, 1, 1, 1});
                            }),
                            "box rank 7 is outside 0..6");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].box.size[1] = -2; }), "box size 1 is negative");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].dst.addr = 65000; }),
                            "exceeds the 65536 bytes of SRAM per core");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].flags = 6; }), "unknown flag bits");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[5].alias_of = 5; }), "alias_of 5");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[0].offset = 4000; }),
                            "-byte activation arena");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[0].value = "nope"; }),
                            "no graph value has this name");
  expect_rejected_both_ways(edit([&](NpkModel& m) {
                              m.programs[0].buffers[1].shape = {8, 3, 3};
                            }),
                            "does not match the graph constant");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[2].kind = static_cast<npk::BufferKind>(4); }),
                            "kind 4 is not a known buffer kind");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].function_calls[1].num_commands = 13; }),
                            "function call 1: commands [6, +13) are outside the 18 commands");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].num_cores = 0; }), "num_cores 0");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[0].nodes.push_back(6); }),
                            "segment 0: node index 6 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[0].program = 2; }),
                            "segment 0: program index 2 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].program = 0; }), "CPU segment has program index 0");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].target = static_cast<npk::Target>(5); }),
                            "target 5 is neither NPU nor CPU");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].outputs.push_back("ghost"); }),
                            "value 'ghost' is not in the graph");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.placement.pop_back(); }), "placement has 5 entries for 6 nodes");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.inputs[0].shape = {1, -3}; }), "dim 1 is negative");
}

TEST(NpkFile, BrokenGraphsAreRejected) {
  const NpkModel good = build_npk();
  auto edit = [&](auto fn) {
    NpkModel m = clone_npk(good);
    fn(m);
    return m;
  };
  // A node reads a value nothing defines.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              ir::Value* ghost = m.model.graph.add_value("ghost").value();
                              ghost->set_type(DType::kI8, {1, 8, 4, 4});
                              m.model.graph.nodes()[2]->set_input(0, ghost);
                            }),
                            "is not defined before use");
  // An attribute of the wrong kind for the op's schema.
  expect_rejected_both_ways(
      edit([](NpkModel& m) { m.model.graph.nodes()[2]->attrs().set("group", std::string("one")); }),
      "attribute 'group' must be int, got string");
  // A value of an unknown element type.
  expect_rejected_both_ways(
      edit([](NpkModel& m) { m.model.graph.find_value("lut_out")->set_type(static_cast<DType>(77), {1}); }),
      "dtype 77 is not a known element type");
  // A negative dim.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              m.model.graph.find_value("lut_out")->set_type(DType::kI8, {1, -8, 4, 4});
                            }),
                            "'lut_out': dim 1 is negative");
  // A bool constant holding a byte other than 0 / 1.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              Tensor t(DType::kBool, {3});
                              static_cast<uint8_t*>(t.raw())[1] = 2;
                              m.model.graph.add_constant("flags", t);
                            }),
                            "bool element 1 holds 2");
}

// ---- files ----

class NpkFileIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           (std::string("npukit_npk_") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string slurp(const fs::path& p) {
  auto r = read_file(p.string());
  return r.ok() ? *r : std::string("<unreadable>");
}

TEST_F(NpkFileIo, WriteReadRoundTrip) {
  const NpkModel m = build_npk();
  const std::string path = (dir_ / "sub" / "m.npk").string();  // parent folder created on the way
  npk::NpkFileInfo winfo, rinfo;
  Status s = npk::write_npk(m, path, &winfo);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(fs::file_size(path), winfo.file_bytes);
  auto back = npk::read_npk(path, &rinfo);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_npk(m, *back);
  EXPECT_EQ(rinfo.file_crc32, winfo.file_crc32);
  // Only the final file is left behind (no temp files).
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_F(NpkFileIo, MissingAndCorruptFilesNameThePath) {
  const std::string missing = (dir_ / "none.npk").string();
  auto r = npk::read_npk(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find(missing), std::string::npos) << r.status().message();

  const std::string bad = (dir_ / "bad.npk").string();
  std::ofstream(bad, std::ios::binary) << "NPUK but not really a model";
  auto r2 = npk::read_npk(bad);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), ErrorCode::kInvalidModel);
  EXPECT_NE(r2.status().message().find(bad), std::string::npos) << r2.status().message();
  EXPECT_NE(r2.status().message().find("truncated"), std::string::npos) << r2.status().message();
}

TEST_F(NpkFileIo, FailedWriteLeavesTheExistingFileIntact) {
  const NpkModel m = build_npk();
  const std::string path = (dir_ / "m.npk").string();
  ASSERT_TRUE(npk::write_npk(m, path).ok());
  const std::string before = slurp(path);
  ASSERT_GT(before.size(), 64u);

  // 1. The model is invalid: nothing is written.
  NpkModel bad = clone_npk(m);
  bad.programs[0].commands[0].buffer = 99;
  Status s = npk::write_npk(bad, path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidModel);
  EXPECT_EQ(slurp(path), before);

  // 2. The temporary file cannot be created (a folder is in its way): an I/O error, old file untouched.
  NpkModel other = clone_npk(m);
  other.model_name = "changed";
  fs::create_directories(path + ".tmp." + std::to_string(::getpid()));
  s = npk::write_npk(other, path);
  EXPECT_EQ(s.code(), ErrorCode::kIoError) << s.to_string();
  EXPECT_EQ(slurp(path), before);
  auto back = npk::read_npk(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->model_name, "int_net");
}

}  // namespace
}  // namespace npukit
