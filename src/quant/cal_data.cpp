// SPDX-License-Identifier: Apache-2.0
#include "quant/cal_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/file_util.h"
#include "core/log.h"
#include "io/image.h"
#include "io/npy.h"

namespace npukit::quant {
namespace {

namespace fs = std::filesystem;

std::string lower_ext(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Sorted regular, non-hidden files of a folder.
Expected<std::vector<std::string>> list_files(const CalInputSpec& spec) {
  std::error_code ec;
  if (!fs::is_directory(spec.dir, ec)) {
    return make_error(ErrorCode::kNotFound, "calibration data folder '", spec.dir, "' of input '", spec.name,
                      "' does not exist or is not a folder");
  }
  std::vector<std::string> files;
  for (fs::directory_iterator it(spec.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string base = it->path().filename().string();
    if (base.empty() || base[0] == '.') continue;
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    files.push_back(it->path().string());
  }
  if (ec) {
    return make_error(ErrorCode::kIoError, "cannot list calibration data folder '", spec.dir, "': ", ec.message());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "calibration data folder '", spec.dir, "' of input '", spec.name,
                      "' is empty");
  }
  return files;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += str_cat(i ? "," : "", s[i]);
  return out + "]";
}

Expected<Tensor> load_npy_sample(const std::string& path, const CalInputSpec& spec) {
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, io::load_npy(path));
  Shape no_batch;
  const bool batch1 = !spec.shape.empty() && spec.shape[0] == 1;
  if (batch1) no_batch.assign(spec.shape.begin() + 1, spec.shape.end());
  if (t.shape() != spec.shape && !(batch1 && t.shape() == no_batch)) {
    return make_error(ErrorCode::kShapeMismatch, path, ": npy shape ", shape_str(t.shape()), " does not match input '",
                      spec.name, "' shape ", shape_str(spec.shape),
                      batch1 ? str_cat(" (or ", shape_str(no_batch), ")") : std::string());
  }
  if (t.dtype() == spec.dtype) return t.reshaped(spec.shape);
  if (spec.dtype != DType::kF32 || t.dtype() == DType::kBool) {
    return make_error(ErrorCode::kShapeMismatch, path, ": npy dtype ", dtype_name(t.dtype()), " does not match input '",
                      spec.name, "' dtype ", dtype_name(spec.dtype));
  }
  // Numeric npy for an f32 input: convert (uint8 image dumps are common calibration files).
  Tensor out(DType::kF32, spec.shape);
  float* o = out.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) o[i] = static_cast<float>(t.get_as_double(i));
  return out;
}

Expected<Tensor> load_bin_sample(const std::string& path, const CalInputSpec& spec) {
  if (spec.dtype != DType::kF32) {
    return make_error(ErrorCode::kShapeMismatch, path, ": raw .bin files hold float32, but input '", spec.name, "' is ",
                      dtype_name(spec.dtype));
  }
  NPUKIT_ASSIGN_OR_RETURN(Tensor out, Tensor::create(DType::kF32, spec.shape));
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(path, out.nbytes() + 1));
  if (bytes.size() != out.nbytes()) {
    return make_error(ErrorCode::kShapeMismatch, path, ": raw float32 file has ", bytes.size(), " bytes, input '",
                      spec.name, "' ", shape_str(spec.shape), " needs ", out.nbytes(), " (", out.numel(),
                      " elements x 4)");
  }
  if (!bytes.empty()) std::memcpy(out.raw(), bytes.data(), bytes.size());
  return out;
}

