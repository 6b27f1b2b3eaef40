// SPDX-License-Identifier: Apache-2.0
// Schemas + shape inference of npukit's integer ops (domain "npukit", version 1; NPUKIT_QOP rows of ops.def).
// Semantics: docs/QUANTIZATION.md ("Integer graph"); arithmetic: quant/arith.h; kernels: kernels/ref/qops.cpp.
//
// Conventions shared by every op:
//  - Tensors hold integer codes: activations i8 / u8 / i16, weights i8, bias i32. Scales do not appear: every
//    real-valued factor is already encoded as an integer multiplier / shift pair (M = multiplier *
//    2^(shift - 31), quant::quantize_multiplier), so executors need no floating point at all.
//  - `multiplier` / `shift` are ints lists of equal size: 1 (per tensor) or one per output channel.
//  - Output: `y_dtype` (ONNX TensorProto code: 3 INT8, 2 UINT8, 5 INT16; QConv / QGemm also 6 INT32 = the
//    accumulator, see accumulator_output), `y_zero_point`, and the clamp
//    [`y_min`, `y_max`] (absent: the full range of y_dtype) that expresses fused ReLU / Clip.
// Infer validates everything the kernels rely on (dtypes, ranks, attribute sizes and value ranges), so that
// a lowered graph that resolves also runs.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {

using Ints = std::vector<int64_t>;

struct IntRange {
  int64_t lo, hi;
};

/// Code range of a dtype; {0, -1} for non-code dtypes.
IntRange code_range(DType t) {
  switch (t) {
    case DType::kI8: return {-128, 127};
    case DType::kU8: return {0, 255};
    case DType::kI16: return {-32768, 32767};
    case DType::kI32: return {INT32_MIN, INT32_MAX};
    default: return {0, -1};
  }
}

bool is_activation(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

Status check_activation(const InferContext& ctx, size_t i, const char* what) {
  const DType t = ctx.input(i).dtype;
  if (!is_activation(t))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input ", what, " has dtype ", dtype_name(t),
                     " (integer ops take i8, u8 or i16 codes)");
  return Status::Ok();
}

/// Reads `y_dtype` (an ONNX TensorProto code).
Expected<DType> output_dtype(const InferContext& ctx) {
  const int64_t code = ctx.attrs.get_int("y_dtype");
  switch (code) {
    case 3: return DType::kI8;
    case 2: return DType::kU8;
    case 5: return DType::kI16;
    default:
      return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'y_dtype'=", code,
                       " is not supported (3 INT8, 2 UINT8, 5 INT16)");
  }
}

Status check_zero_point(const InferContext& ctx, const char* attr, DType t) {
  const int64_t zp = ctx.attrs.get_int(attr);
  const IntRange r = code_range(t);
  if (zp < r.lo || zp > r.hi)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute '", attr, "'=", zp, " is outside the range of ",
                     dtype_name(t));
  return Status::Ok();
}

/// Checks a clamp pair (optional attributes, absent = full dtype range) and the zero point of an output.
Status check_clamp(const InferContext& ctx, const char* min_attr, const char* max_attr, const char* zp_attr, DType t) {
  const IntRange r = code_range(t);
  const int64_t lo = ctx.attrs.has(min_attr) ? ctx.attrs.get_int(min_attr) : r.lo;
  const int64_t hi = ctx.attrs.has(max_attr) ? ctx.attrs.get_int(max_attr) : r.hi;
  if (lo > hi || lo < r.lo || hi > r.hi)
    return ctx.error(ErrorCode::kUnsupportedAttr, "clamp ['", min_attr, "', '", max_attr, "'] = [", lo, ", ", hi,
                     "] is empty or outside the range of ", dtype_name(t));
  return check_zero_point(ctx, zp_attr, t);
}

/// Checks the output attributes and returns the output dtype.
Expected<DType> check_output(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(DType t, output_dtype(ctx));
  NPUKIT_RETURN_IF_ERROR(check_clamp(ctx, "y_min", "y_max", "y_zero_point", t));
  return t;
}

