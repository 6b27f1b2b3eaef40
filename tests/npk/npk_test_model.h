// SPDX-License-Identifier: Apache-2.0
// The .npk test model shared by the npk tests: a resolved integer graph (QConv, MaxPool, QConv with a fused
// residual add, QLut, Reshape, QGemm) with an NPU program, segments and placement (build_npk), and a deep copy.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "ir/graph.h"
#include "npk/npk_file.h"
#include "quant/arith.h"
#include "util/graph_builder.h"

namespace npukit::npk_test {

using ir::OpKind;
using npk::Box;
using npk::CmdOp;
using npk::Command;
using npk::NpkModel;
using npk::Operand;
using npk::Role;
using testing::GraphBuilder;

// ---- models ----

inline std::vector<int64_t> mult_vec(const std::vector<double>& m, bool shifts) {
  std::vector<int64_t> out;
  for (double v : m) {
    auto q = quant::quantize_multiplier(v);
    out.push_back(shifts ? q.shift : q.mult);
  }
  return out;
}

inline Tensor codes(DType dt, const Shape& shape, int lo, int hi, uint32_t seed) {
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
inline void build_int_graph(ir::Model& m) {
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

inline Box box(std::vector<int64_t> start, std::vector<int64_t> size) {
  Box bx;
  bx.rank = static_cast<int32_t>(size.size());
  for (size_t d = 0; d < size.size(); ++d) {
    bx.start[d] = start[d];
    bx.size[d] = size[d];
  }
  return bx;
}

inline Operand opnd(Role role, uint32_t addr, DType dt, Box bx) {
  Operand o;
  o.role = role;
  o.addr = addr;
  o.dtype = dt;
  o.box = bx;
  return o;
}

/// The integer graph plus a hand-filled program using every command op and every operand role.
inline NpkModel build_npk() {
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
inline NpkModel clone_npk(const NpkModel& a) {
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

}  // namespace npukit::npk_test
