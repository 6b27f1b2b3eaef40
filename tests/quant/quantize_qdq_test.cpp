// SPDX-License-Identifier: Apache-2.0
// quantize_to_qdq (quant/quantize_qdq.h) and compare_float_quant (quant/similarity.h) on a hand-built
// Conv(+bias) -> Relu -> Flatten -> Gemm(+bias) graph with deterministic weights: graph structure, exact
// int8 weights / per-channel scales / int32 biases as quant/arith.h computes them, outputs equal to a
// hand-simulated fake-quant computation, similarity rows, and an ONNX export / re-import round trip.
#include "quant/quantize_qdq.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "frontend/onnx_export.h"
#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "quant/arith.h"
#include "quant/calibrate_graph.h"
#include "quant/similarity.h"
#include "util/graph_builder.h"

namespace npukit::quant {
namespace {

using ir::OpKind;
using npukit::testing::f32;
using npukit::testing::GraphBuilder;

constexpr int kCin = 2, kCout = 3, kHW = 4, kK = 3, kFeat = kCout * kHW * kHW, kOut = 4;

std::vector<float> conv_w() {  // [3,2,3,3], channel c scaled by (c + 1) so per-channel scales differ
  std::vector<float> w(kCout * kCin * kK * kK);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(static_cast<int>((i * 7) % 11) - 5) * 0.05f * static_cast<float>(i / 18 + 1);
  return w;
}
std::vector<float> conv_b() {
  return {0.1f, -0.25f, 0.03f};
}
std::vector<float> gemm_w() {  // [4,48] (transB = 1)
  std::vector<float> w(kOut * kFeat);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(static_cast<int>((i * 13) % 17) - 8) * 0.01f * static_cast<float>(i / kFeat + 1);
  return w;
}
std::vector<float> gemm_b() {
  return {0.5f, -0.2f, 0.0f, 0.07f};
}

// x[1,2,4,4] -> Conv "conv" (3x3, pads 1, bias) -> c -> Relu "relu" -> r -> Flatten "flat" -> f
//   -> Gemm "gemm" (transB = 1, bias) -> y (graph output).
void build(ir::Model& m) {
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, kCin, kHW, kHW});
  Attrs ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ca.set("kernel_shape", std::vector<int64_t>{kK, kK});
  ir::Node* conv = b.node(
      OpKind::kConv, "conv",
      {x, b.constant("w", f32(conv_w(), {kCout, kCin, kK, kK})), b.constant("b", f32(conv_b(), {kCout}))}, {"c"}, ca);
  conv->origin() = {"Conv_0"};
  ir::Node* relu = b.node(OpKind::kRelu, "relu", {conv->output(0)}, {"r"});
  relu->origin() = {"Relu_1"};
  ir::Node* flat = b.node(OpKind::kFlatten, "flat", {relu->output(0)}, {"f"});
  flat->origin() = {"Flatten_2"};
  Attrs ga;
  ga.set("transB", int64_t{1});
  ir::Node* gemm =
      b.node(OpKind::kGemm, "gemm",
             {flat->output(0), b.constant("B", f32(gemm_w(), {kOut, kFeat})), b.constant("C", f32(gemm_b(), {kOut}))},
             {"y"}, ga);
  gemm->origin() = {"Gemm_3"};
  b.output(gemm->output(0));
  ASSERT_TRUE(interp::resolve(m).ok());
}

std::vector<std::vector<Tensor>> samples() {
  std::vector<std::vector<Tensor>> s;
  for (int k = 0; k < 3; ++k) {
    std::vector<float> v(kCin * kHW * kHW);
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = std::sin(0.37f * static_cast<float>(i) + static_cast<float>(k)) * (1.5f + 0.5f * static_cast<float>(k));
    s.push_back({f32(v, {1, kCin, kHW, kHW})});
  }
  return s;
}

CalibTable calibrate(const ir::Model& m) {
  CalibOptions o;
  o.method = {CalibMethod::kMax, 1.0};
  o.progress_every = 0;
  auto t = calibrate_graph(m.graph, samples(), o);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? *t : CalibTable{};
}

