// SPDX-License-Identifier: Apache-2.0
// npukit quant: loading calibration data (the yaml `cal_data_dir`, one folder per model input).
//
// Folder rules: every input has its own folder; the regular files of each folder are sorted by
// name (byte-wise) and sample k is the k-th file of every folder, so all folders must hold the
// same number of files. Hidden files (starting with '.') are ignored.
//
// File formats, by extension (case-insensitive):
//   .npy   shape equal to the input shape, or to the input shape without its batch dim when the
//          batch is 1; numeric dtypes are converted to an f32 input (other input dtypes need the
//          same dtype).
//   .bin   raw little-endian float32, C order; byte size must be the input's element count * 4
//          (f32 inputs only).
//   .jpg .jpeg .png .bmp   decoded and converted per ImageSpec::format:
//          rgb / bgr / gray: 8-bit pixel values 0..255 as f32, channels in that order; gray is the
//          luma of io::decode_image (1 channel).
//          yuv444: BT.601 full range ("JPEG" YUV) from the decoded RGB, rounded half away from zero
//          and clamped to 0..255 (the values an 8-bit YUV444 camera buffer would hold):
//            Y =  0.299    R + 0.587    G + 0.114    B
//            U = -0.168736 R - 0.331264 G + 0.5      B + 128
//            V =  0.5      R - 0.418688 G - 0.081312 B + 128
//          yuv444_128: as yuv444, then 128 subtracted from every channel (values -128..127).
//          Resize: DIRECT bilinear resize to the input's H x W (aspect ratio not kept, no crop);
//          calibration statistics should see the whole image, as the deployed preprocessing
//          decides cropping and the user can pre-crop the files if needed.
//          Layout: NCHW or NHWC from ImageSpec::layout, else guessed from the shape (dim 1 in
//          {1, 3} → NCHW, else dim 3 in {1, 3} → NHWC).
//
// Normalisation (norm_type / mean_value / scale_value) is NOT applied here: like hb_compile,
// npukit folds it into the model (a preprocessing node in front of the input), so the
// calibration data are the RAW inputs of the deployed model. A caller that calibrates the
// un-folded float model directly must call apply_norm() on each image sample itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"

namespace npukit::quant {

/// How image files of one input are converted (mirrors config's input_type_train / input_layout_train
/// without depending on the config library).
enum class CalImageFormat : uint8_t { kRgb, kBgr, kGray, kYuv444, kYuv444_128, kFeaturemap };
enum class CalLayout : uint8_t { kNCHW, kNHWC };

/// Parses "rgb" "bgr" "gray" "yuv444" "yuv444_128" "featuremap" (kInvalidArgument otherwise).
Expected<CalImageFormat> parse_cal_image_format(const std::string& s);

/// One model input as the loader needs it.
struct CalInputSpec {
  std::string name;  ///< input name (messages only)
  std::string dir;   ///< folder with this input's files
  DType dtype = DType::kF32;
  Shape shape;  ///< static input shape (batch included)
  /// Format of image files; kFeaturemap rejects image files (a feature map has no pixel format).
  CalImageFormat format = CalImageFormat::kFeaturemap;
  std::optional<CalLayout> layout;  ///< image layout; unset: guessed from the shape
};

struct CalDataOptions {
  /// Use at most this many samples (the first ones in sorted order); 0 = all.
  int64_t max_samples = 0;
  /// log::info a progress line every this many samples (and after the last); 0 = never.
  int64_t progress_every = 10;
};

/// Loads the calibration samples: result[k][i] is sample k of input i, with exactly the input's
/// dtype and shape. Errors name the file (or folder): kNotFound for a missing folder, kInvalidArgument
/// for an empty folder, mismatched file counts across inputs, an unknown extension, a wrong npy shape /
/// bin size / channel count, an image for a featuremap input, a corrupt image; kIoError when unreadable.
Expected<std::vector<std::vector<Tensor>>> load_calibration_data(const std::vector<CalInputSpec>& inputs,
                                                                 const CalDataOptions& options = {});

/// Loads one calibration file for `spec` (the per-file part of load_calibration_data).
Expected<Tensor> load_calibration_file(const std::string& path, const CalInputSpec& spec);

/// Applies hb-style normalisation in place: x = (x - mean[c]) * scale[c] for f32 tensors. mean / scale
/// hold 1 value (all channels) or C values (channel axis 1 for NCHW, 3 for NHWC; needs rank 4); an
/// empty vector means 0 / 1. kInvalidArgument for a non-f32 tensor or wrong counts.
Status apply_norm(Tensor& t, const std::vector<double>& mean, const std::vector<double>& scale, CalLayout layout);

}  // namespace npukit::quant
