// SPDX-License-Identifier: Apache-2.0
// `npukit exec infer` feeding compiled models as hrt_model_exec does (tools/exec_inputs.h, docs/EXEC.md): images
// converted to the runtime format (split NV12 of a pyramid input, one NV12 tensor of a resizer input, rgb) with
// exact bytes, strided raw .bin inputs equal to dense ones, the pyramid stride alignment rule, ROI crop + resize
// of resizer inputs, --input_img_properties checks, --target cpu agreeing with --target ref, --profile files.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/file_util.h"
#include "frontend/onnx_export.h"
#include "io/npy.h"
#include "util/bmp.h"
#include "util/cli_fixture.h"
#include "util/graph_builder.h"
#include "util/random_tensor.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using testing::Rgb;
using testing::slurp;

constexpr int kH = 8, kW = 12;

/// x[1,3,8,12] -> conv 3x3 (4, pad 1) -> relu.
void write_model(const fs::path& path) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, kH, kW});
  Attrs pad1;
  pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* c =
      b.op(ir::OpKind::kConv, "conv",
           {x, b.constant("w", testing::randn({4, 3, 3, 3}, 7, 0.01f)), b.constant("b", testing::randn({4}, 8, 0.1f))},
           pad1);
  b.output(b.op(ir::OpKind::kRelu, "relu", {c}));
  ASSERT_TRUE(frontend::save_onnx(m, path.string()).ok());
}

uint8_t u8(double v) {
  return static_cast<uint8_t>(std::clamp(std::round(v), 0.0, 255.0));
}
std::array<double, 3> yuv(const Rgb& p, bool video = false) {
  const double y = 0.299 * p.r + 0.587 * p.g + 0.114 * p.b, u = -0.168736 * p.r - 0.331264 * p.g + 0.5 * p.b + 128.0,
               v = 0.5 * p.r - 0.418688 * p.g - 0.081312 * p.b + 128.0;
  if (!video) return {y, u, v};
  return {16 + y * 219 / 255, 128 + (u - 128) * 224 / 255, 128 + (v - 128) * 224 / 255};
}

/// A w x h picture whose 2x2 blocks are one colour each (so NV12 chroma is exact whatever the subsampling).
std::vector<Rgb> block_picture(int w, int h, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Rgb> px(static_cast<size_t>(w * h));
  for (int by = 0; by < h / 2; ++by)
    for (int bx = 0; bx < w / 2; ++bx) {
      const Rgb c{static_cast<uint8_t>(rng() % 256), static_cast<uint8_t>(rng() % 256),
                  static_cast<uint8_t>(rng() % 256)};
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) px[static_cast<size_t>((2 * by + dy) * w + 2 * bx + dx)] = c;
    }
  return px;
}

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw());
  return {p, p + t.nbytes()};
}

class ExecInputs : public testing::CliTest {
 protected:
  void SetUp() override {
    testing::CliTest::SetUp();
    write_model(dir_ / "net.onnx");
    fs::create_directories(dir_ / "cal");
    std::mt19937 rng(5);
    for (int k = 0; k < 3; ++k) {
      Tensor t(DType::kF32, {1, 3, kH, kW});
      for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(rng() % 256);
      ASSERT_TRUE(io::save_npy((dir_ / "cal" / str_cat("s", k, ".npy")).string(), t).ok());
    }
  }

  /// Compiles net.onnx with input_type_rt `rt` (train rgb) and input_source `source` into <tag>/model.npk.
  void compile(const std::string& tag, const std::string& rt, const std::string& source,
               const std::string& extra_input = "") {
    const std::string yaml = "model_parameters:\n  onnx_model: net.onnx\n  march: tiny\n  working_dir: " + tag +
                             "\ninput_parameters:\n  input_name: x\n  input_type_train: rgb\n  input_type_rt: " + rt +
                             "\n  input_layout_train: NCHW\n" + extra_input +
                             "calibration_parameters:\n  cal_data_dir: cal\n  calibration_type: max\n"
                             "compiler_parameters:\n  optimize_level: O2\n  input_source: {x: " +
                             source + "}\n";
    ASSERT_TRUE(atomic_write_file((dir_ / (tag + ".yaml")).string(), yaml).ok());
    auto r = npukit("compile --config " + tag + ".yaml --no-progress");
    ASSERT_EQ(r.rc, 0) << r.err;
    ASSERT_TRUE(fs::exists(dir_ / tag / "model.npk"));
  }

