// SPDX-License-Identifier: Apache-2.0
// quant/lower_qdq: small hand-built QDQ graphs (npukit's own int8 symmetric form and the foreign uint8
// asymmetric form of ONNX Runtime's quantize_static) are lowered; each test checks the exact node list of the
// integer graph, then runs both graphs on random inputs and requires every integer tensor to be within 1 LSB of
// the QDQ tensor of the same name (the QDQ graph runs DQ -> float op -> Q in the reference interpreter).
//
// Why 1 LSB and not 0: the float graph computes y = s_in * s_w * acc (f32 products and sums) and rounds y / s_out
// half to even; the integer op computes acc * M with M = s_in * s_w / s_out encoded as a 31-bit fixed-point
// multiplier and rounds half up. The two real values differ by a relative ~2^-24 (f32) and 2^-31 (multiplier),
// so they only land on different codes when the exact value lies within that distance of a rounding boundary,
// and then on the neighbouring code: never 2 apart (docs/QUANTIZATION.md, "Accuracy of the integer kernels").
// Each test also requires most elements to agree exactly and the outputs to be non-degenerate.
#include "quant/lower_qdq.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "frontend/onnx_export.h"
#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "util/graph_builder.h"
#include "util/qdq_compare.h"

namespace npukit {
namespace {

using ir::OpKind;
using ir::Value;
using testing::GraphBuilder;

/// Builds QDQ graphs with unique names.
class QdqBuilder {
 public:
  explicit QdqBuilder(ir::Graph& g) : b(g) {}

  Value* q(Value* x, float scale, int zp, DType t) {
    const std::string n = "q" + std::to_string(++k_);
    Tensor z(t, {});
    if (t == DType::kU8)
      z.data<uint8_t>()[0] = static_cast<uint8_t>(zp);
    else
      z.data<int8_t>()[0] = static_cast<int8_t>(zp);
    return b.op(OpKind::kQuantizeLinear, n, {x, b.constant(n + "_s", Tensor::scalar(scale)), b.constant(n + "_z", z)});
  }
  Value* dq(Value* x, float scale, int zp, DType t) {
    const std::string n = "dq" + std::to_string(++k_);
    Tensor z(t, {});
    if (t == DType::kU8)
      z.data<uint8_t>()[0] = static_cast<uint8_t>(zp);
    else
      z.data<int8_t>()[0] = static_cast<int8_t>(zp);
    return b.op(OpKind::kDequantizeLinear, n,
                {x, b.constant(n + "_s", Tensor::scalar(scale)), b.constant(n + "_z", z)});
  }
  /// Q then DQ (an activation's fake quantization).
  Value* qdq(Value* x, float scale, int zp, DType t) { return dq(q(x, scale, zp, t), scale, zp, t); }

  /// Per-channel int8 weights (axis `axis`, zero point 0) behind a DequantizeLinear.
  Value* weights(const Shape& shape, int64_t axis, uint32_t seed) {
    const std::string n = "w" + std::to_string(++k_);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-127, 127);
    Tensor w(DType::kI8, shape);
    for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(d(rng));
    std::vector<float> s(static_cast<size_t>(shape[static_cast<size_t>(axis)]));
    for (size_t c = 0; c < s.size(); ++c) s[c] = 0.004f + 0.001f * static_cast<float>(c % 5);
    scales_ = s;
    Attrs a;
    a.set("axis", axis);
    return b.op(OpKind::kDequantizeLinear, n,
                {b.constant(n + "_q", w), b.constant(n + "_s", Tensor::from_vector(s, {int64_t(s.size())})),
                 b.constant(n + "_z", Tensor(DType::kI8, {int64_t(s.size())}))},
                a);
  }
  /// int32 bias with scale s_in * s_w[c] (the scales of the last weights()).
  Value* bias(float s_in, uint32_t seed) {
    const std::string n = "b" + std::to_string(++k_);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-400, 400);
    Tensor t(DType::kI32, {int64_t(scales_.size())});
    std::vector<float> s;
    for (size_t c = 0; c < scales_.size(); ++c) {
      t.data<int32_t>()[c] = d(rng);
      s.push_back(s_in * scales_[c]);
    }
    Attrs a;
    a.set("axis", int64_t{0});
    return b.op(OpKind::kDequantizeLinear, n,
                {b.constant(n + "_q", t), b.constant(n + "_s", Tensor::from_vector(s, {int64_t(s.size())}))}, a);
  }

