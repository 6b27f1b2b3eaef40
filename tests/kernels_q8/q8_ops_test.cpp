// SPDX-License-Identifier: Apache-2.0
// kernels/q8 op kernels (q8_ops.h): every covered op on awkward shapes, dtypes, zero points and clamps is
// compared BIT FOR BIT with the reference kernel the interpreter runs for the same node (interp::run_node),
// serially and with a thread pool; prepare_op must cover the cases it claims and decline the others.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "kernels/q8/q8_ops.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using ir::OpKind;
using quant::QuantizedMultiplier;

/// One input of a test node: a runtime input or a graph constant; `absent` for an empty optional slot.
struct In {
  Tensor t;
  bool constant = false;
  bool absent = false;
};
In rt(Tensor t) {
  return In{std::move(t), false, false};
}
In cst(Tensor t) {
  return In{std::move(t), true, false};
}
In absent() {
  return In{Tensor(), false, true};
}

/// Random codes of any integer dtype over [lo, hi]; about 1 in 8 is lo or hi.
Tensor codes(DType dt, const Shape& shape, int32_t lo, int32_t hi, std::mt19937& rng) {
  Tensor t(dt, shape);
  std::uniform_int_distribution<int32_t> d(lo, hi), e(0, 15);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    const int32_t v = k == 0 ? lo : (k == 1 ? hi : d(rng));
    switch (dt) {
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
      case DType::kI32: t.data<int32_t>()[i] = v; break;
      case DType::kI64: t.data<int64_t>()[i] = v; break;
      case DType::kF32: t.data<float>()[i] = static_cast<float>(v) * 0.37f; break;
      default: ADD_FAILURE() << "codes: dtype " << dtype_name(dt);
    }
  }
  return t;
}
Tensor codes(DType dt, const Shape& shape, std::mt19937& rng) {
  if (dt == DType::kU8) return codes(dt, shape, 0, 255, rng);
  if (dt == DType::kI16) return codes(dt, shape, -32768, 32767, rng);
  return codes(dt, shape, -128, 127, rng);
}

std::string what(OpKind k, const std::vector<In>& ins, const std::string& note) {
  std::string s = std::string(ir::op_name(k)) + " " + note + " inputs";
  for (const In& i : ins) s += i.absent ? " -" : " " + std::string(dtype_name(i.t.dtype())) + shape_str(i.t.shape());
  return s;
}

/// First differing element (byte-wise per element) or -1.
int64_t first_difference(const Tensor& got, const Tensor& want) {
  const size_t es = dtype_size(want.dtype());
  const auto* g = static_cast<const unsigned char*>(got.raw());
  const auto* w = static_cast<const unsigned char*>(want.raw());
  for (int64_t i = 0; i < want.numel(); ++i)
    if (std::memcmp(g + i * es, w + i * es, es) != 0) return i;
  return -1;
}

/// Multi-index of flat element i of `shape`, e.g. "[0,3,1]".
std::string coord_str(const Shape& shape, int64_t i) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    const int64_t n = std::max<int64_t>(shape[d], 1);
    idx[d] = i % n;
    i /= n;
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
  return s + "]";
}

void check_tier(const ir::Node& n, const std::vector<const Tensor*>& ptrs, const std::vector<q8::TensorSig>& in_sigs,
                const std::vector<q8::TensorSig>& out_sigs, const std::vector<Tensor>& ref, q8::Isa isa,
                const std::string& desc, bool covered);

/// Kernel names prepare_op chose, per tier, in the last check() call (for tests that assert the fast path).
std::vector<std::string>& last_kernels() {
  static std::vector<std::string> k;
  return k;
}

/// Builds the node, runs the reference through interp::run_node, prepares the fast kernel on every ISA tier this
/// CPU has (must be covered when `covered`), runs it serially and on 3 threads into preallocated outputs and
/// compares bit for bit.
void check(OpKind kind, Attrs attrs, const std::vector<In>& ins, const std::string& note, bool covered = true,
           size_t n_outputs = 1) {
  const std::string desc = what(kind, ins, note);
  ir::Graph g;
  testing::GraphBuilder b(g);
  std::vector<ir::Value*> vals;
  std::vector<const Tensor*> ptrs;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].absent) {
      vals.push_back(nullptr);
      ptrs.push_back(nullptr);
    } else if (ins[i].constant) {
      vals.push_back(b.constant(name, ins[i].t));
      ptrs.push_back(vals.back()->const_value());
    } else {
      vals.push_back(b.input(name, ins[i].t.dtype(), ins[i].t.shape()));
      ptrs.push_back(&ins[i].t);
    }
  }
  std::vector<std::string> out_names;
  for (size_t i = 0; i < n_outputs; ++i) out_names.push_back("y" + std::to_string(i));
  ir::Node* n = b.node(kind, "n", vals, out_names, std::move(attrs));
  ASSERT_NE(n, nullptr) << desc;
  auto ref = interp::run_node(*n, ptrs);
  ASSERT_TRUE(ref.ok()) << desc << ": reference failed: " << ref.status().to_string();
  std::vector<q8::TensorSig> in_sigs, out_sigs;
  for (size_t i = 0; i < ins.size(); ++i) {
    q8::TensorSig s;
    s.present = !ins[i].absent;
    if (s.present) {
      s.dtype = ptrs[i]->dtype();
      s.shape = ptrs[i]->shape();
      s.constant = ins[i].constant ? ptrs[i] : nullptr;
    }
    in_sigs.push_back(s);
  }
  for (const Tensor& t : *ref) out_sigs.push_back(q8::TensorSig{true, t.dtype(), t.shape(), nullptr});
  last_kernels().clear();
  for (q8::Isa isa : q8::available_isas()) {
    const std::string tdesc = desc + " [isa " + q8::isa_name(isa) + "]";
    check_tier(*n, ptrs, in_sigs, out_sigs, *ref, isa, tdesc, covered);
  }
}

