// SPDX-License-Identifier: Apache-2.0
// Calibration data loading (quant/cal_data.h): npy / raw bin / image folders built in a temp dir,
// exact pixel conversions (rgb, bgr, gray, yuv444 BT.601 full range), apply_norm, and every error
// case naming the offending file or folder.
#include "quant/cal_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/file_util.h"
#include "io/npy.h"
#include "util/bmp.h"

namespace npukit::quant {
namespace {

namespace fs = std::filesystem;

class CalData : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("npukit_caldata_" + std::to_string(getpid()) + "_" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string mkdir(const std::string& name) {
    const std::string d = root_ + "/" + name;
    fs::create_directories(d);
    return d;
  }
  std::string root_;
};

Tensor f32(const std::vector<float>& v, Shape s) {
  return Tensor::from_vector<float>(v, std::move(s));
}

void write_bytes(const std::string& path, const std::string& bytes) {
  ASSERT_TRUE(atomic_write_file(path, bytes).ok());
}

std::string floats_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

using testing::make_bmp;
using testing::Rgb;

// 2x2 test image: red, blue / (10,20,30), white.
const std::vector<Rgb> kPixels = {{255, 0, 0}, {0, 0, 255}, {10, 20, 30}, {255, 255, 255}};

CalInputSpec spec(const std::string& name, const std::string& dir, Shape shape,
                  CalImageFormat fmt = CalImageFormat::kFeaturemap, std::optional<CalLayout> layout = {}) {
  CalInputSpec s;
  s.name = name;
  s.dir = dir;
  s.shape = std::move(shape);
  s.format = fmt;
  s.layout = layout;
  return s;
}

// Expects an error whose message contains `needle` (a file or folder path).
void expect_error_naming(const Status& s, ErrorCode code, const std::string& needle) {
  ASSERT_FALSE(s.ok()) << "expected an error naming " << needle;
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST_F(CalData, NpyFilesSortedWithOrWithoutBatchDim) {
  const std::string d = mkdir("in0");
  ASSERT_TRUE(io::save_npy(d + "/b.npy", f32({4, 5, 6}, {3})).ok());     // no batch dim
  ASSERT_TRUE(io::save_npy(d + "/a.npy", f32({1, 2, 3}, {1, 3})).ok());  // full shape
  Tensor u8(DType::kU8, {1, 3});
  u8.data<uint8_t>()[0] = 7;
  u8.data<uint8_t>()[2] = 255;
  ASSERT_TRUE(io::save_npy(d + "/c.npy", u8).ok());  // converted to f32
  write_bytes(d + "/.hidden", "ignored");
  auto data = load_calibration_data({spec("x", d, {1, 3})});
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  ASSERT_EQ(data->size(), 3u);
  EXPECT_EQ((*data)[0][0].shape(), (Shape{1, 3}));
  EXPECT_EQ((*data)[0][0].to_float_vector(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ((*data)[1][0].shape(), (Shape{1, 3}));
  EXPECT_EQ((*data)[1][0].to_float_vector(), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ((*data)[2][0].dtype(), DType::kF32);
  EXPECT_EQ((*data)[2][0].to_float_vector(), (std::vector<float>{7, 0, 255}));

  CalDataOptions o;
  o.max_samples = 2;
  data = load_calibration_data({spec("x", d, {1, 3})}, o);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->size(), 2u);
}

TEST_F(CalData, RawBinAndMultipleInputs) {
  const std::string d0 = mkdir("in0"), d1 = mkdir("in1");
  write_bytes(d0 + "/0.bin", floats_bytes({1.5f, -2.f}));
  write_bytes(d0 + "/1.bin", floats_bytes({3.f, 4.f}));
  ASSERT_TRUE(io::save_npy(d1 + "/0.npy", f32({9}, {1, 1})).ok());
  ASSERT_TRUE(io::save_npy(d1 + "/1.npy", f32({8}, {1, 1})).ok());
  auto data = load_calibration_data({spec("a", d0, {1, 2}), spec("b", d1, {1, 1})});
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  ASSERT_EQ(data->size(), 2u);
  EXPECT_EQ((*data)[0][0].to_float_vector(), (std::vector<float>{1.5f, -2.f}));
  EXPECT_EQ((*data)[0][1].to_float_vector(), (std::vector<float>{9}));
  EXPECT_EQ((*data)[1][0].to_float_vector(), (std::vector<float>{3, 4}));
  EXPECT_EQ((*data)[1][1].to_float_vector(), (std::vector<float>{8}));

  // Mismatched counts across inputs name both folders.
  ASSERT_TRUE(io::save_npy(d1 + "/2.npy", f32({7}, {1, 1})).ok());
  auto bad = load_calibration_data({spec("a", d0, {1, 2}), spec("b", d1, {1, 1})});
  expect_error_naming(bad.status(), ErrorCode::kInvalidArgument, d0);
  EXPECT_NE(bad.status().message().find(d1), std::string::npos);
}

TEST_F(CalData, ErrorsNameTheFile) {
  const std::string empty = mkdir("empty");
  expect_error_naming(load_calibration_data({spec("x", empty, {1, 2})}).status(), ErrorCode::kInvalidArgument, empty);
  expect_error_naming(load_calibration_data({spec("x", root_ + "/missing", {1, 2})}).status(), ErrorCode::kNotFound,
                      root_ + "/missing");

  const std::string d = mkdir("d");
  const std::string bin = d + "/short.bin";
  write_bytes(bin, floats_bytes({1.f}));
  expect_error_naming(load_calibration_file(bin, spec("x", d, {1, 2})).status(), ErrorCode::kShapeMismatch, bin);

  const std::string npy = d + "/wrong.npy";
  ASSERT_TRUE(io::save_npy(npy, f32({1, 2, 3}, {3})).ok());
  expect_error_naming(load_calibration_file(npy, spec("x", d, {1, 2})).status(), ErrorCode::kShapeMismatch, npy);

  const std::string txt = d + "/notes.txt";
  write_bytes(txt, "hello");
  expect_error_naming(load_calibration_file(txt, spec("x", d, {1, 2})).status(), ErrorCode::kInvalidArgument, txt);
  // The folder-level loader stops at the first bad file and names it.
  expect_error_naming(load_calibration_data({spec("x", d, {1, 2})}).status(), ErrorCode::kInvalidArgument, txt);

  const std::string corrupt = d + "/corrupt.png";
  write_bytes(corrupt, "this is not a png");
  expect_error_naming(load_calibration_file(corrupt, spec("x", d, {1, 3, 2, 2}, CalImageFormat::kRgb)).status(),
                      ErrorCode::kInvalidArgument, corrupt);

  const std::string bmp = d + "/img.bmp";
  write_bytes(bmp, make_bmp(2, 2, kPixels));
  // rgb needs 3 channels; the input has 1.
  expect_error_naming(load_calibration_file(bmp, spec("x", d, {1, 1, 2, 2}, CalImageFormat::kRgb)).status(),
                      ErrorCode::kShapeMismatch, bmp);
  // gray needs 1 channel; the input has 3.
  expect_error_naming(load_calibration_file(bmp, spec("x", d, {1, 3, 2, 2}, CalImageFormat::kGray)).status(),
                      ErrorCode::kShapeMismatch, bmp);
  // featuremap inputs take no images.
  expect_error_naming(load_calibration_file(bmp, spec("x", d, {1, 3, 2, 2})).status(), ErrorCode::kInvalidArgument,
                      bmp);
}

TEST_F(CalData, ImagesRgbBgrGrayNchwNhwc) {
  const std::string d = mkdir("img");
  write_bytes(d + "/img.bmp", make_bmp(2, 2, kPixels));
  // Same size as the input: the bilinear resize with half-pixel centres is the identity.
  auto rgb = load_calibration_file(d + "/img.bmp", spec("x", d, {1, 3, 2, 2}, CalImageFormat::kRgb));
  ASSERT_TRUE(rgb.ok()) << rgb.status().to_string();
  EXPECT_EQ(rgb->to_float_vector(), (std::vector<float>{255, 0, 10, 255,     // R plane
                                                        0, 0, 20, 255,       // G plane
                                                        0, 255, 30, 255}));  // B plane
  auto bgr = load_calibration_file(d + "/img.bmp", spec("x", d, {1, 2, 2, 3}, CalImageFormat::kBgr, CalLayout::kNHWC));
  ASSERT_TRUE(bgr.ok()) << bgr.status().to_string();
  EXPECT_EQ(bgr->to_float_vector(), (std::vector<float>{0, 0, 255, 255, 0, 0, 30, 20, 10, 255, 255, 255}));
  // Layout guessed from the shape: dim 3 == 3 → NHWC.
  auto guessed = load_calibration_file(d + "/img.bmp", spec("x", d, {1, 2, 2, 3}, CalImageFormat::kRgb));
  ASSERT_TRUE(guessed.ok());
  EXPECT_EQ(guessed->to_float_vector(), (std::vector<float>{255, 0, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255}));

  // Gray of a gray image is exact whatever the luma weights are.
  write_bytes(d + "/gray.bmp", make_bmp(2, 1, {{100, 100, 100}, {7, 7, 7}}));
  auto gray = load_calibration_file(d + "/gray.bmp", spec("x", d, {1, 1, 1, 2}, CalImageFormat::kGray));
  ASSERT_TRUE(gray.ok()) << gray.status().to_string();
  EXPECT_EQ(gray->to_float_vector(), (std::vector<float>{100, 7}));

  // Resize: a uniform 4x6 image stays uniform at any size.
  write_bytes(d + "/big.bmp", make_bmp(6, 4, std::vector<Rgb>(24, Rgb{50, 60, 70})));
  auto small = load_calibration_file(d + "/big.bmp", spec("x", d, {1, 3, 3, 2}, CalImageFormat::kRgb));
  ASSERT_TRUE(small.ok()) << small.status().to_string();
  EXPECT_EQ(small->to_float_vector(),
            (std::vector<float>{50, 50, 50, 50, 50, 50, 60, 60, 60, 60, 60, 60, 70, 70, 70, 70, 70, 70}));
}

TEST_F(CalData, Yuv444Bt601FullRange) {
  const std::string d = mkdir("yuv");
  write_bytes(d + "/img.bmp", make_bmp(2, 2, kPixels));
  auto yuv = load_calibration_file(d + "/img.bmp", spec("x", d, {1, 3, 2, 2}, CalImageFormat::kYuv444));
  ASSERT_TRUE(yuv.ok()) << yuv.status().to_string();
  // Hand-computed (numpy-checked) with Y = .299R+.587G+.114B, U = -.168736R-.331264G+.5B+128,
  // V = .5R-.418688G-.081312B+128, rounded and clamped to 0..255:
  //   red (255,0,0):   Y 76.245 → 76,  U 84.97 → 85,   V 255.5 → 255 (clamped)
  //   blue (0,0,255):  Y 29.07 → 29,   U 255.5 → 255,  V 107.27 → 107
  //   (10,20,30):      Y 18.15 → 18,   U 134.69 → 135, V 122.19 → 122
  //   white:           Y 255,          U 128,          V 128
  EXPECT_EQ(yuv->to_float_vector(), (std::vector<float>{76, 29, 18, 255,        // Y
                                                        85, 255, 135, 128,      // U
                                                        255, 107, 122, 128}));  // V
  auto y128 = load_calibration_file(d + "/img.bmp", spec("x", d, {1, 3, 2, 2}, CalImageFormat::kYuv444_128));
  ASSERT_TRUE(y128.ok());
  EXPECT_EQ(y128->to_float_vector(), (std::vector<float>{-52, -99, -110, 127, -43, 127, 7, 0, 127, -21, -6, 0}));
}

TEST_F(CalData, RealImageWhenPresent) {
  const std::string img = std::string(NPUKIT_SHARED_DIR) + "/images/dog.jpg";
  if (!fs::exists(img)) GTEST_SKIP() << "shared image " << img << " not found";
  const std::string d = mkdir("real");
  fs::copy_file(img, d + "/dog.jpg");
  auto data = load_calibration_data({spec("x", d, {1, 3, 16, 24}, CalImageFormat::kRgb)});
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  const Tensor& t = (*data)[0][0];
  EXPECT_EQ(t.shape(), (Shape{1, 3, 16, 24}));
  float lo = 255, hi = 0;
  for (float v : t.to_float_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    EXPECT_EQ(v, std::floor(v));  // 8-bit values, not normalised
  }
  EXPECT_GE(lo, 0.f);
  EXPECT_LE(hi, 255.f);
  EXPECT_LT(lo, hi);  // a photo is not uniform
}

TEST(ApplyNorm, PerChannelAndScalar) {
  // NCHW [1,2,1,2]: channel 0 = {10, 20}, channel 1 = {30, 40}.
  Tensor t = f32({10, 20, 30, 40}, {1, 2, 1, 2});
  ASSERT_TRUE(apply_norm(t, {10, 20}, {0.5, 0.25}, CalLayout::kNCHW).ok());
  EXPECT_EQ(t.to_float_vector(), (std::vector<float>{0, 5, 2.5f, 5}));
  // NHWC [1,1,2,2]: elements alternate channels.
  Tensor u = f32({10, 20, 30, 40}, {1, 1, 2, 2});
  ASSERT_TRUE(apply_norm(u, {10, 20}, {}, CalLayout::kNHWC).ok());
  EXPECT_EQ(u.to_float_vector(), (std::vector<float>{0, 0, 20, 20}));
  // One value for all channels; any rank.
  Tensor v = f32({1, 2, 3}, {3});
  ASSERT_TRUE(apply_norm(v, {1}, {2}, CalLayout::kNCHW).ok());
  EXPECT_EQ(v.to_float_vector(), (std::vector<float>{0, 2, 4}));
  // Errors.
  Tensor w = f32({1, 2, 3}, {3});
  EXPECT_EQ(apply_norm(w, {1, 2}, {}, CalLayout::kNCHW).code(), ErrorCode::kInvalidArgument);
  Tensor x = f32({1, 2, 3, 4}, {1, 2, 1, 2});
  EXPECT_EQ(apply_norm(x, {1, 2, 3}, {}, CalLayout::kNCHW).code(), ErrorCode::kInvalidArgument);
  Tensor i(DType::kI32, {2});
  EXPECT_EQ(apply_norm(i, {1}, {}, CalLayout::kNCHW).code(), ErrorCode::kInvalidArgument);
}

TEST(CalImageFormat, Parse) {
  EXPECT_EQ(*parse_cal_image_format("yuv444"), CalImageFormat::kYuv444);
  EXPECT_EQ(*parse_cal_image_format("gray"), CalImageFormat::kGray);
  EXPECT_EQ(parse_cal_image_format("nv12").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace npukit::quant
