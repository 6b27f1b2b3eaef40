// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for data movement and shape computation:
//   Concat Split Slice Reshape Flatten Transpose Squeeze Unsqueeze Gather Shape Constant ConstantOfShape
//   Range Expand Tile Pad
// These ops move elements without arithmetic, so they accept every dtype with a storage size. Ops whose
// output shape depends on an input's VALUE (Split sizes, Slice starts/ends/axes/steps, Reshape shape,
// Squeeze/Unsqueeze axes, ConstantOfShape shape, Range, Expand shape, Tile repeats, Pad pads) require that
// input to be constant (ctx.inputs[i].value), as the interpreter provides after constant folding.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op_table.h"

namespace npukit::ir {
namespace {

using Out = Expected<std::vector<TensorType>>;

Status require_input(const InferContext& ctx, size_t i, const char* name) {
  if (!ctx.has_input(i)) return ctx.error(ErrorCode::kInvalidModel, "missing input ", i, " (", name, ")");
  if (dtype_size(ctx.input(i).dtype) == 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "input ", i, " (", name, ") has unsupported dtype ",
                     dtype_name(ctx.input(i).dtype));
  return Status::Ok();
}

/// Reads a constant 1-D (or scalar) i32/i64 input such as shape/axes/pads/repeats.
Expected<std::vector<int64_t>> const_ints(const InferContext& ctx, size_t i, const char* name) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, i, name));
  const TensorInfo& t = ctx.input(i);
  if ((t.dtype != DType::kI64 && t.dtype != DType::kI32) || t.shape.size() > 1)
    return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " (", name, ") must be a 1-D i64 tensor, got ",
                     dtype_name(t.dtype), shape_str(t.shape));
  if (!t.value)
    return ctx.error(ErrorCode::kShapeMismatch, "input '", name, "' must be constant (known at compile time) for ",
                     "shape inference");
  return t.value->to_int64_vector();
}

/// Checked element count of an output shape: kOutOfRange on overflow or beyond kMaxTensorElements.
Status check_size(const InferContext& ctx, const Shape& s) {
  auto n = checked_numel(s);
  if (!n.ok()) return ctx.error(ErrorCode::kOutOfRange, "output shape ", shape_str(s), ": ", n.status().message());
  return Status::Ok();
}

Expected<int64_t> norm_axis(const InferContext& ctx, int64_t axis, int64_t rank, const char* what) {
  auto n = normalize_axis(axis, rank);
  if (!n.ok()) return ctx.error(ErrorCode::kInvalidModel, what, ": ", n.status().message());
  return *n;
}

}  // namespace

// ---- Concat ----
std::span<const AttrSpec> attrs_Concat() {
  static const AttrSpec kSpecs[] = {{"axis", AttrType::kInt, int64_t{0}, AttrPresence::kRequired}};
  return kSpecs;
}
Out infer_Concat(const InferContext& ctx) {
  if (ctx.num_inputs() == 0) return ctx.error(ErrorCode::kInvalidModel, "needs at least one input");
  for (size_t i = 0; i < ctx.num_inputs(); ++i) NPUKIT_RETURN_IF_ERROR(require_input(ctx, i, "input"));
  const TensorInfo& x0 = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x0.shape.size());
  if (rank == 0) return ctx.error(ErrorCode::kShapeMismatch, "cannot concatenate scalars");
  NPUKIT_ASSIGN_OR_RETURN(int64_t axis, norm_axis(ctx, ctx.attrs.get_int("axis"), rank, "attribute 'axis'"));
  Shape out = x0.shape;
  out[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const TensorInfo& x = ctx.input(i);
    if (x.dtype != x0.dtype)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has dtype ", dtype_name(x.dtype), " but input 0 has ",
                       dtype_name(x0.dtype));
    if (x.shape.size() != x0.shape.size())
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has rank ", x.shape.size(), " but input 0 has rank ",
                       rank);
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && x.shape[d] != x0.shape[d])
        return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " shape ", shape_str(x.shape),
                         " differs from input 0 shape ", shape_str(x0.shape), " outside axis ", axis);
    out[axis] += x.shape[axis];
  }
  NPUKIT_RETURN_IF_ERROR(check_size(ctx, out));
  return std::vector<TensorType>{{x0.dtype, out}};
}