float fq(float v, float s) {
  return dequantize_value(quantize_value(v, s, 0, kRangeI8), s, 0);
}
float act_scale(const CalibTable& t, const std::string& n) {
  return symmetric_scale(static_cast<float>(t.find(n)->threshold), 8);
}
std::vector<float> channel_scales(const std::vector<float>& w, int channels) {
  std::vector<float> s;
  const size_t per = w.size() / static_cast<size_t>(channels);
  for (int c = 0; c < channels; ++c) {
    float m = 0;
    for (size_t i = 0; i < per; ++i) m = std::max(m, std::fabs(w[c * per + i]));
    s.push_back(symmetric_scale(m, 8));
  }
  return s;
}

/// Fake-quant forward pass written out by hand from the arith.h rules.
std::vector<float> simulate(const CalibTable& t, const Tensor& xin) {
  const float sx = act_scale(t, "x"), sr = act_scale(t, "r"), sf = act_scale(t, "f"), sy = act_scale(t, "y");
  const std::vector<float> w = conv_w(), cb = conv_b(), B = gemm_w(), C = gemm_b();
  const std::vector<float> sw = channel_scales(w, kCout), sB = channel_scales(B, kOut);
  std::vector<float> x(xin.data<float>(), xin.data<float>() + xin.numel());
  for (float& v : x) v = fq(v, sx);
  std::vector<float> f(kFeat);
  for (int co = 0; co < kCout; ++co)
    for (int oy = 0; oy < kHW; ++oy)
      for (int ox = 0; ox < kHW; ++ox) {
        float acc = 0;
        for (int ci = 0; ci < kCin; ++ci)
          for (int ky = 0; ky < kK; ++ky)
            for (int kx = 0; kx < kK; ++kx) {
              const int iy = oy + ky - 1, ix = ox + kx - 1;
              if (iy < 0 || iy >= kHW || ix < 0 || ix >= kHW) continue;
              const size_t wi = ((co * kCin + ci) * kK + ky) * kK + kx;
              const float wq = dequantize_value(quantize_value(w[wi], sw[co], 0, kRangeWeightI8), sw[co], 0);
              acc += x[(ci * kHW + iy) * kHW + ix] * wq;
            }
        acc += dequantize_value(quantize_bias(cb[co], sx, sw[co]), sx * sw[co], 0);
        const float c = acc;  // c only feeds the Relu: fused (no Q/DQ of its own)
        // Relu, Q/DQ on r (feeds Flatten), Flatten, Q/DQ on f (feeds Gemm).
        f[(co * kHW + oy) * kHW + ox] = fq(fq(std::max(c, 0.0f), sr), sf);
      }
  std::vector<float> y(kOut);
  for (int n = 0; n < kOut; ++n) {
    float acc = 0;
    for (int k = 0; k < kFeat; ++k)
      acc += f[k] * dequantize_value(quantize_value(B[n * kFeat + k], sB[n], 0, kRangeWeightI8), sB[n], 0);
    acc += dequantize_value(quantize_bias(C[n], sf, sB[n]), sf * sB[n], 0);
    y[n] = fq(acc, sy);  // graph output Q/DQ
  }
  return y;
}

std::map<std::string, int> op_counts(const ir::Graph& g) {
  std::map<std::string, int> c;
  for (const ir::Node* n : g.nodes()) ++c[n->op_type()];
  return c;
}

const ir::Node* producer_of_input(const ir::Graph& g, const std::string& node, size_t slot) {
  for (const ir::Node* n : g.nodes())
    if (n->name() == node) return n->input(slot) ? n->input(slot)->producer() : nullptr;
  return nullptr;
}

