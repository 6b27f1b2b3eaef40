// SPDX-License-Identifier: Apache-2.0
// Reference kernels for Resize (nearest / linear / cubic, N-D, all opset <= 19 coordinate transformations),
// DepthToSpace (DCR / CRD) and SpaceToDepth (any dtype: pure data movement).
//
// Resize is separable: for every axis we precompute, per output coordinate, the list of (input index,
// weight) taps, then each output element sums the product of the per-axis taps. Semantics follow the ONNX
// reference implementation (which generated the conformance data), including two details the prose spec
// leaves open:
//  - "length_resized" is in_len * scale as a real number when scales are given (not the floored output
//    length); align_corners / pytorch_half_pixel / tf_crop_and_resize use it.
//  - pytorch_half_pixel maps to -0.5 (not 0) when the resized length is 1.
// Out-of-range taps read the edge element (edge padding) except with exclude_outside, where their weight is
// dropped and the remaining weights renormalised.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/resize_coord.h"

namespace npukit::ref {
namespace {

struct Tap {
  int64_t index;
  double weight;
};

struct AxisMap {
  std::vector<std::vector<Tap>> taps;  // per output coordinate
  std::vector<bool> outside;           // tf_crop_and_resize: coordinate outside the input → extrapolation value
};

bool non_empty(const KernelArgs& a, size_t i) {
  return a.has_input(i) && a.in(i).numel() > 0;
}

std::vector<double> cubic_coeffs(double r, double A) {
  // Keys cubic convolution weights for taps at offsets -1, 0, +1, +2 from floor(x); r = x - floor(x).
  auto w = [A](double t) {
    t = std::fabs(t);
    if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    return 0.0;
  };
  return {w(1 + r), w(r), w(1 - r), w(2 - r)};
}

}  // namespace

Status ref_Resize(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  const size_t rank = x.rank();
  if (y.rank() != rank) return a.error(ErrorCode::kShapeMismatch, "output rank mismatch");
  const std::string mode = a.attrs.get_string("mode");
  const std::string ctm = a.attrs.get_string("coordinate_transformation_mode");
  const std::string nm = a.attrs.get_string("nearest_mode");
  const double cubic_a = a.attrs.get_float("cubic_coeff_a");
  const bool exclude_outside = a.attrs.get_int("exclude_outside") != 0;
  const float extrapolation = a.attrs.get_float("extrapolation_value");
  const bool crop = ctm == "tf_crop_and_resize";
  const bool has_scales = non_empty(a, 2);
  if (has_scales && a.in(2).numel() != static_cast<int64_t>(rank))
    return a.error(ErrorCode::kShapeMismatch, "scales size mismatch");
  std::vector<double> roi(2 * rank, 0.0);
  for (size_t i = 0; i < rank; ++i) roi[rank + i] = 1.0;
  if (crop) {
    if (!non_empty(a, 1) || a.in(1).numel() != static_cast<int64_t>(2 * rank))
      return a.error(ErrorCode::kShapeMismatch, "roi must have 2*rank values");
    for (size_t i = 0; i < 2 * rank; ++i) roi[i] = a.in(1).get_as_double(static_cast<int64_t>(i));
  }

  std::vector<AxisMap> maps(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in_len = x.dim(d), out_len = y.dim(d);
    if (out_len > 0 && in_len == 0) return a.error(ErrorCode::kShapeMismatch, "cannot resize an empty dim");
    const double scale = has_scales ? static_cast<double>(static_cast<float>(a.in(2).get_as_double(d)))
                                    : static_cast<double>(out_len) / static_cast<double>(in_len ? in_len : 1);
    const double len_resized = has_scales ? static_cast<double>(in_len) * scale : static_cast<double>(out_len);
    const double len_in = static_cast<double>(in_len);
    AxisMap& m = maps[d];
    m.taps.resize(static_cast<size_t>(out_len));
    m.outside.assign(static_cast<size_t>(out_len), false);
    for (int64_t o = 0; o < out_len; ++o) {
      const double xr = static_cast<double>(o);
      double xo = 0;
      // The operation order mirrors the ONNX reference so nearest-mode ties resolve identically.
      if (crop) {
        const double start = roi[d], end = roi[rank + d];
        xo =
            len_resized == 1 ? (end - start) * (len_in - 1) / 2 : xr * (end - start) * (len_in - 1) / (len_resized - 1);
        xo += start * (len_in - 1);
        if (xo < 0 || xo > len_in - 1) {
          m.outside[static_cast<size_t>(o)] = true;
          continue;
        }
      } else {
        xo = resize_source_coord(ctm, xr, scale, len_in, len_resized, out_len);
      }
      if (!std::isfinite(xo)) xo = 0;
      // Keep indices bounded; every transform above stays within [-1, in_len] for sane scales anyway.
      xo = std::clamp(xo, -4.0, len_in + 4.0);
      const double fl = std::floor(xo);
      const int64_t base = static_cast<int64_t>(fl);
      const double r = xo - fl;
      auto clampi = [in_len](int64_t i) { return std::clamp<int64_t>(i, 0, in_len - 1); };
      std::vector<Tap>& taps = m.taps[static_cast<size_t>(o)];
      if (mode == "nearest") {
        int64_t idx = base;
        if (r != 0) {
          if (nm == "ceil")
            idx = base + 1;
          else if (nm == "round_prefer_floor")
            idx = r <= 0.5 ? base : base + 1;
          else if (nm == "round_prefer_ceil")
            idx = r < 0.5 ? base : base + 1;
          // "floor": base
        }
        taps.push_back({clampi(idx), 1.0});
      } else if (mode == "linear") {
        if (r != 1.0) taps.push_back({clampi(base), 1.0 - r});
        if (r != 0.0) taps.push_back({clampi(base + 1), r});
      } else {  // cubic
        std::vector<double> c = cubic_coeffs(r, cubic_a);
        double sum = 0;
        for (int k = 0; k < 4; ++k) {
          int64_t idx = base - 1 + k;
          if (exclude_outside && (idx < 0 || idx >= in_len)) c[k] = 0;
          sum += c[k];
        }
        for (int k = 0; k < 4; ++k) {
          double w = exclude_outside ? (sum != 0 ? c[k] / sum : 0.0) : c[k];
          if (w != 0) taps.push_back({clampi(base - 1 + k), w});
        }
      }
    }
  }

  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * x.dim(i);
  if (x.dtype() != DType::kF32) {
    // Integer codes (nearest mode only, checked by inference): each output element copies its one source.
    if (mode != "nearest" || crop || y.dtype() != x.dtype())
      return a.error(ErrorCode::kUnsupportedAttr, "integer input needs mode nearest without crop");
    const size_t es = dtype_size(x.dtype());
    const auto* src = static_cast<const uint8_t*>(x.raw());
    auto* dst = static_cast<uint8_t*>(y.raw());
    std::vector<int64_t> idx(rank, 0);
    for (int64_t flat = 0; flat < y.numel(); ++flat) {
      int64_t rem = flat, off = 0;
      for (size_t d = rank; d-- > 0;) {
        const int64_t o = rem % y.dim(d);
        rem /= y.dim(d);
        const std::vector<Tap>& t = maps[d].taps[static_cast<size_t>(o)];
        if (t.empty()) return a.error(ErrorCode::kInternal, "nearest resize without a source index");
        off += t[0].index * in_strides[d];
      }
      std::memcpy(dst + static_cast<size_t>(flat) * es, src + static_cast<size_t>(off) * es, es);
    }
    return Status::Ok();
  }
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  std::vector<int64_t> oc(rank, 0);
  std::vector<const std::vector<Tap>*> cur(rank);
  std::vector<size_t> ti(rank, 0);
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    int64_t rem = flat;
    bool outside = false;
    for (size_t d = rank; d-- > 0;) {
      oc[d] = rem % y.dim(d);
      rem /= y.dim(d);
      if (maps[d].outside[static_cast<size_t>(oc[d])]) outside = true;
      cur[d] = &maps[d].taps[static_cast<size_t>(oc[d])];
    }
    if (outside) {
      yd[flat] = extrapolation;
      continue;
    }
    bool empty = false;
    for (size_t d = 0; d < rank; ++d) empty = empty || cur[d]->empty();
    if (empty) {
      yd[flat] = 0.f;
      continue;
    }
    // Sum over the cartesian product of the per-axis taps.
    std::fill(ti.begin(), ti.end(), 0);
    double acc = 0;
    while (true) {
      double w = 1;
      int64_t off = 0;
      for (size_t d = 0; d < rank; ++d) {
        const Tap& t = (*cur[d])[ti[d]];
        w *= t.weight;
        off += t.index * in_strides[d];
      }
      acc += w * xd[off];
      bool done = true;
      for (size_t d = rank; d-- > 0;) {
        if (++ti[d] < cur[d]->size()) {
          done = false;
          break;
        }
        ti[d] = 0;
      }
      if (done) break;
    }
    yd[flat] = static_cast<float>(acc);
  }
  return Status::Ok();
}

