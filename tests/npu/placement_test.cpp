// SPDX-License-Identifier: Apache-2.0
// npu/placement.h: NPU/CPU placement rules (one test per rule, exact reasons), node_info overrides, the cut
// into segments and the removal of nodes at the model's inputs and outputs.
#include "npu/placement.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/graph_builder.h"

namespace npukit::npu {
namespace {

using ir::OpKind;
using ir::Value;
using npk::Target;
using Ints = std::vector<int64_t>;

march::OpConstraint row(const std::string& op) {
  march::OpConstraint c;
  c.op = op;
  return c;
}

/// A small march: every limit that the rules check is set on some row.
march::MarchSpec test_march() {
  march::MarchSpec m;
  m.name = "test";
  m.sram.bytes = 98304;
  auto conv = row("QConv");
  conv.max_kernel = 7;
  conv.max_stride = 2;
  conv.max_dilation = 2;
  conv.max_channels = 65536;
  conv.max_spatial = 4096;
  conv.grouped = false;
  m.ops.push_back(conv);
  auto gemm = row("QGemm");
  gemm.max_channels = 4096;
  m.ops.push_back(gemm);
  auto matmul = row("QMatMul");
  matmul.max_channels = 1024;
  m.ops.push_back(matmul);
  auto add = row("QAdd");
  add.max_channels = 2048;
  m.ops.push_back(add);
  auto mul = row("QMul");
  mul.dtypes = {DType::kI8, DType::kU8, DType::kI16};
  m.ops.push_back(mul);
  auto maxpool = row("MaxPool");
  maxpool.max_kernel = 3;
  maxpool.max_stride = 2;
  maxpool.max_dilation = 1;
  m.ops.push_back(maxpool);
  m.ops.push_back(row("QAveragePool"));
  m.ops.push_back(row("GlobalMaxPool"));
  m.ops.push_back(row("QGlobalAveragePool"));
  auto resize = row("Resize");
  resize.modes = {"nearest", "linear"};
  m.ops.push_back(resize);
  for (const char* op : {"Pad", "Transpose", "Slice", "Split", "Concat", "QConcat", "Requantize", "QLut", "Reshape",
                         "Flatten", "Squeeze", "Unsqueeze"})
    m.ops.push_back(row(op));
  return m;
}

/// Builds typed integer graphs by hand (placement reads only attributes, shapes and dtypes).
class Builder {
 public:
  explicit Builder(ir::Graph& g) : b_(g), g_(g) {}
  Value* input(const std::string& name, DType dt, Shape s) { return b_.input(name, dt, std::move(s)); }
  Value* op(OpKind op, const std::string& name, const std::vector<Value*>& ins, DType dt, Shape s, Attrs a = {}) {
    ir::Node* n = b_.node(op, name, ins, {name + "_out"}, std::move(a));
    if (!n) return nullptr;
    n->output(0)->set_type(dt, std::move(s));
    return n->output(0);
  }
  Value* weight(const std::string& name, Shape s) { return b_.constant(name, Tensor(DType::kI8, std::move(s))); }
  Value* ints(const std::string& name, const Ints& v) { return b_.constant(name, testing::i64(v)); }
  Value* f32(const std::string& name, const std::vector<float>& v) {
    return b_.constant(name, Tensor::from_vector<float>(v));
  }
  /// QConv x -> [oc, ic/group, kh, kw] weights.
  Value* qconv(const std::string& name, Value* x, int64_t oc, int64_t kh, int64_t kw, Shape out, Attrs a = {}) {
    const int64_t group = a.has("group") ? a.get_int("group") : 1;
    a.set("multiplier", Ints{1 << 30});
    a.set("shift", Ints{1});
    return op(OpKind::kQConv, name, {x, weight(name + "_w", {oc, x->shape()[1] / group, kh, kw})}, DType::kI8,
              std::move(out), std::move(a));
  }
  Value* qadd(const std::string& name, Value* a, Value* b, DType dt = DType::kI8) {
    Attrs at;
    at.set("multiplier", Ints{1 << 30, 1 << 30, 1 << 30});
    at.set("shift", Ints{1, 1, 1});
    return op(OpKind::kQAdd, name, {a, b}, dt, a->shape(), at);
  }
  Value* quantize(const std::string& name, Value* x) {
    return op(OpKind::kQuantizeLinear, name,
              {x, f32(name + "_s", {0.1f}), b_.constant(name + "_zp", Tensor::scalar<int8_t>(0))}, DType::kI8,
              x->shape());
  }
  Value* dequantize(const std::string& name, Value* x) {
    return op(OpKind::kDequantizeLinear, name,
              {x, f32(name + "_s", {0.1f}), b_.constant(name + "_zp", Tensor::scalar<int8_t>(0))}, DType::kF32,
              x->shape());
  }
  void output(Value* v) { b_.output(v); }

