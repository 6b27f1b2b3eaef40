// SPDX-License-Identifier: Apache-2.0
// io/image: decoding (via a BMP written here byte by byte), resize, crop, channel order, layout, mean/scale.
#include "io/image.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/file_util.h"
#include "util/bmp.h"

namespace npukit {
namespace {

using testing::make_bmp;
using testing::Rgb;

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("npukit_image_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string p = (dir_ / name).string();
    EXPECT_TRUE(atomic_write_file(p, bytes).ok());
    return p;
  }
  std::filesystem::path dir_;
};

// 2 rows x 3 columns.
const std::vector<Rgb> kPixels = {{10, 20, 30},    {40, 50, 60},    {70, 80, 90},
                                  {100, 110, 120}, {130, 140, 150}, {160, 170, 180}};

TEST_F(ImageTest, DecodesBmp) {
  auto img = io::decode_image(write("a.bmp", make_bmp(3, 2, kPixels)));
  ASSERT_TRUE(img.ok()) << img.status().to_string();
  EXPECT_EQ(img->height, 2);
  EXPECT_EQ(img->width, 3);
  EXPECT_EQ(img->channels, 3);
  EXPECT_EQ(img->pixels[0], 10);
  EXPECT_EQ(img->pixels[(1 * 3 + 2) * 3 + 1], 170);
}

TEST_F(ImageTest, NchwRgbWithMeanAndScale) {
  io::ImagePreprocess p;
  p.mean = {10, 20, 30};
  p.scale = {0.5f, 1.f, 2.f};
  auto t = io::load_image(write("a.bmp", make_bmp(3, 2, kPixels)), p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape(), (Shape{1, 3, 2, 3}));
  const float* d = t->data<float>();
  EXPECT_EQ(d[0], 0.f);                    // R(0,0): (10-10)*0.5
  EXPECT_EQ(d[5], (160 - 10) * 0.5f);      // R(1,2)
  EXPECT_EQ(d[6 + 1], (50 - 20) * 1.f);    // G(0,1)
  EXPECT_EQ(d[12 + 5], (180 - 30) * 2.f);  // B(1,2)
}

TEST_F(ImageTest, BgrOrderAndNhwcLayout) {
  io::ImagePreprocess p;
  p.order = io::ChannelOrder::kBGR;
  p.layout = io::ImageLayout::kNHWC;
  auto t = io::load_image(write("a.bmp", make_bmp(3, 2, kPixels)), p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape(), (Shape{1, 2, 3, 3}));
  EXPECT_EQ(t->to_float_vector()[0], 30.f);  // B first
  EXPECT_EQ(t->to_float_vector()[1], 20.f);
  EXPECT_EQ(t->to_float_vector()[2], 10.f);
  EXPECT_EQ(t->to_float_vector()[(1 * 3 + 1) * 3 + 0], 150.f);
}

TEST_F(ImageTest, GrayOfNeutralPixelsKeepsTheValue) {
  io::ImagePreprocess p;
  p.order = io::ChannelOrder::kGray;
  auto t = io::load_image(write("g.bmp", make_bmp(2, 1, {{100, 100, 100}, {7, 7, 7}})), p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape(), (Shape{1, 1, 1, 2}));
  // stb's luma weights sum to 1, so a neutral grey maps to itself.
  EXPECT_EQ(t->to_float_vector(), (std::vector<float>{100.f, 7.f}));
}

TEST(ImageResize, BilinearHalfPixelCentres) {
  io::Image img{1, 2, 1, {0, 255}};
  io::Image r = io::resize_bilinear(img, 1, 4);
  // Source x for output x: (x + 0.5) / 2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  EXPECT_EQ(r.pixels, (std::vector<uint8_t>{0, 64, 191, 255}));
}

TEST(ImageResize, ResizeShortThenCentreCrop) {
  // 2 x 8 gradient; shorter side 2 → stays 2 x 8; crop 2 x 2 takes columns 3..4.
  io::Image img{2, 8, 1, {}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 8; ++x) img.pixels.push_back(static_cast<uint8_t>(x * 10 + y));
  io::ImagePreprocess p;
  p.order = io::ChannelOrder::kGray;
  p.resize_short = 2;
  p.height = 2;
  p.width = 2;
  auto t = io::preprocess_image(img, p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->to_float_vector(), (std::vector<float>{30, 40, 31, 41}));
  p.height = 3;  // larger than the resized image
  EXPECT_EQ(io::preprocess_image(img, p).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ImageTest, RejectsBadFilesAndOptions) {
  EXPECT_EQ(io::decode_image((dir_ / "missing.png").string()).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(io::decode_image(write("junk.png", "not an image at all")).status().code(), ErrorCode::kInvalidArgument);
  std::string bmp = make_bmp(3, 2, kPixels);
  EXPECT_FALSE(io::decode_image(write("trunc.bmp", bmp.substr(0, 30))).ok());
  // Hostile header: 1,000,000 x 1,000,000 pixels.
  std::string huge = bmp;
  for (int off : {18, 22}) {
    huge[off] = '\x40';
    huge[off + 1] = '\x42';
    huge[off + 2] = '\x0f';
    huge[off + 3] = 0;
  }
  auto h = io::decode_image(write("huge.bmp", huge));
  EXPECT_FALSE(h.ok());
  io::ImagePreprocess p;
  p.mean = {1, 2};  // neither 1 nor 3 values
  EXPECT_EQ(io::load_image(write("a.bmp", bmp), p).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(io::parse_channel_order("rgba").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(io::parse_layout("chw").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(io::is_image_path("x/Y.JPEG"));
  EXPECT_FALSE(io::is_image_path("x.npy"));
}

TEST(ImageShared, DecodesRealJpegToModelSize) {
  const std::string path = std::string(NPUKIT_SHARED_DIR) + "/images/dog.jpg";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found: shared data absent, skipping";
  io::ImagePreprocess p;
  p.resize_short = 256;
  p.height = p.width = 224;
  p.mean = {123.675f, 116.28f, 103.53f};
  p.scale = {1 / 58.395f, 1 / 57.12f, 1 / 57.375f};
  auto t = io::load_image(path, p);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape(), (Shape{1, 3, 224, 224}));
  for (float v : t->to_float_vector()) {
    ASSERT_GE(v, -2.2f);  // (0 - 123.675) / 58.395 ≈ -2.12 is the smallest possible value
    ASSERT_LE(v, 2.7f);   // (255 - 103.53) / 57.375 ≈ 2.64 is the largest
  }
}

}  // namespace
}  // namespace npukit
