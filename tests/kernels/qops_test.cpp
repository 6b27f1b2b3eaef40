// SPDX-License-Identifier: Apache-2.0
// npukit-domain integer ops (ir/ops/qops.cpp + kernels/ref/qops.cpp): every op, run the way the interpreter
// runs it (normalize_attrs + infer + kernel), must be BIT-EXACT against calling the qref:: function of
// kernels/ref/qkernels.h directly with the equivalent parameter struct: the ops add no arithmetic of their own.
// Shapes are deliberately awkward (odd channels, stride 2, asymmetric padding, groups, dilation, broadcasting).
// A sanity check on each output rejects degenerate cases (all codes equal / saturated) so that the comparison
// exercises the arithmetic.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "kernels/ref/qkernels.h"
#include "quant/arith.h"
#include "util/op_test_util.h"
#include "util/qcodes.h"

namespace npukit {
namespace {

using ir::OpKind;
using optest::kAbsent;
using optest::OpFns;
using quant::QRange;
using quant::QuantizedMultiplier;

Tensor codes(DType dt, const Shape& shape, int32_t lo, int32_t hi, uint32_t seed) {
  return testing::random_codes(dt, shape, lo, hi, seed);
}

/// Multipliers for real factors (per channel).
std::vector<QuantizedMultiplier> mults(const std::vector<double>& m) {
  std::vector<QuantizedMultiplier> out;
  for (double v : m) out.push_back(quant::quantize_multiplier(v));
  return out;
}

void set_mults(Attrs& a, const std::vector<QuantizedMultiplier>& m, const char* mk = "multiplier",
               const char* sk = "shift") {
  std::vector<int64_t> mv, sv;
  for (const auto& q : m) {
    mv.push_back(q.mult);
    sv.push_back(q.shift);
  }
  a.set(mk, mv);
  a.set(sk, sv);
}

/// At least 8 distinct codes: the output is not degenerate.
void expect_varied(const Tensor& t) {
  std::vector<int32_t> v;
  ASSERT_TRUE(qref::detail::load_codes(t, "t", &v).ok());
  EXPECT_GE(std::set<int32_t>(v.begin(), v.end()).size(), 8u);
}

/// Runs `op` and compares with `expected` bit for bit (dtype, shape and bytes).
void expect_same(const Expected<std::vector<Tensor>>& got, const Tensor& expected) {
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].dtype(), expected.dtype());
  EXPECT_EQ((*got)[0].shape(), expected.shape());
  EXPECT_TRUE((*got)[0] == expected) << "integer op differs from the qref:: function";
}

TEST(QConv, StridedDilatedPaddedPerChannelWithBiasAndClampIsBitExact) {
  const Tensor x = codes(DType::kU8, {2, 5, 9, 8}, 0, 255, 1);
  const Tensor w = codes(DType::kI8, {7, 5, 3, 2}, -127, 127, 2);
  const Tensor b = codes(DType::kI32, {7}, -3000, 3000, 3);
  qref::QConv2dParams p;
  p.stride_h = 2, p.stride_w = 1, p.dilation_h = 2, p.dilation_w = 3;
  p.pad_top = 1, p.pad_left = 2, p.pad_bottom = 0, p.pad_right = 1;
  p.input_zero_point = 131;
  p.out_mult = mults({1.1e-3, 2.3e-3, 0.9e-3, 1.7e-3, 3.1e-3, 0.6e-3, 1.3e-3});
  p.output_zero_point = 7;
  p.out_range = QRange{7, 250};  // fused ReLU on u8 with zero point 7, narrowed top
  p.output_dtype = DType::kU8;
  Tensor expected;
  ASSERT_TRUE(qref::qconv2d(x, w, &b, p, &expected).ok());
  expect_varied(expected);

  Attrs a;
  a.set("strides", std::vector<int64_t>{2, 1});
  a.set("dilations", std::vector<int64_t>{2, 3});
  a.set("pads", std::vector<int64_t>{1, 2, 0, 1});
  a.set("x_zero_point", int64_t{131});
  set_mults(a, p.out_mult);
  a.set("y_dtype", int64_t{2});
  a.set("y_zero_point", int64_t{7});
  a.set("y_min", int64_t{7});
  a.set("y_max", int64_t{250});
  expect_same(optest::run(OP(QConv), a, {x, w, b}), expected);
}

