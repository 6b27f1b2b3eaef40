// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for QuantizeLinear / DequantizeLinear (opset 13 semantics).
//  - scale: f32 scalar (per-tensor; a 1-element 1-D tensor is accepted as per-tensor too) or 1-D of length
//    X.shape[axis] (per-axis).
//  - zero_point: optional, same shape as scale; its dtype (u8 / i8 / i16 / u16; i32 for DequantizeLinear) is
//    the quantized dtype. Absent → u8 with value 0, per ONNX. 16-bit codes are opset-21 / com.microsoft
//    semantics (the exporter writes such nodes in the com.microsoft domain, which ONNX Runtime runs).
#include "ir/op_table.h"

namespace npukit::ir {
namespace {

/// Validates scale / zero_point against X (shape `x`) and the axis attribute.
Status check_qparams(const InferContext& ctx, const Shape& x) {
  const TensorInfo& s = ctx.input(1);
  if (s.dtype != DType::kF32) {
    if (dtype_is_float(s.dtype))
      return ctx.error(ErrorCode::kUnsupportedAttr, "scale dtype ", dtype_name(s.dtype),
                       " is not supported (f32 only)");
    return ctx.error(ErrorCode::kShapeMismatch, "scale must be f32, got ", dtype_name(s.dtype));
  }
  const bool per_tensor = s.shape.empty() || (s.shape.size() == 1 && s.shape[0] == 1);
  if (!per_tensor) {
    if (s.shape.size() != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "scale must be a scalar or 1-D, got ", shape_str(s.shape));
    int64_t axis_attr = ctx.attrs.get_int("axis");
    auto axis = normalize_axis(axis_attr, static_cast<int64_t>(x.size()));
    if (!axis.ok())
      return ctx.error(ErrorCode::kInvalidModel, "axis ", axis_attr, " is out of range for rank ", x.size());
    if (x[*axis] != s.shape[0])
      return ctx.error(ErrorCode::kShapeMismatch, "per-axis scale has ", s.shape[0], " values but X.shape[", *axis,
                       "] is ", x[*axis]);
  }
  if (ctx.has_input(2)) {
    const TensorInfo& z = ctx.input(2);
    if (z.shape != s.shape && !(per_tensor && (z.shape.empty() || z.shape == Shape{1})))
      return ctx.error(ErrorCode::kShapeMismatch, "zero_point shape ", shape_str(z.shape), " must match scale shape ",
                       shape_str(s.shape));
  }
  return Status::Ok();
}

}  // namespace

std::span<const AttrSpec> attrs_QuantizeLinear() {
  static const AttrSpec kSpecs[] = {
      {"axis", AttrType::kInt, int64_t{1}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QuantizeLinear(const InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1))
    return ctx.error(ErrorCode::kInvalidModel, "inputs x and y_scale are required");
  const TensorInfo& x = ctx.input(0);
  if (x.dtype != DType::kF32 && x.dtype != DType::kI32) {
    if (dtype_is_float(x.dtype))
      return ctx.error(ErrorCode::kUnsupportedAttr, "x dtype ", dtype_name(x.dtype), " is not supported (f32 only)");
    return ctx.error(ErrorCode::kShapeMismatch, "x must be f32 or i32, got ", dtype_name(x.dtype));
  }
  DType out = DType::kU8;
  if (ctx.has_input(2)) {
    out = ctx.input(2).dtype;
    if (out != DType::kU8 && out != DType::kI8 && out != DType::kI16 && out != DType::kU16)
      return ctx.error(ErrorCode::kUnsupportedAttr, "y_zero_point dtype ", dtype_name(out),
                       " is not supported (u8, i8, i16, u16)");
  }
  NPUKIT_RETURN_IF_ERROR(check_qparams(ctx, x.shape));
  return std::vector<TensorType>{{out, x.shape}};
}

std::span<const AttrSpec> attrs_DequantizeLinear() {
  static const AttrSpec kSpecs[] = {
      {"axis", AttrType::kInt, int64_t{1}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_DequantizeLinear(const InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1))
    return ctx.error(ErrorCode::kInvalidModel, "inputs x and x_scale are required");
  const TensorInfo& x = ctx.input(0);
  if (x.dtype != DType::kU8 && x.dtype != DType::kI8 && x.dtype != DType::kI16 && x.dtype != DType::kU16 &&
      x.dtype != DType::kI32)
    return ctx.error(ErrorCode::kUnsupportedAttr, "x dtype ", dtype_name(x.dtype),
                     " is not supported (u8, i8, i16, u16, i32)");
  if (ctx.has_input(2) && ctx.input(2).dtype != x.dtype)
    return ctx.error(ErrorCode::kShapeMismatch, "x_zero_point dtype ", dtype_name(ctx.input(2).dtype),
                     " must equal x dtype ", dtype_name(x.dtype));
  NPUKIT_RETURN_IF_ERROR(check_qparams(ctx, x.shape));
  return std::vector<TensorType>{{DType::kF32, x.shape}};
}

}  // namespace npukit::ir