  void write_bmp(const std::string& name, int w, int h, const std::vector<Rgb>& px) {
    ASSERT_TRUE(atomic_write_file((dir_ / name).string(), testing::make_bmp(w, h, px)).ok());
  }
  void write_bin(const std::string& name, const std::vector<uint8_t>& b) {
    ASSERT_TRUE(atomic_write_file((dir_ / name).string(), std::string(b.begin(), b.end())).ok());
  }
  Tensor load(const std::string& rel) {
    auto t = io::load_npy((dir_ / rel).string());
    EXPECT_TRUE(t.ok()) << rel << ": " << (t.ok() ? "" : t.status().to_string());
    return t.ok() ? *t : Tensor();
  }
  /// The output folders `a` and `b` hold the same files with the same bytes (at least one).
  void expect_same_outputs(const std::string& a, const std::string& b) {
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir_ / a)) {
      ++files;
      EXPECT_EQ(slurp(e.path()), slurp(dir_ / b / e.path().filename())) << e.path() << " vs " << b;
    }
    EXPECT_GE(files, 1) << a;
    EXPECT_EQ(files, std::distance(fs::directory_iterator(dir_ / b), fs::directory_iterator())) << a << " vs " << b;
  }
  /// Runs infer and expects success.
  void infer(const std::string& args) {
    auto r = npukit("exec infer " + args);
    ASSERT_EQ(r.rc, 0) << args << "\n" << r.err;
  }
  /// Runs infer and expects failure with `needle` in stderr.
  void infer_fails(const std::string& args, const std::string& needle) {
    auto r = npukit("exec infer " + args);
    EXPECT_EQ(r.rc, 1) << args << "\n" << r.out;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  }
};

