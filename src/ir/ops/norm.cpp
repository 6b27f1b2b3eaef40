// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for BatchNormalization (inference form), LayerNormalization, InstanceNormalization.
//  - BatchNormalization: canonical form has 5 inputs and 1 output; training_mode=1 (batch statistics) is not
//    an inference op and is rejected as unsupported.
//  - LayerNormalization: Scale/B must be unidirectionally broadcastable to X.shape[axis:]. The table allows one
//    output today; if a node carries the optional Mean / InvStdDev outputs they are inferred as
//    X.shape[:axis] + [1]*(rank-axis) (stash_type=1: f32) so the op keeps working if the table is widened.
#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {

Status require_inputs(const InferContext& ctx, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!ctx.has_input(i)) return ctx.error(ErrorCode::kInvalidModel, "input ", i, " is required");
  return Status::Ok();
}

/// Checks that per-channel parameter input `i` has shape [c].
Status check_channel_param(const InferContext& ctx, size_t i, const char* what, int64_t c) {
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, i, what));
  const Shape& s = ctx.input(i).shape;
  if (s.size() != 1 || s[0] != c)
    return ctx.error(ErrorCode::kShapeMismatch, what, " must have shape [", c, "], got ", shape_str(s));
  return Status::Ok();
}

}  // namespace

std::span<const AttrSpec> attrs_BatchNormalization() {
  static const AttrSpec kSpecs[] = {
      {"epsilon", AttrType::kFloat, 1e-5f},
      {"momentum", AttrType::kFloat, 0.9f},
      {"training_mode", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_BatchNormalization(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 5));
  if (ctx.attrs.get_int("training_mode") != 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "training_mode=", ctx.attrs.get_int("training_mode"),
                     " is not supported (inference only)");
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "X"));
  const Shape& x = ctx.input(0).shape;
  if (x.size() < 2)
    return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 2 (N, C, ...), got ", shape_str(x));
  const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i) NPUKIT_RETURN_IF_ERROR(check_channel_param(ctx, i, names[i], x[1]));
  return std::vector<TensorType>{{DType::kF32, x}};
}

std::span<const AttrSpec> attrs_LayerNormalization() {
  static const AttrSpec kSpecs[] = {
      {"axis", AttrType::kInt, int64_t{-1}},
      {"epsilon", AttrType::kFloat, 1e-5f},
      {"stash_type", AttrType::kInt, int64_t{1}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_LayerNormalization(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "X"));
  const Shape& x = ctx.input(0).shape;
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank < 1) return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 1");
  int64_t axis_attr = ctx.attrs.get_int("axis");
  auto axis = normalize_axis(axis_attr, rank);
  if (!axis.ok()) return ctx.error(ErrorCode::kInvalidModel, "axis ", axis_attr, " is out of range for rank ", rank);
  // stash_type only selects the precision of the statistics; we always compute them in double.
  Shape norm(x.begin() + *axis, x.end());
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    NPUKIT_RETURN_IF_ERROR(check_f32(ctx, i, i == 1 ? "Scale" : "B"));
    const Shape& s = ctx.input(i).shape;
    bool ok = s.size() <= norm.size();
    for (size_t j = 0; ok && j < s.size(); ++j) {
      int64_t d = s[s.size() - 1 - j];
      ok = d == 1 || d == norm[norm.size() - 1 - j];
    }
    if (!ok)
      return ctx.error(ErrorCode::kShapeMismatch, i == 1 ? "Scale " : "B ", shape_str(s),
                       " is not broadcastable to the normalized shape ", shape_str(norm));
  }
  std::vector<TensorType> out{{DType::kF32, x}};
  Shape stat(x.begin(), x.begin() + *axis);
  stat.resize(x.size(), 1);
  for (size_t i = 1; i < ctx.num_outputs && i < 3; ++i) out.push_back({DType::kF32, stat});
  return out;
}

std::span<const AttrSpec> attrs_InstanceNormalization() {
  static const AttrSpec kSpecs[] = {
      {"epsilon", AttrType::kFloat, 1e-5f},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_InstanceNormalization(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 3));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "X"));
  const Shape& x = ctx.input(0).shape;
  if (x.size() < 3)
    return ctx.error(ErrorCode::kShapeMismatch, "X must have rank >= 3 (N, C, spatial...), got ", shape_str(x));
  NPUKIT_RETURN_IF_ERROR(check_channel_param(ctx, 1, "scale", x[1]));
  NPUKIT_RETURN_IF_ERROR(check_channel_param(ctx, 2, "B", x[1]));
  return std::vector<TensorType>{{DType::kF32, x}};
}

}  // namespace npukit::ir
