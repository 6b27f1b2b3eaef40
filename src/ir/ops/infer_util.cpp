// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/infer_util.h"

namespace npukit::ir {

Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else
      return make_error(ErrorCode::kShapeMismatch, "shapes ", shape_str(a), " and ", shape_str(b),
                        " cannot be broadcast");
  }
  return out;
}

Expected<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank || (rank == 0 && axis != 0 && axis != -1))
    return make_error(ErrorCode::kInvalidModel, "axis ", axis, " is out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

Status check_f32(const InferContext& ctx, size_t i, const char* what) {
  DType t = ctx.input(i).dtype;
  if (t == DType::kF32) return Status::Ok();
  if (dtype_is_float(t))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input ", i, " (", what, ") has dtype ", dtype_name(t),
                     " which npukit does not compute in (f32 only)");
  return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " (", what, ") must be f32, got ", dtype_name(t));
}

Expected<std::vector<int64_t>> spatial_attr(const InferContext& ctx, const char* name, size_t n, int64_t def,
                                            int64_t min_value) {
  if (!ctx.attrs.has(name)) return std::vector<int64_t>(n, def);
  std::vector<int64_t> v = ctx.attrs.get_ints(name);
  if (v.size() != n)
    return ctx.error(ErrorCode::kShapeMismatch, "attribute '", name, "' has ", v.size(), " values, expected ", n,
                     " (one per spatial dim)");
  for (int64_t x : v) {
    if (x < min_value)
      return ctx.error(ErrorCode::kInvalidModel, "attribute '", name, "' value ", x, " must be >= ", min_value);
    // Bounding attribute values keeps every size product below 2^63 (tensor dims are < 2^34).
    if (x > kMaxSpatialAttr)
      return ctx.error(ErrorCode::kOutOfRange, "attribute '", name, "' value ", x, " exceeds ", kMaxSpatialAttr);
  }
  return v;
}

}  // namespace npukit::ir
