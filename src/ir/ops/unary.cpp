// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for the element-wise unary family:
//   Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Elu Softplus Exp Log Sqrt Erf Abs Neg Reciprocal
//   Floor Ceil Not Identity Dropout Cast
// All of them keep the input shape; they differ in the dtypes they accept and (Cast) the output dtype.
#include <optional>

#include "ir/op_table.h"

namespace npukit::ir {
namespace {

/// Which input dtypes a unary op accepts.
enum class Accept : uint8_t {
  kF32,      ///< float math: f32 only (f16/f64 rejected as unsupported, ints as invalid)
  kNumeric,  ///< f32 and every integer type
  kBool,     ///< bool only
  kAny,      ///< any dtype with a storage size (pure data movement)
};

Status check_dtype(const InferContext& ctx, size_t i, DType t, Accept accept) {
  switch (accept) {
    case Accept::kAny:
      if (dtype_size(t) != 0) return Status::Ok();
      break;
    case Accept::kBool:
      if (t == DType::kBool) return Status::Ok();
      break;
    case Accept::kNumeric:
      if (t == DType::kF32 || dtype_is_integer(t)) return Status::Ok();
      break;
    case Accept::kF32:
      if (t == DType::kF32) return Status::Ok();
      break;
  }
  // f16/f64 are legal ONNX types for most of these ops, npukit just does not compute in them.
  if ((dtype_is_float(t) && accept != Accept::kBool) || t == DType::kString)
    return ctx.error(ErrorCode::kUnsupportedAttr, "input ", i, " has dtype ", dtype_name(t),
                     " which npukit does not compute in");
  return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " has dtype ", dtype_name(t),
                   " which this op does not accept");
}

Expected<std::vector<TensorType>> same_as_input(const InferContext& ctx, Accept accept) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "missing input 0");
  const TensorInfo& x = ctx.input(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype(ctx, 0, x.dtype, accept));
  return std::vector<TensorType>{{x.dtype, x.shape}};
}

/// Maps an ONNX TensorProto.DataType integer to a DType; nullopt for types npukit does not represent
/// (string, bfloat16, complex, float8 ...).
std::optional<DType> onnx_cast_dtype(int64_t onnx_type) {
  switch (onnx_type) {
    case 1: return DType::kF32;
    case 2: return DType::kU8;
    case 3: return DType::kI8;
    case 4: return DType::kU16;
    case 5: return DType::kI16;
    case 6: return DType::kI32;
    case 7: return DType::kI64;
    case 9: return DType::kBool;
    case 10: return DType::kF16;
    case 11: return DType::kF64;
    case 12: return DType::kU32;
    case 13: return DType::kU64;
    default: return std::nullopt;
  }
}

}  // namespace

// ---- ops without attributes ----
#define NPUKIT_UNARY_NOATTR(Op, accept)                                   \
  std::span<const AttrSpec> attrs_##Op() {                                \
    return {};                                                            \
  }                                                                       \
  Expected<std::vector<TensorType>> infer_##Op(const InferContext& ctx) { \
    return same_as_input(ctx, accept);                                    \
  }

NPUKIT_UNARY_NOATTR(Relu, Accept::kNumeric)
NPUKIT_UNARY_NOATTR(Sigmoid, Accept::kF32)
NPUKIT_UNARY_NOATTR(HardSwish, Accept::kF32)
NPUKIT_UNARY_NOATTR(Tanh, Accept::kF32)
NPUKIT_UNARY_NOATTR(Softplus, Accept::kF32)
NPUKIT_UNARY_NOATTR(Exp, Accept::kF32)
NPUKIT_UNARY_NOATTR(Log, Accept::kF32)
NPUKIT_UNARY_NOATTR(Sqrt, Accept::kF32)
NPUKIT_UNARY_NOATTR(Erf, Accept::kF32)
NPUKIT_UNARY_NOATTR(Abs, Accept::kNumeric)
NPUKIT_UNARY_NOATTR(Neg, Accept::kNumeric)
NPUKIT_UNARY_NOATTR(Reciprocal, Accept::kF32)
NPUKIT_UNARY_NOATTR(Floor, Accept::kF32)
NPUKIT_UNARY_NOATTR(Ceil, Accept::kF32)
NPUKIT_UNARY_NOATTR(Not, Accept::kBool)
NPUKIT_UNARY_NOATTR(Identity, Accept::kAny)
#undef NPUKIT_UNARY_NOATTR

