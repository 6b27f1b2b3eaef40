// SPDX-License-Identifier: Apache-2.0
// Benchmark of the kernels/q8 op kernels (q8_ops.h) against the reference kernel of the same node (what the
// interpreter runs: ref::ref_<Op> from kernels/ref/ref_kernels.h), on the shapes that dominate the compiled
// torchvision models. Run: build/bench/npukit_q8_ops_bench [--benchmark_filter=QAdd]. Single-threaded (but for
// parallel_run, the thread pool's cost per call). The elementwise / table ops also run on the scalar tier (_q8scalar)
// next to the active one (_q8).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_ops.h"
#include "kernels/ref/ref_kernels.h"
#include "quant/arith.h"

namespace npukit {
namespace {

Tensor random_i8(const Shape& s, uint32_t seed) {
  Tensor t(DType::kI8, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int8_t>()[i] = static_cast<int8_t>(d(rng));
  return t;
}

void set_mults(Attrs& a, const std::vector<quant::QuantizedMultiplier>& m) {
  std::vector<int64_t> mv, sv;
  for (const auto& q : m) {
    mv.push_back(q.mult);
    sv.push_back(q.shift);
  }
  a.set("multiplier", mv);
  a.set("shift", sv);
}

/// One benchmark problem: op type, complete attributes (schema defaults written out), inputs, output types.
struct Problem {
  std::string op;
  Attrs attrs;
  std::vector<Tensor> ins;
  std::vector<q8::TensorSig> out_sigs;
  ref::RefKernelFn ref = nullptr;
  int const_in = -1;  ///< input that is a graph constant (besides QLut's table), -1: none
};

Problem qadd() {
  Problem p{"QAdd", {}, {random_i8({1, 24, 56, 56}, 1), random_i8({1, 24, 56, 56}, 2)}, {}, ref::ref_QAdd};
  const quant::AddParams ap = quant::make_add_params(0.05f, -3, 0.08f, 5, 0.09f, 2, quant::kRangeI8);
  p.attrs.set("a_zero_point", int64_t{ap.a_zp});
  p.attrs.set("b_zero_point", int64_t{ap.b_zp});
  p.attrs.set("y_zero_point", int64_t{ap.out_zp});
  p.attrs.set("left_shift", int64_t{ap.left_shift});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {ap.a_mult, ap.b_mult, ap.out_mult});
  p.out_sigs = {{true, DType::kI8, {1, 24, 56, 56}, nullptr}};
  return p;
}

Problem qmul_se() {
  Problem p{"QMul", {}, {random_i8({1, 672, 14, 14}, 3), random_i8({1, 672, 1, 1}, 4)}, {}, ref::ref_QMul};
  const quant::MulParams mp = quant::make_mul_params(0.05f, -3, 0.004f, -128, 0.04f, 1, quant::kRangeI8);
  p.attrs.set("a_zero_point", int64_t{mp.a_zp});
  p.attrs.set("b_zero_point", int64_t{mp.b_zp});
  p.attrs.set("y_zero_point", int64_t{mp.out_zp});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {mp.mult});
  p.out_sigs = {{true, DType::kI8, {1, 672, 14, 14}, nullptr}};
  return p;
}

Problem qmul_same(const Shape& s) {
  Problem p{"QMul", {}, {random_i8(s, 11), random_i8(s, 12)}, {}, ref::ref_QMul};
  const quant::MulParams mp = quant::make_mul_params(0.05f, -3, 0.004f, -128, 0.04f, 1, quant::kRangeI8);
  p.attrs.set("a_zero_point", int64_t{mp.a_zp});
  p.attrs.set("b_zero_point", int64_t{mp.b_zp});
  p.attrs.set("y_zero_point", int64_t{mp.out_zp});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {mp.mult});
  p.out_sigs = {{true, DType::kI8, s, nullptr}};
  return p;
}

/// SiLU's multiply (x * sigmoid(x)) at EfficientNet-B0's largest activation.
Problem qmul_silu() {
  return qmul_same({1, 96, 112, 112});
}

