// SPDX-License-Identifier: Apache-2.0
// kernels/fast: f32 ConvTranspose for 1-D and 2-D inputs — per (batch, group) one SGEMM
// col = W_g^T * X_g ([M/g * kh * kw] x [H * W]) followed by col2im, which scatters every column entry onto
// the output position ix * stride - pad + k * dilation it lands on. Pads are derived exactly as
// kernels/ref does it (explicit pads, or from auto_pad / output_shape and the inferred output shape).
// Other ranks, dtypes and malformed calls go to ref::ref_ConvTranspose.
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/fast/conv_geometry.h"
#include "kernels/fast/fast_kernels.h"

namespace npukit::fast {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// Input indices i in [lo, hi) (of `count`) land on output i * s - p + kd inside [0, out).
void valid_range(int64_t count, int64_t out, int64_t s, int64_t p, int64_t kd, int64_t& lo, int64_t& hi) {
  lo = std::clamp<int64_t>(ceil_div(p - kd, s), 0, count);
  hi = std::clamp<int64_t>(ceil_div(out + p - kd, s), lo, count);
}

// A 1-D or 2-D transposed convolution seen as 2-D (1-D gets a unit height).
using Deconv2d = detail::Plane2d;

// y[mm][oy][ox] += col[(mm * kh + ky) * kw + kx][iy * iw + ix] for every tap landing inside the output.
void col2im(const Deconv2d& g, int64_t mpg, const float* col, float* y) {
  const int64_t in_plane = g.ih * g.iw, out_plane = g.oh * g.ow;
  for (int64_t mm = 0; mm < mpg; ++mm) {
    float* ym = y + mm * out_plane;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const float* row = col + ((mm * g.kh + ky) * g.kw + kx) * in_plane;
        int64_t lo = 0, hi = 0;
        valid_range(g.iw, g.ow, g.sw, g.pw, kx * g.dw, lo, hi);
        if (hi <= lo) continue;
        for (int64_t iy = 0; iy < g.ih; ++iy) {
          const int64_t oy = iy * g.sh - g.ph + ky * g.dh;
          if (oy < 0 || oy >= g.oh) continue;
          const float* src = row + iy * g.iw;
          float* dst = ym + oy * g.ow - g.pw + kx * g.dw;
          if (g.sw == 1) {
            for (int64_t ix = lo; ix < hi; ++ix) dst[ix] += src[ix];
          } else {
            for (int64_t ix = lo; ix < hi; ++ix) dst[ix * g.sw] += src[ix];
          }
        }
      }
    }
  }
}

}  // namespace

Status fast_ConvTranspose(const ref::KernelArgs& a) {
  const std::optional<detail::ConvCall> call = detail::f32_conv_call(a);
  if (!call) return ref::ref_ConvTranspose(a);
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  Tensor& y = a.out(0);
  const detail::ConvCall& cc = *call;
  const std::vector<int64_t> out_pad = detail::ints_or(a.attrs, "output_padding", cc.nsp, 0);
  if (out_pad.size() != cc.nsp) return ref::ref_ConvTranspose(a);
  // Begin pads, as ref_ConvTranspose derives them.
  const std::string auto_pad = a.attrs.get_string("auto_pad", "NOTSET");
  std::vector<int64_t> pads(cc.nsp, 0);
  if (a.attrs.has("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < cc.nsp; ++i) {
      const int64_t ek = (cc.kernel[i] - 1) * cc.dilations[i] + 1;
      const int64_t total = cc.strides[i] * (cc.in_sp[i] - 1) + out_pad[i] + ek - cc.out_sp[i];
      pads[i] = auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
    }
  } else if (auto_pad == "NOTSET" && a.attrs.has("pads")) {
    const std::vector<int64_t> p = a.attrs.get_ints("pads");
    if (p.size() != 2 * cc.nsp) return ref::ref_ConvTranspose(a);
    pads.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(cc.nsp));
  }
  const int64_t group = a.attrs.get_int("group", 1);
  const int64_t n_batch = x.dim(0), c_in = x.dim(1);
  if (group < 1 || w.dim(0) != c_in || c_in % group != 0) return ref::ref_ConvTranspose(a);
  const int64_t cpg = c_in / group, mpg = w.dim(1), m_out = mpg * group;
  if (y.dim(0) != n_batch || y.dim(1) != m_out || (cc.has_bias && a.in(2).numel() != m_out))
    return ref::ref_ConvTranspose(a);

  const Deconv2d g = detail::plane_2d(cc, pads);

  const int64_t in_plane = g.ih * g.iw, out_plane = g.oh * g.ow, taps = g.kh * g.kw;
  const int64_t rows = mpg * taps;  // rows of col per group
  float* yd = y.data<float>();
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  const float* bd = cc.has_bias ? a.in(2).data<float>() : nullptr;
  if (y.numel() == 0) return Status::Ok();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < m_out; ++m) {
      float* yp = yd + (n * m_out + m) * out_plane;
      std::fill(yp, yp + out_plane, bd ? bd[m] : 0.f);
    }
  if (rows == 0 || in_plane == 0 || cpg == 0) return Status::Ok();

  // Reused across calls on this thread (the column buffer is the largest temporary).
  thread_local std::vector<float> col;
  const size_t need = static_cast<size_t>(rows * in_plane);
  if (col.size() < need) col.resize(need);
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t gi = 0; gi < group; ++gi) {
      // W is [C_in, M/g, kh, kw]: the group's block is a row-major [cpg, rows] matrix.
      const float* wg = wd + gi * cpg * rows;
      const float* xg = xd + (n * c_in + gi * cpg) * in_plane;
      sgemm(true, false, rows, in_plane, cpg, 1.f, wg, rows, xg, in_plane, 0.f, col.data(), in_plane);
      col2im(g, mpg, col.data(), yd + (n * m_out + gi * mpg) * out_plane);
    }
  }
  return Status::Ok();
}

}  // namespace npukit::fast