// ---- Split: sizes are input 1; when absent, split equally into ctx.num_outputs parts ----
std::span<const AttrSpec> attrs_Split() {
  static const AttrSpec kSpecs[] = {{"axis", AttrType::kInt, int64_t{0}}};
  return kSpecs;
}
Out infer_Split(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "input"));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(int64_t axis, norm_axis(ctx, ctx.attrs.get_int("axis"), static_cast<int64_t>(x.shape.size()),
                                                  "attribute 'axis'"));
  const int64_t dim = x.shape[axis];
  const size_t n = ctx.num_outputs;
  if (n == 0) return ctx.error(ErrorCode::kInvalidModel, "has no outputs");
  std::vector<int64_t> sizes;
  if (ctx.has_input(1)) {
    NPUKIT_ASSIGN_OR_RETURN(sizes, const_ints(ctx, 1, "split"));
    if (sizes.size() != n)
      return ctx.error(ErrorCode::kShapeMismatch, "split has ", sizes.size(), " sizes but the node has ", n,
                       " outputs");
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.error(ErrorCode::kShapeMismatch, "split sizes must be >= 0, got ", s);
      sum += s;
    }
    if (sum != dim)
      return ctx.error(ErrorCode::kShapeMismatch, "split sizes sum to ", sum, " but axis ", axis, " has size ", dim);
  } else {
    // Opset <= 17: equal parts, the dimension must divide evenly (opset 18's uneven num_outputs form is
    // rewritten into explicit sizes by the frontend).
    if (dim % static_cast<int64_t>(n) != 0)
      return ctx.error(ErrorCode::kShapeMismatch, "axis ", axis, " of size ", dim, " cannot be split equally into ", n,
                       " outputs");
    sizes.assign(n, dim / static_cast<int64_t>(n));
  }
  std::vector<TensorType> outs;
  for (int64_t s : sizes) {
    Shape sh = x.shape;
    sh[axis] = s;
    outs.push_back({x.dtype, std::move(sh)});
  }
  return outs;
}

