// SPDX-License-Identifier: Apache-2.0
// Caffe import: prototxt (written as text, as users write them) + caffemodel (built with the generated
// caffe.pb.h classes, serialized) → IR → reference interpreter, compared with expected values computed
// here by plain loops that follow Caffe's own formulas. Also every hostile-input error code.
#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "frontend/caffe.pb.h"
#include "frontend/caffe_import.h"
#include "frontend/onnx_builder.h"
#include "interp/interpreter.h"
#include "pipeline/load.h"

namespace npukit::frontend {
namespace {

using ::testing::HasSubstr;

// Deterministic values in [-1, 1).
std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) & 0xFFFF) / 32768.f - 1.f;
  }
  return v;
}

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

/// The caffemodel side: layers with blobs, by name.
struct Weights {
  caffe::NetParameter net;
  /// Adds a blob (BlobShape form) to layer `name`, returns its values.
  std::vector<float> add(const std::string& name, const Shape& shape, std::vector<float> values = {}) {
    caffe::LayerParameter* l = nullptr;
    for (auto& x : *net.mutable_layer())
      if (x.name() == name) l = &x;
    if (!l) {
      l = net.add_layer();
      l->set_name(name);
    }
    if (values.empty()) values = random_values(count(shape), static_cast<uint32_t>(net.ByteSizeLong() + 7));
    caffe::BlobProto* b = l->add_blobs();
    for (int64_t d : shape) b->mutable_shape()->add_dim(d);
    for (float f : values) b->add_data(f);
    return values;
  }
  std::string bytes() const { return net.SerializeAsString(); }
};

Expected<ir::Model> import(const std::string& prototxt, const Weights& w) {
  return parse_caffe(prototxt, "net.prototxt", w.bytes(), "net.caffemodel");
}

/// Imports, resolves and runs with the given named inputs; returns outputs by name.
std::map<std::string, Tensor> run(const std::string& prototxt, const Weights& w,
                                  const std::map<std::string, Tensor>& inputs, ir::Model* keep = nullptr) {
  auto m = import(prototxt, w);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return {};
  Status s = interp::resolve(*m);
  EXPECT_TRUE(s.ok()) << s.to_string();
  interp::Interpreter in(m->graph);
  auto outs = in.run(inputs);
  EXPECT_TRUE(outs.ok()) << outs.status().to_string();
  std::map<std::string, Tensor> r;
  if (!outs.ok()) return r;
  for (size_t i = 0; i < outs->size(); ++i) r[m->graph.outputs()[i]->name()] = (*outs)[i];
  if (keep) *keep = std::move(*m);
  return r;
}

Tensor make(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector<float>(v, s);
}

// Float tolerance: the interpreter accumulates in a different order (and LRN/BatchNorm use a few more
// float operations) than the loops here; 1e-4 relative to the magnitude is far above that rounding noise
// and far below any semantic error (wrong pad, window or divisor changes values by > 1e-2).
void expect_near(const Tensor& got, const Shape& shape, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.shape(), shape);
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "at " << i;
}

std::vector<std::string> op_types(const ir::Model& m) {
  std::vector<std::string> r;
  for (const ir::Node* n : m.graph.nodes()) r.push_back(n->op_type());
  return r;
}

// ---------------------------------------------------------------------------------------------
// Reference loops (Caffe's formulas)
// ---------------------------------------------------------------------------------------------

struct ConvGeom {
  int64_t n, c, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, group;
  int64_t oh() const { return (h + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1; }
  int64_t ow() const { return (w + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1; }
};

std::vector<float> ref_conv(const ConvGeom& g, const std::vector<float>& x, const std::vector<float>& wt,
                            const std::vector<float>* bias) {
  const int64_t oh = g.oh(), ow = g.ow(), cin_g = g.c / g.group, cout_g = g.cout / g.group;
  std::vector<float> y(static_cast<size_t>(g.n * g.cout * oh * ow));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t o = 0; o < g.cout; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = bias ? (*bias)[o] : 0.0;
          const int64_t grp = o / cout_g;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t a = 0; a < g.kh; ++a)
              for (int64_t b = 0; b < g.kw; ++b) {
                const int64_t hi = i * g.sh - g.ph + a * g.dh, wi = j * g.sw - g.pw + b * g.dw;
                if (hi < 0 || hi >= g.h || wi < 0 || wi >= g.w) continue;
                const int64_t c = grp * cin_g + ci;
                acc += x[((n * g.c + c) * g.h + hi) * g.w + wi] * wt[((o * cin_g + ci) * g.kh + a) * g.kw + b];
              }
          y[((n * g.cout + o) * oh + i) * ow + j] = static_cast<float>(acc);
        }
  return y;
}

