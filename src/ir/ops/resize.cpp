// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for Resize, DepthToSpace, SpaceToDepth.
//
// Resize canonical form (opset 13..17): inputs X, roi, scales, sizes; any of roi/scales/sizes may be absent or
// an empty tensor, and exactly one of scales/sizes must be non-empty. Both are needed as constants (they
// decide the output shape). Output size per ONNX: sizes as given, or floor(in * scale) (tf_crop_and_resize:
// floor(in * (roi_end - roi_start) * scale)). The product is evaluated in double from the f32 scale, as the
// ONNX reference implementation does.
#include <cmath>
#include <string>

#include "ir/op_table.h"

namespace npukit::ir {
namespace {

/// True if optional input i is present and has at least one element.
bool non_empty(const InferContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return false;
  for (int64_t d : ctx.input(i).shape)
    if (d == 0) return false;
  return true;
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

Status check_block(const InferContext& ctx, int64_t* blocksize) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input is required");
  if (dtype_size(ctx.input(0).dtype) == 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(ctx.input(0).dtype), " is not supported");
  if (ctx.input(0).shape.size() != 4)
    return ctx.error(ErrorCode::kShapeMismatch, "input must have rank 4 (N, C, H, W), got ",
                     shape_str(ctx.input(0).shape));
  *blocksize = ctx.attrs.get_int("blocksize");
  if (*blocksize < 1) return ctx.error(ErrorCode::kInvalidModel, "blocksize must be >= 1, got ", *blocksize);
  return Status::Ok();
}

}  // namespace

std::span<const AttrSpec> attrs_Resize() {
  static const AttrSpec kSpecs[] = {
      {"coordinate_transformation_mode", AttrType::kString, std::string("half_pixel")},
      {"cubic_coeff_a", AttrType::kFloat, -0.75f},
      {"exclude_outside", AttrType::kInt, int64_t{0}},
      {"extrapolation_value", AttrType::kFloat, 0.0f},
      {"mode", AttrType::kString, std::string("nearest")},
      {"nearest_mode", AttrType::kString, std::string("round_prefer_floor")},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_Resize(const InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input X is required");
  const TensorInfo& x = ctx.input(0);
  // Integer codes (i8 / u8 / i16) move unchanged under nearest-neighbour resize (no crop: no extrapolation).
  const bool codes = x.dtype == DType::kI8 || x.dtype == DType::kU8 || x.dtype == DType::kI16;
  if (codes && (ctx.attrs.get_string("mode") != "nearest" ||
                ctx.attrs.get_string("coordinate_transformation_mode") == "tf_crop_and_resize"))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input X dtype ", dtype_name(x.dtype),
                     " needs mode 'nearest' without tf_crop_and_resize (integer codes are only moved)");
  if (x.dtype != DType::kF32 && !codes) {
    if (dtype_is_float(x.dtype))
      return ctx.error(ErrorCode::kUnsupportedAttr, "input X has dtype ", dtype_name(x.dtype),
                       " which npukit does not compute in (f32 only)");
    return ctx.error(ErrorCode::kUnsupportedAttr, "input X dtype ", dtype_name(x.dtype),
                     " is not supported (f32, or i8 / u8 / i16 with mode nearest)");
  }
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank < 1) return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 1");
  const std::string mode = ctx.attrs.get_string("mode");
  if (!one_of(mode, {"nearest", "linear", "cubic"}))
    return ctx.error(ErrorCode::kUnsupportedAttr, "mode '", mode, "' is not supported");
  const std::string ctm = ctx.attrs.get_string("coordinate_transformation_mode");
  if (!one_of(ctm, {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                    "tf_half_pixel_for_nn", "tf_crop_and_resize"}))
    return ctx.error(ErrorCode::kUnsupportedAttr, "coordinate_transformation_mode '", ctm, "' is not supported");
  const std::string nm = ctx.attrs.get_string("nearest_mode");
  if (!one_of(nm, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}))
    return ctx.error(ErrorCode::kUnsupportedAttr, "nearest_mode '", nm, "' is not supported");