 private:
  testing::GraphBuilder b_;
  ir::Graph& g_;
};

Attrs attrs(std::initializer_list<std::pair<std::string, AttrValue>> kv) {
  Attrs a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

/// Placement of the node named `name`.
npk::Placement placed(const ir::Graph& g, const std::string& name, const march::MarchSpec& m = test_march(),
                      const PlacementOptions& o = {}) {
  auto p = place_nodes(g, m, o);
  auto nodes = g.nodes();
  EXPECT_EQ(p.size(), nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i]->name() == name) {
      EXPECT_EQ(p[i].node, name);
      EXPECT_EQ(p[i].op, nodes[i]->op_type());
      return p[i];
    }
  ADD_FAILURE() << "no node " << name;
  return {};
}

std::string cpu_reason(const ir::Graph& g, const std::string& name, const march::MarchSpec& m = test_march(),
                       const PlacementOptions& o = {}) {
  npk::Placement p = placed(g, name, m, o);
  EXPECT_EQ(p.target, Target::kCpu) << name << ": " << p.reason;
  return p.reason;
}

bool on_npu(const ir::Graph& g, const std::string& name, const march::MarchSpec& m = test_march(),
            const PlacementOptions& o = {}) {
  npk::Placement p = placed(g, name, m, o);
  return p.target == Target::kNpu;
}

// ---- placement rules ---------------------------------------------------------------------------------------

TEST(Placement, SupportedConvRunsOnNpuWithItsUnit) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 16, 32, 32});
  b.output(b.qconv("conv", x, 32, 3, 3, {1, 32, 32, 32}, attrs({{"pads", Ints{1, 1, 1, 1}}})));
  npk::Placement p = placed(g, "conv");
  EXPECT_EQ(p.target, Target::kNpu);
  EXPECT_EQ(p.reason, "TAE");
}

TEST(Placement, OpNotInTheTable) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {4, 8});
  b.output(b.op(OpKind::kGather, "gather", {x, b.ints("idx", {0, 2})}, DType::kI8, {2, 8}));
  EXPECT_EQ(cpu_reason(g, "gather"), "Gather: not in the march's op table");
}

TEST(Placement, FloatOpsAndQuantDequantRunOnCpu) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kF32, {1, 8});
  Value* q = b.quantize("q", x);
  Value* dq = b.dequantize("dq", q);
  b.output(b.op(OpKind::kSoftmax, "softmax", {dq}, DType::kF32, {1, 8}));
  EXPECT_EQ(cpu_reason(g, "softmax"), "Softmax: float op (not quantized)");
  EXPECT_EQ(cpu_reason(g, "q"),
            "QuantizeLinear: float <-> integer conversion at the model boundary runs on CPU (remove_node_type: "
            "Quantize)");
  // dq feeds a float op, not the model output: not a boundary conversion.
  EXPECT_EQ(cpu_reason(g, "dq"), "DequantizeLinear: integer -> float conversion before a float op runs on CPU");
  ir::Graph g3;
  Builder b3(g3);
  Value* c = b3.input("c", DType::kI8, {1, 8});
  b3.output(b3.dequantize("dq_out", c));
  EXPECT_EQ(cpu_reason(g3, "dq_out"),
            "DequantizeLinear: float <-> integer conversion at the model boundary runs on CPU (remove_node_type: "
            "Dequantize)");
  // A float op is CPU even when its op type has a row (a float Transpose between DQ and Q).
  ir::Graph g2;
  Builder b2(g2);
  Value* f = b2.input("f", DType::kF16, {2, 3});
  b2.output(b2.op(OpKind::kTranspose, "tr", {f}, DType::kF16, {3, 2}, attrs({{"perm", Ints{1, 0}}})));
  EXPECT_EQ(cpu_reason(g2, "tr"), "Transpose: float op (not quantized)");
}

TEST(Placement, ActivationDtypes) {
  ir::Graph g;
  Builder b(g);
  Value* a = b.input("a", DType::kI16, {1, 8, 4, 4});
  Value* c = b.input("c", DType::kI16, {1, 8, 4, 4});
  b.output(b.qadd("add16", a, c, DType::kI16));
  Value* u = b.input("u", DType::kU8, {1, 8, 4, 4});
  b.output(b.qadd("addu8", u, u, DType::kU8));
  Attrs m;
  m.set("multiplier", Ints{1 << 30});
  m.set("shift", Ints{1});
  b.output(b.op(OpKind::kQMul, "mul16", {a, c}, DType::kI16, {1, 8, 4, 4}, m));
  // The empty dtype list means i8 and u8; QMul's row lists i16.
  EXPECT_EQ(cpu_reason(g, "add16"), "QAdd: dtype i16 not supported (supported: i8, u8)");
  EXPECT_TRUE(on_npu(g, "addu8"));
  EXPECT_TRUE(on_npu(g, "mul16"));
}

TEST(Placement, KernelLimit) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 32, 32});
  b.output(b.qconv("k9", x, 4, 9, 9, {1, 4, 24, 24}));
  b.output(b.qconv("k7", x, 4, 7, 7, {1, 4, 26, 26}));
  b.output(b.qconv("k1x9", x, 4, 1, 9, {1, 4, 32, 24}));
  b.output(b.op(OpKind::kMaxPool, "pool5", {x}, DType::kI8, {1, 4, 28, 28}, attrs({{"kernel_shape", Ints{5, 5}}})));
  EXPECT_EQ(cpu_reason(g, "k9"), "QConv: kernel 9x9 > 7x7");
  EXPECT_EQ(cpu_reason(g, "k1x9"), "QConv: kernel 1x9 > 7x7");
  EXPECT_TRUE(on_npu(g, "k7"));
  EXPECT_EQ(cpu_reason(g, "pool5"), "MaxPool: kernel 5x5 > 3x3");
}