// Caffe's PoolingLayer::Forward_cpu (round_mode CEIL), literally: out size with the pad-only clip rule,
// MAX over the clipped window, AVE divided by the window clipped to [-pad, in + pad).
struct PoolResult {
  int64_t oh = 0, ow = 0;
  std::vector<float> y;
  bool window_outside = false;  ///< some window reads no input (Caffe's garbage case)
};
PoolResult caffe_pool(bool is_max, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p,
                      const std::vector<float>& x) {
  PoolResult r;
  r.oh = static_cast<int64_t>(std::ceil(static_cast<float>(h + 2 * p - k) / s)) + 1;
  r.ow = static_cast<int64_t>(std::ceil(static_cast<float>(w + 2 * p - k) / s)) + 1;
  if (p) {
    if ((r.oh - 1) * s >= h + p) --r.oh;
    if ((r.ow - 1) * s >= w + p) --r.ow;
  }
  r.y.assign(static_cast<size_t>(n * c * r.oh * r.ow), 0.f);
  for (int64_t pl = 0; pl < n * c; ++pl)
    for (int64_t i = 0; i < r.oh; ++i)
      for (int64_t j = 0; j < r.ow; ++j) {
        int64_t hs = i * s - p, ws = j * s - p;
        int64_t he = std::min(hs + k, h + p), we = std::min(ws + k, w + p);
        const int64_t pool_size = (he - hs) * (we - ws);
        hs = std::max<int64_t>(hs, 0);
        ws = std::max<int64_t>(ws, 0);
        he = std::min(he, h);
        we = std::min(we, w);
        if (hs >= he || ws >= we) r.window_outside = true;
        float m = -3.4e38f;
        double sum = 0;
        for (int64_t a = hs; a < he; ++a)
          for (int64_t b = ws; b < we; ++b) {
            const float v = x[(pl * h + a) * w + b];
            m = std::max(m, v);
            sum += v;
          }
        r.y[(pl * r.oh + i) * r.ow + j] = is_max ? m : static_cast<float>(sum / pool_size);
      }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Convolution family
// ---------------------------------------------------------------------------------------------

TEST(CaffeImport, ConvolutionWithInPlaceReLU) {
  const std::string proto = R"(
name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 5 dim: 4 } } }
layer {
  name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  param { lr_mult: 1 } param { lr_mult: 2 }
  convolution_param { num_output: 3 kernel_size: 3 pad: 1 stride: 1 weight_filler { type: "xavier" } }
}
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
)";
  Weights w;
  auto wt = w.add("conv1", {3, 2, 3, 3});
  auto b = w.add("conv1", {3});
  auto x = random_values(40, 1);
  ir::Model m;
  auto outs = run(proto, w, {{"data", make({1, 2, 5, 4}, x)}}, &m);
  ASSERT_EQ(outs.count("conv1"), 1u) << "the in-place output keeps the blob name";
  ConvGeom g{1, 2, 5, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1};
  auto want = ref_conv(g, x, wt, &b);
  for (float& v : want) v = std::max(v, 0.f);
  expect_near(outs["conv1"], {1, 3, 5, 4}, want);
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Conv", "Relu"}));
  EXPECT_EQ(m.graph.name(), "tiny");
  EXPECT_EQ(m.producer_name, "caffe");
}

TEST(CaffeImport, ConvolutionGroupDilationAndHWForms) {
  const std::string proto = R"(
input: "x"
input_shape { dim: 2 dim: 4 dim: 7 dim: 6 }
layer {
  name: "conv" type: "Convolution" bottom: "x" top: "y"
  convolution_param {
    num_output: 6 bias_term: false group: 2 dilation: 2
    kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 2
  }
}
)";
  Weights w;
  auto wt = w.add("conv", {6, 2, 3, 2});
  auto x = random_values(2 * 4 * 7 * 6, 2);
  auto outs = run(proto, w, {{"x", make({2, 4, 7, 6}, x)}});
  ConvGeom g{2, 4, 7, 6, 6, 3, 2, 2, 1, 1, 2, 2, 2, 2};
  expect_near(outs["y"], {2, 6, g.oh(), g.ow()}, ref_conv(g, x, wt, nullptr));
}