/// QConv / QGemm with y_dtype 6 (INT32) output the accumulator itself (bias added, saturated to int32, no
/// requantization): the form of a final layer whose float output a per-channel DequantizeLinear produces.
/// Then no multiplier, output zero point or residual applies; a clamp may (fused ReLU).
bool accumulator_output(const InferContext& ctx) {
  return ctx.attrs.get_int("y_dtype") == 6;
}
Status check_accumulator_output(const InferContext& ctx, bool has_residual) {
  if (!ctx.attrs.get_ints("multiplier").empty() || !ctx.attrs.get_ints("shift").empty() ||
      ctx.attrs.get_int("y_zero_point") != 0 || has_residual)
    return ctx.error(ErrorCode::kUnsupportedAttr,
                     "y_dtype 6 (INT32, accumulator output) takes no multiplier / shift, y_zero_point or residual");
  // A clamp [y_min, y_max] is allowed (a fused ReLU: y_min 0).
  return check_clamp(ctx, "y_min", "y_max", "y_zero_point", DType::kI32);
}

/// multiplier / shift lists: equal sizes, size in `sizes` (e.g. {1, Cout}), mult in [0, 2^31), shift in [-61, 31].
Status check_multipliers(const InferContext& ctx, const char* mult_attr, const char* shift_attr,
                         std::initializer_list<int64_t> sizes) {
  const Ints& m = ctx.attrs.get_ints(mult_attr);
  const Ints& s = ctx.attrs.get_ints(shift_attr);
  bool size_ok = false;
  for (int64_t n : sizes) size_ok = size_ok || static_cast<int64_t>(m.size()) == n;
  if (!size_ok || m.size() != s.size()) {
    std::string want;
    for (int64_t n : sizes) want += (want.empty() ? "" : " or ") + std::to_string(n);
    return ctx.error(ErrorCode::kUnsupportedAttr, "attributes '", mult_attr, "' / '", shift_attr, "' have ", m.size(),
                     " / ", s.size(), " values (need ", want, ")");
  }
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 0 || m[i] > INT32_MAX || s[i] < -61 || s[i] > 31)
      return ctx.error(ErrorCode::kUnsupportedAttr, "multiplier {", m[i], ", ", s[i], "} at ", i,
                       " is invalid (multiplier in [0, 2^31), shift in [-61, 31])");
  }
  return Status::Ok();
}

/// 2-element ints attribute with values in [lo, kMaxSpatialAttr].
Expected<Ints> pair_attr(const InferContext& ctx, const char* name, size_t n, int64_t lo) {
  const Ints& v = ctx.attrs.get_ints(name);
  if (v.size() != n)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute '", name, "' must have ", n, " values, got ", v.size());
  for (int64_t x : v)
    if (x < lo || x > kMaxSpatialAttr)
      return ctx.error(ErrorCode::kUnsupportedAttr, "attribute '", name, "' value ", x, " is out of range");
  return v;
}

Status check_nchw(const InferContext& ctx, size_t i, const char* what) {
  if (ctx.input(i).shape.size() != 4)
    return ctx.error(ErrorCode::kShapeMismatch, "input ", what, " must be 4-D (NCHW), got ",
                     shape_str(ctx.input(i).shape));
  return Status::Ok();
}

Status require_inputs(const InferContext& ctx, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!ctx.has_input(i)) return ctx.error(ErrorCode::kInvalidModel, "input ", i, " is required");
  return Status::Ok();
}

/// Output spatial size of a 2-D window op; error when the window does not fit.
Expected<int64_t> window_out(const InferContext& ctx, int64_t in, int64_t k, int64_t stride, int64_t dil,
                             int64_t pad_begin, int64_t pad_end) {
  const int64_t eff = (k - 1) * dil + 1;
  const int64_t padded = in + pad_begin + pad_end;
  if (padded < eff)
    return ctx.error(ErrorCode::kShapeMismatch, "window ", eff, " is larger than the padded input ", padded);
  return (padded - eff) / stride + 1;
}

}  // namespace

