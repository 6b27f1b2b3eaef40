// SPDX-License-Identifier: Apache-2.0
// passes/equalize_channels.h (yaml per_channel): which Conv [-> Relu] -> Conv pairs qualify, that the float
// function is unchanged (within f32 rounding of the rescaled weights: relative 1e-5 of the output range), that a
// depthwise reader's input ends up with equal channel ranges, and that per-tensor int8 quantization of the
// equalized model is closer to float than of the original when channel ranges differ by 100x.
#include "passes/equalize_channels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "pipeline/compile_equalize.h"
#include "quant/calibrate_graph.h"
#include "quant/quantize_qdq.h"
#include "util/graph_builder.h"

namespace npukit::passes {
namespace {

using ir::OpKind;
using npukit::testing::f32;
using npukit::testing::GraphBuilder;

constexpr int64_t kC = 4, kHW = 6;

/// x[1,2,6,6] -> Conv "a" (4 out, 3x3 pad 1, bias; output channel c scaled by 100^-(c/3)) -> Relu "r" ->
/// Conv "b" (depthwise 3x3 pad 1, or group-1 1x1 with 5 outputs) -> y. `shared_reader`: the Relu output also
/// feeds an Add (a second graph output).
void build(ir::Model& m, bool depthwise_b, bool shared_reader = false) {
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 2, kHW, kHW});
  std::vector<float> w1(kC * 2 * 9), b1(kC);
  for (size_t i = 0; i < w1.size(); ++i) {
    const double range = std::pow(100.0, -static_cast<double>(i / 18) / 3.0);
    w1[i] = static_cast<float>(std::sin(0.9 * static_cast<double>(i) + 0.3) * range);
  }
  for (int64_t c = 0; c < kC; ++c) b1[c] = 0.05f * std::pow(100.0f, -static_cast<float>(c) / 3.0f);
  Attrs ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* a =
      b.op(OpKind::kConv, "a", {x, b.constant("w1", f32(w1, {kC, 2, 3, 3})), b.constant("b1", f32(b1, {kC}))}, ca);
  ir::Value* r = b.op(OpKind::kRelu, "r", {a});
  ir::Value* y = nullptr;
  if (depthwise_b) {
    std::vector<float> w2(kC * 9);
    for (size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>(std::cos(1.7 * static_cast<double>(i)));
    Attrs da = ca;
    da.set("group", kC);
    y = b.op(OpKind::kConv, "b", {r, b.constant("w2", f32(w2, {kC, 1, 3, 3}))}, da);
  } else {
    std::vector<float> w2(5 * kC);
    for (size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>(std::cos(1.3 * static_cast<double>(i)) + 0.1);
    y = b.op(OpKind::kConv, "b",
             {r, b.constant("w2", f32(w2, {5, kC, 1, 1})), b.constant("b2", f32({0, 0, 0, 0, 0}, {5}))});
  }
  b.output(y);
  if (shared_reader) b.output(b.op(OpKind::kAdd, "other", {r, r}));
  ASSERT_TRUE(interp::resolve(m).ok());
}

std::vector<std::vector<Tensor>> samples(int n) {
  std::vector<std::vector<Tensor>> s;
  for (int k = 0; k < n; ++k) {
    std::vector<float> v(2 * kHW * kHW);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(0.61 * static_cast<double>(i) + k) * 3.0);
    s.push_back({f32(v, {1, 2, kHW, kHW})});
  }
  return s;
}

/// The Relu output's name.
std::string relu_out(const ir::Graph& g) {
  for (const ir::Node* n : g.nodes())
    if (n->name() == "r") return n->output(0)->name();
  return "";
}

std::vector<float> run(const ir::Graph& g, const std::vector<Tensor>& in) {
  auto out = interp::Interpreter(g).run(in);
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  if (!out.ok()) return {};
  const Tensor& t = (*out)[0];
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

/// Per-channel max |r| (the Relu output) of a graph on the samples.
std::vector<float> channel_max(const ir::Graph& g, const std::vector<std::vector<Tensor>>& ss) {
  std::vector<float> m(kC, 0.0f);
  interp::RunOptions ro;
  ro.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
    if (n.name() != "r") return;
    const float* p = outs[0].data<float>();
    for (int64_t i = 0; i < outs[0].numel(); ++i) {
      float& slot = m[static_cast<size_t>((i / (kHW * kHW)) % kC)];
      slot = std::max(slot, std::fabs(p[i]));
    }
  };
  for (const auto& s : ss) EXPECT_TRUE(interp::Interpreter(g).run(s, ro).ok());
  return m;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, std::fabs(double{x}));
  return m;
}