  const bool has_scales = non_empty(ctx, 2), has_sizes = non_empty(ctx, 3);
  if (has_scales == has_sizes)
    return ctx.error(ErrorCode::kInvalidModel, "exactly one of 'scales' and 'sizes' must be given (got ",
                     has_scales ? "both" : "neither", ")");
  const bool crop = ctm == "tf_crop_and_resize";
  std::vector<double> roi;
  if (crop) {
    if (!non_empty(ctx, 1))
      return ctx.error(ErrorCode::kInvalidModel, "coordinate_transformation_mode tf_crop_and_resize needs input roi");
    const Tensor* rv = ctx.input(1).value;
    if (!rv) return ctx.error(ErrorCode::kShapeMismatch, "input 'roi' must be constant");
    if (rv->numel() != 2 * rank)
      return ctx.error(ErrorCode::kShapeMismatch, "roi has ", rv->numel(), " values, expected 2*rank = ", 2 * rank);
    for (int64_t i = 0; i < rv->numel(); ++i) roi.push_back(rv->get_as_double(i));
  }
  Shape out(static_cast<size_t>(rank));
  if (has_scales) {
    const Tensor* sv = ctx.input(2).value;
    if (!sv) return ctx.error(ErrorCode::kShapeMismatch, "input 'scales' must be constant to infer the output shape");
    if (!dtype_is_float(sv->dtype()))
      return ctx.error(ErrorCode::kShapeMismatch, "scales must be float, got ", dtype_name(sv->dtype()));
    if (sv->numel() != rank)
      return ctx.error(ErrorCode::kShapeMismatch, "scales has ", sv->numel(), " values, X has rank ", rank);
    for (int64_t i = 0; i < rank; ++i) {
      double s = static_cast<double>(static_cast<float>(sv->get_as_double(i)));
      if (!(s > 0) || !std::isfinite(s))
        return ctx.error(ErrorCode::kShapeMismatch, "scales[", i, "] = ", s, " must be positive and finite");
      double len = static_cast<double>(x.shape[i]) * (crop ? roi[rank + i] - roi[i] : 1.0) * s;
      if (len < 0 || len > static_cast<double>(kMaxTensorElements))
        return ctx.error(ErrorCode::kOutOfRange, "output dim ", i, " (", len, ") is out of range");
      out[i] = static_cast<int64_t>(std::floor(len));
    }
  } else {
    const Tensor* zv = ctx.input(3).value;
    if (!zv) return ctx.error(ErrorCode::kShapeMismatch, "input 'sizes' must be constant to infer the output shape");
    if (zv->dtype() != DType::kI64 && zv->dtype() != DType::kI32)
      return ctx.error(ErrorCode::kShapeMismatch, "sizes must be int64, got ", dtype_name(zv->dtype()));
    if (zv->numel() != rank)
      return ctx.error(ErrorCode::kShapeMismatch, "sizes has ", zv->numel(), " values, X has rank ", rank);
    for (int64_t i = 0; i < rank; ++i) {
      out[i] = zv->get_as_int64(i);
      if (out[i] < 0) return ctx.error(ErrorCode::kShapeMismatch, "sizes[", i, "] = ", out[i], " is negative");
    }
  }
  for (int64_t i = 0; i < rank; ++i)
    if (out[i] > 0 && x.shape[i] == 0)
      return ctx.error(ErrorCode::kShapeMismatch, "cannot resize empty dim ", i, " to ", out[i]);
  auto n = checked_numel(out);
  if (!n.ok()) return ctx.error(ErrorCode::kOutOfRange, "output shape ", shape_str(out), " is too large");
  return std::vector<TensorType>{{x.dtype, out}};
}

std::span<const AttrSpec> attrs_DepthToSpace() {
  static const AttrSpec kSpecs[] = {
      {"blocksize", AttrType::kInt, int64_t{0}, AttrPresence::kRequired},
      {"mode", AttrType::kString, std::string("DCR")},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_DepthToSpace(const InferContext& ctx) {
  int64_t b = 0;
  NPUKIT_RETURN_IF_ERROR(check_block(ctx, &b));
  std::string mode = ctx.attrs.get_string("mode");
  if (mode != "DCR" && mode != "CRD")
    return ctx.error(ErrorCode::kUnsupportedAttr, "mode '", mode, "' is not supported");
  const Shape& x = ctx.input(0).shape;
  if (x[1] % (b * b) != 0)
    return ctx.error(ErrorCode::kShapeMismatch, "channels ", x[1], " not divisible by blocksize^2 = ", b * b);
  return std::vector<TensorType>{{ctx.input(0).dtype, {x[0], x[1] / (b * b), x[2] * b, x[3] * b}}};
}

std::span<const AttrSpec> attrs_SpaceToDepth() {
  static const AttrSpec kSpecs[] = {
      {"blocksize", AttrType::kInt, int64_t{0}, AttrPresence::kRequired},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_SpaceToDepth(const InferContext& ctx) {
  int64_t b = 0;
  NPUKIT_RETURN_IF_ERROR(check_block(ctx, &b));
  const Shape& x = ctx.input(0).shape;
  if (x[2] % b != 0 || x[3] % b != 0)
    return ctx.error(ErrorCode::kShapeMismatch, "spatial dims ", shape_str(x), " not divisible by blocksize ", b);
  return std::vector<TensorType>{{ctx.input(0).dtype, {x[0], x[1] * b * b, x[2] / b, x[3] / b}}};
}

}  // namespace npukit::ir
