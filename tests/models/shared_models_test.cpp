// SPDX-License-Identifier: Apache-2.0
// Every model in ../shared/models imports, resolves with its documented input shape and runs with
// the float reference interpreter; where real data exists the outputs are checked for behaviour
// (a face found in a portrait, speech detected in speech and not in noise).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "frontend/onnx_import.h"
#include "io/image.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

using testing::load_resolved;
using testing::run_reference;

std::string shared_file(const std::string& rel) {
  std::string p = std::string(NPUKIT_SHARED_DIR) + "/" + rel;
  return std::filesystem::exists(p) ? p : "";
}

TEST(SharedModels, EveryModelImports) {
  NPUKIT_REQUIRE_SHARED(root, "");
  int count = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".onnx") continue;
    auto m = frontend::load_onnx(e.path().string());
    EXPECT_TRUE(m.ok()) << e.path() << ": " << m.status().to_string();
    ++count;
  }
  EXPECT_GE(count, 9);
}

TEST(SharedModels, UltraFaceFindsTheFaceInAPortrait) {
  NPUKIT_REQUIRE_SHARED(path, "ultraface-rfb-320/model.onnx");
  std::string photo = shared_file("images/astronaut.png");  // head-and-shoulders portrait
  if (photo.empty()) GTEST_SKIP() << "shared images absent";
  io::ImagePreprocess pp;  // RGB, (x - 127) / 128, 320x240 (shared/README.md)
  pp.height = 240;
  pp.width = 320;
  pp.mean = {127.f};
  pp.scale = {1.f / 128.f};
  auto x = io::load_image(photo, pp);
  ASSERT_TRUE(x.ok()) << x.status().to_string();
  auto model = load_resolved(path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  auto out = run_reference(*model, {*x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& scores = (*out)[0];
  const Tensor& boxes = (*out)[1];
  ASSERT_EQ(scores.shape(), (Shape{1, 4420, 2}));
  ASSERT_EQ(boxes.shape(), (Shape{1, 4420, 4}));
  int best = 0;
  for (int i = 0; i < 4420; ++i) {
    const float* s = scores.data<float>() + 2 * i;
    EXPECT_NEAR(s[0] + s[1], 1.f, 1e-4f);  // softmax over {background, face}
    if (s[1] > scores.data<float>()[2 * best + 1]) best = i;
  }
  float face = scores.data<float>()[2 * best + 1];
  const float* b = boxes.data<float>() + 4 * best;  // normalised x1, y1, x2, y2
  std::cout << "ultraface: best face score " << face << " box " << b[0] << "," << b[1] << "," << b[2] << "," << b[3]
            << "\n";
  EXPECT_GT(face, 0.9f);
  // The astronaut's face sits in the upper middle of the picture.
  float cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
  EXPECT_GT(cx, 0.25f);
  EXPECT_LT(cx, 0.75f);
  EXPECT_LT(cy, 0.6f);
  EXPECT_GT(b[2] - b[0], 0.05f);
}

TEST(SharedModels, PaddleOcrModelsRunWithConstantNodeWeights) {
  NPUKIT_REQUIRE_SHARED(dir, "ppocr-v4");
  struct Case {
    const char* file;
    Shape shape;
  };
  for (const Case& c :
       {Case{"cls.onnx", {1, 3, 48, 192}}, Case{"rec.onnx", {1, 3, 48, 160}}, Case{"det.onnx", {1, 3, 96, 128}}}) {
    SCOPED_TRACE(c.file);
    auto model = load_resolved(dir + "/" + c.file, {{"x", c.shape}});
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    Tensor x(DType::kF32, c.shape);
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>((i * 7919) % 255) / 255.f - 0.5f;
    auto out = run_reference(*model, {x});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    const Tensor& y = (*out)[0];
    if (std::string(c.file) == "det.onnx") {
      ASSERT_EQ(y.shape(), (Shape{1, 1, 96, 128}));
      for (int64_t i = 0; i < y.numel(); ++i) ASSERT_TRUE(y.data<float>()[i] >= 0 && y.data<float>()[i] <= 1);
    } else {
      // Softmax rows over the last dim sum to one.
      int64_t classes = y.shape().back();
      EXPECT_EQ(classes, std::string(c.file) == "cls.onnx" ? 2 : 6625);
      for (int64_t r = 0; r < y.numel() / classes; ++r) {
        double s = 0;
        for (int64_t k = 0; k < classes; ++k) s += y.data<float>()[r * classes + k];
        EXPECT_NEAR(s, 1.0, 1e-4);
      }
    }
  }
}

// 16-bit PCM mono WAV → float samples in [-1, 1] and the sample rate.
bool read_wav(const std::string& path, std::vector<float>& samples, int& rate) {
  std::ifstream f(path, std::ios::binary);
  std::string d((std::istreambuf_iterator<char>(f)), {});
  if (d.size() < 44 || d.compare(0, 4, "RIFF") || d.compare(8, 4, "WAVE")) return false;
  size_t off = 12;
  int channels = 0, bits = 0;
  while (off + 8 <= d.size()) {
    uint32_t len;
    std::memcpy(&len, &d[off + 4], 4);
    if (!d.compare(off, 4, "fmt ")) {
      uint16_t ch, bps;
      std::memcpy(&ch, &d[off + 10], 2);
      std::memcpy(&rate, &d[off + 12], 4);
      std::memcpy(&bps, &d[off + 22], 2);
      channels = ch;
      bits = bps;
    } else if (!d.compare(off, 4, "data")) {
      if (channels != 1 || bits != 16) return false;
      size_t n = std::min<size_t>(len, d.size() - off - 8) / 2;
      samples.resize(n);
      for (size_t i = 0; i < n; ++i) {
        int16_t v;
        std::memcpy(&v, &d[off + 8 + 2 * i], 2);
        samples[i] = v / 32768.f;
      }
      return true;
    }
    off += 8 + len + (len & 1);
  }
  return false;
}

// Runs Silero VAD v4 over a clip (48 kHz → 16 kHz by 3-sample averaging) and returns the highest
// per-window speech probability.
float max_speech_prob(const ir::Model& model, const std::string& wav) {
  std::vector<float> s48;
  int rate = 0;
  EXPECT_TRUE(read_wav(wav, s48, rate)) << wav;
  EXPECT_EQ(rate, 48000);
  std::vector<float> s16(s48.size() / 3);
  for (size_t i = 0; i < s16.size(); ++i) s16[i] = (s48[3 * i] + s48[3 * i + 1] + s48[3 * i + 2]) / 3.f;
  Tensor h(DType::kF32, {2, 1, 64}), c(DType::kF32, {2, 1, 64});
  Tensor sr = Tensor::scalar<int64_t>(16000);
  float best = 0;
  for (size_t off = 0; off + 512 <= s16.size(); off += 512) {
    Tensor x(DType::kF32, {1, 512});
    std::memcpy(x.data<float>(), s16.data() + off, 512 * sizeof(float));
    auto out = run_reference(model, {x, sr, h, c});
    EXPECT_TRUE(out.ok()) << out.status().to_string();
    if (!out.ok()) return -1;
    best = std::max(best, (*out)[0].data<float>()[0]);
    h = (*out)[1];
    c = (*out)[2];
  }
  return best;
}

TEST(SharedModels, SileroVadV4DetectsSpeechNotNoise) {
  NPUKIT_REQUIRE_SHARED(path, "silero-vad/v4_lstm.onnx");
  std::string speech = shared_file("audio/Front_Center.wav"), noise = shared_file("audio/Noise.wav");
  if (speech.empty() || noise.empty()) GTEST_SKIP() << "shared audio absent";
  // sr stays a runtime input: the model's If on (sr == 16000) is executed by the interpreter.
  auto model = load_resolved(path, {{"input", {1, 512}}, {"h", {2, 1, 64}}, {"c", {2, 1, 64}}});
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  float p_speech = max_speech_prob(*model, speech);
  float p_noise = max_speech_prob(*model, noise);
  std::cout << "silero v4: max speech probability " << p_speech << " on speech, " << p_noise << " on noise\n";
  EXPECT_GT(p_speech, 0.8f);
  EXPECT_LT(p_noise, 0.5f);
}

TEST(SharedModels, SileroVadV5UnrolledRuns) {
  NPUKIT_REQUIRE_SHARED(path, "silero-vad/v5_op18_unrolled.onnx");
  auto model = load_resolved(path, {{"input", {1, 576}}, {"state", {2, 1, 128}}});
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  Tensor x(DType::kF32, {1, 576});
  for (int i = 0; i < 576; ++i) x.data<float>()[i] = 0.3f * std::sin(i * 0.07f);
  Tensor state(DType::kF32, {2, 1, 128});
  auto out = run_reference(*model, {x, Tensor::scalar<int64_t>(16000), state});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{1, 1}));
  float p = (*out)[0].data<float>()[0];
  EXPECT_TRUE(p >= 0 && p <= 1) << p;
  EXPECT_EQ((*out)[1].shape(), (Shape{2, 1, 128}));
}

}  // namespace
}  // namespace npukit

