// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for Conv and ConvTranspose (N-D: any number of spatial dims >= 1).
//
// Spec notes (ONNX opset <= 17):
//  - kernel_shape/strides/dilations/pads have input-dependent defaults (kernel from W, ones, zeros), so they
//    are kOptional and read through spatial_params().
//  - With auto_pad != NOTSET explicit pads are ignored (ONNX forbids using both; we do not fail on it).
//  - ConvTranspose with output_shape or SAME_*: pads are derived from the total padding. The begin/end split
//    uses FLOOR division, so a negative total padding (output_shape larger than the natural size, as in the
//    ONNX test "convtranspose_output_shape") yields a negative end pad, i.e. extra output rows.
#include <string>

#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {

/// Upper bound for strides / dilations / pads / kernel sizes given as attributes.

constexpr int64_t kOne = 1;

struct ConvGeom {
  size_t nsp = 0;
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: [b0..bn-1, e0..en-1]
  std::string auto_pad;
};

Expected<ConvGeom> read_geom(const InferContext& ctx, const Shape& w_shape, size_t nsp) {
  ConvGeom g;
  g.nsp = nsp;
  g.kernel.assign(w_shape.begin() + 2, w_shape.end());
  if (ctx.attrs.has("kernel_shape")) {
    std::vector<int64_t> ks = ctx.attrs.get_ints("kernel_shape");
    if (ks != g.kernel)
      return ctx.error(ErrorCode::kShapeMismatch, "attribute kernel_shape ", shape_str(ks),
                       " does not match the weight's spatial dims ", shape_str(g.kernel));
  }
  NPUKIT_ASSIGN_OR_RETURN(g.strides, spatial_attr(ctx, "strides", nsp, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(g.dilations, spatial_attr(ctx, "dilations", nsp, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(g.pads, spatial_attr(ctx, "pads", 2 * nsp, 0, 0));
  g.auto_pad = ctx.attrs.get_string("auto_pad");
  if (g.auto_pad != "NOTSET" && g.auto_pad != "SAME_UPPER" && g.auto_pad != "SAME_LOWER" && g.auto_pad != "VALID")
    return ctx.error(ErrorCode::kUnsupportedAttr, "auto_pad '", g.auto_pad, "' is not supported");
  return g;
}

/// Common checks of X / W / B for both ops; returns the number of spatial dims.
Expected<size_t> check_xwb(const InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.error(ErrorCode::kInvalidModel, "inputs X and W are required");
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 1, "W"));
  const Shape& x = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  if (x.size() < 3)
    return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 3 (N, C, spatial...), got ", shape_str(x));
  if (w.size() != x.size())
    return ctx.error(ErrorCode::kShapeMismatch, "W rank ", w.size(), " must equal X rank ", x.size(), " (X ",
                     shape_str(x), ", W ", shape_str(w), ")");
  for (size_t i = 2; i < w.size(); ++i)
    if (w[i] < 1) return ctx.error(ErrorCode::kShapeMismatch, "W has an empty kernel dim: ", shape_str(w));
  if (ctx.has_input(2)) NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 2, "B"));
  return x.size() - 2;
}

}  // namespace