void check_tier(const ir::Node& n, const std::vector<const Tensor*>& ptrs, const std::vector<q8::TensorSig>& in_sigs,
                const std::vector<q8::TensorSig>& out_sigs, const std::vector<Tensor>& ref, q8::Isa isa,
                const std::string& desc, bool covered) {
  auto op = q8::prepare_op(n.op_type(), n.attrs(), in_sigs, out_sigs, isa);
  ASSERT_TRUE(op.ok()) << desc << ": " << op.status().to_string();
  if (!covered) {
    EXPECT_EQ(op->get(), nullptr) << desc << ": expected not covered";
    return;
  }
  ASSERT_NE(op->get(), nullptr) << desc << ": prepare_op did not cover it";
  last_kernels().push_back((*op)->kernel_name());
  const q8::Parallel pool(3);
  for (const q8::Parallel* par : {static_cast<const q8::Parallel*>(nullptr), &pool}) {
    std::vector<Tensor> outs;
    std::vector<const void*> storage;
    for (const Tensor& t : ref) {
      outs.emplace_back(t.dtype(), t.shape());
      // Poison the output so that an element the kernel forgets to write is caught.
      if (outs.back().nbytes()) std::memset(outs.back().raw(), 0xA5, outs.back().nbytes());
      storage.push_back(outs.back().raw());
    }
    Status st = (*op)->run(ptrs, outs, par);
    ASSERT_TRUE(st.ok()) << desc << ": " << st.to_string();
    for (size_t k = 0; k < outs.size(); ++k) {
      EXPECT_EQ(outs[k].raw(), storage[k]) << desc << ": run() replaced output " << k;
      ASSERT_EQ(outs[k].dtype(), ref[k].dtype()) << desc;
      ASSERT_EQ(outs[k].shape(), ref[k].shape()) << desc;
      const int64_t i = first_difference(outs[k], ref[k]);
      if (i < 0) continue;
      std::string operands;  // the input codes feeding that element (same-shape inputs only)
      for (size_t j = 0; j < ptrs.size(); ++j)
        if (ptrs[j] != nullptr && ptrs[j]->shape() == outs[k].shape())
          operands += " in" + std::to_string(j) + "=" + std::to_string(ptrs[j]->get_as_double(i));
      ADD_FAILURE() << desc << " (" << (par ? "3 threads" : "serial") << ", kernel " << (*op)->kernel_name()
                    << "): output " << k << " of shape " << shape_str(outs[k].shape()) << " first differs at "
                    << coord_str(outs[k].shape(), i) << " (flat " << i << "): got " << outs[k].get_as_double(i)
                    << " want " << ref[k].get_as_double(i) << operands;
    }
  }
}

void set_mults(Attrs& a, const std::vector<QuantizedMultiplier>& m) {
  std::vector<int64_t> mv, sv;
  for (const auto& q : m) {
    mv.push_back(q.mult);
    sv.push_back(q.shift);
  }
  a.set("multiplier", mv);
  a.set("shift", sv);
}

int64_t onnx_dtype(DType t) {
  return t == DType::kU8 ? 2 : (t == DType::kI16 ? 5 : 3);
}

int32_t mid_zp(DType t) {
  return t == DType::kU8 ? 131 : (t == DType::kI16 ? -9 : -7);
}

// ---- QAdd / QSub / QMul ------------------------------------------------------------------------------------

struct BinShapes {
  Shape a, b;
};
const std::vector<BinShapes>& binary_shapes() {
  static const std::vector<BinShapes> s = {
      {{1, 24, 7, 9}, {1, 24, 7, 9}},  // same shape
      {{2, 13, 5, 7}, {1, 13, 1, 1}},  // squeeze-excite
      {{1, 13, 1, 1}, {2, 13, 5, 7}},  // the other way round
      {{3, 1, 5}, {1, 4, 1}},          // outer product
      {{2, 3, 4, 5}, {}},              // scalar b
      {{}, {5}},                       // scalar a
      {{1, 3, 1, 7}, {1, 1, 6, 7}},    // middle broadcast
      {{5}, {4, 1}},                   // rank difference
      {{1, 1, 1, 1}, {1, 1, 1, 1}},    // single element
      {{2, 3, 4, 5}, {5}},             // inner same, outer broadcast
      {{2, 3, 4, 5}, {3, 4, 1}},       // inner broadcast
      {{1, 1, 31}, {3, 1, 1}},         // odd sizes
      {{2, 1, 300, 301}, {2, 1, 1, 301}},
  };
  return s;
}

TEST(Q8Ops, QAddQSubBroadcastEveryDirectionBitExact) {
  std::mt19937 rng(11);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kI8, DType::kU8},
                            {DType::kU8, DType::kU8, DType::kI16},
                            {DType::kI8, DType::kU8, DType::kI8}};
  for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub}) {
    int variant = 0;
    for (const auto& t : types) {
      for (const BinShapes& s : binary_shapes()) {
        ++variant;
        // Scales chosen so that the sum spans beyond the output range (clamping is exercised).
        const float sa = 0.05f + 0.01f * static_cast<float>(variant % 7), sb = 0.11f;
        const float so = t[2] == DType::kI16 ? 0.0009f : 0.07f;
        quant::AddParams p =
            quant::make_add_params(sa, mid_zp(t[0]), sb, mid_zp(t[1]) + 3, so, mid_zp(t[2]), quant::kRangeI8);
        Attrs a;
        a.set("a_zero_point", int64_t{p.a_zp});
        a.set("b_zero_point", int64_t{p.b_zp});
        a.set("y_zero_point", int64_t{p.out_zp});
        a.set("left_shift", int64_t{p.left_shift});
        a.set("y_dtype", onnx_dtype(t[2]));
        set_mults(a, {p.a_mult, p.b_mult, p.out_mult});
        if (variant % 3 == 0) {  // fused clamp
          a.set("y_min", int64_t{mid_zp(t[2])});
          a.set("y_max", int64_t{t[2] == DType::kU8 ? 240 : 100});
        }
        check(kind, a, {rt(codes(t[0], s.a, rng)), rt(codes(t[1], s.b, rng))}, "variant " + std::to_string(variant));
      }
    }
  }
}

TEST(Q8Ops, QMulBroadcastEveryDirectionBitExact) {
  std::mt19937 rng(12);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kI8, DType::kU8, DType::kI16}};
  int variant = 0;
  for (const auto& t : types) {
    for (const BinShapes& s : binary_shapes()) {
      ++variant;
      const float so = t[2] == DType::kI16 ? 0.0003f : 0.04f;
      quant::MulParams p = quant::make_mul_params(0.05f, mid_zp(t[0]), 0.02f * static_cast<float>(1 + variant % 5),
                                                  mid_zp(t[1]), so, mid_zp(t[2]), quant::kRangeI8);
      Attrs a;
      a.set("a_zero_point", int64_t{p.a_zp});
      a.set("b_zero_point", int64_t{p.b_zp});
      a.set("y_zero_point", int64_t{p.out_zp});
      a.set("y_dtype", onnx_dtype(t[2]));
      set_mults(a, {p.mult});
      if (variant % 4 == 1) a.set("y_min", int64_t{mid_zp(t[2])});
      check(OpKind::kQMul, a, {rt(codes(t[0], s.a, rng)), rt(codes(t[1], s.b, rng))},
            "variant " + std::to_string(variant));
    }
  }
}

/// Tensor of dtype t (kI8 / kU8) and shape `shape` whose element i holds the byte pattern bits(i).
template <class F>
Tensor byte_pattern(DType t, const Shape& shape, F&& bits) {
  Tensor x(t, shape);
  for (int64_t i = 0; i < x.numel(); ++i) static_cast<uint8_t*>(x.raw())[i] = static_cast<uint8_t>(bits(i));
  return x;
}