TEST(Placement, StrideLimit) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 32, 32});
  b.output(b.qconv("s4", x, 4, 3, 3, {1, 4, 8, 8}, attrs({{"strides", Ints{4, 4}}})));
  b.output(b.qconv("s2", x, 4, 3, 3, {1, 4, 15, 15}, attrs({{"strides", Ints{2, 2}}})));
  b.output(b.op(OpKind::kMaxPool, "pool", {x}, DType::kI8, {1, 4, 10, 10},
                attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{3, 3}}})));
  EXPECT_EQ(cpu_reason(g, "s4"), "QConv: stride 4x4 > 2x2");
  EXPECT_TRUE(on_npu(g, "s2"));
  EXPECT_EQ(cpu_reason(g, "pool"), "MaxPool: stride 3x3 > 2x2");
}

TEST(Placement, DilationLimit) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 32, 32});
  b.output(b.qconv("d3", x, 4, 3, 3, {1, 4, 26, 26}, attrs({{"dilations", Ints{3, 3}}})));
  b.output(b.qconv("d2", x, 4, 3, 3, {1, 4, 28, 28}, attrs({{"dilations", Ints{2, 2}}})));
  b.output(b.op(OpKind::kMaxPool, "pool", {x}, DType::kI8, {1, 4, 28, 28},
                attrs({{"kernel_shape", Ints{3, 3}}, {"dilations", Ints{2, 2}}})));
  EXPECT_EQ(cpu_reason(g, "d3"), "QConv: dilation 3x3 > 2x2");
  EXPECT_TRUE(on_npu(g, "d2"));
  EXPECT_EQ(cpu_reason(g, "pool"), "MaxPool: dilation 2x2 > 1x1");
}

TEST(Placement, ChannelLimits) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 70000, 1, 1});
  b.output(b.qconv("conv_in", x, 8, 1, 1, {1, 8, 1, 1}));
  Value* y = b.input("y", DType::kI8, {1, 8, 1, 1});
  b.output(b.qconv("conv_out", y, 70000, 1, 1, {1, 70000, 1, 1}));
  b.output(b.qconv("conv_ok", y, 65536, 1, 1, {1, 65536, 1, 1}));
  // QGemm: K (A's dim 1) and N (W's dim 0).
  Attrs mq;
  mq.set("multiplier", Ints{1 << 30});
  mq.set("shift", Ints{1});
  Value* a = b.input("a", DType::kI8, {2, 5000});
  b.output(b.op(OpKind::kQGemm, "gemm_k", {a, b.weight("gw", {16, 5000})}, DType::kI8, {2, 16}, mq));
  Value* a2 = b.input("a2", DType::kI8, {2, 16});
  b.output(b.op(OpKind::kQGemm, "gemm_n", {a2, b.weight("gw2", {4097, 16})}, DType::kI8, {2, 4097}, mq));
  // QMatMul: K (A's last dim) and N (the output's last dim).
  Value* ma = b.input("ma", DType::kI8, {1, 4, 8, 2000});
  Value* mb = b.input("mb", DType::kI8, {1, 4, 2000, 8});
  b.output(b.op(OpKind::kQMatMul, "matmul_k", {ma, mb}, DType::kI8, {1, 4, 8, 8}, mq));
  Value* ma2 = b.input("ma2", DType::kI8, {1, 4, 8, 16});
  b.output(b.op(OpKind::kQMatMul, "matmul_ok", {ma2, b.weight("mw", {16, 1024})}, DType::kI8, {1, 4, 8, 1024}, mq));
  // Elementwise: dim 1 of rank-4 tensors only.
  Value* e4 = b.input("e4", DType::kI8, {1, 3000, 2, 2});
  b.output(b.qadd("add4", e4, e4));
  Value* e2 = b.input("e2", DType::kI8, {1, 3000});
  b.output(b.qadd("add2", e2, e2));
  EXPECT_EQ(cpu_reason(g, "conv_in"), "QConv: channels 70000 > 65536");
  EXPECT_EQ(cpu_reason(g, "conv_out"), "QConv: channels 70000 > 65536");
  EXPECT_TRUE(on_npu(g, "conv_ok"));
  EXPECT_EQ(cpu_reason(g, "gemm_k"), "QGemm: channels 5000 > 4096");
  EXPECT_EQ(cpu_reason(g, "gemm_n"), "QGemm: channels 4097 > 4096");
  EXPECT_EQ(cpu_reason(g, "matmul_k"), "QMatMul: channels 2000 > 1024");
  EXPECT_TRUE(on_npu(g, "matmul_ok"));
  EXPECT_EQ(cpu_reason(g, "add4"), "QAdd: channels 3000 > 2048");
  EXPECT_TRUE(on_npu(g, "add2"));
}

TEST(Placement, SpatialLimit) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 1, 5000, 8});
  b.output(b.qconv("tall", x, 1, 1, 1, {1, 1, 5000, 8}));
  Value* w = b.input("w", DType::kI8, {1, 1, 8, 4097});
  b.output(b.qconv("wide", w, 1, 1, 1, {1, 1, 8, 4097}));
  Value* ok = b.input("ok", DType::kI8, {1, 1, 4096, 4096});
  b.output(b.qconv("fits", ok, 1, 1, 1, {1, 1, 4096, 4096}));
  EXPECT_EQ(cpu_reason(g, "tall"), "QConv: height 5000 > 4096");
  EXPECT_EQ(cpu_reason(g, "wide"), "QConv: width 4097 > 4096");
  EXPECT_TRUE(on_npu(g, "fits"));
}