TEST(QConv, GroupedAndDepthwiseInt8AndInt16AreBitExact) {
  for (DType xt : {DType::kI8, DType::kI16}) {
    for (int64_t group : {3, 9}) {
      const int32_t hi = xt == DType::kI8 ? 127 : 30000;
      const Tensor x = codes(xt, {1, 9, 7, 5}, -hi - 1, hi, 10 + static_cast<uint32_t>(group));
      const int64_t cout = group == 9 ? 9 : 6;
      const Tensor w = codes(DType::kI8, {cout, 9 / group, 3, 3}, -127, 127, 11);
      qref::QConv2dParams p;
      p.group = group;
      p.stride_h = p.stride_w = 2;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      p.input_zero_point = -5;
      p.out_mult = mults({xt == DType::kI8 ? 4e-3 : 1.5e-5});  // per tensor
      p.output_dtype = DType::kI8;
      Tensor expected;
      ASSERT_TRUE(qref::qconv2d(x, w, nullptr, p, &expected).ok());
      expect_varied(expected);
      Attrs a;
      a.set("group", group);
      a.set("strides", std::vector<int64_t>{2, 2});
      a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
      a.set("x_zero_point", int64_t{-5});
      set_mults(a, p.out_mult);
      SCOPED_TRACE(dtype_name(xt));
      expect_same(optest::run(OP(QConv), a, {x, w}), expected);
    }
  }
}

TEST(QConv, FusedResidualAddIsBitExact) {
  const Tensor x = codes(DType::kI8, {1, 3, 6, 5}, -128, 127, 20);
  const Tensor w = codes(DType::kI8, {4, 3, 1, 1}, -127, 127, 21);
  const Tensor r = codes(DType::kU8, {1, 4, 6, 5}, 0, 255, 22);
  qref::QConv2dParams p;
  p.input_zero_point = 0;
  p.out_mult = mults({0.01, 0.02, 0.015, 0.012});
  p.output_zero_point = 3;  // the intermediate ("mid") conv result
  p.out_range = QRange{-100, 127};
  p.output_dtype = DType::kI8;
  p.residual_add = quant::make_add_params(0.05f, 3, 0.02f, 128, 0.06f, -4, QRange{-4, 127});
  Tensor expected;
  ASSERT_TRUE(qref::qconv2d(x, w, nullptr, p, &expected, &r).ok());
  expect_varied(expected);
  Attrs a;
  set_mults(a, p.out_mult);
  a.set("mid_zero_point", int64_t{3});
  a.set("mid_min", int64_t{-100});
  a.set("r_zero_point", int64_t{128});
  a.set("add_left_shift", int64_t{p.residual_add.left_shift});
  set_mults(a, {p.residual_add.a_mult, p.residual_add.b_mult, p.residual_add.out_mult}, "add_multiplier", "add_shift");
  a.set("y_zero_point", int64_t{-4});
  a.set("y_min", int64_t{-4});
  expect_same(optest::run(OP(QConv), a, {x, w, kAbsent, r}), expected);
}

TEST(QGemm, PerChannelWithBiasIsBitExact) {
  const Tensor x = codes(DType::kU8, {3, 37}, 0, 255, 30);
  const Tensor w = codes(DType::kI8, {5, 37}, -127, 127, 31);
  const Tensor b = codes(DType::kI32, {5}, -20000, 20000, 32);
  qref::QGemmParams p;
  p.a_zero_point = 120;
  p.out_mult = mults({1e-3, 2e-3, 3e-3, 1.5e-3, 0.7e-3});
  p.output_zero_point = -10;
  p.output_dtype = DType::kI8;
  Tensor expected;
  ASSERT_TRUE(qref::qgemm(x, w, &b, p, &expected).ok());
  expect_varied(expected);
  Attrs a;
  a.set("a_zero_point", int64_t{120});
  set_mults(a, p.out_mult);
  a.set("y_zero_point", int64_t{-10});
  expect_same(optest::run(OP(QGemm), a, {x, w, b}), expected);
}