/// Squeeze-excite scale on EfficientNet-B0's last stage (short rows: 7 x 7).
Problem qmul_se7() {
  Problem p = qmul_se();
  p.ins = {random_i8({1, 1152, 7, 7}, 13), random_i8({1, 1152, 1, 1}, 14)};
  p.out_sigs = {{true, DType::kI8, {1, 1152, 7, 7}, nullptr}};
  return p;
}

Problem qadd_odd() {
  Problem p = qadd();
  p.ins = {random_i8({1, 13, 1001}, 15), random_i8({1, 13, 1001}, 16)};
  p.out_sigs = {{true, DType::kI8, {1, 13, 1001}, nullptr}};
  return p;
}

/// Sigmoid table of EfficientNet-B0's SiLU at its largest activation.
Problem qlut_sigmoid() {
  Problem p{"QLut", {}, {random_i8({1, 96, 112, 112}, 17), Tensor(DType::kI8, {256})}, {}, ref::ref_QLut};
  for (int i = 0; i < 256; ++i) {
    const double x = (i - 128) * 0.1;
    p.ins[1].data<int8_t>()[i] = static_cast<int8_t>(std::lround(255.0 / (1.0 + std::exp(-x)) - 128.0));
  }
  p.out_sigs = {{true, DType::kI8, {1, 96, 112, 112}, nullptr}};
  return p;
}

Problem requantize() {
  Problem p{"Requantize", {}, {random_i8({1, 32, 112, 112}, 18)}, {}, ref::ref_Requantize};
  p.attrs.set("x_zero_point", int64_t{-4});
  p.attrs.set("y_zero_point", int64_t{3});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {quant::quantize_multiplier(0.73)});
  p.out_sigs = {{true, DType::kI8, {1, 32, 112, 112}, nullptr}};
  return p;
}

Problem qgap() {
  Problem p{"QGlobalAveragePool", {}, {random_i8({1, 1280, 7, 7}, 5)}, {}, ref::ref_QGlobalAveragePool};
  p.attrs.set("x_zero_point", int64_t{-4});
  p.attrs.set("y_zero_point", int64_t{3});
  p.attrs.set("y_dtype", int64_t{3});
  p.attrs.set("rescale", int64_t{1});
  set_mults(p.attrs, {quant::quantize_multiplier(1.3)});
  p.out_sigs = {{true, DType::kI8, {1, 1280, 1, 1}, nullptr}};
  return p;
}

Problem maxpool() {
  Problem p{"MaxPool", {}, {random_i8({1, 64, 112, 112}, 6)}, {}, ref::ref_MaxPool};
  p.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
  p.attrs.set("strides", std::vector<int64_t>{2, 2});
  p.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  p.attrs.set("dilations", std::vector<int64_t>{1, 1});
  p.attrs.set("auto_pad", std::string("NOTSET"));
  p.attrs.set("ceil_mode", int64_t{0});
  p.attrs.set("storage_order", int64_t{0});
  p.out_sigs = {{true, DType::kI8, {1, 64, 56, 56}, nullptr}};
  return p;
}

Problem qconcat() {
  Problem p{"QConcat", {}, {random_i8({1, 64, 28, 28}, 7), random_i8({1, 64, 28, 28}, 8)}, {}, ref::ref_QConcat};
  p.attrs.set("axis", int64_t{1});
  p.attrs.set("x_zero_points", std::vector<int64_t>{2, 2});
  p.attrs.set("rescale", std::vector<int64_t>{0, 0});
  set_mults(p.attrs, {quant::quantize_multiplier(1.0), quant::quantize_multiplier(1.0)});
  p.attrs.set("y_dtype", int64_t{3});
  p.attrs.set("y_zero_point", int64_t{2});
  p.out_sigs = {{true, DType::kI8, {1, 128, 28, 28}, nullptr}};
  return p;
}

Problem qconcat_rescale() {
  Problem p = qconcat();
  p.attrs.set("rescale", std::vector<int64_t>{0, 1});
  set_mults(p.attrs, {quant::quantize_multiplier(1.0), quant::quantize_multiplier(0.7)});
  return p;
}

