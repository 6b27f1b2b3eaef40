// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for LSTM (opset 7..17 semantics: layout attribute from opset 14).
//
// Inputs: X, W, R, B, sequence_lens, initial_h, initial_c, P (all but X/W/R optional).
// Outputs (any subset, by position): Y, Y_h, Y_c. With D directions and H = hidden_size:
//   layout 0: X [seq, batch, in],  Y [seq, D, batch, H],  Y_h/Y_c/initial_h/initial_c [D, batch, H]
//   layout 1: X [batch, seq, in],  Y [batch, seq, D, H],  Y_h/Y_c/initial_h/initial_c [batch, D, H]
// hidden_size is optional in ONNX; when absent it is taken from R (R is [D, 4H, H]).
#include <algorithm>
#include <cctype>
#include <string>

#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {

Status check_shape(const InferContext& ctx, size_t i, const char* what, const Shape& want) {
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, i, what));
  if (ctx.input(i).shape != want)
    return ctx.error(ErrorCode::kShapeMismatch, what, " must have shape ", shape_str(want), ", got ",
                     shape_str(ctx.input(i).shape));
  return Status::Ok();
}

}  // namespace

std::span<const AttrSpec> attrs_LSTM() {
  static const AttrSpec kSpecs[] = {
      {"activation_alpha", AttrType::kFloats, std::vector<float>{}, AttrPresence::kOptional},
      {"activation_beta", AttrType::kFloats, std::vector<float>{}, AttrPresence::kOptional},
      {"activations", AttrType::kStrings, std::vector<std::string>{}, AttrPresence::kOptional},
      {"clip", AttrType::kFloat, 0.0f, AttrPresence::kOptional},
      {"direction", AttrType::kString, std::string("forward")},
      {"hidden_size", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"input_forget", AttrType::kInt, int64_t{0}},
      {"layout", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_LSTM(const InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return ctx.error(ErrorCode::kInvalidModel, "inputs X, W and R are required");
  const std::string direction = ctx.attrs.get_string("direction");
  int64_t d = 0;
  if (direction == "forward" || direction == "reverse")
    d = 1;
  else if (direction == "bidirectional")
    d = 2;
  else
    return ctx.error(ErrorCode::kUnsupportedAttr, "direction '", direction, "' is not supported");
  const int64_t layout = ctx.attrs.get_int("layout");
  if (layout != 0 && layout != 1) return ctx.error(ErrorCode::kUnsupportedAttr, "layout ", layout, " is not supported");
  if (ctx.attrs.has("activations")) {
    std::vector<std::string> acts = ctx.attrs.get_strings("activations");
    if (static_cast<int64_t>(acts.size()) != 3 * d)
      return ctx.error(ErrorCode::kInvalidModel, "activations has ", acts.size(), " entries, expected ", 3 * d);
    static const char* kKnown[] = {"sigmoid",    "tanh",        "relu", "affine",   "leakyrelu", "thresholdedrelu",
                                   "scaledtanh", "hardsigmoid", "elu",  "softsign", "softplus"};
    for (const std::string& a : acts) {
      std::string lower = a;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return lower == k; }) ==
          std::end(kKnown))
        return ctx.error(ErrorCode::kUnsupportedAttr, "activation '", a, "' is not supported");
    }
  }
  if (ctx.attrs.has("clip") && !(ctx.attrs.get_float("clip") > 0))
    return ctx.error(ErrorCode::kInvalidModel, "clip must be positive, got ", ctx.attrs.get_float("clip"));

  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 1, "W"));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 2, "R"));
  const Shape& x = ctx.input(0).shape;
  const Shape& r = ctx.input(2).shape;
  if (x.size() != 3) return ctx.error(ErrorCode::kShapeMismatch, "X must have rank 3, got ", shape_str(x));
  if (r.size() != 3) return ctx.error(ErrorCode::kShapeMismatch, "R must have rank 3, got ", shape_str(r));
  const int64_t h = ctx.attrs.has("hidden_size") ? ctx.attrs.get_int("hidden_size") : r[2];
  if (h < 1) return ctx.error(ErrorCode::kInvalidModel, "hidden_size must be >= 1, got ", h);
  const int64_t seq = layout == 0 ? x[0] : x[1], batch = layout == 0 ? x[1] : x[0], in = x[2];
  NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 1, "W", {d, 4 * h, in}));
  NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 2, "R", {d, 4 * h, h}));
  if (ctx.has_input(3)) NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 3, "B", {d, 8 * h}));
  if (ctx.has_input(4)) {
    const TensorInfo& sl = ctx.input(4);
    if (sl.dtype != DType::kI32 && sl.dtype != DType::kI64)
      return ctx.error(ErrorCode::kShapeMismatch, "sequence_lens must be int32, got ", dtype_name(sl.dtype));
    if (sl.shape != Shape{batch})
      return ctx.error(ErrorCode::kShapeMismatch, "sequence_lens must have shape [", batch, "], got ",
                       shape_str(sl.shape));
    if (sl.value)
      for (int64_t i = 0; i < batch; ++i) {
        int64_t v = sl.value->get_as_int64(i);
        if (v < 0 || v > seq)
          return ctx.error(ErrorCode::kOutOfRange, "sequence_lens[", i, "] = ", v, " is outside [0, ", seq, "]");
      }
  }
  const Shape state = layout == 0 ? Shape{d, batch, h} : Shape{batch, d, h};
  if (ctx.has_input(5)) NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 5, "initial_h", state));
  if (ctx.has_input(6)) NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 6, "initial_c", state));
  if (ctx.has_input(7)) NPUKIT_RETURN_IF_ERROR(check_shape(ctx, 7, "P", {d, 3 * h}));
  std::vector<TensorType> out;
  const Shape y = layout == 0 ? Shape{seq, d, batch, h} : Shape{batch, seq, d, h};
  if (ctx.num_outputs > 0) out.push_back({DType::kF32, y});
  if (ctx.num_outputs > 1) out.push_back({DType::kF32, state});
  if (ctx.num_outputs > 2) out.push_back({DType::kF32, state});
  return out;
}

}  // namespace npukit::ir