// ---- QConv ----------------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_QConv() {
  static const AttrSpec kSpecs[] = {
      {"add_left_shift", AttrType::kInt, int64_t{20}},
      {"add_multiplier", AttrType::kInts, Ints{}},
      {"add_shift", AttrType::kInts, Ints{}},
      {"dilations", AttrType::kInts, Ints{1, 1}},
      {"group", AttrType::kInt, int64_t{1}},
      {"mid_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"mid_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"mid_zero_point", AttrType::kInt, int64_t{0}},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"pads", AttrType::kInts, Ints{0, 0, 0, 0}},
      {"r_zero_point", AttrType::kInt, int64_t{0}},
      {"strides", AttrType::kInts, Ints{1, 1}},
      {"x_zero_point", AttrType::kInt, int64_t{0}},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QConv(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_nchw(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_nchw(ctx, 1, "W"));
  if (ctx.input(1).dtype != DType::kI8)
    return ctx.error(ErrorCode::kUnsupportedAttr, "weight W has dtype ", dtype_name(ctx.input(1).dtype), " (need i8)");
  const Shape& x = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  const int64_t group = ctx.attrs.get_int("group");
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
    return ctx.error(ErrorCode::kShapeMismatch, "group ", group, " does not fit X ", shape_str(x), " and W ",
                     shape_str(w));
  NPUKIT_ASSIGN_OR_RETURN(Ints strides, pair_attr(ctx, "strides", 2, 1));
  NPUKIT_ASSIGN_OR_RETURN(Ints dil, pair_attr(ctx, "dilations", 2, 1));
  NPUKIT_ASSIGN_OR_RETURN(Ints pads, pair_attr(ctx, "pads", 4, 0));
  NPUKIT_ASSIGN_OR_RETURN(int64_t oh, window_out(ctx, x[2], w[2], strides[0], dil[0], pads[0], pads[2]));
  NPUKIT_ASSIGN_OR_RETURN(int64_t ow, window_out(ctx, x[3], w[3], strides[1], dil[1], pads[1], pads[3]));
  const Shape out{x[0], w[0], oh, ow};
  if (ctx.has_input(2) && (ctx.input(2).dtype != DType::kI32 || ctx.input(2).shape != Shape{w[0]}))
    return ctx.error(ErrorCode::kShapeMismatch, "bias B must be i32 [", w[0], "], got ", dtype_name(ctx.input(2).dtype),
                     " ", shape_str(ctx.input(2).shape));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "x_zero_point", ctx.input(0).dtype));
  if (accumulator_output(ctx)) {
    NPUKIT_RETURN_IF_ERROR(check_accumulator_output(ctx, ctx.has_input(3)));
    return std::vector<TensorType>{{DType::kI32, out}};
  }
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {1, w[0]}));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  if (ctx.has_input(3)) {
    NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 3, "R (residual)"));
    if (ctx.input(3).shape != out)
      return ctx.error(ErrorCode::kShapeMismatch, "residual R has shape ", shape_str(ctx.input(3).shape),
                       ", the convolution output is ", shape_str(out));
    NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "r_zero_point", ctx.input(3).dtype));
    NPUKIT_RETURN_IF_ERROR(check_clamp(ctx, "mid_min", "mid_max", "mid_zero_point", yt));
    NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "add_multiplier", "add_shift", {3}));
    const int64_t l = ctx.attrs.get_int("add_left_shift");
    if (l < 0 || l > 24)
      return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'add_left_shift'=", l, " is outside [0, 24]");
  }
  return std::vector<TensorType>{{yt, out}};
}