  GraphBuilder b;

 private:
  int k_ = 0;
  std::vector<float> scales_;
};

Tensor random_input(const Shape& s, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

/// resolve() without constant folding: folding would turn DequantizeLinear(constant int8 weights) into f32
/// constants and erase the QDQ weights (these graphs have no shape computations that need folding).
bool resolve_keeping_dq(ir::Model& m) {
  interp::ResolveOptions opt;
  opt.fold_constants = false;
  Status s = interp::resolve(m, opt);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return s.ok();
}

std::vector<std::string> op_types(const ir::Graph& g) {
  std::vector<std::string> v;
  for (const ir::Node* n : g.nodes()) v.push_back(n->op_type());
  return v;
}

/// Lowers a copy of the resolved model `m` (re-imported through ONNX bytes, which also proves that QDQ graphs
/// round-trip) and returns it.
ir::Model lower_copy(const ir::Model& m, quant::LowerQdqStats* stats = nullptr) {
  auto bytes = frontend::serialize_onnx(m);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto copy = frontend::parse_onnx(*bytes, "copy", "", {});
  EXPECT_TRUE(copy.ok()) << copy.status().to_string();
  EXPECT_TRUE(resolve_keeping_dq(*copy));
  Status s = quant::lower_qdq_to_integer(copy->graph, stats);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return std::move(*copy);
}

/// Teacher-forced comparison (each integer node on the QDQ run's input codes): every tensor within 1 LSB, at
/// least 90% of the elements exactly equal. Free-running (the integer graph on its own codes): a 1-LSB difference
/// early on is a real input difference for the next layer and is amplified by it (e.g. by a Gemm's weights), so
/// no per-element bound holds in general; single-op graphs (`single_op`) must stay within 1 LSB, deeper ones
/// within `free_lsb` (measured, printed).
void expect_within_one_lsb(const ir::Graph& qdq, const ir::Graph& integer, const Shape& in_shape, int min_tensors,
                           int64_t free_lsb = 1) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::vector<Tensor> in{random_input(in_shape, seed)};
    auto tf = testing::teacher_forced_lsb(qdq, integer, in);
    ASSERT_TRUE(tf.ok()) << tf.status().to_string();
    EXPECT_GE(tf->tensors, min_tensors);
    EXPECT_LE(tf->max_lsb, 1) << "teacher-forced, worst tensor " << tf->worst;
    EXPECT_LE(tf->off * 10, tf->elements) << "more than 10% of the codes differ";
    auto fr = testing::free_running_lsb(qdq, integer, in);
    ASSERT_TRUE(fr.ok()) << fr.status().to_string();
    std::cout << "seed " << seed << ": teacher-forced max " << tf->max_lsb << " LSB (" << tf->off << "/" << tf->elements
              << " differ), free-running max " << fr->max_lsb << " LSB at " << fr->worst << " (" << fr->off << "/"
              << fr->elements << " differ)\n";
    EXPECT_LE(fr->max_lsb, free_lsb) << "free-running, worst tensor " << fr->worst;
  }
}

