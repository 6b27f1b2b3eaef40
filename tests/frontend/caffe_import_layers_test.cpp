// SPDX-License-Identifier: Apache-2.0
// Caffe import of BatchNorm + Scale (fused or not), Eltwise / Concat / Slice / Split, the shape layers,
// the activations and LRN, compared with values computed by plain loops.
#include <functional>

#include "frontend/caffe_test_util.h"

namespace npukit::frontend::caffe_test {
namespace {

// ---------------------------------------------------------------------------------------------
// BatchNorm + Scale
// ---------------------------------------------------------------------------------------------

const char* kBnNet = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 2 dim: 2 } } }
layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x_bn" batch_norm_param { use_global_stats: true eps: 0.001 } }
layer { name: "scale" type: "Scale" bottom: "x_bn" top: "x_bn" scale_param { bias_term: true } }
)";

std::vector<float> ref_bn_scale(const std::vector<float>& x, const std::vector<float>& mean,
                                const std::vector<float>& var, float factor, const std::vector<float>& gamma,
                                const std::vector<float>& beta, float eps) {
  std::vector<float> y(x.size());
  const float inv = factor == 0.f ? 0.f : 1.f / factor;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = (i / 4) % 3;
    const float v = (x[i] - mean[c] * inv) / std::sqrt(var[c] * inv + eps);
    y[i] = gamma.empty() ? v : v * gamma[c] + beta[c];
  }
  return y;
}

TEST(CaffeImport, BatchNormPlusInPlaceScaleFuses) {
  Weights w;
  auto mean = w.add("bn", {3});
  auto var = w.add("bn", {3}, {0.5f, 2.f, 1.25f});
  w.add("bn", {1}, {4.f});  // moving-average factor: stored sums are 4x the statistics
  auto gamma = w.add("scale", {3});
  auto beta = w.add("scale", {3});
  auto x = random_values(24, 13);
  ir::Model m;
  auto outs = run(kBnNet, w, {{"x", make({2, 3, 2, 2}, x)}}, &m);
  expect_near(outs["x_bn"], {2, 3, 2, 2}, ref_bn_scale(x, mean, var, 4.f, gamma, beta, 1e-3f));
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(m.graph.nodes()[0]->origin(), (std::vector<std::string>{"bn", "scale"}));
}

TEST(CaffeImport, BatchNormAloneAndScaleNotFusable) {
  // The BatchNorm output is also read by "other", so the Scale cannot be folded into it: Mul + Add.
  const std::string proto =
      std::string(kBnNet).replace(std::string(kBnNet).find("top: \"x_bn\" scale_param"), 12, "top: \"x_sc\" ") +
      R"(layer { name: "other" type: "AbsVal" bottom: "x_bn" top: "abs" })";
  Weights w;
  auto mean = w.add("bn", {3});
  auto var = w.add("bn", {3}, {0.5f, 2.f, 1.25f});
  w.add("bn", {1}, {0.f});  // factor 0: Caffe uses zero statistics
  auto gamma = w.add("scale", {3});
  auto beta = w.add("scale", {3});
  auto x = random_values(24, 14);
  ir::Model m;
  auto outs = run(proto, w, {{"x", make({2, 3, 2, 2}, x)}}, &m);
  auto bn_only = ref_bn_scale(x, mean, var, 0.f, {}, {}, 1e-3f);
  auto full = ref_bn_scale(x, mean, var, 0.f, gamma, beta, 1e-3f);
  for (float& v : bn_only) v = std::fabs(v);
  expect_near(outs["x_sc"], {2, 3, 2, 2}, full);
  expect_near(outs["abs"], {2, 3, 2, 2}, bn_only);
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"BatchNormalization", "Mul", "Add", "Abs"}));
}

TEST(CaffeImport, ScaleAxisNumAxesAndTwoBottoms) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" top: "s" input_param { shape { dim: 2 dim: 3 dim: 4 } shape { dim: 3 } } }
layer { name: "sc" type: "Scale" bottom: "x" top: "y" scale_param { axis: 1 num_axes: 2 } }
layer { name: "sc2" type: "Scale" bottom: "x" bottom: "s" top: "z" scale_param { bias_term: true } }
layer { name: "bias" type: "Bias" bottom: "x" top: "b" bias_param { axis: -1 } }
)";
  Weights w;
  auto g = w.add("sc", {3, 4});
  auto beta2 = w.add("sc2", {3});
  auto bias = w.add("bias", {4});
  auto x = random_values(24, 15), s = random_values(3, 16);
  auto outs = run(proto, w, {{"x", make({2, 3, 4}, x)}, {"s", make({3}, s)}});
  std::vector<float> y(24), z(24), b(24);
  for (int i = 0; i < 24; ++i) {
    y[i] = x[i] * g[i % 12];
    z[i] = x[i] * s[(i / 4) % 3] + beta2[(i / 4) % 3];
    b[i] = x[i] + bias[i % 4];
  }
  expect_near(outs["y"], {2, 3, 4}, y);
  expect_near(outs["z"], {2, 3, 4}, z);
  expect_near(outs["b"], {2, 3, 4}, b);
}

