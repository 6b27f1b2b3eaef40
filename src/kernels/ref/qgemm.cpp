// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer fully connected (qgemm, weights [N, K]) and matrix product (qmatmul, b [K, N]).
// Each is accumulate (exact int64 sums) + finish (bias, saturation, requantization); see qkernels.h.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {

Status qgemm_accumulate(const Tensor& a, const Tensor& w, const QGemmParams& p, Tensor* acc_out) {
  if (!is_activation_dtype(a.dtype()))
    return make_error(ErrorCode::kUnsupportedAttr, "qgemm: input dtype ", dtype_name(a.dtype()));
  if (w.dtype() != DType::kI8)
    return make_error(ErrorCode::kUnsupportedAttr, "qgemm: weight dtype ", dtype_name(w.dtype()), " (need i8)");
  if (a.rank() != 2 || w.rank() != 2 || a.dim(1) != w.dim(1))
    return make_error(ErrorCode::kShapeMismatch, "qgemm: a ", shape_str(a.shape()), " x w ", shape_str(w.shape()),
                      " (need [M,K] and [N,K])");
  const int64_t m = a.dim(0), k = a.dim(1), n = w.dim(0);
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(a.dtype(), p.a_zero_point, "qgemm input"));
  NPUKIT_RETURN_IF_ERROR(checked_numel(Shape{m, n}).status());
  std::vector<int32_t> as, ws;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(a, "qgemm a", &as));
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(w, "qgemm w", &ws));
  Tensor acc_t(DType::kI64, Shape{m, n});
  int64_t* out = acc_t.data<int64_t>();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t t = 0; t < k; ++t)
        acc += (static_cast<int64_t>(as[static_cast<size_t>(i * k + t)]) - p.a_zero_point) *
               ws[static_cast<size_t>(j * k + t)];
      out[i * n + j] = acc;
    }
  }
  *acc_out = std::move(acc_t);
  return Status::Ok();
}

Status qgemm_finish(const Tensor& acc, const Tensor* bias, const QGemmParams& p, bool wide, Tensor* y) {
  if (acc.dtype() != DType::kI64 || acc.rank() != 2)
    return make_error(ErrorCode::kShapeMismatch, "qgemm: accumulator ", dtype_name(acc.dtype()), " ",
                      shape_str(acc.shape()), " must be i64 [M, N]");
  const int64_t m = acc.dim(0), n = acc.dim(1);
  // Output dtype i32: the accumulator itself (bias added, saturated to int32, no requantization).
  const bool acc_out = p.output_dtype == DType::kI32;
  if (!acc_out) {
    NPUKIT_RETURN_IF_ERROR(detail::check_multipliers(p.out_mult, n, "qgemm"));
    NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, "qgemm"));
  }
  std::vector<int32_t> bs;
  if (bias != nullptr) {
    if (bias->dtype() != DType::kI32 || bias->rank() != 1 || bias->dim(0) != n)
      return make_error(ErrorCode::kShapeMismatch, "qgemm: bias must be i32 [", n, "], got ", dtype_name(bias->dtype()),
                        " ", shape_str(bias->shape()));
    NPUKIT_RETURN_IF_ERROR(detail::load_codes(*bias, "qgemm bias", &bs));
  }
  const int64_t* as = acc.data<int64_t>();
  std::vector<int32_t> out(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t a = as[i * n + j];
      if (!bs.empty()) a += bs[static_cast<size_t>(j)];
      if (acc_out) {
        out[static_cast<size_t>(i * n + j)] = std::clamp(quant::saturate_i32(a), p.out_range.qmin, p.out_range.qmax);
        continue;
      }
      if (!wide) a = quant::saturate_i32(a);
      out[static_cast<size_t>(i * n + j)] = quant::requantize(
          a, p.out_mult[p.out_mult.size() == 1 ? 0 : static_cast<size_t>(j)], p.output_zero_point, p.out_range);
    }
  }
  return detail::store_codes(out, p.output_dtype, Shape{m, n}, y);
}

Status qgemm(const Tensor& a, const Tensor& w, const Tensor* bias, const QGemmParams& p, Tensor* y) {
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qgemm_accumulate(a, w, p, &acc));
  return qgemm_finish(acc, bias, p, wide_accumulator(a.dtype()), y);
}