// npukit's own QDQ form: int8 symmetric activations, per-channel weights, int32 bias, Relu with its own Q/DQ,
// a Flatten between two quantized tensors with equal parameters.
TEST(LowerQdq, NpukitInt8ConvReluMaxPoolGapGemm) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 3, 9, 9});
  const float s_x = 2.0f / 127, s_c = 0.05f, s_p = 0.045f, s_g = 0.03f;
  Value* xq = q.qdq(x, s_x, 0, DType::kI8);
  Attrs ca;
  ca.set("strides", std::vector<int64_t>{2, 2});
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Value* c = b.op(OpKind::kConv, "conv", {xq, q.weights({5, 3, 3, 3}, 0, 7), q.bias(s_x, 8)}, ca);
  Value* r = b.op(OpKind::kRelu, "relu", {q.qdq(c, s_c, 0, DType::kI8)});
  Attrs pa;
  pa.set("kernel_shape", std::vector<int64_t>{2, 2});
  Value* p = b.op(OpKind::kMaxPool, "pool", {q.qdq(r, s_c, 0, DType::kI8)}, pa);
  Value* gap = b.op(OpKind::kGlobalAveragePool, "gap", {q.qdq(p, s_p, 0, DType::kI8)});
  Value* f = b.op(OpKind::kFlatten, "flat", {q.qdq(gap, s_g, 0, DType::kI8)});
  Attrs ga;
  ga.set("transB", int64_t{1});
  Value* gm = b.op(OpKind::kGemm, "fc", {q.qdq(f, s_g, 0, DType::kI8), q.weights({4, 5}, 0, 9), q.bias(s_g, 10)}, ga);
  b.output(q.qdq(gm, 0.02f, 0, DType::kI8));
  ASSERT_TRUE(resolve_keeping_dq(m));

  quant::LowerQdqStats stats;
  ir::Model lowered = lower_copy(m, &stats);
  // The Relu's Requantize (equal scales) folds into QConv's clamp; the MaxPool runs on codes and is followed
  // by a Requantize (its Q has another scale); GAP -> Q -> DQ -> Flatten -> Q with equal parameters is a
  // Flatten on codes.
  EXPECT_EQ(op_types(lowered.graph),
            (std::vector<std::string>{"QuantizeLinear", "QConv", "MaxPool", "Requantize", "QGlobalAveragePool",
                                      "Flatten", "QGemm", "DequantizeLinear"}));
  EXPECT_TRUE(stats.float_ops.empty());
  for (const ir::Node* n : lowered.graph.nodes())
    if (n->op() == OpKind::kQConv) {
      EXPECT_EQ(n->attrs().get_int("y_min"), 0) << "fused Relu";
      EXPECT_EQ(n->attrs().get_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
      EXPECT_EQ(n->attrs().get_ints("multiplier").size(), 5u) << "per-channel";
    }
  // Interface unchanged.
  ASSERT_EQ(lowered.graph.outputs().size(), 1u);
  EXPECT_EQ(lowered.graph.outputs()[0]->name(), m.graph.outputs()[0]->name());
  EXPECT_EQ(lowered.graph.outputs()[0]->dtype(), DType::kF32);
  // Free-running: a 1-LSB GAP difference times the Gemm's gain sum|w| * s_w * s_g / s_out (about 1.5 here)
  // reaches 3 LSB at the output.
  expect_within_one_lsb(m.graph, lowered.graph, {1, 3, 9, 9}, 5, 3);
}

