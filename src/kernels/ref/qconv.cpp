// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer 2-D convolution (any group count incl. depthwise, stride, dilation, explicit pads),
// per-channel requantization, fused clamp and optional fused residual add. Spec: quant/arith.h.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {

Status qconv2d_accumulate(const Tensor& x, const Tensor& w, const QConv2dParams& p, Tensor* acc_out) {
  if (!is_activation_dtype(x.dtype()))
    return make_error(ErrorCode::kUnsupportedAttr, "qconv2d: input dtype ", dtype_name(x.dtype()));
  if (w.dtype() != DType::kI8)
    return make_error(ErrorCode::kUnsupportedAttr, "qconv2d: weight dtype ", dtype_name(w.dtype()), " (need i8)");
  if (x.rank() != 4 || w.rank() != 4)
    return make_error(ErrorCode::kShapeMismatch, "qconv2d: x ", shape_str(x.shape()), " and w ", shape_str(w.shape()),
                      " must be 4-D (NCHW / OIHW)");
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t co = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  if (p.group < 1 || c % p.group != 0 || co % p.group != 0 || cg != c / p.group)
    return make_error(ErrorCode::kShapeMismatch, "qconv2d: group ", p.group, " does not fit x ", shape_str(x.shape()),
                      " / w ", shape_str(w.shape()));
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1 || p.pad_top < 0 || p.pad_left < 0 ||
      p.pad_bottom < 0 || p.pad_right < 0 || kh < 1 || kw < 1)
    return make_error(ErrorCode::kInvalidArgument, "qconv2d: strides / dilations / kernel must be >= 1, pads >= 0");
  // Bound every geometric parameter so that the index arithmetic below cannot overflow int64.
  constexpr int64_t kMaxGeom = int64_t{1} << 31;
  for (int64_t v : {p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_top, p.pad_left, p.pad_bottom,
                    p.pad_right, kh, kw, h, wd})
    if (v > kMaxGeom) return make_error(ErrorCode::kOutOfRange, "qconv2d: geometry parameter ", v, " too large");
  const int64_t eff_h = (kh - 1) * p.dilation_h + 1, eff_w = (kw - 1) * p.dilation_w + 1;
  const int64_t ph = h + p.pad_top + p.pad_bottom, pw = wd + p.pad_left + p.pad_right;
  if (ph < eff_h || pw < eff_w)
    return make_error(ErrorCode::kShapeMismatch, "qconv2d: kernel larger than the padded input");
  const int64_t oh = (ph - eff_h) / p.stride_h + 1, ow = (pw - eff_w) / p.stride_w + 1;
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(x.dtype(), p.input_zero_point, "qconv2d input"));
  const Shape out_shape{n, co, oh, ow};
  NPUKIT_RETURN_IF_ERROR(checked_numel(out_shape).status());

  std::vector<int32_t> xs, ws;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, "qconv2d x", &xs));
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(w, "qconv2d w", &ws));
  Tensor acc_t(DType::kI64, out_shape);
  int64_t* out = acc_t.data<int64_t>();
  const int64_t cog = co / p.group;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oc = 0; oc < co; ++oc) {
      const int64_t g = oc / cog;
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t acc = 0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            const int64_t xc = g * cg + ic;
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
              if (iy < 0 || iy >= h) continue;  // padding is real 0: contributes nothing
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                if (ix < 0 || ix >= wd) continue;
                const int64_t xv = xs[static_cast<size_t>(((b * c + xc) * h + iy) * wd + ix)] - p.input_zero_point;
                const int64_t wv = ws[static_cast<size_t>(((oc * cg + ic) * kh + ky) * kw + kx)];
                acc += xv * wv;
              }
            }
          }
          out[((b * co + oc) * oh + oy) * ow + ox] = acc;
        }
      }
    }
  }
  *acc_out = std::move(acc_t);
  return Status::Ok();
}

