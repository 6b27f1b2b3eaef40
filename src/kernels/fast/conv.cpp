// SPDX-License-Identifier: Apache-2.0
// kernels/fast: f32 Conv for 1-D and 2-D inputs — im2col + SGEMM per (batch, group), direct loops for
// groups with a single input channel (depthwise). Padding is resolved exactly as kernels/ref does it.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/fast/conv_geometry.h"
#include "kernels/fast/fast_kernels.h"

namespace npukit::fast {

namespace {

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// A 1-D or 2-D convolution seen as 2-D (1-D gets a unit height).
struct Conv2d : detail::Plane2d {
  int64_t n = 0, c = 0, m = 0;  // batch, input and output channels
  int64_t group = 1;
};

// Output columns ox in [lo, hi) read input column ox * s - p + k * d inside [0, in).
void valid_range(int64_t out, int64_t in, int64_t s, int64_t p, int64_t kd, int64_t& lo, int64_t& hi) {
  lo = std::clamp<int64_t>(ceil_div(p - kd, s), 0, out);
  hi = std::clamp<int64_t>(ceil_div(in + p - kd, s), lo, out);
}

// col[(ci * kh + ky) * kw + kx][oy * ow + ox] = x[ci][oy*sh - ph + ky*dh][ox*sw - pw + kx*dw] (0 outside).
void im2col(const Conv2d& g, int64_t cpg, const float* x, float* col) {
  const int64_t plane = g.oh * g.ow;
  for (int64_t ci = 0; ci < cpg; ++ci) {
    const float* xc = x + ci * g.ih * g.iw;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        float* dst = col + ((ci * g.kh + ky) * g.kw + kx) * plane;
        int64_t lo = 0, hi = 0;
        valid_range(g.ow, g.iw, g.sw, g.pw, kx * g.dw, lo, hi);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          float* d = dst + oy * g.ow;
          const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
          if (iy < 0 || iy >= g.ih) {
            std::fill(d, d + g.ow, 0.f);
            continue;
          }
          std::fill(d, d + lo, 0.f);
          const float* src = xc + iy * g.iw - g.pw + kx * g.dw;
          if (g.sw == 1) {
            if (hi > lo) std::memcpy(d + lo, src + lo, static_cast<size_t>(hi - lo) * sizeof(float));
          } else {
            for (int64_t ox = lo; ox < hi; ++ox) d[ox] = src[ox * g.sw];
          }
          std::fill(d + hi, d + g.ow, 0.f);
        }
      }
    }
  }
}

// One output channel of a group with a single input channel: y += sum over taps w * shifted x.
void direct_single_channel(const Conv2d& g, const float* x, const float* w, float* y) {
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    float* yr = y + oy * g.ow;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
      if (iy < 0 || iy >= g.ih) continue;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const float wv = w[ky * g.kw + kx];
        int64_t lo = 0, hi = 0;
        valid_range(g.ow, g.iw, g.sw, g.pw, kx * g.dw, lo, hi);
        const float* src = x + iy * g.iw - g.pw + kx * g.dw;
        if (g.sw == 1) {
          for (int64_t ox = lo; ox < hi; ++ox) yr[ox] += wv * src[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) yr[ox] += wv * src[ox * g.sw];
        }
      }
    }
  }
}

// Begin pads per spatial dim, as the reference derives them (auto_pad SAME_* from the output shape).
bool begin_pads(const ref::KernelArgs& a, const std::vector<int64_t>& in_sp, const std::vector<int64_t>& out_sp,
                const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                const std::vector<int64_t>& dilations, std::vector<int64_t>& pad_begin) {
  const size_t nsp = in_sp.size();
  pad_begin.assign(nsp, 0);
  const std::string auto_pad = a.attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < nsp; ++i) {
      const int64_t ek = (kernel[i] - 1) * dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out_sp[i] - 1) * strides[i] + ek - in_sp[i]);
      // SAME_UPPER puts the odd extra pad at the end, SAME_LOWER at the beginning.
      pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
  } else if (auto_pad == "NOTSET" && a.attrs.has("pads")) {
    const std::vector<int64_t> pads = a.attrs.get_ints("pads");
    if (pads.size() != 2 * nsp) return false;
    pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(nsp));
  }
  return true;
}

}  // namespace

Status fast_Conv(const ref::KernelArgs& a) {
  const std::optional<detail::ConvCall> call = detail::f32_conv_call(a);
  if (!call) return ref::ref_Conv(a);
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  Tensor& y = a.out(0);
  const detail::ConvCall& cc = *call;
  std::vector<int64_t> pads;
  if (!begin_pads(a, cc.in_sp, cc.out_sp, cc.kernel, cc.strides, cc.dilations, pads)) return ref::ref_Conv(a);
  Conv2d g;
  g.n = x.dim(0);
  g.c = x.dim(1);
  g.m = w.dim(0);
  g.group = a.attrs.get_int("group", 1);
  if (g.group < 1 || g.c != w.dim(1) * g.group || g.m % g.group != 0 || y.dim(0) != g.n || y.dim(1) != g.m ||
      (cc.has_bias && a.in(2).numel() != g.m))
    return ref::ref_Conv(a);
  static_cast<detail::Plane2d&>(g) = detail::plane_2d(cc, pads);
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) return ref::ref_Conv(a);

  const int64_t cpg = g.c / g.group, mpg = g.m / g.group;
  const int64_t in_plane = g.ih * g.iw, out_plane = g.oh * g.ow, taps = g.kh * g.kw;
  const int64_t kdim = cpg * taps;
  float* yd = y.data<float>();
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  const float* bd = cc.has_bias ? a.in(2).data<float>() : nullptr;
  if (y.numel() == 0) return Status::Ok();

  // Bias first: the GEMM then accumulates into it (beta = 1).
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t m = 0; m < g.m; ++m) {
      float* yp = yd + (n * g.m + m) * out_plane;
      std::fill(yp, yp + out_plane, bd ? bd[m] : 0.f);
    }
  if (kdim == 0) return Status::Ok();

  const bool pointwise =
      g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.oh == g.ih && g.ow == g.iw;
  // Reused across calls on this thread: im2col buffers are the largest temporaries of a CNN and
  // re-allocating them per call costs page faults.
  thread_local std::vector<float> col;
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const float* xg = xd + (n * g.c + gi * cpg) * in_plane;
      const float* wg = wd + gi * mpg * kdim;
      float* yg = yd + (n * g.m + gi * mpg) * out_plane;
      if (cpg == 1) {
        for (int64_t m = 0; m < mpg; ++m) direct_single_channel(g, xg, wg + m * taps, yg + m * out_plane);
        continue;
      }
      const float* colp = xg;
      if (!pointwise) {
        const size_t need = static_cast<size_t>(kdim * out_plane);
        if (col.size() < need) col.resize(need);
        im2col(g, cpg, xg, col.data());
        colp = col.data();
      }
      sgemm(false, false, mpg, out_plane, kdim, 1.f, wg, kdim, colp, out_plane, 1.f, yg, out_plane);
    }
  }
  return Status::Ok();
}

}  // namespace npukit::fast
