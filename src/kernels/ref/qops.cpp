// SPDX-License-Identifier: Apache-2.0
// kernels/ref: the npukit-domain integer ops (QConv, QGemm, ..., Requantize; schemas in ir/ops/qops.cpp).
// Each kernel only translates attributes into the parameter struct of the matching qref:: function
// (kernels/ref/qkernels.h) and calls it: the arithmetic exists once, in quant/arith.h via qkernels.
#include <cstdint>
#include <vector>

#include "kernels/ref/qkernels.h"
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {
namespace {

using quant::QRange;
using quant::QuantizedMultiplier;

DType y_dtype(const KernelArgs& a) {
  switch (a.attrs.get_int("y_dtype")) {
    case 2: return DType::kU8;
    case 5: return DType::kI16;
    default: return DType::kI8;  // infer rejected everything but 2, 3, 5
  }
}

/// Clamp range from optional attributes (absent: the full range of `t`).
QRange clamp_range(const KernelArgs& a, const char* lo, const char* hi, DType t) {
  const QRange d = qref::dtype_range(t);
  return QRange{a.attrs.has(lo) ? static_cast<int32_t>(a.attrs.get_int(lo)) : d.qmin,
                a.attrs.has(hi) ? static_cast<int32_t>(a.attrs.get_int(hi)) : d.qmax};
}

Expected<std::vector<QuantizedMultiplier>> multipliers(const KernelArgs& a, const char* m_attr, const char* s_attr) {
  const std::vector<int64_t> m = a.attrs.get_ints(m_attr), s = a.attrs.get_ints(s_attr);
  if (m.size() != s.size()) return a.error(ErrorCode::kShapeMismatch, "'", m_attr, "' / '", s_attr, "' sizes differ");
  std::vector<QuantizedMultiplier> out(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 0 || m[i] > INT32_MAX || s[i] < -61 || s[i] > 31)
      return a.error(ErrorCode::kUnsupportedAttr, "invalid multiplier {", m[i], ", ", s[i], "}");
    out[i] = QuantizedMultiplier{static_cast<int32_t>(m[i]), static_cast<int32_t>(s[i])};
  }
  return out;
}

int32_t attr_i32(const KernelArgs& a, const char* name) {
  return static_cast<int32_t>(a.attrs.get_int(name));
}

/// Moves a qref result into the preallocated output after checking it matches the inferred type (the
/// interpreter allocated output 0 from infer, so a mismatch is an internal error, never silent).
Status finish(const KernelArgs& a, Status s, Tensor&& y) {
  if (!s.ok()) return a.error(s.code(), s.message());
  if (y.dtype() != a.out(0).dtype() || y.shape() != a.out(0).shape())
    return a.error(ErrorCode::kInternal, "kernel produced ", dtype_name(y.dtype()), " ", shape_str(y.shape()),
                   ", inference said ", dtype_name(a.out(0).dtype()), " ", shape_str(a.out(0).shape()));
  a.out(0) = std::move(y);
  return Status::Ok();
}

Expected<quant::AddParams> add_params(const KernelArgs& a, const char* mult, const char* shift, const char* lshift,
                                      int32_t a_zp, int32_t b_zp, int32_t out_zp, QRange range) {
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, multipliers(a, mult, shift));
  if (m.size() != 3) return a.error(ErrorCode::kUnsupportedAttr, "'", mult, "' needs 3 values, got ", m.size());
  quant::AddParams p;
  p.a_zp = a_zp;
  p.b_zp = b_zp;
  p.out_zp = out_zp;
  p.left_shift = attr_i32(a, lshift);
  p.a_mult = m[0];
  p.b_mult = m[1];
  p.out_mult = m[2];
  p.range = range;
  return p;
}