TEST(CaffeImport, Deconvolution) {
  // Caffe's Deconvolution is the transpose of Convolution: out = s*(in-1) + k - 2p, weights [Cin, Cout, k, k].
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 3 } } }
layer { name: "up" type: "Deconvolution" bottom: "x" top: "y"
        convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 } }
)";
  Weights w;
  auto wt = w.add("up", {2, 3, 3, 3});
  auto b = w.add("up", {3});
  auto x = random_values(18, 3);
  auto outs = run(proto, w, {{"x", make({1, 2, 3, 3}, x)}});
  const int64_t oh = 2 * (3 - 1) + 3 - 2;  // 5
  std::vector<float> want(3 * oh * oh);
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t i = 0; i < oh * oh; ++i) want[o * oh * oh + i] = b[o];
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t o = 0; o < 3; ++o)
          for (int64_t a = 0; a < 3; ++a)
            for (int64_t bb = 0; bb < 3; ++bb) {
              const int64_t yi = i * 2 - 1 + a, yj = j * 2 - 1 + bb;
              if (yi < 0 || yi >= oh || yj < 0 || yj >= oh) continue;
              want[(o * oh + yi) * oh + yj] += x[(c * 3 + i) * 3 + j] * wt[((c * 3 + o) * 3 + a) * 3 + bb];
            }
  expect_near(outs["y"], {1, 3, oh, oh}, want);
}

// ---------------------------------------------------------------------------------------------
// InnerProduct
// ---------------------------------------------------------------------------------------------

TEST(CaffeImport, InnerProductOn4DInput) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 2 dim: 2 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "fc" inner_product_param { num_output: 4 } }
layer { name: "fct" type: "InnerProduct" bottom: "x" top: "fct"
        inner_product_param { num_output: 4 transpose: true bias_term: false } }
)";
  Weights w;
  auto wt = w.add("fc", {4, 12});
  auto b = w.add("fc", {4});
  auto wtt = w.add("fct", {12, 4});
  auto x = random_values(24, 4);
  auto outs = run(proto, w, {{"x", make({2, 3, 2, 2}, x)}});
  std::vector<float> want(8), want_t(8);
  for (int n = 0; n < 2; ++n)
    for (int o = 0; o < 4; ++o) {
      double acc = b[o], acc_t = 0;
      for (int k = 0; k < 12; ++k) {
        acc += x[n * 12 + k] * wt[o * 12 + k];
        acc_t += x[n * 12 + k] * wtt[k * 4 + o];
      }
      want[n * 4 + o] = static_cast<float>(acc);
      want_t[n * 4 + o] = static_cast<float>(acc_t);
    }
  expect_near(outs["fc"], {2, 4}, want);
  expect_near(outs["fct"], {2, 4}, want_t);
}

TEST(CaffeImport, InnerProductAxis2KeepsLeadingDims) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 5 axis: 2 } }
)";
  Weights w;
  // Legacy 4-D blob shapes ([1,1,N,K] and [1,1,1,N]) as old caffemodels store them.
  auto wt = w.add("fc", {1, 1, 5, 4});
  auto b = w.add("fc", {1, 1, 1, 5});
  auto x = random_values(24, 5);
  auto outs = run(proto, w, {{"x", make({2, 3, 4}, x)}});
  std::vector<float> want(30);
  for (int r = 0; r < 6; ++r)
    for (int o = 0; o < 5; ++o) {
      double acc = b[o];
      for (int k = 0; k < 4; ++k) acc += x[r * 4 + k] * wt[o * 4 + k];
      want[r * 5 + o] = static_cast<float>(acc);
    }
  expect_near(outs["y"], {2, 3, 5}, want);
}

// ---------------------------------------------------------------------------------------------
// Pooling: every small configuration against Caffe's algorithm
// ---------------------------------------------------------------------------------------------

std::string pool_proto(bool is_max, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p) {
  return str_cat("layer { name: \"in\" type: \"Input\" top: \"x\" input_param { shape { dim: 1 dim: 2 dim: ", h,
                 " dim: ", w, " } } }\n", "layer { name: \"pool\" type: \"Pooling\" bottom: \"x\" top: \"y\"\n",
                 "  pooling_param { pool: ", is_max ? "MAX" : "AVE", " kernel_size: ", k, " stride: ", s, " pad: ", p,
                 " } }\n");
}

