// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer 2-D convolution (any group count incl. depthwise, stride, dilation, explicit pads),
// per-channel requantization, fused clamp and optional fused residual add. Spec: quant/arith.h.
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {

Status qconv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const QConv2dParams& p, Tensor* y,
               const Tensor* residual) {
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
  NPUKIT_RETURN_IF_ERROR(detail::check_multipliers(p.out_mult, co, "qconv2d"));
  const Shape out_shape{n, co, oh, ow};

  std::vector<int32_t> xs, ws, bs, rs;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, "qconv2d x", &xs));
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(w, "qconv2d w", &ws));
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
  } else {
    NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, "qconv2d"));
  }
  NPUKIT_ASSIGN_OR_RETURN(int64_t out_numel, checked_numel(out_shape));

  // 16-bit activations accumulate in int64 without int32 saturation (docs/QUANTIZATION.md).
  const bool wide = x.dtype() == DType::kI16;
  const int64_t cog = co / p.group;
  std::vector<int32_t> out(static_cast<size_t>(out_numel));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oc = 0; oc < co; ++oc) {
      const int64_t g = oc / cog;
      const QuantizedMultiplier m = p.out_mult[p.out_mult.size() == 1 ? 0 : static_cast<size_t>(oc)];
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
          if (!bs.empty()) acc += bs[static_cast<size_t>(oc)];
          if (!wide) acc = quant::saturate_i32(acc);
          const size_t oi = static_cast<size_t>(((b * co + oc) * oh + oy) * ow + ox);
          int32_t v = quant::requantize(acc, m, p.output_zero_point, p.out_range);
          if (!rs.empty()) v = quant::add_quantized(v, rs[oi], p.residual_add);
          out[oi] = v;
        }
      }
    }
  }
  return detail::store_codes(out, p.output_dtype, out_shape, y);
}

}  // namespace npukit::qref
