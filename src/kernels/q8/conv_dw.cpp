// SPDX-License-Identifier: Apache-2.0
// kernels/q8: depthwise convolution (one input channel per group). Per (image, group) an int16 plane of
// x - zp with zero padding, split by stride phase, then the tier's dw_row kernel vectorized over output columns,
// requantized per output row. Called by conv2d (conv.cpp) after the shared checks.
#include <algorithm>
#include <cstring>

#include "kernels/q8/engine.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8::detail {

Status conv2d_depthwise(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                        const Parallel* par) {
  const qref::QConv2dParams& p = pc.p_;
  const Ukernels& uk = *pc.uk_;
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t hp = h + p.pad_top + p.pad_bottom, wp = wd + p.pad_left + p.pad_right;
  const int64_t group = p.group, cog = pc.cog_;
  const bool per_channel = p.out_mult.size() != 1;
  // Depthwise: per (image, group) an int16 plane of x - zp with zero padding, split into stride phases:
  // row iy (padded coords), phase f holds xpad[iy][j * sw + f]; tap (ky, kx) reads phase (kx*dw) % sw at
  // offset (kx*dw) / sw, contiguous in the output column.
  const int64_t sw = p.stride_w, taps = pc.kh_ * pc.kw_, pairs = (taps + 1) / 2;
  const int64_t wph = (wp + sw - 1) / sw, lp = wph + 32;
  const int64_t ow16 = (ow + 15) / 16 * 16;
  const int32_t zp = p.input_zero_point;
  const bool u8in = x.dtype() == DType::kU8;
  // Offset of tap (ky, kx) from the start of padded row oy * sh.
  std::vector<int64_t> tap_off(static_cast<size_t>(taps));
  for (int64_t ky = 0; ky < pc.kh_; ++ky)
    for (int64_t kx = 0; kx < pc.kw_; ++kx) {
      const int64_t xo = kx * p.dilation_w;
      tap_off[static_cast<size_t>(ky * pc.kw_ + kx)] = (ky * p.dilation_h * sw + xo % sw) * lp + xo / sw;
    }
  auto task = [&](int64_t t) {
    const int64_t b = t / group, g = t % group;
    Scratch& s = detail::scratch();
    // Only the padding (and the slack after each phase row) is zeroed; data cells are written below.
    s.dw.resize(static_cast<size_t>(hp * sw * lp));
    std::fill_n(s.dw.data(), p.pad_top * sw * lp, int16_t{0});
    std::fill_n(s.dw.data() + (p.pad_top + h) * sw * lp, p.pad_bottom * sw * lp, int16_t{0});
    const size_t xoff = static_cast<size_t>((b * c + g) * h * wd);
    for (int64_t iy = 0; iy < h; ++iy) {
      int16_t* rowbase = s.dw.data() + (iy + p.pad_top) * sw * lp;
      const size_t r0 = xoff + static_cast<size_t>(iy * wd);
      if (sw == 1) {
        int16_t* d = rowbase + p.pad_left;
        std::fill_n(rowbase, p.pad_left, int16_t{0});
        std::fill_n(d + wd, lp - p.pad_left - wd, int16_t{0});
        if (u8in)
          for (int64_t ix = 0; ix < wd; ++ix) d[ix] = static_cast<int16_t>(x.data<uint8_t>()[r0 + ix] - zp);
        else
          for (int64_t ix = 0; ix < wd; ++ix) d[ix] = static_cast<int16_t>(x.data<int8_t>()[r0 + ix] - zp);
        continue;
      }
      // Strided: widen the row to int16 first (vectorizes), then split it into the phases.
      s.row.resize(static_cast<size_t>(wd));
      int16_t* t16 = s.row.data();
      if (u8in)
        for (int64_t ix = 0; ix < wd; ++ix) t16[ix] = static_cast<int16_t>(x.data<uint8_t>()[r0 + ix] - zp);
      else
        for (int64_t ix = 0; ix < wd; ++ix) t16[ix] = static_cast<int16_t>(x.data<int8_t>()[r0 + ix] - zp);
      for (int64_t f = 0; f < sw; ++f) {
        // Columns ix with (ix + pad_left) % sw == f go to phase f at index (ix + pad_left) / sw.
        const int64_t ix0 = ((f - p.pad_left) % sw + sw) % sw;
        int16_t* d = rowbase + f * lp + (ix0 + p.pad_left) / sw;
        const int64_t cnt = ix0 < wd ? (wd - ix0 + sw - 1) / sw : 0;
        if (sw == 2)
          for (int64_t j = 0; j < cnt; ++j) d[j] = t16[ix0 + 2 * j];
        else
          for (int64_t j = 0; j < cnt; ++j) d[j] = t16[ix0 + j * sw];
        const int64_t j0 = (ix0 + p.pad_left) / sw;
        std::fill_n(rowbase + f * lp, j0, int16_t{0});
        std::fill_n(d + cnt, lp - j0 - cnt, int16_t{0});
      }
    }
    s.src.resize(static_cast<size_t>(2 * pairs));
    s.c.resize(static_cast<size_t>(ow16));
    s.codes.resize(static_cast<size_t>(ow16));
    for (int64_t oc = g * cog; oc < (g + 1) * cog; ++oc) {
      const quant::QuantizedMultiplier m = p.out_mult[per_channel ? oc : 0];
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int16_t* rowp = s.dw.data() + oy * p.stride_h * sw * lp;
        for (int64_t t = 0; t < taps; ++t) s.src[static_cast<size_t>(t)] = rowp + tap_off[static_cast<size_t>(t)];
        if (taps % 2 == 1) s.src[static_cast<size_t>(taps)] = s.src[0];
        uk.dw_row(ow, pairs, s.src.data(), pc.dw_w_.data() + oc * pairs, s.c.data());
        // Whole 8-lane groups (the lanes past ow hold finite sums of the zero slack and are not stored).
        uk.requant(s.c.data(), (ow + 7) / 8 * 8, pc.bias_v_[static_cast<size_t>(oc)], m.mult, m.shift,
                   p.output_zero_point, p.out_range.qmin, p.out_range.qmax, s.codes.data(),
                   detail::no_saturation(pc.acc_bound_, pc.bias_v_[static_cast<size_t>(oc)]));
        detail::store_row(st, s.codes.data(), ow, ((b * pc.cout_ + oc) * oh + oy) * ow, 1);
      }
    }
  };
  parallel_for(par, n * group, task);
  return Status::Ok();
}

}  // namespace npukit::q8::detail