TEST(QuantizeQdq, StructureWeightsAndBiasesFollowArith) {
  ir::Model m;
  build(m);
  const CalibTable t = calibrate(m);
  ASSERT_TRUE(quantize_to_qdq(m.graph, t, {}).ok());
  ASSERT_TRUE(m.graph.verify(true).ok());
  // Activation pairs on x (Conv), r (Flatten), f (Gemm) and y (output). c only feeds the Relu: the
  // activation is fused into the conv's requantization, so c gets no pair.
  const std::map<std::string, int> want{{"Conv", 1}, {"Relu", 1},           {"Flatten", 1},
                                        {"Gemm", 1}, {"QuantizeLinear", 4}, {"DequantizeLinear", 8}};
  EXPECT_EQ(op_counts(m.graph), want);
  EXPECT_EQ(m.graph.find_value("c")->users().front()->op(), OpKind::kRelu);
  for (const char* v : {"x", "r", "f"}) {
    const ir::Value* dq = nullptr;
    for (const ir::Node* n : m.graph.nodes())
      if (n->name() == std::string(v) + "/DequantizeLinear") dq = n->output(0);
    ASSERT_NE(dq, nullptr) << v;
    const ir::Node* q = dq->producer()->input(0)->producer();
    ASSERT_EQ(q->op(), OpKind::kQuantizeLinear);
    EXPECT_EQ(q->name(), std::string(v) + "/QuantizeLinear");
    EXPECT_EQ(q->input(0)->name(), v);
    EXPECT_EQ(q->input(1)->const_value()->data<float>()[0], act_scale(t, v));
    EXPECT_EQ(q->input(2)->const_value()->dtype(), DType::kI8);
    EXPECT_EQ(q->input(2)->const_value()->data<int8_t>()[0], 0);
  }
  // Provenance: the pair in front of the Conv carries the Conv's origin.
  EXPECT_EQ(producer_of_input(m.graph, "conv", 0)->origin(), std::vector<std::string>{"Conv_0"});
  // The output keeps its name; the Gemm result was renamed.
  ASSERT_EQ(m.graph.outputs().size(), 1u);
  EXPECT_EQ(m.graph.outputs()[0]->name(), "y");
  EXPECT_EQ(m.graph.outputs()[0]->producer()->name(), "y/DequantizeLinear");
  EXPECT_EQ(m.graph.outputs()[0]->producer()->origin(), std::vector<std::string>{"Gemm_3"});
  EXPECT_NE(m.graph.find_value("y_float"), nullptr);
  EXPECT_EQ(m.graph.find_value("y_float")->producer()->name(), "gemm");

  // Conv weight: int8 per output channel (axis 0), scale max|w_c| / 127.
  const std::vector<float> w = conv_w(), cb = conv_b(), B = gemm_w(), C = gemm_b();
  const std::vector<float> sw = channel_scales(w, kCout), sB = channel_scales(B, kOut);
  const float sx = act_scale(t, "x"), sf = act_scale(t, "f");
  const ir::Node* wdq = producer_of_input(m.graph, "conv", 1);
  ASSERT_EQ(wdq->op(), OpKind::kDequantizeLinear);
  EXPECT_EQ(wdq->attrs().get_int("axis"), 0);
  const Tensor& wq = *wdq->input(0)->const_value();
  ASSERT_EQ(wq.dtype(), DType::kI8);
  ASSERT_EQ(wq.shape(), (Shape{kCout, kCin, kK, kK}));
  for (size_t i = 0; i < w.size(); ++i)
    ASSERT_EQ(wq.data<int8_t>()[i], quantize_value(w[i], sw[i / 18], 0, kRangeWeightI8)) << i;
  const Tensor& ws = *wdq->input(1)->const_value();
  ASSERT_EQ(ws.shape(), (Shape{kCout}));
  for (int c = 0; c < kCout; ++c) EXPECT_EQ(ws.data<float>()[c], sw[c]);
  // Channel 2 holds the largest weight (0.05 * 5 * 3 = 0.75): it maps to exactly 127.
  EXPECT_FLOAT_EQ(sw[2], 0.75f / 127.0f);
  // Conv bias: int32 with s_x * s_w[c], no zero point.
  const ir::Node* bdq = producer_of_input(m.graph, "conv", 2);
  ASSERT_EQ(bdq->op(), OpKind::kDequantizeLinear);
  ASSERT_EQ(bdq->num_inputs(), 2u);
  const Tensor& bq = *bdq->input(0)->const_value();
  ASSERT_EQ(bq.dtype(), DType::kI32);
  for (int c = 0; c < kCout; ++c) {
    EXPECT_EQ(bq.data<int32_t>()[c], quantize_bias(cb[c], sx, sw[c]));
    EXPECT_EQ(bdq->input(1)->const_value()->data<float>()[c], sx * sw[c]);
  }
  // Hand check of one bias: 0.1 / (s_x * s_w[0]) rounded half to even.
  EXPECT_EQ(bq.data<int32_t>()[0],
            static_cast<int32_t>(std::nearbyint(0.1 / (static_cast<double>(sx) * static_cast<double>(sw[0])))));
  // Gemm B with transB = 1: output channel is axis 0.
  const ir::Node* gdq = producer_of_input(m.graph, "gemm", 1);
  EXPECT_EQ(gdq->attrs().get_int("axis"), 0);
  const Tensor& gq = *gdq->input(0)->const_value();
  for (size_t i = 0; i < B.size(); ++i)
    ASSERT_EQ(gq.data<int8_t>()[i], quantize_value(B[i], sB[i / kFeat], 0, kRangeWeightI8)) << i;
  const Tensor& gbq = *producer_of_input(m.graph, "gemm", 2)->input(0)->const_value();
  for (int n = 0; n < kOut; ++n) EXPECT_EQ(gbq.data<int32_t>()[n], quantize_bias(C[n], sf, sB[n]));
  // The float weight constants are gone.
  EXPECT_EQ(m.graph.find_value("w"), nullptr);
  EXPECT_EQ(m.graph.find_value("B"), nullptr);

  // And the result still resolves.
  EXPECT_TRUE(interp::resolve(m).ok());
}