// A conv / gemm whose float result is the model output (no QuantizeLinear after it) keeps its matrix work
// integer: QConv / QGemm with y_dtype 6 write the int32 accumulator and a per-channel DequantizeLinear (scale
// s_x * s_w[c]) produces the float output. Against the QDQ graph (float conv of the dequantized values) the
// only difference is f32 rounding of the sum: relative 1e-5 of the output range bounds it (27 / 3 terms).
TEST(LowerQdq, FinalLayersWriteTheInt32Accumulator) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 3, 7, 7});
  const float s_x = 2.0f / 127;
  Attrs ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Value* xq = q.qdq(x, s_x, 0, DType::kI8);
  Value* c = b.op(OpKind::kConv, "head", {xq, q.weights({5, 3, 3, 3}, 0, 21), q.bias(s_x, 22)}, ca);
  b.output(b.op(OpKind::kRelu, "head_relu", {c}));  // folds into the accumulator's clamp
  Value* g = b.op(OpKind::kGlobalAveragePool, "gap", {xq});
  Value* f = b.op(OpKind::kFlatten, "flat", {q.qdq(g, 0.04f, 0, DType::kI8)});
  Attrs ga;
  ga.set("transB", int64_t{1});
  b.output(
      b.op(OpKind::kGemm, "fc", {q.qdq(f, 0.04f, 0, DType::kI8), q.weights({4, 3}, 0, 23), q.bias(0.04f, 24)}, ga));
  ASSERT_TRUE(resolve_keeping_dq(m));
  quant::LowerQdqStats stats;
  ir::Model lowered = lower_copy(m, &stats);
  EXPECT_TRUE(stats.float_ops.empty());
  int acc_outputs = 0;
  for (const ir::Node* n : lowered.graph.nodes()) {
    if (n->op() != OpKind::kQConv && n->op() != OpKind::kQGemm) continue;
    ++acc_outputs;
    EXPECT_EQ(n->attrs().get_int("y_dtype"), 6) << n->name();
    EXPECT_EQ(n->output(0)->dtype(), DType::kI32);
    ASSERT_EQ(n->output(0)->users().size(), 1u);
    const ir::Node* dq = n->output(0)->users()[0];
    EXPECT_EQ(dq->op(), OpKind::kDequantizeLinear);
    EXPECT_EQ(dq->input(1)->shape(), (Shape{n->op() == OpKind::kQConv ? 5 : 4})) << "per-channel scale";
    if (n->op() == OpKind::kQConv) {
      EXPECT_EQ(n->attrs().get_int("y_min"), 0) << "Relu folded";
    }
  }
  EXPECT_EQ(acc_outputs, 2);
  for (uint32_t seed : {1u, 2u}) {
    const std::vector<Tensor> in{random_input({1, 3, 7, 7}, seed)};
    auto want = interp::Interpreter(m.graph).run(in);
    auto got = interp::Interpreter(lowered.graph).run(in);
    ASSERT_TRUE(want.ok() && got.ok());
    ASSERT_EQ(got->size(), 2u);
    for (size_t o = 0; o < 2; ++o) {
      const Tensor& y = (*got)[o];
      const Tensor& r = (*want)[o];
      ASSERT_EQ(y.shape(), r.shape());
      double range = 0;
      for (int64_t i = 0; i < r.numel(); ++i) range = std::max(range, std::fabs((double)r.data<float>()[i]));
      ASSERT_GT(range, 0.0);
      for (int64_t i = 0; i < r.numel(); ++i) EXPECT_NEAR(y.data<float>()[i], r.data<float>()[i], 1e-5 * range) << i;
    }
  }
}

// Nearest-neighbour Resize only moves elements: DQ -> Resize(nearest) -> Q with equal parameters runs on the
// codes (the reference Resize copies integer codes), exactly.
TEST(LowerQdq, NearestResizeRunsOnCodes) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 2, 5, 3});
  Attrs ra;
  ra.set("mode", std::string("nearest"));
  Value* r = b.op(OpKind::kResize, "up",
                  {q.qdq(x, 0.02f, 0, DType::kI8), b.constant("roi", Tensor(DType::kF32, {0})),
                   b.constant("scales", testing::f32({1.f, 1.f, 2.f, 3.f}, {4}))},
                  ra);
  b.output(q.qdq(r, 0.02f, 0, DType::kI8));
  ASSERT_TRUE(resolve_keeping_dq(m));
  ir::Model lowered = lower_copy(m);
  EXPECT_EQ(op_types(lowered.graph), (std::vector<std::string>{"QuantizeLinear", "Resize", "DequantizeLinear"}));
  for (uint32_t seed : {1u, 2u}) {
    const std::vector<Tensor> in{random_input({1, 2, 5, 3}, seed)};
    auto want = interp::Interpreter(m.graph).run(in);
    auto got = interp::Interpreter(lowered.graph).run(in);
    ASSERT_TRUE(want.ok() && got.ok()) << (got.ok() ? want.status().to_string() : got.status().to_string());
    EXPECT_TRUE((*want)[0].bit_equal((*got)[0]));
  }
}

