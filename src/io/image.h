// SPDX-License-Identifier: Apache-2.0
// io: image files (jpg/png/bmp via stb_image) → preprocessed f32 input tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::io {

enum class ChannelOrder : uint8_t { kRGB, kBGR, kGray };
enum class ImageLayout : uint8_t { kNCHW, kNHWC };

/// Decoded 8-bit image, interleaved HWC (channels 1 or 3).
struct Image {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

/// How an image becomes a model input: out[c] = (pixel[c] - mean[c]) * scale[c], pixels in 0..255.
struct ImagePreprocess {
  /// Target size; 0 keeps the (resized) image size.
  int64_t height = 0, width = 0;
  /// If > 0: resize so the shorter side is resize_short (aspect kept), then centre-crop height x width.
  /// If 0: resize directly to height x width.
  int64_t resize_short = 0;
  ChannelOrder order = ChannelOrder::kRGB;
  ImageLayout layout = ImageLayout::kNCHW;
  /// One value (all channels) or one per channel; empty means 0 / 1.
  std::vector<float> mean, scale;
};

/// Parses "rgb"/"bgr"/"gray" and "nchw"/"nhwc" (kInvalidArgument otherwise).
Expected<ChannelOrder> parse_channel_order(const std::string& s);
Expected<ImageLayout> parse_layout(const std::string& s);

/// Decodes an image file. `channels` is 3 (RGB) or 1 (luma).
Expected<Image> decode_image(const std::string& path, int channels = 3);
/// Bilinear resize (half-pixel centres, edge clamp), 8-bit in and out.
Image resize_bilinear(const Image& img, int64_t height, int64_t width);
/// Crops a centred height x width window; error if larger than the image.
Expected<Image> center_crop(const Image& img, int64_t height, int64_t width);
/// Resize/crop/normalise an already decoded image into a [1,C,H,W] or [1,H,W,C] f32 tensor.
/// `img` must be RGB (3 channels) unless order is kGray (1 channel).
Expected<Tensor> preprocess_image(const Image& img, const ImagePreprocess& p);
/// decode_image + preprocess_image.
Expected<Tensor> load_image(const std::string& path, const ImagePreprocess& p);
/// True if the file extension is one load_image understands (.jpg .jpeg .png .bmp, any case).
bool is_image_path(const std::string& path);

}  // namespace npukit::io