TEST(Placement, DepthwiseAndGroupedConv) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 8, 8, 8});
  b.output(b.qconv("dw", x, 8, 3, 3, {1, 8, 6, 6}, attrs({{"group", int64_t{8}}})));
  b.output(b.qconv("g4", x, 8, 3, 3, {1, 8, 6, 6}, attrs({{"group", int64_t{4}}})));
  // The test march allows depthwise but not grouped conv.
  EXPECT_TRUE(on_npu(g, "dw"));
  EXPECT_EQ(cpu_reason(g, "g4"), "QConv: grouped conv (group 4) not supported");
  march::MarchSpec m = test_march();
  for (auto& r : m.ops)
    if (r.op == "QConv") {
      r.depthwise = false;
      r.grouped = true;
    }
  EXPECT_EQ(cpu_reason(g, "dw", m), "QConv: depthwise conv not supported");
  EXPECT_TRUE(on_npu(g, "g4", m));
}

TEST(Placement, ResizeModes) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 8, 8});
  Value* scales = b.f32("scales", {1, 1, 2, 2});
  b.output(b.op(OpKind::kResize, "cubic", {x, nullptr, scales}, DType::kI8, {1, 4, 16, 16},
                attrs({{"mode", std::string("cubic")}})));
  b.output(b.op(OpKind::kResize, "linear", {x, nullptr, scales}, DType::kI8, {1, 4, 16, 16},
                attrs({{"mode", std::string("linear")}})));
  Value* scales_c = b.f32("scales_c", {1, 2, 2, 2});
  b.output(b.op(OpKind::kResize, "channels", {x, nullptr, scales_c}, DType::kI8, {1, 8, 16, 16}));
  EXPECT_EQ(cpu_reason(g, "cubic"), "Resize: mode 'cubic' not supported (supported: nearest, linear)");
  EXPECT_EQ(placed(g, "linear").reason, "AAE");
  EXPECT_TRUE(on_npu(g, "linear"));
  EXPECT_EQ(cpu_reason(g, "channels"), "Resize: resizes N or C (only H and W)");
}

TEST(Placement, PadRules) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 8, 8});
  b.output(b.op(OpKind::kPad, "hw", {x, b.ints("p1", {0, 0, 1, 1, 0, 0, 1, 1})}, DType::kI8, {1, 4, 10, 10}));
  b.output(b.op(OpKind::kPad, "channels", {x, b.ints("p2", {0, 1, 0, 0, 0, 1, 0, 0})}, DType::kI8, {1, 6, 8, 8}));
  b.output(b.op(OpKind::kPad, "reflect", {x, b.ints("p3", {0, 0, 1, 1, 0, 0, 1, 1})}, DType::kI8, {1, 4, 10, 10},
                attrs({{"mode", std::string("reflect")}})));
  Value* x3 = b.input("x3", DType::kI8, {4, 8, 8});
  b.output(b.op(OpKind::kPad, "rank3", {x3, b.ints("p4", {0, 1, 1, 0, 1, 1})}, DType::kI8, {4, 10, 10}));
  EXPECT_TRUE(on_npu(g, "hw"));
  EXPECT_EQ(placed(g, "hw").reason, "TRANS");
  EXPECT_EQ(cpu_reason(g, "channels"), "Pad: pads on N or C (only the last two dims of a rank-4 tensor)");
  EXPECT_EQ(cpu_reason(g, "reflect"), "Pad: mode 'reflect' not supported (supported: constant)");
  EXPECT_EQ(cpu_reason(g, "rank3"), "Pad: rank 3 (only NCHW with pads on H and W)");
}

TEST(Placement, DataMovementRankAndSliceSteps) {
  ir::Graph g;
  Builder b(g);
  Value* x7 = b.input("x7", DType::kI8, {1, 1, 1, 1, 1, 2, 3});
  b.output(b.op(OpKind::kTranspose, "t7", {x7}, DType::kI8, {1, 1, 1, 1, 1, 3, 2},
                attrs({{"perm", Ints{0, 1, 2, 3, 4, 6, 5}}})));
  Value* x6 = b.input("x6", DType::kI8, {1, 1, 1, 1, 2, 3});
  b.output(
      b.op(OpKind::kTranspose, "t6", {x6}, DType::kI8, {1, 1, 1, 1, 3, 2}, attrs({{"perm", Ints{0, 1, 2, 3, 5, 4}}})));
  b.output(b.op(OpKind::kConcat, "c7", {x7, x7}, DType::kI8, {2, 1, 1, 1, 1, 2, 3}, attrs({{"axis", int64_t{0}}})));
  Value* s = b.input("s", DType::kI8, {1, 4, 8, 8});
  b.output(b.op(OpKind::kSlice, "step2",
                {s, b.ints("st", {0}), b.ints("en", {8}), b.ints("ax", {3}), b.ints("sp", {2})}, DType::kI8,
                {1, 4, 8, 4}));
  b.output(b.op(OpKind::kSlice, "step1",
                {s, b.ints("st1", {0}), b.ints("en1", {4}), b.ints("ax1", {3}), b.ints("sp1", {1})}, DType::kI8,
                {1, 4, 8, 4}));
  EXPECT_EQ(cpu_reason(g, "t7"), "Transpose: rank 7 > 6");
  EXPECT_TRUE(on_npu(g, "t6"));
  EXPECT_EQ(cpu_reason(g, "c7"), "Concat: rank 7 > 6");
  EXPECT_EQ(cpu_reason(g, "step2"), "Slice: step 2 not supported (only 1)");
  EXPECT_EQ(placed(g, "step1").reason, "DMA");
}