/// Attributes of a QAdd / QSub (mul == nullptr) or QMul node.
Attrs binary_attrs(const quant::AddParams* add, const quant::MulParams* mul, DType yt, bool clamp) {
  Attrs a;
  a.set("a_zero_point", int64_t{add ? add->a_zp : mul->a_zp});
  a.set("b_zero_point", int64_t{add ? add->b_zp : mul->b_zp});
  a.set("y_zero_point", int64_t{add ? add->out_zp : mul->out_zp});
  a.set("y_dtype", onnx_dtype(yt));
  if (add) {
    a.set("left_shift", int64_t{add->left_shift});
    set_mults(a, {add->a_mult, add->b_mult, add->out_mult});
  } else {
    set_mults(a, {mul->mult});
  }
  if (clamp) {
    const int32_t zo = add ? add->out_zp : mul->out_zp;
    a.set("y_min", int64_t{zo});
    a.set("y_max", int64_t{std::min(zo + 70, yt == DType::kU8 ? 255 : 127)});
  }
  return a;
}

/// Every pair of input codes, same-shape ({256, 256}: a = row, b = column) and per-channel broadcast both ways
/// ({1, 256, 1, 1} x {1, 256, 1, 259}: every channel constant against every code, the row length odd), on every
/// tier; on the AVX2 tiers the vector kernels must be the ones chosen.
void check_all_codes(OpKind kind, const Attrs& a, DType ta, DType tb, const std::string& note) {
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  check(kind, a,
        {rt(byte_pattern(ta, {256, 256}, [](int64_t i) { return i >> 8; })),
         rt(byte_pattern(tb, {256, 256}, [](int64_t i) { return i & 255; }))},
        note + " all pairs");
  if (avx2 && !::testing::Test::HasFailure()) {
    EXPECT_EQ(last_kernels().back(), "binary_formula_avx2") << note;
  }
  const Shape wide{1, 256, 1, 259};
  auto chan = [](int64_t i) { return i; };
  auto row = [](int64_t i) { return (i % 259) * 7 % 256; };  // every code, in a scrambled order
  check(kind, a, {rt(byte_pattern(ta, {1, 256, 1, 1}, chan)), rt(byte_pattern(tb, wide, row))},
        note + " per-channel a");
  if (avx2 && !::testing::Test::HasFailure()) {
    EXPECT_EQ(last_kernels().back(), "binary_row_lut_avx2") << note;
  }
  check(kind, a, {rt(byte_pattern(ta, wide, row)), rt(byte_pattern(tb, {1, 256, 1, 1}, chan))},
        note + " per-channel b");
  if (avx2 && !::testing::Test::HasFailure()) {
    EXPECT_EQ(last_kernels().back(), "binary_row_lut_avx2") << note;
  }
}

TEST(Q8Ops, QAddQSubEveryCodePairBitExact) {
  std::mt19937 rng(14);
  std::uniform_real_distribution<float> scale(-6.0f, 3.0f);  // log2 of the scales
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kU8, DType::kI8, DType::kI8},
                            {DType::kI8, DType::kU8, DType::kU8}};
  for (int variant = 0; variant < 16; ++variant) {
    const auto& t = types[variant % 4];
    auto zp = [&](DType d) {
      const int32_t lo = d == DType::kU8 ? 0 : -128, hi = d == DType::kU8 ? 255 : 127;
      return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
    };
    // Scale ratios up to 2^9 between inputs and output (saturating, near-identity and heavily shrinking sums).
    const float sa = std::exp2(scale(rng)), sb = variant == 3 ? sa : std::exp2(scale(rng)), so = std::exp2(scale(rng));
    const quant::AddParams p =
        quant::make_add_params(sa, zp(t[0]), sb, zp(t[1]), so, zp(t[2]), qref::dtype_range(t[2]));
    const bool clamp = variant % 3 == 1;
    for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub}) {
      quant::AddParams q = p;
      if (clamp) q.range = quant::QRange{q.out_zp, std::min(q.out_zp + 70, qref::dtype_range(t[2]).qmax)};
      check_all_codes(kind, binary_attrs(&q, nullptr, t[2], clamp), t[0], t[1], "variant " + std::to_string(variant));
    }
  }
}

TEST(Q8Ops, QMulEveryCodePairBitExact) {
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> scale(-9.0f, 2.0f);
  const DType types[][3] = {{DType::kI8, DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8, DType::kU8},
                            {DType::kI8, DType::kU8, DType::kI8},
                            {DType::kU8, DType::kI8, DType::kU8}};
  for (int variant = 0; variant < 16; ++variant) {
    const auto& t = types[variant % 4];
    auto zp = [&](DType d) {
      const int32_t lo = d == DType::kU8 ? 0 : -128, hi = d == DType::kU8 ? 255 : 127;
      return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
    };
    quant::MulParams p = quant::make_mul_params(std::exp2(scale(rng)), zp(t[0]), std::exp2(scale(rng)), zp(t[1]),
                                                std::exp2(scale(rng) - 3.0f), zp(t[2]), qref::dtype_range(t[2]));
    const bool clamp = variant % 3 == 2;
    if (clamp) p.range = quant::QRange{p.out_zp, std::min(p.out_zp + 70, qref::dtype_range(t[2]).qmax)};
    check_all_codes(OpKind::kQMul, binary_attrs(nullptr, &p, t[2], clamp), t[0], t[1],
                    "variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, BinaryExtremeMultipliersBitExact) {
  // Hand-made multipliers at the ends of the encoding (M ~ 2^31, M ~ 2^-62, zero) and the largest left shift:
  // the kernels either evaluate them exactly or keep the table walk, never a wrong code.
  const QuantizedMultiplier huge{std::numeric_limits<int32_t>::max(), 31}, tiny{1 << 30, -61}, zero{0, 0},
      half{1 << 30, 0};
  int variant = 0;
  for (const auto& m : {std::vector<QuantizedMultiplier>{half, half, huge},
                        {half, tiny, half},
                        {zero, half, half},
                        {huge, half, tiny},
                        {half, half, QuantizedMultiplier{1 << 30, 31}}}) {
    for (int32_t shift : {0, 20, 24}) {
      ++variant;
      quant::AddParams p;
      p.a_zp = -3;
      p.b_zp = 5;
      p.out_zp = 1;
      p.left_shift = shift;
      p.a_mult = m[0];
      p.b_mult = m[1];
      p.out_mult = m[2];
      p.range = quant::kRangeI8;
      Attrs a = binary_attrs(&p, nullptr, DType::kI8, false);
      check(OpKind::kQAdd, a,
            {rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i >> 8; })),
             rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i & 255; }))},
            "extreme variant " + std::to_string(variant));
    }
    quant::MulParams q;
    q.a_zp = 7;
    q.b_zp = -128;
    q.out_zp = -2;
    q.mult = m[2];
    check(OpKind::kQMul, binary_attrs(nullptr, &q, DType::kI8, false),
          {rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i >> 8; })),
           rt(byte_pattern(DType::kI8, {256, 256}, [](int64_t i) { return i & 255; }))},
          "extreme mul variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, BinaryAwkwardSizesBitExact) {
  // Row lengths around the 16 / 32 / 64-element vector steps and tails, same-shape and broadcast along every
  // kind of axis (innermost, channel, outer, scalar), 8- and 16-bit outputs.
  std::mt19937 rng(16);
  const quant::AddParams ap = quant::make_add_params(0.031f, -5, 0.047f, 9, 0.06f, 3, quant::kRangeI8);
  const quant::AddParams sp = quant::make_add_params(0.031f, 120, 0.047f, -5, 0.06f, 3, quant::kRangeI8);
  const quant::MulParams mp = quant::make_mul_params(0.031f, -5, 0.02f, 9, 0.01f, 3, quant::kRangeI8);
  for (int64_t n : {1, 3, 13, 15, 16, 17, 31, 33, 63, 65, 127, 1001, 4099}) {
    const std::vector<BinShapes> shapes = {
        {{n}, {n}},              // same shape
        {{1, 3, n}, {1, 3, 1}},  // per-row constant b
        {{1, 3, 1}, {1, 3, n}},  // per-row constant a
        {{2, 3, n}, {n}},        // outer broadcast
        {{2, n, 1}, {2, 1, 1}},  // constant over the inner dims
        {{n}, {}},               // scalar b
        {{}, {n}},               // scalar a
        {{1, 5, n}, {1, 1, n}},  // middle broadcast
        {{3, 1}, {1, n}},        // outer product
    };
    for (const BinShapes& s : shapes) {
      const std::string note = "n " + std::to_string(n);
      for (DType yt : {DType::kI8, DType::kI16}) {
        quant::AddParams p = ap;
        if (yt == DType::kI16) p.range = quant::kRangeI16;
        check(OpKind::kQAdd, binary_attrs(&p, nullptr, yt, false),
              {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kU8, s.b, rng))}, note);
      }
      check(OpKind::kQSub, binary_attrs(&sp, nullptr, DType::kI8, true),
            {rt(codes(DType::kU8, s.a, rng)), rt(codes(DType::kI8, s.b, rng))}, note);
      check(OpKind::kQMul, binary_attrs(nullptr, &mp, DType::kI8, false),
            {rt(codes(DType::kI8, s.a, rng)), rt(codes(DType::kI8, s.b, rng))}, note);
    }
  }
}

