// SPDX-License-Identifier: Apache-2.0
// import_qdq (quant/qdq_import.h): taking the QuantizeLinear / DequantizeLinear nodes out of a quantized
// model and putting exactly the same quantization back through quantize_to_qdq's fixed parameters
// (calibration_type load); conversions npukit has to make (asymmetric, per-channel activations, weight codes
// of -128) are applied and reported; malformed QDQ models are clear errors.
#include "quant/qdq_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "quant/calibrate_graph.h"
#include "quant/quantize_qdq.h"
#include "util/graph_builder.h"

namespace npukit::quant {
namespace {

using ir::OpKind;
using npukit::testing::f32;
using npukit::testing::GraphBuilder;

Tensor scalar_code(DType t, int32_t v) {
  Tensor z(t, {});
  if (t == DType::kU8)
    z.data<uint8_t>()[0] = static_cast<uint8_t>(v);
  else
    z.data<int8_t>()[0] = static_cast<int8_t>(v);
  return z;
}

// x[1,2,5,5] -> Conv "conv" (4 out, 3x3, pads 1, bias) -> Relu -> GlobalAveragePool -> Flatten
//   -> Gemm "fc" (3 out, transB = 1, bias) -> y
void build_float(ir::Model& m) {
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 2, 5, 5});
  std::vector<float> w(4 * 2 * 9), fw(3 * 4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.7f * static_cast<float>(i)) * (0.2f + 0.1f * (i / 18));
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = std::sin(1.3f * static_cast<float>(i)) * 0.5f;
  Attrs ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ca.set("kernel_shape", std::vector<int64_t>{3, 3});
  ir::Value* c =
      b.node(OpKind::kConv, "conv",
             {x, b.constant("w", f32(w, {4, 2, 3, 3})), b.constant("b", f32({0.1f, -0.2f, 0.3f, 0.0f}, {4}))}, {"c"},
             ca)
          ->output(0);
  ir::Value* r = b.op(OpKind::kRelu, "relu", {c});
  ir::Value* p = b.op(OpKind::kGlobalAveragePool, "gap", {r});
  ir::Value* f = b.op(OpKind::kFlatten, "flat", {p});
  Attrs ga;
  ga.set("transB", int64_t{1});
  ir::Value* y = b.node(OpKind::kGemm, "fc",
                        {f, b.constant("fw", f32(fw, {3, 4})), b.constant("fb", f32({0.5f, 0, -0.5f}, {3}))}, {"y"}, ga)
                     ->output(0);
  b.output(y);
  ASSERT_TRUE(interp::resolve(m).ok());
}

std::vector<std::vector<Tensor>> samples() {
  std::vector<std::vector<Tensor>> s;
  for (int k = 0; k < 4; ++k) {
    std::vector<float> v(50);
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.53f * static_cast<float>(i) + static_cast<float>(k)) * 2.0f;
    s.push_back({f32(v, {1, 2, 5, 5})});
  }
  return s;
}

TEST(QdqImport, RoundTripKeepsEveryParameterBitExactly) {
  ir::Model fm;
  build_float(fm);
  CalibOptions co;
  co.method = {CalibMethod::kMax, 1.0};
  co.progress_every = 0;
  auto table = calibrate_graph(fm.graph, samples(), co);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  // The model as npukit's PTQ writes it (every pair symmetric int8, weights per channel, int32 biases).
  auto q1 = ir::clone_model(fm);
  ASSERT_TRUE(q1.ok());
  ASSERT_TRUE(quantize_to_qdq(q1->graph, *table, {}).ok());
  auto imported = ir::clone_model(*q1);
  ASSERT_TRUE(imported.ok());
  auto im = import_qdq(imported->graph, false);
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  EXPECT_EQ(count_qdq_nodes(imported->graph), 0);
  EXPECT_TRUE(im->changes.empty()) << im->changes.front();
  EXPECT_EQ(im->activations_changed, 0);
  EXPECT_EQ(im->weights_kept, 2);
  EXPECT_EQ(im->weights_changed, 0);
  for (const char* name : {"x", "y"}) EXPECT_TRUE(im->activations.count(name)) << name;
  EXPECT_EQ(im->activations.at("x").scale, symmetric_scale(static_cast<float>(table->find("x")->threshold), 8));

  // Re-quantize the float graph left with the kept parameters only: a table whose thresholds are all wrong
  // must not matter.
  CalibTable wrong = *table;
  for (auto& t : wrong.tensors) t.threshold *= 3.0;
  QdqOptions o;
  o.fixed_activations = im->activations;
  o.fixed_weights = im->weights;
  ASSERT_TRUE(interp::resolve(*imported).ok());
  ASSERT_TRUE(quantize_to_qdq(imported->graph, wrong, o).ok());
  interp::Interpreter a(q1->graph), b(imported->graph);
  for (const auto& s : samples()) {
    auto ya = a.run(s);
    auto yb = b.run(s);
    ASSERT_TRUE(ya.ok() && yb.ok());
    for (int n = 0; n < 3; ++n) EXPECT_EQ((*ya)[0].data<float>()[n], (*yb)[0].data<float>()[n]) << n;
  }
}

