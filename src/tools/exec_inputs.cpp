// SPDX-License-Identifier: Apache-2.0
// tools: input files -> runtime input tensors of a compiled model (see exec_inputs.h, docs/EXEC.md).
#include "tools/exec_inputs.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/file_util.h"
#include "frontend/onnx_import.h"
#include "io/npy.h"
#include "pipeline/load.h"

namespace npukit::cli {
namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 34;
constexpr int64_t kPyramidAlign = 32;

enum class Kind { kFeaturemap, kRgb, kBgr, kGray, kYuv444, kYuv444_128, kNv12, kNv12Y, kNv12UV };

/// One runtime input as the reader sees it.
struct InputInfo {
  const npk::IoDesc* d = nullptr;
  Kind kind = Kind::kFeaturemap;
  int64_t n = 1, h = 0, w = 0;  ///< image size (the full luma size for NV12 and its planes)
  bool video = false;           ///< bt601_video (limited range) YUV
  std::string base;             ///< the model input a split NV12 plane belongs to
  bool resizer = false, pyramid = false;
  int roi_index = -1;  ///< index among the resizer inputs
};

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// "x_y_3" -> "x_y" (separate_batch suffix), only when what remains is a plane name.
std::string strip_batch_suffix(const std::string& name) {
  const size_t us = name.rfind('_');
  if (us == std::string::npos || us + 1 == name.size()) return name;
  for (size_t i = us + 1; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return name;
  const std::string head = name.substr(0, us);
  return ends_with(head, "_y") || ends_with(head, "_uv") ? head : name;
}

std::string plane_base(const std::string& name) {
  const std::string s = strip_batch_suffix(name);
  if (ends_with(s, "_y")) return s.substr(0, s.size() - 2);
  if (ends_with(s, "_uv")) return s.substr(0, s.size() - 3);
  return s;
}

const char* kind_text(Kind k) {
  switch (k) {
    case Kind::kFeaturemap: return "featuremap";
    case Kind::kRgb: return "rgb";
    case Kind::kBgr: return "bgr";
    case Kind::kGray: return "gray";
    case Kind::kYuv444: return "yuv444";
    case Kind::kYuv444_128: return "yuv444_128";
    case Kind::kNv12: return "nv12 (one tensor)";
    case Kind::kNv12Y: return "nv12 Y plane";
    case Kind::kNv12UV: return "nv12 UV plane";
  }
  return "?";
}

std::string type_str(DType t, const Shape& s) {
  return str_cat(dtype_name(t), shape_str(s));
}

/// True when the model head of `base` clamps to the bt601_video range (passes/insert_preprocess.cpp names that
/// node preprocess/<input>/video_min).
bool has_video_range(const ir::Graph& g, const std::string& name, const std::string& base) {
  for (const ir::Node* n : g.nodes())
    if (n->name() == "preprocess/" + base + "/video_min" || n->name() == "preprocess/" + name + "/video_min")
      return true;
  return false;
}

Expected<InputInfo> classify(const npk::NpkModel& m, const npk::IoDesc& d) {
  InputInfo info;
  info.d = &d;
  info.base = d.name;
  info.resizer = d.source == "resizer";
  info.pyramid = d.source == "pyramid";
  const std::string& t = d.input_type;
  const Shape& s = d.shape;
  if (t.empty() || t == "featuremap") return info;
  auto bad = [&]() {
    return make_error(ErrorCode::kInvalidArgument, "model input '", d.name, "': input_type '", t,
                      "' does not fit its tensor ", type_str(d.dtype, s));
  };
  if (s.size() != 4 || std::any_of(s.begin(), s.end(), [](int64_t v) { return v <= 0; })) return bad();
  info.n = s[0];
  info.h = s[1];
  info.w = s[2];
  const int64_t c = s[3];
  if (t == "nv12") {
    if (d.dtype != DType::kU8) return bad();
    const std::string plain = strip_batch_suffix(d.name);
    if (c == 2 && ends_with(plain, "_uv")) {
      info.kind = Kind::kNv12UV;
      info.h = 2 * s[1];
      info.w = 2 * s[2];
    } else if (c == 1 && ends_with(plain, "_y")) {
      info.kind = Kind::kNv12Y;
    } else if (c == 1 && s[1] % 3 == 0 && s[2] % 2 == 0) {
      info.kind = Kind::kNv12;
      info.h = s[1] * 2 / 3;
    } else {
      return bad();
    }
    if (info.kind != Kind::kNv12) info.base = plane_base(d.name);
    info.video = has_video_range(m.model.graph, d.name, info.base);
    return info;
  }
  struct Row {
    const char* name;
    Kind kind;
    DType dtype;
    int64_t c;
  };
  static const Row rows[] = {{"rgb", Kind::kRgb, DType::kU8, 3},
                             {"bgr", Kind::kBgr, DType::kU8, 3},
                             {"yuv444", Kind::kYuv444, DType::kU8, 3},
                             {"yuv444_128", Kind::kYuv444_128, DType::kI8, 3},
                             {"gray", Kind::kGray, DType::kU8, 1}};
  for (const Row& r : rows) {
    if (t != r.name) continue;
    if (d.dtype != r.dtype || c != r.c) return bad();
    info.kind = r.kind;
    return info;
  }
  return make_error(ErrorCode::kInvalidArgument, "model input '", d.name, "': unknown input_type '", t, "'");
}

// ---- pixel conversion ----

uint8_t to_u8(double v) {
  return static_cast<uint8_t>(std::clamp(std::round(v), 0.0, 255.0));
}

/// BT.601 RGB -> YUV, the inverse of the model head's YUV -> RGB: full range (quant/cal_data.h's matrix) or,
/// for bt601_video, Y scaled into 16..235 and U/V into 16..240.
std::array<double, 3> rgb_to_yuv(double r, double g, double b, bool video) {
  double y = 0.299 * r + 0.587 * g + 0.114 * b;
  double u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0;
  double v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128.0;
  if (video) {
    y = 16.0 + y * 219.0 / 255.0;
    u = 128.0 + (u - 128.0) * 224.0 / 255.0;
    v = 128.0 + (v - 128.0) * 224.0 / 255.0;
  }
  return {y, u, v};
}

/// One frame in the input's runtime format from an RGB (or, for gray, 1-channel) image of the model's size.
/// NV12 kinds give the whole NV12 frame (Y plane, then the interleaved UV plane).
std::vector<uint8_t> convert_image(const io::Image& img, Kind kind, bool video) {
  const int64_t h = img.height, w = img.width, hw = h * w;
  const uint8_t* p = img.pixels.data();
  std::vector<uint8_t> out;
  switch (kind) {
    case Kind::kGray:
    case Kind::kRgb: out.assign(img.pixels.begin(), img.pixels.end()); break;
    case Kind::kBgr:
      out.resize(static_cast<size_t>(hw * 3));
      for (int64_t i = 0; i < hw; ++i)
        for (int k = 0; k < 3; ++k) out[i * 3 + k] = p[i * 3 + 2 - k];
      break;
    case Kind::kYuv444:
    case Kind::kYuv444_128:
      out.resize(static_cast<size_t>(hw * 3));
      for (int64_t i = 0; i < hw; ++i) {
        const auto yuv = rgb_to_yuv(p[i * 3], p[i * 3 + 1], p[i * 3 + 2], false);
        for (int k = 0; k < 3; ++k) {
          const uint8_t v = to_u8(yuv[k]);
          // yuv444_128: the int8 value v - 128, stored as its byte.
          out[i * 3 + k] = kind == Kind::kYuv444 ? v : static_cast<uint8_t>(static_cast<int8_t>(int(v) - 128));
        }
      }
      break;
    default: {  // NV12: Y per pixel; U, V the rounded mean of the 2x2 block's unrounded values
      out.resize(static_cast<size_t>(hw + hw / 2));
      for (int64_t i = 0; i < hw; ++i) out[i] = to_u8(rgb_to_yuv(p[i * 3], p[i * 3 + 1], p[i * 3 + 2], video)[0]);
      uint8_t* uv = out.data() + hw;
      for (int64_t by = 0; by < h / 2; ++by)
        for (int64_t bx = 0; bx < w / 2; ++bx) {
          double su = 0, sv = 0;
          for (int64_t dy = 0; dy < 2; ++dy)
            for (int64_t dx = 0; dx < 2; ++dx) {
              const int64_t i = (2 * by + dy) * w + 2 * bx + dx;
              const auto yuv = rgb_to_yuv(p[i * 3], p[i * 3 + 1], p[i * 3 + 2], video);
              su += yuv[1];
              sv += yuv[2];
            }
          uv[(by * (w / 2) + bx) * 2] = to_u8(su / 4);
          uv[(by * (w / 2) + bx) * 2 + 1] = to_u8(sv / 4);
        }
    }
  }
  return out;
}

// ---- strides and raw files ----

Expected<int64_t> parse_int(const std::string& tok, const std::string& what) {
  std::string s = tok;
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  if (s == "-1") return -1;
  if (s.empty() || s.size() > 15 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return make_error(ErrorCode::kInvalidArgument, what, ": '", tok, "' is not a non-negative integer");
  return std::stoll(s);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    const size_t e = s.find(sep, pos);
    parts.push_back(s.substr(pos, e == std::string::npos ? std::string::npos : e - pos));
    if (e == std::string::npos) break;
    pos = e + 1;
  }
  return parts;
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

/// --input_stride text -> one entry per runtime input (empty: dense).
Expected<std::vector<std::vector<int64_t>>> parse_strides(const std::string& text) {
  std::vector<std::vector<int64_t>> out;
  if (blank(text)) return out;
  for (const std::string& entry : split(text, ';')) {
    std::vector<int64_t> v;
    if (!blank(entry))
      for (const std::string& tok : split(entry, ',')) {
        NPUKIT_ASSIGN_OR_RETURN(int64_t x, parse_int(tok, str_cat("--input_stride entry '", entry, "'")));
        v.push_back(x);
      }
    out.push_back(std::move(v));
  }
  return out;
}

/// Byte strides for `shape` from the user's (possibly -1) values; checks each covers the dims inside it and, for
/// pyramid inputs, the W-direction row stride (s1) alignment.
Expected<std::vector<int64_t>> resolve_strides(const std::vector<int64_t>& given, const Shape& shape, int64_t es,
                                               bool pyramid, const std::string& who) {
  const size_t r = shape.size();
  if (given.size() != r)
    return make_error(ErrorCode::kInvalidArgument, who, ": --input_stride has ", given.size(), " value(s), expected ",
                      r, " (one byte stride per dim of ", shape_str(shape), ")");
  std::vector<int64_t> st(r);
  for (size_t k = r; k-- > 0;) {
    const int64_t dense = k + 1 == r ? es : st[k + 1] * shape[k + 1];
    if (dense > kMaxBytes)
      return make_error(ErrorCode::kOutOfRange, who, ": --input_stride describes a too large buffer");
    const bool row = pyramid && r == 4 && k == 1;
    int64_t v = given[k];
    if (v == -1) {
      v = row ? (dense + kPyramidAlign - 1) / kPyramidAlign * kPyramidAlign : dense;
    } else if (v < dense) {
      return make_error(ErrorCode::kInvalidArgument, who, ": --input_stride s", k, "=", v,
                        " is smaller than the dense extent of the dims inside it (", dense, " bytes)");
    }
    if (v > kMaxBytes) return make_error(ErrorCode::kOutOfRange, who, ": --input_stride s", k, "=", v, " is too large");
    if (row && v % kPyramidAlign != 0)
      return make_error(ErrorCode::kInvalidArgument, who, ": pyramid input needs the W-direction stride s1 aligned to ",
                        kPyramidAlign, " bytes, got ", v, " (e.g. ",
                        (dense + kPyramidAlign - 1) / kPyramidAlign * kPyramidAlign, ")");
    st[k] = v;
  }
  return st;
}

/// Reads a raw buffer of `shape` (elements of `es` bytes), strided when `given` is non-empty, into dense bytes.
Expected<std::vector<uint8_t>> read_raw(const std::string& path, const Shape& shape, int64_t es,
                                        const std::vector<int64_t>& given, bool pyramid, const std::string& who) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::vector<int64_t> st;
  int64_t expected = count * es;
  if (!given.empty()) {
    NPUKIT_ASSIGN_OR_RETURN(st, resolve_strides(given, shape, es, pyramid, who));
    expected = shape.empty() ? es : shape[0] * st[0];
    if (!shape.empty() && st[0] > 0 && shape[0] > kMaxBytes / st[0])
      return make_error(ErrorCode::kOutOfRange, who, ": --input_stride describes a too large buffer");
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kNotFound, who, ": cannot read '", path, "': ", ec.message());
  if (static_cast<int64_t>(size) != expected)
    return make_error(ErrorCode::kInvalidArgument, who, ": '", path, "' has ", size, " bytes, expected ", expected,
                      given.empty() ? str_cat(" (dense ", shape_str(shape), " x ", es, " byte(s))")
                                    : str_cat(" (", shape.empty() ? 1 : shape[0], " x stride s0 ", st[0], ")"));
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(path, static_cast<size_t>(kMaxBytes)));
  std::vector<uint8_t> out(static_cast<size_t>(count * es));
  if (given.empty() || shape.empty()) {
    std::memcpy(out.data(), bytes.data(), out.size());
    return out;
  }
  // Odometer over the outer dims; the last dim copied element by element (or as one run when dense).
  const size_t r = shape.size();
  std::vector<int64_t> idx(r, 0);
  const int64_t inner = shape[r - 1];
  uint8_t* dst = out.data();
  if (count == 0) return out;
  while (true) {
    int64_t off = 0;
    for (size_t k = 0; k + 1 < r; ++k) off += idx[k] * st[k];
    if (st[r - 1] == es) {
      std::memcpy(dst, bytes.data() + off, static_cast<size_t>(inner * es));
      dst += inner * es;
    } else {
      for (int64_t i = 0; i < inner; ++i, dst += es) std::memcpy(dst, bytes.data() + off + i * st[r - 1], es);
    }
    size_t k = r - 1;
    while (k-- > 0) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
    if (k == static_cast<size_t>(-1)) break;
  }
  return out;
}

// ---- regions of interest ----

struct Roi {
  int64_t left = 0, top = 0, right = 0, bottom = 0;
  std::string where;  ///< "roi.txt line 2", for errors
};

Expected<std::vector<Roi>> parse_roi_file(const std::string& path) {
  NPUKIT_ASSIGN_OR_RETURN(std::string text, read_file(path, size_t{1} << 20));
  std::vector<Roi> out;
  int line_no = 0;
  for (std::string line : split(text, '\n')) {
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    for (char& c : line)
      if (c == ',' || c == '\t' || c == '\r') c = ' ';
    if (blank(line)) continue;
    std::vector<int64_t> v;
    const std::string where = str_cat(path, " line ", line_no);
    for (const std::string& tok : split(line, ' ')) {
      if (tok.empty()) continue;
      auto x = parse_int(tok, where);
      if (!x.ok() || *x < 0)
        return make_error(ErrorCode::kInvalidArgument, where,
                          ": expected 4 non-negative integers 'left top right bottom', got '", line, "'");
      v.push_back(*x);
    }
    if (v.size() != 4)
      return make_error(ErrorCode::kInvalidArgument, where, ": expected 4 integers 'left top right bottom', got ",
                        v.size(), " in '", line, "'");
    Roi r{v[0], v[1], v[2], v[3], where};
    if (r.left > r.right || r.top > r.bottom)
      return make_error(ErrorCode::kInvalidArgument, where, ": needs left <= right and top <= bottom, got ", r.left,
                        " ", r.top, " ", r.right, " ", r.bottom);
    out.push_back(r);
  }
  return out;
}

/// Checks `roi` lies in a w x h frame (and starts on a chroma sample for NV12).
Status check_roi(const Roi& roi, int64_t w, int64_t h, bool nv12, const std::string& who) {
  if (roi.right >= w || roi.bottom >= h)
    return make_error(ErrorCode::kInvalidArgument, who, ": ROI ", roi.left, " ", roi.top, " ", roi.right, " ",
                      roi.bottom, " (", roi.where, ") is outside the ", w, "x", h,
                      " image (inclusive coordinates: right <= ", w - 1, ", bottom <= ", h - 1, ")");
  if (nv12 && (roi.left % 2 || roi.top % 2))
    return make_error(ErrorCode::kInvalidArgument, who, ": ROI ", roi.left, " ", roi.top, " ", roi.right, " ",
                      roi.bottom, " (", roi.where, "): NV12 needs an even left and top");
  return Status::Ok();
}

io::Image crop(const io::Image& img, int64_t left, int64_t top, int64_t right, int64_t bottom) {
  io::Image out;
  out.width = right - left + 1;
  out.height = bottom - top + 1;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(out.width * out.height * img.channels));
  for (int64_t y = 0; y < out.height; ++y)
    std::memcpy(&out.pixels[static_cast<size_t>(y * out.width * img.channels)],
                &img.pixels[static_cast<size_t>(((y + top) * img.width + left) * img.channels)],
                static_cast<size_t>(out.width * img.channels));
  return out;
}

