// SPDX-License-Identifier: Apache-2.0
// npukit_calib_bench: wall time and peak RSS of graph calibration (quant::calibrate_graph) on one model.
//
//   npukit_calib_bench --model resnet50.onnx [--inputs samples.f32] [--samples 100] [--method kl]
//                      [--threads 2] [--ref]
//
// --inputs is a raw little-endian f32 file of concatenated samples for the model's single input (as
// written by bench/torch_ptq_calib.py --write-inputs); without it, samples are drawn from N(0, 1) with
// quant::random_calibration_tensor. --ref runs the reference kernels instead of kernels/fast.
// Prints one JSON line: load_s (import + resolve), calib_s (calibrate_graph: all samples, observers,
// merge, thresholds), calib_cpu_s (CPU seconds of all threads during calib_s: on a shared, busy machine
// calib_cpu_s / cores estimates the idle-machine wall time), peak_rss_mb (getrusage maximum resident set of
// the whole process).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/log.h"
#include "interp/interpreter.h"
#include "kernels/fast/fast_kernels.h"
#include "pipeline/load.h"
#include "quant/calibrate_graph.h"

namespace {

using npukit::DType;
using npukit::Tensor;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// User + system CPU seconds of the whole process so far (all threads).
double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --model PATH [--inputs FILE.f32] [--samples N] [--method kl|max|mse|default|...] "
               "[--threads T] [--ref]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, inputs_path, method = "kl";
  int64_t samples = 100, threads = 0;
  bool use_ref = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") {
      model_path = next();
    } else if (a == "--inputs") {
      inputs_path = next();
    } else if (a == "--samples") {
      samples = std::atoll(next().c_str());
    } else if (a == "--method") {
      method = next();
    } else if (a == "--threads") {
      threads = std::atoll(next().c_str());
    } else if (a == "--ref") {
      use_ref = true;
    } else {
      return usage(argv[0]);
    }
  }
  if (model_path.empty() || samples <= 0) return usage(argv[0]);
  npukit::log::set_console_level(npukit::log::Level::kWarn);

  const double t0 = now_s();
  auto model = npukit::pipeline::load_model(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "load: %s\n", model.status().to_string().c_str());
    return 1;
  }
  const double t_load = now_s() - t0;
  npukit::interp::Interpreter interp(model->graph);
  const auto inputs = interp.runtime_inputs();
  if (inputs.size() != 1 || inputs[0]->dtype() != DType::kF32) {
    std::fprintf(stderr, "the benchmark expects one f32 model input\n");
    return 1;
  }
  const npukit::Shape shape = inputs[0]->shape();

  std::vector<std::vector<Tensor>> data;
  if (!inputs_path.empty()) {
    std::ifstream f(inputs_path, std::ios::binary);
    for (int64_t k = 0; k < samples; ++k) {
      Tensor t(DType::kF32, shape);
      if (!f.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()))) {
        std::fprintf(stderr, "%s holds fewer than %lld samples of %s\n", inputs_path.c_str(),
                     static_cast<long long>(samples), npukit::shape_str(shape).c_str());
        return 1;
      }
      data.push_back({std::move(t)});
    }
  } else {
    for (int64_t k = 0; k < samples; ++k) {
      auto t = npukit::quant::random_calibration_tensor(DType::kF32, shape, 1000 + static_cast<uint64_t>(k),
                                                        {npukit::quant::RandomDist::kNormal, 0.0, 1.0});
      if (!t.ok()) return 1;
      data.push_back({std::move(*t)});
    }
  }

  npukit::quant::CalibOptions opt;
  auto spec = npukit::quant::parse_method(method);
  if (!spec.ok()) {
    std::fprintf(stderr, "%s\n", spec.status().to_string().c_str());
    return 2;
  }
  opt.method = *spec;
  opt.threads = threads;
  opt.use_fast_kernels = !use_ref;
  opt.progress_every = 0;
  const double t1 = now_s();
  const double c1 = cpu_s();
  auto table = npukit::quant::calibrate_graph(model->graph, data, opt);
  const double t_calib = now_s() - t1;
  const double c_calib = cpu_s() - c1;
  if (!table.ok()) {
    std::fprintf(stderr, "calibrate: %s\n", table.status().to_string().c_str());
    return 1;
  }
  std::printf(
      "{\"tool\":\"npukit\",\"model\":\"%s\",\"samples\":%lld,\"method\":\"%s\",\"threads\":%lld,\"kernels\":\"%s\","
      "\"gemm\":\"%s\",\"tensors\":%zu,\"load_s\":%.3f,\"calib_s\":%.3f,\"calib_cpu_s\":%.3f,\"peak_rss_mb\":%.1f}\n",
      model_path.c_str(), static_cast<long long>(samples), method.c_str(), static_cast<long long>(threads),
      use_ref ? "ref" : "fast", npukit::fast::gemm_backend().c_str(), table->tensors.size(), t_load, t_calib, c_calib,
      peak_rss_mb());
  return 0;
}
