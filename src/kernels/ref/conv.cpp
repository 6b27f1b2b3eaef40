// SPDX-License-Identifier: Apache-2.0
// Reference kernels for Conv and ConvTranspose: N-D (any number of spatial dims), f32, direct loops.
// Output shapes come from infer_Conv / infer_ConvTranspose; the kernels only need the begin pads, which
// they re-derive from the attributes and the (already inferred) output shape exactly as the spec says.
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {
namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Geom {
  size_t nsp = 0;
  std::vector<int64_t> kernel, strides, dilations, pad_begin;
};

std::vector<int64_t> ints_or(const Attrs& attrs, const char* name, size_t n, int64_t def) {
  if (!attrs.has(name)) return std::vector<int64_t>(n, def);
  return attrs.get_ints(name);
}

/// Kernel dims, strides, dilations; pad_begin left for the caller. Validates sizes (infer did too, but a
/// kernel must never index out of bounds even when called directly).
Expected<Geom> base_geom(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  Geom g;
  if (x.rank() < 3 || w.rank() != x.rank() || a.outputs.empty() || a.out(0).rank() != x.rank())
    return a.error(ErrorCode::kShapeMismatch, "unexpected ranks: X ", shape_str(x.shape()), ", W ",
                   shape_str(w.shape()));
  g.nsp = x.rank() - 2;
  g.kernel.assign(w.shape().begin() + 2, w.shape().end());
  g.strides = ints_or(a.attrs, "strides", g.nsp, 1);
  g.dilations = ints_or(a.attrs, "dilations", g.nsp, 1);
  if (g.strides.size() != g.nsp || g.dilations.size() != g.nsp)
    return a.error(ErrorCode::kShapeMismatch, "strides/dilations must have one value per spatial dim");
  return g;
}

}  // namespace

Status ref_Conv(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(Geom g, base_geom(a));
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  Tensor& y = a.out(0);
  const size_t nsp = g.nsp;
  std::vector<int64_t> in_sp(x.shape().begin() + 2, x.shape().end());
  std::vector<int64_t> out_sp(y.shape().begin() + 2, y.shape().end());
  std::string auto_pad = a.attrs.get_string("auto_pad", "NOTSET");
  g.pad_begin.assign(nsp, 0);
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < nsp; ++i) {
      int64_t ek = (g.kernel[i] - 1) * g.dilations[i] + 1;
      int64_t total = std::max<int64_t>(0, (out_sp[i] - 1) * g.strides[i] + ek - in_sp[i]);
      // SAME_UPPER puts the odd extra pad at the end, SAME_LOWER at the beginning.
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
  } else if (auto_pad == "NOTSET" && a.attrs.has("pads")) {
    std::vector<int64_t> pads = a.attrs.get_ints("pads");
    if (pads.size() != 2 * nsp) return a.error(ErrorCode::kShapeMismatch, "pads must have 2 values per spatial dim");
    g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(nsp));
  }
  const int64_t group = a.attrs.get_int("group", 1);
  const int64_t n_batch = x.dim(0), c_in = x.dim(1), m_out = w.dim(0);
  if (group < 1 || c_in != w.dim(1) * group || m_out % group != 0 || y.dim(0) != n_batch || y.dim(1) != m_out)
    return a.error(ErrorCode::kShapeMismatch, "channel/group mismatch");
  const int64_t cpg = c_in / group, mpg = m_out / group;
  const bool has_bias = a.has_input(2);
  if (has_bias && a.in(2).numel() != m_out) return a.error(ErrorCode::kShapeMismatch, "bias size mismatch");

  const int64_t in_plane = npukit::numel(in_sp), out_plane = npukit::numel(out_sp), k_plane = npukit::numel(g.kernel);
  std::vector<int64_t> in_strides(nsp, 1);
  for (size_t i = nsp - 1; i-- > 0;) in_strides[i] = in_strides[i + 1] * in_sp[i + 1];
  // Per kernel tap: its spatial coordinates (pre-dilated) for bounds checks.
  std::vector<int64_t> taps;  // k_plane * nsp
  taps.reserve(static_cast<size_t>(k_plane) * nsp);
  if (k_plane > 0) {
    std::vector<int64_t> k(nsp, 0);
    do {
      for (size_t i = 0; i < nsp; ++i) taps.push_back(k[i] * g.dilations[i]);
    } while (next_index(k, g.kernel));
  }

  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  const float* bd = has_bias ? a.in(2).data<float>() : nullptr;
  float* yd = y.data<float>();
  if (out_plane == 0 || n_batch == 0 || m_out == 0) return Status::Ok();
  std::vector<int64_t> o(nsp, 0), base(nsp, 0);
  std::vector<int64_t> tap_off(static_cast<size_t>(k_plane));
  for (int64_t op = 0; op < out_plane; ++op) {
    // Decode the output position once; then each tap is valid iff every coordinate is inside the input.
    int64_t rem = op;
    for (size_t i = nsp; i-- > 0;) {
      o[i] = rem % out_sp[i];
      rem /= out_sp[i];
      base[i] = o[i] * g.strides[i] - g.pad_begin[i];
    }
    for (int64_t t = 0; t < k_plane; ++t) {
      int64_t off = 0;
      bool inside = true;
      for (size_t i = 0; i < nsp; ++i) {
        int64_t c = base[i] + taps[static_cast<size_t>(t) * nsp + i];
        if (c < 0 || c >= in_sp[i]) {
          inside = false;
          break;
        }
        off += c * in_strides[i];
      }
      tap_off[static_cast<size_t>(t)] = inside ? off : -1;
    }
    for (int64_t n = 0; n < n_batch; ++n) {
      for (int64_t m = 0; m < m_out; ++m) {
        int64_t gi = m / mpg;
        double acc = bd ? bd[m] : 0.0;
        for (int64_t c = 0; c < cpg; ++c) {
          const float* xp = xd + (n * c_in + gi * cpg + c) * in_plane;
          const float* wp = wd + (m * cpg + c) * k_plane;
          for (int64_t t = 0; t < k_plane; ++t) {
            int64_t off = tap_off[static_cast<size_t>(t)];
            if (off >= 0) acc += static_cast<double>(xp[off]) * wp[t];
          }
        }
        yd[(n * m_out + m) * out_plane + op] = static_cast<float>(acc);
      }
    }
  }
  return Status::Ok();
}