// ---- the reader ----

struct Reader {
  const npk::NpkModel& model;
  const RuntimeInputOptions& opt;
  std::vector<InputInfo> infos;
  std::vector<std::vector<int64_t>> strides;
  std::optional<std::vector<Roi>> rois;
  int64_t frame_w = 0, frame_h = 0;  ///< --input_img_size

  std::string who(const InputInfo& in) const { return str_cat("input '", in.d->name, "'"); }

  const std::vector<int64_t>& stride_of(size_t i) const {
    static const std::vector<int64_t> none;
    return i < strides.size() ? strides[i] : none;
  }

  std::optional<Roi> roi_of(const InputInfo& in) const {
    if (!rois || in.roi_index < 0) return std::nullopt;
    return (*rois)[static_cast<size_t>(in.roi_index)];
  }

  /// One frame in the runtime format of `in` (the whole NV12 frame for NV12 kinds) from an image file: the ROI
  /// (resizer inputs; default the whole image) is cropped, then resized to the model input's size.
  Expected<std::vector<uint8_t>> image_frame(const std::string& path, const InputInfo& in) const {
    const bool gray = in.kind == Kind::kGray;
    NPUKIT_ASSIGN_OR_RETURN(io::Image img, io::decode_image(path, gray ? 1 : 3));
    if (in.resizer) {
      if (auto roi = roi_of(in)) {
        const bool nv12 = in.kind == Kind::kNv12 || in.kind == Kind::kNv12Y || in.kind == Kind::kNv12UV;
        NPUKIT_RETURN_IF_ERROR(check_roi(*roi, img.width, img.height, nv12, str_cat(who(in), " ('", path, "')")));
        img = crop(img, roi->left, roi->top, roi->right, roi->bottom);
      }
    }
    return convert_image(io::resize_bilinear(img, in.h, in.w), in.kind, in.video);
  }