TEST(CaffeImport, PoolingMatchesCaffeCeilRoundingAndDivisor) {
  int compared = 0, rejected = 0, ceil_cases = 0;
  for (int is_max = 0; is_max < 2; ++is_max)
    for (int64_t h = 2; h <= 8; ++h)
      for (int64_t k = 1; k <= 4; ++k)
        for (int64_t s = 1; s <= 3; ++s)
          for (int64_t p = 0; p < k; ++p) {
            if (h + 2 * p < k) continue;
            const int64_t w = h + 1;
            SCOPED_TRACE(str_cat(is_max ? "MAX" : "AVE", " h=", h, " w=", w, " k=", k, " s=", s, " p=", p));
            auto x = random_values(2 * h * w, static_cast<uint32_t>(h * 100 + k * 10 + s + p * 1000));
            PoolResult want = caffe_pool(is_max, 1, 2, h, w, k, s, p, x);
            auto m = import(pool_proto(is_max, h, w, k, s, p), Weights{});
            if (!m.ok()) {
              // Only Caffe's garbage configuration (a window reading no input) may be rejected.
              EXPECT_TRUE(want.window_outside) << m.status().to_string();
              EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
              EXPECT_THAT(m.status().message(), HasSubstr("layer 'pool' (Pooling)"));
              ++rejected;
              continue;
            }
            EXPECT_FALSE(want.window_outside);
            if ((h + 2 * p - k) % s != 0) ++ceil_cases;
            auto outs = run(pool_proto(is_max, h, w, k, s, p), Weights{}, {{"x", make({1, 2, h, w}, x)}});
            expect_near(outs["y"], {1, 2, want.oh, want.ow}, want.y);
            ++compared;
          }
  EXPECT_GT(compared, 200);
  EXPECT_GT(rejected, 0);
  EXPECT_GT(ceil_cases, 50);
}

TEST(CaffeImport, PoolingEdgeCasesExplicit) {
  // 6x6, k3 s2 p0: Caffe rounds up to 3x3 (floor would give 2x2); the last window is clipped to 1 column.
  {
    auto x = random_values(36, 9);
    auto want = caffe_pool(false, 1, 1, 6, 6, 3, 2, 0, x);
    ASSERT_EQ(want.oh, 3);
    const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 6 dim: 6 } } }
layer { name: "pool" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: AVE kernel_size: 3 stride: 2 } }
)";
    ir::Model m;
    auto outs = run(proto, Weights{}, {{"x", make({1, 1, 6, 6}, x)}}, &m);
    expect_near(outs["y"], {1, 1, 3, 3}, want.y);
    // Corner window [4,6)x[4,6): Caffe divides by the clipped size 2*2, i.e. the plain mean of 4 values.
    EXPECT_NEAR(outs["y"].data<float>()[8], (x[28] + x[29] + x[34] + x[35]) / 4.f, 1e-5f);
    const ir::Node* n = m.graph.nodes()[0];
    EXPECT_EQ(n->attrs().get_int("ceil_mode"), 1);
    EXPECT_EQ(n->attrs().get_int("count_include_pad"), 1);
  }
  // 5x5, k3 s2 p1 AVE: windows touching the padding divide by 9 (pad counted), as Caffe does.
  {
    auto x = random_values(25, 10);
    auto want = caffe_pool(false, 1, 1, 5, 5, 3, 2, 1, x);
    const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 5 dim: 5 } } }
layer { name: "pool" type: "Pooling" bottom: "x" top: "y"
        pooling_param { pool: AVE kernel_h: 3 kernel_w: 3 stride_h: 2 stride_w: 2 pad_h: 1 pad_w: 1 } }
)";
    auto outs = run(proto, Weights{}, {{"x", make({1, 1, 5, 5}, x)}});
    expect_near(outs["y"], {1, 1, 3, 3}, want.y);
    EXPECT_NEAR(outs["y"].data<float>()[0], (x[0] + x[1] + x[5] + x[6]) / 9.f, 1e-5f);
  }
  // pad 0, kernel 1 < stride 3 on 5: Caffe's last window starts at 6 > 4 (reads nothing) → rejected.
  {
    auto m = import(pool_proto(true, 5, 5, 1, 3, 0), Weights{});
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), ErrorCode::kUnsupportedAttr);
    EXPECT_THAT(m.status().message(), HasSubstr("starts beyond the input"));
  }
  // round_mode FLOOR (post-1.0 field) → floor sizes.
  {
    const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 6 dim: 6 } } }