// Foreign form (ONNX Runtime quantize_static / ../shared/peers/lib/quantize_qdq.py): uint8 activations with
// zero points, Relu folded into the Conv's Q range (zero point 0), Add of two branches, Sigmoid, Concat with
// different scales, MatMul with per-tensor int8 constant weights, AveragePool.
TEST(LowerQdq, ForeignUint8AsymmetricGraph) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 4, 6, 6});
  const float s_x = 4.0f / 255;
  Value* xq = q.qdq(x, s_x, 128, DType::kU8);
  Attrs ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Value* c1 = b.op(OpKind::kConv, "conv1", {xq, q.weights({4, 4, 3, 3}, 0, 11), q.bias(s_x, 12)}, ca);
  Value* c1q = q.qdq(c1, 0.03f, 0, DType::kU8);  // Relu folded: range [0, 7.65]
  Attrs ga;
  ga.set("group", int64_t{4});
  ga.set("dilations", std::vector<int64_t>{2, 2});
  ga.set("pads", std::vector<int64_t>{2, 2, 2, 2});
  Value* c2 = b.op(OpKind::kConv, "dwconv", {xq, q.weights({4, 1, 3, 3}, 0, 13), q.bias(s_x, 14)}, ga);
  Value* c2q = q.qdq(c2, 0.02f, 120, DType::kU8);
  Value* add = b.op(OpKind::kAdd, "add", {c1q, c2q});
  Value* addq = q.qdq(add, 0.035f, 110, DType::kU8);
  Value* sg = b.op(OpKind::kSigmoid, "sig", {addq});
  Value* sgq = q.qdq(sg, 1.0f / 255, 0, DType::kU8);
  Attrs cat;
  cat.set("axis", int64_t{1});
  Value* cc = b.op(OpKind::kConcat, "cat", {sgq, addq}, cat);
  Value* ccq = q.qdq(cc, 0.035f, 110, DType::kU8);
  Attrs ap;
  ap.set("kernel_shape", std::vector<int64_t>{3, 3});
  ap.set("strides", std::vector<int64_t>{2, 2});
  ap.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Value* avg = b.op(OpKind::kAveragePool, "avg", {ccq}, ap);
  Value* avgq = q.qdq(avg, 0.03f, 100, DType::kU8);
  Tensor wq(DType::kI8, {3, 5});
  for (int64_t i = 0; i < wq.numel(); ++i) wq.data<int8_t>()[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  Value* w = b.op(
      OpKind::kDequantizeLinear, "wdq",
      {b.constant("mw", wq), b.constant("mw_s", Tensor::scalar(0.01f)), b.constant("mw_z", Tensor(DType::kI8, {}))});
  Value* mm = b.op(OpKind::kMatMul, "mm", {avgq, w});
  b.output(q.qdq(mm, 0.01f, 128, DType::kU8));
  ASSERT_TRUE(resolve_keeping_dq(m));

  quant::LowerQdqStats stats;
  ir::Model lowered = lower_copy(m, &stats);
  EXPECT_EQ(op_types(lowered.graph),
            (std::vector<std::string>{"QuantizeLinear", "QConv", "QConv", "QAdd", "QLut", "QConcat", "QAveragePool",
                                      "QMatMul", "DequantizeLinear"}));
  EXPECT_TRUE(stats.float_ops.empty());
  // Free-running: the MatMul gain sum|w| * 0.01 * 0.03 / 0.01 is up to ~9 per input LSB; measured 6.
  expect_within_one_lsb(m.graph, lowered.graph, {1, 4, 6, 6}, 7, 6);
}

