// SPDX-License-Identifier: Apache-2.0
// Benchmark of the kernels/q8 op kernels (q8_ops.h) against the reference kernel of the same node (what the
// interpreter runs: ref::ref_<Op> from kernels/ref/ref_kernels.h), on the shapes that dominate the compiled
// torchvision models. Run: build/bench/npukit_q8_ops_bench [--benchmark_filter=QAdd]. Single-threaded.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
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

void run_fast(benchmark::State& state, Maker make) {
  Problem p = make();
  std::vector<const Tensor*> ins;
  std::vector<q8::TensorSig> sigs;
  for (const Tensor& t : p.ins) {
    ins.push_back(&t);
    sigs.push_back({true, t.dtype(), t.shape(), nullptr});
  }
  auto op = q8::prepare_op(p.op, p.attrs, sigs, p.out_sigs);
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

#define NPUKIT_OPS_BENCH(name, maker)                                                         \
  BENCHMARK_CAPTURE(run_ref, name##_ref, maker)->Unit(benchmark::kMicrosecond)->MinTime(0.2); \
  BENCHMARK_CAPTURE(run_fast, name##_q8, maker)->Unit(benchmark::kMicrosecond)->MinTime(0.2);

NPUKIT_OPS_BENCH(QAdd_1x24x56x56, qadd)
NPUKIT_OPS_BENCH(QMul_1x672x14x14_by_1x672x1x1, qmul_se)
NPUKIT_OPS_BENCH(QGlobalAveragePool_1x1280x7x7, qgap)
NPUKIT_OPS_BENCH(MaxPool3x3s2_1x64x112x112, maxpool)
NPUKIT_OPS_BENCH(QConcat_2x1x64x28x28, qconcat)
NPUKIT_OPS_BENCH(QConcat_2x1x64x28x28_rescale, qconcat_rescale)
NPUKIT_OPS_BENCH(Transpose_1x2x58x28x28_p02134, transpose)

}  // namespace
}  // namespace npukit

BENCHMARK_MAIN();