// ---- Slice (opset 10+ form: starts, ends, axes, steps are inputs) ----
std::span<const AttrSpec> attrs_Slice() {
  return {};
}
Out infer_Slice(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  NPUKIT_ASSIGN_OR_RETURN(auto starts, const_ints(ctx, 1, "starts"));
  NPUKIT_ASSIGN_OR_RETURN(auto ends, const_ints(ctx, 2, "ends"));
  if (starts.size() != ends.size())
    return ctx.error(ErrorCode::kShapeMismatch, "starts has ", starts.size(), " values but ends has ", ends.size());
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (ctx.has_input(3)) {
    NPUKIT_ASSIGN_OR_RETURN(axes, const_ints(ctx, 3, "axes"));
    if (axes.size() != starts.size())
      return ctx.error(ErrorCode::kShapeMismatch, "axes has ", axes.size(), " values but starts has ", starts.size());
  } else {
    if (static_cast<int64_t>(starts.size()) > rank)
      return ctx.error(ErrorCode::kShapeMismatch, "starts has ", starts.size(), " values but data has rank ", rank);
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (ctx.has_input(4)) {
    NPUKIT_ASSIGN_OR_RETURN(steps, const_ints(ctx, 4, "steps"));
    if (steps.size() != starts.size())
      return ctx.error(ErrorCode::kShapeMismatch, "steps has ", steps.size(), " values but starts has ", starts.size());
  }
  Shape out = x.shape;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(int64_t ax, norm_axis(ctx, axes[i], rank, "axes"));
    if (seen[ax]) return ctx.error(ErrorCode::kInvalidModel, "axis ", axes[i], " is repeated in axes");
    seen[ax] = true;
    const int64_t step = steps[i];
    if (step == 0) return ctx.error(ErrorCode::kInvalidModel, "steps must not be 0");
    const int64_t dim = x.shape[ax];
    // ONNX clamping: negative indices count from the end; starts clamp to [0, dim] (step > 0) or
    // [0, dim-1] (step < 0); ends clamp to [0, dim] or [-1, dim-1]. Values like INT64_MAX/MIN are common.
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out[ax] = e > s ? (e - s - 1) / step + 1 : 0;  // written to avoid overflow for huge steps
    } else {
      s = std::clamp<int64_t>(s, 0, std::max<int64_t>(dim - 1, 0));
      e = std::clamp<int64_t>(e, -1, dim - 1);
      // (s-e-1)/step truncates toward zero to -floor((s-e-1)/|step|); avoids negating INT64_MIN.
      out[ax] = (dim > 0 && s > e) ? 1 - (s - e - 1) / step : 0;
    }
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Reshape ----
std::span<const AttrSpec> attrs_Reshape() {
  static const AttrSpec kSpecs[] = {{"allowzero", AttrType::kInt, int64_t{0}}};
  return kSpecs;
}
Out infer_Reshape(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(auto shape, const_ints(ctx, 1, "shape"));
  const bool allowzero = ctx.attrs.get_int("allowzero") != 0;
  Shape out(shape.size());
  int64_t infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t v = shape[i];
    if (v == -1) {
      if (infer_at >= 0)
        return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " has more than one -1");
      infer_at = static_cast<int64_t>(i);
      out[i] = 1;
    } else if (v == 0 && !allowzero) {
      // allowzero=0: a 0 copies the input dimension at the same index.
      if (i >= x.shape.size())
        return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " has 0 at index ", i,
                         " but the input has rank ", x.shape.size());
      out[i] = x.shape[i];
    } else if (v < 0) {
      return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " has invalid dimension ", v);
    } else {
      if (v == 0) has_zero = true;
      out[i] = v;
    }
  }
  if (allowzero && has_zero && infer_at >= 0)
    return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " mixes 0 and -1 with allowzero=1");
  auto known = checked_numel(out);
  if (!known.ok()) return ctx.error(ErrorCode::kOutOfRange, "shape ", shape_str(shape), ": ", known.status().message());
  const int64_t in_n = numel(x.shape);
  if (infer_at >= 0) {
    if (*known == 0 || in_n % *known != 0)
      return ctx.error(ErrorCode::kShapeMismatch, "cannot reshape ", shape_str(x.shape), " to ", shape_str(shape));
    out[infer_at] = in_n / *known;
  } else if (*known != in_n) {
    return ctx.error(ErrorCode::kShapeMismatch, "cannot reshape ", shape_str(x.shape), " (", in_n, " elements) to ",
                     shape_str(out), " (", *known, " elements)");
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Flatten ----
std::span<const AttrSpec> attrs_Flatten() {
  static const AttrSpec kSpecs[] = {{"axis", AttrType::kInt, int64_t{1}}};
  return kSpecs;
}
Out infer_Flatten(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "input"));
  const TensorInfo& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.attrs.get_int("axis");
  // Flatten accepts axis in [-r, r] (axis == r gives [N, 1]).
  if (axis < -rank || axis > rank)
    return ctx.error(ErrorCode::kInvalidModel, "attribute 'axis'=", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  int64_t a = 1, b = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? a : b) *= x.shape[d];
  return std::vector<TensorType>{{x.dtype, Shape{a, b}}};
}

