// SPDX-License-Identifier: Apache-2.0
// e2e tier: `npukit compile` (pipeline::run_compile) on the trained shared models, every calibration type,
// accuracy of the quantized model measured on held-out data — the numbers bench/RESULTS.md records.
//   squeezenet1.1: calibrated on the first 20 photos of ../shared/images (sorted), evaluated on the other 4:
//                  cosine of the quantized vs float softmax output; bar: mean >= 0.99 for `default`.
//   mnist-8:       calibrated on MNIST test digits 0..99, evaluated on 100..9999: top-1; bar >= 98.7 %.
//   PP-OCRv4 det:  calibrated on the first 20 photos at 320x320, evaluated on the other 4: cosine of the
//                  LOGIT map (inverse sigmoid of the probability map: the photos hold no text, every
//                  probability is ~1e-5, see ImageModelCase::compare_logits); bar >= 0.98 for `default`.
// The float reference is the optimized float model (same preprocessing nodes, same input values), so the
// comparison isolates quantization.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "config/compile_config.h"
#include "core/file_util.h"
#include "core/progress.h"
#include "interp/interpreter.h"
#include "io/npy.h"
#include "pipeline/compile.h"
#include "pipeline/load.h"
#include "quant/cal_data.h"
#include "util/mnist.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("npukit_e2e_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data<float>()[i], y = b.data<float>()[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

int64_t argmax(const Tensor& t) {
  const float* p = t.data<float>();
  return std::max_element(p, p + t.numel()) - p;
}