Status ref_ConvTranspose(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(Geom g, base_geom(a));
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  Tensor& y = a.out(0);
  const size_t nsp = g.nsp;
  std::vector<int64_t> in_sp(x.shape().begin() + 2, x.shape().end());
  std::vector<int64_t> out_sp(y.shape().begin() + 2, y.shape().end());
  std::string auto_pad = a.attrs.get_string("auto_pad", "NOTSET");
  std::vector<int64_t> out_pad = ints_or(a.attrs, "output_padding", nsp, 0);
  if (out_pad.size() != nsp) return a.error(ErrorCode::kShapeMismatch, "output_padding size mismatch");
  g.pad_begin.assign(nsp, 0);
  bool derived = a.attrs.has("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (derived) {
    for (size_t i = 0; i < nsp; ++i) {
      int64_t ek = (g.kernel[i] - 1) * g.dilations[i] + 1;
      int64_t total = g.strides[i] * (in_sp[i] - 1) + out_pad[i] + ek - out_sp[i];
      // ONNX: SAME_UPPER → begin = total/2; otherwise (SAME_LOWER or explicit output_shape) the larger half
      // goes first. Floor division keeps negative totals (output larger than natural) as extra end rows.
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
    }
  } else if (auto_pad == "NOTSET" && a.attrs.has("pads")) {
    std::vector<int64_t> pads = a.attrs.get_ints("pads");
    if (pads.size() != 2 * nsp) return a.error(ErrorCode::kShapeMismatch, "pads must have 2 values per spatial dim");
    g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(nsp));
  }
  const int64_t group = a.attrs.get_int("group", 1);
  const int64_t n_batch = x.dim(0), c_in = x.dim(1);
  if (group < 1 || w.dim(0) != c_in || c_in % group != 0) return a.error(ErrorCode::kShapeMismatch, "group mismatch");
  const int64_t cpg = c_in / group, mpg = w.dim(1), m_out = mpg * group;
  if (y.dim(0) != n_batch || y.dim(1) != m_out) return a.error(ErrorCode::kShapeMismatch, "output shape mismatch");
  const bool has_bias = a.has_input(2);
  if (has_bias && a.in(2).numel() != m_out) return a.error(ErrorCode::kShapeMismatch, "bias size mismatch");

  const int64_t in_plane = npukit::numel(in_sp), out_plane = npukit::numel(out_sp), k_plane = npukit::numel(g.kernel);
  std::vector<int64_t> out_strides(nsp, 1);
  for (size_t i = nsp - 1; i-- > 0;) out_strides[i] = out_strides[i + 1] * out_sp[i + 1];
  // Accumulate in double, then add bias and round once.
  std::vector<double> acc(static_cast<size_t>(y.numel()), 0.0);
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  if (in_plane > 0 && k_plane > 0) {
    std::vector<int64_t> ip(nsp, 0);
    std::vector<int64_t> k(nsp, 0);
    int64_t ipf = 0;
    do {
      int64_t kf = 0;
      std::fill(k.begin(), k.end(), 0);
      do {
        // Scatter: input position ip with tap k lands on output ip*stride - pad + k*dilation.
        int64_t off = 0;
        bool inside = true;
        for (size_t i = 0; i < nsp; ++i) {
          int64_t c = ip[i] * g.strides[i] - g.pad_begin[i] + k[i] * g.dilations[i];
          if (c < 0 || c >= out_sp[i]) {
            inside = false;
            break;
          }
          off += c * out_strides[i];
        }
        if (inside) {
          for (int64_t n = 0; n < n_batch; ++n)
            for (int64_t c = 0; c < c_in; ++c) {
              double xv = xd[(n * c_in + c) * in_plane + ipf];
              int64_t gi = c / cpg;
              for (int64_t mm = 0; mm < mpg; ++mm) {
                double wv = wd[(c * mpg + mm) * k_plane + kf];
                acc[static_cast<size_t>((n * m_out + gi * mpg + mm) * out_plane + off)] += xv * wv;
              }
            }
        }
        ++kf;
      } while (next_index(k, g.kernel));
      ++ipf;
    } while (next_index(ip, in_sp));
  }
  float* yd = y.data<float>();
  const float* bd = has_bias ? a.in(2).data<float>() : nullptr;
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < m_out; ++m)
      for (int64_t p = 0; p < out_plane; ++p) {
        size_t i = static_cast<size_t>((n * m_out + m) * out_plane + p);
        yd[i] = static_cast<float>(acc[i] + (bd ? bd[m] : 0.0));
      }
  return Status::Ok();
}

}  // namespace npukit::ref