std::span<const AttrSpec> attrs_Conv() {
  static const AttrSpec kSpecs[] = {
      {"auto_pad", AttrType::kString, std::string("NOTSET")},
      {"dilations", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"group", AttrType::kInt, kOne},
      {"kernel_shape", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"pads", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"strides", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_Conv(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(size_t nsp, check_xwb(ctx));
  const Shape& x = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  int64_t group = ctx.attrs.get_int("group");
  if (group < 1) return ctx.error(ErrorCode::kInvalidModel, "group must be >= 1, got ", group);
  if (x[1] % group != 0 || w[1] * group != x[1])
    return ctx.error(ErrorCode::kShapeMismatch, "X channels ", x[1], " must equal W.shape[1] (", w[1], ") * group (",
                     group, ")");
  if (w[0] % group != 0)
    return ctx.error(ErrorCode::kShapeMismatch, "W output channels ", w[0], " not divisible by group ", group);
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input(2).shape;
    if (b.size() != 1 || b[0] != w[0])
      return ctx.error(ErrorCode::kShapeMismatch, "B must have shape [", w[0], "], got ", shape_str(b));
  }
  NPUKIT_ASSIGN_OR_RETURN(ConvGeom g, read_geom(ctx, w, nsp));
  Shape out = {x[0], w[0]};
  for (size_t i = 0; i < nsp; ++i) {
    int64_t in = x[2 + i];
    int64_t ek = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t o = 0;
    if (g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER") {
      o = (in + g.strides[i] - 1) / g.strides[i];
    } else {
      int64_t padded = in + (g.auto_pad == "VALID" ? 0 : g.pads[i] + g.pads[nsp + i]);
      if (padded < ek)
        return ctx.error(ErrorCode::kShapeMismatch, "spatial dim ", i, ": padded input ", padded,
                         " is smaller than the dilated kernel ", ek);
      o = (padded - ek) / g.strides[i] + 1;
    }
    out.push_back(o);
  }
  return std::vector<TensorType>{{DType::kF32, out}};
}

std::span<const AttrSpec> attrs_ConvTranspose() {
  static const AttrSpec kSpecs[] = {
      {"auto_pad", AttrType::kString, std::string("NOTSET")},
      {"dilations", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"group", AttrType::kInt, kOne},
      {"kernel_shape", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"output_padding", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"output_shape", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"pads", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"strides", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_ConvTranspose(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(size_t nsp, check_xwb(ctx));
  const Shape& x = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  int64_t group = ctx.attrs.get_int("group");
  if (group < 1) return ctx.error(ErrorCode::kInvalidModel, "group must be >= 1, got ", group);
  // ConvTranspose weights are [C_in, C_out/group, k...].
  if (w[0] != x[1] || x[1] % group != 0)
    return ctx.error(ErrorCode::kShapeMismatch, "W.shape[0] (", w[0], ") must equal X channels (", x[1],
                     ") and be divisible by group (", group, ")");
  int64_t m = w[1] * group;
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input(2).shape;
    if (b.size() != 1 || b[0] != m)
      return ctx.error(ErrorCode::kShapeMismatch, "B must have shape [", m, "], got ", shape_str(b));
  }
  NPUKIT_ASSIGN_OR_RETURN(ConvGeom g, read_geom(ctx, w, nsp));
  NPUKIT_ASSIGN_OR_RETURN(std::vector<int64_t> out_pad, spatial_attr(ctx, "output_padding", nsp, 0, 0));
  std::vector<int64_t> out_shape;
  if (ctx.attrs.has("output_shape")) {
    out_shape = ctx.attrs.get_ints("output_shape");
    // Some exporters write the full output shape (N, C, spatial...); the spec means the spatial part.
    if (out_shape.size() == nsp + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    if (out_shape.size() != nsp)
      return ctx.error(ErrorCode::kShapeMismatch, "attribute output_shape has ", out_shape.size(), " values, expected ",
                       nsp);
    for (int64_t v : out_shape)
      if (v < 1 || v > kMaxTensorElements)
        return ctx.error(ErrorCode::kShapeMismatch, "attribute output_shape has invalid dim ", v);
  }
  Shape out = {x[0], m};
  for (size_t i = 0; i < nsp; ++i) {
    int64_t ek = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t natural = g.strides[i] * (x[2 + i] - 1) + out_pad[i] + ek;
    int64_t o = 0;
    if (!out_shape.empty()) {
      o = out_shape[i];
    } else if (g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER") {
      o = x[2 + i] * g.strides[i];
    } else if (g.auto_pad == "VALID") {
      o = natural;
    } else {
      o = natural - g.pads[i] - g.pads[nsp + i];
    }
    if (o < 1) return ctx.error(ErrorCode::kShapeMismatch, "spatial dim ", i, ": output size ", o, " is not positive");
    out.push_back(o);
  }
  if (!checked_numel(out).ok())
    return ctx.error(ErrorCode::kOutOfRange, "output shape ", shape_str(out), " is too large");
  return std::vector<TensorType>{{DType::kF32, out}};
}

}  // namespace npukit::ir