TEST(Q8Ops, QAddOn16BitInputsIsNotCovered) {
  std::mt19937 rng(13);
  quant::AddParams p = quant::make_add_params(0.1f, 0, 0.2f, 0, 0.3f, 0, quant::kRangeI16, true);
  Attrs a;
  a.set("left_shift", int64_t{p.left_shift});
  a.set("y_dtype", int64_t{5});
  set_mults(a, {p.a_mult, p.b_mult, p.out_mult});
  check(OpKind::kQAdd, a, {rt(codes(DType::kI16, {2, 3}, rng)), rt(codes(DType::kI16, {2, 3}, rng))}, "i16", false);
}

// ---- QAdd / QSub / QMul with a constant 16-bit operand ---------------------------------------------------

/// int16 constant codes of `shape`: random over the whole range, with the extremes and small values mixed in.
Tensor i16_constant(const Shape& shape, std::mt19937& rng) {
  Tensor t(DType::kI16, shape);
  std::uniform_int_distribution<int32_t> d(-32768, 32767), e(0, 9);
  const int16_t special[] = {-32768, 32767, 0, 1, -1, -32767};
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    t.data<int16_t>()[i] = k < 6 && (i % 3 == 0) ? special[k] : static_cast<int16_t>(d(rng));
  }
  return t;
}

/// Input of `shape` whose element i holds byte (i / period + (i % period) * 37) mod 256: with a constant that
/// repeats every `period` elements (1: fixed along contiguous runs of at least 256), every code meets every
/// constant position.
Tensor every_code(DType t, const Shape& shape, int64_t period) {
  return byte_pattern(t, shape, [period](int64_t i) { return (i / period + (i % period) * 37) & 255; });
}

/// QAdd / QSub / QMul attributes with one int16 operand (scale `sc`, zero point `zc`) as quant/lower_qdq_ops.cpp
/// produces them: `const_a` selects which operand is the constant.
Attrs const_operand_attrs(OpKind kind, bool const_a, DType xt, DType yt, float sx, float sc, int32_t zc, float so,
                          int32_t left_shift, bool clamp) {
  const int32_t zx = mid_zp(xt), zo = mid_zp(yt);
  const float sa = const_a ? sc : sx, sb = const_a ? sx : sc;
  const int32_t za = const_a ? zc : zx, zb = const_a ? zx : zc;
  if (kind == OpKind::kQMul) {
    const quant::MulParams p = quant::make_mul_params(sa, za, sb, zb, so, zo, qref::dtype_range(yt));
    return binary_attrs(nullptr, &p, yt, clamp);
  }
  quant::AddParams p = quant::make_add_params(sa, za, sb, zb, so, zo, qref::dtype_range(yt), true);
  p.left_shift = left_shift;
  return binary_attrs(&p, nullptr, yt, clamp);
}

TEST(Q8Ops, BinaryInt16ConstantEveryCodeBitExact) {
  // Every input code against every constant position, for scalar / per-channel / per-element / inner-axis
  // constants on either side, 8-bit inputs and outputs of both signs, zero points, clamps and scale ratios
  // from heavily shrinking to saturating. On the AVX2 tiers a constant that is fixed along the rows must use the
  // vector lookup.
  std::mt19937 rng(31);
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  struct Case {
    Shape x, c;
    int64_t period;  // of the constant along the flat output (every_code)
    bool lut;        // the constant is fixed along the innermost (coalesced) axis
  };
  const std::vector<Case> cases = {
      {{1, 7, 1, 259}, {1, 7, 1, 1}, 1, true},  // per channel
      {{2, 3, 256}, {}, 1, true},               // scalar
      {{3, 256}, {1}, 1, true},                 // one-element constant
      {{256, 64, 5}, {64, 5}, 320, false},      // per element
      {{4, 256, 3}, {3}, 3, false},             // along the inner axis
      {{2, 5, 260}, {2, 5, 1}, 1, true},        // per row, batch > 1
  };
  int variant = 0;
  for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub, OpKind::kQMul}) {
    for (const Case& cs : cases) {
      for (bool const_a : {false, true}) {
        ++variant;
        const DType xt = variant % 2 ? DType::kI8 : DType::kU8;
        const DType yt = variant % 3 ? DType::kI8 : DType::kU8;
        const float sx = std::exp2(static_cast<float>(variant % 7) - 6.0f);
        const float sc = std::exp2(static_cast<float>(variant % 5) - 2.0f) / 32767.0f;
        const float so = std::exp2(static_cast<float>(variant % 9) - 7.0f);
        const int32_t zc = variant % 4 == 0 ? -9 : 0;
        const int32_t ls = variant % 2 ? 15 : 20;
        const Attrs a = const_operand_attrs(kind, const_a, xt, yt, sx, sc, zc, so, ls, variant % 3 == 1);
        const Tensor x = every_code(xt, cs.x, cs.period);
        const Tensor c = i16_constant(cs.c, rng);
        const std::string note = "const variant " + std::to_string(variant) + (const_a ? " (constant a)" : "");
        check(kind, a, const_a ? std::vector<In>{cst(c), rt(x)} : std::vector<In>{rt(x), cst(c)}, note);
        if (avx2 && !::testing::Test::HasFailure()) {
          EXPECT_EQ(last_kernels().back(), cs.lut ? "binary_const_rows_lut_avx2" : "binary_const_rows") << note;
        }
      }
    }
  }
}

