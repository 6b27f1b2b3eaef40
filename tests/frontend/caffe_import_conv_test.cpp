// SPDX-License-Identifier: Apache-2.0
// Caffe import of the convolution family, InnerProduct and Pooling (Caffe's CEIL rounding and AVE divisor),
// compared with the reference loops of caffe_test_util.h.

#include "frontend/caffe_test_util.h"

namespace npukit::frontend::caffe_test {
namespace {

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

}  // namespace
}  // namespace npukit::frontend::caffe_test