Problem transpose() {
  Problem p{"Transpose", {}, {random_i8({1, 2, 58, 28, 28}, 9)}, {}, ref::ref_Transpose};
  p.attrs.set("perm", std::vector<int64_t>{0, 2, 1, 3, 4});
  p.out_sigs = {{true, DType::kI8, {1, 58, 2, 28, 28}, nullptr}};
  return p;
}

Tensor random_i16(const Shape& s, uint32_t seed) {
  Tensor t(DType::kI16, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-32768, 32767);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int16_t>()[i] = static_cast<int16_t>(d(rng));
  return t;
}

/// QMul by a scalar f32 constant quantized to int16 (quant/lower_qdq_ops.cpp), e.g. HardSigmoid's slope in
/// PP-OCRv4 det at its largest activation.
Problem qmul_const_scalar() {
  Tensor c(DType::kI16, {});
  c.data<int16_t>()[0] = 32767;
  Problem p{"QMul", {}, {random_i8({1, 16, 160, 160}, 21), c}, {}, ref::ref_QMul, 1};
  const quant::MulParams mp = quant::make_mul_params(0.05f, -3, 0.1667f / 32767.0f, 0, 0.01f, -128, quant::kRangeI8);
  p.attrs.set("a_zero_point", int64_t{mp.a_zp});
  p.attrs.set("b_zero_point", int64_t{mp.b_zp});
  p.attrs.set("y_zero_point", int64_t{mp.out_zp});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {mp.mult});
  p.out_sigs = {{true, DType::kI8, {1, 16, 160, 160}, nullptr}};
  return p;
}

/// QAdd of a per-channel f32 constant quantized to int16 ([1, C, 1, 1], e.g. a folded bias).
Problem qadd_const_channel() {
  Problem p{"QAdd", {}, {random_i8({1, 64, 80, 80}, 22), random_i16({1, 64, 1, 1}, 23)}, {}, ref::ref_QAdd, 1};
  const quant::AddParams ap = quant::make_add_params(0.05f, -3, 2.0f / 32767.0f, 0, 0.06f, 2, quant::kRangeI8, true);
  p.attrs.set("a_zero_point", int64_t{ap.a_zp});
  p.attrs.set("b_zero_point", int64_t{ap.b_zp});
  p.attrs.set("y_zero_point", int64_t{ap.out_zp});
  p.attrs.set("left_shift", int64_t{ap.left_shift});
  p.attrs.set("y_dtype", int64_t{3});
  set_mults(p.attrs, {ap.a_mult, ap.b_mult, ap.out_mult});
  p.out_sigs = {{true, DType::kI8, {1, 64, 80, 80}, nullptr}};
  return p;
}

using Maker = Problem (*)();