TEST(QMatMul, BatchedActivationsAndPerColumnWeightsAreBitExact) {
  {
    const Tensor x = codes(DType::kU8, {2, 3, 11}, 0, 255, 40);
    const Tensor y = codes(DType::kI8, {2, 11, 4}, -128, 127, 41);
    qref::QMatMulParams p;
    p.a_zero_point = 17;
    p.b_zero_point = -3;
    p.out_mult = mults({2.5e-4});
    p.output_dtype = DType::kU8;
    p.out_range = quant::kRangeU8;
    p.output_zero_point = 128;
    Tensor expected;
    Status st = qref::qmatmul(x, y, p, &expected);
    ASSERT_TRUE(st.ok()) << st.to_string();
    expect_varied(expected);
    Attrs a;
    a.set("a_zero_point", int64_t{17});
    a.set("b_zero_point", int64_t{-3});
    set_mults(a, p.out_mult);
    a.set("y_dtype", int64_t{2});
    a.set("y_zero_point", int64_t{128});
    expect_same(optest::run(OP(QMatMul), a, {x, y}), expected);
  }
  {
    const Tensor x = codes(DType::kI8, {1, 5, 13}, -128, 127, 42);
    const Tensor w = codes(DType::kI8, {13, 3}, -127, 127, 43);
    qref::QMatMulParams p;
    p.out_mult = mults({3e-3, 1e-3, 2e-3});
    Tensor expected;
    ASSERT_TRUE(qref::qmatmul(x, w, p, &expected).ok());
    expect_varied(expected);
    Attrs a;
    set_mults(a, p.out_mult);
    expect_same(optest::run(OP(QMatMul), a, {x, w}), expected);
  }
}

TEST(QElementwise, AddSubMulWithBroadcastingAreBitExact) {
  const Tensor x = codes(DType::kU8, {2, 3, 1, 5}, 0, 255, 50);
  const Tensor y = codes(DType::kI16, {3, 4, 1}, -30000, 30000, 51);
  const quant::AddParams ap = quant::make_add_params(0.02f, 100, 1e-4f, 0, 0.03f, 5, QRange{-128, 120}, true);
  for (bool sub : {false, true}) {
    Tensor expected;
    ASSERT_TRUE((sub ? qref::qsub(x, y, ap, DType::kI8, &expected) : qref::qadd(x, y, ap, DType::kI8, &expected)).ok());
    expect_varied(expected);
    Attrs a;
    a.set("a_zero_point", int64_t{100});
    a.set("left_shift", int64_t{ap.left_shift});
    set_mults(a, {ap.a_mult, ap.b_mult, ap.out_mult});
    a.set("y_zero_point", int64_t{5});
    a.set("y_max", int64_t{120});
    if (sub)
      expect_same(optest::run(OP(QSub), a, {x, y}), expected);
    else
      expect_same(optest::run(OP(QAdd), a, {x, y}), expected);
  }
  const quant::MulParams mp = quant::make_mul_params(0.02f, 100, 1e-4f, 0, 0.01f, 0, quant::kRangeI8);
  Tensor expected;
  ASSERT_TRUE(qref::qmul(x, y, mp, DType::kI8, &expected).ok());
  expect_varied(expected);
  Attrs a;
  a.set("a_zero_point", int64_t{100});
  set_mults(a, {mp.mult});
  expect_same(optest::run(OP(QMul), a, {x, y}), expected);
}