Expected<Tensor> load_image_sample(const std::string& path, const CalInputSpec& spec) {
  if (spec.format == CalImageFormat::kFeaturemap) {
    return make_error(ErrorCode::kInvalidArgument, path, ": image file for input '", spec.name,
                      "' whose input_type_train is featuremap (use .npy or .bin)");
  }
  if (spec.shape.size() != 4) {
    return make_error(ErrorCode::kShapeMismatch, path, ": image file for input '", spec.name, "' of rank ",
                      spec.shape.size(), " (images need a 4-D input)");
  }
  if (spec.dtype != DType::kF32) {
    return make_error(ErrorCode::kShapeMismatch, path, ": image files give float32 data, but input '", spec.name,
                      "' is ", dtype_name(spec.dtype));
  }
  CalLayout layout;
  if (spec.layout) {
    layout = *spec.layout;
  } else if (spec.shape[1] == 1 || spec.shape[1] == 3) {
    layout = CalLayout::kNCHW;
  } else if (spec.shape[3] == 1 || spec.shape[3] == 3) {
    layout = CalLayout::kNHWC;
  } else {
    return make_error(ErrorCode::kShapeMismatch, path, ": cannot tell the layout of input '", spec.name, "' ",
                      shape_str(spec.shape), "; set input_layout_train");
  }
  const bool nchw = layout == CalLayout::kNCHW;
  const int64_t c = nchw ? spec.shape[1] : spec.shape[3];
  const int64_t h = nchw ? spec.shape[2] : spec.shape[1];
  const int64_t w = nchw ? spec.shape[3] : spec.shape[2];
  const bool gray = spec.format == CalImageFormat::kGray;
  const int64_t want_c = gray ? 1 : 3;
  if (c != want_c) {
    return make_error(ErrorCode::kShapeMismatch, path, ": input '", spec.name, "' ", shape_str(spec.shape), " has ", c,
                      " channels, but input_type_train ", gray ? "gray" : "rgb/bgr/yuv444", " gives ", want_c);
  }
  if (spec.shape[0] != 1) {
    return make_error(ErrorCode::kShapeMismatch, path, ": one image per sample needs batch 1, input '", spec.name,
                      "' has ", spec.shape[0]);
  }
  io::ImagePreprocess p;
  p.height = h;
  p.width = w;
  p.resize_short = 0;  // direct resize (see the header)
  p.layout = nchw ? io::ImageLayout::kNCHW : io::ImageLayout::kNHWC;
  p.order = gray ? io::ChannelOrder::kGray
                 : (spec.format == CalImageFormat::kBgr ? io::ChannelOrder::kBGR : io::ChannelOrder::kRGB);
  auto loaded = io::load_image(path, p);
  if (!loaded.ok()) {
    const std::string& m = loaded.status().message();
    // io messages already start with the path; add it only when they do not.
    if (m.find(path) != std::string::npos) return loaded.status();
    return loaded.status().with_context(path);
  }
  Tensor t = std::move(*loaded);
  if (t.shape() != spec.shape) {
    return make_error(ErrorCode::kInternal, path, ": image preprocessing gave ", shape_str(t.shape()), ", expected ",
                      shape_str(spec.shape));
  }
  if (spec.format == CalImageFormat::kYuv444 || spec.format == CalImageFormat::kYuv444_128) {
    const double offset = spec.format == CalImageFormat::kYuv444_128 ? 128.0 : 0.0;
    float* d = t.data<float>();
    const int64_t hw = h * w;
    for (int64_t i = 0; i < hw; ++i) {
      // Element index of channel k of pixel i.
      auto at = [&](int64_t k) -> float& { return nchw ? d[k * hw + i] : d[i * 3 + k]; };
      const double r = at(0), g = at(1), b = at(2);
      const double yuv[3] = {0.299 * r + 0.587 * g + 0.114 * b, -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0,
                             0.5 * r - 0.418688 * g - 0.081312 * b + 128.0};
      for (int k = 0; k < 3; ++k) {
        const double v = std::clamp(std::round(yuv[k]), 0.0, 255.0);
        at(k) = static_cast<float>(v - offset);
      }
    }
  }
  return t;
}

}  // namespace

Expected<CalImageFormat> parse_cal_image_format(const std::string& s) {
  if (s == "rgb") return CalImageFormat::kRgb;
  if (s == "bgr") return CalImageFormat::kBgr;
  if (s == "gray") return CalImageFormat::kGray;
  if (s == "yuv444") return CalImageFormat::kYuv444;
  if (s == "yuv444_128") return CalImageFormat::kYuv444_128;
  if (s == "featuremap") return CalImageFormat::kFeaturemap;
  return make_error(ErrorCode::kInvalidArgument, "unknown input_type_train '", s,
                    "' (expected rgb, bgr, gray, yuv444, yuv444_128 or featuremap)");
}