Expected<qref::QPool2dParams> pool_params(const KernelArgs& a) {
  qref::QPool2dParams p;
  p.input_zero_point = attr_i32(a, "x_zero_point");
  p.output_dtype = y_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = clamp_range(a, "y_min", "y_max", p.output_dtype);
  p.rescale = a.attrs.get_int("rescale") != 0;
  if (p.rescale) {
    NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, multipliers(a, "multiplier", "shift"));
    if (m.size() != 1) return a.error(ErrorCode::kUnsupportedAttr, "'multiplier' needs 1 value when rescale = 1");
    p.mult = m[0];
  }
  return p;
}

}  // namespace

Status ref_QConv(const KernelArgs& a) {
  qref::QConv2dParams p;
  p.group = a.attrs.get_int("group");
  const std::vector<int64_t> s = a.attrs.get_ints("strides"), d = a.attrs.get_ints("dilations"),
                             pads = a.attrs.get_ints("pads");
  if (s.size() != 2 || d.size() != 2 || pads.size() != 4)
    return a.error(ErrorCode::kUnsupportedAttr, "strides / dilations / pads must have 2 / 2 / 4 values");
  p.stride_h = s[0], p.stride_w = s[1];
  p.dilation_h = d[0], p.dilation_w = d[1];
  p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.input_zero_point = attr_i32(a, "x_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, multipliers(a, "multiplier", "shift"));
  p.output_dtype = y_dtype(a);
  const QRange y_range = clamp_range(a, "y_min", "y_max", p.output_dtype);
  const Tensor* residual = a.has_input(3) ? &a.in(3) : nullptr;
  if (residual == nullptr) {
    p.output_zero_point = attr_i32(a, "y_zero_point");
    p.out_range = y_range;
  } else {
    // With a residual, the convolution result is the intermediate ("mid") code, then added to R.
    p.output_zero_point = attr_i32(a, "mid_zero_point");
    p.out_range = clamp_range(a, "mid_min", "mid_max", p.output_dtype);
    NPUKIT_ASSIGN_OR_RETURN(p.residual_add,
                            add_params(a, "add_multiplier", "add_shift", "add_left_shift", p.output_zero_point,
                                       attr_i32(a, "r_zero_point"), attr_i32(a, "y_zero_point"), y_range));
  }
  Tensor y;
  Status st = qref::qconv2d(a.in(0), a.in(1), a.has_input(2) ? &a.in(2) : nullptr, p, &y, residual);
  return finish(a, st, std::move(y));
}

Status ref_QGemm(const KernelArgs& a) {
  qref::QGemmParams p;
  p.a_zero_point = attr_i32(a, "a_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, multipliers(a, "multiplier", "shift"));
  p.output_dtype = y_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = clamp_range(a, "y_min", "y_max", p.output_dtype);
  Tensor y;
  Status st = qref::qgemm(a.in(0), a.in(1), a.has_input(2) ? &a.in(2) : nullptr, p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QMatMul(const KernelArgs& a) {
  qref::QMatMulParams p;
  p.a_zero_point = attr_i32(a, "a_zero_point");
  p.b_zero_point = attr_i32(a, "b_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, multipliers(a, "multiplier", "shift"));
  p.output_dtype = y_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = clamp_range(a, "y_min", "y_max", p.output_dtype);
  Tensor y;
  Status st = qref::qmatmul(a.in(0), a.in(1), p, &y);
  return finish(a, st, std::move(y));
}

namespace {
Status add_or_sub(const KernelArgs& a, bool subtract) {
  const DType t = y_dtype(a);
  NPUKIT_ASSIGN_OR_RETURN(
      quant::AddParams p,
      add_params(a, "multiplier", "shift", "left_shift", attr_i32(a, "a_zero_point"), attr_i32(a, "b_zero_point"),
                 attr_i32(a, "y_zero_point"), clamp_range(a, "y_min", "y_max", t)));
  Tensor y;
  Status st = subtract ? qref::qsub(a.in(0), a.in(1), p, t, &y) : qref::qadd(a.in(0), a.in(1), p, t, &y);
  return finish(a, st, std::move(y));
}
}  // namespace

Status ref_QAdd(const KernelArgs& a) {
  return add_or_sub(a, false);
}

Status ref_QSub(const KernelArgs& a) {
  return add_or_sub(a, true);
}

Status ref_QMul(const KernelArgs& a) {
  const DType t = y_dtype(a);
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, multipliers(a, "multiplier", "shift"));
  if (m.size() != 1) return a.error(ErrorCode::kUnsupportedAttr, "'multiplier' needs 1 value, got ", m.size());
  quant::MulParams p;
  p.a_zp = attr_i32(a, "a_zero_point");
  p.b_zp = attr_i32(a, "b_zero_point");
  p.out_zp = attr_i32(a, "y_zero_point");
  p.mult = m[0];
  p.range = clamp_range(a, "y_min", "y_max", t);
  Tensor y;
  Status st = qref::qmul(a.in(0), a.in(1), p, t, &y);
  return finish(a, st, std::move(y));
}

Status ref_QAveragePool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QPool2dParams p, pool_params(a));
  const std::vector<int64_t> k = a.attrs.get_ints("kernel_shape"), s = a.attrs.get_ints("strides"),
                             pads = a.attrs.get_ints("pads");
  if (k.size() != 2 || s.size() != 2 || pads.size() != 4)
    return a.error(ErrorCode::kUnsupportedAttr, "kernel_shape / strides / pads must have 2 / 2 / 4 values");
  p.kernel_h = k[0], p.kernel_w = k[1];
  p.stride_h = s[0], p.stride_w = s[1];
  p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.count_include_pad = a.attrs.get_int("count_include_pad") != 0;
  Tensor y;
  Status st = qref::qavgpool2d(a.in(0), p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QGlobalAveragePool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QPool2dParams p, pool_params(a));
  Tensor y;
  Status st = qref::qglobal_avgpool(a.in(0), p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QConcat(const KernelArgs& a) {
  const std::vector<int64_t> zps = a.attrs.get_ints("x_zero_points"), rescale = a.attrs.get_ints("rescale");
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, multipliers(a, "multiplier", "shift"));
  const size_t n = a.num_inputs();
  if (zps.size() != n || rescale.size() != n || m.size() != n)
    return a.error(ErrorCode::kUnsupportedAttr, "x_zero_points / rescale / multiplier need one value per input");
  std::vector<const Tensor*> xs(n);
  std::vector<qref::QConcatInput> in(n);
  for (size_t i = 0; i < n; ++i) {
    if (!a.has_input(i)) return a.error(ErrorCode::kInvalidModel, "input ", i, " is absent");
    xs[i] = &a.in(i);
    in[i].zero_point = static_cast<int32_t>(zps[i]);
    in[i].rescale = rescale[i] != 0;
    in[i].mult = m[i];
  }
  const DType t = y_dtype(a);
  Tensor y;
  Status st = qref::qconcat(xs, in, a.attrs.get_int("axis"), attr_i32(a, "y_zero_point"),
                            clamp_range(a, "y_min", "y_max", t), t, &y);
  return finish(a, st, std::move(y));
}

Status ref_QLut(const KernelArgs& a) {
  std::vector<int32_t> table;
  NPUKIT_RETURN_IF_ERROR(qref::detail::load_codes(a.in(1), "QLut table", &table));
  Tensor y;
  Status st = qref::qlut(a.in(0), table, qref::dtype_range(a.in(0).dtype()).qmin, a.in(1).dtype(), &y);
  return finish(a, st, std::move(y));
}

Status ref_Requantize(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, multipliers(a, "multiplier", "shift"));
  if (m.size() != 1) return a.error(ErrorCode::kUnsupportedAttr, "'multiplier' needs 1 value, got ", m.size());
  const DType t = y_dtype(a);
  Tensor y;
  Status st = qref::qrequantize(a.in(0), attr_i32(a, "x_zero_point"), m[0], attr_i32(a, "y_zero_point"),
                                clamp_range(a, "y_min", "y_max", t), t, &y);
  return finish(a, st, std::move(y));
}

}  // namespace npukit::ref