// ---- QGemm ----------------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_QGemm() {
  static const AttrSpec kSpecs[] = {
      {"a_zero_point", AttrType::kInt, int64_t{0}},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QGemm(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "A"));
  const Shape& a = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  if (ctx.input(1).dtype != DType::kI8)
    return ctx.error(ErrorCode::kUnsupportedAttr, "weight W has dtype ", dtype_name(ctx.input(1).dtype), " (need i8)");
  if (a.size() != 2 || w.size() != 2 || a[1] != w[1])
    return ctx.error(ErrorCode::kShapeMismatch, "A ", shape_str(a), " and W ", shape_str(w),
                     " must be [M, K] and [N, K]");
  if (ctx.has_input(2) && (ctx.input(2).dtype != DType::kI32 || ctx.input(2).shape != Shape{w[0]}))
    return ctx.error(ErrorCode::kShapeMismatch, "bias B must be i32 [", w[0], "], got ", dtype_name(ctx.input(2).dtype),
                     " ", shape_str(ctx.input(2).shape));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "a_zero_point", ctx.input(0).dtype));
  if (accumulator_output(ctx)) {
    NPUKIT_RETURN_IF_ERROR(check_accumulator_output(ctx, false));
    return std::vector<TensorType>{{DType::kI32, Shape{a[0], w[0]}}};
  }
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {1, w[0]}));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  return std::vector<TensorType>{{yt, Shape{a[0], w[0]}}};
}

// ---- QMatMul --------------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_QMatMul() {
  static const AttrSpec kSpecs[] = {
      {"a_zero_point", AttrType::kInt, int64_t{0}},
      {"b_zero_point", AttrType::kInt, int64_t{0}},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QMatMul(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "A"));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 1, "B"));
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(1).shape;
  bool ok = a.size() >= 2 && (b.size() == 2 || b.size() == a.size()) && b[b.size() - 2] == a.back();
  for (size_t i = 0; ok && b.size() == a.size() && i + 2 < a.size(); ++i) ok = a[i] == b[i];
  if (!ok)
    return ctx.error(ErrorCode::kShapeMismatch, "A ", shape_str(a), " and B ", shape_str(b),
                     " must be [..., M, K] and [K, N] or [..., K, N] with the same batch dims");
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "a_zero_point", ctx.input(0).dtype));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "b_zero_point", ctx.input(1).dtype));
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {1, b.back()}));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  Shape out = a;
  out.back() = b.back();
  return std::vector<TensorType>{{yt, out}};
}

// ---- QAdd / QSub / QMul ---------------------------------------------------------------------------------
namespace {
Expected<std::vector<TensorType>> infer_binary(const InferContext& ctx, size_t n_mult) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "A"));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 1, "B"));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "a_zero_point", ctx.input(0).dtype));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "b_zero_point", ctx.input(1).dtype));
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {static_cast<int64_t>(n_mult)}));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  auto shape = broadcast_shapes(ctx.input(0).shape, ctx.input(1).shape);
  if (!shape.ok()) return ctx.error(ErrorCode::kShapeMismatch, shape.status().message());
  return std::vector<TensorType>{{yt, *shape}};
}
}  // namespace

