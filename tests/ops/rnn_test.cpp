// SPDX-License-Identifier: Apache-2.0
// Unit tests for LSTM: shape inference, errors, and the reference kernel against values from an independent
// numpy implementation of the ONNX equations (seeded random weights rounded to 0.1; see expected arrays).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "ir/op_table.h"
#include "kernels/ref/ref_kernels.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using ir::OpKind;

using namespace npukit::optest;  // NOLINT: test helpers

}  // namespace

// Shared inputs: seq 3, batch 2, input 2, hidden 2, two directions' worth of weights (forward uses [0]).
constexpr int64_t kS = 3, kN = 2, kI = 2, kH = 2;
const std::vector<float> kX = {0.3f, 0.8f, 0.6f, -0.5f, -0.4f, 0.7f, -1.0f, 0.6f, 0.6f, -0.1f, -0.4f, -0.4f};
const std::vector<float> kW = {-0.5f, -0.1f, 0.0f,  0.1f,  1.0f, 0.6f,  0.2f,  1.0f,  -0.6f, -0.7f, 0.2f,
                               -0.9f, -0.9f, 0.0f,  -0.1f, 0.8f, 0.3f,  0.0f,  -0.0f, -0.5f, -1.0f, -0.6f,
                               0.4f,  -0.6f, -0.3f, -1.0f, 0.7f, -0.7f, -0.5f, 0.8f,  0.0f,  0.7f};
const std::vector<float> kR = {0.3f,  0.5f,  -0.8f, 0.1f,  0.0f, 0.7f,  -0.3f, 0.2f, -0.9f, -0.2f, -0.4f,
                               -0.7f, 0.6f,  -0.2f, 1.0f,  0.2f, 0.2f,  0.3f,  0.4f, -0.7f, -0.1f, -0.5f,
                               -0.2f, -0.8f, 0.9f,  -0.6f, 0.3f, -0.4f, 0.7f,  0.3f, -0.7f, 0.7f};
const std::vector<float> kB = {0.9f,  0.8f,  0.1f,  -0.7f, -0.6f, 0.9f,  0.1f, -0.6f, 0.8f, 0.3f,  0.1f,
                               -0.2f, -0.2f, -0.5f, -0.9f, 0.8f,  -0.1f, 0.1f, -0.4f, 0.5f, -0.9f, -0.3f,
                               -0.9f, -0.8f, 0.9f,  0.3f,  -0.1f, 0.0f,  0.7f, -0.3f, 0.2f, 0.4f};
const std::vector<float> kP = {-0.3f, 0.0f, 0.5f, 0.8f, -0.7f, 0.9f, -1.0f, 0.5f, 0.6f, -0.7f, -0.2f, 0.6f};
const std::vector<float> kH0 = {-1.0f, 0.3f, 0.6f, 0.0f, 0.5f, -0.5f, -0.6f, -0.3f};
const std::vector<float> kC0 = {-0.6f, -0.3f, 0.9f, 0.1f, -0.3f, -0.5f, 0.9f, -0.1f};

/// First half (direction 0) of a [2, ...] parameter.
std::vector<float> dir0(const std::vector<float>& v) {
  return std::vector<float>(v.begin(), v.begin() + v.size() / 2);
}

Attrs hidden(int64_t h) {
  Attrs a;
  a.set("hidden_size", h);
  return a;
}

// numpy-reference outputs have ~7 significant digits; f32 vs f64 recurrences differ by ~1e-7 over 3 steps.
constexpr float kTol = 2e-6f;

TEST(LstmTest, ForwardWithBiasPeepholesAndInitialState) {
  Tensor x = f32(kX, {kS, kN, kI}), w = f32(dir0(kW), {1, 4 * kH, kI}), r = f32(dir0(kR), {1, 4 * kH, kH});
  Tensor b = f32(dir0(kB), {1, 8 * kH}), p = f32(dir0(kP), {1, 3 * kH});
  Tensor h0 = f32(dir0(kH0), {1, kN, kH}), c0 = f32(dir0(kC0), {1, kN, kH});
  auto out = run(OpKind::kLSTM, ref::ref_LSTM, hidden(kH), {&x, &w, &r, &b, nullptr, &h0, &c0, &p}, 3);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {kS, 1, kN, kH},
             {-0.5120911f, -0.1246994f, -0.255937f, 0.06109609f, -0.3175387f, 0.05162337f, -0.1059227f, 0.2433795f,
              -0.457991f, -0.03484727f, -0.1930756f, 0.07076353f},
             kTol);
  expect_f32((*out)[1], {1, kN, kH}, {-0.457991f, -0.03484727f, -0.1930756f, 0.07076353f}, kTol);
  expect_f32((*out)[2], {1, kN, kH}, {-1.299719f, -0.1185118f, -0.5950473f, 0.2848706f}, kTol);
}