// Unmatched ops stay float between DequantizeLinear and QuantizeLinear; DQ -> Q pairs with equal parameters
// vanish, with different parameters become Requantize; an Add with an f32 constant becomes QAdd with an
// int16 constant (npukit's QDQ leaves constant operands in float); Pad pads with the zero point's code.
TEST(LowerQdq, FloatIslandsPairsConstantsAndPad) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {2, 3, 4, 5});
  Value* xq = q.q(x, 0.02f, 100, DType::kU8);
  Value* x1 = q.dq(xq, 0.02f, 100, DType::kU8);
  Value* x2 = q.dq(q.q(x1, 0.02f, 100, DType::kU8), 0.02f, 100, DType::kU8);  // identical pair: vanishes
  Attrs pa;
  Value* pads = b.constant("pads", Tensor::from_vector<int64_t>({0, 0, 1, 2, 0, 0, 2, 1}, {8}));
  Value* padded = b.op(OpKind::kPad, "pad", {x2, pads}, pa);
  Value* pq = q.q(padded, 0.02f, 100, DType::kU8);
  Value* sm = b.op(OpKind::kSoftmax, "softmax", {q.dq(pq, 0.02f, 100, DType::kU8)});  // no integer form: stays float
  Value* smq = q.dq(q.q(sm, 1.0f / 255, 0, DType::kU8), 1.0f / 255, 0, DType::kU8);
  Value* bias = b.constant("bias", testing::f32({0.5f, -0.25f, 0.125f, 1.0f, -1.5f, 0.75f, 0.0f, 0.3f}, {8}));
  Value* ad = b.op(OpKind::kAdd, "addc", {smq, bias});
  Value* adq = q.q(ad, 0.01f, 150, DType::kU8);
  Value* rq = q.q(q.dq(adq, 0.01f, 150, DType::kU8), 0.015f, -5, DType::kI8);  // DQ -> Q with other params: Requantize
  b.output(q.dq(rq, 0.015f, -5, DType::kI8));
  ASSERT_TRUE(resolve_keeping_dq(m));

  quant::LowerQdqStats stats;
  ir::Model lowered = lower_copy(m, &stats);
  EXPECT_EQ(op_types(lowered.graph),
            (std::vector<std::string>{"QuantizeLinear", "Pad", "DequantizeLinear", "Softmax", "QuantizeLinear", "QAdd",
                                      "Requantize", "DequantizeLinear"}));
  EXPECT_EQ(stats.removed_pairs, 1);
  ASSERT_EQ(stats.float_ops.size(), 1u);
  EXPECT_EQ(stats.float_ops[0], "Softmax 'softmax'");
  for (const ir::Node* n : lowered.graph.nodes()) {
    if (n->op() == OpKind::kPad) {
      ASSERT_TRUE(n->input(2) && n->input(2)->is_constant());
      EXPECT_EQ(n->input(2)->const_value()->get_as_int64(0), 100) << "pads with the zero point";
    }
    if (n->op() == OpKind::kQAdd) {
      EXPECT_EQ(n->input(1)->dtype(), DType::kI16) << "f32 constant operand quantized to int16";
      EXPECT_EQ(n->attrs().get_int("left_shift"), 15);
    }
  }
  expect_within_one_lsb(m.graph, lowered.graph, {2, 3, 4, 5}, 4);
}