/// x -> QuantizeLinear(scale, zp) -> DequantizeLinear -> Relu -> y
ir::Model asymmetric_input_model(Tensor scale, Tensor zp, int64_t axis = 1) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 2, 2, 2});
  ir::Value* s = b.constant("s", std::move(scale));
  ir::Value* z = b.constant("z", std::move(zp));
  Attrs a;
  a.set("axis", axis);
  ir::Value* q = b.node(OpKind::kQuantizeLinear, "q", {x, s, z}, {"xq"}, a)->output(0);
  ir::Value* d = b.node(OpKind::kDequantizeLinear, "dq", {q, s, z}, {"xd"}, a)->output(0);
  b.output(b.op(OpKind::kRelu, "relu", {d}));
  return m;
}

TEST(QdqImport, AsymmetricActivationBecomesSymmetricAndIsReported) {
  ir::Model m = asymmetric_input_model(Tensor::scalar(0.02f), scalar_code(DType::kU8, 100));
  auto im = import_qdq(m.graph, /*allow_asymmetric=*/false);
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  // Codes 0..255 with zero point 100 cover [-2, 3.1]: symmetric int8 over [-3.1, 3.1].
  const QParams& p = im->activations.at("x");
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_EQ(p.range.qmin, kRangeI8.qmin);
  EXPECT_EQ(p.scale, symmetric_scale(static_cast<float>(155 * static_cast<double>(0.02f)), 8));
  EXPECT_EQ(im->activations_changed, 1);
  ASSERT_EQ(im->changes.size(), 1u);
  EXPECT_NE(im->changes[0].find("zero point 100"), std::string::npos) << im->changes[0];
  EXPECT_EQ(count_qdq_nodes(m.graph), 0);

  ir::Model kept = asymmetric_input_model(Tensor::scalar(0.02f), scalar_code(DType::kU8, 100));
  auto im2 = import_qdq(kept.graph, /*allow_asymmetric=*/true);
  ASSERT_TRUE(im2.ok());
  EXPECT_EQ(im2->activations.at("x").scale, 0.02f);
  EXPECT_EQ(im2->activations.at("x").zero_point, 100);
  EXPECT_EQ(im2->activations.at("x").range.qmin, kRangeU8.qmin);
  EXPECT_TRUE(im2->changes.empty());
}

TEST(QdqImport, PerChannelActivationBecomesOnePerTensorScale) {
  Tensor zp(DType::kI8, {2});
  zp.data<int8_t>()[0] = 0;
  zp.data<int8_t>()[1] = 0;
  ir::Model m = asymmetric_input_model(f32({0.01f, 0.04f}, {2}), std::move(zp));
  auto im = import_qdq(m.graph, false);
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  // The widest channel: codes -128..127 at 0.04 -> threshold 128 * 0.04.
  EXPECT_EQ(im->activations.at("x").scale, symmetric_scale(static_cast<float>(128 * static_cast<double>(0.04f)), 8));
  ASSERT_EQ(im->changes.size(), 1u);
  EXPECT_NE(im->changes[0].find("per-channel"), std::string::npos) << im->changes[0];
}