TEST(LstmTest, BidirectionalWithSequenceLens) {
  Tensor x = f32(kX, {kS, kN, kI}), w = f32(kW, {2, 4 * kH, kI}), r = f32(kR, {2, 4 * kH, kH});
  Tensor b = f32(kB, {2, 8 * kH}), h0 = f32(kH0, {2, kN, kH}), c0 = f32(kC0, {2, kN, kH});
  Tensor lens = Tensor::from_vector<int32_t>({3, 2}, {2});
  Attrs attrs = hidden(kH);
  attrs.set("direction", std::string("bidirectional"));
  auto out = run(OpKind::kLSTM, ref::ref_LSTM, attrs, {&x, &w, &r, &b, &lens, &h0, &c0}, 3);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  // Batch entry 1 has length 2: its Y rows at t=2 are zero; the reverse direction starts at t=1 for it.
  expect_f32(
      (*out)[0], {kS, 2, kN, kH},
      {-0.5637861f, -0.1466422f,  -0.2597468f,  0.05085074f, -0.07668337f, -0.002724584f, -0.1542605f, -0.2562842f,
       -0.3736052f, 0.01828821f,  -0.09326751f, 0.1863725f,  -0.1594188f,  -0.169114f,    0.08062629f, 0.05364232f,
       -0.518288f,  -0.06692082f, 0.0f,         0.0f,        -0.180539f,   -0.5309168f,   0.0f,        0.0f},
      kTol);
  expect_f32(
      (*out)[1], {2, kN, kH},
      {-0.518288f, -0.06692082f, -0.09326751f, 0.1863725f, -0.07668337f, -0.002724584f, -0.1542605f, -0.2562842f},
      kTol);
  expect_f32((*out)[2], {2, kN, kH},
             {-1.001981f, -0.2138274f, -0.237381f, 0.5071705f, -0.338475f, -0.00472861f, -0.5624067f, -0.3681564f},
             kTol);
}

TEST(LstmTest, ReverseWithClipAndInputForgetNoBias) {
  Tensor x = f32(kX, {kS, kN, kI}), w = f32(dir0(kW), {1, 4 * kH, kI}), r = f32(dir0(kR), {1, 4 * kH, kH});
  Attrs attrs;  // hidden_size absent: taken from R
  attrs.set("direction", std::string("reverse"));
  attrs.set("clip", 0.5f);
  attrs.set("input_forget", int64_t{1});
  auto out = run(OpKind::kLSTM, ref::ref_LSTM, attrs, {&x, &w, &r}, 2);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 2u);
  expect_f32((*out)[0], {kS, 1, kN, kH},
             {-0.05996444f, 0.2030453f, -0.00754763f, -0.02099788f, 0.02653355f, 0.1263679f, 0.1291792f, 0.09594861f,
              -0.1215343f, -0.03488956f, 0.07205431f, -0.0508137f},
             kTol);
  expect_f32((*out)[1], {1, kN, kH}, {-0.05996444f, 0.2030453f, -0.00754763f, -0.02099788f}, kTol);
}

TEST(LstmTest, Layout1BatchMajor) {
  Tensor x = f32({0.3f, 0.8f, -0.4f, 0.7f, 0.6f, -0.1f, 0.6f, -0.5f, -1.0f, 0.6f, -0.4f, -0.4f}, {kN, kS, kI});
  Tensor w = f32(dir0(kW), {1, 4 * kH, kI}), r = f32(dir0(kR), {1, 4 * kH, kH});
  Attrs attrs = hidden(kH);
  attrs.set("layout", int64_t{1});
  auto out = run(OpKind::kLSTM, ref::ref_LSTM, attrs, {&x, &w, &r}, 2);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {kN, kS, 1, kH},
             {-0.07967142f, 0.1936703f, 0.0509601f, 0.229283f, -0.1277916f, 0.08197779f, -0.1220984f, -0.08392527f,
              0.09092414f, 0.08983321f, 0.1326929f, 0.0005366092f},
             kTol);
  expect_f32((*out)[1], {kN, 1, kH}, {-0.1277916f, 0.08197779f, 0.1326929f, 0.0005366092f}, kTol);
}

