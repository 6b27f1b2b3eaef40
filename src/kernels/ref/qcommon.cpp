// SPDX-License-Identifier: Apache-2.0
// kernels/ref: shared helpers of the integer reference kernels (code loading / storing, parameter checks),
// plus the tensor-level quantize / dequantize / requantize / LUT kernels.
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {

QRange dtype_range(DType t) {
  switch (t) {
    case DType::kI8: return quant::kRangeI8;
    case DType::kU8: return quant::kRangeU8;
    case DType::kI16: return quant::kRangeI16;
    case DType::kU16: return QRange{0, 65535};
    case DType::kI32: return quant::kRangeI32;
    default: return QRange{0, -1};
  }
}

bool is_activation_dtype(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

namespace detail {

Status load_codes(const Tensor& t, const char* what, std::vector<int32_t>* out) {
  if (t.empty() && t.numel() != 0) return make_error(ErrorCode::kInvalidArgument, what, ": tensor has no buffer");
  const int64_t n = t.numel();
  out->resize(static_cast<size_t>(n));
  auto copy = [&](auto tag) {
    using T = decltype(tag);
    const T* d = t.data<T>();
    for (int64_t i = 0; i < n; ++i) (*out)[static_cast<size_t>(i)] = static_cast<int32_t>(d[i]);
  };
  switch (t.dtype()) {
    case DType::kI8: copy(int8_t{}); break;
    case DType::kU8: copy(uint8_t{}); break;
    case DType::kI16: copy(int16_t{}); break;
    case DType::kU16: copy(uint16_t{}); break;
    case DType::kI32: copy(int32_t{}); break;
    default:
      return make_error(ErrorCode::kUnsupportedAttr, what, ": dtype ", dtype_name(t.dtype()),
                        " is not an integer code dtype");
  }
  return Status::Ok();
}

Status check_zero_point(DType dtype, int32_t zero_point, const char* what) {
  const QRange d = dtype_range(dtype);
  if (zero_point < d.qmin || zero_point > d.qmax)
    return make_error(ErrorCode::kInvalidArgument, what, ": zero point ", zero_point, " outside the range of ",
                      dtype_name(dtype));
  return Status::Ok();
}

Status check_output(DType dtype, QRange range, int32_t zero_point, const char* what) {
  if (!is_activation_dtype(dtype))
    return make_error(ErrorCode::kUnsupportedAttr, what, ": output dtype ", dtype_name(dtype),
                      " is not an activation code dtype (i8, u8, i16)");
  const QRange d = dtype_range(dtype);
  if (range.qmin > range.qmax || range.qmin < d.qmin || range.qmax > d.qmax)
    return make_error(ErrorCode::kInvalidArgument, what, ": output range [", range.qmin, ", ", range.qmax,
                      "] is empty or outside ", dtype_name(dtype));
  return check_zero_point(dtype, zero_point, what);
}

Status store_codes(const std::vector<int32_t>& codes, DType dtype, const Shape& shape, Tensor* y) {
  if (y == nullptr) return make_error(ErrorCode::kInvalidArgument, "output tensor pointer is null");
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dtype, shape));
  if (static_cast<size_t>(t.numel()) != codes.size())
    return make_error(ErrorCode::kInternal, "store_codes: ", codes.size(), " codes for shape ", shape_str(shape));
  const QRange d = dtype_range(dtype);
  auto store = [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (size_t i = 0; i < codes.size(); ++i) p[i] = static_cast<T>(quant::saturate(codes[i], d));
  };
  switch (dtype) {
    case DType::kI8: store(int8_t{}); break;
    case DType::kU8: store(uint8_t{}); break;
    case DType::kI16: store(int16_t{}); break;
    case DType::kU16: store(uint16_t{}); break;
    case DType::kI32: store(int32_t{}); break;
    default: return make_error(ErrorCode::kUnsupportedAttr, "cannot store codes as ", dtype_name(dtype));
  }
  *y = std::move(t);
  return Status::Ok();
}

Status check_multipliers(const std::vector<QuantizedMultiplier>& m, int64_t n, const char* what) {
  if (m.size() != 1 && static_cast<int64_t>(m.size()) != n)
    return make_error(ErrorCode::kShapeMismatch, what, ": ", m.size(), " multipliers for ", n,
                      " output channels (need 1 or ", n, ")");
  for (const auto& q : m) {
    if (q.mult < 0 || q.shift < -61 || q.shift > 31)
      return make_error(ErrorCode::kInvalidArgument, what, ": invalid multiplier {", q.mult, ", ", q.shift, "}");
  }
  return Status::Ok();
}

}  // namespace detail