TEST(Q8Ops, BinaryInt16ConstantAwkwardSizesBitExact) {
  std::mt19937 rng(32);
  for (int64_t n : {1, 3, 13, 15, 16, 17, 127, 1001}) {
    const std::vector<BinShapes> shapes = {
        {{1, 3, n}, {1, 3, 1}},  // per channel
        {{n}, {}},               // scalar
        {{2, n, 1}, {2, 1, 1}},  // constant over the inner dims
        {{n}, {n}},              // per element
        {{3, 1}, {1, n}},        // outer product
        {{1, 5, n}, {1, 1, n}},  // middle broadcast
        {{1, 1}, {n, 1}},        // the constant is larger than the input
    };
    for (const BinShapes& s : shapes) {
      const std::string note = "n " + std::to_string(n);
      for (OpKind kind : {OpKind::kQAdd, OpKind::kQSub, OpKind::kQMul}) {
        const Attrs a = const_operand_attrs(kind, false, DType::kI8, DType::kI8, 0.02f, 3.0f / 32767.0f, 0, 0.05f, 15,
                                            kind == OpKind::kQSub);
        check(kind, a, {rt(codes(DType::kI8, s.a, rng)), cst(i16_constant(s.b, rng))}, note);
        const Attrs b =
            const_operand_attrs(kind, true, DType::kU8, DType::kU8, 0.02f, 0.5f / 32767.0f, 0, 0.01f, 15, false);
        check(kind, b, {cst(i16_constant(s.b, rng)), rt(codes(DType::kU8, s.a, rng))}, note + " constant a");
      }
    }
  }
}

TEST(Q8Ops, BinaryInt16ConstantOutsideTheCapsIsNotCovered) {
  std::mt19937 rng(33);
  const Attrs a =
      const_operand_attrs(OpKind::kQAdd, false, DType::kI8, DType::kI8, 0.02f, 1.0f / 32767.0f, 0, 0.05f, 15, false);
  // More distinct constant values than the row cap (4096): the reference runs.
  Tensor many(DType::kI16, {5000});
  for (int64_t i = 0; i < 5000; ++i) many.data<int16_t>()[i] = static_cast<int16_t>(i * 12 - 30000);
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {2, 5000}, rng)), cst(many)}, "5000 distinct values", false);
  // 4096 distinct values repeated: covered.
  Tensor capped(DType::kI16, {8192});
  for (int64_t i = 0; i < 8192; ++i) capped.data<int16_t>()[i] = static_cast<int16_t>((i % 4096) * 15 - 30000);
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {2, 8192}, rng)), cst(capped)}, "4096 distinct values");
  // The 16-bit operand is a runtime input, or the output is 16-bit: the reference runs.
  check(OpKind::kQAdd, a, {rt(codes(DType::kI8, {3, 4}, rng)), rt(i16_constant({3, 4}, rng))}, "runtime i16", false);
  quant::AddParams p = quant::make_add_params(0.02f, -7, 1.0f / 32767.0f, 0, 0.001f, 0, quant::kRangeI16, true);
  check(OpKind::kQAdd, binary_attrs(&p, nullptr, DType::kI16, false),
        {rt(codes(DType::kI8, {3, 4}, rng)), cst(i16_constant({4}, rng))}, "i16 output", false);
}

// ---- pooling -----------------------------------------------------------------------------------------------

