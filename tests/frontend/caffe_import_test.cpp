// SPDX-License-Identifier: Apache-2.0
// Caffe import: prototxt (written as text, as users write them) + caffemodel (built with the generated
// caffe.pb.h classes, serialized) → IR → reference interpreter, compared with expected values computed
// here by plain loops that follow Caffe's own formulas (caffe_test_util.h). This file: net-level rules
// (legacy inputs, phases, V1 and hand-encoded caffemodels) and a small deploy net end to end; the layers are in
// caffe_import_conv_test.cpp and caffe_import_layers_test.cpp, hostile input in caffe_import_errors_test.cpp.
#include <cstring>

#include "frontend/caffe_test_util.h"

namespace npukit::frontend::caffe_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Net-level rules: legacy inputs, phases, V1 caffemodel weights
// ---------------------------------------------------------------------------------------------

TEST(CaffeImport, LegacyInputDimAndPhaseRules) {
  const std::string proto = R"(
name: "legacy"
input: "data"
input_dim: 1 input_dim: 1 input_dim: 1 input_dim: 3
layer { name: "train_only" type: "Dropout" bottom: "data" top: "data" include { phase: TRAIN } }
layer { name: "relu" type: "ReLU" bottom: "data" top: "out" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "out" top: "loss" exclude { phase: TEST } }
)";
  ir::Model m;
  auto outs = run(proto, Weights{}, {{"data", make({1, 1, 1, 3}, {-1.f, 0.5f, 2.f})}}, &m);
  expect_near(outs["out"], {1, 1, 1, 3}, {0.f, 0.5f, 2.f});
  EXPECT_EQ(m.graph.inputs()[0]->name(), "data");
}

TEST(CaffeImport, V1CaffemodelWeightsByName) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 1 } }
)";
  caffe::NetParameter v1;
  auto* l = v1.add_layers();
  l->set_name("fc");
  l->set_type(caffe::V1LayerParameter::INNER_PRODUCT);
  auto* b0 = l->add_blobs();  // legacy num/channels/height/width dims
  b0->set_num(1);
  b0->set_channels(1);
  b0->set_height(1);
  b0->set_width(2);
  b0->add_data(2.f);
  b0->add_data(-1.f);
  auto* b1 = l->add_blobs();
  b1->set_num(1);
  b1->set_channels(1);
  b1->set_height(1);
  b1->set_width(1);
  b1->add_data(0.5f);
  auto m = parse_caffe(proto, "net.prototxt", v1.SerializeAsString(), "v1.caffemodel");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ASSERT_TRUE(interp::resolve(*m).ok());
  auto outs = interp::Interpreter(m->graph).run({{"x", make({1, 2}, {3.f, 4.f})}});
  ASSERT_TRUE(outs.ok()) << outs.status().to_string();
  expect_near((*outs)[0], {1, 1}, {2.f * 3.f - 4.f + 0.5f});
}

