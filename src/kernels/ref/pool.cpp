// SPDX-License-Identifier: Apache-2.0
// Reference kernels for MaxPool (f32/u8/i8, optional int64 Indices), AveragePool, GlobalAveragePool,
// GlobalMaxPool. N-D. Output shapes come from shape inference; the kernels re-derive the begin/end pads.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {
namespace {

struct PoolGeom {
  size_t nsp = 0;
  std::vector<int64_t> in, out, kernel, strides, dil, pad_begin, pad_end;
  int64_t in_plane = 1, out_plane = 1;
};

Expected<PoolGeom> pool_geom(const KernelArgs& a, bool has_dilations) {
  const Tensor& x = a.in(0);
  const Tensor& y = a.out(0);
  PoolGeom g;
  if (x.rank() < 3 || y.rank() != x.rank() || y.dim(0) != x.dim(0) || y.dim(1) != x.dim(1))
    return a.error(ErrorCode::kShapeMismatch, "unexpected shapes ", shape_str(x.shape()), " -> ", shape_str(y.shape()));
  g.nsp = x.rank() - 2;
  const size_t n = g.nsp;
  g.in.assign(x.shape().begin() + 2, x.shape().end());
  g.out.assign(y.shape().begin() + 2, y.shape().end());
  g.kernel = a.attrs.get_ints("kernel_shape");
  g.strides = a.attrs.has("strides") ? a.attrs.get_ints("strides") : std::vector<int64_t>(n, 1);
  g.dil = has_dilations && a.attrs.has("dilations") ? a.attrs.get_ints("dilations") : std::vector<int64_t>(n, 1);
  std::vector<int64_t> pads = a.attrs.has("pads") ? a.attrs.get_ints("pads") : std::vector<int64_t>(2 * n, 0);
  if (g.kernel.size() != n || g.strides.size() != n || g.dil.size() != n || pads.size() != 2 * n)
    return a.error(ErrorCode::kShapeMismatch, "pooling attributes do not match the spatial rank");
  std::string auto_pad = a.attrs.get_string("auto_pad", "NOTSET");
  g.pad_begin.assign(n, 0);
  g.pad_end.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t ek = (g.kernel[i] - 1) * g.dil[i] + 1;
      int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * g.strides[i] + ek - g.in[i]);
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_end[i] = total - g.pad_begin[i];
    } else if (auto_pad == "NOTSET") {
      g.pad_begin[i] = pads[i];
      g.pad_end[i] = pads[n + i];
    }
    g.in_plane *= g.in[i];
    g.out_plane *= g.out[i];
  }
  return g;
}

/// Visits every window of every (n, c) plane: fn(plane_index, out_pos, taps) where taps are the flat in-plane
/// offsets of the window's in-bounds elements; `padded_count` is the number of window positions inside the
/// padded extent [-pad_begin, in + pad_end) (the count_include_pad divisor).
template <class Fn>
void for_each_window(const PoolGeom& g, Fn fn) {
  const size_t n = g.nsp;
  std::vector<int64_t> o(n, 0), k(n, 0), in_strides(n, 1);
  for (size_t i = n - 1; i-- > 0;) in_strides[i] = in_strides[i + 1] * g.in[i + 1];
  std::vector<int64_t> taps;
  for (int64_t op = 0; op < g.out_plane; ++op) {
    int64_t rem = op;
    for (size_t i = n; i-- > 0;) {
      o[i] = rem % g.out[i];
      rem /= g.out[i];
    }
    taps.clear();
    int64_t padded_count = 0;
    std::fill(k.begin(), k.end(), 0);
    do {
      bool inside = true, in_padded = true;
      int64_t off = 0;
      for (size_t i = 0; i < n; ++i) {
        int64_t c = o[i] * g.strides[i] - g.pad_begin[i] + k[i] * g.dil[i];
        if (c < 0 || c >= g.in[i]) inside = false;
        if (c < -g.pad_begin[i] || c >= g.in[i] + g.pad_end[i]) in_padded = false;
        off += c * in_strides[i];
      }
      if (inside) taps.push_back(off);
      if (in_padded) ++padded_count;
    } while (next_index(k, g.kernel));
    fn(op, taps, padded_count);
  }
}