layer { name: "pool" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 3 stride: 2 round_mode: FLOOR } }
)";
    auto outs = run(proto, Weights{}, {{"x", make({1, 1, 6, 6}, random_values(36, 11))}});
    EXPECT_EQ(outs["y"].shape(), (Shape{1, 1, 2, 2}));
  }
}

TEST(CaffeImport, GlobalPooling) {
  const std::string proto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 3 } } }
layer { name: "gap" type: "Pooling" bottom: "x" top: "avg" pooling_param { pool: AVE global_pooling: true } }
layer { name: "gmp" type: "Pooling" bottom: "x" top: "max" pooling_param { pool: MAX global_pooling: true } }
)";
  auto x = random_values(18, 12);
  auto outs = run(proto, Weights{}, {{"x", make({1, 2, 3, 3}, x)}});
  std::vector<float> avg(2, 0.f), mx(2, -10.f);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 9; ++i) {
      avg[c] += x[c * 9 + i] / 9.f;
      mx[c] = std::max(mx[c], x[c * 9 + i]);
    }
  expect_near(outs["avg"], {1, 2, 1, 1}, avg);
  expect_near(outs["max"], {1, 2, 1, 1}, mx);
}

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

// A small classifier in the usual deploy style (in-place BN/Scale/ReLU, ceil pooling, IP, Softmax),
// checked end to end against the reference loops, also with a different batch via --input-shape.
const char* kSmallNet = R"(
name: "small"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 6 dim: 6 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool1" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
)";

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

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

const char* kFcNet = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }
)";

Weights fc_weights() {
  Weights w;
  w.add("fc", {2, 4});
  w.add("fc", {2});
  return w;
}

void expect_error(const Expected<ir::Model>& m, ErrorCode code, const std::string& part) {
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), code) << m.status().to_string();
  EXPECT_THAT(m.status().message(), HasSubstr(part));
}

TEST(CaffeImportErrors, BaselineLoads) {
  ASSERT_TRUE(import(kFcNet, fc_weights()).ok());
}

TEST(CaffeImportErrors, TruncatedAndGarbageCaffemodel) {
  const std::string bytes = fc_weights().bytes();
  expect_error(parse_caffe(kFcNet, "net.prototxt", bytes.substr(0, bytes.size() - 5), "net.caffemodel"),
               ErrorCode::kInvalidModel, "net.caffemodel: not a valid caffemodel (truncated or corrupt");
  expect_error(parse_caffe(kFcNet, "net.prototxt", std::string("\xff\xff\xff\xff\x0f junk", 10), "net.caffemodel"),
               ErrorCode::kInvalidModel, "not a valid caffemodel");
}

TEST(CaffeImportErrors, PrototxtSyntaxErrorHasLineNumber) {
  const std::string bad =
      "layer {\n  name: \"in\"\n  type: \"Input\" top: \"x\"\n  input_param { shape { dim: 1 dim: }\n}\n";
  auto m = parse_caffe(bad, "net.prototxt", "", "net.caffemodel");
  expect_error(m, ErrorCode::kInvalidModel, "net.prototxt:4:");
  expect_error(parse_caffe("layer { name: \"a\" ", "net.prototxt", "", "m"), ErrorCode::kInvalidModel,
               "net.prototxt:1:");
}

TEST(CaffeImportErrors, UnknownFields) {
  // Unknown fields at layer / net level (training parameters, fork additions) are skipped...
  const std::string ok = R"(
some_net_option: 3
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } }
        transform_param { mirror: true crop_size: 227 mean_value: 104 } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 }
        param { lr_mult: 1 decay_mult: 1 } loss_param { normalize: false } }
)";
  EXPECT_TRUE(import(ok, fc_weights()).ok());
  // ...but not inside the parameters of a translated layer, where they could change the result.
  const std::string fused = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y"
        inner_product_param { num_output: 2 fused_relu: true } }
)";
  expect_error(import(fused, fc_weights()), ErrorCode::kInvalidModel,
               "net.prototxt:4:55: Message type \"caffe.InnerProductParameter\" has no field named \"fused_relu\"");
}

