// SPDX-License-Identifier: Apache-2.0
// Reference kernels for the element-wise unary family (see ir/ops/unary.cpp for the accepted dtypes):
//   Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Elu Softplus Exp Log Sqrt Erf Abs Neg Reciprocal
//   Floor Ceil Not Identity Dropout Cast
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {
namespace {

/// Calls f(T{}) with the C++ type of a numeric dtype (f32 and all integers); false if unsupported.

Status check_shapes(const KernelArgs& a) {
  if (a.num_inputs() < 1 || !a.has_input(0) || a.outputs.size() < 1)
    return a.error(ErrorCode::kInternal, "kernel called without input 0 or output 0");
  if (a.out(0).numel() != a.in(0).numel())
    return a.error(ErrorCode::kInternal, "output has ", a.out(0).numel(), " elements, input has ", a.in(0).numel());
  return Status::Ok();
}

/// Applies `fn` element-wise on f32 tensors.
template <class Fn>
Status map_f32(const KernelArgs& a, Fn fn) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  if (a.in(0).dtype() != DType::kF32 || a.out(0).dtype() != DType::kF32)
    return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(a.in(0).dtype()), " is not supported");
  const float* x = a.in(0).data<float>();
  float* y = a.out(0).data<float>();
  const int64_t n = a.in(0).numel();
  for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
  return Status::Ok();
}

/// Applies a generic lambda element-wise on any numeric dtype (f32 or integer), same dtype out.
template <class Fn>
Status map_numeric(const KernelArgs& a, Fn fn) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  const DType t = a.in(0).dtype();
  if (a.out(0).dtype() != t) return a.error(ErrorCode::kInternal, "output dtype differs from input dtype");
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in(0).data<T>();
    T* y = a.out(0).data<T>();
    const int64_t n = a.in(0).numel();
    for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

Status copy_input(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  if (a.out(0).dtype() != a.in(0).dtype())
    return a.error(ErrorCode::kInternal, "output dtype differs from input dtype");
  if (a.in(0).nbytes() != 0) std::memcpy(a.out(0).raw(), a.in(0).raw(), a.in(0).nbytes());
  return Status::Ok();
}

// ---- Cast helpers ----

/// Float → integer conversion with defined behaviour where C++ has none: NaN → 0, values beyond the
/// target range saturate to its min/max; otherwise truncation toward zero (C++ static_cast semantics).
template <class I>
I float_to_int(double d) {
  if (std::isnan(d)) return I{0};
  const double t = std::trunc(d);
  // Compare against the first value past the range (exactly representable powers of two) so the
  // boundary check is exact even for 64-bit targets whose max is not representable as a double.
  const double kHiExcl = std::ldexp(1.0, std::numeric_limits<I>::digits);
  if (t >= kHiExcl) return std::numeric_limits<I>::max();
  if (t < static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  return static_cast<I>(t);
}

/// Source value of one element, kept in the widest exact representation of its class.
struct CastValue {
  enum Kind : uint8_t { kFloat, kSigned, kUnsigned } kind;
  double f = 0;
  int64_t s = 0;
  uint64_t u = 0;
};

CastValue load(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kF32: return {CastValue::kFloat, t.data<float>()[i]};
    case DType::kF64: return {CastValue::kFloat, t.data<double>()[i]};
    case DType::kF16: return {CastValue::kFloat, f16_to_f32(t.data<uint16_t>()[i])};
    case DType::kU64: return {CastValue::kUnsigned, 0, 0, t.data<uint64_t>()[i]};
    default: return {CastValue::kSigned, 0, t.get_as_int64(i)};  // i8..u32, i64, bool (0/1)
  }
}

template <class D>
D convert(const CastValue& v) {
  if constexpr (std::is_floating_point_v<D>) {
    switch (v.kind) {
      case CastValue::kFloat: return static_cast<D>(v.f);
      case CastValue::kSigned: return static_cast<D>(v.s);
      case CastValue::kUnsigned: return static_cast<D>(v.u);
    }
  } else {
    switch (v.kind) {
      case CastValue::kFloat: return float_to_int<D>(v.f);
      // Integer → integer: modular (two's complement) wrap, as C++20 static_cast defines it.
      case CastValue::kSigned: return static_cast<D>(v.s);
      case CastValue::kUnsigned: return static_cast<D>(v.u);
    }
  }
  return D{};
}

bool is_nonzero(const CastValue& v) {
  switch (v.kind) {
    case CastValue::kFloat: return v.f != 0.0 || std::isnan(v.f);  // NaN → true, as C++ bool conversion
    case CastValue::kSigned: return v.s != 0;
    case CastValue::kUnsigned: return v.u != 0;
  }
  return false;
}

void store(Tensor& t, int64_t i, const CastValue& v) {
  switch (t.dtype()) {
    case DType::kF32: t.data<float>()[i] = convert<float>(v); break;
    case DType::kF64: t.data<double>()[i] = convert<double>(v); break;
    // f64 → f16 goes through f32 (double rounding); the error is at most one f16 ulp in rare ties.
    case DType::kF16: t.data<uint16_t>()[i] = f32_to_f16(convert<float>(v)); break;
    case DType::kI8: t.data<int8_t>()[i] = convert<int8_t>(v); break;
    case DType::kU8: t.data<uint8_t>()[i] = convert<uint8_t>(v); break;
    case DType::kI16: t.data<int16_t>()[i] = convert<int16_t>(v); break;
    case DType::kU16: t.data<uint16_t>()[i] = convert<uint16_t>(v); break;
    case DType::kI32: t.data<int32_t>()[i] = convert<int32_t>(v); break;
    case DType::kU32: t.data<uint32_t>()[i] = convert<uint32_t>(v); break;
    case DType::kI64: t.data<int64_t>()[i] = convert<int64_t>(v); break;
    case DType::kU64: t.data<uint64_t>()[i] = convert<uint64_t>(v); break;
    case DType::kBool: t.data<uint8_t>()[i] = is_nonzero(v) ? 1 : 0; break;
    default: break;
  }
}