template <class T>
Status max_pool(const KernelArgs& a, const PoolGeom& g) {
  const Tensor& x = a.in(0);
  const int64_t planes = x.dim(0) * x.dim(1);
  const T* xd = x.data<T>();
  T* yd = a.out(0).data<T>();
  int64_t* id = nullptr;
  if (a.outputs.size() > 1 && !a.out(1).empty()) {
    if (a.out(1).dtype() != DType::kI64 || a.out(1).numel() != a.out(0).numel())
      return a.error(ErrorCode::kShapeMismatch, "Indices output must be i64 shaped like Y");
    id = a.out(1).data<int64_t>();
  }
  const bool col_major = a.attrs.get_int("storage_order") == 1;
  // Column-major in-plane offsets for storage_order=1 (ONNX: indices computed as if the spatial dims were
  // stored column-major; batch/channel offsets are unchanged).
  auto to_col_major = [&](int64_t off) {
    int64_t r = 0, mul = 1;
    std::vector<int64_t> c(g.nsp);
    for (size_t i = g.nsp; i-- > 0;) {
      c[i] = off % g.in[i];
      off /= g.in[i];
    }
    for (size_t i = 0; i < g.nsp; ++i) {
      r += c[i] * mul;
      mul *= g.in[i];
    }
    return r;
  };
  for_each_window(g, [&](int64_t op, const std::vector<int64_t>& taps, int64_t) {
    for (int64_t p = 0; p < planes; ++p) {
      const T* xp = xd + p * g.in_plane;
      // An all-padding window has no element: emit the lowest value (cannot happen with the ceil_mode rule).
      T best = std::numeric_limits<T>::lowest();
      int64_t best_off = -1;
      for (int64_t off : taps)
        if (best_off < 0 || xp[off] > best) {
          best = xp[off];
          best_off = off;
        }
      yd[p * g.out_plane + op] = best;
      if (id) {
        int64_t in_plane_idx = best_off < 0 ? 0 : (col_major ? to_col_major(best_off) : best_off);
        id[p * g.out_plane + op] = p * g.in_plane + in_plane_idx;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

Status ref_MaxPool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(PoolGeom g, pool_geom(a, true));
  switch (a.in(0).dtype()) {
    case DType::kF32: return max_pool<float>(a, g);
    case DType::kU8: return max_pool<uint8_t>(a, g);
    case DType::kI8: return max_pool<int8_t>(a, g);
    default: return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(a.in(0).dtype()), " not supported");
  }
}

Status ref_AveragePool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(PoolGeom g, pool_geom(a, false));
  const Tensor& x = a.in(0);
  const int64_t planes = x.dim(0) * x.dim(1);
  const float* xd = x.data<float>();
  float* yd = a.out(0).data<float>();
  const bool include_pad = a.attrs.get_int("count_include_pad") != 0;
  for_each_window(g, [&](int64_t op, const std::vector<int64_t>& taps, int64_t padded_count) {
    const int64_t div = include_pad ? padded_count : static_cast<int64_t>(taps.size());
    for (int64_t p = 0; p < planes; ++p) {
      const float* xp = xd + p * g.in_plane;
      double acc = 0;
      for (int64_t off : taps) acc += xp[off];
      yd[p * g.out_plane + op] = div > 0 ? static_cast<float>(acc / static_cast<double>(div)) : 0.f;
    }
  });
  return Status::Ok();
}

namespace {

/// Max over each plane; T is float or an integer code type (the max of codes is exact).
template <class T>
void global_max(const Tensor& x, Tensor& y, int64_t planes, int64_t plane) {
  const T* xd = x.data<T>();
  T* yd = y.data<T>();
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = xd + p * plane;
    T m = xp[0];
    for (int64_t i = 1; i < plane; ++i) m = xp[i] > m ? xp[i] : m;
    yd[p] = m;
  }
}

Status global_pool(const KernelArgs& a, bool is_max) {
  const Tensor& x = a.in(0);
  if (x.rank() < 3) return a.error(ErrorCode::kShapeMismatch, "X rank < 3");
  const int64_t planes = x.dim(0) * x.dim(1);
  const int64_t plane = planes ? x.numel() / planes : 0;
  if (a.out(0).numel() != planes) return a.error(ErrorCode::kShapeMismatch, "output size mismatch");
  if (plane == 0 && planes > 0) return a.error(ErrorCode::kShapeMismatch, "empty spatial extent");
  if (a.out(0).dtype() != x.dtype()) return a.error(ErrorCode::kInternal, "output dtype differs from X");
  if (is_max) {
    switch (x.dtype()) {
      case DType::kF32: global_max<float>(x, a.out(0), planes, plane); return Status::Ok();
      case DType::kU8: global_max<uint8_t>(x, a.out(0), planes, plane); return Status::Ok();
      case DType::kI8: global_max<int8_t>(x, a.out(0), planes, plane); return Status::Ok();
      default: return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(x.dtype()), " not supported");
    }
  }
  if (x.dtype() != DType::kF32) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(x.dtype()));
  const float* xd = x.data<float>();
  float* yd = a.out(0).data<float>();
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = xd + p * plane;
    double acc = 0;
    for (int64_t i = 0; i < plane; ++i) acc += xp[i];
    yd[p] = static_cast<float>(acc / static_cast<double>(plane));
  }
  return Status::Ok();
}

}  // namespace

Status ref_GlobalAveragePool(const KernelArgs& a) {
  return global_pool(a, false);
}
Status ref_GlobalMaxPool(const KernelArgs& a) {
  return global_pool(a, true);
}

}  // namespace npukit::ref