TEST(CaffeImportErrors, MissingWrongCountAndWrongShapeBlobs) {
  expect_error(import(kFcNet, Weights{}), ErrorCode::kInvalidModel,
               "layer 'fc' (InnerProduct): has no weights in net.caffemodel (no layer of that name)");
  Weights one;
  one.add("fc", {2, 4});
  expect_error(import(kFcNet, one), ErrorCode::kInvalidModel,
               "layer 'fc' (InnerProduct): net.caffemodel gives 1 blob(s), expected 2");
  Weights shape;
  shape.add("fc", {4, 2});
  shape.add("fc", {2});
  expect_error(import(kFcNet, shape), ErrorCode::kShapeMismatch,
               "layer 'fc' (InnerProduct): blob 0 (weights) has shape [4,2], expected [2,4]");
  Weights data;
  data.add("fc", {2, 4}, {1.f, 2.f, 3.f});  // 3 values for 8 elements
  data.add("fc", {2});
  expect_error(import(kFcNet, data), ErrorCode::kInvalidModel, "blob 0: has 3 values but its shape [2,4] needs 8");
  Weights neg;
  neg.add("fc", {2, 4});
  neg.add("fc", {2});
  neg.net.mutable_layer(0)->mutable_blobs(1)->mutable_shape()->set_dim(0, -2);
  expect_error(import(kFcNet, neg), ErrorCode::kInvalidModel, "negative dim -2");
}

TEST(CaffeImportErrors, UnknownAndForkLayerTypesNameTheLayer) {
  const std::string up = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 2 dim: 2 } } }
layer { name: "up1" type: "Upsample" bottom: "x" top: "y" }
)";
  expect_error(import(up, Weights{}), ErrorCode::kUnsupportedOp,
               "layer 'up1' has type 'Upsample': not a Caffe 1.0 layer");
  std::string foo = up;
  foo.replace(foo.find("Upsample"), 8, "FooBar");
  expect_error(import(foo, Weights{}), ErrorCode::kUnsupportedOp, "layer 'up1' has unknown type 'FooBar' (supported:");
  std::string data = up;
  data.replace(data.find("Upsample"), 8, "Data");
  expect_error(import(data, Weights{}), ErrorCode::kUnsupportedOp, "use a deploy prototxt with an Input layer");
}

TEST(CaffeImportErrors, DanglingBottomAndNoInputShape) {
  expect_error(import(R"(layer { name: "r" type: "ReLU" bottom: "nope" top: "y" })", Weights{}),
               ErrorCode::kInvalidModel,
               "layer 'r' (ReLU): bottom 'nope' is not produced by any earlier layer or input");
  expect_error(import(R"(layer { name: "in" type: "Input" top: "x" })", Weights{}), ErrorCode::kInvalidModel,
               "input_param has no shape");
  expect_error(import("input: \"a\"\ninput_dim: 1\ninput_dim: 2\n", Weights{}), ErrorCode::kInvalidModel,
               "legacy inputs need 4");
}

TEST(CaffeImportErrors, LegacyV1Prototxt) {
  const std::string v1 = R"(
name: "old"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 3 } }
)";
  expect_error(import(v1, Weights{}), ErrorCode::kInvalidModel, "upgrade_net_proto_text");
}

TEST(CaffeImportErrors, UnsupportedParameterValues) {
  const std::string bn = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { use_global_stats: false } }
)";
  expect_error(import(bn, Weights{}), ErrorCode::kUnsupportedAttr, "layer 'bn' (BatchNorm): use_global_stats: false");
  const std::string sto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } } }
layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: STOCHASTIC kernel_size: 2 stride: 2 } }
)";
  expect_error(import(sto, Weights{}), ErrorCode::kUnsupportedAttr, "layer 'p' (Pooling): pool: STOCHASTIC");
  const std::string lrn = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 dim: 2 dim: 2 } } }
layer { name: "n" type: "LRN" bottom: "x" top: "y" lrn_param { local_size: 4 } }
)";
  expect_error(import(lrn, Weights{}), ErrorCode::kInvalidModel, "local_size 4 must be odd");
}

