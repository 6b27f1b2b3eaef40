// SPDX-License-Identifier: Apache-2.0
// kernels/fast: the call checks and geometry shared by fast_Conv and fast_ConvTranspose — f32 1-D / 2-D calls
// only (everything else, including every malformed call, goes to the reference kernel so that its error
// messages stay the reference's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/ref/ref_kernels.h"

namespace npukit::fast::detail {

/// An int list attribute, or n copies of `def` when absent.
inline std::vector<int64_t> ints_or(const Attrs& attrs, const char* name, size_t n, int64_t def) {
  if (!attrs.has(name)) return std::vector<int64_t>(n, def);
  return attrs.get_ints(name);
}

struct ConvCall {
  size_t nsp = 0;  ///< spatial dims (1 or 2)
  std::vector<int64_t> in_sp, out_sp, kernel, strides, dilations;
  bool has_bias = false;
};

/// The geometry of a Conv / ConvTranspose call (x = input 0, w = input 1, optional bias 2, y = output 0) when
/// all are f32, x is 3-D or 4-D and strides / dilations have one positive entry per spatial dim; else nullopt.
inline std::optional<ConvCall> f32_conv_call(const ref::KernelArgs& a) {
  if (a.num_inputs() < 2 || !a.has_input(0) || !a.has_input(1) || a.outputs.empty()) return std::nullopt;
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  const Tensor& y = a.out(0);
  ConvCall c;
  c.has_bias = a.has_input(2);
  if (x.dtype() != DType::kF32 || w.dtype() != DType::kF32 || y.dtype() != DType::kF32 ||
      (c.has_bias && a.in(2).dtype() != DType::kF32) || (x.rank() != 3 && x.rank() != 4) || w.rank() != x.rank() ||
      y.rank() != x.rank())
    return std::nullopt;
  c.nsp = x.rank() - 2;
  c.in_sp.assign(x.shape().begin() + 2, x.shape().end());
  c.out_sp.assign(y.shape().begin() + 2, y.shape().end());
  c.kernel.assign(w.shape().begin() + 2, w.shape().end());
  c.strides = ints_or(a.attrs, "strides", c.nsp, 1);
  c.dilations = ints_or(a.attrs, "dilations", c.nsp, 1);
  if (c.strides.size() != c.nsp || c.dilations.size() != c.nsp) return std::nullopt;
  for (size_t i = 0; i < c.nsp; ++i)
    if (c.strides[i] < 1 || c.dilations[i] < 1) return std::nullopt;
  return c;
}

/// The 2-D geometry of a call (1-D calls: height 1), with its begin pads (pads[i] for spatial dim i).
struct Plane2d {
  int64_t ih = 1, iw = 1, oh = 1, ow = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
};
inline Plane2d plane_2d(const ConvCall& cc, const std::vector<int64_t>& pads) {
  Plane2d g;
  const size_t o = cc.nsp == 2 ? 0 : 1;  // index of the height entry in the spatial vectors (none for 1-D)
  if (cc.nsp == 2) {
    g.ih = cc.in_sp[0];
    g.oh = cc.out_sp[0];
    g.kh = cc.kernel[0];
    g.sh = cc.strides[0];
    g.dh = cc.dilations[0];
    g.ph = pads[0];
  }
  g.iw = cc.in_sp[1 - o];
  g.ow = cc.out_sp[1 - o];
  g.kw = cc.kernel[1 - o];
  g.sw = cc.strides[1 - o];
  g.dw = cc.dilations[1 - o];
  g.pw = pads[1 - o];
  return g;
}

}  // namespace npukit::fast::detail