  /// A resizer input fed a raw frame (nv12 or gray) of --input_img_size (default: the model's size): ROI crop
  /// and resize done on the NV12 / gray planes.
  Expected<std::vector<uint8_t>> raw_resizer_frame(const std::string& path, size_t i, const InputInfo& in) const {
    const int64_t fw = frame_w > 0 ? frame_w : in.w, fh = frame_h > 0 ? frame_h : in.h;
    const bool nv12 = in.kind == Kind::kNv12;
    if (nv12 && (fw % 2 || fh % 2))
      return make_error(ErrorCode::kInvalidArgument, who(in), ": an NV12 frame needs an even width and height, got ",
                        fw, "x", fh, " (--input_img_size)");
    const Shape shape = nv12 ? Shape{1, fh * 3 / 2, fw, 1} : Shape{1, fh, fw, 1};
    NPUKIT_ASSIGN_OR_RETURN(std::vector<uint8_t> raw,
                            read_raw(path, shape, 1, stride_of(i), false, str_cat(who(in), " (resizer frame)")));
    Roi roi{0, 0, fw - 1, fh - 1, "default: the whole frame"};
    if (auto r = roi_of(in)) roi = *r;
    NPUKIT_RETURN_IF_ERROR(check_roi(roi, fw, fh, nv12, str_cat(who(in), " ('", path, "')")));
    io::Image y{fh, fw, 1, std::vector<uint8_t>(raw.begin(), raw.begin() + fh * fw)};
    std::vector<uint8_t> out =
        io::resize_bilinear(crop(y, roi.left, roi.top, roi.right, roi.bottom), in.h, in.w).pixels;
    if (nv12) {
      io::Image uv{fh / 2, fw / 2, 2, std::vector<uint8_t>(raw.begin() + fh * fw, raw.end())};
      const io::Image c = crop(uv, roi.left / 2, roi.top / 2, roi.right / 2, roi.bottom / 2);
      const std::vector<uint8_t> uvp = io::resize_bilinear(c, in.h / 2, in.w / 2).pixels;
      out.insert(out.end(), uvp.begin(), uvp.end());
    }
    return out;
  }