std::vector<std::string> shared_images() {
  std::vector<std::string> files;
  const fs::path dir = fs::path(NPUKIT_SHARED_DIR) / "images";
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

/// Compiles from YAML text in `dir` and returns the result (fails the test on error).
Expected<pipeline::CompileResult> compile(const fs::path& dir, const std::string& yaml) {
  NPUKIT_RETURN_IF_ERROR(atomic_write_file((dir / "cfg.yaml").string(), yaml));
  NPUKIT_ASSIGN_OR_RETURN(config::CompileConfig c, config::load_compile_config((dir / "cfg.yaml").string()));
  pipeline::CompileRunOptions o;
  o.print_similarity = false;
  return pipeline::run_compile(c, o);
}

/// An image as the calibration loader reads it, rounded to integer pixel values (what a camera buffer holds).
Tensor image_input(const std::string& path, quant::CalImageFormat fmt, Shape nchw) {
  quant::CalInputSpec spec;
  spec.name = "image";
  spec.shape = nchw;
  spec.format = fmt;
  spec.layout = quant::CalLayout::kNCHW;
  Tensor t = quant::load_calibration_file(path, spec).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::nearbyint(t.data<float>()[i]);
  return t;
}

/// NCHW f32 pixel values -> NHWC uint8 (the runtime image format of the quantized model).
Tensor to_nhwc_u8(const Tensor& t) {
  const Shape& s = t.shape();
  Tensor out(DType::kU8, {s[0], s[2], s[3], s[1]});
  for (int64_t c = 0; c < s[1]; ++c)
    for (int64_t y = 0; y < s[2]; ++y)
      for (int64_t x = 0; x < s[3]; ++x)
        out.data<uint8_t>()[(y * s[3] + x) * s[1] + c] =
            static_cast<uint8_t>(t.data<float>()[(c * s[2] + y) * s[3] + x]);
  return out;
}

/// Inverse sigmoid of a probability map (p clamped to [1e-30, 1 - 2^-24] so f32 logits stay finite).
Tensor logits_of(const Tensor& p) {
  Tensor l(DType::kF32, p.shape());
  for (int64_t i = 0; i < p.numel(); ++i) {
    const double v = std::clamp<double>(p.data<float>()[i], 1e-30, 1.0 - 5.96e-8);
    l.data<float>()[i] = static_cast<float>(std::log(v) - std::log1p(-v));
  }
  return l;
}

struct ImageModelCase {
  std::string tag, model, train_type, extra_input, input_shape;
  Shape shape;
  quant::CalImageFormat fmt;
  /// Compare logits (inverse sigmoid of the output) instead of the output: for a detector's probability map
  /// on photos without text every pixel is ~1e-5, where the cosine of probabilities only measures noise in
  /// exp(-large); the logit map is what the model computed and what the threshold in post-processing reads.
  bool compare_logits = false;
};

/// Calibrates on the first 20 photos, evaluates the other 4; returns the mean output cosine per type.
void run_image_model(const ImageModelCase& m, const std::vector<std::string>& types, double bar) {
  const std::vector<std::string> images = shared_images();
  if (images.size() < 24) GTEST_SKIP() << "../shared/images absent or incomplete: skipping";
  TempDir tmp(m.tag);
  fs::create_directories(tmp.path / "cal");
  for (size_t i = 0; i < 20; ++i) fs::create_symlink(images[i], tmp.path / "cal" / fs::path(images[i]).filename());
  Progress::set_globally_enabled(false);
  for (const std::string& type : types) {
    const std::string yaml = "model_parameters:\n  onnx_model: '" + m.model +
                             "'\n  march: nash-e\n  working_dir: out\n" +
                             "input_parameters:\n  input_type_train: " + m.train_type +
                             "\n  input_type_rt: " + m.train_type + "\n  input_layout_train: NCHW\n" + m.extra_input +
                             (m.input_shape.empty() ? "" : "  input_shape: " + m.input_shape + "\n") +
                             "calibration_parameters:\n  cal_data_dir: cal\n  calibration_type: " + type +
                             "\ncompiler_parameters:\n  optimize_level: O2\n";
    auto r = compile(tmp.path, yaml);
    ASSERT_TRUE(r.ok()) << type << ": " << r.status().to_string();
    auto fm = pipeline::load_model(r->files.optimized_model);
    auto qm = pipeline::load_model(r->files.quantized_model);
    ASSERT_TRUE(fm.ok() && qm.ok());
    double sum = 0, worst = 1;
    int agree = 0;
    for (size_t i = 20; i < 24; ++i) {
      Tensor x = image_input(images[i], m.fmt, m.shape);
      interp::RunOptions ro;
      ro.use_fast_kernels = true;
      auto yf = interp::Interpreter(fm->graph).run(std::vector<Tensor>{x}, ro);
      auto yq = interp::Interpreter(qm->graph).run(std::vector<Tensor>{to_nhwc_u8(x)}, ro);
      ASSERT_TRUE(yf.ok() && yq.ok()) << (yf.ok() ? yq.status().to_string() : yf.status().to_string());
      const double c = m.compare_logits ? cosine(logits_of((*yf)[0]), logits_of((*yq)[0])) : cosine((*yf)[0], (*yq)[0]);
      sum += c;
      worst = std::min(worst, c);
      agree += argmax((*yf)[0]) == argmax((*yq)[0]);
    }
    const double mean = sum / 4;
    std::cout << m.tag << " calibration_type " << type << " (" << r->calibration << "): held-out output cosine mean "
              << mean << ", min " << worst << ", top-1 agreement " << agree << "/4, compile " << r->seconds << " s\n";
    if (type == "default") {
      EXPECT_GE(mean, bar) << m.tag;
    }
  }
}

TEST(CompileModelsE2E, SqueezeNetAllCalibrationTypes) {
  NPUKIT_REQUIRE_SHARED(dir, "squeezenet1.1");
  run_image_model(
      {"squeezenet1.1",
       dir + "/model.onnx",
       "bgr",
       "  norm_type: data_mean\n  mean_value: 104 117 123\n",
       "",
       {1, 3, 224, 224},
       quant::CalImageFormat::kBgr},
      {"default", "max", "kl", "mix", "max\n  max_percentile: 0.99995", "max\n  optimization: bias_correction"}, 0.99);
}

TEST(CompileModelsE2E, PpOcrDetDefault) {
  NPUKIT_REQUIRE_SHARED(dir, "ppocr-v4");
  run_image_model({"ppocr-v4-det",
                   dir + "/det.onnx",
                   "rgb",
                   "  norm_type: data_mean_and_scale\n  mean_value: 123.675 116.28 103.53\n"
                   "  scale_value: 0.0171247538 0.0175070028 0.0174291939\n",
                   "1x3x320x320",
                   {1, 3, 320, 320},
                   quant::CalImageFormat::kRgb,
                   /*compare_logits=*/true},
                  {"default", "max"}, 0.98);
}

TEST(CompileModelsE2E, Mnist8AllCalibrationTypes) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  auto mnist = testing::load_mnist_test_set(dir);
  ASSERT_TRUE(mnist.ok()) << mnist.status().to_string();
  TempDir tmp("mnist");
  fs::create_directories(tmp.path / "cal");
  for (uint32_t k = 0; k < 100; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "d%04u.npy", k);
    ASSERT_TRUE(io::save_npy((tmp.path / "cal" / name).string(), mnist->digit(k)).ok());
  }
  Progress::set_globally_enabled(false);
  for (const std::string type : {"default", "max", "kl", "mix"}) {
    const std::string yaml = "model_parameters:\n  onnx_model: '" + dir +
                             "/model.onnx'\n  march: nash-e\n  working_dir: out\n"
                             "input_parameters:\n  input_type_train: featuremap\n  input_type_rt: featuremap\n"
                             "  input_layout_train: NCHW\n"
                             "calibration_parameters:\n  cal_data_dir: cal\n  calibration_type: " +
                             type + "\ncompiler_parameters:\n  optimize_level: O2\n";
    auto r = compile(tmp.path, yaml);
    ASSERT_TRUE(r.ok()) << type << ": " << r.status().to_string();
    auto qm = pipeline::load_model(r->files.quantized_model);
    ASSERT_TRUE(qm.ok());
    interp::Interpreter qi(qm->graph);
    int correct = 0;
    for (uint32_t k = 100; k < mnist->count; ++k) {
      auto y = qi.run(std::vector<Tensor>{mnist->digit(k)});
      ASSERT_TRUE(y.ok()) << y.status().to_string();
      correct += argmax((*y)[0]) == mnist->label(k);
    }
    const double acc = 100.0 * correct / (mnist->count - 100);
    std::cout << "mnist-8 calibration_type " << type << " (" << r->calibration << "): int8 top-1 on digits 100..9999 "
              << correct << "/" << (mnist->count - 100) << " = " << acc << "%\n";
    if (type == "default") {
      EXPECT_GE(acc, 98.7);
    }
  }
}

}  // namespace
}  // namespace npukit