Status qconv2d_finish(const Tensor& acc, const Tensor* bias, const QConv2dParams& p, bool wide, Tensor* y,
                      const Tensor* residual) {
  if (acc.dtype() != DType::kI64 || acc.rank() != 4)
    return make_error(ErrorCode::kShapeMismatch, "qconv2d: accumulator ", dtype_name(acc.dtype()), " ",
                      shape_str(acc.shape()), " must be i64 [N, Cout, OH, OW]");
  const int64_t co = acc.dim(1), plane = acc.dim(2) * acc.dim(3);
  const Shape& out_shape = acc.shape();
  // Output dtype i32: the accumulator itself (bias added, saturated to int32, no requantization).
  const bool acc_out = p.output_dtype == DType::kI32;
  if (acc_out && residual != nullptr)
    return make_error(ErrorCode::kInvalidArgument, "qconv2d: an int32 (accumulator) output takes no residual");
  if (!acc_out) NPUKIT_RETURN_IF_ERROR(detail::check_multipliers(p.out_mult, co, "qconv2d"));
  std::vector<int32_t> bs, rs;
  if (bias != nullptr) {
    if (bias->dtype() != DType::kI32 || bias->rank() != 1 || bias->dim(0) != co)
      return make_error(ErrorCode::kShapeMismatch, "qconv2d: bias must be i32 [", co, "], got ",
                        dtype_name(bias->dtype()), " ", shape_str(bias->shape()));
    NPUKIT_RETURN_IF_ERROR(detail::load_codes(*bias, "qconv2d bias", &bs));
  }
  if (residual != nullptr) {
    // The conv result is an intermediate code of x's "output" parameters; the final range is residual_add's.
    if (residual->shape() != out_shape || !is_activation_dtype(residual->dtype()))
      return make_error(ErrorCode::kShapeMismatch, "qconv2d: residual ", dtype_name(residual->dtype()), " ",
                        shape_str(residual->shape()), " must be an activation tensor of shape ", shape_str(out_shape));
    NPUKIT_RETURN_IF_ERROR(detail::load_codes(*residual, "qconv2d residual", &rs));
    NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(residual->dtype(), p.residual_add.b_zp, "qconv2d residual"));
    NPUKIT_RETURN_IF_ERROR(
        detail::check_output(p.output_dtype, p.residual_add.range, p.residual_add.out_zp, "qconv2d (residual)"));
    if (p.residual_add.a_zp != p.output_zero_point)
      return make_error(ErrorCode::kInvalidArgument, "qconv2d: residual_add.a_zp (", p.residual_add.a_zp,
                        ") must equal the conv's output zero point (", p.output_zero_point, ")");
    if (p.residual_add.left_shift < 0 || p.residual_add.left_shift > 24)
      return make_error(ErrorCode::kInvalidArgument, "qconv2d: residual left shift out of [0, 24]");
    NPUKIT_RETURN_IF_ERROR(detail::check_multipliers(
        {p.residual_add.a_mult, p.residual_add.b_mult, p.residual_add.out_mult}, 3, "qconv2d residual"));
    // The intermediate must be representable in the output dtype (it is the unfused conv's output).
    NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, "qconv2d (mid)"));
  } else if (!acc_out) {
    NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, "qconv2d"));
  }
  // 16-bit activations accumulate in int64 without int32 saturation (docs/QUANTIZATION.md).
  const int64_t* as = acc.data<int64_t>();
  std::vector<int32_t> out(static_cast<size_t>(acc.numel()));
  for (int64_t i = 0; i < acc.numel(); ++i) {
    const int64_t oc = (i / plane) % co;
    int64_t a = as[i];
    if (!bs.empty()) a += bs[static_cast<size_t>(oc)];
    if (acc_out) {
      out[static_cast<size_t>(i)] = std::clamp(quant::saturate_i32(a), p.out_range.qmin, p.out_range.qmax);
      continue;
    }
    const QuantizedMultiplier m = p.out_mult[p.out_mult.size() == 1 ? 0 : static_cast<size_t>(oc)];
    if (!wide) a = quant::saturate_i32(a);
    int32_t v = quant::requantize(a, m, p.output_zero_point, p.out_range);
    if (!rs.empty()) v = quant::add_quantized(v, rs[static_cast<size_t>(i)], p.residual_add);
    out[static_cast<size_t>(i)] = v;
  }
  return detail::store_codes(out, p.output_dtype, out_shape, y);
}

Status qconv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const QConv2dParams& p, Tensor* y,
               const Tensor* residual) {
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qconv2d_accumulate(x, w, p, &acc));
  return qconv2d_finish(acc, bias, p, wide_accumulator(x.dtype()), y, residual);
}

}  // namespace npukit::qref