TEST(CaffeImportErrors, ShapeMismatches) {
  const std::string elt = R"(
layer { name: "in" type: "Input" top: "a" top: "b" input_param { shape { dim: 1 dim: 2 } shape { dim: 1 dim: 3 } } }
layer { name: "e" type: "Eltwise" bottom: "a" bottom: "b" top: "y" }
)";
  expect_error(import(elt, Weights{}), ErrorCode::kShapeMismatch, "layer 'e' (Eltwise): bottom 1 shape [1,3] differs");
  const std::string conv = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 dim: 4 dim: 4 } } }
layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 2 kernel_size: 3 group: 2 } }
)";
  expect_error(import(conv, Weights{}), ErrorCode::kInvalidModel, "group 2 must divide the input channels 3");
  const std::string resh = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "r" type: "Reshape" bottom: "x" top: "y" reshape_param { shape { dim: 4 dim: 2 } } }
)";
  expect_error(import(resh, Weights{}), ErrorCode::kShapeMismatch, "layer 'r' (Reshape): cannot reshape input [2,3]");
}

TEST(CaffeImportErrors, CorruptedFilesNeverCrash) {
  // Every truncation of a prototxt and byte corruptions of a caffemodel must give a model or an error
  // (never a crash, hang or unbounded allocation). Shapes stay small, so a corrupted dim that is accepted
  // can only shrink or mismatch a blob, which the checks report.
  Weights w;
  w.add("conv1", {4, 2, 3, 3});
  w.add("bn1", {4});
  w.add("bn1", {4}, {0.5f, 1.f, 1.5f, 2.f});
  w.add("bn1", {1}, {1.f});
  w.add("scale1", {4});
  w.add("scale1", {4});
  w.add("fc", {3, 36});
  w.add("fc", {3});
  const std::string text = kSmallNet, bytes = w.bytes();
  int ok = 0, failed = 0;
  for (size_t n = 0; n < text.size(); n += 3) {
    auto m = parse_caffe(text.substr(0, n), "t.prototxt", bytes, "m.caffemodel");
    m.ok() ? ++ok : ++failed;
  }
  uint32_t seed = 99;
  for (int i = 0; i < 300; ++i) {
    std::string b = bytes;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525u + 1013904223u;
      b[(seed >> 8) % b.size()] = static_cast<char>(seed >> 24);
    }
    auto m = parse_caffe(text, "t.prototxt", b, "m.caffemodel");
    if (!m.ok()) {
      const ErrorCode c = m.status().code();
      EXPECT_TRUE(c == ErrorCode::kInvalidModel || c == ErrorCode::kShapeMismatch || c == ErrorCode::kOutOfRange)
          << m.status().to_string();
    }
    m.ok() ? ++ok : ++failed;
  }
  EXPECT_GT(failed, 100);
}

// ---------------------------------------------------------------------------------------------
// Files and pipeline::load_model dispatch
// ---------------------------------------------------------------------------------------------

TEST(CaffeImportFiles, LoadModelDispatchesOnExtension) {
  testing::TempDir tmp;
  const std::string proto = tmp.file("m.prototxt"), model = tmp.file("m.caffemodel");
  {
    std::ofstream(proto) << kFcNet;
    std::ofstream f(model, std::ios::binary);
    f << fc_weights().bytes();
  }
  pipeline::LoadOptions lo;
  lo.caffe_prototxt = proto;
  auto m = pipeline::load_model(model, lo);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.outputs()[0]->name(), "y");
  EXPECT_EQ(m->graph.outputs()[0]->shape(), (Shape{1, 2}));

  auto no_proto = pipeline::load_model(model);
  ASSERT_FALSE(no_proto.ok());
  EXPECT_EQ(no_proto.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_proto.status().message(), HasSubstr("needs its prototxt"));

  auto proto_only = pipeline::load_model(proto);
  ASSERT_FALSE(proto_only.ok());
  EXPECT_EQ(proto_only.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(proto_only.status().message(), HasSubstr("give the .caffemodel (weights)"));

  auto missing = import_caffe(tmp.file("nope.prototxt"), model);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  // --input-shape style overrides still work for the batch dim.
  lo.input_shapes["x"] = {3, 4};
  auto m3 = pipeline::load_model(model, lo);
  ASSERT_TRUE(m3.ok()) << m3.status().to_string();
  EXPECT_EQ(m3->graph.outputs()[0]->shape(), (Shape{3, 2}));
}

}  // namespace
}  // namespace npukit::frontend