TEST(Q8Ops, QAveragePoolBitExact) {
  std::mt19937 rng(21);
  struct Case {
    Shape x;
    std::vector<int64_t> k, s, pads;
  };
  const std::vector<Case> cases = {
      {{1, 3, 9, 11}, {3, 3}, {2, 2}, {1, 0, 1, 2}}, {{2, 13, 7, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}},
      {{1, 1, 5, 5}, {5, 5}, {1, 1}, {0, 0, 0, 0}},  {{1, 5, 35, 35}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {{1, 2, 8, 13}, {3, 1}, {1, 3}, {2, 0, 1, 0}}, {{1, 1, 1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
  };
  int variant = 0;
  for (const Case& c : cases)
    for (DType xt : {DType::kU8, DType::kI8})
      for (int cip : {0, 1})
        for (int rescale : {0, 1}) {
          ++variant;
          const DType yt = variant % 3 == 0 ? DType::kI16 : (variant % 2 ? DType::kI8 : DType::kU8);
          Attrs a;
          a.set("kernel_shape", c.k);
          a.set("strides", c.s);
          a.set("pads", c.pads);
          a.set("count_include_pad", int64_t{cip});
          a.set("x_zero_point", int64_t{mid_zp(xt)});
          a.set("y_zero_point", int64_t{mid_zp(yt) + 2});
          a.set("y_dtype", onnx_dtype(yt));
          a.set("rescale", int64_t{rescale});
          if (rescale) set_mults(a, {quant::quantize_multiplier(yt == DType::kI16 ? 90.0 : 1.7)});
          if (variant % 4 == 0) a.set("y_max", int64_t{60});
          check(OpKind::kQAveragePool, a, {rt(codes(xt, c.x, rng))}, "variant " + std::to_string(variant));
        }
}

TEST(Q8Ops, QGlobalAveragePoolBitExact) {
  std::mt19937 rng(22);
  int variant = 0;
  for (const Shape& x : {Shape{1, 13, 7, 7}, Shape{2, 3, 1, 1}, Shape{1, 5, 13, 17}, Shape{1, 64, 56, 56}})
    for (DType xt : {DType::kU8, DType::kI8})
      for (int rescale : {0, 1}) {
        ++variant;
        const DType yt = variant % 3 == 0 ? DType::kI16 : (variant % 2 ? DType::kI8 : DType::kU8);
        Attrs a;
        a.set("x_zero_point", int64_t{mid_zp(xt)});
        a.set("y_zero_point", int64_t{mid_zp(yt)});
        a.set("y_dtype", onnx_dtype(yt));
        a.set("rescale", int64_t{rescale});
        if (rescale) set_mults(a, {quant::quantize_multiplier(yt == DType::kI16 ? 50.0 : 2.3)});
        check(OpKind::kQGlobalAveragePool, a, {rt(codes(xt, x, rng))}, "variant " + std::to_string(variant));
      }
}

TEST(Q8Ops, MaxPoolBitExact) {
  std::mt19937 rng(23);
  struct Case {
    Shape x;
    std::vector<int64_t> k, s, d, pads;
    int64_t ceil = 0;
    std::string auto_pad = "NOTSET";
  };
  const std::vector<Case> cases = {
      {{1, 3, 17, 15}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{1, 2, 16, 16}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{2, 13, 9, 10}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 3, 10, 11}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 1},
      {{1, 3, 9, 12}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 0, "SAME_UPPER"},
      {{1, 3, 9, 12}, {4, 2}, {3, 1}, {1, 1}, {0, 0, 0, 0}, 0, "SAME_LOWER"},
      {{1, 3, 9, 12}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 0, "VALID"},
      {{1, 4, 13, 14}, {3, 2}, {1, 3}, {2, 3}, {2, 1, 0, 2}},
      {{1, 1, 1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 5, 7, 7}, {3, 3}, {3, 3}, {1, 1}, {2, 2, 2, 2}, 1},
  };
  int variant = 0;
  for (const Case& c : cases)
    for (DType xt : {DType::kU8, DType::kI8}) {
      ++variant;
      Attrs a;
      a.set("kernel_shape", c.k);
      a.set("strides", c.s);
      a.set("dilations", c.d);
      if (c.auto_pad == "NOTSET") a.set("pads", c.pads);
      a.set("ceil_mode", c.ceil);
      a.set("auto_pad", c.auto_pad);
      check(OpKind::kMaxPool, a, {rt(codes(xt, c.x, rng))}, "variant " + std::to_string(variant));
    }
  // The Indices output stays with the reference.
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("strides", std::vector<int64_t>{2, 2});
  check(OpKind::kMaxPool, a, {rt(codes(DType::kI8, {1, 2, 4, 4}, rng))}, "indices", false, 2);
  // f32 stays with the reference.
  check(OpKind::kMaxPool, a, {rt(codes(DType::kF32, {1, 2, 4, 4}, rng))}, "f32", false);
}

TEST(Q8Ops, GlobalMaxPoolBitExact) {
  std::mt19937 rng(24);
  for (const Shape& x : {Shape{1, 13, 5, 7}, Shape{2, 3, 11}, Shape{1, 1, 1, 1}, Shape{1, 3, 2, 3, 4}})
    for (DType xt : {DType::kU8, DType::kI8}) check(OpKind::kGlobalMaxPool, Attrs{}, {rt(codes(xt, x, rng))}, "");
}

// ---- QConcat / QLut / Requantize ---------------------------------------------------------------------------

TEST(Q8Ops, QConcatCopyAndRescaleBitExact) {
  std::mt19937 rng(31);
  struct Case {
    std::vector<Shape> xs;
    std::vector<DType> ts;
    int64_t axis;
    std::vector<int64_t> zps, rescale;
    DType yt;
    int64_t yzp;
    bool clamp = false;
  };
  const std::vector<Case> cases = {
      {{{1, 4, 3, 3}, {1, 5, 3, 3}}, {DType::kI8, DType::kI8}, 1, {-7, -7}, {0, 0}, DType::kI8, -7},  // memcpy
      {{{1, 4, 3, 3}, {1, 5, 3, 3}}, {DType::kI8, DType::kI8}, 1, {-7, 3}, {0, 0}, DType::kI8, -7},   // zp differs
      {{{2, 3, 5}, {2, 3, 2}, {2, 3, 1}},
       {DType::kU8, DType::kU8, DType::kU8},
       -1,
       {131, 0, 255},
       {0, 1, 1},
       DType::kU8,
       131},
      {{{3, 2}, {1, 2}}, {DType::kU8, DType::kI8}, 0, {128, 0}, {0, 1}, DType::kI8, 0},
      {{{1, 3, 2, 2}, {1, 1, 2, 2}}, {DType::kI8, DType::kU8}, 1, {5, 200}, {1, 0}, DType::kI16, -100},
      {{{1, 2, 7, 7}, {1, 3, 7, 7}}, {DType::kI8, DType::kI8}, 1, {0, 0}, {0, 0}, DType::kI8, 0, true},  // clamp
      {{{1, 2, 3, 3}, {1, 2, 4, 3}}, {DType::kU8, DType::kU8}, 2, {9, 9}, {0, 0}, DType::kU8, 9},
  };
  int variant = 0;
  for (const Case& c : cases) {
    ++variant;
    Attrs a;
    a.set("axis", c.axis);
    a.set("x_zero_points", c.zps);
    a.set("rescale", c.rescale);
    std::vector<QuantizedMultiplier> m;
    for (size_t i = 0; i < c.xs.size(); ++i)
      m.push_back(quant::quantize_multiplier(c.rescale[i] ? (c.yt == DType::kI16 ? 37.0 : 0.4 + 0.9 * i) : 1.0));
    set_mults(a, m);
    a.set("y_dtype", onnx_dtype(c.yt));
    a.set("y_zero_point", c.yzp);
    if (c.clamp) {
      a.set("y_min", int64_t{0});
      a.set("y_max", int64_t{90});
    }
    std::vector<In> ins;
    for (size_t i = 0; i < c.xs.size(); ++i) ins.push_back(rt(codes(c.ts[i], c.xs[i], rng)));
    check(OpKind::kQConcat, a, ins, "variant " + std::to_string(variant));
  }
}

TEST(Q8Ops, QLutBitExact) {
  std::mt19937 rng(32);
  const DType pairs[][2] = {{DType::kI8, DType::kI8},
                            {DType::kU8, DType::kU8},
                            {DType::kI8, DType::kI16},
                            {DType::kU8, DType::kI8},
                            {DType::kI16, DType::kI8}};
  for (const auto& p : pairs) {
    const int64_t n = p[0] == DType::kI16 ? 65536 : 256;
    check(OpKind::kQLut, Attrs{}, {rt(codes(p[0], {1, 3, 7, 5}, rng)), cst(codes(p[1], {n}, rng))}, "");
  }
  // A runtime (non-constant) table stays with the reference.
  check(OpKind::kQLut, Attrs{}, {rt(codes(DType::kI8, {4}, rng)), rt(codes(DType::kI8, {256}, rng))}, "rt table",
        false);
}

TEST(Q8Ops, QLutEveryCodeAwkwardSizesBitExact) {
  // Every input code at every position of the vector steps (the pattern shifts by one code per element), sizes
  // around the 16 / 32 / 64-byte steps and tails; on the AVX2 tiers the vector lookup must be chosen.
  std::mt19937 rng(34);
  for (DType xt : {DType::kI8, DType::kU8})
    for (DType tt : {DType::kI8, DType::kU8})
      for (int64_t n : {1, 3, 13, 31, 32, 33, 64, 127, 256, 1001, 4099}) {
        const Tensor table = codes(tt, {256}, rng);
        check(OpKind::kQLut, Attrs{}, {rt(byte_pattern(xt, {1, n}, [](int64_t i) { return i * 5 + 3; })), cst(table)},
              "n " + std::to_string(n));
        if (q8::available_isas().back() >= q8::Isa::kAvx2 && !::testing::Test::HasFailure()) {
          EXPECT_EQ(last_kernels().back(), "lut_avx2") << n;
        }
        check(OpKind::kQLut, Attrs{}, {rt(byte_pattern(xt, {2, 3, 256}, [](int64_t i) { return i; })), cst(table)},
              "all codes");
      }
}

TEST(Q8Ops, RequantizeEveryCodeBitExact) {
  std::mt19937 rng(35);
  std::uniform_real_distribution<double> lm(-8.0, 8.0);
  int variant = 0;
  for (DType xt : {DType::kI8, DType::kU8})
    for (DType yt : {DType::kI8, DType::kU8})
      for (int rep = 0; rep < 4; ++rep) {
        ++variant;
        Attrs a;
        a.set("x_zero_point", int64_t{mid_zp(xt) + rep});
        a.set("y_zero_point", int64_t{mid_zp(yt) - rep});
        a.set("y_dtype", onnx_dtype(yt));
        set_mults(a, {quant::quantize_multiplier(std::exp2(lm(rng)))});
        if (rep == 1) a.set("y_max", int64_t{mid_zp(yt) + 40});
        check(OpKind::kRequantize, a, {rt(byte_pattern(xt, {1, 3, 1000 + 2 * rep + 1}, [](int64_t i) { return i; }))},
              "variant " + std::to_string(variant));
      }
}

TEST(Q8Ops, RequantizeBitExact) {
  std::mt19937 rng(33);
  const DType pairs[][2] = {{DType::kU8, DType::kI8},
                            {DType::kI8, DType::kI16},
                            {DType::kI16, DType::kI8},
                            {DType::kI8, DType::kU8},
                            {DType::kU8, DType::kU8}};
  int variant = 0;
  for (const auto& p : pairs) {
    ++variant;
    Attrs a;
    a.set("x_zero_point", int64_t{mid_zp(p[0])});
    a.set("y_zero_point", int64_t{mid_zp(p[1])});
    a.set("y_dtype", onnx_dtype(p[1]));
    const double m = p[1] == DType::kI16 ? 200.0 : (p[0] == DType::kI16 ? 0.004 : 0.8 + 0.3 * variant);
    set_mults(a, {quant::quantize_multiplier(m)});
    if (variant % 2) a.set("y_min", int64_t{mid_zp(p[1])});
    check(OpKind::kRequantize, a, {rt(codes(p[0], {2, 5, 3, 7}, rng))}, "variant " + std::to_string(variant));
  }
}

// ---- QuantizeLinear / DequantizeLinear ---------------------------------------------------------------------

TEST(Q8Ops, QuantizeLinearSpecialValuesBitExact) {
  std::mt19937 rng(41);
  std::vector<float> v = {0.0f,
                          -0.0f,
                          std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          1e30f,
                          -1e30f,
                          3e9f,
                          -3e9f,
                          8388607.5f,
                          16777215.0f,
                          std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::max()};
  // Exact halves of the scale (ties), near-ties and a random spread.
  for (int k = -300; k <= 300; ++k) {
    v.push_back(0.25f * (static_cast<float>(k) + 0.5f));
    v.push_back(std::nextafter(0.25f * (static_cast<float>(k) + 0.5f), 1e9f));
  }
  std::uniform_real_distribution<float> d(-80.0f, 80.0f);
  for (int i = 0; i < 3001; ++i) v.push_back(d(rng));
  const Tensor x = Tensor::from_vector<float>(v, Shape{static_cast<int64_t>(v.size())});
  for (float scale : {0.25f, 0.37f, 1e-3f})
    for (DType qt : {DType::kI8, DType::kU8, DType::kI16}) {
      Tensor zp(qt, {});
      if (qt == DType::kU8) zp.data<uint8_t>()[0] = 131;
      if (qt == DType::kI8) zp.data<int8_t>()[0] = -9;
      if (qt == DType::kI16) zp.data<int16_t>()[0] = 77;
      check(OpKind::kQuantizeLinear, Attrs{},
            {rt(x), cst(Tensor::from_vector<float>({scale}, Shape{})), cst(std::move(zp))},
            "scale " + std::to_string(scale));
    }
  // No zero point: u8 with zero point 0.
  check(OpKind::kQuantizeLinear, Attrs{}, {rt(x), cst(Tensor::from_vector<float>({0.5f}, Shape{}))}, "no zp");
  // A runtime scale stays with the reference.
  check(OpKind::kQuantizeLinear, Attrs{}, {rt(x), rt(Tensor::from_vector<float>({0.5f}, Shape{}))}, "rt scale", false);
}

TEST(Q8Ops, QuantizeLinearAwkwardSizesAndExtremesBitExact) {
  // Special values scattered through rows of awkward lengths (vector blocks and scalar tails), zero points at the
  // ends of the code range and scales that make every quotient overflow or vanish; on the AVX2 tiers the vector
  // row must be the kernel.
  std::mt19937 rng(43);
  const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                           -std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::max(),
                           -std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::denorm_min(),
                           -0.0f,
                           2.5f,
                           -2.5f,
                           3.5f,
                           127.5f,
                           -128.5f,
                           255.5f,
                           32767.5f,
                           -32768.5f,
                           1e10f};
  std::uniform_real_distribution<float> d(-300.0f, 300.0f);
  std::uniform_int_distribution<int> pick(0, 3), which(0, static_cast<int>(std::size(special)) - 1);
  const bool avx2 = q8::available_isas().back() >= q8::Isa::kAvx2;
  for (int64_t n : {1, 3, 13, 31, 32, 33, 127, 1001}) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& f : v) f = pick(rng) == 0 ? special[which(rng)] : std::round(d(rng) * 2.0f) * 0.5f;
    const Tensor x = Tensor::from_vector<float>(v, Shape{1, n});
    for (float scale : {1.0f, 0.5f, 1e-30f, 1e30f, std::numeric_limits<float>::denorm_min()}) {
      for (DType qt : {DType::kI8, DType::kU8, DType::kI16}) {
        for (int end = 0; end < 2; ++end) {
          const quant::QRange r = qref::dtype_range(qt);
          Tensor zp(qt, {});
          const int32_t z = end ? r.qmax : r.qmin;
          if (qt == DType::kU8) zp.data<uint8_t>()[0] = static_cast<uint8_t>(z);
          if (qt == DType::kI8) zp.data<int8_t>()[0] = static_cast<int8_t>(z);
          if (qt == DType::kI16) zp.data<int16_t>()[0] = static_cast<int16_t>(z);
          const std::string note = "n " + std::to_string(n) + " scale " + std::to_string(scale) + " zp " +
                                   std::to_string(z) + " " + dtype_name(qt);
          check(OpKind::kQuantizeLinear, Attrs{},
                {rt(x), cst(Tensor::from_vector<float>({scale}, Shape{})), cst(std::move(zp))}, note);
          if (avx2 && !::testing::Test::HasFailure()) {
            EXPECT_EQ(last_kernels().back(), "quantize_f32_avx2") << note;
          }
        }
      }
    }
  }
}