// ---------------------------------------------------------------------------------------------
// Eltwise / Concat / Slice / Split
// ---------------------------------------------------------------------------------------------

TEST(CaffeImport, EltwiseSumCoeffProdMax) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "a" top: "b" top: "c" input_param { shape { dim: 1 dim: 2 dim: 3 } } }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "sum"
        eltwise_param { operation: SUM coeff: 1 coeff: -0.5 coeff: 2 } }
layer { name: "sub" type: "Eltwise" bottom: "a" bottom: "b" top: "sub" eltwise_param { coeff: 1 coeff: -1 } }
layer { name: "prod" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "prod" eltwise_param { operation: PROD } }
layer { name: "max" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "max" eltwise_param { operation: MAX } }
)";
  auto a = random_values(6, 17), b = random_values(6, 18), c = random_values(6, 19);
  auto outs = run(proto, Weights{}, {{"a", make({1, 2, 3}, a)}, {"b", make({1, 2, 3}, b)}, {"c", make({1, 2, 3}, c)}});
  std::vector<float> sum(6), sub(6), prod(6), mx(6);
  for (int i = 0; i < 6; ++i) {
    sum[i] = a[i] - 0.5f * b[i] + 2.f * c[i];
    sub[i] = a[i] - b[i];
    prod[i] = a[i] * b[i] * c[i];
    mx[i] = std::max({a[i], b[i], c[i]});
  }
  expect_near(outs["sum"], {1, 2, 3}, sum);
  expect_near(outs["sub"], {1, 2, 3}, sub);
  expect_near(outs["prod"], {1, 2, 3}, prod);
  expect_near(outs["max"], {1, 2, 3}, mx);
}

TEST(CaffeImport, ConcatSliceSplit) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 5 dim: 2 } } }
layer { name: "slice" type: "Slice" bottom: "x" top: "s0" top: "s1" top: "s2" slice_param { axis: 1 slice_point: 1 slice_point: 3 } }
layer { name: "split" type: "Split" bottom: "s2" top: "s2a" top: "s2b" }
layer { name: "cat" type: "Concat" bottom: "s2a" bottom: "s0" bottom: "s2b" top: "cat" concat_param { concat_dim: 1 } }
layer { name: "cat2" type: "Concat" bottom: "s1" bottom: "s1" top: "cat2" concat_param { axis: -1 } }
)";
  auto x = random_values(10, 20);
  auto outs = run(proto, Weights{}, {{"x", make({1, 5, 2}, x)}});
  // s0 = rows [0,1), s1 = [1,3), s2 = [3,5)
  std::vector<float> cat = {x[6], x[7], x[8], x[9], x[0], x[1], x[6], x[7], x[8], x[9]};
  expect_near(outs["cat"], {1, 5, 2}, cat);
  std::vector<float> cat2 = {x[2], x[3], x[2], x[3], x[4], x[5], x[4], x[5]};
  expect_near(outs["cat2"], {1, 2, 4}, cat2);
  EXPECT_EQ(outs.size(), 2u);
}

TEST(CaffeImport, UnconsumedSplitTopsAreBothOutputs) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }
layer { name: "relu" type: "ReLU" bottom: "x" top: "r" }
layer { name: "split" type: "Split" bottom: "r" top: "r1" top: "r2" }
)";
  auto outs = run(proto, Weights{}, {{"x", make({2}, {-1.f, 2.f})}});
  expect_near(outs["r1"], {2}, {0.f, 2.f});
  expect_near(outs["r2"], {2}, {0.f, 2.f});
}

// ---------------------------------------------------------------------------------------------
// Shape layers and activations
// ---------------------------------------------------------------------------------------------

TEST(CaffeImport, FlattenReshapeSoftmaxCropDropout) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" top: "ref" input_param { shape { dim: 2 dim: 3 dim: 2 dim: 2 } shape { dim: 2 dim: 3 dim: 1 dim: 2 } } }
layer { name: "drop" type: "Dropout" bottom: "x" top: "x" dropout_param { dropout_ratio: 0.3 } }
layer { name: "flat" type: "Flatten" bottom: "x" top: "flat" flatten_param { axis: 1 end_axis: 2 } }
layer { name: "resh" type: "Reshape" bottom: "x" top: "resh" reshape_param { shape { dim: 0 dim: -1 dim: 3 } } }
layer { name: "resh2" type: "Reshape" bottom: "x" top: "resh2" reshape_param { shape { dim: 6 } axis: 1 num_axes: 2 } }
layer { name: "sm" type: "Softmax" bottom: "x" top: "sm" softmax_param { axis: 1 } }
layer { name: "crop" type: "Crop" bottom: "x" bottom: "ref" top: "crop" crop_param { axis: 2 offset: 1 offset: 0 } }
)";
  auto x = random_values(24, 21);
  auto outs = run(proto, Weights{}, {{"x", make({2, 3, 2, 2}, x)}, {"ref", make({2, 3, 1, 2}, random_values(12, 1))}});
  expect_near(outs["flat"], {2, 6, 2}, x);
  expect_near(outs["resh"], {2, 4, 3}, x);
  expect_near(outs["resh2"], {2, 6, 2}, x);
  std::vector<float> sm(24), crop;
  for (int n = 0; n < 2; ++n)
    for (int s = 0; s < 4; ++s) {
      double z = 0;
      for (int c = 0; c < 3; ++c) z += std::exp(x[n * 12 + c * 4 + s]);
      for (int c = 0; c < 3; ++c) sm[n * 12 + c * 4 + s] = static_cast<float>(std::exp(x[n * 12 + c * 4 + s]) / z);
    }
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int j = 0; j < 2; ++j) crop.push_back(x[n * 12 + c * 4 + 2 + j]);  // row 1 of each 2x2 plane
  expect_near(outs["sm"], {2, 3, 2, 2}, sm);
  expect_near(outs["crop"], {2, 3, 1, 2}, crop);
}