// ---- Transpose: perm defaults to reversed axes, which depends on the input rank → kOptional ----
std::span<const AttrSpec> attrs_Transpose() {
  static const AttrSpec kSpecs[] = {{"perm", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional}};
  return kSpecs;
}
Out infer_Transpose(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  const size_t rank = x.shape.size();
  Shape out(rank);
  if (!ctx.attrs.has("perm")) {
    for (size_t d = 0; d < rank; ++d) out[d] = x.shape[rank - 1 - d];
    return std::vector<TensorType>{{x.dtype, out}};
  }
  const auto perm = ctx.attrs.get_ints("perm");
  if (perm.size() != rank)
    return ctx.error(ErrorCode::kInvalidModel, "attribute 'perm' ", shape_str(perm), " has ", perm.size(),
                     " entries but the input has rank ", rank);
  std::vector<bool> seen(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t p = perm[d];
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return ctx.error(ErrorCode::kInvalidModel, "attribute 'perm' ", shape_str(perm), " is not a permutation of 0..",
                       rank - 1);
    seen[p] = true;
    out[d] = x.shape[p];
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Squeeze / Unsqueeze (axes input 1) ----
std::span<const AttrSpec> attrs_Squeeze() {
  return {};
}
Out infer_Squeeze(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<bool> drop(rank, false);
  if (ctx.has_input(1)) {
    NPUKIT_ASSIGN_OR_RETURN(auto axes, const_ints(ctx, 1, "axes"));
    for (int64_t ax : axes) {
      NPUKIT_ASSIGN_OR_RETURN(int64_t a, norm_axis(ctx, ax, rank, "axes"));
      if (drop[a]) return ctx.error(ErrorCode::kInvalidModel, "axis ", ax, " is repeated in axes");
      if (x.shape[a] != 1)
        return ctx.error(ErrorCode::kShapeMismatch, "cannot squeeze axis ", ax, " of size ", x.shape[a], " (shape ",
                         shape_str(x.shape), ")");
      drop[a] = true;
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) drop[d] = x.shape[d] == 1;
  }
  Shape out;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d]) out.push_back(x.shape[d]);
  return std::vector<TensorType>{{x.dtype, out}};
}

std::span<const AttrSpec> attrs_Unsqueeze() {
  return {};
}
Out infer_Unsqueeze(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(auto axes, const_ints(ctx, 1, "axes"));
  const int64_t out_rank = static_cast<int64_t>(x.shape.size() + axes.size());
  if (out_rank > static_cast<int64_t>(kMaxRank))
    return ctx.error(ErrorCode::kOutOfRange, "output rank ", out_rank, " exceeds ", kMaxRank);
  std::vector<bool> inserted(out_rank, false);
  for (int64_t ax : axes) {
    NPUKIT_ASSIGN_OR_RETURN(int64_t a, norm_axis(ctx, ax, out_rank, "axes"));
    if (inserted[a]) return ctx.error(ErrorCode::kInvalidModel, "axis ", ax, " is repeated in axes");
    inserted[a] = true;
  }
  Shape out(out_rank);
  size_t j = 0;
  for (int64_t d = 0; d < out_rank; ++d) out[d] = inserted[d] ? 1 : x.shape[j++];
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Gather ----
std::span<const AttrSpec> attrs_Gather() {
  static const AttrSpec kSpecs[] = {{"axis", AttrType::kInt, int64_t{0}}};
  return kSpecs;
}
Out infer_Gather(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 1, "indices"));
  const TensorInfo& x = ctx.input(0);
  const TensorInfo& idx = ctx.input(1);
  if (idx.dtype != DType::kI64 && idx.dtype != DType::kI32)
    return ctx.error(ErrorCode::kShapeMismatch, "indices must be i32 or i64, got ", dtype_name(idx.dtype));
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) return ctx.error(ErrorCode::kShapeMismatch, "cannot gather from a scalar");
  NPUKIT_ASSIGN_OR_RETURN(int64_t axis, norm_axis(ctx, ctx.attrs.get_int("axis"), rank, "attribute 'axis'"));
  const int64_t dim = x.shape[axis];
  if (idx.value) {
    for (int64_t v : idx.value->to_int64_vector())
      if (v < -dim || v >= dim)
        return ctx.error(ErrorCode::kOutOfRange, "index ", v, " is out of range for axis ", axis, " of size ", dim);
  }
  Shape out(x.shape.begin(), x.shape.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), x.shape.begin() + axis + 1, x.shape.end());
  if (out.size() > kMaxRank)
    return ctx.error(ErrorCode::kOutOfRange, "output rank ", out.size(), " exceeds ", kMaxRank);
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Shape (opset 15 start/end; ONNX gives `end` no numeric default: absent = rank) ----
std::span<const AttrSpec> attrs_Shape() {
  static const AttrSpec kSpecs[] = {
      {"start", AttrType::kInt, int64_t{0}},
      {"end", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
  };
  return kSpecs;
}
Out infer_Shape(const InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "missing input 0");
  const int64_t rank = static_cast<int64_t>(ctx.input(0).shape.size());
  // Out-of-range start/end clamp to [0, rank] (ONNX spec), they are not errors.
  auto clampi = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t s = clampi(ctx.attrs.get_int("start"));
  const int64_t e = ctx.attrs.has("end") ? clampi(ctx.attrs.get_int("end")) : rank;
  return std::vector<TensorType>{{DType::kI64, Shape{std::max<int64_t>(e - s, 0)}}};
}

