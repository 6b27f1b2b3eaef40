// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for the broadcasting binary / variadic family:
//   PRelu Add Sub Mul Div Pow Max Min Sum Equal Greater Less GreaterOrEqual LessOrEqual And Or Where
// Broadcasting is numpy-style multidirectional (ONNX "Broadcasting in ONNX"), except PRelu whose slope
// broadcasts unidirectionally to X.
#include "ir/op_table.h"

namespace npukit::ir {
namespace {

/// f32 or any integer dtype: the dtypes the arithmetic kernels compute in.
bool is_arith(DType t) {
  return t == DType::kF32 || dtype_is_integer(t);
}

Status check_arith(const InferContext& ctx, size_t i) {
  const DType t = ctx.input(i).dtype;
  if (is_arith(t)) return Status::Ok();
  if (dtype_is_float(t))
    return ctx.error(ErrorCode::kUnsupportedAttr, "input ", i, " has dtype ", dtype_name(t),
                     " which npukit does not compute in");
  return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has dtype ", dtype_name(t),
                   " but a numeric dtype is required");
}

Status check_present(const InferContext& ctx, size_t n) {
  if (ctx.num_inputs() < n)
    return ctx.error(ErrorCode::kInvalidModel, "expected ", n, " inputs, got ", ctx.num_inputs());
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (!ctx.has_input(i)) return ctx.error(ErrorCode::kInvalidModel, "input ", i, " is missing");
  return Status::Ok();
}

Status check_same_dtype(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i < last; ++i)
    if (ctx.input(i).dtype != ctx.input(first).dtype)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has dtype ", dtype_name(ctx.input(i).dtype),
                       " but input ", first, " has ", dtype_name(ctx.input(first).dtype));
  return Status::Ok();
}

/// Broadcast shape of inputs [first, last).
Expected<Shape> broadcast_all(const InferContext& ctx, size_t first, size_t last) {
  Shape out = ctx.input(first).shape;
  for (size_t i = first + 1; i < last; ++i) {
    auto b = broadcast_shapes(out, ctx.input(i).shape);
    if (!b.ok()) return ctx.error(ErrorCode::kShapeMismatch, b.status().message());
    out = std::move(b).value();
  }
  return out;
}

/// Add/Sub/Mul/Div and the variadic Max/Min/Sum: same numeric dtype everywhere, output = broadcast shape.
Expected<std::vector<TensorType>> infer_arith(const InferContext& ctx, size_t min_inputs) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, min_inputs));
  NPUKIT_RETURN_IF_ERROR(check_arith(ctx, 0));
  NPUKIT_RETURN_IF_ERROR(check_same_dtype(ctx, 0, ctx.num_inputs()));
  NPUKIT_ASSIGN_OR_RETURN(Shape s, broadcast_all(ctx, 0, ctx.num_inputs()));
  return std::vector<TensorType>{{ctx.input(0).dtype, std::move(s)}};
}

/// Comparisons: same dtype (numeric or bool), bool output.
Expected<std::vector<TensorType>> infer_compare(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, 2));
  if (ctx.input(0).dtype != DType::kBool) NPUKIT_RETURN_IF_ERROR(check_arith(ctx, 0));
  NPUKIT_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 2));
  NPUKIT_ASSIGN_OR_RETURN(Shape s, broadcast_all(ctx, 0, 2));
  return std::vector<TensorType>{{DType::kBool, std::move(s)}};
}

/// And/Or: bool inputs, bool output.
Expected<std::vector<TensorType>> infer_logical(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, 2));
  for (size_t i = 0; i < 2; ++i)
    if (ctx.input(i).dtype != DType::kBool)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has dtype ", dtype_name(ctx.input(i).dtype),
                       " but bool is required");
  NPUKIT_ASSIGN_OR_RETURN(Shape s, broadcast_all(ctx, 0, 2));
  return std::vector<TensorType>{{DType::kBool, std::move(s)}};
}

}  // namespace

#define NPUKIT_BINARY(Op, body)                                           \
  std::span<const AttrSpec> attrs_##Op() {                                \
    return {};                                                            \
  }                                                                       \
  Expected<std::vector<TensorType>> infer_##Op(const InferContext& ctx) { \
    return body;                                                          \
  }

NPUKIT_BINARY(Add, infer_arith(ctx, 2))
NPUKIT_BINARY(Sub, infer_arith(ctx, 2))
NPUKIT_BINARY(Mul, infer_arith(ctx, 2))
NPUKIT_BINARY(Div, infer_arith(ctx, 2))
NPUKIT_BINARY(Max, infer_arith(ctx, 1))
NPUKIT_BINARY(Min, infer_arith(ctx, 1))
NPUKIT_BINARY(Sum, infer_arith(ctx, 1))
NPUKIT_BINARY(Equal, infer_compare(ctx))
NPUKIT_BINARY(Greater, infer_compare(ctx))
NPUKIT_BINARY(Less, infer_compare(ctx))
NPUKIT_BINARY(GreaterOrEqual, infer_compare(ctx))
NPUKIT_BINARY(LessOrEqual, infer_compare(ctx))
NPUKIT_BINARY(And, infer_logical(ctx))
NPUKIT_BINARY(Or, infer_logical(ctx))
#undef NPUKIT_BINARY

// Pow: base and exponent may differ in dtype (ONNX 12+: T and T1); the output has the base's dtype.
std::span<const AttrSpec> attrs_Pow() {
  return {};
}
Expected<std::vector<TensorType>> infer_Pow(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_arith(ctx, 0));
  NPUKIT_RETURN_IF_ERROR(check_arith(ctx, 1));
  NPUKIT_ASSIGN_OR_RETURN(Shape s, broadcast_all(ctx, 0, 2));
  return std::vector<TensorType>{{ctx.input(0).dtype, std::move(s)}};
}

// PRelu: slope must broadcast unidirectionally to X (the output has X's shape).
std::span<const AttrSpec> attrs_PRelu() {
  return {};
}
Expected<std::vector<TensorType>> infer_PRelu(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, 2));
  NPUKIT_RETURN_IF_ERROR(check_arith(ctx, 0));
  NPUKIT_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 2));
  const Shape& x = ctx.input(0).shape;
  const Shape& slope = ctx.input(1).shape;
  auto b = broadcast_shapes(x, slope);
  if (!b.ok() || *b != x)
    return ctx.error(ErrorCode::kShapeMismatch, "slope shape ", shape_str(slope),
                     " does not broadcast unidirectionally to X shape ", shape_str(x));
  return std::vector<TensorType>{{ctx.input(0).dtype, x}};
}

// Where(condition, X, Y): bool condition, X and Y of one (any) dtype, three-way broadcast.
std::span<const AttrSpec> attrs_Where() {
  return {};
}
Expected<std::vector<TensorType>> infer_Where(const InferContext& ctx) {
  NPUKIT_RETURN_IF_ERROR(check_present(ctx, 3));
  if (ctx.input(0).dtype != DType::kBool)
    return ctx.error(ErrorCode::kShapeMismatch, "condition has dtype ", dtype_name(ctx.input(0).dtype),
                     " but bool is required");
  NPUKIT_RETURN_IF_ERROR(check_same_dtype(ctx, 1, 3));
  if (dtype_size(ctx.input(1).dtype) == 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(ctx.input(1).dtype), " is not supported");
  NPUKIT_ASSIGN_OR_RETURN(Shape s, broadcast_all(ctx, 0, 3));
  return std::vector<TensorType>{{ctx.input(1).dtype, std::move(s)}};
}

}  // namespace npukit::ir
