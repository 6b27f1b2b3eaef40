// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer average / max / global average pooling (NCHW). Rules: docs/QUANTIZATION.md.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {
namespace {

enum class PoolKind { kAvg, kMax, kGlobalAvg };

int32_t finish(int64_t v, const QPool2dParams& p) {
  return p.rescale ? quant::requantize(v, p.mult, p.output_zero_point, p.out_range)
                   : quant::saturate(v + p.output_zero_point, p.out_range);
}

Status pool(const char* name, PoolKind kind, const Tensor& x, const QPool2dParams& p, Tensor* y) {
  if (!is_activation_dtype(x.dtype()))
    return make_error(ErrorCode::kUnsupportedAttr, name, ": input dtype ", dtype_name(x.dtype()));
  if (x.rank() != 4)
    return make_error(ErrorCode::kShapeMismatch, name, ": input ", shape_str(x.shape()), " must be NCHW");
  NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(x.dtype(), p.input_zero_point, name));
  NPUKIT_RETURN_IF_ERROR(detail::check_output(p.output_dtype, p.out_range, p.output_zero_point, name));
  if (p.rescale) NPUKIT_RETURN_IF_ERROR(detail::check_multipliers({p.mult}, 1, name));
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  int64_t kh = p.kernel_h, kw = p.kernel_w, sh = p.stride_h, sw = p.stride_w;
  int64_t pt = p.pad_top, pl = p.pad_left, pb = p.pad_bottom, pr = p.pad_right;
  if (kind == PoolKind::kGlobalAvg) {
    kh = h, kw = w, sh = sw = 1, pt = pl = pb = pr = 0;
    if (h < 1 || w < 1) return make_error(ErrorCode::kShapeMismatch, name, ": empty spatial input");
  }
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || pt < 0 || pl < 0 || pb < 0 || pr < 0)
    return make_error(ErrorCode::kInvalidArgument, name, ": kernel / strides must be >= 1 and pads >= 0");
  constexpr int64_t kMaxGeom = int64_t{1} << 31;  // keeps the index arithmetic far from int64 overflow
  for (int64_t v : {kh, kw, sh, sw, pt, pl, pb, pr, h, w})
    if (v > kMaxGeom) return make_error(ErrorCode::kOutOfRange, name, ": geometry parameter ", v, " too large");
  // A window made only of padding has no defined max / average: pads must be smaller than the kernel.
  if (pt >= kh || pb >= kh || pl >= kw || pr >= kw)
    return make_error(ErrorCode::kInvalidArgument, name, ": pads must be smaller than the kernel");
  if (h + pt + pb < kh || w + pl + pr < kw)
    return make_error(ErrorCode::kShapeMismatch, name, ": kernel larger than the padded input");
  const int64_t oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1;
  std::vector<int32_t> xs;
  NPUKIT_RETURN_IF_ERROR(detail::load_codes(x, name, &xs));
  const Shape out_shape{n, c, oh, ow};
  NPUKIT_ASSIGN_OR_RETURN(int64_t total, checked_numel(out_shape));
  std::vector<int32_t> out(static_cast<size_t>(total));
  for (int64_t bc = 0; bc < n * c; ++bc) {
    const int32_t* plane = xs.data() + bc * h * w;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * sh - pt, x0 = ox * sw - pl;
        int64_t sum = 0, cnt = 0, mx = std::numeric_limits<int64_t>::min();
        for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y0 + kh, h); ++iy) {
          for (int64_t ix = std::max<int64_t>(x0, 0); ix < std::min(x0 + kw, w); ++ix) {
            const int64_t v = static_cast<int64_t>(plane[iy * w + ix]) - p.input_zero_point;
            sum += v;
            mx = std::max(mx, v);
            ++cnt;
          }
        }
        int64_t v;
        if (kind == PoolKind::kMax) {
          v = mx;  // cnt >= 1 because every pad is smaller than the kernel
        } else {
          // count_include_pad counts the window cells inside the padded input (not beyond it).
          const int64_t full = (std::min(y0 + kh, h + pb) - y0) * (std::min(x0 + kw, w + pr) - x0);
          const int64_t count = p.count_include_pad ? full : cnt;
          if (p.rescale) {
            // One rounding: the window sum requantized by M / count (docs/QUANTIZATION.md §7).
            out[static_cast<size_t>((bc * oh + oy) * ow + ox)] =
                quant::requantize(sum, quant::avgpool_multiplier(p.mult, count), p.output_zero_point, p.out_range);
            continue;
          }
          v = quant::div_round_half_up(sum, count);
        }
        out[static_cast<size_t>((bc * oh + oy) * ow + ox)] = finish(v, p);
      }
    }
  }
  return detail::store_codes(out, p.output_dtype, out_shape, y);
}

}  // namespace

Status qavgpool2d(const Tensor& x, const QPool2dParams& p, Tensor* y) {
  return pool("qavgpool2d", PoolKind::kAvg, x, p, y);
}
Status qmaxpool2d(const Tensor& x, const QPool2dParams& p, Tensor* y) {
  return pool("qmaxpool2d", PoolKind::kMax, x, p, y);
}
Status qglobal_avgpool(const Tensor& x, const QPool2dParams& p, Tensor* y) {
  return pool("qglobal_avgpool", PoolKind::kGlobalAvg, x, p, y);
}

}  // namespace npukit::qref
