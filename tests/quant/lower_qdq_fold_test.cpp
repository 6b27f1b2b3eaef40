// SPDX-License-Identifier: Apache-2.0
// quant/lower_qdq: the exact peephole QMul(x, QLut(x)) -> QLut(x) (SiLU / Swish after lowering). Integer graphs are
// built directly (QLut + QMul on codes, as lowering produces them), lowered, and run in the reference interpreter on
// every input code: the folded graph must give every element the same code as the pair, bit for bit, and the fold
// must not fire where the QLut's result is also read elsewhere or the QMul's other operand is not the QLut's input.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"
#include "quant/lower_qdq.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;
using ir::Value;

/// Every code of dtype t, as a [1, n] tensor (n = 256 or 65536).
Tensor every_code(DType t) {
  const quant::QRange r = qref::dtype_range(t);
  Tensor x(t, {1, int64_t{r.qmax} - r.qmin + 1});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int32_t c = r.qmin + static_cast<int32_t>(i);
    if (t == DType::kI8) x.data<int8_t>()[i] = static_cast<int8_t>(c);
    if (t == DType::kU8) x.data<uint8_t>()[i] = static_cast<uint8_t>(c);
    if (t == DType::kI16) x.data<int16_t>()[i] = static_cast<int16_t>(c);
  }
  return x;
}

/// A sigmoid-like table of t's codes into dtype tt (any function of the code will do: the fold is exact for all).
Tensor table_of(DType t, DType tt) {
  const quant::QRange r = qref::dtype_range(t), o = qref::dtype_range(tt);
  const int64_t n = int64_t{r.qmax} - r.qmin + 1;
  Tensor tab(tt, {n});
  for (int64_t i = 0; i < n; ++i) {
    const double v = 1.0 / (1.0 + std::exp(-static_cast<double>(r.qmin + i) * 8.0 / static_cast<double>(n)));
    const int32_t c = o.qmin + static_cast<int32_t>(v * (o.qmax - o.qmin));
    if (tt == DType::kI8) tab.data<int8_t>()[i] = static_cast<int8_t>(c);
    if (tt == DType::kU8) tab.data<uint8_t>()[i] = static_cast<uint8_t>(c);
    if (tt == DType::kI16) tab.data<int16_t>()[i] = static_cast<int16_t>(c);
  }
  return tab;
}

Attrs qmul_attrs(int32_t a_zp, int32_t b_zp, int32_t y_zp, DType yt, double scale, bool clamp) {
  Attrs a;
  const quant::QuantizedMultiplier m = quant::quantize_multiplier(scale);
  a.set("a_zero_point", int64_t{a_zp});
  a.set("b_zero_point", int64_t{b_zp});
  a.set("y_zero_point", int64_t{y_zp});
  a.set("y_dtype", int64_t{yt == DType::kU8 ? 2 : (yt == DType::kI16 ? 5 : 3)});
  a.set("multiplier", std::vector<int64_t>{m.mult});
  a.set("shift", std::vector<int64_t>{m.shift});
  if (clamp) {
    a.set("y_min", int64_t{y_zp});
    a.set("y_max", int64_t{y_zp + 90});
  }
  return a;
}

struct Built {
  ir::Model m;
  int qmul = 0, qlut = 0;
};

void count(const ir::Graph& g, int* qmul, int* qlut) {
  *qmul = *qlut = 0;
  for (const ir::Node* n : g.nodes()) {
    *qmul += n->op() == OpKind::kQMul;
    *qlut += n->op() == OpKind::kQLut;
  }
}

/// x -> QLut -> s; y = QMul(x, s) (or QMul(s, x) when lut_first); when `extra_use`, s is also a graph output.
ir::Model lut_mul(DType xt, DType lt, DType yt, bool lut_first, bool extra_use, bool clamp) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  Value* x = b.input("x", xt, every_code(xt).shape());
  Value* s = b.op(OpKind::kQLut, "sigmoid", {x, b.constant("table", table_of(xt, lt))});
  const int32_t xzp = xt == DType::kU8 ? 131 : -7, lzp = lt == DType::kU8 ? 5 : -120;
  const int32_t yzp = yt == DType::kU8 ? 128 : (yt == DType::kI16 ? 0 : -3);
  const Attrs a =
      lut_first ? qmul_attrs(lzp, xzp, yzp, yt, 0.0061, clamp) : qmul_attrs(xzp, lzp, yzp, yt, 0.0061, clamp);
  Value* y = b.op(OpKind::kQMul, "mul", lut_first ? std::vector<Value*>{s, x} : std::vector<Value*>{x, s}, a);
  b.output(y);
  if (extra_use) b.output(s);
  EXPECT_TRUE(interp::resolve(m).ok());
  return m;
}

