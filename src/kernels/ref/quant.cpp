// SPDX-License-Identifier: Apache-2.0
// Reference kernels for QuantizeLinear / DequantizeLinear (opset 13):
//   q = saturate(round_half_to_even(x / scale) + zero_point),   x = (q - zero_point) * scale
// The division is done in f32 like the ONNX reference (np.divide on float32), then rounded half to even
// by quant::quantize_value, the one integer spec.
#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/ref/ref_kernels.h"
#include "quant/arith.h"

namespace npukit::ref {
namespace {

/// Per-element parameter index: 0 for per-tensor, else the coordinate along `axis`.
struct ParamIndexer {
  int64_t inner = 1, count = 1;  // elements after axis, number of params
  int64_t operator()(int64_t flat) const { return count == 1 ? 0 : (flat / inner) % count; }
};

Expected<ParamIndexer> make_indexer(const KernelArgs& a, const Tensor& x) {
  ParamIndexer p;
  const Tensor& s = a.in(1);
  p.count = s.numel();
  if (a.has_input(2) && a.in(2).numel() != p.count)
    return a.error(ErrorCode::kShapeMismatch, "zero_point size differs from scale size");
  if (p.count == 1) return p;
  int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = a.attrs.get_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || x.dim(axis) != p.count)
    return a.error(ErrorCode::kShapeMismatch, "per-axis parameters do not match X");
  for (int64_t i = axis + 1; i < rank; ++i) p.inner *= x.dim(i);
  return p;
}

template <class Q>
void quantize(const KernelArgs& a, const ParamIndexer& idx) {
  const Tensor& x = a.in(0);
  const float* scale = a.in(1).data<float>();
  const Q* zp = a.has_input(2) ? a.in(2).data<Q>() : nullptr;
  Q* y = a.out(0).data<Q>();
  // The one integer spec's float->code rule (quant/arith.h): f32 division, round half to even
  // independent of the FPU rounding mode, zero point added exactly, saturation; NaN -> zero point.
  const quant::QRange range{std::numeric_limits<Q>::min(), std::numeric_limits<Q>::max()};
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t p = idx(i);
    float xv = x.dtype() == DType::kF32 ? x.data<float>()[i] : static_cast<float>(x.data<int32_t>()[i]);
    y[i] = static_cast<Q>(quant::quantize_value(xv, scale[p], zp ? static_cast<int32_t>(zp[p]) : 0, range));
  }
}

template <class Q>
void dequantize(const KernelArgs& a, const ParamIndexer& idx) {
  const Tensor& x = a.in(0);
  const float* scale = a.in(1).data<float>();
  const Q* zp = a.has_input(2) ? a.in(2).data<Q>() : nullptr;
  const Q* xd = x.data<Q>();
  float* y = a.out(0).data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t p = idx(i);
    // int64 difference: i32 inputs minus an i32 zero point cannot overflow there.
    int64_t d = static_cast<int64_t>(xd[i]) - (zp ? static_cast<int64_t>(zp[p]) : 0);
    y[i] = static_cast<float>(d) * scale[p];
  }
}

}  // namespace

Status ref_QuantizeLinear(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  if (x.dtype() != DType::kF32 && x.dtype() != DType::kI32)
    return a.error(ErrorCode::kUnsupportedAttr, "x dtype ", dtype_name(x.dtype()), " not supported");
  if (a.in(1).dtype() != DType::kF32) return a.error(ErrorCode::kUnsupportedAttr, "scale must be f32");
  NPUKIT_ASSIGN_OR_RETURN(ParamIndexer idx, make_indexer(a, x));
  const DType qt = a.out(0).dtype();
  if (a.has_input(2) && a.in(2).dtype() != qt) return a.error(ErrorCode::kShapeMismatch, "zero_point dtype mismatch");
  if (std::fegetround() != FE_TONEAREST) return a.error(ErrorCode::kInternal, "FPU rounding mode is not to-nearest");
  switch (qt) {
    case DType::kU8: quantize<uint8_t>(a, idx); return Status::Ok();
    case DType::kI8: quantize<int8_t>(a, idx); return Status::Ok();
    case DType::kI16: quantize<int16_t>(a, idx); return Status::Ok();
    case DType::kU16: quantize<uint16_t>(a, idx); return Status::Ok();
    default: return a.error(ErrorCode::kUnsupportedAttr, "output dtype ", dtype_name(qt), " not supported");
  }
}

Status ref_DequantizeLinear(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  if (a.in(1).dtype() != DType::kF32) return a.error(ErrorCode::kUnsupportedAttr, "scale must be f32");
  if (a.has_input(2) && a.in(2).dtype() != x.dtype())
    return a.error(ErrorCode::kShapeMismatch, "zero_point dtype mismatch");
  NPUKIT_ASSIGN_OR_RETURN(ParamIndexer idx, make_indexer(a, x));
  switch (x.dtype()) {
    case DType::kU8: dequantize<uint8_t>(a, idx); return Status::Ok();
    case DType::kI8: dequantize<int8_t>(a, idx); return Status::Ok();
    case DType::kI16: dequantize<int16_t>(a, idx); return Status::Ok();
    case DType::kU16: dequantize<uint16_t>(a, idx); return Status::Ok();
    case DType::kI32: dequantize<int32_t>(a, idx); return Status::Ok();
    default: return a.error(ErrorCode::kUnsupportedAttr, "x dtype ", dtype_name(x.dtype()), " not supported");
  }
}

}  // namespace npukit::ref