TEST(QuantizeQdq, PerTensorWeights) {
  ir::Model m;
  build(m);
  const CalibTable t = calibrate(m);
  QdqOptions o;
  o.per_channel = false;
  o.quantize_outputs = false;
  ASSERT_TRUE(quantize_to_qdq(m.graph, t, o).ok());
  const ir::Node* wdq = producer_of_input(m.graph, "conv", 1);
  const Tensor& ws = *wdq->input(1)->const_value();
  EXPECT_TRUE(ws.shape().empty());
  EXPECT_EQ(ws.data<float>()[0], 0.75f / 127.0f);      // global max |w|
  EXPECT_EQ(op_counts(m.graph)["QuantizeLinear"], 3);  // x, r and f; no output pair
  EXPECT_EQ(m.graph.outputs()[0]->producer()->name(), "gemm");
}

// x[1,4] feeds Relu "r1", Relu "r2" (quantizable) and Softmax "sm" (not); x also feeds MatMul "mm" with a
// constant W[4,3]: one shared Q/DQ pair on x, the Softmax keeps reading float x, W is per column (axis 1).
TEST(QuantizeQdq, SharedPairAndMatMulColumnScales) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 4});
  b.output(b.op(OpKind::kRelu, "r1", {x}));
  b.output(b.op(OpKind::kRelu, "r2", {x}));
  b.output(b.op(OpKind::kSoftmax, "sm", {x}));
  const std::vector<float> w = {1, -2, 0.5f, 3, 4, -0.25f, -1, 0, 0.125f, 2, 8, -1};  // [4,3]
  b.output(b.op(OpKind::kMatMul, "mm", {x, b.constant("W", f32(w, {4, 3}))}));
  ASSERT_TRUE(interp::resolve(m).ok());
  CalibTable t;
  t.method = "max";
  CalibTensor ct;
  ct.name = "x";
  ct.threshold = 2.54;
  ct.scale = symmetric_scale(2.54f, 8);
  t.tensors.push_back(ct);
  QdqOptions o;
  o.quantize_outputs = false;
  ASSERT_TRUE(quantize_to_qdq(m.graph, t, o).ok());
  EXPECT_EQ(op_counts(m.graph)["QuantizeLinear"], 1);
  EXPECT_EQ(op_counts(m.graph)["DequantizeLinear"], 2);  // x and W
  const ir::Node* r1 = producer_of_input(m.graph, "r1", 0);
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ(r1, producer_of_input(m.graph, "r2", 0));
  EXPECT_EQ(r1, producer_of_input(m.graph, "mm", 0));
  EXPECT_EQ(producer_of_input(m.graph, "sm", 0), nullptr);  // graph input x, no producer
  EXPECT_EQ(r1->input(0)->producer()->input(1)->const_value()->data<float>()[0], 2.54f / 127.0f);
  const ir::Node* wdq = producer_of_input(m.graph, "mm", 1);
  EXPECT_EQ(wdq->attrs().get_int("axis"), 1);
  const Tensor& s = *wdq->input(1)->const_value();
  ASSERT_EQ(s.shape(), (Shape{3}));
  // Column maxima |w|: 3, 8, 1 (hand-read from W).
  EXPECT_EQ(s.data<float>()[0], 3.0f / 127.0f);
  EXPECT_EQ(s.data<float>()[1], 8.0f / 127.0f);
  EXPECT_EQ(s.data<float>()[2], 1.0f / 127.0f);
  // W[0][1] = -2 with scale 8/127: -2 * 127 / 8 = -31.75 -> -32.
  EXPECT_EQ(wdq->input(0)->const_value()->data<int8_t>()[1], -32);
  EXPECT_TRUE(m.graph.verify(true).ok());
}

