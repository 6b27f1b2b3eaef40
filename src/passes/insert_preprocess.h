// SPDX-License-Identifier: Apache-2.0
// passes: insert_preprocess — hb_compile-style input preprocessing folded into the model head.
//
// The deployed model takes the runtime image format (input_type_rt, e.g. NV12 uint8) directly; the nodes
// inserted here convert it to what the float model was trained on (input_type_train, input_layout_train)
// and apply norm_type / mean_value / scale_value. Every step is a separate function because calibration
// data are RAW train-format tensors (quant/cal_data.h): the pipeline inserts the normalisation, calibrates,
// then inserts the format conversion in front of it. docs/PREPROCESS.md gives the formulas, the runtime
// tensor shapes and examples.
//
// Only standard ONNX ops of the op table are inserted (Cast, Slice, Reshape, Resize, Concat, Transpose,
// Gather, Conv, MatMul, Add, Sub, Mul, Max, Min, Clip), so an exported model runs in any ONNX runtime.
// Inserted nodes are named "preprocess/<input>/<step>" and carry origin {"preprocess/<input>"}.
// The passes leave new values untyped: call interp::resolve() afterwards. This library must not depend
// on config/ (it mirrors the needed enums; the pipeline maps config → InputConversionSpec).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Image / tensor formats (input_type_rt / input_type_train). kNv12 is a runtime format only.
enum class PixelFormat : uint8_t { kFeaturemap, kRgb, kBgr, kGray, kYuv444, kYuv444_128, kNv12 };
/// Layout of the float model's input (input_layout_train).
enum class ImageLayout : uint8_t { kNCHW, kNHWC };
/// input_space_and_range: kRegular = full-range YUV 0..255 (BT.601 "JPEG"); kBt601Video = limited range
/// (Y 16..235, U/V 16..240). Only meaningful for rt nv12.
enum class YuvRange : uint8_t { kRegular, kBt601Video };
/// How an NV12 runtime input is presented to the user of the deployed model.
enum class Nv12Form : uint8_t {
  /// One uint8 tensor [N, H*3/2, W, 1]: rows 0..H-1 are the Y plane, rows H..H*3/2-1 the interleaved UV plane
  /// (U at even, V at odd bytes) — byte-identical to an NV12 frame buffer; the input keeps its name.
  kSingle,
  /// Two uint8 tensors "<name>_y" [N, H, W, 1] and "<name>_uv" [N, H/2, W/2, 2], as hbm pyramid inputs are.
  kSplitYUV,
};

/// "featuremap" "rgb" "bgr" "gray" "yuv444" "yuv444_128" "nv12".
const char* to_string(PixelFormat f);
const char* to_string(ImageLayout l);

/// The rt × train table of the reference (hb_compile input_type_rt/input_type_train): train yuv444 ←
/// {nv12, yuv444}; rgb / bgr ← {nv12, yuv444, rgb, bgr}; gray ← gray; featuremap ← featuremap. yuv444_128
/// (absent from the table, same data as yuv444 offset by 128) shares the yuv444 row and column.
bool conversion_supported(PixelFormat rt, PixelFormat train);

/// Conversion of one graph input from the runtime format to the train format.
struct InputConversionSpec {
  std::string input;  ///< graph input name (its value must be typed: f32, static shape)
  PixelFormat rt = PixelFormat::kFeaturemap;
  PixelFormat train = PixelFormat::kFeaturemap;
  /// Required for image train types (which need a 4-D input with 3 channels, 1 for gray).
  std::optional<ImageLayout> train_layout;
  YuvRange range = YuvRange::kRegular;  ///< kBt601Video only with rt nv12 and train rgb / bgr
  Nv12Form nv12_form = Nv12Form::kSingle;
};

/// (a) Normalisation in front of graph input `input`: x → (x - mean[c]) * scale[c]. The input keeps its name,
/// dtype (f32) and shape; its former readers read the normalised value (a graph output that IS the input stays
/// the raw input). mean / scale hold 1 value (every channel; any rank) or C values (4-D input, channel axis 1
/// for NCHW, 3 for NHWC; needs `layout`); empty = no Sub / no Mul. Nodes: Sub "preprocess/<input>/mean",
/// Mul "preprocess/<input>/scale". kNotFound for an unknown input; kInvalidArgument for a wrong value count,
/// a missing layout or a non-f32 / untyped input. `changed` tells whether a node was inserted; `inserted`
/// (optional) receives the inserted nodes in order (e.g. for the quantizer to keep them in float).
Status insert_input_norm(ir::Graph& graph, const std::string& input, const std::vector<double>& mean,
                         const std::vector<double>& scale, std::optional<ImageLayout> layout, bool& changed,
                         std::vector<ir::Node*>* inserted = nullptr);

/// (b) Makes graph input spec.input take the runtime format: a new runtime input (uint8 for rgb / bgr / gray /
/// yuv444 / nv12, int8 for yuv444_128, rt tensors in NHWC: [N, H, W, C]; nv12 per spec.nv12_form) replaces it at
/// the same position of the input list, and nodes convert it to the train-format f32 tensor the old input
/// value held (the old value keeps its readers and becomes "preprocess/<input>/train"). featuremap → featuremap
/// changes nothing. Returns the names of the new runtime inputs (one, or "<name>_y", "<name>_uv" for the
/// split NV12 form). kInvalidArgument naming the combination for one the table does not allow, and for a
/// shape that does not fit the train type (rank 4, channels, even H and W for nv12), a missing layout, or
/// bt601_video outside rt nv12 → train rgb / bgr. `inserted` (optional) receives the inserted nodes in order.
Expected<std::vector<std::string>> insert_input_conversion(ir::Graph& graph, const InputConversionSpec& spec,
                                                           std::vector<ir::Node*>* inserted = nullptr);

/// Resolves a model (interp::resolve in the pipeline; injected because passes/ must not depend on interp/).
using ResolveFn = std::function<Status(ir::Model&)>;

/// (c) input_batch: sets the batch (first) dim of graph input `input` from 1 to `batch`, then re-resolves
/// the model with `resolve` and checks it is batch-agnostic: resolve succeeds and every graph output's first
/// dim d0 became batch * d0. Apply it to a model whose shape computations are not folded yet (right after
/// import): a constant folded for batch 1 (e.g. Reshape to [1, -1]) makes the check fail. kInvalidArgument
/// (single-input rule is the caller's: hb allows input_batch only for single-input models) when the first
/// dim is not 1, batch is outside 1..4096, or the model is not batch-agnostic (the message names the output
/// or carries the resolve error). batch 1 is a no-op.
Status set_input_batch(ir::Model& model, const std::string& input, int64_t batch, const ResolveFn& resolve);

/// (c) separate_batch: replaces graph input `input` (typed, first dim N ≥ 1) by N inputs "<input>_0" ...
/// "<input>_<N-1>" of shape [1, ...] at its position, concatenated on axis 0 by node
/// "preprocess/<input>/separate_batch" into the old value (renamed "preprocess/<input>/batched"). Apply after
/// insert_input_conversion so the separate inputs are in the runtime format. Returns the new input names.
Expected<std::vector<std::string>> insert_separate_batch(ir::Graph& graph, const std::string& input);

}  // namespace npukit::passes
