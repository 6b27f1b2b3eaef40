// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
// Pools are N-D (any number of spatial dims >= 1).
//
// Output size (per spatial dim, ek = (k-1)*dilation+1):
//   SAME_UPPER/SAME_LOWER: ceil(in / stride)              (ceil_mode and pads are ignored)
//   VALID:                 floor_or_ceil((in - ek) / stride) + 1
//   NOTSET:                floor_or_ceil((in + pad_begin + pad_end - ek) / stride) + 1
// With ceil_mode=1 a last window that would START inside the end padding (or beyond) is dropped, as PyTorch
// does and as ONNX's shape inference does since onnx 1.16; without that rule such a window covers no input
// element at all (MaxPool would output -inf).
#include <string>

#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {

Status check_dtype(const InferContext& ctx, bool allow_int8) {
  DType t = ctx.input(0).dtype;
  if (t == DType::kF32 || (allow_int8 && (t == DType::kU8 || t == DType::kI8))) return Status::Ok();
  if (dtype_is_float(t))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input X has dtype ", dtype_name(t),
                     " which npukit does not compute in (f32 only)");
  return ctx.error(ErrorCode::kShapeMismatch, "input X must be f32", allow_int8 ? " (or u8/i8)" : "", ", got ",
                   dtype_name(t));
}

Expected<Shape> pool_output_shape(const InferContext& ctx, bool has_dilations) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input X is required");
  const Shape& x = ctx.input(0).shape;
  if (x.size() < 3)
    return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 3 (N, C, spatial...), got ", shape_str(x));
  const size_t nsp = x.size() - 2;
  std::vector<int64_t> kernel = ctx.attrs.get_ints("kernel_shape");
  if (kernel.size() != nsp)
    return ctx.error(ErrorCode::kShapeMismatch, "kernel_shape has ", kernel.size(), " values, X has ", nsp,
                     " spatial dims");
  for (int64_t k : kernel)
    if (k < 1 || k > kMaxSpatialAttr)
      return ctx.error(ErrorCode::kInvalidModel, "kernel_shape value ", k, " must be in [1, ", kMaxSpatialAttr, "]");
  NPUKIT_ASSIGN_OR_RETURN(auto strides, spatial_attr(ctx, "strides", nsp, 1, 1));
  std::vector<int64_t> dil(nsp, 1);
  if (has_dilations) {
    NPUKIT_ASSIGN_OR_RETURN(dil, spatial_attr(ctx, "dilations", nsp, 1, 1));
  }
  NPUKIT_ASSIGN_OR_RETURN(auto pads, spatial_attr(ctx, "pads", 2 * nsp, 0, 0));
  std::string auto_pad = ctx.attrs.get_string("auto_pad");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID")
    return ctx.error(ErrorCode::kUnsupportedAttr, "auto_pad '", auto_pad, "' is not supported");
  const bool ceil_mode = ctx.attrs.get_int("ceil_mode") != 0;
  Shape out = {x[0], x[1]};
  for (size_t i = 0; i < nsp; ++i) {
    const int64_t in = x[2 + i], s = strides[i], ek = (kernel[i] - 1) * dil[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out.push_back((in + s - 1) / s);
      continue;
    }
    const int64_t pb = auto_pad == "VALID" ? 0 : pads[i];
    const int64_t padded = in + (auto_pad == "VALID" ? 0 : pads[i] + pads[nsp + i]);
    if (padded < ek)
      return ctx.error(ErrorCode::kShapeMismatch, "spatial dim ", i, ": padded input ", padded,
                       " is smaller than the (dilated) kernel ", ek);
    int64_t o = (ceil_mode ? (padded - ek + s - 1) / s : (padded - ek) / s) + 1;
    if (ceil_mode && (o - 1) * s >= in + pb) --o;
    out.push_back(o);
  }
  return out;
}

/// GlobalMaxPool (`allow_int8`) also runs on i8 / u8 codes of an integer graph (max commutes with the
/// monotone quantization); GlobalAveragePool is f32 only (its integer form is npukit::QGlobalAveragePool).
Expected<std::vector<TensorType>> global_pool(const InferContext& ctx, bool allow_int8) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input X is required");
  NPUKIT_RETURN_IF_ERROR(check_dtype(ctx, allow_int8));
  Shape s = ctx.input(0).shape;
  if (s.size() < 3)
    return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 3 (N, C, spatial...), got ", shape_str(s));
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] == 0) return ctx.error(ErrorCode::kShapeMismatch, "X has an empty spatial dim: ", shape_str(s));
    s[i] = 1;
  }
  return std::vector<TensorType>{{ctx.input(0).dtype, s}};
}

}  // namespace

std::span<const AttrSpec> attrs_MaxPool() {
  static const AttrSpec kSpecs[] = {
      {"auto_pad", AttrType::kString, std::string("NOTSET")},
      {"ceil_mode", AttrType::kInt, int64_t{0}},
      {"dilations", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"kernel_shape", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kRequired},
      {"pads", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"storage_order", AttrType::kInt, int64_t{0}},
      {"strides", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_MaxPool(const InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input X is required");
  NPUKIT_RETURN_IF_ERROR(check_dtype(ctx, true));
  int64_t so = ctx.attrs.get_int("storage_order");
  if (so != 0 && so != 1) return ctx.error(ErrorCode::kUnsupportedAttr, "storage_order ", so, " must be 0 or 1");
  NPUKIT_ASSIGN_OR_RETURN(Shape out, pool_output_shape(ctx, true));
  std::vector<TensorType> types{{ctx.input(0).dtype, out}};
  if (ctx.num_outputs > 1) types.push_back({DType::kI64, out});
  return types;
}

std::span<const AttrSpec> attrs_AveragePool() {
  static const AttrSpec kSpecs[] = {
      {"auto_pad", AttrType::kString, std::string("NOTSET")},
      {"ceil_mode", AttrType::kInt, int64_t{0}},
      {"count_include_pad", AttrType::kInt, int64_t{0}},
      {"kernel_shape", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kRequired},
      {"pads", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"strides", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_AveragePool(const InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "input X is required");
  NPUKIT_RETURN_IF_ERROR(check_dtype(ctx, false));
  NPUKIT_ASSIGN_OR_RETURN(Shape out, pool_output_shape(ctx, false));
  return std::vector<TensorType>{{DType::kF32, out}};
}

std::span<const AttrSpec> attrs_GlobalAveragePool() {
  return {};
}
Expected<std::vector<TensorType>> infer_GlobalAveragePool(const InferContext& ctx) {
  return global_pool(ctx, false);
}
std::span<const AttrSpec> attrs_GlobalMaxPool() {
  return {};
}
Expected<std::vector<TensorType>> infer_GlobalMaxPool(const InferContext& ctx) {
  return global_pool(ctx, true);
}

}  // namespace npukit::ir