// ---- activations with attributes ----
std::span<const AttrSpec> attrs_LeakyRelu() {
  static const AttrSpec kSpecs[] = {{"alpha", AttrType::kFloat, 0.01f}};
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_LeakyRelu(const InferContext& ctx) {
  return same_as_input(ctx, Accept::kF32);
}

std::span<const AttrSpec> attrs_Elu() {
  static const AttrSpec kSpecs[] = {{"alpha", AttrType::kFloat, 1.0f}};
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_Elu(const InferContext& ctx) {
  return same_as_input(ctx, Accept::kF32);
}

std::span<const AttrSpec> attrs_HardSigmoid() {
  static const AttrSpec kSpecs[] = {{"alpha", AttrType::kFloat, 0.2f}, {"beta", AttrType::kFloat, 0.5f}};
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_HardSigmoid(const InferContext& ctx) {
  return same_as_input(ctx, Accept::kF32);
}

// ---- Clip: canonical form has min/max as optional inputs 1/2 (opset >= 11) ----
std::span<const AttrSpec> attrs_Clip() {
  return {};
}
Expected<std::vector<TensorType>> infer_Clip(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(auto out, same_as_input(ctx, Accept::kNumeric));
  const DType t = ctx.input(0).dtype;
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    const TensorInfo& b = ctx.input(i);
    if (b.dtype != t)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " (", i == 1 ? "min" : "max", ") has dtype ",
                       dtype_name(b.dtype), " but the data is ", dtype_name(t));
    // ONNX requires scalars; exporters also emit shape [1], which is unambiguous, so accept one element.
    if (numel(b.shape) != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "input ", i, " (", i == 1 ? "min" : "max",
                       ") must be a scalar, got shape ", shape_str(b.shape));
  }
  return out;
}

// ---- Dropout: inference-mode identity ----
// ONNX leaves `seed` without a default (absent = random); it has no effect in inference, so it is kOptional.
std::span<const AttrSpec> attrs_Dropout() {
  static const AttrSpec kSpecs[] = {{"seed", AttrType::kInt, int64_t{0}, AttrPresence::kOptional}};
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_Dropout(const InferContext& ctx) {
  NPUKIT_ASSIGN_OR_RETURN(auto out, same_as_input(ctx, Accept::kAny));
  bool ratio_zero = false;
  if (ctx.has_input(1)) {
    const TensorInfo& r = ctx.input(1);
    if (!dtype_is_float(r.dtype) || numel(r.shape) != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "input 1 (ratio) must be a float scalar, got ", dtype_name(r.dtype),
                       shape_str(r.shape));
    ratio_zero = r.value && r.value->get_as_double(0) == 0.0;
  }
  if (ctx.has_input(2)) {
    const TensorInfo& tm = ctx.input(2);
    if (tm.dtype != DType::kBool || numel(tm.shape) != 1)
      return ctx.error(ErrorCode::kShapeMismatch, "input 2 (training_mode) must be a bool scalar, got ",
                       dtype_name(tm.dtype), shape_str(tm.shape));
    // A non-constant training_mode is treated as inference (false): npukit only runs inference graphs.
    // Training mode with a constant ratio of exactly 0 drops nothing, so it is still the identity.
    if (tm.value && tm.value->get_as_int64(0) != 0 && !ratio_zero)
      return ctx.error(ErrorCode::kUnsupportedAttr, "training_mode=true is not supported (inference only)");
  }
  // Optional mask output (if the op table allows it): all true, nothing is dropped.
  if (ctx.num_outputs >= 2) out.push_back({DType::kBool, out[0].shape});
  return out;
}

// ---- Cast ----
std::span<const AttrSpec> attrs_Cast() {
  static const AttrSpec kSpecs[] = {{"to", AttrType::kInt, int64_t{0}, AttrPresence::kRequired}};
  return kSpecs;
}
Expected<std::vector<TensorType>> infer_Cast(const InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.error(ErrorCode::kInvalidModel, "missing input 0");
  const TensorInfo& x = ctx.input(0);
  if (dtype_size(x.dtype) == 0)
    return ctx.error(ErrorCode::kUnsupportedAttr, "cannot cast from dtype ", dtype_name(x.dtype));
  const int64_t to = ctx.attrs.get_int("to");
  auto dst = onnx_cast_dtype(to);
  if (!dst) return ctx.error(ErrorCode::kUnsupportedAttr, "attribute 'to'=", to, " is not a supported dtype");
  return std::vector<TensorType>{{*dst, x.shape}};
}

}  // namespace npukit::ir