TEST(CaffeImport, Activations) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 dim: 3 } } }
layer { name: "leaky" type: "ReLU" bottom: "x" top: "leaky" relu_param { negative_slope: 0.1 } }
layer { name: "sig" type: "Sigmoid" bottom: "x" top: "sig" }
layer { name: "tanh" type: "TanH" bottom: "x" top: "tanh" }
layer { name: "elu" type: "ELU" bottom: "x" top: "elu" elu_param { alpha: 0.5 } }
layer { name: "abs" type: "AbsVal" bottom: "x" top: "abs" }
layer { name: "bnll" type: "BNLL" bottom: "x" top: "bnll" }
layer { name: "pow" type: "Power" bottom: "x" top: "pow" power_param { power: 2 scale: 0.5 shift: 3 } }
layer { name: "exp" type: "Exp" bottom: "x" top: "exp" exp_param { base: 2 scale: 0.5 shift: 1 } }
layer { name: "log" type: "Log" bottom: "abs" top: "log" log_param { base: 10 scale: 2 shift: 1 } }
layer { name: "prelu" type: "PReLU" bottom: "x" top: "prelu" }
)";
  Weights w;
  auto slope = w.add("prelu", {2}, {0.25f, -2.f});
  auto x = random_values(6, 22);
  auto outs = run(proto, w, {{"x", make({1, 2, 3}, x)}});
  std::map<std::string, std::function<float(float, int)>> f = {
      {"leaky", [](float v, int) { return v > 0 ? v : 0.1f * v; }},
      {"sig", [](float v, int) { return 1.f / (1.f + std::exp(-v)); }},
      {"tanh", [](float v, int) { return std::tanh(v); }},
      {"elu", [](float v, int) { return v > 0 ? v : 0.5f * (std::exp(v) - 1.f); }},
      {"bnll", [](float v, int) { return std::log1p(std::exp(v)); }},
      {"pow", [](float v, int) { return std::pow(3.f + 0.5f * v, 2.f); }},
      {"exp", [](float v, int) { return std::pow(2.f, 1.f + 0.5f * v); }},
      {"log", [](float v, int) { return std::log10(1.f + 2.f * std::fabs(v)); }},
      {"prelu", [&](float v, int c) { return v > 0 ? v : slope[c] * v; }},
  };
  for (auto& [name, fn] : f) {
    SCOPED_TRACE(name);
    std::vector<float> want(6);
    for (int i = 0; i < 6; ++i) want[i] = fn(x[i], i / 3);
    expect_near(outs[name], {1, 2, 3}, want);
  }
}

TEST(CaffeImport, LrnAcrossAndWithinChannels) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 5 dim: 3 dim: 3 } } }
layer { name: "lrn" type: "LRN" bottom: "x" top: "across" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 k: 2 } }
layer { name: "lrnw" type: "LRN" bottom: "x" top: "within"
        lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 norm_region: WITHIN_CHANNEL } }
)";
  auto x = random_values(45, 23);
  for (float& v : x) v *= 3.f;
  auto outs = run(proto, Weights{}, {{"x", make({1, 5, 3, 3}, x)}});
  std::vector<float> across(45), within(45);
  for (int c = 0; c < 5; ++c)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double sum = 0, sum_w = 0;
        for (int cc = c - 1; cc <= c + 1; ++cc)
          if (cc >= 0 && cc < 5) sum += x[(cc * 3 + i) * 3 + j] * x[(cc * 3 + i) * 3 + j];
        for (int a = i - 1; a <= i + 1; ++a)
          for (int b = j - 1; b <= j + 1; ++b)
            if (a >= 0 && a < 3 && b >= 0 && b < 3) sum_w += x[(c * 3 + a) * 3 + b] * x[(c * 3 + a) * 3 + b];
        const float v = x[(c * 3 + i) * 3 + j];
        across[(c * 3 + i) * 3 + j] = static_cast<float>(v / std::pow(2.0 + 0.5 / 3 * sum, 0.75));
        within[(c * 3 + i) * 3 + j] = static_cast<float>(v / std::pow(1.0 + 0.5 / 9 * sum_w, 0.75));
      }
  expect_near(outs["across"], {1, 5, 3, 3}, across);
  expect_near(outs["within"], {1, 5, 3, 3}, within);
}

}  // namespace
}  // namespace npukit::frontend::caffe_test