TEST(LstmTest, HandComputedSingleStep) {
  // hidden 1, input 1, all weights zero except biases: i = sigmoid(0) = 0.5, f = 0.5, o = 0.5,
  // c~ = tanh(Wbc + Rbc) = tanh(0) = 0 → c = 0.5 * c0; h = 0.5 * tanh(c).
  Tensor x = f32({7.f}, {1, 1, 1}), w = f32({0, 0, 0, 0}, {1, 4, 1}), r = f32({0, 0, 0, 0}, {1, 4, 1});
  Tensor c0 = f32({2.f}, {1, 1, 1});
  auto out = run(OpKind::kLSTM, ref::ref_LSTM, hidden(1), {&x, &w, &r, nullptr, nullptr, nullptr, &c0}, 3);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[2], {1, 1, 1}, {1.f}, 1e-6f);
  expect_f32((*out)[1], {1, 1, 1}, {0.5f * std::tanh(1.f)}, 1e-6f);
}

TEST(LstmTest, AbsentYOutputIsSkipped) {
  // A node whose Y output is absent ('' in ONNX) passes an unallocated tensor in that slot.
  Tensor x = f32(kX, {kS, kN, kI}), w = f32(dir0(kW), {1, 4 * kH, kI}), r = f32(dir0(kR), {1, 4 * kH, kH});
  Attrs attrs = hidden(kH);
  auto types = infer(OpKind::kLSTM, attrs, {&x, &w, &r}, 2);
  ASSERT_TRUE(types.ok()) << types.status().to_string();
  ASSERT_EQ(types->size(), 2u);
  EXPECT_EQ((*types)[1].shape, (Shape{1, kN, kH}));
  ASSERT_TRUE(ir::normalize_attrs(OpKind::kLSTM, "t", attrs).ok());
  std::vector<Tensor> outs(2);
  outs[1] = Tensor(DType::kF32, {1, kN, kH});
  std::vector<const Tensor*> ins = {&x, &w, &r};
  ref::KernelArgs args{"LSTM", "t", attrs, ins, outs};
  ASSERT_TRUE(ref::ref_LSTM(args).ok());
  EXPECT_TRUE(outs[0].empty());
  // Same Y_h as the run with all outputs.
  auto full = run(OpKind::kLSTM, ref::ref_LSTM, hidden(kH), {&x, &w, &r}, 2);
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(outs[1].bit_equal((*full)[1]));
}

TEST(LstmTest, InferShapes) {
  Tensor x(DType::kF32, {5, 3, 4}), w(DType::kF32, {2, 24, 4}), r(DType::kF32, {2, 24, 6});
  Attrs attrs;
  attrs.set("direction", std::string("bidirectional"));
  auto t = infer(OpKind::kLSTM, attrs, {&x, &w, &r}, 3);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*t)[0].shape, (Shape{5, 2, 3, 6}));
  EXPECT_EQ((*t)[1].shape, (Shape{2, 3, 6}));
  EXPECT_EQ((*t)[2].shape, (Shape{2, 3, 6}));
  auto none = infer(OpKind::kLSTM, attrs, {&x, &w, &r}, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(LstmTest, Errors) {
  Tensor x(DType::kF32, {5, 3, 4}), w(DType::kF32, {1, 24, 4}), r(DType::kF32, {1, 24, 6});
  Attrs bad_dir;
  bad_dir.set("direction", std::string("sideways"));
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, bad_dir, {&x, &w, &r})), ErrorCode::kUnsupportedAttr);
  Attrs bad_act;
  bad_act.set("activations", std::vector<std::string>{"Sigmoid", "Gelu", "Tanh"});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, bad_act, {&x, &w, &r})), ErrorCode::kUnsupportedAttr);
  Attrs bad_layout;
  bad_layout.set("layout", int64_t{2});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, bad_layout, {&x, &w, &r})), ErrorCode::kUnsupportedAttr);
  // W for a bidirectional op while direction is forward.
  Tensor w2(DType::kF32, {2, 24, 4});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&x, &w2, &r})), ErrorCode::kShapeMismatch);
  // hidden_size disagreeing with R.
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, hidden(5), {&x, &w, &r})), ErrorCode::kShapeMismatch);
  Tensor x2(DType::kF32, {5, 4});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&x2, &w, &r})), ErrorCode::kShapeMismatch);
  Tensor xh(DType::kF16, {5, 3, 4});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&xh, &w, &r})), ErrorCode::kUnsupportedAttr);
  Tensor lens = Tensor::from_vector<int32_t>({5, 6, 1}, {3});
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&x, &w, &r, nullptr, &lens})), ErrorCode::kOutOfRange);
  Tensor b(DType::kF32, {1, 24});  // must be [1, 48]
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&x, &w, &r, &b})), ErrorCode::kShapeMismatch);
  Tensor h0(DType::kF32, {1, 4, 6});  // batch 3 expected
  EXPECT_EQ(code_of(infer(OpKind::kLSTM, Attrs{}, {&x, &w, &r, nullptr, nullptr, &h0})), ErrorCode::kShapeMismatch);
}

}  // namespace npukit