TEST_F(ExecInputs, PyramidNv12ImageStridesPropertiesAndCpuMatchesRef) {
  compile("pyr", "nv12", "pyramid");
  const auto px = block_picture(kW, kH, 11);
  write_bmp("img.bmp", kW, kH, px);
  // One image feeds both planes; the bytes are BT.601 full-range NV12 of the picture.
  infer("--model_file pyr/model.npk --target ref --input_file img.bmp --dump_inputs in1 --output_dir ref1");
  const Tensor y = load("in1/x_y.npy"), uv = load("in1/x_uv.npy");
  ASSERT_EQ(y.shape(), (Shape{1, kH, kW, 1}));
  ASSERT_EQ(uv.shape(), (Shape{1, kH / 2, kW / 2, 2}));
  std::vector<uint8_t> want_y, want_uv;
  for (const Rgb& p : px) want_y.push_back(u8(yuv(p)[0]));
  for (int by = 0; by < kH / 2; ++by)
    for (int bx = 0; bx < kW / 2; ++bx) {
      const auto c = yuv(px[static_cast<size_t>(2 * by * kW + 2 * bx)]);
      want_uv.push_back(u8(c[1]));
      want_uv.push_back(u8(c[2]));
    }
  EXPECT_EQ(bytes_of(y), want_y);
  EXPECT_EQ(bytes_of(uv), want_uv);
  // The same image named twice with hrt_model_exec's Y,UV properties gives the same tensors and outputs.
  infer(
      "--model_file pyr/model.npk --target ref --input_file img.bmp,img.bmp --input_img_properties Y,UV "
      "--dump_inputs in2 --output_dir ref2");
  EXPECT_EQ(slurp(dir_ / "in2/x_y.npy"), slurp(dir_ / "in1/x_y.npy"));
  EXPECT_EQ(slurp(dir_ / "in2/x_uv.npy"), slurp(dir_ / "in1/x_uv.npy"));
  expect_same_outputs("ref2", "ref1");
  // Properties that do not match the model's planes are errors naming the input.
  infer_fails("--model_file pyr/model.npk --input_file img.bmp,img.bmp --input_img_properties UV,Y --output_dir o",
              "input 'x_y'");
  infer_fails("--model_file pyr/model.npk --input_file img.bmp,img.bmp --input_img_properties Y,Q --output_dir o",
              "is not Y or UV");

  // Dense .bin planes, and the same planes with rows padded to 32 bytes (hrt_model_exec's example layout).
  write_bin("y.bin", want_y);
  write_bin("uv.bin", want_uv);
  std::vector<uint8_t> ys(static_cast<size_t>(32 * kH), 0xAB), uvs(static_cast<size_t>(32 * kH / 2), 0xCD);
  for (int r = 0; r < kH; ++r) std::copy_n(want_y.begin() + r * kW, kW, ys.begin() + r * 32);
  for (int r = 0; r < kH / 2; ++r) std::copy_n(want_uv.begin() + r * kW, kW, uvs.begin() + r * 32);
  write_bin("ys.bin", ys);
  write_bin("uvs.bin", uvs);
  infer("--model_file pyr/model.npk --target ref --input_file y.bin,uv.bin --output_dir dense --dump_inputs ind");
  infer(
      "--model_file pyr/model.npk --target ref --input_file ys.bin,uvs.bin --input_stride '256,32,1,1;128,32,2,1' "
      "--output_dir strided --dump_inputs ins");
  EXPECT_EQ(slurp(dir_ / "ins/x_y.npy"), slurp(dir_ / "in1/x_y.npy"));
  EXPECT_EQ(slurp(dir_ / "ins/x_uv.npy"), slurp(dir_ / "in1/x_uv.npy"));
  expect_same_outputs("strided", "dense");
  expect_same_outputs("dense", "ref1");
  // -1 lets the tool compute the aligned stride (ALIGN_32 of the row for the W stride).
  infer(
      "--model_file pyr/model.npk --target ref --input_file ys.bin,uvs.bin --input_stride='-1,-1,1,1;-1,-1,-1,-1' "
      "--output_dir strided2");
  expect_same_outputs("strided2", "dense");
  // A pyramid row stride that is not a multiple of 32 is refused; so is a file of the wrong size.
  write_bin("y24.bin", std::vector<uint8_t>(static_cast<size_t>(24 * kH), 1));
  infer_fails(
      "--model_file pyr/model.npk --input_file y24.bin,uvs.bin --input_stride '192,24,1,1;128,32,2,1' --output_dir o",
      "aligned to 32");
  infer_fails("--model_file pyr/model.npk --input_file ys.bin,uv.bin --output_dir o",
              "'ys.bin' has 256 bytes, expected 96");
  infer_fails(
      "--model_file pyr/model.npk --input_file y.bin,uvs.bin --input_stride '256,32,1,1;128,32,2,1' --output_dir o",
      "'y.bin' has 96 bytes, expected 256");
  infer_fails("--model_file pyr/model.npk --input_file y.bin,uv.bin --input_stride '96,8,1,1' --output_dir o",
              "smaller than the dense extent");
  infer_fails("--model_file pyr/model.npk --input_file img.bmp,img.bmp,img.bmp --output_dir o", "runtime input(s)");

  // The int8 CPU runtime and the NPU simulator agree with the reference interpreter; --profile writes its files.
  infer("--model_file pyr/model.npk --target cpu --input_file img.bmp --output_dir cpu --profile --profile_dir prof");
  infer("--model_file pyr/model.npk --target sim --input_file img.bmp --output_dir sim");
  expect_same_outputs("cpu", "ref1");
  expect_same_outputs("sim", "ref1");
  const std::string csv = slurp(dir_ / "prof/profile.csv");
  EXPECT_EQ(csv.rfind("id,op_type", 0), 0u) << csv;
  EXPECT_GT(std::count(csv.begin(), csv.end(), '\n'), 1);
  auto mem = npukit(
      "exec infer --model_file pyr/model.npk --target cpu --input_file img.bmp --output_dir m "
      "--eval_memory");
  ASSERT_EQ(mem.rc, 0) << mem.err;
  EXPECT_NE(mem.out.find("Memory (int8 CPU runtime"), std::string::npos) << mem.out;
  infer_fails("--model_file pyr/model.npk --target ref --input_file img.bmp --output_dir o --profile", "--target cpu");
}

