// SPDX-License-Identifier: Apache-2.0
// Google Benchmark of the int8 depthwise convolution (kernels/q8 conv_dw.cpp) per ISA tier on the depthwise
// layers of MobileNetV2 (3x3) and EfficientNet-B0 (5x5, SiLU inputs: int8 codes of both signs), 1 thread (or N with
// NPUKIT_DW_BENCH_THREADS=N). Reports GMAC/s = multiply-accumulates (padding taps included) per second of process CPU
// time (on N > 1 threads: of wall time).
//   build-*/src/npukit_q8_dw_bench [--benchmark_filter=avx2] [--benchmark_repetitions=10 (adds a _min row)]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/q8/q8_kernels.h"

namespace {

using namespace npukit;

struct DwShape {
  const char* name;
  int64_t c, h, w, k, stride;
  bool u8;  ///< uint8 input with a non-zero zero point (else int8, zero point -3)
};

const DwShape kShapes[] = {
    {"mbv2_dw3x3_112x112_32", 32, 112, 112, 3, 1, false},
    {"mbv2_dw3x3s2_112to56_96", 96, 112, 112, 3, 2, false},
    {"mbv2_dw3x3_56x56_144", 144, 56, 56, 3, 1, false},
    {"mbv2_dw3x3s2_56to28_144", 144, 56, 56, 3, 2, false},
    {"mbv2_dw3x3_28x28_192", 192, 28, 28, 3, 1, false},
    {"mbv2_dw3x3s2_28to14_192", 192, 28, 28, 3, 2, false},
    {"mbv2_dw3x3_14x14_384", 384, 14, 14, 3, 1, false},
    {"mbv2_dw3x3_14x14_576", 576, 14, 14, 3, 1, false},
    {"mbv2_dw3x3s2_14to7_576", 576, 14, 14, 3, 2, false},
    {"mbv2_dw3x3_7x7_960", 960, 7, 7, 3, 1, false},
    {"effb0_dw5x5_28x28_240", 240, 28, 28, 5, 1, true},
    {"effb0_dw5x5s2_14to7_672", 672, 14, 14, 5, 2, true},
    {"effb0_dw5x5_14x14_672", 672, 14, 14, 5, 1, true},
    {"effb0_dw5x5_7x7_1152", 1152, 7, 7, 5, 1, true},
    {"effb0_dw5x5s2_56to28_144", 144, 56, 56, 5, 2, true},
    {"effb0_dw3x3s2_112to56_96", 96, 112, 112, 3, 2, true},
    // Cache-resident probe: the 56x56 plane of mbv2_dw3x3_56x56_144 with 16 channels (input + output fit L2).
    {"probe_dw3x3_56x56_16", 16, 56, 56, 3, 1, false},
};

void bench_dw(benchmark::State& state, DwShape s, q8::Isa isa, int threads) {
  std::mt19937 rng(1);
  Tensor x(s.u8 ? DType::kU8 : DType::kI8, {1, s.c, s.h, s.w});
  std::uniform_int_distribution<int> d(0, 255);
  for (int64_t i = 0; i < x.numel(); ++i) static_cast<uint8_t*>(x.raw())[i] = static_cast<uint8_t>(d(rng));
  Tensor w(DType::kI8, {s.c, 1, s.k, s.k});
  std::uniform_int_distribution<int> dw(-127, 127);
  for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(dw(rng));
  Tensor b(DType::kI32, {s.c});
  for (int64_t i = 0; i < s.c; ++i) b.data<int32_t>()[i] = static_cast<int32_t>(i * 37 - 2000);
  qref::QConv2dParams p;
  p.group = s.c;
  p.stride_h = p.stride_w = s.stride;
  // ONNX / TFLite "same" padding: stride 2 pads (k-1)/2 before and what is needed after.
  p.pad_top = p.pad_left = s.k / 2;
  p.pad_bottom = p.pad_right = s.k / 2 - (s.stride - 1);
  p.input_zero_point = s.u8 ? 37 : -3;
  p.out_mult.assign(static_cast<size_t>(s.c), quant::quantize_multiplier(0.0007));
  if (!s.u8) p.out_range.qmin = 0;  // fused ReLU6-style clamp on MobileNetV2
  auto pc = q8::PackedConv::create(w, &b, p, isa);
  if (!pc.ok()) {
    state.SkipWithError(pc.status().to_string().c_str());
    return;
  }
  q8::Parallel par(threads);
  Tensor y;
  for (auto _ : state) {
    const Status st = q8::conv2d(*pc, x, &y, nullptr, &par);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(y.raw());
  }
  const double macs = static_cast<double>(y.numel()) * static_cast<double>(s.k * s.k);
  state.counters["GMAC/s"] = benchmark::Counter(macs / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  // NPUKIT_DW_BENCH_ITERS=N: exactly N iterations per benchmark (e.g. for instruction counts under callgrind).
  const char* fixed_iters = std::getenv("NPUKIT_DW_BENCH_ITERS");
  // NPUKIT_DW_BENCH_THREADS=N: N threads in the kernel's pool (wall time is reported then).
  const char* threads_env = std::getenv("NPUKIT_DW_BENCH_THREADS");
  const int threads = threads_env != nullptr ? std::max(1, std::atoi(threads_env)) : 1;
  for (q8::Isa isa : q8::available_isas()) {
    const std::string suffix = std::string("/") + q8::isa_name(isa) + "/threads:" + std::to_string(threads);
    for (const DwShape& s : kShapes) {
      auto* b = benchmark::RegisterBenchmark((std::string("dw/") + s.name + suffix).c_str(), bench_dw, s, isa, threads);
      if (fixed_iters != nullptr) b->Iterations(std::max(1, std::atoi(fixed_iters)));
      // With --benchmark_repetitions: the fastest repetition (robust on a loaded machine).
      b->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
      });
      if (threads > 1) {
        b->UseRealTime();
      } else {
        b->MeasureProcessCPUTime();
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