namespace npukit {
namespace {

// SqueezeNet 1.1 on real photos with its documented preprocessing (BGR, 0..255 minus the
// per-channel mean 104/117/123, shorter side 256, centre crop 224) names what they show.
TEST(SharedModels, SqueezeNetClassifiesRealPhotos) {
  NPUKIT_REQUIRE_SHARED(path, "squeezenet1.1/model.onnx");
  if (shared_file("images/goldfish.jpg").empty()) GTEST_SKIP() << "shared images absent";
  auto model = testing::load_resolved(path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  io::ImagePreprocess pp;
  pp.height = pp.width = 224;
  pp.resize_short = 256;
  pp.order = io::ChannelOrder::kBGR;
  pp.mean = {104.f, 117.f, 123.f};
  struct Case {
    const char* image;
    int64_t cls;  // ImageNet index (synset.txt line)
  };
  for (const Case& c : {Case{"goldfish.jpg", 1}, Case{"kitten_224.png", 281}, Case{"wolves.jpg", 270},
                        Case{"piano.jpg", 579}, Case{"coffee.png", 967}}) {
    auto x = io::load_image(shared_file(std::string("images/") + c.image), pp);
    ASSERT_TRUE(x.ok()) << x.status().to_string();
    auto out = testing::run_reference(*model, {*x});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    const Tensor& y = (*out)[0];
    ASSERT_EQ(y.numel(), 1000);
    const float* p = y.data<float>();
    int64_t top = std::max_element(p, p + 1000) - p;
    EXPECT_EQ(top, c.cls) << c.image;
    EXPECT_GT(p[top], 0.5f) << c.image;
  }
}

}  // namespace
}  // namespace npukit
