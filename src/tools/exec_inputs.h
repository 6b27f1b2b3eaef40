// SPDX-License-Identifier: Apache-2.0
// tools: input files -> the runtime input tensors of a compiled model (.npk), the way hrt_model_exec feeds a
// model: .npy / .pb tensors, raw .bin buffers (optionally strided, --input_stride), and images converted to the
// input's runtime format (rgb / bgr / gray / yuv444 / yuv444_128 / nv12, one NV12 tensor or the split Y and UV
// planes of a pyramid input); resizer inputs crop a region of interest (--roi) and resize it to the model's
// input size, emulating the board's resizer unit. The rules are documented in docs/EXEC.md.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "io/image.h"
#include "npk/npk_model.h"

namespace npukit::cli {

struct RuntimeInputOptions {
  /// --input_img_properties: one entry per runtime input in model order, "Y", "UV" or "" / "-" (none); a
  /// shorter list leaves the remaining inputs without a property.
  std::vector<std::string> img_properties;
  /// --input_stride: "s0,s1,s2,s3;s0,s1,s2,s3;..." byte strides per runtime input (an empty entry: dense).
  std::string strides;
  /// --roi: text file, one "left top right bottom" line per resizer input (inclusive pixel coordinates).
  std::string roi_file;
  /// --input_img_size "WxH": the frame size of raw .bin files that feed resizer inputs.
  std::string img_size;
  /// featuremap (f32) inputs fed an image: the classic preprocessing of `exec infer` (pipeline::read_input_file).
  io::ImagePreprocess image;
  bool layout_given = false;
};

/// Registers --input_img_properties, --input_stride, --roi and --input_img_size (shared by `exec infer` and
/// `exec perf`) into the matching fields of `o`.
void add_runtime_input_options(CLI::App* cmd, RuntimeInputOptions* o);

/// True when any of those flags was given.
bool has_runtime_input_flags(const RuntimeInputOptions& o);

/// Reads the runtime inputs of `model` (NpkModel::inputs order, dtypes and shapes exactly) from `files`:
/// either one file per runtime input, or one file per model input where a split NV12 pair (`<x>_y`, `<x>_uv`)
/// counts once (an image or a dense NV12 .bin then feeds both planes). Errors name the input and the file.
Expected<std::vector<Tensor>> read_runtime_inputs(const npk::NpkModel& model, const std::vector<std::string>& files,
                                                  const RuntimeInputOptions& options = {});

}  // namespace npukit::cli