// ---- Constant: exactly one of the value attributes (the frontend keeps whichever the model used) ----
std::span<const AttrSpec> attrs_Constant() {
  static const AttrSpec kSpecs[] = {
      {"value", AttrType::kTensor, Tensor(), AttrPresence::kOptional},
      {"value_float", AttrType::kFloat, 0.f, AttrPresence::kOptional},
      {"value_floats", AttrType::kFloats, std::vector<float>{}, AttrPresence::kOptional},
      {"value_int", AttrType::kInt, int64_t{0}, AttrPresence::kOptional},
      {"value_ints", AttrType::kInts, std::vector<int64_t>{}, AttrPresence::kOptional},
      {"value_string", AttrType::kString, std::string(), AttrPresence::kOptional},
      {"value_strings", AttrType::kStrings, std::vector<std::string>{}, AttrPresence::kOptional},
  };
  return kSpecs;
}
Out infer_Constant(const InferContext& ctx) {
  int count = 0;
  for (const char* n :
       {"value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"})
    count += ctx.attrs.has(n) ? 1 : 0;
  if (count != 1) return ctx.error(ErrorCode::kInvalidModel, "exactly one value attribute must be given, got ", count);
  if (ctx.attrs.has("value_string") || ctx.attrs.has("value_strings"))
    return ctx.error(ErrorCode::kUnsupportedAttr, "string constants are not supported");
  if (ctx.attrs.has("value")) {
    const Tensor* t = ctx.attrs.get_tensor("value");
    if (!t || t->empty() || dtype_size(t->dtype()) == 0)
      return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'value' is not a supported tensor");
    return std::vector<TensorType>{{t->dtype(), t->shape()}};
  }
  if (ctx.attrs.has("value_float")) return std::vector<TensorType>{{DType::kF32, Shape{}}};
  if (ctx.attrs.has("value_int")) return std::vector<TensorType>{{DType::kI64, Shape{}}};
  if (ctx.attrs.has("value_floats"))
    return std::vector<TensorType>{
        {DType::kF32, Shape{static_cast<int64_t>(ctx.attrs.get_floats("value_floats").size())}}};
  return std::vector<TensorType>{{DType::kI64, Shape{static_cast<int64_t>(ctx.attrs.get_ints("value_ints").size())}}};
}