TEST(Placement, MaxPoolAttributes) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 9, 9});
  b.output(b.op(OpKind::kMaxPool, "ceil", {x}, DType::kI8, {1, 4, 5, 5},
                attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})));
  b.output(b.op(OpKind::kMaxPool, "order", {x}, DType::kI8, {1, 4, 8, 8},
                attrs({{"kernel_shape", Ints{2, 2}}, {"storage_order", int64_t{1}}})));
  b.output(b.op(OpKind::kMaxPool, "ok", {x}, DType::kI8, {1, 4, 4, 4},
                attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})));
  EXPECT_EQ(cpu_reason(g, "ceil"), "MaxPool: ceil_mode 1 not supported");
  EXPECT_EQ(cpu_reason(g, "order"), "MaxPool: storage_order 1 not supported");
  EXPECT_TRUE(on_npu(g, "ok"));
}

TEST(Placement, WholePlaneOpsMustFitHalfOfSram) {
  // Half of the test march's SRAM is 49152 B.
  ir::Graph g;
  Builder b(g);
  Value* small = b.input("small", DType::kI8, {1, 2, 120, 160});
  Value* big = b.input("big", DType::kI8, {1, 2, 160, 240});
  Value* scales = b.f32("scales", {1, 1, 2, 2});
  b.output(b.op(OpKind::kResize, "up", {small, nullptr, scales}, DType::kI8, {1, 2, 240, 320}));
  b.output(b.op(OpKind::kPad, "pad", {big, b.ints("p", {0, 0, 0, 0, 0, 0, 0, 0})}, DType::kI8, {1, 2, 160, 240}));
  b.output(b.op(OpKind::kGlobalMaxPool, "gmp_big", {big}, DType::kI8, {1, 2, 1, 1}));
  Value* fits = b.input("fits", DType::kI8, {1, 2, 200, 240});
  b.output(b.op(OpKind::kGlobalMaxPool, "gmp_fits", {fits}, DType::kI8, {1, 2, 1, 1}));
  Value* big16 = b.input("big16", DType::kI8, {1, 2, 200, 246});
  Attrs ga;
  b.output(b.op(OpKind::kQGlobalAveragePool, "gap", {big16}, DType::kI8, {1, 2, 1, 1}, ga));
  EXPECT_EQ(cpu_reason(g, "up"), "Resize: plane 96000 B > half of SRAM 49152 B");
  EXPECT_EQ(cpu_reason(g, "pad"), "Pad: plane 76800 B > half of SRAM 49152 B");
  EXPECT_TRUE(on_npu(g, "gmp_big"));   // 38400 + 1 bytes
  EXPECT_TRUE(on_npu(g, "gmp_fits"));  // 48000 + 1 bytes
  EXPECT_EQ(cpu_reason(g, "gap"), "QGlobalAveragePool: plane 49201 B > half of SRAM 49152 B");
}

TEST(Placement, ReshapeLikeOpsFollowTheirProducer) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 8, 8});
  Value* c = b.qconv("conv", x, 4, 1, 1, {1, 4, 8, 8});
  Value* r = b.op(OpKind::kReshape, "after_npu", {c, b.ints("s1", {1, 256})}, DType::kI8, {1, 256});
  Value* gth = b.op(OpKind::kGather, "gather", {r, b.ints("i", {0})}, DType::kI8, {1, 256});
  Value* f = b.op(OpKind::kFlatten, "after_cpu", {gth}, DType::kI8, {1, 256});
  Value* sq = b.op(OpKind::kUnsqueeze, "chain", {f, b.ints("ax", {0})}, DType::kI8, {1, 1, 256});
  b.output(sq);
  // At a graph input: the consumers decide.
  Value* y = b.input("y", DType::kI8, {1, 256});
  Value* yr = b.op(OpKind::kReshape, "in_to_npu", {y, b.ints("s2", {1, 4, 8, 8})}, DType::kI8, {1, 4, 8, 8});
  b.output(b.qconv("conv2", yr, 4, 1, 1, {1, 4, 8, 8}));
  Value* z = b.input("z", DType::kI8, {1, 256});
  Value* zr = b.op(OpKind::kSqueeze, "in_to_cpu", {z, b.ints("ax0", {0})}, DType::kI8, {256});
  b.output(b.op(OpKind::kGather, "gather2", {zr, b.ints("i2", {0})}, DType::kI8, {1}));
  EXPECT_EQ(placed(g, "after_npu").target, Target::kNpu);
  EXPECT_EQ(placed(g, "after_npu").reason, "view");
  EXPECT_EQ(cpu_reason(g, "after_cpu"), "Flatten: follows its producer");
  EXPECT_EQ(cpu_reason(g, "chain"), "Unsqueeze: follows its producer");
  EXPECT_TRUE(on_npu(g, "in_to_npu"));
  EXPECT_EQ(cpu_reason(g, "in_to_cpu"), "Squeeze: follows its consumers");
  // A reshape of float values is a float op.
  ir::Graph g2;
  Builder b2(g2);
  Value* ff = b2.input("ff", DType::kF32, {1, 4});
  b2.output(b2.op(OpKind::kReshape, "fr", {ff, b2.ints("s", {4})}, DType::kF32, {4}));
  EXPECT_EQ(cpu_reason(g2, "fr"), "Reshape: float op (not quantized)");
  // Views need a row of the march too.
  march::MarchSpec m = test_march();
  std::erase_if(m.ops, [](const march::OpConstraint& r) { return r.op == "Reshape"; });
  EXPECT_EQ(cpu_reason(g, "after_npu", m), "Reshape: not in the march's op table");
  EXPECT_FALSE(on_npu(g, "in_to_npu", m));
}