// Wire compatibility with files written by Caffe: bytes encoded here by hand with the field numbers of
// Caffe 1.0's caffe.proto (NetParameter.layer = 100, .layers = 2; LayerParameter.name = 1, .blobs = 7;
// V1LayerParameter.name = 4, .blobs = 6; BlobProto.shape = 7, .data = 5 (packed), .num..width = 1..4;
// BlobShape.dim = 1 (packed)), independent of npukit's caffe.proto.
std::string varint(uint64_t v) {
  std::string r;
  while (v >= 0x80) {
    r.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  r.push_back(static_cast<char>(v));
  return r;
}
std::string field_bytes(int number, const std::string& payload) {  // wire type 2
  return varint(static_cast<uint64_t>(number) << 3 | 2) + varint(payload.size()) + payload;
}
std::string field_varint(int number, uint64_t v) {
  return varint(static_cast<uint64_t>(number) << 3) + varint(v);
}
std::string packed_floats(const std::vector<float>& v) {
  std::string r(v.size() * 4, '\0');
  std::memcpy(r.data(), v.data(), r.size());  // little-endian host, as protobuf's fixed32
  return r;
}

TEST(CaffeImport, HandEncodedCaffemodelUsesCaffeFieldNumbers) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 1 } }
layer { name: "fc2" type: "InnerProduct" bottom: "x" top: "z" inner_product_param { num_output: 1 bias_term: false } }
)";
  const std::string w_blob =
      field_bytes(7, field_bytes(1, varint(1) + varint(2))) + field_bytes(5, packed_floats({2.f, -1.f}));
  const std::string b_blob = field_bytes(7, field_bytes(1, varint(1))) + field_bytes(5, packed_floats({0.5f}));
  const std::string layer =
      field_bytes(1, "fc") + field_varint(10, 1) /* phase: TEST */ + field_bytes(7, w_blob) + field_bytes(7, b_blob);
  // A V1 layer (NetParameter.layers = 2) with a legacy-dims blob: num=1 channels=1 height=1 width=2.
  const std::string v1_blob = field_varint(1, 1) + field_varint(2, 1) + field_varint(3, 1) + field_varint(4, 2) +
                              field_bytes(5, packed_floats({-3.f, 1.f}));
  const std::string v1_layer =
      field_bytes(4, "fc2") + field_varint(5, 14) /* INNER_PRODUCT */ + field_bytes(6, v1_blob);
  const std::string bytes = field_bytes(1, "handmade") + field_bytes(100, layer) + field_bytes(2, v1_layer);
  auto m = parse_caffe(proto, "net.prototxt", bytes, "hand.caffemodel");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ASSERT_TRUE(interp::resolve(*m).ok());
  auto outs = interp::Interpreter(m->graph).run({{"x", make({1, 2}, {3.f, 4.f})}});
  ASSERT_TRUE(outs.ok()) << outs.status().to_string();
  expect_near((*outs)[0], {1, 1}, {2.f * 3.f - 4.f + 0.5f});
  expect_near((*outs)[1], {1, 1}, {-3.f * 3.f + 4.f});
}

TEST(CaffeImport, SmallDeployNetEndToEnd) {
  Weights w;
  auto wt = w.add("conv1", {4, 2, 3, 3});
  auto mean = w.add("bn1", {4});
  auto var = w.add("bn1", {4}, {0.5f, 1.f, 1.5f, 2.f});
  w.add("bn1", {1}, {1.f});
  auto gamma = w.add("scale1", {4});
  auto beta = w.add("scale1", {4});
  auto fcw = w.add("fc", {3, 36});
  auto fcb = w.add("fc", {3});
  auto reference = [&](const std::vector<float>& x, int64_t n) {
    ConvGeom g{n, 2, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1};
    auto c = ref_conv(g, x, wt, nullptr);
    for (size_t i = 0; i < c.size(); ++i) {
      const size_t ch = (i / 36) % 4;
      c[i] = std::max(0.f, (c[i] - mean[ch]) / std::sqrt(var[ch] + 1e-5f) * gamma[ch] + beta[ch]);
    }
    auto p = caffe_pool(true, n, 4, 6, 6, 3, 2, 0, c);  // 6 → ceil(3/2)+1 = 3
    EXPECT_EQ(p.oh, 3);
    std::vector<float> prob;
    for (int64_t b = 0; b < n; ++b) {
      std::vector<double> logits(3);
      double z = 0;
      for (int o = 0; o < 3; ++o) {
        logits[o] = fcb[o];
        for (int k = 0; k < 36; ++k) logits[o] += p.y[b * 36 + k] * fcw[o * 36 + k];
      }
      const double mx = *std::max_element(logits.begin(), logits.end());
      for (double& l : logits) z += std::exp(l - mx);
      for (double l : logits) prob.push_back(static_cast<float>(std::exp(l - mx) / z));
    }
    return prob;
  };
  auto x = random_values(72, 30);
  ir::Model m;
  auto outs = run(kSmallNet, w, {{"data", make({1, 2, 6, 6}, x)}}, &m);
  expect_near(outs["prob"], {1, 3}, reference(x, 1));
  EXPECT_EQ(op_types(m),
            (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"}));

  auto m2 = import(kSmallNet, w);
  ASSERT_TRUE(m2.ok());
  interp::ResolveOptions ro;
  ro.input_shapes["data"] = {2, 2, 6, 6};
  ASSERT_TRUE(interp::resolve(*m2, ro).ok());
  auto x2 = random_values(144, 31);
  auto o2 = interp::Interpreter(m2->graph).run({{"data", make({2, 2, 6, 6}, x2)}});
  ASSERT_TRUE(o2.ok()) << o2.status().to_string();
  expect_near((*o2)[0], {2, 3}, reference(x2, 2));
}

}  // namespace
}  // namespace npukit::frontend::caffe_test