TEST(EqualizeChannels, CandidatesNeedConvReadersOnly) {
  ir::Model dw, g1, shared;
  build(dw, true);
  build(g1, false);
  build(shared, false, true);
  ASSERT_EQ(equalize_candidates(dw.graph).size(), 1u);
  EXPECT_EQ(equalize_candidates(dw.graph)[0].tensor, relu_out(dw.graph));
  EXPECT_EQ(equalize_candidates(dw.graph)[0].producer_conv, "a");
  EXPECT_EQ(equalize_candidates(g1.graph).size(), 1u);
  EXPECT_TRUE(equalize_candidates(shared.graph).empty());  // the Relu output also feeds an Add
}

TEST(EqualizeChannels, DepthwiseReaderGetsEqualRangesAndTheSameFunction) {
  ir::Model m;
  build(m, true);
  const auto ss = samples(3);
  const std::vector<float> before = run(m.graph, ss[0]);
  const std::vector<float> ranges = channel_max(m.graph, ss);
  EXPECT_GT(*std::max_element(ranges.begin(), ranges.end()) / *std::min_element(ranges.begin(), ranges.end()), 20.0);
  auto rep = pipeline::equalize_per_channel(m.graph, ss);
  ASSERT_TRUE(rep.ok()) << rep.status().to_string();
  EXPECT_EQ(rep->pairs, 1);
  const std::vector<float> after = run(m.graph, ss[0]);
  ASSERT_EQ(after.size(), before.size());
  const double tol = 1e-5 * max_abs(before);  // f32 rounding of the rescaled weights
  for (size_t i = 0; i < after.size(); ++i) EXPECT_NEAR(after[i], before[i], tol) << i;
  const std::vector<float> eq = channel_max(m.graph, ss);
  for (int64_t c = 1; c < kC; ++c) EXPECT_NEAR(eq[c], eq[0], 1e-5 * eq[0]) << c;
}

/// The smallest per-output-channel cosine of the QDQ model's output against the float model's on the samples
/// (max calibration; the model output itself left float so that only the inner quantization counts).
/// Per channel: a narrow channel drowned by a wide one in a per-tensor scale shows there, not in a global cosine.
double worst_channel_cosine(const ir::Model& fm, const std::vector<std::vector<Tensor>>& ss) {
  quant::CalibOptions co;
  co.method = {quant::CalibMethod::kMax, 1.0};
  co.progress_every = 0;
  auto table = quant::calibrate_graph(fm.graph, ss, co);
  EXPECT_TRUE(table.ok());
  auto q = ir::clone_model(fm);
  EXPECT_TRUE(q.ok());
  quant::QdqOptions o;
  o.quantize_outputs = false;
  EXPECT_TRUE(quant::quantize_to_qdq(q->graph, *table, o).ok());
  std::vector<double> dot, na, nb;
  for (const auto& s : ss) {
    const std::vector<float> a = run(fm.graph, s), b = run(q->graph, s);
    const size_t channels = a.size() / (kHW * kHW);
    dot.resize(channels), na.resize(channels), nb.resize(channels);
    for (size_t i = 0; i < a.size(); ++i) {
      const size_t c = i / (kHW * kHW);
      dot[c] += double{a[i]} * b[i];
      na[c] += double{a[i]} * a[i];
      nb[c] += double{b[i]} * b[i];
    }
  }
  double worst = 1.0;
  for (size_t c = 0; c < dot.size(); ++c) worst = std::min(worst, dot[c] / std::sqrt(na[c] * nb[c]));
  return worst;
}

TEST(EqualizeChannels, PerTensorInt8IsCloserToFloatAfterEqualization) {
  for (bool dw : {true, false}) {
    ir::Model plain, eq;
    build(plain, dw);
    build(eq, dw);
    const auto ss = samples(4);
    ASSERT_TRUE(pipeline::equalize_per_channel(eq.graph, ss).ok());
    const double c0 = worst_channel_cosine(plain, ss), c1 = worst_channel_cosine(eq, ss);
    std::printf("%s: worst output channel cosine %.6f -> %.6f\n", dw ? "depthwise" : "group 1", c0, c1);
    EXPECT_GT(c1, c0) << (dw ? "depthwise" : "group 1");
    // The error (1 - cosine) of the worst channel at least halves.
    EXPECT_LT(1.0 - c1, 0.5 * (1.0 - c0)) << (dw ? "depthwise " : "group 1 ") << c0 << " -> " << c1;
  }
}

TEST(EqualizeChannels, WrongLengthIsAnError) {
  ir::Model m;
  build(m, true);
  std::map<std::string, std::vector<float>> bad{{relu_out(m.graph), {1.0f, 2.0f}}};
  EXPECT_EQ(equalize_channels(m.graph, bad).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace npukit::passes