Expected<Tensor> load_calibration_file(const std::string& path, const CalInputSpec& spec) {
  const std::string ext = lower_ext(path);
  if (ext == ".npy") return load_npy_sample(path, spec);
  if (ext == ".bin") return load_bin_sample(path, spec);
  if (io::is_image_path(path)) return load_image_sample(path, spec);
  return make_error(ErrorCode::kInvalidArgument, path, ": unknown calibration file extension '", ext,
                    "' (expected .npy, .bin, .jpg, .jpeg, .png or .bmp)");
}

Expected<std::vector<std::vector<Tensor>>> load_calibration_data(const std::vector<CalInputSpec>& inputs,
                                                                 const CalDataOptions& options) {
  if (inputs.empty()) return make_error(ErrorCode::kInvalidArgument, "calibration data: no inputs given");
  std::vector<std::vector<std::string>> files;
  for (const auto& spec : inputs) {
    NPUKIT_ASSIGN_OR_RETURN(auto f, list_files(spec));
    files.push_back(std::move(f));
  }
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (files[i].size() != files[0].size()) {
      return make_error(ErrorCode::kInvalidArgument, "calibration data folders hold different file counts: '",
                        inputs[0].dir, "' (input '", inputs[0].name, "') has ", files[0].size(), ", '", inputs[i].dir,
                        "' (input '", inputs[i].name, "') has ", files[i].size());
    }
  }
  int64_t n = static_cast<int64_t>(files[0].size());
  if (options.max_samples > 0) n = std::min(n, options.max_samples);
  std::vector<std::vector<Tensor>> samples;
  samples.reserve(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    std::vector<Tensor> sample;
    for (size_t i = 0; i < inputs.size(); ++i) {
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, load_calibration_file(files[i][static_cast<size_t>(k)], inputs[i]));
      sample.push_back(std::move(t));
    }
    samples.push_back(std::move(sample));
    if (options.progress_every > 0 && ((k + 1) % options.progress_every == 0 || k + 1 == n)) {
      log::info("calibration data: loaded ", k + 1, "/", n, " samples");
    }
  }
  return samples;
}

Status apply_norm(Tensor& t, const std::vector<double>& mean, const std::vector<double>& scale, CalLayout layout) {
  if (t.dtype() != DType::kF32) {
    return make_error(ErrorCode::kInvalidArgument, "apply_norm: tensor must be f32, got ", dtype_name(t.dtype()));
  }
  const bool per_channel = mean.size() > 1 || scale.size() > 1;
  int64_t channels = 1, inner = 1;
  if (per_channel) {
    if (t.rank() != 4) {
      return make_error(ErrorCode::kInvalidArgument, "apply_norm: per-channel mean/scale need a 4-D tensor, got rank ",
                        t.rank());
    }
    channels = layout == CalLayout::kNCHW ? t.dim(1) : t.dim(3);
    inner = layout == CalLayout::kNCHW ? t.dim(2) * t.dim(3) : 1;
  }
  auto check = [&](const std::vector<double>& v, const char* what) -> Status {
    if (v.size() > 1 && static_cast<int64_t>(v.size()) != channels) {
      return make_error(ErrorCode::kInvalidArgument, "apply_norm: ", what, " has ", v.size(),
                        " values, the tensor has ", channels, " channels");
    }
    return Status::Ok();
  };
  NPUKIT_RETURN_IF_ERROR(check(mean, "mean_value"));
  NPUKIT_RETURN_IF_ERROR(check(scale, "scale_value"));
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t c = per_channel ? (i / inner) % channels : 0;
    const double m = mean.empty() ? 0.0 : mean[mean.size() == 1 ? 0 : static_cast<size_t>(c)];
    const double s = scale.empty() ? 1.0 : scale[scale.size() == 1 ? 0 : static_cast<size_t>(c)];
    // Computed in double, rounded once to f32 (matches a folded Sub/Mul to within 1 ulp).
    d[i] = static_cast<float>((static_cast<double>(d[i]) - m) * s);
  }
  return Status::Ok();
}

}  // namespace npukit::quant
