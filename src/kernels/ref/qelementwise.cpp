// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer elementwise add / sub / mul with numpy broadcasting. Recipes: quant/arith.h.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {
namespace {

/// Multidirectional broadcasting of two shapes; element strides of each input over the output shape
/// (0 along broadcast dimensions).
struct Broadcast {
  Shape out;
  std::vector<int64_t> sa, sb;
};

Expected<Broadcast> broadcast(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Broadcast bc;
  bc.out.assign(r, 1);
  bc.sa.assign(r, 0);
  bc.sb.assign(r, 0);
  int64_t stride_a = 1, stride_b = 1;
  for (size_t i = r; i-- > 0;) {
    const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
    if (da != db && da != 1 && db != 1)
      return make_error(ErrorCode::kShapeMismatch, "shapes ", shape_str(a), " and ", shape_str(b), " do not broadcast");
    bc.out[i] = da == 1 ? db : da;
    bc.sa[i] = da == 1 ? 0 : stride_a;
    bc.sb[i] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  return bc;
}

template <class F>
Status binary(const char* name, const Tensor& a, const Tensor& b, int32_t za, int32_t zb, int32_t zo, QRange range,
              DType output_dtype, Tensor* y, F&& f) {
  if (!is_activation_dtype(a.dtype()) || !is_activation_dtype(b.dtype()))
    return make_error(ErrorCode::kUnsupportedAttr, name, ": input dtypes ", dtype_name(a.dtype()), ", ",
                      dtype_name(b.dtype()), " (need i8/u8/i16)");
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(a.dtype(), za, name));
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(b.dtype(), zb, name));
  NPUKIT_RETURN_IF_ERROR(detail::check_output(output_dtype, range, zo, name));
  NPUKIT_ASSIGN_OR_RETURN(Broadcast bc, broadcast(a.shape(), b.shape()));
  NPUKIT_ASSIGN_OR_RETURN(int64_t total, checked_numel(bc.out));
  std::vector<int32_t> as, bs;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(a, name, &as));
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(b, name, &bs));
  std::vector<int32_t> out(static_cast<size_t>(total));
  std::vector<int64_t> idx(bc.out.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      ia += idx[d] * bc.sa[d];
      ib += idx[d] * bc.sb[d];
    }
    out[static_cast<size_t>(i)] = f(as[static_cast<size_t>(ia)], bs[static_cast<size_t>(ib)]);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < bc.out[d]) break;
      idx[d] = 0;
    }
  }
  return detail::store_codes(out, output_dtype, bc.out, y);
}

Status check_add(const AddParams& p, const char* name) {
  if (p.left_shift < 0 || p.left_shift > 24)
    return make_error(ErrorCode::kInvalidArgument, name, ": left shift ", p.left_shift, " outside [0, 24]");
  return detail::check_multipliers({p.a_mult, p.b_mult, p.out_mult}, 3, name);
}

}  // namespace

Status qadd(const Tensor& a, const Tensor& b, const AddParams& p, DType output_dtype, Tensor* y) {
  NPUKIT_RETURN_IF_ERROR(check_add(p, "qadd"));
  return binary("qadd", a, b, p.a_zp, p.b_zp, p.out_zp, p.range, output_dtype, y,
                [&](int32_t u, int32_t v) { return quant::add_quantized(u, v, p, false); });
}

Status qsub(const Tensor& a, const Tensor& b, const AddParams& p, DType output_dtype, Tensor* y) {
  NPUKIT_RETURN_IF_ERROR(check_add(p, "qsub"));
  return binary("qsub", a, b, p.a_zp, p.b_zp, p.out_zp, p.range, output_dtype, y,
                [&](int32_t u, int32_t v) { return quant::add_quantized(u, v, p, true); });
}

Status qmul(const Tensor& a, const Tensor& b, const MulParams& p, DType output_dtype, Tensor* y) {
  NPUKIT_RETURN_IF_ERROR(detail::check_multipliers({p.mult}, 1, "qmul"));
  return binary("qmul", a, b, p.a_zp, p.b_zp, p.out_zp, p.range, output_dtype, y,
                [&](int32_t u, int32_t v) { return quant::mul_quantized(u, v, p); });
}

}  // namespace npukit::qref