TEST(Q8Ops, DequantizeLinearBitExact) {
  std::mt19937 rng(42);
  for (DType qt : {DType::kI8, DType::kU8}) {
    Tensor zp(qt, {});
    if (qt == DType::kU8) zp.data<uint8_t>()[0] = 250;
    if (qt == DType::kI8) zp.data<int8_t>()[0] = -128;
    check(OpKind::kDequantizeLinear, Attrs{},
          {rt(codes(qt, {1, 3, 5, 7}, rng)), cst(Tensor::from_vector<float>({0.0371f}, Shape{})), cst(std::move(zp))},
          "");
    check(OpKind::kDequantizeLinear, Attrs{},
          {rt(codes(qt, {1, 3, 5, 7}, rng)), cst(Tensor::from_vector<float>({3.3e-5f}, Shape{}))}, "no zp");
  }
}

// ---- data movement -----------------------------------------------------------------------------------------

TEST(Q8Ops, ReshapeFamilyCopies) {
  std::mt19937 rng(51);
  for (DType t : {DType::kI8, DType::kF32, DType::kI64}) {
    const Tensor x = codes(t, {2, 3, 1, 5}, rng);
    check(OpKind::kReshape, Attrs{}, {rt(x), cst(testing::i64({6, -1}))}, "");
    Attrs fa;
    fa.set("axis", int64_t{2});
    check(OpKind::kFlatten, fa, {rt(x)}, "");
    check(OpKind::kSqueeze, Attrs{}, {rt(x), cst(testing::i64({2}))}, "");
    check(OpKind::kUnsqueeze, Attrs{}, {rt(x), cst(testing::i64({0, 5}))}, "");
    check(OpKind::kIdentity, Attrs{}, {rt(x)}, "");
  }
}