// An integer op followed by data movement before its QuantizeLinear (squeezenet: Concat -> Dropout -> Q): the
// op takes the Q's parameters and the chain runs on its codes; a constant Pad in that chain pads with
// quantize(value) clamped by the absorbed Relu (here quantize(-1) -> the zero point).
TEST(LowerQdq, DataMovementTailAfterAnIntegerOp) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 2, 3, 4});
  Value* y = b.input("y", DType::kF32, {1, 3, 3, 4});
  Attrs ca;
  ca.set("axis", int64_t{1});
  Value* c = b.op(OpKind::kConcat, "cat", {q.qdq(x, 0.02f, 128, DType::kU8), q.qdq(y, 0.01f, 0, DType::kI8)}, ca);
  Value* r = b.op(OpKind::kReshape, "reshape", {c, b.constant("shape", Tensor::from_vector<int64_t>({1, 5, 12}))});
  Value* p = b.op(OpKind::kPad, "pad",
                  {r, b.constant("pads", Tensor::from_vector<int64_t>({0, 1, 0, 0, 0, 2})),
                   b.constant("padv", Tensor::scalar(-1.0f))});
  Value* rl = b.op(OpKind::kRelu, "relu", {p});
  b.output(q.qdq(rl, 0.015f, 10, DType::kU8));
  ASSERT_TRUE(resolve_keeping_dq(m));
  ir::Model lowered = lower_copy(m);
  EXPECT_EQ(op_types(lowered.graph), (std::vector<std::string>{"QuantizeLinear", "QuantizeLinear", "QConcat", "Reshape",
                                                               "Pad", "DequantizeLinear"}));
  for (const ir::Node* n : lowered.graph.nodes()) {
    if (n->op() == OpKind::kQConcat) {
      EXPECT_EQ(n->attrs().get_int("y_min"), 10) << "Relu clamp at the zero point";
    }
    if (n->op() == OpKind::kPad) {
      EXPECT_EQ(n->input(2)->const_value()->get_as_int64(0), 10);
    }
  }
  for (uint32_t seed : {1u, 2u}) {
    const std::vector<Tensor> in{random_input({1, 2, 3, 4}, seed), random_input({1, 3, 3, 4}, seed + 10)};
    auto fr = testing::free_running_lsb(m.graph, lowered.graph, in);
    ASSERT_TRUE(fr.ok()) << fr.status().to_string();
    EXPECT_GE(fr->tensors, 1);
    EXPECT_LE(fr->max_lsb, 1) << fr->worst;
  }
}

// The integer graph exports with domain "npukit" and an opset_import entry, re-imports, and runs bit-identically.
TEST(LowerQdq, IntegerGraphRoundTripsThroughOnnx) {
  ir::Model m;
  QdqBuilder q(m.graph);
  auto& b = q.b;
  Value* x = b.input("x", DType::kF32, {1, 2, 5, 5});
  Value* xq = q.qdq(x, 0.02f, 0, DType::kI8);
  Value* c = b.op(OpKind::kConv, "conv", {xq, q.weights({3, 2, 3, 3}, 0, 3), q.bias(0.02f, 4)});
  b.output(q.qdq(c, 0.05f, 0, DType::kI8));
  ASSERT_TRUE(resolve_keeping_dq(m));
  ir::Model lowered = lower_copy(m);
  auto bytes = frontend::serialize_onnx(lowered);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  EXPECT_NE(bytes->find("npukit"), std::string::npos);
  auto back = frontend::parse_onnx(*bytes, "int", "", {});
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->opset_imports.at("npukit"), 1);
  ASSERT_TRUE(resolve_keeping_dq(*back));
  EXPECT_EQ(op_types(back->graph), op_types(lowered.graph));
  const std::vector<Tensor> in{random_input({1, 2, 5, 5}, 5)};
  auto a = interp::Interpreter(lowered.graph).run(in);
  auto r = interp::Interpreter(back->graph).run(in);
  ASSERT_TRUE(a.ok() && r.ok());
  EXPECT_TRUE((*a)[0] == (*r)[0]);
  expect_within_one_lsb(m.graph, lowered.graph, {1, 2, 5, 5}, 1);

  // Without the opset_import entry for "npukit" the import fails, naming the domain.
  onnx::ModelProto mp;
  ASSERT_TRUE(mp.ParseFromString(*bytes));
  for (int i = 0; i < mp.opset_import_size(); ++i)
    if (mp.opset_import(i).domain() == "npukit") mp.mutable_opset_import()->DeleteSubrange(i, 1);
  auto bad = frontend::parse_onnx(mp.SerializeAsString(), "int", "", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnsupportedOp);
  EXPECT_NE(bad.status().message().find("npukit"), std::string::npos) << bad.status().message();
  // A QConv in the default domain is unknown.
  for (auto& n : *mp.mutable_graph()->mutable_node())
    if (n.domain() == "npukit") n.clear_domain();
  bad = frontend::parse_onnx(mp.SerializeAsString(), "int", "", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnsupportedOp);
}

}  // namespace
}  // namespace npukit