// ---- ConstantOfShape: `value` absent means f32 0 (ONNX default), kept kOptional to stay absent ----
std::span<const AttrSpec> attrs_ConstantOfShape() {
  static const AttrSpec kSpecs[] = {{"value", AttrType::kTensor, Tensor(), AttrPresence::kOptional}};
  return kSpecs;
}
Out infer_ConstantOfShape(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(auto shape, const_ints(ctx, 0, "input"));
  DType t = DType::kF32;
  if (const Tensor* v = ctx.attrs.get_tensor("value")) {
    if (v->numel() != 1)
      return ctx.error(ErrorCode::kInvalidModel, "attribute 'value' must hold one element, got ",
                       shape_str(v->shape()));
    if (dtype_size(v->dtype()) == 0)
      return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'value' has unsupported dtype ", dtype_name(v->dtype()));
    t = v->dtype();
  }
  for (int64_t d : shape)
    if (d < 0) return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " has a negative dimension");
  if (shape.size() > kMaxRank) return ctx.error(ErrorCode::kOutOfRange, "output rank ", shape.size(), " too large");
  NPUKIT_RETURN_IF_ERROR(check_size(ctx, shape));
  return std::vector<TensorType>{{t, shape}};
}

// ---- Range ----
std::span<const AttrSpec> attrs_Range() {
  return {};
}
Out infer_Range(const InferContext& ctx) {
  static const char* kNames[] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i) NPUKIT_RETURN_IF_ERROR(require_input(ctx, i, kNames[i]));
  const DType t = ctx.input(0).dtype;
  if (t != DType::kF32 && t != DType::kI16 && t != DType::kI32 && t != DType::kI64) {
    const ErrorCode code = t == DType::kF64 ? ErrorCode::kUnsupportedAttr : ErrorCode::kShapeMismatch;
    return ctx.error(code, "dtype ", dtype_name(t), " is not supported (f32, i16, i32, i64)");
  }
  for (size_t i = 0; i < 3; ++i) {
    const TensorInfo& in = ctx.input(i);
    if (in.dtype != t)
      return ctx.error(ErrorCode::kShapeMismatch, kNames[i], " has dtype ", dtype_name(in.dtype), " but start has ",
                       dtype_name(t));
    if (numel(in.shape) != 1)
      return ctx.error(ErrorCode::kShapeMismatch, kNames[i], " must be a scalar, got shape ", shape_str(in.shape));
    if (!in.value)
      return ctx.error(ErrorCode::kShapeMismatch, "input '", kNames[i], "' must be constant for shape inference");
  }
  int64_t n = 0;
  if (t == DType::kF32) {
    // Count in double exactly as the kernel does: ceil((limit - start) / delta).
    const double s = ctx.input(0).value->get_as_double(0), l = ctx.input(1).value->get_as_double(0),
                 d = ctx.input(2).value->get_as_double(0);
    if (d == 0 || !std::isfinite(d) || !std::isfinite(s) || !std::isfinite(l))
      return ctx.error(ErrorCode::kInvalidArgument, "start/limit/delta must be finite and delta non-zero");
    const double c = std::ceil((l - s) / d);
    if (c > static_cast<double>(kMaxTensorElements))
      return ctx.error(ErrorCode::kOutOfRange, "range has ", c, " elements, more than the limit");
    n = c > 0 ? static_cast<int64_t>(c) : 0;
  } else {
    const __int128 s = ctx.input(0).value->get_as_int64(0), l = ctx.input(1).value->get_as_int64(0),
                   d = ctx.input(2).value->get_as_int64(0);
    if (d == 0) return ctx.error(ErrorCode::kInvalidArgument, "delta must not be 0");
    const __int128 diff = l - s;
    __int128 c = 0;
    if ((diff > 0 && d > 0) || (diff < 0 && d < 0)) {
      const __int128 ad = d > 0 ? d : -d, adiff = diff > 0 ? diff : -diff;
      c = (adiff + ad - 1) / ad;
    }
    if (c > kMaxTensorElements) return ctx.error(ErrorCode::kOutOfRange, "range has too many elements");
    n = static_cast<int64_t>(c);
  }
  return std::vector<TensorType>{{t, Shape{n}}};
}