std::span<const AttrSpec> attrs_QAdd() {
  static const AttrSpec kSpecs[] = {
      {"a_zero_point", AttrType::kInt, int64_t{0}},
      {"b_zero_point", AttrType::kInt, int64_t{0}},
      {"left_shift", AttrType::kInt, int64_t{20}},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QAdd(const InferContext& ctx) {
  const int64_t l = ctx.attrs.get_int("left_shift");
  if (l < 0 || l > 24) return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'left_shift'=", l, " not in [0, 24]");
  return infer_binary(ctx, 3);
}

std::span<const AttrSpec> attrs_QSub() {
  return attrs_QAdd();
}

Expected<std::vector<TensorType>> infer_QSub(const InferContext& ctx) {
  return infer_QAdd(ctx);
}

std::span<const AttrSpec> attrs_QMul() {
  static const AttrSpec kSpecs[] = {
      {"a_zero_point", AttrType::kInt, int64_t{0}},
      {"b_zero_point", AttrType::kInt, int64_t{0}},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QMul(const InferContext& ctx) {
  return infer_binary(ctx, 1);
}

// ---- QAveragePool / QGlobalAveragePool -------------------------------------------------------------------
namespace {
Status check_rescale(const InferContext& ctx) {
  const int64_t rescale = ctx.attrs.get_int("rescale");
  if (rescale != 0 && rescale != 1)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'rescale'=", rescale, " must be 0 or 1");
  if (rescale == 1) return check_multipliers(ctx, "multiplier", "shift", {1});
  return Status::Ok();
}
}  // namespace

std::span<const AttrSpec> attrs_QAveragePool() {
  static const AttrSpec kSpecs[] = {
      {"count_include_pad", AttrType::kInt, int64_t{0}},
      {"kernel_shape", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kDefault},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kDefault},
      {"pads", AttrType::kInts, Ints{0, 0, 0, 0}},
      {"rescale", AttrType::kInt, int64_t{0}},
      {"strides", AttrType::kInts, Ints{1, 1}},
      {"x_zero_point", AttrType::kInt, int64_t{0}},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QAveragePool(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 1));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_nchw(ctx, 0, "X"));
  NPUKIT_ASSIGN_OR_RETURN(Ints k, pair_attr(ctx, "kernel_shape", 2, 1));
  NPUKIT_ASSIGN_OR_RETURN(Ints s, pair_attr(ctx, "strides", 2, 1));
  NPUKIT_ASSIGN_OR_RETURN(Ints p, pair_attr(ctx, "pads", 4, 0));
  // A window made only of padding has no average (quant spec, "Pooling").
  if (p[0] >= k[0] || p[2] >= k[0] || p[1] >= k[1] || p[3] >= k[1])
    return ctx.error(ErrorCode::kUnsupportedAttr, "pads must be smaller than kernel_shape");
  const int64_t cip = ctx.attrs.get_int("count_include_pad");
  if (cip != 0 && cip != 1)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'count_include_pad'=", cip, " must be 0 or 1");
  const Shape& x = ctx.input(0).shape;
  NPUKIT_ASSIGN_OR_RETURN(int64_t oh, window_out(ctx, x[2], k[0], s[0], 1, p[0], p[2]));
  NPUKIT_ASSIGN_OR_RETURN(int64_t ow, window_out(ctx, x[3], k[1], s[1], 1, p[1], p[3]));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "x_zero_point", ctx.input(0).dtype));
  NPUKIT_RETURN_IF_ERROR(check_rescale(ctx));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  return std::vector<TensorType>{{yt, Shape{x[0], x[1], oh, ow}}};
}

std::span<const AttrSpec> attrs_QGlobalAveragePool() {
  static const AttrSpec kSpecs[] = {
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kDefault},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kDefault},
      {"rescale", AttrType::kInt, int64_t{0}},
      {"x_zero_point", AttrType::kInt, int64_t{0}},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QGlobalAveragePool(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 1));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "X"));
  NPUKIT_RETURN_IF_ERROR(check_nchw(ctx, 0, "X"));
  const Shape& x = ctx.input(0).shape;
  if (x[2] < 1 || x[3] < 1) return ctx.error(ErrorCode::kShapeMismatch, "empty spatial input ", shape_str(x));
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "x_zero_point", ctx.input(0).dtype));
  NPUKIT_RETURN_IF_ERROR(check_rescale(ctx));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  return std::vector<TensorType>{{yt, Shape{x[0], x[1], 1, 1}}};
}