namespace {

/// Per-element channel index for per-axis parameters (count == 1: per tensor).
struct AxisIndexer {
  int64_t inner = 1, count = 1;
  int64_t operator()(int64_t flat) const { return count == 1 ? 0 : (flat / inner) % count; }
};

Expected<AxisIndexer> make_axis_indexer(const Tensor& x, size_t nscales, size_t nzps, int64_t axis) {
  if (nscales == 0 || nzps != nscales)
    return make_error(ErrorCode::kShapeMismatch, "need as many zero points as scales (>= 1), got ", nscales, " / ",
                      nzps);
  AxisIndexer ix;
  ix.count = static_cast<int64_t>(nscales);
  if (ix.count == 1) return ix;
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || x.dim(static_cast<size_t>(axis)) != ix.count)
    return make_error(ErrorCode::kShapeMismatch, "per-channel parameters (", ix.count, ") do not match axis ", axis,
                      " of shape ", shape_str(x.shape()));
  for (int64_t i = axis + 1; i < rank; ++i) ix.inner *= x.dim(static_cast<size_t>(i));
  return ix;
}

}  // namespace

Status quantize_tensor(const Tensor& x, const std::vector<float>& scales, const std::vector<int32_t>& zero_points,
                       int64_t axis, QRange range, DType output_dtype, Tensor* y) {
  if (x.dtype() != DType::kF32)
    return make_error(ErrorCode::kUnsupportedAttr, "quantize_tensor: input dtype ", dtype_name(x.dtype()),
                      " (need f32)");
  const QRange d = dtype_range(output_dtype);
  if (d.qmin > d.qmax || range.qmin > range.qmax || range.qmin < d.qmin || range.qmax > d.qmax)
    return make_error(ErrorCode::kInvalidArgument, "quantize_tensor: range / dtype ", dtype_name(output_dtype),
                      " mismatch");
  NPUKIT_ASSIGN_OR_RETURN(AxisIndexer ix, make_axis_indexer(x, scales.size(), zero_points.size(), axis));
  for (size_t i = 0; i < scales.size(); ++i) {
    if (!(scales[i] > 0.0f) || !std::isfinite(scales[i]))
      return make_error(ErrorCode::kInvalidArgument, "quantize_tensor: scale ", scales[i], " is not positive");
    NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(output_dtype, zero_points[i], "quantize_tensor"));
  }
  std::vector<int32_t> codes(static_cast<size_t>(x.numel()));
  const float* xd = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = ix(i);
    codes[static_cast<size_t>(i)] =
        quant::quantize_value(xd[i], scales[static_cast<size_t>(c)], zero_points[static_cast<size_t>(c)], range);
  }
  return detail::store_codes(codes, output_dtype, x.shape(), y);
}

