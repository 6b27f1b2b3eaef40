// SPDX-License-Identifier: Apache-2.0
// io: image decoding (stb_image from Debian libstb-dev) and preprocessing.
#include "io/image.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "core/file_util.h"

namespace npukit::io {

namespace {
// Images beyond this side length are rejected before allocating (hostile headers).
constexpr int64_t kMaxImageSide = 1 << 15;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

Expected<ChannelOrder> parse_channel_order(const std::string& s) {
  std::string l = lower(s);
  if (l == "rgb") return ChannelOrder::kRGB;
  if (l == "bgr") return ChannelOrder::kBGR;
  if (l == "gray" || l == "grey") return ChannelOrder::kGray;
  return make_error(ErrorCode::kInvalidArgument, "channel order '", s, "' is not one of rgb, bgr, gray");
}

Expected<ImageLayout> parse_layout(const std::string& s) {
  std::string l = lower(s);
  if (l == "nchw") return ImageLayout::kNCHW;
  if (l == "nhwc") return ImageLayout::kNHWC;
  return make_error(ErrorCode::kInvalidArgument, "layout '", s, "' is not one of nchw, nhwc");
}

bool is_image_path(const std::string& path) {
  std::string l = lower(path);
  for (const char* ext : {".jpg", ".jpeg", ".png", ".bmp"}) {
    size_t n = std::strlen(ext);
    if (l.size() >= n && l.compare(l.size() - n, n, ext) == 0) return true;
  }
  return false;
}

Expected<Image> decode_image(const std::string& path, int channels) {
  if (channels != 1 && channels != 3)
    return make_error(ErrorCode::kInvalidArgument, "decode_image: channels must be 1 or 3, got ", channels);
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(path, size_t{1} << 30));
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    return make_error(ErrorCode::kOutOfRange, path, ": image file too large");
  int w = 0, h = 0, c = 0;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  // Check the header first so a hostile size is rejected before stb allocates the pixels.
  if (!stbi_info_from_memory(data, len, &w, &h, &c))
    return make_error(ErrorCode::kInvalidArgument, path, ": cannot decode image: ", stbi_failure_reason());
  if (w <= 0 || h <= 0 || w > kMaxImageSide || h > kMaxImageSide)
    return make_error(ErrorCode::kOutOfRange, path, ": image size ", w, "x", h, " is outside 1..", kMaxImageSide);
  std::unique_ptr<stbi_uc, void (*)(void*)> px(stbi_load_from_memory(data, len, &w, &h, &c, channels), stbi_image_free);
  if (!px) return make_error(ErrorCode::kInvalidArgument, path, ": cannot decode image: ", stbi_failure_reason());
  Image img;
  img.height = h;
  img.width = w;
  img.channels = channels;
  img.pixels.assign(px.get(), px.get() + static_cast<size_t>(w) * h * channels);
  return img;
}

Image resize_bilinear(const Image& img, int64_t height, int64_t width) {
  Image out;
  out.height = height;
  out.width = width;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(height * width * img.channels));
  if (img.height == height && img.width == width) {
    out.pixels = img.pixels;
    return out;
  }
  const double sy = static_cast<double>(img.height) / height;
  const double sx = static_cast<double>(img.width) / width;
  const int64_t C = img.channels;
  for (int64_t y = 0; y < height; ++y) {
    // Half-pixel centres: output pixel centre maps to input coordinate (y + 0.5) * scale - 0.5.
    double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, static_cast<double>(img.height - 1));
    int64_t y0 = static_cast<int64_t>(fy);
    int64_t y1 = std::min(y0 + 1, img.height - 1);
    double wy = fy - y0;
    for (int64_t x = 0; x < width; ++x) {
      double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, static_cast<double>(img.width - 1));
      int64_t x0 = static_cast<int64_t>(fx);
      int64_t x1 = std::min(x0 + 1, img.width - 1);
      double wx = fx - x0;
      for (int64_t c = 0; c < C; ++c) {
        auto at = [&](int64_t yy, int64_t xx) {
          return static_cast<double>(img.pixels[(yy * img.width + xx) * C + c]);
        };
        double v =
            (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) + wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
        out.pixels[(y * width + x) * C + c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

Expected<Image> center_crop(const Image& img, int64_t height, int64_t width) {
  if (height > img.height || width > img.width || height <= 0 || width <= 0)
    return make_error(ErrorCode::kInvalidArgument, "cannot centre-crop ", height, "x", width, " from a ", img.height,
                      "x", img.width, " image");
  Image out;
  out.height = height;
  out.width = width;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(height * width * img.channels));
  const int64_t top = (img.height - height) / 2, left = (img.width - width) / 2;
  for (int64_t y = 0; y < height; ++y)
    std::memcpy(&out.pixels[y * width * img.channels], &img.pixels[((y + top) * img.width + left) * img.channels],
                static_cast<size_t>(width * img.channels));
  return out;
}

Expected<Tensor> preprocess_image(const Image& img, const ImagePreprocess& p) {
  const int64_t want_c = p.order == ChannelOrder::kGray ? 1 : 3;
  if (img.channels != want_c)
    return make_error(ErrorCode::kInvalidArgument, "image has ", img.channels, " channels, channel order needs ",
                      want_c);
  if (p.height < 0 || p.width < 0 || p.resize_short < 0 || p.height > kMaxImageSide || p.width > kMaxImageSide ||
      p.resize_short > kMaxImageSide)
    return make_error(ErrorCode::kInvalidArgument, "image size ", p.height, "x", p.width, " / resize_short ",
                      p.resize_short, " out of range");
  if ((p.height == 0) != (p.width == 0))
    return make_error(ErrorCode::kInvalidArgument, "image size needs both height and width");
  for (const auto* v : {&p.mean, &p.scale})
    if (!v->empty() && v->size() != 1 && static_cast<int64_t>(v->size()) != want_c)
      return make_error(ErrorCode::kInvalidArgument, "mean/scale need 1 or ", want_c, " values, got ", v->size());
  Image cur = img;
  if (p.resize_short > 0) {
    const int64_t s = p.resize_short;
    int64_t h, w;
    if (cur.height <= cur.width) {
      h = s;
      w = std::max<int64_t>(1, std::llround(static_cast<double>(cur.width) * s / cur.height));
    } else {
      w = s;
      h = std::max<int64_t>(1, std::llround(static_cast<double>(cur.height) * s / cur.width));
    }
    if (h > kMaxImageSide || w > kMaxImageSide)
      return make_error(ErrorCode::kInvalidArgument, "resize_short ", s, " makes the image too large");
    cur = resize_bilinear(cur, h, w);
    if (p.height > 0) {
      NPUKIT_ASSIGN_OR_RETURN(cur, center_crop(cur, p.height, p.width));
    }
  } else if (p.height > 0) {
    cur = resize_bilinear(cur, p.height, p.width);
  }
  const int64_t H = cur.height, W = cur.width, C = want_c;
  Shape shape = p.layout == ImageLayout::kNCHW ? Shape{1, C, H, W} : Shape{1, H, W, C};
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, Tensor::create(DType::kF32, shape));
  float* o = t.data<float>();
  auto pick = [](const std::vector<float>& v, int64_t c, float def) {
    return v.empty() ? def : v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
  };
  for (int64_t c = 0; c < C; ++c) {
    // Output channel c is source channel c for rgb/gray and 2-c for bgr (stb decodes RGB).
    const int64_t src_c = p.order == ChannelOrder::kBGR ? 2 - c : c;
    const float mean = pick(p.mean, c, 0.f), scale = pick(p.scale, c, 1.f);
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        float v = (static_cast<float>(cur.pixels[(y * W + x) * C + src_c]) - mean) * scale;
        int64_t idx = p.layout == ImageLayout::kNCHW ? (c * H + y) * W + x : (y * W + x) * C + c;
        o[idx] = v;
      }
  }
  return t;
}

Expected<Tensor> load_image(const std::string& path, const ImagePreprocess& p) {
  NPUKIT_ASSIGN_OR_RETURN(Image img, decode_image(path, p.order == ChannelOrder::kGray ? 1 : 3));
  auto t = preprocess_image(img, p);
  if (!t.ok()) return t.status().with_context(path);
  return t;
}

}  // namespace npukit::io