// ---- Expand: bidirectional (numpy) broadcast of the input against `shape` ----
std::span<const AttrSpec> attrs_Expand() {
  return {};
}
Out infer_Expand(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "input"));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(auto shape, const_ints(ctx, 1, "shape"));
  for (int64_t d : shape)
    if (d < 0) return ctx.error(ErrorCode::kShapeMismatch, "shape ", shape_str(shape), " has a negative dimension");
  auto b = broadcast_shapes(x.shape, shape);
  if (!b.ok()) return ctx.error(ErrorCode::kShapeMismatch, b.status().message());
  if (b->size() > kMaxRank) return ctx.error(ErrorCode::kOutOfRange, "output rank ", b->size(), " too large");
  NPUKIT_RETURN_IF_ERROR(check_size(ctx, *b));
  return std::vector<TensorType>{{x.dtype, *b}};
}

// ---- Tile ----
std::span<const AttrSpec> attrs_Tile() {
  return {};
}
Out infer_Tile(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "input"));
  const TensorInfo& x = ctx.input(0);
  NPUKIT_ASSIGN_OR_RETURN(auto reps, const_ints(ctx, 1, "repeats"));
  if (reps.size() != x.shape.size())
    return ctx.error(ErrorCode::kShapeMismatch, "repeats has ", reps.size(), " values but the input has rank ",
                     x.shape.size());
  Shape out(x.shape.size());
  for (size_t d = 0; d < reps.size(); ++d) {
    if (reps[d] < 0) return ctx.error(ErrorCode::kShapeMismatch, "repeats must be >= 0, got ", reps[d]);
    if (x.shape[d] != 0 && reps[d] > kMaxTensorElements / x.shape[d])
      return ctx.error(ErrorCode::kOutOfRange, "tiled dimension ", d, " is too large");
    out[d] = x.shape[d] * reps[d];
  }
  NPUKIT_RETURN_IF_ERROR(check_size(ctx, out));
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---- Pad (opset 11+ form: pads input 1, constant_value input 2) ----
std::span<const AttrSpec> attrs_Pad() {
  static const AttrSpec kSpecs[] = {{"mode", AttrType::kString, std::string("constant")}};
  return kSpecs;
}
Out infer_Pad(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(require_input(ctx, 0, "data"));
  const TensorInfo& x = ctx.input(0);
  const std::string mode = ctx.attrs.get_string("mode");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'mode'=\"", mode,
                     "\" is not supported (constant, reflect, edge)");
  NPUKIT_ASSIGN_OR_RETURN(auto pads, const_ints(ctx, 1, "pads"));
  const size_t rank = x.shape.size();
  if (pads.size() != 2 * rank)
    return ctx.error(ErrorCode::kShapeMismatch, "pads has ", pads.size(), " values but the input has rank ", rank,
                     " (expected ", 2 * rank, ")");
  if (ctx.has_input(2)) {
    const TensorInfo& cv = ctx.input(2);
    if (cv.dtype != x.dtype || numel(cv.shape) != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "constant_value must be a ", dtype_name(x.dtype), " scalar, got ",
                       dtype_name(cv.dtype), shape_str(cv.shape));
  }
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t b = pads[d], e = pads[d + rank];
    if (std::abs(b) > kMaxTensorElements || std::abs(e) > kMaxTensorElements)
      return ctx.error(ErrorCode::kOutOfRange, "pads ", shape_str(pads), " are too large");
    out[d] = x.shape[d] + b + e;
    if (out[d] < 0)
      return ctx.error(ErrorCode::kShapeMismatch, "pads ", shape_str(pads), " crop axis ", d, " of size ", x.shape[d],
                       " below zero");
    // reflect/edge read the source: an empty axis has nothing to replicate.
    if (mode != "constant" && x.shape[d] == 0 && out[d] > 0)
      return ctx.error(ErrorCode::kShapeMismatch, "mode '", mode, "' cannot pad the empty axis ", d);
  }
  NPUKIT_RETURN_IF_ERROR(check_size(ctx, out));
  return std::vector<TensorType>{{x.dtype, out}};
}

}  // namespace npukit::ir