TEST(QPool, AveragePoolAndGlobalAveragePoolAreBitExact) {
  const Tensor x = codes(DType::kU8, {1, 3, 7, 6}, 0, 255, 60);
  for (int64_t cip : {0, 1}) {
    for (bool rescale : {false, true}) {
      qref::QPool2dParams p;
      p.kernel_h = 3, p.kernel_w = 2, p.stride_h = 2, p.stride_w = 2;
      p.pad_top = 1, p.pad_left = 0, p.pad_bottom = 1, p.pad_right = 1;
      p.count_include_pad = cip != 0;
      p.input_zero_point = 90;
      p.rescale = rescale;
      p.mult = quant::rescale_multiplier(0.02f, 0.03f);
      p.output_zero_point = 60;
      p.out_range = quant::kRangeU8;
      p.output_dtype = DType::kU8;
      Tensor expected;
      Status st = qref::qavgpool2d(x, p, &expected);
      ASSERT_TRUE(st.ok()) << st.to_string();
      expect_varied(expected);
      Attrs a;
      a.set("kernel_shape", std::vector<int64_t>{3, 2});
      a.set("strides", std::vector<int64_t>{2, 2});
      a.set("pads", std::vector<int64_t>{1, 0, 1, 1});
      a.set("count_include_pad", cip);
      a.set("x_zero_point", int64_t{90});
      a.set("rescale", int64_t{rescale ? 1 : 0});
      if (rescale) set_mults(a, {p.mult});
      a.set("y_dtype", int64_t{2});
      a.set("y_zero_point", int64_t{60});
      expect_same(optest::run(OP(QAveragePool), a, {x}), expected);
    }
  }
  const Tensor g = codes(DType::kI8, {2, 11, 3, 5}, -128, 127, 61);
  qref::QPool2dParams p;
  p.input_zero_point = -7;
  p.rescale = true;
  p.mult = quant::rescale_multiplier(0.05f, 0.01f);  // M = 5 > 1: amplifies the average
  Tensor expected;
  ASSERT_TRUE(qref::qglobal_avgpool(g, p, &expected).ok());
  expect_varied(expected);
  Attrs a;
  a.set("x_zero_point", int64_t{-7});
  a.set("rescale", int64_t{1});
  set_mults(a, {p.mult});
  expect_same(optest::run(OP(QGlobalAveragePool), a, {g}), expected);
}

TEST(QConcat, CopiedAndRescaledInputsAreBitExact) {
  const Tensor x0 = codes(DType::kI8, {1, 3, 2, 5}, -128, 127, 70);
  const Tensor x1 = codes(DType::kU8, {1, 4, 2, 5}, 0, 255, 71);
  const Tensor x2 = codes(DType::kI8, {1, 1, 2, 5}, -128, 127, 72);
  std::vector<qref::QConcatInput> in(3);
  in[0] = {0, false, quant::quantize_multiplier(1.0)};
  in[1] = {128, true, quant::rescale_multiplier(0.04f, 0.03f)};
  in[2] = {-2, false, quant::quantize_multiplier(1.0)};
  Tensor expected;
  ASSERT_TRUE(qref::qconcat({&x0, &x1, &x2}, in, -3, 1, quant::kRangeI8, DType::kI8, &expected).ok());
  expect_varied(expected);
  Attrs a;
  a.set("axis", int64_t{-3});
  a.set("x_zero_points", std::vector<int64_t>{0, 128, -2});
  a.set("rescale", std::vector<int64_t>{0, 1, 0});
  set_mults(a, {in[0].mult, in[1].mult, in[2].mult});
  a.set("y_zero_point", int64_t{1});
  expect_same(optest::run(OP(QConcat), a, {x0, x1, x2}), expected);
}

TEST(QLut, SigmoidTableIsBitExact) {
  const Tensor x = codes(DType::kU8, {3, 7, 5}, 0, 255, 80);
  const quant::QParams qin{0.05f, 128, quant::kRangeU8}, qout{1.0f / 256, -128, quant::kRangeI8};
  const std::vector<int32_t> table = quant::build_lut_int8(quant::act::sigmoid, qin, qout);
  ASSERT_EQ(table.size(), 256u);
  Tensor tt(DType::kI8, {256});
  for (size_t i = 0; i < 256; ++i) tt.data<int8_t>()[i] = static_cast<int8_t>(table[i]);
  Tensor expected;
  ASSERT_TRUE(qref::qlut(x, table, 0, DType::kI8, &expected).ok());
  expect_varied(expected);
  expect_same(optest::run(OP(QLut), {}, {x, tt}), expected);
}