TEST_F(ExecInputs, ResizerRoiCropResizeAndRawFrames) {
  compile("rsz", "nv12", "resizer");
  const int fw = 20, fh = 16;
  const auto px = block_picture(fw, fh, 23);
  write_bmp("frame.bmp", fw, fh, px);
  // ROI 2 2 17 13 (16x12, inclusive) resized to 12x8 == the hand-cropped picture fed whole (default ROI).
  ASSERT_TRUE(atomic_write_file((dir_ / "roi.txt").string(), "# left top right bottom\n2 2 17 13\n").ok());
  std::vector<Rgb> cropped;
  for (int y = 2; y <= 13; ++y)
    for (int x = 2; x <= 17; ++x) cropped.push_back(px[static_cast<size_t>(y * fw + x)]);
  write_bmp("crop.bmp", 16, 12, cropped);
  infer("--model_file rsz/model.npk --target ref --input_file frame.bmp --roi roi.txt --dump_inputs a --output_dir ra");
  infer("--model_file rsz/model.npk --target ref --input_file crop.bmp --dump_inputs b --output_dir rb");
  const Tensor a = load("a/x.npy");
  EXPECT_EQ(a.shape(), (Shape{1, kH * 3 / 2, kW, 1}));
  EXPECT_EQ(slurp(dir_ / "a/x.npy"), slurp(dir_ / "b/x.npy"));
  expect_same_outputs("ra", "rb");
  infer("--model_file rsz/model.npk --target cpu --input_file frame.bmp --roi roi.txt --output_dir ca");
  expect_same_outputs("ca", "ra");
  // perf takes the same flags (and refuses them without --input_file).
  auto perf = npukit("exec perf --model_file rsz/model.npk --input_file frame.bmp --roi roi.txt --frame_count 3");
  EXPECT_EQ(perf.rc, 0) << perf.err;
  perf = npukit("exec perf --model_file rsz/model.npk --roi roi.txt --frame_count 3");
  EXPECT_NE(perf.rc, 0);
  EXPECT_NE(perf.err.find("give --input_file too"), std::string::npos) << perf.err;

  // A raw NV12 frame of --input_img_size: the ROI is cut from the Y and UV planes (here already the model's size).
  std::mt19937 rng(3);
  std::vector<uint8_t> frame(static_cast<size_t>(fw * fh * 3 / 2));
  for (uint8_t& v : frame) v = static_cast<uint8_t>(rng() % 256);
  write_bin("frame.bin", frame);
  ASSERT_TRUE(atomic_write_file((dir_ / "roi2.txt").string(), "4 6 15 13\n").ok());
  std::vector<uint8_t> want;
  for (int y = 6; y <= 13; ++y)
    for (int x = 4; x <= 15; ++x) want.push_back(frame[static_cast<size_t>(y * fw + x)]);
  for (int y = 3; y <= 6; ++y)
    for (int x = 4; x <= 15; ++x) want.push_back(frame[static_cast<size_t>(fw * fh + y * fw + x)]);
  write_bin("want.bin", want);
  infer(
      "--model_file rsz/model.npk --target ref --input_file frame.bin --input_img_size 20x16 --roi roi2.txt "
      "--dump_inputs c --output_dir rc");
  EXPECT_EQ(bytes_of(load("c/x.npy")), want);
  infer("--model_file rsz/model.npk --target ref --input_file want.bin --output_dir rd");
  expect_same_outputs("rc", "rd");

  // Bad ROI files are clear errors.
  auto bad_roi = [&](const std::string& text, const std::string& needle) {
    ASSERT_TRUE(atomic_write_file((dir_ / "bad.txt").string(), text).ok());
    infer_fails("--model_file rsz/model.npk --input_file frame.bmp --roi bad.txt --output_dir o", needle);
  };
  bad_roi("0 0 20 10\n", "outside the 20x16 image");
  bad_roi("0 0 10 16\n", "outside the 20x16 image");
  bad_roi("6 0 4 10\n", "left <= right");
  bad_roi("0 8 10 4\n", "top <= bottom");
  bad_roi("0 0 10\n", "expected 4 integers");
  bad_roi("0 0 a 10\n", "line 1");
  bad_roi("1 0 10 10\n", "even left and top");
  bad_roi("0 0 9 9\n0 0 9 9\n", "2 ROI line(s)");
  infer_fails("--model_file rsz/model.npk --input_file frame.bmp --roi missing.txt --output_dir o", "missing.txt");
}