void expect_same_outputs(const ir::Model& before, const ir::Model& after, const Tensor& x, const std::string& what) {
  auto want = interp::Interpreter(before.graph).run(std::vector<Tensor>{x});
  auto got = interp::Interpreter(after.graph).run(std::vector<Tensor>{x});
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  ASSERT_EQ(want->size(), got->size()) << what;
  for (size_t k = 0; k < want->size(); ++k) {
    const Tensor &w = (*want)[k], &g = (*got)[k];
    ASSERT_EQ(w.dtype(), g.dtype()) << what;
    ASSERT_EQ(w.shape(), g.shape()) << what;
    for (int64_t i = 0; i < w.numel(); ++i)
      ASSERT_EQ(g.get_as_int64(i), w.get_as_int64(i))
          << what << ": output " << k << " differs at input code index " << i;
  }
}

TEST(LowerQdqFold, LutTimesItsInputBecomesOneLutBitExactOnEveryCode) {
  struct Case {
    DType x, lut, y;
    bool lut_first, clamp;
  };
  const Case cases[] = {
      {DType::kI8, DType::kI8, DType::kI8, false, false},  {DType::kI8, DType::kI8, DType::kI8, true, true},
      {DType::kU8, DType::kU8, DType::kU8, false, true},   {DType::kI8, DType::kU8, DType::kI8, true, false},
      {DType::kU8, DType::kI8, DType::kI16, false, false}, {DType::kI16, DType::kI16, DType::kI16, false, false},
  };
  for (const Case& c : cases) {
    const std::string what = std::string(dtype_name(c.x)) + " x, " + dtype_name(c.lut) + " table, " + dtype_name(c.y) +
                             " out" + (c.lut_first ? ", table operand first" : "") + (c.clamp ? ", clamp" : "");
    ir::Model before = lut_mul(c.x, c.lut, c.y, c.lut_first, false, c.clamp);
    ir::Model after = lut_mul(c.x, c.lut, c.y, c.lut_first, false, c.clamp);
    quant::LowerQdqStats stats;
    ASSERT_TRUE(quant::lower_qdq_to_integer(after.graph, &stats).ok()) << what;
    int qmul = 0, qlut = 0;
    count(after.graph, &qmul, &qlut);
    EXPECT_EQ(qmul, 0) << what;
    EXPECT_EQ(qlut, 1) << what;
    EXPECT_EQ(stats.created.count("QMul"), 0u) << what;
    expect_same_outputs(before, after, every_code(c.x), what);
  }
}

TEST(LowerQdqFold, NotFoldedWhenTheLutIsReadElsewhereOrTheOperandDiffers) {
  // The QLut's output is also a graph output: both nodes stay.
  {
    ir::Model m = lut_mul(DType::kI8, DType::kI8, DType::kI8, false, true, false);
    ASSERT_TRUE(quant::lower_qdq_to_integer(m.graph).ok());
    int qmul = 0, qlut = 0;
    count(m.graph, &qmul, &qlut);
    EXPECT_EQ(qmul, 1);
    EXPECT_EQ(qlut, 1);
  }
  // QMul(x, QLut(z)) with z another tensor: not a function of one code.
  {
    ir::Model m;
    testing::GraphBuilder b(m.graph);
    Value* x = b.input("x", DType::kI8, {1, 256});
    Value* z = b.input("z", DType::kI8, {1, 256});
    Value* s = b.op(OpKind::kQLut, "sigmoid", {z, b.constant("table", table_of(DType::kI8, DType::kI8))});
    b.output(b.op(OpKind::kQMul, "mul", {x, s}, qmul_attrs(-7, -120, -3, DType::kI8, 0.0061, false)));
    ASSERT_TRUE(interp::resolve(m).ok());
    ASSERT_TRUE(quant::lower_qdq_to_integer(m.graph).ok());
    int qmul = 0, qlut = 0;
    count(m.graph, &qmul, &qlut);
    EXPECT_EQ(qmul, 1);
    EXPECT_EQ(qlut, 1);
  }
}

}  // namespace
}  // namespace npukit