void run_ref(benchmark::State& state, Maker make) {
  Problem p = make();
  std::vector<const Tensor*> ins;
  for (const Tensor& t : p.ins) ins.push_back(&t);
  std::vector<Tensor> outs;
  for (const auto& s : p.out_sigs) outs.emplace_back(s.dtype, s.shape);
  for (auto _ : state) {
    ref::KernelArgs a{p.op, "bench", p.attrs, ins, outs};
    Status st = p.ref(a);
    if (!st.ok()) {
      state.SkipWithError(st.to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(outs[0].raw());
  }
}

/// The fast kernel on `isa` (clamped to the tiers this CPU has): the scalar tier runs the portable loops (the
/// kernels before the vector paths existed), the active tier the vector row kernels.
void run_fast_on(benchmark::State& state, Maker make, q8::Isa isa) {
  Problem p = make();
  std::vector<const Tensor*> ins;
  std::vector<q8::TensorSig> sigs;
  for (size_t i = 0; i < p.ins.size(); ++i) {
    ins.push_back(&p.ins[i]);
    // QLut's table is a graph constant, and so is `const_in`.
    const bool constant = (p.op == "QLut" && i == 1) || static_cast<int>(i) == p.const_in;
    sigs.push_back({true, p.ins[i].dtype(), p.ins[i].shape(), constant ? &p.ins[i] : nullptr});
  }
  if (isa > q8::active_isa()) isa = q8::active_isa();
  auto op = q8::prepare_op(p.op, p.attrs, sigs, p.out_sigs, isa);
  if (!op.ok() || *op == nullptr) {
    state.SkipWithError("prepare_op did not cover the problem");
    return;
  }
  std::vector<Tensor> outs;
  for (const auto& s : p.out_sigs) outs.emplace_back(s.dtype, s.shape);
  for (auto _ : state) {
    Status st = (*op)->run(ins, outs, nullptr);
    if (!st.ok()) {
      state.SkipWithError(st.to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(outs[0].raw());
  }
  state.SetLabel((*op)->kernel_name());
}

void run_fast(benchmark::State& state, Maker make) {
  run_fast_on(state, make, q8::active_isa());
}
void run_scalar(benchmark::State& state, Maker make) {
  run_fast_on(state, make, q8::Isa::kScalar);
}

#define NPUKIT_OPS_BENCH(name, maker)                                                         \
  BENCHMARK_CAPTURE(run_ref, name##_ref, maker)->Unit(benchmark::kMicrosecond)->MinTime(0.2); \
  BENCHMARK_CAPTURE(run_fast, name##_q8, maker)->Unit(benchmark::kMicrosecond)->MinTime(0.2);

// Elementwise / table ops: also the scalar tier (NPUKIT_ISA=scalar), i.e. the table walks without vector rows.
#define NPUKIT_OPS_BENCH_TIERS(name, maker) \
  NPUKIT_OPS_BENCH(name, maker)             \
  BENCHMARK_CAPTURE(run_scalar, name##_q8scalar, maker)->Unit(benchmark::kMicrosecond)->MinTime(0.2);

NPUKIT_OPS_BENCH_TIERS(QAdd_1x24x56x56, qadd)
NPUKIT_OPS_BENCH_TIERS(QAdd_1x13x1001, qadd_odd)
NPUKIT_OPS_BENCH_TIERS(QMul_1x96x112x112_same, qmul_silu)
NPUKIT_OPS_BENCH_TIERS(QMul_1x672x14x14_by_1x672x1x1, qmul_se)
NPUKIT_OPS_BENCH_TIERS(QMul_1x1152x7x7_by_1x1152x1x1, qmul_se7)
NPUKIT_OPS_BENCH_TIERS(QMul_1x16x160x160_by_i16_scalar, qmul_const_scalar)
NPUKIT_OPS_BENCH_TIERS(QAdd_1x64x80x80_by_i16_1x64x1x1, qadd_const_channel)
NPUKIT_OPS_BENCH_TIERS(QLut_sigmoid_1x96x112x112, qlut_sigmoid)
NPUKIT_OPS_BENCH_TIERS(Requantize_1x32x112x112, requantize)
NPUKIT_OPS_BENCH(QGlobalAveragePool_1x1280x7x7, qgap)
NPUKIT_OPS_BENCH(MaxPool3x3s2_1x64x112x112, maxpool)
NPUKIT_OPS_BENCH(QConcat_2x1x64x28x28, qconcat)
NPUKIT_OPS_BENCH(QConcat_2x1x64x28x28_rescale, qconcat_rescale)
NPUKIT_OPS_BENCH(Transpose_1x2x58x28x28_p02134, transpose)

// The thread pool's own cost per operator call (parallel.h): one run of `tasks` empty tasks on 2 threads, as an
// inference with --intra_op_threads 2 makes one or two per operator (tens per inference). Real time, both threads.
void parallel_run(benchmark::State& state) {
  static const q8::Parallel par(2);
  const int64_t tasks = state.range(0);
  for (auto _ : state) par.run(tasks, [](int64_t i) { benchmark::DoNotOptimize(i); });
}
BENCHMARK(parallel_run)->Arg(2)->Arg(8)->Arg(24)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(0.3);

}  // namespace
}  // namespace npukit

BENCHMARK_MAIN();