TEST(Placement, NodeInfoOverrides) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 16, 16});
  Value* c = b.qconv("conv", x, 4, 3, 3, {1, 4, 14, 14});
  Value* r = b.op(OpKind::kReshape, "view", {c, b.ints("s", {1, 784})}, DType::kI8, {1, 784});
  b.output(r);
  b.output(b.qconv("big", x, 4, 9, 9, {1, 4, 8, 8}));
  b.output(b.qconv("fine", x, 4, 1, 1, {1, 4, 16, 16}));
  PlacementOptions o;
  o.on["conv"] = config::Device::kCpu;
  o.on["big"] = config::Device::kBpu;
  o.on["fine"] = config::Device::kBpu;
  EXPECT_EQ(cpu_reason(g, "conv", test_march(), o), "node_info ON: CPU");
  EXPECT_EQ(cpu_reason(g, "view", test_march(), o), "Reshape: follows its producer");
  EXPECT_EQ(cpu_reason(g, "big", test_march(), o), "QConv: kernel 9x9 > 7x7 (node_info ON: BPU ignored)");
  EXPECT_TRUE(on_npu(g, "fine", test_march(), o));
  // ON BPU on a view whose producer runs on CPU puts it on the NPU.
  o.on["view"] = config::Device::kBpu;
  EXPECT_TRUE(on_npu(g, "view", test_march(), o));
  // Without overrides.
  EXPECT_TRUE(on_npu(g, "conv"));
  EXPECT_TRUE(on_npu(g, "view"));
}

// ---- segments ------------------------------------------------------------------------------------------

/// A float chain graph of Relu-like nodes; segment tests give the placement by hand.
std::vector<npk::Placement> targets(const ir::Graph& g, const std::string& pattern) {
  std::vector<npk::Placement> p;
  auto nodes = g.nodes();
  EXPECT_EQ(nodes.size(), pattern.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    npk::Placement pl;
    pl.node = nodes[i]->name();
    pl.op = nodes[i]->op_type();
    pl.target = pattern[i] == 'N' ? Target::kNpu : Target::kCpu;
    p.push_back(pl);
  }
  return p;
}

std::vector<std::string> S(std::initializer_list<const char*> v) {
  return {v.begin(), v.end()};
}

TEST(Segments, NpuCpuNpuChain) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 8});
  Value* a = b.qadd("a", x, b.weight("k", {1, 8}));  // the constant is not a segment input
  Value* c = b.op(OpKind::kRelu, "c", {a}, DType::kI8, {1, 8});
  Value* d = b.qadd("d", c, c);
  Value* e = b.qadd("e", d, x);
  b.output(e);
  auto segs = build_segments(g, targets(g, "NCNN"));
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].target, Target::kNpu);
  EXPECT_EQ(segs[0].nodes, (std::vector<int32_t>{0}));
  EXPECT_EQ(segs[0].inputs, S({"x"}));
  EXPECT_EQ(segs[0].outputs, S({"a_out"}));
  EXPECT_EQ(segs[1].target, Target::kCpu);
  EXPECT_EQ(segs[1].nodes, (std::vector<int32_t>{1}));
  EXPECT_EQ(segs[1].inputs, S({"a_out"}));
  EXPECT_EQ(segs[1].outputs, S({"c_out"}));
  EXPECT_EQ(segs[2].target, Target::kNpu);
  EXPECT_EQ(segs[2].nodes, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(segs[2].inputs, S({"c_out", "x"}));
  EXPECT_EQ(segs[2].outputs, S({"e_out"}));
  for (const auto& s : segs) EXPECT_EQ(s.program, -1);
}

TEST(Segments, DiamondWithCpuBranchIsReorderedWithoutCycles) {
  // a (NPU) -> b (CPU) -> d (NPU); a -> c (NPU) -> d. Graph order a, b, c, d.
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 8});
  Value* a = b.qadd("a", x, x);
  Value* bb = b.op(OpKind::kRelu, "b", {a}, DType::kI8, {1, 8});
  Value* c = b.qadd("c", a, a);
  Value* d = b.qadd("d", bb, c);
  b.output(d);
  auto segs = build_segments(g, targets(g, "NCNN"));
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].nodes, (std::vector<int32_t>{0, 2}));  // a and c run together
  EXPECT_EQ(segs[0].inputs, S({"x"}));
  EXPECT_EQ(segs[0].outputs, S({"a_out", "c_out"}));
  EXPECT_EQ(segs[1].nodes, (std::vector<int32_t>{1}));
  EXPECT_EQ(segs[1].inputs, S({"a_out"}));
  EXPECT_EQ(segs[1].outputs, S({"b_out"}));
  EXPECT_EQ(segs[2].nodes, (std::vector<int32_t>{3}));
  EXPECT_EQ(segs[2].inputs, S({"b_out", "c_out"}));
  EXPECT_EQ(segs[2].outputs, S({"d_out"}));
  // Every segment reads only values produced by earlier segments (execution order is valid).
  std::set<std::string> avail = {"x"};
  for (const auto& s : segs) {
    for (const auto& i : s.inputs) EXPECT_TRUE(avail.count(i)) << i;
    for (const auto& o : s.outputs) avail.insert(o);
  }
}