TEST(QdqImport, WeightCodesOfMinus128AreDequantizedAndReported) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 2});
  Tensor codes(DType::kI8, {3, 2});
  const int8_t cv[6] = {-128, 5, 7, -3, 127, 0};
  for (int i = 0; i < 6; ++i) codes.data<int8_t>()[i] = cv[i];
  ir::Value* wc = b.constant("wq", std::move(codes));
  ir::Value* ws = b.constant("ws", Tensor::scalar(0.5f));
  ir::Value* wz = b.constant("wz", scalar_code(DType::kI8, 0));
  ir::Value* w = b.node(OpKind::kDequantizeLinear, "wdq", {wc, ws, wz}, {"w"})->output(0);
  b.output(b.op(OpKind::kMatMul, "mm", {x, b.op(OpKind::kTranspose, "t", {w})}));
  auto im = import_qdq(m.graph, false);
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  EXPECT_EQ(im->weights_changed, 1);
  EXPECT_TRUE(im->weights.empty());
  ASSERT_EQ(im->changes.size(), 1u);
  EXPECT_NE(im->changes[0].find("-128"), std::string::npos) << im->changes[0];
  // The transpose reads the dequantized constant codes * 0.5.
  for (const ir::Node* n : m.graph.nodes())
    if (n->op() == OpKind::kTranspose) {
      ASSERT_TRUE(n->input(0)->is_constant());
      const Tensor& t = *n->input(0)->const_value();
      for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], cv[i] * 0.5f) << i;
    }
}

TEST(QdqImport, SymmetricInt8WeightsKeepTheirScales) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 2});
  Tensor codes(DType::kI8, {3, 2});
  for (int i = 0; i < 6; ++i) codes.data<int8_t>()[i] = static_cast<int8_t>(i * 20 - 60);
  Tensor zp(DType::kI8, {3});
  for (int i = 0; i < 3; ++i) zp.data<int8_t>()[i] = 0;
  Attrs a;
  a.set("axis", int64_t{0});
  ir::Value* w = b.node(OpKind::kDequantizeLinear, "wdq",
                        {b.constant("wq", std::move(codes)), b.constant("ws", f32({0.1f, 0.2f, 0.3f}, {3})),
                         b.constant("wz", std::move(zp))},
                        {"w"}, a)
                     ->output(0);
  Attrs ga;
  ga.set("transB", int64_t{1});
  b.output(b.node(OpKind::kGemm, "fc", {x, w}, {"y"}, ga)->output(0));
  auto im = import_qdq(m.graph, false);
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  ASSERT_EQ(im->weights.size(), 1u);
  const FixedWeightScales& k = im->weights.begin()->second;
  EXPECT_EQ(k.axis, 0);
  EXPECT_EQ(k.scales, (std::vector<float>{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(im->weights_kept, 1);
}

TEST(QdqImport, MalformedModelsAreClearErrors) {
  {  // codes leave the model
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {4});
    b.output(b.node(OpKind::kQuantizeLinear, "q", {x, b.constant("s", Tensor::scalar(0.1f))}, {"codes"})->output(0));
    auto im = import_qdq(m.graph, false);
    ASSERT_FALSE(im.ok());
    EXPECT_EQ(im.status().code(), ErrorCode::kUnimplemented);
    EXPECT_NE(im.status().message().find("outputs codes"), std::string::npos) << im.status().to_string();
  }
  {  // an int8 model input
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kI8, {4});
    b.output(b.node(OpKind::kDequantizeLinear, "dq", {x, b.constant("s", Tensor::scalar(0.1f))}, {"y"})->output(0));
    auto im = import_qdq(m.graph, false);
    ASSERT_FALSE(im.ok());
    EXPECT_NE(im.status().message().find("'dq'"), std::string::npos) << im.status().to_string();
  }
  {  // a runtime scale
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {4});
    ir::Value* s = b.input("s", DType::kF32, {});
    ir::Value* q = b.node(OpKind::kQuantizeLinear, "q", {x, s}, {"xq"})->output(0);
    b.output(b.node(OpKind::kDequantizeLinear, "dq", {q, s}, {"y"})->output(0));
    auto im = import_qdq(m.graph, false);
    ASSERT_FALSE(im.ok());
    EXPECT_EQ(im.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(im.status().message().find("scale must be an f32 constant"), std::string::npos)
        << im.status().to_string();
  }
  {  // a non-positive scale
    ir::Model m = asymmetric_input_model(Tensor::scalar(-1.0f), scalar_code(DType::kI8, 0));
    auto im = import_qdq(m.graph, false);
    ASSERT_FALSE(im.ok());
    EXPECT_NE(im.status().message().find("not a positive finite"), std::string::npos) << im.status().to_string();
  }
}

}  // namespace
}  // namespace npukit::quant