TEST_F(ExecInputs, RgbImageNpyChecksAndRoiOnNonResizer) {
  compile("rgb", "rgb", "ddr");
  const auto px = block_picture(kW, kH, 31);
  write_bmp("img.bmp", kW, kH, px);
  infer("--model_file rgb/model.npk --target ref --input_file img.bmp --dump_inputs in --output_dir ref");
  std::vector<uint8_t> want;
  for (const Rgb& p : px) want.insert(want.end(), {p.r, p.g, p.b});
  const Tensor t = load("in/x.npy");
  EXPECT_EQ(t.dtype(), DType::kU8);
  EXPECT_EQ(t.shape(), (Shape{1, kH, kW, 3}));
  EXPECT_EQ(bytes_of(t), want);
  // The dumped tensor fed back as .npy (and as raw .bin) gives the same outputs on every target.
  infer("--model_file rgb/model.npk --target cpu --input_file in/x.npy --output_dir cpu");
  write_bin("x.bin", want);
  infer("--model_file rgb/model.npk --target sim --input_file x.bin --output_dir sim");
  expect_same_outputs("cpu", "ref");
  expect_same_outputs("sim", "ref");
  // A .npy of the wrong dtype / shape is an error naming both.
  ASSERT_TRUE(io::save_npy((dir_ / "f.npy").string(), Tensor(DType::kF32, {1, 3, kH, kW})).ok());
  infer_fails("--model_file rgb/model.npk --input_file f.npy --output_dir o", "holds f32[1,3,8,12]");
  infer_fails("--model_file rgb/model.npk --input_file f.npy --output_dir o", "model input is u8[1,8,12,3]");
  ASSERT_TRUE(atomic_write_file((dir_ / "roi.txt").string(), "0 0 3 3\n").ok());
  infer_fails("--model_file rgb/model.npk --input_file img.bmp --roi roi.txt --output_dir o", "no resizer input");
  infer_fails("--model_file rgb/model.npk --input_file img.bmp --input_img_properties Y --output_dir o",
              "not a Y plane");
  // Non-compiled models do not take the .npk input flags.
  infer_fails("--model_file net.onnx --input_file cal/s0.npy --input_stride '1,1,1,1' --output_dir o", ".npk");
}

TEST_F(ExecInputs, Bt601VideoModelGetsLimitedRangeNv12) {
  compile("vid", "nv12", "pyramid", "  input_space_and_range: bt601_video\n");
  const auto px = block_picture(kW, kH, 41);
  write_bmp("img.bmp", kW, kH, px);
  infer("--model_file vid/model.npk --target ref --input_file img.bmp --dump_inputs in --output_dir ref");
  std::vector<uint8_t> want_y, want_uv;
  for (const Rgb& p : px) want_y.push_back(u8(yuv(p, true)[0]));
  for (int by = 0; by < kH / 2; ++by)
    for (int bx = 0; bx < kW / 2; ++bx) {
      const auto c = yuv(px[static_cast<size_t>(2 * by * kW + 2 * bx)], true);
      want_uv.push_back(u8(c[1]));
      want_uv.push_back(u8(c[2]));
    }
  EXPECT_EQ(bytes_of(load("in/x_y.npy")), want_y);
  EXPECT_EQ(bytes_of(load("in/x_uv.npy")), want_uv);
}

}  // namespace
}  // namespace npukit