TEST(Q8Ops, TransposeAnyPermutationBitExact) {
  std::mt19937 rng(52);
  struct Case {
    Shape x;
    std::vector<int64_t> perm;  // empty: default (reverse)
  };
  const std::vector<Case> cases = {
      {{1, 2, 5, 3, 3}, {0, 2, 1, 3, 4}},  // ShuffleNet channel shuffle
      {{1, 2, 58, 7, 7}, {0, 2, 1, 3, 4}},
      {{1, 13, 5, 7}, {0, 2, 3, 1}},  // NCHW -> NHWC
      {{1, 5, 7, 13}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{3, 4}, {}},
      {{2, 3, 4, 5}, {3, 2, 1, 0}},
      {{2, 1, 4, 1, 3}, {4, 3, 2, 1, 0}},
      {{7}, {0}},
      {{2, 3, 4}, {0, 1, 2}},
      {{0, 3}, {1, 0}},
  };
  for (const Case& c : cases)
    for (DType t : {DType::kI8, DType::kU8, DType::kF32, DType::kI64, DType::kI16}) {
      Attrs a;
      if (!c.perm.empty()) a.set("perm", c.perm);
      check(OpKind::kTranspose, a, {rt(codes(t, c.x, rng))}, "");
    }
}

TEST(Q8Ops, SliceConstantParametersBitExact) {
  std::mt19937 rng(53);
  struct Case {
    Shape x;
    std::vector<int64_t> starts, ends, axes, steps;  // empty axes / steps: absent input
  };
  const std::vector<Case> cases = {
      {{1, 8, 5, 6}, {2}, {6}, {1}, {}},
      {{1, 8, 5, 6}, {0, 1}, {100, -1}, {2, 3}, {2, 2}},
      {{4, 7}, {-1, 6}, {-100, 0}, {0, 1}, {-1, -2}},
      {{4, 7}, {1}, {1}, {}, {}},  // empty
      {{3, 5, 7}, {0, 0, 0}, {3, 5, 7}, {}, {}},
      {{3, 5, 7}, {1, 2}, {2, 4}, {-3, -1}, {1, 1}},
      {{2, 9}, {8}, {0}, {1}, {-3}},
  };
  for (const Case& c : cases)
    for (DType t : {DType::kI8, DType::kF32}) {
      std::vector<In> ins = {rt(codes(t, c.x, rng)), cst(testing::i64(c.starts)), cst(testing::i64(c.ends))};
      if (!c.axes.empty())
        ins.push_back(cst(testing::i64(c.axes)));
      else if (!c.steps.empty())
        ins.push_back(absent());
      if (!c.steps.empty()) ins.push_back(cst(testing::i64(c.steps)));
      check(OpKind::kSlice, Attrs{}, ins, "");
    }
  // Runtime starts stay with the reference.
  check(OpKind::kSlice, Attrs{}, {rt(codes(DType::kI8, {4, 4}, rng)), rt(testing::i64({1})), cst(testing::i64({3}))},
        "rt starts", false);
}

TEST(Q8Ops, ConcatAndSplitBitExact) {
  std::mt19937 rng(54);
  for (DType t : {DType::kI8, DType::kF32}) {
    for (int64_t axis : {0, 1, -1}) {
      Shape a{2, 3, 4}, b{2, 3, 4};
      const size_t ax = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
      b[ax] = 5;
      Attrs at;
      at.set("axis", axis);
      check(OpKind::kConcat, at, {rt(codes(t, a, rng)), rt(codes(t, b, rng)), rt(codes(t, a, rng))}, "");
      Shape x{4, 6, 8};
      x[ax] = 9;
      check(OpKind::kSplit, at, {rt(codes(t, x, rng)), cst(testing::i64({2, 3, 4}))}, "", true, 3);
    }
  }
}

// ---- contract ----------------------------------------------------------------------------------------------

TEST(Q8Ops, RunRejectsMismatchedOutputsAndUnknownOpsAreNotCovered) {
  std::mt19937 rng(61);
  q8::TensorSig x{true, DType::kI8, {1, 4, 3, 3}, nullptr};
  q8::TensorSig y{true, DType::kI8, {1, 4, 3, 3}, nullptr};
  std::vector<q8::TensorSig> ins = {x}, outs = {y};
  auto unknown = q8::prepare_op("Softmax", Attrs{}, ins, outs);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->get(), nullptr);
  auto op = q8::prepare_op("Identity", Attrs{}, ins, outs);
  ASSERT_TRUE(op.ok());
  ASSERT_NE(op->get(), nullptr);
  const Tensor in = codes(DType::kI8, {1, 4, 3, 3}, rng);
  std::vector<const Tensor*> ptrs = {&in};
  std::vector<Tensor> wrong;
  wrong.emplace_back(DType::kI8, Shape{1, 4, 3, 2});
  EXPECT_FALSE((*op)->run(ptrs, wrong, nullptr).ok());
  std::vector<Tensor> none(1);  // not allocated
  EXPECT_FALSE((*op)->run(ptrs, none, nullptr).ok());
  std::vector<Tensor> good;
  good.emplace_back(DType::kI8, Shape{1, 4, 3, 3});
  const void* storage = good[0].raw();
  ASSERT_TRUE((*op)->run(ptrs, good, nullptr).ok());
  EXPECT_EQ(good[0].raw(), storage);
  EXPECT_TRUE(good[0] == in);
}

}  // namespace
}  // namespace npukit