// ---- QConcat --------------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_QConcat() {
  static const AttrSpec kSpecs[] = {
      {"axis", AttrType::kInt, int64_t{0}, AttrPresence::kRequired},
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"rescale", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"x_zero_points", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_QConcat(const InferContext& ctx) {
  const size_t n = ctx.num_inputs();
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, n));
  const Ints& zps = ctx.attrs.get_ints("x_zero_points");
  const Ints& rescale = ctx.attrs.get_ints("rescale");
  if (zps.size() != n || rescale.size() != n)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attributes 'x_zero_points' / 'rescale' need one value per input (",
                     n, "), got ", zps.size(), " / ", rescale.size());
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {static_cast<int64_t>(n)}));
  const Shape& first = ctx.input(0).shape;
  const int64_t rank = static_cast<int64_t>(first.size());
  auto axis = normalize_axis(ctx.attrs.get_int("axis"), rank);
  if (!axis.ok() || rank == 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'axis'=", ctx.attrs.get_int("axis"),
                     " is out of range for rank ", rank);
  Shape out = first;
  out[static_cast<size_t>(*axis)] = 0;
  for (size_t i = 0; i < n; ++i) {
    NPUKIT_RETURN_IF_ERROR(check_activation(ctx, i, "X"));
    const IntRange r = code_range(ctx.input(i).dtype);
    if (zps[i] < r.lo || zps[i] > r.hi)
      return ctx.error(ErrorCode::kUnsupportedAttr, "x_zero_points[", i, "]=", zps[i], " is outside the range of ",
                       dtype_name(ctx.input(i).dtype));
    if (rescale[i] != 0 && rescale[i] != 1)
      return ctx.error(ErrorCode::kUnsupportedAttr, "rescale[", i, "]=", rescale[i], " must be 0 or 1");
    const Shape& s = ctx.input(i).shape;
    if (static_cast<int64_t>(s.size()) != rank)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has rank ", s.size(), ", input 0 has rank ", rank);
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && s[static_cast<size_t>(d)] != first[static_cast<size_t>(d)])
        return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " shape ", shape_str(s), " differs from ",
                         shape_str(first), " outside axis ", *axis);
    out[static_cast<size_t>(*axis)] += s[static_cast<size_t>(*axis)];
  }
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  return std::vector<TensorType>{{yt, out}};
}

// ---- QLut -----------------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_QLut() {
  return {};
}

Expected<std::vector<TensorType>> infer_QLut(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_activation(ctx, 0, "X"));
  const TensorInfo& t = ctx.input(1);
  if (!is_activation(t.dtype))
    return ctx.error(ErrorCode::kUnsupportedAttr, "table has dtype ", dtype_name(t.dtype), " (need i8, u8 or i16)");
  const IntRange r = code_range(ctx.input(0).dtype);
  const int64_t count = r.hi - r.lo + 1;
  if (t.shape != Shape{count})
    return ctx.error(ErrorCode::kShapeMismatch, "table must be 1-D with one entry per ", dtype_name(ctx.input(0).dtype),
                     " code (", count, "), got ", shape_str(t.shape));
  return std::vector<TensorType>{{t.dtype, ctx.input(0).shape}};
}

// ---- Requantize -----------------------------------------------------------------------------------------
std::span<const AttrSpec> attrs_Requantize() {
  static const AttrSpec kSpecs[] = {
      {"multiplier", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"shift", AttrType::kInts, Ints{}, AttrPresence::kRequired},
      {"x_zero_point", AttrType::kInt, int64_t{0}},
      {"y_dtype", AttrType::kInt, int64_t{3}},
      {"y_max", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_min", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"y_zero_point", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_Requantize(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_inputs(ctx, 1));
  const DType xt = ctx.input(0).dtype;
  if (!is_activation(xt) && xt != DType::kI32)
    return ctx.error(ErrorCode::kUnsupportedAttr, "input X has dtype ", dtype_name(xt), " (need i8, u8, i16 or i32)");
  NPUKIT_RETURN_IF_ERROR(check_zero_point(ctx, "x_zero_point", xt));
  NPUKIT_RETURN_IF_ERROR(check_multipliers(ctx, "multiplier", "shift", {1}));
  NPUKIT_ASSIGN_OR_RETURN(DType yt, check_output(ctx));
  return std::vector<TensorType>{{yt, ctx.input(0).shape}};
}

}  // namespace npukit::ir