namespace {

/// Shared by DepthToSpace and SpaceToDepth: copies element (n, c, h, w) of the DEPTH-side tensor to/from the
/// space-side tensor, with the channel index split as chosen by `mode`.
Status depth_space(const KernelArgs& a, bool to_space) {
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  const int64_t b = a.attrs.get_int("blocksize");
  const Tensor& depth = to_space ? x : y;
  const Tensor& space = to_space ? y : x;
  if (x.rank() != 4 || y.rank() != 4 || b < 1 || x.dtype() != y.dtype())
    return a.error(ErrorCode::kShapeMismatch, "expected rank-4 tensors and blocksize >= 1");
  const int64_t n = depth.dim(0), cd = depth.dim(1), h = depth.dim(2), w = depth.dim(3);
  const int64_t cs = cd / (b * b);
  if (cs * b * b != cd || space.dim(1) != cs || space.dim(2) != h * b || space.dim(3) != w * b || space.dim(0) != n)
    return a.error(ErrorCode::kShapeMismatch, "shapes do not match blocksize ", b);
  // SpaceToDepth uses the DCR channel order.
  const bool crd = to_space && a.attrs.get_string("mode", "DCR") == "CRD";
  const size_t es = dtype_size(x.dtype());
  const auto* src = static_cast<const unsigned char*>(x.raw());
  auto* dst = static_cast<unsigned char*>(y.raw());
  for (int64_t in = 0; in < n; ++in)
    for (int64_t c = 0; c < cs; ++c)
      for (int64_t i = 0; i < b; ++i)
        for (int64_t j = 0; j < b; ++j) {
          const int64_t dc = crd ? c * b * b + i * b + j : (i * b + j) * cs + c;
          for (int64_t hh = 0; hh < h; ++hh)
            for (int64_t ww = 0; ww < w; ++ww) {
              const int64_t di = ((in * cd + dc) * h + hh) * w + ww;
              const int64_t si = ((in * cs + c) * (h * b) + hh * b + i) * (w * b) + ww * b + j;
              const int64_t from = to_space ? di : si, to = to_space ? si : di;
              std::memcpy(dst + static_cast<size_t>(to) * es, src + static_cast<size_t>(from) * es, es);
            }
        }
  return Status::Ok();
}

}  // namespace

Status ref_DepthToSpace(const KernelArgs& a) {
  return depth_space(a, true);
}
Status ref_SpaceToDepth(const KernelArgs& a) {
  return depth_space(a, false);
}

}  // namespace npukit::ref
