// SPDX-License-Identifier: Apache-2.0
// Google Benchmark of the int8 CPU kernels (kernels/q8) per ISA tier on MobileNetV2 / ResNet layer sizes:
// pointwise 1x1, 3x3 and depthwise 3x3 convolutions plus one fully connected layer, 1 and 2 threads.
// Reports GMAC/s = multiply-accumulates (padding taps included) per second of process CPU time (all threads), so
// the figure is per core and stays meaningful on a loaded machine; the Time column is wall time.
//   build-*/src/npukit_q8_bench [--cold] [--benchmark_filter=avx2]
// --cold: the caches are evicted (64 MiB written, outside the timing) before every convolution call, so its weights
// and input come from memory as in a network whose weights do not fit the caches.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/q8/q8_kernels.h"

namespace {

using namespace npukit;

bool g_cold = false;  ///< --cold

/// Writes one byte per cache line of a buffer larger than the last-level cache.
void evict_caches() {
  static std::vector<uint8_t> buf(64u << 20, 1);
  for (size_t i = 0; i < buf.size(); i += 64) buf[i] = static_cast<uint8_t>(buf[i] + 1);
  benchmark::DoNotOptimize(buf.data());
}

struct ConvShape {
  const char* name;
  int64_t c, h, w, cout, k, stride, group;
  int in_lo = -128, in_hi = 127;  ///< input codes (int8); a narrow window models post-ReLU activations
  bool trained_w = false;         ///< weights shaped like a trained layer's (else uniform in [-127, 127])
};

/// A pointwise layer (stride 1, full-range int8 input) with trained-like weights on an hw x hw plane.
constexpr ConvShape trained_pw(const char* name, int64_t c, int64_t hw, int64_t cout) {
  return {name, c, hw, hw, cout, 1, 1, 1, -128, 127, true};
}

const ConvShape kShapes[] = {
    {"mbv2_pw_expand_56x56_24to144", 24, 56, 56, 144, 1, 1, 1},
    {"mbv2_pw_project_56x56_96to24", 96, 56, 56, 24, 1, 1, 1},
    {"mbv2_pw_project_56x56_144to24", 144, 56, 56, 24, 1, 1, 1},
    {"mbv2_pw_project_56x56_144to24_relu_in", 144, 56, 56, 24, 1, 1, 1, -128, -1},
    {"mbv2_pw_expand_112x112_16to96", 16, 112, 112, 96, 1, 1, 1},
    {"first_3x3s2_224to112_3to32", 3, 224, 224, 32, 3, 2, 1},
    {"mbv2_pw_project_14x14_384to64", 384, 14, 14, 64, 1, 1, 1},
    {"mbv2_pw_expand_14x14_96to576", 96, 14, 14, 576, 1, 1, 1, -128, -1},
    {"mbv2_pw_project_7x7_960to160_relu_in", 960, 7, 7, 160, 1, 1, 1, -128, -1},
    {"mbv2_pw_7x7_960to320_relu_in", 960, 7, 7, 320, 1, 1, 1, -128, -1},
    {"mbv2_pw_7x7_320to1280", 320, 7, 7, 1280, 1, 1, 1},
    {"mbv2_pw_expand_112x112_16to96_relu_in", 16, 112, 112, 96, 1, 1, 1, -128, -1},
    {"r50_pw_28x28_128to512", 128, 28, 28, 512, 1, 1, 1},
    {"r18_3x3_56x56_64to64", 64, 56, 56, 64, 3, 1, 1},
    {"r18_3x3_14x14_256to256", 256, 14, 14, 256, 3, 1, 1},
    {"r18_3x3_56x56_64to64_relu_in", 64, 56, 56, 64, 3, 1, 1, -128, -1},  // 7-bit direct path before Winograd
    {"r18_3x3s2_56to28_64to128", 64, 56, 56, 128, 3, 2, 1},
    {"mbv2_pw_expand_28x28_32to192", 32, 28, 28, 192, 1, 1, 1},
    {"mbv2_pw_expand_14x14_64to384", 64, 14, 14, 384, 1, 1, 1},
    {"mbv2_pw_expand_7x7_160to960", 160, 7, 7, 960, 1, 1, 1},
    {"r18_3x3_7x7_512to512", 512, 7, 7, 512, 3, 1, 1},
    {"r18_3x3_7x7_512to512_relu_in", 512, 7, 7, 512, 3, 1, 1, -128, -1},
    {"r18_3x3_14x14_256to256_relu_in", 256, 14, 14, 256, 3, 1, 1, -128, -1},
    {"r18_3x3_28x28_128to128_relu_in", 128, 28, 28, 128, 3, 1, 1, -128, -1},
    {"sq_fire_3x3_55x55_16to64_relu_in", 16, 55, 55, 64, 3, 1, 1, -128, -1},
    {"sq_fire_3x3_27x27_32to128_relu_in", 32, 27, 27, 128, 3, 1, 1, -128, -1},
    {"sq_fire_3x3_13x13_48to192_relu_in", 48, 13, 13, 192, 3, 1, 1, -128, -1},
    {"sq_fire_3x3_13x13_64to256_relu_in", 64, 13, 13, 256, 3, 1, 1, -128, -1},
    {"r50_pw_7x7_2048to512", 2048, 7, 7, 512, 1, 1, 1},
    {"r50_pw_s2_14to7_1024to2048", 1024, 14, 14, 2048, 1, 2, 1},
    {"r50_first_7x7s2_224to112_3to64", 3, 224, 224, 64, 7, 2, 1},
    {"mbv2_dw3x3_56x56_144", 144, 56, 56, 144, 3, 1, 144},
    {"mbv2_dw3x3s2_112to56_96", 96, 112, 112, 96, 3, 2, 96},
    {"mbv2_dw3x3_14x14_576", 576, 14, 14, 576, 3, 1, 576},
    {"effb0_pw_7x7_1152to192", 1152, 7, 7, 192, 1, 1, 1},
    {"effb0_pw_7x7_192to1152", 192, 7, 7, 1152, 1, 1, 1},
    {"effb0_pw_14x14_672to112", 672, 14, 14, 112, 1, 1, 1},
    {"effb0_pw_14x14_112to672", 112, 14, 14, 672, 1, 1, 1},
    // Trained-like weights (normal, each output channel scaled to max |w| = 127, as per-channel PTQ makes them):
    // few weight pairs can saturate vpmaddubsw, so these layers run the split 7-bit form (PackedConv::split7()).
    trained_pw("effb0_pw_7x7_1152to192_tw", 1152, 7, 192),
    trained_pw("effb0_pw_7x7_192to1152_tw", 192, 7, 1152),
    trained_pw("effb0_pw_14x14_672to112_tw", 672, 14, 112),
    trained_pw("effb0_pw_14x14_112to672_tw", 112, 14, 672),
    trained_pw("mbv2_pw_expand_56x56_24to144_tw", 24, 56, 144),
    trained_pw("mbv2_pw_project_56x56_144to24_tw", 144, 56, 24),
    trained_pw("mbv2_pw_7x7_320to1280_tw", 320, 7, 1280),
    trained_pw("r50_pw_28x28_128to512_tw", 128, 28, 512),
    trained_pw("r50_pw_7x7_2048to512_tw", 2048, 7, 512),
    trained_pw("mbv2_pw_expand_112x112_16to96_tw", 16, 112, 96),
    trained_pw("mbv2_pw_expand_28x28_32to192_tw", 32, 28, 192),
    trained_pw("mbv2_pw_expand_14x14_64to384_tw", 64, 14, 384),
    trained_pw("r50_pw_56x56_64to256_tw", 64, 56, 256),
    trained_pw("r50_pw_14x14_1024to256_tw", 1024, 14, 256),
    trained_pw("r50_pw_14x14_256to1024_tw", 256, 14, 1024),
    trained_pw("r50_pw_56x56_256to64_tw", 256, 56, 64),
    trained_pw("r50_pw_28x28_512to128_tw", 512, 28, 128),
};

/// Weights shaped like a trained layer's after per-channel quantization: normally distributed, each output channel
/// scaled so that its largest |w| is 127 (the share of weight pairs that could saturate vpmaddubsw then matches the
/// shared models' layers of the same K: 2-6 % of the pairs from K = 1152 down to K = 96).
Tensor trained_weights(Shape s, uint32_t seed) {
  Tensor t(DType::kI8, s);
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const int64_t per = t.numel() / s[0];
  std::vector<double> v(static_cast<size_t>(per));
  for (int64_t o = 0; o < s[0]; ++o) {
    double mx = 0;
    for (double& x : v) {
      x = gauss(rng);
      mx = std::max(mx, std::abs(x));
    }
    for (int64_t i = 0; i < per; ++i)
      t.data<int8_t>()[o * per + i] = static_cast<int8_t>(std::lround(v[static_cast<size_t>(i)] / mx * 127.0));
  }
  return t;
}

Tensor random_i8(Shape s, uint32_t seed, int lo, int hi) {
  Tensor t(DType::kI8, std::move(s));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int8_t>()[i] = static_cast<int8_t>(d(rng));
  return t;
}

void bench_conv(benchmark::State& state, ConvShape s, q8::Isa isa, int threads) {
  const Tensor x = random_i8({1, s.c, s.h, s.w}, 1, s.in_lo, s.in_hi);
  const Shape ws{s.cout, s.c / s.group, s.k, s.k};
  const Tensor w = s.trained_w ? trained_weights(ws, 2) : random_i8(ws, 2, -127, 127);
  Tensor b(DType::kI32, {s.cout});
  qref::QConv2dParams p;
  p.group = s.group;
  p.stride_h = p.stride_w = s.stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = s.k / 2;
  p.input_zero_point = -3;
  p.out_mult.assign(static_cast<size_t>(s.cout), quant::quantize_multiplier(0.0007));
  p.out_range.qmin = 0;  // fused ReLU
  auto pc = q8::PackedConv::create(w, &b, p, isa);
  if (!pc.ok()) {
    state.SkipWithError(pc.status().to_string().c_str());
    return;
  }
  q8::Parallel par(threads);
  Tensor y;
  for (auto _ : state) {
    if (g_cold) {
      state.PauseTiming();
      evict_caches();
      state.ResumeTiming();
    }
    const Status st = q8::conv2d(*pc, x, &y, nullptr, &par);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(y.raw());
  }
  const double macs = static_cast<double>(y.numel()) * static_cast<double>(s.c / s.group * s.k * s.k);
  state.counters["GMAC/s"] = benchmark::Counter(macs / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  if (pc->split7()) state.SetLabel("split7, fixes " + std::to_string(pc->fix_ratio()));
}

void bench_gemm(benchmark::State& state, q8::Isa isa, int threads, int64_t m, DType out) {
  const int64_t k = 1280, n = 1000;  // MobileNetV2 classifier
  const Tensor a = random_i8({m, k}, 3, -128, 127);
  const Tensor w = random_i8({n, k}, 4, -127, 127);
  qref::QGemmParams p;
  p.output_dtype = out;
  p.out_range = qref::dtype_range(out);
  if (out != DType::kI32) p.out_mult = {quant::quantize_multiplier(0.0005)};
  auto pg = q8::PackedGemm::create(w, nullptr, p, isa);
  if (!pg.ok()) {
    state.SkipWithError(pg.status().to_string().c_str());
    return;
  }
  q8::Parallel par(threads);
  Tensor y;
  for (auto _ : state) {
    const Status st = q8::gemm(*pg, a, &y, &par);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(y.raw());
  }
  state.counters["GMAC/s"] =
      benchmark::Counter(static_cast<double>(m * k * n) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--cold")
      g_cold = true;
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  for (q8::Isa isa : q8::available_isas()) {
    for (int threads : {1, 2}) {
      const std::string suffix = std::string("/") + q8::isa_name(isa) + "/threads:" + std::to_string(threads);
      for (const ConvShape& s : kShapes)
        benchmark::RegisterBenchmark((std::string("conv/") + s.name + suffix).c_str(), bench_conv, s, isa, threads)
            ->Unit(benchmark::kMicrosecond)
            ->MeasureProcessCPUTime();
      benchmark::RegisterBenchmark(("gemm/fc_64x1280x1000" + suffix).c_str(), bench_gemm, isa, threads, 64, DType::kI8)
          ->Unit(benchmark::kMicrosecond)
          ->MeasureProcessCPUTime();
      benchmark::RegisterBenchmark(("gemm/fc_1x1280x1000_i32" + suffix).c_str(), bench_gemm, isa, threads, 1,
                                   DType::kI32)
          ->Unit(benchmark::kMicrosecond)
          ->MeasureProcessCPUTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