Status dequantize_tensor(const Tensor& x, const std::vector<float>& scales, const std::vector<int32_t>& zero_points,
                         int64_t axis, Tensor* y) {
  if (y == nullptr) return make_error(ErrorCode::kInvalidArgument, "dequantize_tensor: output pointer is null");
  std::vector<int32_t> codes;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, "dequantize_tensor", &codes));
  NPUKIT_ASSIGN_OR_RETURN(AxisIndexer ix, make_axis_indexer(x, scales.size(), zero_points.size(), axis));
  NPUKIT_ASSIGN_OR_RETURN(Tensor out, Tensor::create(DType::kF32, x.shape()));
  float* o = out.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t c = static_cast<size_t>(ix(i));
    o[i] = quant::dequantize_value(codes[static_cast<size_t>(i)], scales[c], zero_points[c]);
  }
  *y = std::move(out);
  return Status::Ok();
}

Status quantize_bias_tensor(const Tensor& b, float input_scale, const std::vector<float>& weight_scales, Tensor* y) {
  if (b.dtype() != DType::kF32 || b.rank() != 1)
    return make_error(ErrorCode::kShapeMismatch, "quantize_bias_tensor: bias must be a 1-D f32 tensor");
  if (weight_scales.size() != 1 && static_cast<int64_t>(weight_scales.size()) != b.dim(0))
    return make_error(ErrorCode::kShapeMismatch, "quantize_bias_tensor: ", weight_scales.size(), " weight scales for ",
                      b.dim(0), " channels");
  if (!(input_scale > 0.0f)) return make_error(ErrorCode::kInvalidArgument, "quantize_bias_tensor: input scale <= 0");
  for (float s : weight_scales)
    if (!(s > 0.0f)) return make_error(ErrorCode::kInvalidArgument, "quantize_bias_tensor: weight scale <= 0");
  std::vector<int32_t> codes(static_cast<size_t>(b.numel()));
  for (int64_t i = 0; i < b.numel(); ++i)
    codes[static_cast<size_t>(i)] =
        quant::quantize_bias(b.data<float>()[i], input_scale, weight_scales[weight_scales.size() == 1 ? 0 : i]);
  return detail::store_codes(codes, DType::kI32, b.shape(), y);
}

Status qrequantize(const Tensor& x, int32_t input_zero_point, QuantizedMultiplier m, int32_t output_zero_point,
                   QRange out_range, DType output_dtype, Tensor* y) {
  std::vector<int32_t> codes;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, "qrequantize", &codes));
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(x.dtype(), input_zero_point, "qrequantize input"));
  NPUKIT_RETURN_IF_ERROR(detail::check_output(output_dtype, out_range, output_zero_point, "qrequantize"));
  NPUKIT_RETURN_IF_ERROR(detail::check_multipliers({m}, 1, "qrequantize"));
  for (auto& c : codes)
    c = quant::requantize(static_cast<int64_t>(c) - input_zero_point, m, output_zero_point, out_range);
  return detail::store_codes(codes, output_dtype, x.shape(), y);
}

Status qlut(const Tensor& x, const std::vector<int32_t>& table, int32_t table_first_code, DType output_dtype,
            Tensor* y) {
  std::vector<int32_t> codes;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, "qlut", &codes));
  const QRange d = dtype_range(output_dtype);
  if (!is_activation_dtype(output_dtype))
    return make_error(ErrorCode::kUnsupportedAttr, "qlut: output dtype ", dtype_name(output_dtype));
  if (table.empty()) return make_error(ErrorCode::kInvalidArgument, "qlut: empty table");
  for (int32_t v : table)
    if (v < d.qmin || v > d.qmax)
      return make_error(ErrorCode::kInvalidArgument, "qlut: table entry ", v, " outside ", dtype_name(output_dtype));
  const int64_t n = static_cast<int64_t>(table.size());
  for (auto& c : codes) {
    const int64_t idx = static_cast<int64_t>(c) - table_first_code;
    if (idx < 0 || idx >= n)
      return make_error(ErrorCode::kOutOfRange, "qlut: input code ", c, " not covered by the table [", table_first_code,
                        ", ", table_first_code + n - 1, "]");
    c = table[static_cast<size_t>(idx)];
  }
  return detail::store_codes(codes, output_dtype, x.shape(), y);
}

}  // namespace npukit::qref