Status qmatmul_accumulate(const Tensor& a, const Tensor& b, const QMatMulParams& p, Tensor* acc_out) {
  if (!is_activation_dtype(a.dtype()) || !is_activation_dtype(b.dtype()))
    return make_error(ErrorCode::kUnsupportedAttr, "qmatmul: input dtypes ", dtype_name(a.dtype()), " x ",
                      dtype_name(b.dtype()), " (need i8/u8/i16)");
  if (a.rank() < 2 || b.rank() < 2 || (b.rank() != 2 && b.rank() != a.rank()))
    return make_error(ErrorCode::kShapeMismatch, "qmatmul: a ", shape_str(a.shape()), " x b ", shape_str(b.shape()),
                      " (need a [...,M,K], b [K,N] or [...,K,N])");
  const size_t r = a.rank();
  const int64_t m = a.dim(r - 2), k = a.dim(r - 1);
  const int64_t n = b.dim(b.rank() - 1);
  if (b.dim(b.rank() - 2) != k)
    return make_error(ErrorCode::kShapeMismatch, "qmatmul: inner dimensions differ: ", shape_str(a.shape()), " x ",
                      shape_str(b.shape()));
  int64_t batch = 1;
  for (size_t i = 0; i + 2 < r; ++i) {
    if (b.rank() == r && b.dim(i) != a.dim(i))
      return make_error(ErrorCode::kShapeMismatch, "qmatmul: batch dimensions differ: ", shape_str(a.shape()), " x ",
                        shape_str(b.shape()));
    batch *= a.dim(i);
  }
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(a.dtype(), p.a_zero_point, "qmatmul a"));
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(b.dtype(), p.b_zero_point, "qmatmul b"));
  std::vector<int32_t> as, bs;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(a, "qmatmul a", &as));
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(b, "qmatmul b", &bs));
  Shape out_shape(a.shape().begin(), a.shape().end() - 1);
  out_shape.push_back(n);
  NPUKIT_RETURN_IF_ERROR(checked_numel(out_shape).status());
  Tensor acc_t(DType::kI64, out_shape);
  int64_t* out = acc_t.data<int64_t>();
  for (int64_t bi = 0; bi < batch; ++bi) {
    const int64_t a0 = bi * m * k, b0 = b.rank() == 2 ? 0 : bi * k * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t t = 0; t < k; ++t)
          acc += (static_cast<int64_t>(as[static_cast<size_t>(a0 + i * k + t)]) - p.a_zero_point) *
                 (static_cast<int64_t>(bs[static_cast<size_t>(b0 + t * n + j)]) - p.b_zero_point);
        out[(bi * m + i) * n + j] = acc;
      }
    }
  }
  *acc_out = std::move(acc_t);
  return Status::Ok();
}

Status qmatmul_finish(const Tensor& acc, const QMatMulParams& p, bool wide, Tensor* y) {
  if (acc.dtype() != DType::kI64 || acc.rank() < 2)
    return make_error(ErrorCode::kShapeMismatch, "qmatmul: accumulator ", dtype_name(acc.dtype()), " ",
                      shape_str(acc.shape()), " must be i64 [..., M, N]");
  const int64_t n = acc.dim(acc.rank() - 1);
  NPUKIT_RETURN_IF_ERROR(detail::check_multipliers(p.out_mult, n, "qmatmul"));
  NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, "qmatmul"));
  const int64_t* as = acc.data<int64_t>();
  std::vector<int32_t> out(static_cast<size_t>(acc.numel()));
  for (int64_t i = 0; i < acc.numel(); ++i) {
    int64_t a = as[i];
    if (!wide) a = quant::saturate_i32(a);
    const size_t j = static_cast<size_t>(i % n);
    out[static_cast<size_t>(i)] =
        quant::requantize(a, p.out_mult[p.out_mult.size() == 1 ? 0 : j], p.output_zero_point, p.out_range);
  }
  return detail::store_codes(out, p.output_dtype, acc.shape(), y);
}

Status qmatmul(const Tensor& a, const Tensor& b, const QMatMulParams& p, Tensor* y) {
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qmatmul_accumulate(a, b, p, &acc));
  return qmatmul_finish(acc, p, wide_accumulator(a.dtype(), b.dtype()), y);
}

}  // namespace npukit::qref