TEST(QuantizeQdq, Int16ActivationsAndBadBitWidths) {
  ir::Model m;
  build(m);
  const CalibTable t = calibrate(m);
  QdqOptions o;
  o.activation_bits = 16;
  ASSERT_TRUE(quantize_to_qdq(m.graph, t, o).ok());
  int q16 = 0;
  for (const ir::Node* n : m.graph.nodes()) {
    if (n->op() != OpKind::kQuantizeLinear) continue;
    EXPECT_EQ(n->output(0)->dtype(), DType::kI16) << n->name();
    const std::string tensor = n->input(0)->name();
    const CalibTensor* e = t.find(tensor == "y_float" ? "y" : tensor);
    ASSERT_NE(e, nullptr) << tensor;
    // int16 scale: threshold / 32767.
    EXPECT_EQ(n->input(1)->const_value()->data<float>()[0], symmetric_scale(static_cast<float>(e->threshold), 16));
    ++q16;
  }
  EXPECT_EQ(q16, 4);
  // Weights stay int8 per channel.
  EXPECT_EQ(producer_of_input(m.graph, "conv", 1)->input(0)->dtype(), DType::kI8);
  ir::Model m2;
  build(m2);
  o.activation_bits = 4;
  EXPECT_EQ(quantize_to_qdq(m2.graph, t, o).code(), ErrorCode::kInvalidArgument);
}

TEST(QuantizeQdq, OutputsMatchHandSimulatedFakeQuant) {
  ir::Model fm, qm;
  build(fm);
  build(qm);
  const CalibTable t = calibrate(fm);
  ASSERT_TRUE(quantize_to_qdq(qm.graph, t, {}).ok());
  interp::Interpreter qi(qm.graph);
  for (const auto& s : samples()) {
    auto out = qi.run(s);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    const std::vector<float> want = simulate(t, s[0]);
    // The final Q/DQ makes outputs multiples of s_y: equality up to float noise from summation order
    // (the hand loop and the reference kernels may add the products in a different order).
    for (int n = 0; n < kOut; ++n) EXPECT_NEAR((*out)[0].data<float>()[n], want[n], 1e-6f) << n;
  }
}