bool castable(DType t) {
  return t != DType::kString && dtype_size(t) != 0;
}

}  // namespace

Status ref_Relu(const KernelArgs& a) {
  // `x < 0 ? 0 : x` (not max) so a NaN input stays NaN.
  return map_numeric(a, [](auto x) { return x < decltype(x){0} ? decltype(x){0} : x; });
}

Status ref_LeakyRelu(const KernelArgs& a) {
  const float alpha = a.attrs.get_float("alpha");
  return map_f32(a, [alpha](float x) { return x >= 0.f ? x : alpha * x; });
}

Status ref_Clip(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  const DType t = a.in(0).dtype();
  for (size_t i = 1; i < 3; ++i)
    if (a.has_input(i) && (a.in(i).dtype() != t || a.in(i).numel() != 1))
      return a.error(ErrorCode::kShapeMismatch, "input ", i, " must be a ", dtype_name(t), " scalar");
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T lo = a.has_input(1) ? a.in(1).data<T>()[0] : std::numeric_limits<T>::lowest();
    const T hi = a.has_input(2) ? a.in(2).data<T>()[0] : std::numeric_limits<T>::max();
    const T* x = a.in(0).data<T>();
    T* y = a.out(0).data<T>();
    // min(max(x, lo), hi): when lo > hi every element becomes hi (ONNX / numpy.clip behaviour).
    // NaN inputs stay NaN because both comparisons are false.
    for (int64_t i = 0; i < a.in(0).numel(); ++i) {
      T v = x[i];
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      y[i] = v;
    }
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

Status ref_Sigmoid(const KernelArgs& a) {
  // Two branches so exp never overflows: for x < 0 use e^x / (1 + e^x).
  return map_f32(a, [](float x) {
    if (x >= 0.f) return 1.f / (1.f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.f + e);
  });
}

Status ref_HardSigmoid(const KernelArgs& a) {
  const float alpha = a.attrs.get_float("alpha");
  const float beta = a.attrs.get_float("beta");
  return map_f32(a, [=](float x) { return std::max(0.f, std::min(1.f, alpha * x + beta)); });
}

Status ref_HardSwish(const KernelArgs& a) {
  return map_f32(a, [](float x) { return x * std::max(0.f, std::min(1.f, x / 6.f + 0.5f)); });
}

Status ref_Tanh(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::tanh(x); });
}

Status ref_Elu(const KernelArgs& a) {
  const float alpha = a.attrs.get_float("alpha");
  return map_f32(a, [alpha](float x) { return x >= 0.f ? x : alpha * std::expm1(x); });
}

Status ref_Softplus(const KernelArgs& a) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows, exact for large |x|.
  return map_f32(a, [](float x) { return std::max(x, 0.f) + std::log1p(std::exp(-std::fabs(x))); });
}

Status ref_Exp(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::exp(x); });
}
Status ref_Log(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::log(x); });
}
Status ref_Sqrt(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::sqrt(x); });
}
Status ref_Erf(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::erf(x); });
}
Status ref_Reciprocal(const KernelArgs& a) {
  return map_f32(a, [](float x) { return 1.f / x; });
}
Status ref_Floor(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::floor(x); });
}
Status ref_Ceil(const KernelArgs& a) {
  return map_f32(a, [](float x) { return std::ceil(x); });
}

Status ref_Abs(const KernelArgs& a) {
  return map_numeric(a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      // |INT_MIN| is not representable: wrap (result INT_MIN) like numpy instead of invoking UB.
      using U = std::make_unsigned_t<T>;
      return x < 0 ? static_cast<T>(U{0} - static_cast<U>(x)) : x;
    }
  });
}

Status ref_Neg(const KernelArgs& a) {
  return map_numeric(a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      return -x;
    } else {
      // Two's complement wrap (-INT_MIN == INT_MIN, unsigned: modular), no signed-overflow UB.
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(U{0} - static_cast<U>(x));
    }
  });
}

Status ref_Not(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  if (a.in(0).dtype() != DType::kBool) return a.error(ErrorCode::kShapeMismatch, "Not requires bool input");
  const uint8_t* x = a.in(0).data<uint8_t>();
  uint8_t* y = a.out(0).data<uint8_t>();
  for (int64_t i = 0; i < a.in(0).numel(); ++i) y[i] = x[i] ? 0 : 1;
  return Status::Ok();
}

Status ref_Identity(const KernelArgs& a) {
  return copy_input(a);
}

// Inference-mode Dropout is the identity; infer_Dropout already rejected a constant training_mode=true.
// The optional mask output (if present) is all true: nothing is dropped.
Status ref_Dropout(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(copy_input(a));
  if (a.outputs.size() >= 2) {
    Tensor& mask = a.out(1);
    if (mask.dtype() != DType::kBool || mask.numel() != a.in(0).numel())
      return a.error(ErrorCode::kInternal, "mask output must be bool with the input's shape");
    if (mask.nbytes()) std::memset(mask.raw(), 1, mask.nbytes());
  }
  return Status::Ok();
}

Status ref_Cast(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(check_shapes(a));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  if (!castable(x.dtype()) || !castable(y.dtype()))
    return a.error(ErrorCode::kUnsupportedAttr, "cannot cast ", dtype_name(x.dtype()), " to ", dtype_name(y.dtype()));
  if (x.dtype() == y.dtype()) return copy_input(a);
  for (int64_t i = 0; i < x.numel(); ++i) store(y, i, load(x, i));
  return Status::Ok();
}

}  // namespace npukit::ref