TEST(Segments, AllCpuAndAllNpu) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 8});
  Value* a = b.qadd("a", x, x);
  Value* c = b.qadd("c", a, x);
  b.output(a);  // an intermediate that is also a graph output
  b.output(c);
  for (const char* pat : {"NN", "CC"}) {
    auto segs = build_segments(g, targets(g, pat));
    ASSERT_EQ(segs.size(), 1u);
    EXPECT_EQ(segs[0].target, pat[0] == 'N' ? Target::kNpu : Target::kCpu);
    EXPECT_EQ(segs[0].nodes, (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(segs[0].inputs, S({"x"}));
    EXPECT_EQ(segs[0].outputs, S({"a_out", "c_out"}));
  }
  ir::Graph empty;
  EXPECT_TRUE(build_segments(empty, {}).empty());
}

TEST(Segments, IndependentBranchesGroupByTarget) {
  // Two independent chains interleaved in graph order: N C N C -> one NPU and one CPU segment.
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 8});
  Value* y = b.input("y", DType::kI8, {1, 8});
  Value* n1 = b.qadd("n1", x, x);
  Value* c1 = b.op(OpKind::kRelu, "c1", {y}, DType::kI8, {1, 8});
  Value* n2 = b.qadd("n2", n1, n1);
  Value* c2 = b.op(OpKind::kRelu, "c2", {c1}, DType::kI8, {1, 8});
  b.output(n2);
  b.output(c2);
  auto segs = build_segments(g, targets(g, "NCNC"));
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].nodes, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(segs[1].nodes, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(segs[0].outputs, S({"n2_out"}));
  EXPECT_EQ(segs[1].inputs, S({"y"}));
}

TEST(Segments, FromPlacement) {
  // NPU conv -> CPU gather -> NPU conv: placement and segments together.
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 8, 8});
  Value* c = b.qconv("conv", x, 4, 1, 1, {1, 4, 8, 8});
  Value* gt = b.op(OpKind::kGather, "gather", {c, b.ints("i", {0, 1, 2, 3})}, DType::kI8, {4, 4, 8, 8});
  Value* r = b.op(OpKind::kReshape, "r", {gt, b.ints("s", {1, 16, 8, 8})}, DType::kI8, {1, 16, 8, 8});
  b.output(b.qconv("conv2", r, 4, 1, 1, {1, 4, 8, 8}));
  auto p = place_nodes(g, test_march());
  auto segs = build_segments(g, p);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].nodes, (std::vector<int32_t>{0}));
  EXPECT_EQ(segs[1].nodes, (std::vector<int32_t>{1, 2}));  // the Reshape follows the CPU Gather
  EXPECT_EQ(segs[2].nodes, (std::vector<int32_t>{3}));
  EXPECT_EQ(segs[2].inputs, S({"r_out"}));
}

// ---- removal at the model's inputs and outputs -------------------------------------------------------------

/// x (f32) -> Quantize -> QConv -> [Reshape] -> Dequantize -> y (f32).
void quantized_model(ir::Graph& g, bool reshape) {
  Builder b(g);
  Value* x = b.input("x", DType::kF32, {1, 4, 8, 8});
  Value* q = b.quantize("q", x);
  Value* c = b.qconv("conv", q, 4, 1, 1, {1, 4, 8, 8});
  if (reshape) c = b.op(OpKind::kReshape, "r", {c, b.ints("shape", {1, 256})}, DType::kI8, {1, 256});
  Value* y = b.dequantize("dq", c);
  ASSERT_TRUE(g.rename_value(y, "y").ok());
  b.output(y);
}

std::vector<std::string> names(const std::vector<Value*>& v) {
  std::vector<std::string> r;
  for (const Value* x : v) r.push_back(x->name());
  return r;
}

TEST(RemoveNodes, QuantizeAtTheInputKeepsTheInputName) {
  ir::Graph g;
  quantized_model(g, false);
  g.inputs()[0]->dim_params = {"N", "", "", ""};
  RemoveOptions o;
  o.types = {"Quantize"};
  auto r = remove_boundary_nodes(g, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, S({"QuantizeLinear 'q'"}));
  ASSERT_TRUE(g.verify(true).ok()) << g.verify(true).to_string();
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name(), "x");
  EXPECT_EQ(g.inputs()[0]->dtype(), DType::kI8);
  EXPECT_EQ(g.inputs()[0]->dim_params, S({"N", "", "", ""}));
  EXPECT_EQ(g.nodes()[0]->name(), "conv");
  EXPECT_EQ(g.nodes()[0]->input(0), g.inputs()[0]);
  EXPECT_EQ(names(g.outputs()), S({"y"}));
  EXPECT_EQ(g.find_value("q_s"), nullptr);  // its scale is gone with it
}

TEST(RemoveNodes, DequantizeThenReshapeAtTheOutput) {
  ir::Graph g;
  quantized_model(g, true);
  RemoveOptions o;
  o.types = {"Dequantize", "Reshape"};
  auto r = remove_boundary_nodes(g, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, S({"DequantizeLinear 'dq'", "Reshape 'r'"}));
  ASSERT_TRUE(g.verify(true).ok()) << g.verify(true).to_string();
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name(), "y");
  EXPECT_EQ(g.outputs()[0]->dtype(), DType::kI8);
  EXPECT_EQ(g.outputs()[0]->shape(), (Shape{1, 4, 8, 8}));
  EXPECT_EQ(g.outputs()[0]->producer()->name(), "conv");
  EXPECT_EQ(g.num_nodes(), 2u);  // q, conv
  // Only Dequantize asked: the Reshape stays.
  ir::Graph g2;
  quantized_model(g2, true);
  o.types = {"Dequantize"};
  r = remove_boundary_nodes(g2, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, S({"DequantizeLinear 'dq'"}));
  EXPECT_EQ(g2.outputs()[0]->producer()->name(), "r");
  EXPECT_EQ(g2.outputs()[0]->name(), "y");
}