TEST(Requantize, U8ToI8WithClampIsBitExact) {
  const Tensor x = codes(DType::kU8, {2, 3, 5, 3}, 0, 255, 90);
  const QuantizedMultiplier m = quant::rescale_multiplier(0.02f, 0.015f);
  Tensor expected;
  ASSERT_TRUE(qref::qrequantize(x, 77, m, -3, QRange{-3, 100}, DType::kI8, &expected).ok());
  expect_varied(expected);
  Attrs a;
  a.set("x_zero_point", int64_t{77});
  set_mults(a, {m});
  a.set("y_zero_point", int64_t{-3});
  a.set("y_min", int64_t{-3});
  a.set("y_max", int64_t{100});
  expect_same(optest::run(OP(Requantize), a, {x}), expected);
}

// Hand-computed: codes 10, -6 (zp 2) with M = 0.5 and output zp 1: (8 * 0.5) + 1 = 5, (-8 * 0.5) + 1 = -3;
// code 5 (zp 2): 3 * 0.5 = 1.5 rounds half UP to 2, + 1 = 3; code -1: -3 * 0.5 = -1.5 rounds up to -1, + 1 = 0.
TEST(Requantize, HandComputedRoundsHalfUp) {
  const Tensor x = Tensor::from_vector<int8_t>({10, -6, 5, -1}, {4});
  Attrs a;
  a.set("x_zero_point", int64_t{2});
  set_mults(a, {quant::quantize_multiplier(0.5)});
  a.set("y_zero_point", int64_t{1});
  auto y = optest::run(OP(Requantize), a, {x});
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ((*y)[0].to_int64_vector(), (std::vector<int64_t>{5, -3, 3, 0}));
}

TEST(QOpsInfer, RejectsBadAttributesAndShapes) {
  const Tensor x = codes(DType::kI8, {1, 2, 4, 4}, -5, 5, 1);
  const Tensor w = codes(DType::kI8, {3, 2, 3, 3}, -5, 5, 2);
  Attrs a;
  set_mults(a, mults({0.1, 0.1}));  // 2 multipliers for 3 output channels
  auto r = optest::run(OP(QConv), a, {x, w});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_NE(r.status().message().find("multiplier"), std::string::npos);

  Attrs b;
  set_mults(b, mults({0.1}));
  b.set("y_dtype", int64_t{1});  // FLOAT
  r = optest::run(OP(QConv), b, {x, w});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_NE(r.status().message().find("y_dtype"), std::string::npos);

  Attrs c;
  set_mults(c, mults({0.1}));
  c.set("y_min", int64_t{10});
  c.set("y_max", int64_t{5});
  r = optest::run(OP(Requantize), c, {x});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupportedAttr);

  r = optest::run(OP(QLut), {}, {x, Tensor(DType::kI8, {255})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kShapeMismatch);

  r = optest::run(OP(QConv), b, {Tensor(DType::kF32, {1, 2, 4, 4}), w});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupportedAttr);
}

}  // namespace
}  // namespace npukit

namespace npukit {
namespace {

// Standard ops that run on codes in the integer graph: GlobalMaxPool on i8 / u8 (hand-computed maxima).
TEST(CodeOps, GlobalMaxPoolOnInt8AndUint8Codes) {
  const Tensor x = Tensor::from_vector<int8_t>({-5, 7, -128, 3, -1, -2, -3, -9}, {1, 2, 2, 2});
  auto y = optest::run(optest::OpFns{ir::OpKind::kGlobalMaxPool, &ir::infer_GlobalMaxPool, &ref::ref_GlobalMaxPool}, {},
                       {x});
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ((*y)[0].dtype(), DType::kI8);
  EXPECT_EQ((*y)[0].shape(), (Shape{1, 2, 1, 1}));
  EXPECT_EQ((*y)[0].to_int64_vector(), (std::vector<int64_t>{7, -1}));
  const Tensor u = Tensor::from_vector<uint8_t>({200, 255, 0, 17}, {1, 1, 2, 2});
  y = optest::run(optest::OpFns{ir::OpKind::kGlobalMaxPool, &ir::infer_GlobalMaxPool, &ref::ref_GlobalMaxPool}, {},
                  {u});
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ((*y)[0].to_int64_vector(), (std::vector<int64_t>{255}));
}

}  // namespace
}  // namespace npukit