TEST(QuantizeQdq, SimilarityReportRows) {
  ir::Model fm, qm;
  build(fm);
  build(qm);
  const CalibTable t = calibrate(fm);
  ASSERT_TRUE(quantize_to_qdq(qm.graph, t, {}).ok());
  CompareOptions exact;
  exact.use_fast_kernels = false;  // max_abs_err is checked against reference-kernel runs below
  auto rep = compare_float_quant(fm.graph, qm.graph, samples(), &t, exact);
  ASSERT_TRUE(rep.ok()) << rep.status().to_string();
  EXPECT_EQ(rep->num_samples, 3);
  ASSERT_EQ(rep->rows.size(), 5u);
  const char* nodes[] = {"conv", "relu", "flat", "gemm", ""};
  const char* ops[] = {"Conv", "Relu", "Flatten", "Gemm", "Output"};
  const char* tensors[] = {"c", "r", "f", "y", "y"};
  const char* dtypes[] = {"int8", "int8", "int8", "int8", "int8"};  // c: fused into the quantized Relu
  for (size_t i = 0; i < 5; ++i) {
    const SimilarityRow& r = rep->rows[i];
    EXPECT_EQ(r.node, nodes[i]);
    EXPECT_EQ(r.op_type, ops[i]);
    EXPECT_EQ(r.tensor, tensors[i]);
    EXPECT_EQ(r.dtype, dtypes[i]);
    EXPECT_EQ(r.on, "CPU");
    EXPECT_EQ(r.threshold, t.find(tensors[i])->threshold);
    // 8-bit fake quantization: close but not identical. Bounds are loose because y has only 12 values
    // (4 logits x 3 samples) whose errors accumulate over three quantized layers (measured: cosine
    // 0.9989, rel L2 0.052 for y; the inner tensors are better).
    EXPECT_GT(r.cosine, 0.99) << r.tensor;
    EXPECT_LT(r.cosine, 1.0) << r.tensor;
    EXPECT_GT(r.max_abs_err, 0.0);
    EXPECT_GT(r.rel_l2_err, 0.0);
    EXPECT_LT(r.rel_l2_err, 0.1);
  }
  // The output row equals the gemm row (same tensors compared).
  EXPECT_EQ(rep->rows[3].cosine, rep->rows[4].cosine);
  // max_abs_err of y checked against an independent computation.
  double max_err = 0;
  interp::Interpreter fi(fm.graph), qi(qm.graph);
  for (const auto& s : samples()) {
    auto a = fi.run(s);
    auto b = qi.run(s);
    ASSERT_TRUE(a.ok() && b.ok());
    for (int n = 0; n < kOut; ++n)
      max_err = std::max(max_err, std::fabs(double((*a)[0].data<float>()[n]) - double((*b)[0].data<float>()[n])));
  }
  EXPECT_EQ(rep->rows[4].max_abs_err, max_err);
  const std::string text = to_text_table(*rep);
  EXPECT_NE(text.find("Cosine Similarity"), std::string::npos);
  EXPECT_NE(text.find("DataType"), std::string::npos);
  EXPECT_NE(text.find("output:y"), std::string::npos);
  const std::string json = to_json(*rep);
  EXPECT_NE(json.find("\"node\": \"conv\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"dtype\": \"int8\""), std::string::npos);
  EXPECT_FALSE(compare_float_quant(fm.graph, qm.graph, {}, &t).ok());
}

TEST(QuantizeQdq, OnnxRoundTripAndChecker) {
  ir::Model qm;
  build(qm);
  const CalibTable t = calibrate(qm);
  ASSERT_TRUE(quantize_to_qdq(qm.graph, t, {}).ok());
  const std::string path =
      (std::filesystem::temp_directory_path() / ("npukit_qdq_" + std::to_string(::getpid()) + ".onnx")).string();
  Status saved = frontend::save_onnx(qm, path);
  ASSERT_TRUE(saved.ok()) << saved.to_string();
  auto back = frontend::load_onnx(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(op_counts(back->graph), op_counts(qm.graph));
  // Without folding: a default resolve() would fold the weight / bias DequantizeLinear nodes (all-constant
  // inputs) back into f32 constants — numerically the same, but the QDQ structure would be lost.
  interp::ResolveOptions ro;
  ro.fold_constants = false;
  ASSERT_TRUE(interp::resolve(*back, ro).ok());
  EXPECT_EQ(op_counts(back->graph), op_counts(qm.graph));
  interp::Interpreter a(qm.graph), b(back->graph);
  for (const auto& s : samples()) {
    auto ya = a.run(s);
    auto yb = b.run(s);
    ASSERT_TRUE(ya.ok() && yb.ok());
    for (int n = 0; n < kOut; ++n) EXPECT_EQ((*ya)[0].data<float>()[n], (*yb)[0].data<float>()[n]);
  }
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") == 0) {
    const std::string cmd =
        "/usr/bin/python3 -c \"import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), "
        "full_check=True)\" " +
        path;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "onnx.checker rejected " << path;
  } else {
    std::cout << "[note] /usr/bin/python3 with onnx not available: onnx.checker step skipped\n";
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace npukit::quant