TEST(RemoveNodes, TransposeCastSoftmaxAtTheEnds) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("img", DType::kI8, {1, 8, 8, 4});
  Value* t = b.op(OpKind::kTranspose, "nhwc2nchw", {x}, DType::kI8, {1, 4, 8, 8}, attrs({{"perm", Ints{0, 3, 1, 2}}}));
  Value* c = b.qconv("conv", t, 4, 1, 1, {1, 4, 8, 8});
  Value* f = b.op(OpKind::kCast, "cast", {c}, DType::kF32, {1, 4, 8, 8}, attrs({{"to", int64_t{1}}}));
  Value* s = b.op(OpKind::kSoftmax, "softmax", {f}, DType::kF32, {1, 4, 8, 8}, attrs({{"axis", int64_t{1}}}));
  ASSERT_TRUE(g.rename_value(s, "prob").ok());
  b.output(s);
  RemoveOptions o;
  o.types = {"Softmax", "Cast", "Transpose"};
  auto r = remove_boundary_nodes(g, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, S({"Transpose 'nhwc2nchw'", "Softmax 'softmax'", "Cast 'cast'"}));
  ASSERT_TRUE(g.verify(true).ok()) << g.verify(true).to_string();
  EXPECT_EQ(names(g.inputs()), S({"img"}));
  EXPECT_EQ(g.inputs()[0]->shape(), (Shape{1, 4, 8, 8}));
  EXPECT_EQ(names(g.outputs()), S({"prob"}));
  EXPECT_EQ(g.outputs()[0]->dtype(), DType::kI8);
  EXPECT_EQ(g.num_nodes(), 1u);
}

TEST(RemoveNodes, ByName) {
  ir::Graph g;
  quantized_model(g, false);
  RemoveOptions o;
  o.names = {"dq", "conv"};  // conv is not at a boundary until dq is gone
  auto r = remove_boundary_nodes(g, o);
  ASSERT_TRUE(r.ok());
  // After dq goes, conv's output is the graph output: conv sits at the output and is removed too.
  EXPECT_EQ(*r, S({"DequantizeLinear 'dq'", "QConv 'conv'"}));
  ASSERT_TRUE(g.verify(true).ok()) << g.verify(true).to_string();
  EXPECT_EQ(names(g.outputs()), S({"y"}));
  EXPECT_EQ(g.outputs()[0]->producer()->name(), "q");
}

TEST(RemoveNodes, NothingAwayFromTheBoundary) {
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kI8, {1, 4, 8, 8});
  Value* c = b.qconv("conv", x, 4, 1, 1, {1, 4, 8, 8});
  Value* t = b.op(OpKind::kTranspose, "mid", {c}, DType::kI8, {1, 8, 8, 4}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
  Value* r = b.op(OpKind::kReshape, "r", {t, b.ints("s", {1, 4, 8, 8})}, DType::kI8, {1, 4, 8, 8});
  Value* c2 = b.qconv("conv2", r, 4, 1, 1, {1, 4, 8, 8});
  b.output(c2);
  b.output(c);  // conv is read by mid, so it is not output-only
  const std::string before = ir::dump(g);
  RemoveOptions o;
  o.types = {"Transpose", "Reshape"};
  o.names = {"conv"};
  auto res = remove_boundary_nodes(g, o);
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->empty());
  EXPECT_EQ(ir::dump(g), before);
}

TEST(RemoveNodes, UnknownTypeIsAnError) {
  ir::Graph g;
  quantized_model(g, false);
  RemoveOptions o;
  o.types = {"Quantize", "Conv"};
  auto r = remove_boundary_nodes(g, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'Conv'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Quantize, Dequantize, Transpose, Cast, Reshape, Softmax"), std::string::npos);
  EXPECT_EQ(g.num_nodes(), 3u);  // nothing removed
}

TEST(RemoveNodes, AutoCpuEnds) {
  // x -> Quantize -> QConv -> Gather (not on the NPU) -> Dequantize -> y: only the QConv remains.
  ir::Graph g;
  Builder b(g);
  Value* x = b.input("x", DType::kF32, {1, 4, 8, 8});
  Value* q = b.quantize("q", x);
  Value* c = b.qconv("conv", q, 4, 1, 1, {1, 4, 8, 8});
  Value* gt = b.op(OpKind::kGather, "gather", {c, b.ints("i", {0})}, DType::kI8, {1, 4, 8, 8});
  Value* y = b.dequantize("dq", gt);
  ASSERT_TRUE(g.rename_value(y, "y").ok());
  b.output(y);
  const march::MarchSpec m = test_march();
  RemoveOptions o;
  o.auto_cpu_ends = true;
  auto r = remove_boundary_nodes(g, o);
  ASSERT_FALSE(r.ok());  // needs a march
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  o.placement_march = &m;
  r = remove_boundary_nodes(g, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, S({"QuantizeLinear 'q'", "DequantizeLinear 'dq'", "Gather 'gather'"}));
  ASSERT_TRUE(g.verify(true).ok()) << g.verify(true).to_string();
  ASSERT_EQ(g.num_nodes(), 1u);
  EXPECT_EQ(names(g.inputs()), S({"x"}));
  EXPECT_EQ(names(g.outputs()), S({"y"}));
  auto p = place_nodes(g, m);
  EXPECT_EQ(p[0].target, Target::kNpu);
}

}  // namespace
}  // namespace npukit::npu