  /// The tensor of input `in` from one frame (repeated over the batch); `offset` skips the Y plane for UV.
  static Tensor from_frame(const InputInfo& in, const std::vector<uint8_t>& frame) {
    Tensor t(in.d->dtype, in.d->shape);
    const size_t per = t.nbytes() / static_cast<size_t>(in.n);
    const size_t offset = in.kind == Kind::kNv12UV ? static_cast<size_t>(in.h * in.w) : 0;
    for (int64_t k = 0; k < in.n; ++k)
      std::memcpy(static_cast<uint8_t*>(t.raw()) + k * per, frame.data() + offset, per);
    return t;
  }

  Status check_tensor(const Tensor& t, const InputInfo& in, const std::string& path) const {
    if (t.dtype() != in.d->dtype || t.shape() != in.d->shape)
      return make_error(ErrorCode::kInvalidArgument, who(in), ": '", path, "' holds ", type_str(t.dtype(), t.shape()),
                        " but the model input is ", type_str(in.d->dtype, in.d->shape), " (", kind_text(in.kind), ")");
    return Status::Ok();
  }

  Expected<Tensor> read_one(size_t i, const std::string& path) const {
    const InputInfo& in = infos[i];
    const std::string ext = lower_ext(path);
    const bool is_image = io::is_image_path(path);
    if (!stride_of(i).empty() && ext != ".bin")
      return make_error(ErrorCode::kInvalidArgument, who(in), ": --input_stride applies to raw .bin files, not '", path,
                        "'");
    if (ext == ".npy" || ext == ".pb") {
      Expected<Tensor> t = ext == ".npy" ? io::load_npy(path) : frontend::load_tensor_pb(path);
      if (!t.ok()) return t.status().with_context(who(in));
      NPUKIT_RETURN_IF_ERROR(check_tensor(*t, in, path));
      return t;
    }
    if (ext == ".bin") {
      if (in.resizer && (in.kind == Kind::kNv12 || in.kind == Kind::kGray) && (rois || frame_w > 0)) {
        NPUKIT_ASSIGN_OR_RETURN(std::vector<uint8_t> frame, raw_resizer_frame(path, i, in));
        return from_frame(in, frame);
      }
      const int64_t es = static_cast<int64_t>(dtype_size(in.d->dtype));
      NPUKIT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                              read_raw(path, in.d->shape, es, stride_of(i), in.pyramid, who(in)));
      Tensor t(in.d->dtype, in.d->shape);
      if (!bytes.empty()) std::memcpy(t.raw(), bytes.data(), bytes.size());
      return t;
    }
    if (is_image) {
      if (in.kind == Kind::kFeaturemap) {
        const ir::Value* v = model.model.graph.find_value(in.d->name);
        Expected<Tensor> t = pipeline::read_input_file(path, opt.image, v, opt.layout_given);
        if (!t.ok()) return t.status().with_context(who(in));
        NPUKIT_RETURN_IF_ERROR(check_tensor(*t, in, path));
        return t;
      }
      auto frame = image_frame(path, in);
      if (!frame.ok()) return frame.status().with_context(who(in));
      return from_frame(in, *frame);
    }
    return make_error(ErrorCode::kInvalidArgument, who(in), ": '", path,
                      "': unknown extension (expected .npy, .pb, .bin, .jpg, .jpeg, .png or .bmp)");
  }

  /// One file feeding both planes of a split NV12 input (indices i, i + 1): an image, or a dense NV12 .bin.
  Status read_pair(size_t i, const std::string& path, std::vector<Tensor>& out) const {
    const InputInfo& y = infos[i];
    const InputInfo& uv = infos[i + 1];
    const std::string who_pair = str_cat("input '", y.base, "' ('", y.d->name, "' + '", uv.d->name, "')");
    if (!stride_of(i).empty() || !stride_of(i + 1).empty())
      return make_error(ErrorCode::kInvalidArgument, who_pair,
                        ": --input_stride needs one file per plane (give the Y and UV files separately)");
    const std::string ext = lower_ext(path);
    std::vector<uint8_t> frame;
    if (io::is_image_path(path)) {
      auto f = image_frame(path, y);
      if (!f.ok()) return f.status().with_context(who_pair);
      frame = std::move(f).value();
      out.push_back(from_frame(y, frame));
      out.push_back(from_frame(uv, frame));
      return Status::Ok();
    }
    if (ext == ".bin") {
      // N whole NV12 frames, each the Y plane then the UV plane.
      NPUKIT_ASSIGN_OR_RETURN(frame, read_raw(path, {y.n, y.h * 3 / 2, y.w, 1}, 1, {}, false, who_pair));
      Tensor ty(DType::kU8, y.d->shape), tuv(DType::kU8, uv.d->shape);
      const size_t ny = ty.nbytes() / static_cast<size_t>(y.n), nuv = tuv.nbytes() / static_cast<size_t>(y.n);
      for (int64_t k = 0; k < y.n; ++k) {
        std::memcpy(static_cast<uint8_t*>(ty.raw()) + k * ny, frame.data() + k * (ny + nuv), ny);
        std::memcpy(static_cast<uint8_t*>(tuv.raw()) + k * nuv, frame.data() + k * (ny + nuv) + ny, nuv);
      }
      out.push_back(std::move(ty));
      out.push_back(std::move(tuv));
      return Status::Ok();
    }
    return make_error(
        ErrorCode::kInvalidArgument, who_pair, ": '", path,
        "' cannot feed both planes (an image or a whole NV12 .bin can; otherwise give one file per plane)");
  }
};

