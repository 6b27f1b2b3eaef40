// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for reductions and normalising activations:
//   ReduceMean ReduceSum ReduceMax ReduceMin ArgMax ArgMin Softmax LogSoftmax
// Canonical form (ops.def): ReduceSum takes axes as input 1 (opset 13); ReduceMean/Max/Min take the
// `axes` attribute (opset <= 17; the frontend moves opset-18 axes inputs into it).
#include <algorithm>

#include "ir/op_table.h"

namespace npukit::ir {
namespace {

Status check_input(const InferContext& ctx, bool allow_int) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "missing input 0");
  const DType t = ctx.input(0).dtype;
  if (t == DType::kF32 || (allow_int && dtype_is_integer(t))) return Status::Ok();
  if (dtype_is_float(t))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input dtype ", dtype_name(t), " is not supported (f32 only)");
  return ctx.error(ErrorCode::kShapeMismatch, "input dtype ", dtype_name(t), " is not accepted by this op");
}

/// Normalises `axes` against `rank`; empty result means "all axes". Errors on out-of-range / duplicates.
Expected<std::vector<bool>> reduce_mask(const InferContext& ctx, const std::vector<int64_t>& axes, size_t rank) {
  std::vector<bool> mask(rank, axes.empty());
  for (int64_t ax : axes) {
    auto n = normalize_axis(ax, static_cast<int64_t>(rank));
    if (!n.ok()) return ctx.error(ErrorCode::kInvalidModel, "axes: ", n.status().message());
    if (mask[*n]) return ctx.error(ErrorCode::kInvalidModel, "axes: axis ", ax, " is repeated");
    mask[*n] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!mask[d])
      out.push_back(in[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

Expected<std::vector<TensorType>> infer_reduce_attr_axes(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_input(ctx, /*allow_int=*/true));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(auto mask, reduce_mask(ctx, ctx.attrs.get_ints("axes"), x.shape.size()));
  return std::vector<TensorType>{{x.dtype, reduced_shape(x.shape, mask, ctx.attrs.get_int("keepdims") != 0)}};
}

Expected<std::vector<TensorType>> infer_arg(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_input(ctx, /*allow_int=*/true));
  const TensorInfo& x = ctx.input(0);
  const int64_t axis = ctx.attrs.get_int("axis");
  auto n = normalize_axis(axis, static_cast<int64_t>(x.shape.size()));
  if (!n.ok()) return ctx.error(ErrorCode::kInvalidModel, "attribute 'axis': ", n.status().message());
  if (x.shape[*n] == 0)
    return ctx.error(ErrorCode::kShapeMismatch, "cannot take the arg-extremum over an empty axis ", axis);
  std::vector<bool> mask(x.shape.size(), false);
  mask[*n] = true;
  return std::vector<TensorType>{{DType::kI64, reduced_shape(x.shape, mask, ctx.attrs.get_int("keepdims") != 0)}};
}

Expected<std::vector<TensorType>> infer_softmax(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_input(ctx, /*allow_int=*/false));
  const TensorInfo& x = ctx.input(0);
  auto n = normalize_axis(ctx.attrs.get_int("axis"), static_cast<int64_t>(x.shape.size()));
  if (!n.ok()) return ctx.error(ErrorCode::kInvalidModel, "attribute 'axis': ", n.status().message());
  return std::vector<TensorType>{{x.dtype, x.shape}};
}

}  // namespace

// ONNX (<= 17) gives `axes` no default: absent means "reduce over all axes", so it is kOptional.
#define NPUKIT_REDUCE_ATTR_AXES(Op)                                                 \
  std::span<const AttrSpec> attrs_##Op() {                                          \
    static const AttrSpec kSpecs[] = {                                              \
        {"axes", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional}, \
        {"keepdims", AttrType::kInt, int64_t{1}},                                   \
    };                                                                              \
    return kSpecs;                                                                  \
  }                                                                                 \
  Expected<std::vector<TensorType>> infer_##Op(const InferContext& ctx) {           \
    return infer_reduce_attr_axes(ctx);                                             \
  }

NPUKIT_REDUCE_ATTR_AXES(ReduceMean)
NPUKIT_REDUCE_ATTR_AXES(ReduceMax)
NPUKIT_REDUCE_ATTR_AXES(ReduceMin)
#undef NPUKIT_REDUCE_ATTR_AXES

std::span<const AttrSpec> attrs_ReduceSum() {
  static const AttrSpec kSpecs[] = {
      {"keepdims", AttrType::kInt, int64_t{1}},
      {"noop_with_empty_axes", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_ReduceSum(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_input(ctx, /*allow_int=*/true));
  const TensorInfo& x = ctx.input(0);
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    const TensorInfo& ax = ctx.input(1);
    if (ax.dtype != DType::kI64 || ax.shape.size() != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "input 1 (axes) must be a 1-D i64 tensor, got ", dtype_name(ax.dtype),
                       shape_str(ax.shape));
    if (!ax.value) return ctx.error(ErrorCode::kShapeMismatch, "input 'axes' must be constant for shape inference");
    axes = ax.value->to_int64_vector();
  }
  if (axes.empty() && ctx.attrs.get_int("noop_with_empty_axes") != 0)
    return std::vector<TensorType>{{x.dtype, x.shape}};  // identity
  NPUKIT_ASSIGN_OR_RETURN(auto mask, reduce_mask(ctx, axes, x.shape.size()));
  return std::vector<TensorType>{{x.dtype, reduced_shape(x.shape, mask, ctx.attrs.get_int("keepdims") != 0)}};
}

#define NPUKIT_ARG(Op)                                                    \
  std::span<const AttrSpec> attrs_##Op() {                                \
    static const AttrSpec kSpecs[] = {                                    \
        {"axis", AttrType::kInt, int64_t{0}},                             \
        {"keepdims", AttrType::kInt, int64_t{1}},                         \
        {"select_last_index", AttrType::kInt, int64_t{0}},                \
    };                                                                    \
    return kSpecs;                                                        \
  }                                                                       \
  Expected<std::vector<TensorType>> infer_##Op(const InferContext& ctx) { \
    return infer_arg(ctx);                                                \
  }

NPUKIT_ARG(ArgMax)
NPUKIT_ARG(ArgMin)
#undef NPUKIT_ARG

// Opset-13 semantics: normalise along one axis (default -1); older models are rewritten by the frontend.
#define NPUKIT_SOFTMAX(Op)                                                    \
  std::span<const AttrSpec> attrs_##Op() {                                    \
    static const AttrSpec kSpecs[] = {{"axis", AttrType::kInt, int64_t{-1}}}; \
    return kSpecs;                                                            \
  }                                                                           \
  Expected<std::vector<TensorType>> infer_##Op(const InferContext& ctx) {     \
    return infer_softmax(ctx);                                                \
  }

NPUKIT_SOFTMAX(Softmax)
NPUKIT_SOFTMAX(LogSoftmax)
#undef NPUKIT_SOFTMAX

}  // namespace npukit::ir