Status check_property(const std::string& prop, const InputInfo& in) {
  std::string p = prop;
  for (char& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (blank(p) || p == "-") return Status::Ok();
  if (p != "Y" && p != "UV")
    return make_error(ErrorCode::kInvalidArgument, "--input_img_properties: '", prop, "' for input '", in.d->name,
                      "' is not Y or UV");
  const Shape& s = in.d->shape;
  if (p == "Y" && in.kind != Kind::kNv12Y && in.kind != Kind::kGray)
    return make_error(ErrorCode::kInvalidArgument, "--input_img_properties: input '", in.d->name, "' is ",
                      type_str(in.d->dtype, s), " (", kind_text(in.kind),
                      "), not a Y plane (uint8 [N, H, W, 1] of a pyramid/resizer NV12 or gray input)");
  if (p == "UV" && in.kind != Kind::kNv12UV)
    return make_error(ErrorCode::kInvalidArgument, "--input_img_properties: input '", in.d->name, "' is ",
                      type_str(in.d->dtype, s), " (", kind_text(in.kind),
                      "), not a UV plane (uint8 [N, H/2, W/2, 2] of a pyramid NV12 input)");
  return Status::Ok();
}

}  // namespace

Expected<std::vector<Tensor>> read_runtime_inputs(const npk::NpkModel& model, const std::vector<std::string>& files,
                                                  const RuntimeInputOptions& opt) {
  Reader rd{model, opt, {}, {}, std::nullopt, 0, 0};
  int resizers = 0;
  for (const npk::IoDesc& d : model.inputs) {
    NPUKIT_ASSIGN_OR_RETURN(InputInfo in, classify(model, d));
    if (in.resizer) in.roi_index = resizers++;
    rd.infos.push_back(std::move(in));
  }
  const size_t n = rd.infos.size();
  // Groups: a split NV12 pair counts once.
  std::vector<std::pair<size_t, size_t>> groups;  // (first input, count)
  for (size_t i = 0; i < n; ++i) {
    const bool pair = rd.infos[i].kind == Kind::kNv12Y && i + 1 < n && rd.infos[i + 1].kind == Kind::kNv12UV &&
                      rd.infos[i + 1].base == rd.infos[i].base;
    groups.emplace_back(i, pair ? 2 : 1);
    if (pair) ++i;
  }
  const bool per_input = files.size() == n;
  if (!per_input && !(files.size() == groups.size() && groups.size() < n)) {
    std::string names;
    for (const InputInfo& in : rd.infos)
      names += str_cat(names.empty() ? "" : ", ", "'", in.d->name, "' ", type_str(in.d->dtype, in.d->shape));
    return make_error(ErrorCode::kInvalidArgument, "model has ", n, " runtime input(s) (", names,
                      ") but --input_file gave ", files.size(), " file(s)",
                      groups.size() < n
                          ? str_cat(" (or give ", groups.size(), ": one image feeds both planes of a split NV12 input)")
                          : "");
  }
  for (const std::string& f : files)
    if (f.empty()) return make_error(ErrorCode::kInvalidArgument, "--input_file has an empty entry");
  if (opt.img_properties.size() > n)
    return make_error(ErrorCode::kInvalidArgument, "--input_img_properties has ", opt.img_properties.size(),
                      " entries but the model has ", n, " runtime input(s)");
  for (size_t i = 0; i < opt.img_properties.size(); ++i)
    NPUKIT_RETURN_IF_ERROR(check_property(opt.img_properties[i], rd.infos[i]));
  NPUKIT_ASSIGN_OR_RETURN(rd.strides, parse_strides(opt.strides));
  if (rd.strides.size() > n)
    return make_error(ErrorCode::kInvalidArgument, "--input_stride has ", rd.strides.size(),
                      " entries but the model has ", n, " runtime input(s)");
  if (!opt.roi_file.empty()) {
    if (resizers == 0)
      return make_error(ErrorCode::kInvalidArgument, "--roi: the model has no resizer input (input_source resizer)");
    NPUKIT_ASSIGN_OR_RETURN(rd.rois, parse_roi_file(opt.roi_file));
    if (static_cast<int>(rd.rois->size()) != resizers)
      return make_error(ErrorCode::kInvalidArgument, "--roi ", opt.roi_file, ": has ", rd.rois->size(),
                        " ROI line(s), the model has ", resizers,
                        " resizer input(s) (one 'left top right bottom' each)");
  }
  if (!opt.img_size.empty()) {
    if (resizers == 0)
      return make_error(ErrorCode::kInvalidArgument, "--input_img_size: the model has no resizer input");
    std::string s = opt.img_size;
    for (char& c : s)
      if (c == 'X' || c == '*' || c == ',') c = 'x';
    const auto parts = split(s, 'x');
    auto w = parts.size() == 2 ? parse_int(parts[0], "--input_img_size") : Expected<int64_t>(int64_t{-1});
    auto h = parts.size() == 2 ? parse_int(parts[1], "--input_img_size") : Expected<int64_t>(int64_t{-1});
    if (!w.ok() || !h.ok() || *w <= 0 || *h <= 0 || *w > (1 << 15) || *h > (1 << 15))
      return make_error(ErrorCode::kInvalidArgument, "--input_img_size must be WxH (1..32768 each), got '",
                        opt.img_size, "'");
    rd.frame_w = *w;
    rd.frame_h = *h;
  }
  std::vector<Tensor> out;
  out.reserve(n);
  if (per_input) {
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, rd.read_one(i, files[i]));
      out.push_back(std::move(t));
    }
    return out;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto [first, count] = groups[g];
    if (count == 2) {
      NPUKIT_RETURN_IF_ERROR(rd.read_pair(first, files[g], out));
    } else {
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, rd.read_one(first, files[g]));
      out.push_back(std::move(t));
    }
  }
  return out;
}

void add_runtime_input_options(CLI::App* cmd, RuntimeInputOptions* o) {
  cmd->add_option("--input_img_properties,--input-img-properties", o->img_properties,
                  ".npk: Y or UV per runtime input (comma-separated; empty or - for none): checks which file is the "
                  "Y and which the UV plane of a pyramid NV12 input")
      ->delimiter(',');
  cmd->add_option("--input_stride,--input-stride", o->strides,
                  ".npk: byte strides of the NHWC dims of raw .bin inputs, \"s0,s1,s2,s3;...\" per runtime input "
                  "(-1: the smallest allowed; pyramid inputs need s1 aligned to 32)");
  cmd->add_option("--roi", o->roi_file,
                  ".npk: file with one 'left top right bottom' line (inclusive) per resizer input; default: the "
                  "whole image");
  cmd->add_option("--input_img_size,--input-img-size", o->img_size,
                  ".npk: WxH of the raw NV12 / gray .bin frames that feed resizer inputs (default: the model's size)");
}

bool has_runtime_input_flags(const RuntimeInputOptions& o) {
  return !o.img_properties.empty() || !o.strides.empty() || !o.roi_file.empty() || !o.img_size.empty();
}

}  // namespace npukit::cli
