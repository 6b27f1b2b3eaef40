// SPDX-License-Identifier: Apache-2.0
// kernels/fast: 4-D Resize in modes nearest (f32 and integer dtypes) and linear (f32) with every coordinate
// transformation except tf_crop_and_resize (that one, cubic and other ranks go to ref::ref_Resize).
//
// The per-axis source indices and weights are computed once per call with exactly the reference's
// expressions (kernels/ref/resize.cpp, which follows the ONNX reference implementation), and every output
// element is summed in double in the reference's tap order: the result is bit-identical to ref_Resize. The
// speed comes from looping output rows with precomputed row pointers instead of decoding every output
// index and walking per-element tap lists.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/fast/fast_kernels.h"
#include "kernels/ref/resize_coord.h"

namespace npukit::fast {

namespace {

struct Tap {
  int64_t index = 0;
  double weight = 0;
};

// Up to two taps per output coordinate (nearest: one, linear: one or two).
struct AxisTaps {
  std::vector<Tap> tap;        // 2 per output coordinate
  std::vector<uint8_t> count;  // per output coordinate
};

// Same arithmetic as ref_Resize's per-axis map for modes nearest / linear (no crop).
AxisTaps axis_taps(const std::string& ctm, bool nearest, const std::string& nm, int64_t in_len, int64_t out_len,
                   double scale, double len_resized) {
  const double len_in = static_cast<double>(in_len);
  AxisTaps m;
  m.tap.resize(static_cast<size_t>(2 * out_len));
  m.count.assign(static_cast<size_t>(out_len), 0);
  for (int64_t o = 0; o < out_len; ++o) {
    const double xr = static_cast<double>(o);
    double xo = ref::resize_source_coord(ctm, xr, scale, len_in, len_resized, out_len);
    if (!std::isfinite(xo)) xo = 0;
    xo = std::clamp(xo, -4.0, len_in + 4.0);
    const double fl = std::floor(xo);
    const int64_t base = static_cast<int64_t>(fl);
    const double r = xo - fl;
    auto clampi = [in_len](int64_t i) { return std::clamp<int64_t>(i, 0, in_len - 1); };
    Tap* t = &m.tap[static_cast<size_t>(2 * o)];
    uint8_t& n = m.count[static_cast<size_t>(o)];
    if (nearest) {
      int64_t idx = base;
      if (r != 0) {
        if (nm == "ceil")
          idx = base + 1;
        else if (nm == "round_prefer_floor")
          idx = r <= 0.5 ? base : base + 1;
        else if (nm == "round_prefer_ceil")
          idx = r < 0.5 ? base : base + 1;
      }
      t[n++] = {clampi(idx), 1.0};
    } else {
      if (r != 1.0) t[n++] = {clampi(base), 1.0 - r};
      if (r != 0.0) t[n++] = {clampi(base + 1), r};
    }
  }
  return m;
}

// Nearest: one tap of weight 1 per axis, so every output element is one input element.
// For f32 the reference computes 0.0 + 1 * x in double, which is x except that -0.0 becomes +0.0; `+ 0.f`
// does the same in float. Other dtypes are copied as they are (the reference's integer path).
template <class T>
void resize_nearest(const AxisTaps* maps, const Tensor& x, Tensor& y) {
  const int64_t ic = x.dim(1), ih = x.dim(2), iw = x.dim(3);
  const int64_t on = y.dim(0), oc = y.dim(1), oh = y.dim(2), ow = y.dim(3);
  const T* xd = static_cast<const T*>(x.raw());
  T* dst = static_cast<T*>(y.raw());
  std::vector<int64_t> col(static_cast<size_t>(ow));
  for (int64_t o = 0; o < ow; ++o) col[static_cast<size_t>(o)] = maps[3].tap[static_cast<size_t>(2 * o)].index;
  for (int64_t n = 0; n < on; ++n)
    for (int64_t c = 0; c < oc; ++c) {
      const int64_t in_n = maps[0].tap[static_cast<size_t>(2 * n)].index;
      const int64_t in_c = maps[1].tap[static_cast<size_t>(2 * c)].index;
      const T* plane = xd + (in_n * ic + in_c) * ih * iw;
      for (int64_t oy = 0; oy < oh; ++oy, dst += ow) {
        const T* src = plane + maps[2].tap[static_cast<size_t>(2 * oy)].index * iw;
        if constexpr (std::is_same_v<T, float>) {
          for (int64_t o = 0; o < ow; ++o) dst[o] = src[col[static_cast<size_t>(o)]] + 0.f;
        } else {
          for (int64_t o = 0; o < ow; ++o) dst[o] = src[col[static_cast<size_t>(o)]];
        }
      }
    }
}

struct Row {
  const float* src;
  double weight;  // product of the N, C and H tap weights, multiplied in the reference's order
};

}  // namespace

Status fast_Resize(const ref::KernelArgs& a) {
  if (a.num_inputs() < 1 || !a.has_input(0) || a.outputs.empty()) return ref::ref_Resize(a);
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  if (x.rank() != 4 || y.rank() != 4 || y.dtype() != x.dtype()) return ref::ref_Resize(a);
  const std::string mode = a.attrs.get_string("mode");
  const std::string ctm = a.attrs.get_string("coordinate_transformation_mode");
  const std::string nm = a.attrs.get_string("nearest_mode");
  if ((mode != "nearest" && mode != "linear") || ctm == "tf_crop_and_resize") return ref::ref_Resize(a);
  const bool nearest = mode == "nearest";
  const size_t es = dtype_size(x.dtype());
  // Linear needs f32; nearest copies elements of any fixed-size dtype (as the reference's integer path).
  if (nearest ? (es != 1 && es != 2 && es != 4 && es != 8) : x.dtype() != DType::kF32) return ref::ref_Resize(a);
  const bool has_scales = a.has_input(2) && a.in(2).numel() > 0;
  if (has_scales && a.in(2).numel() != 4) return ref::ref_Resize(a);
  for (size_t d = 0; d < 4; ++d)
    if (y.dim(d) > 0 && x.dim(d) == 0) return ref::ref_Resize(a);
  if (y.numel() == 0) return Status::Ok();

  AxisTaps maps[4];
  for (size_t d = 0; d < 4; ++d) {
    const int64_t in_len = x.dim(d), out_len = y.dim(d);
    const double scale = has_scales ? static_cast<double>(static_cast<float>(a.in(2).get_as_double(d)))
                                    : static_cast<double>(out_len) / static_cast<double>(in_len ? in_len : 1);
    const double len_resized = has_scales ? static_cast<double>(in_len) * scale : static_cast<double>(out_len);
    maps[d] = axis_taps(ctm, nearest, nm, in_len, out_len, scale, len_resized);
  }
  const int64_t ic = x.dim(1), ih = x.dim(2), iw = x.dim(3);
  const int64_t on = y.dim(0), oc = y.dim(1), oh = y.dim(2), ow = y.dim(3);
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  const AxisTaps &mn = maps[0], &mc = maps[1], &mh = maps[2], &mw = maps[3];

  if (nearest) {
    switch (dtype_size(x.dtype())) {
      case 1: resize_nearest<uint8_t>(maps, x, y); break;
      case 2: resize_nearest<uint16_t>(maps, x, y); break;
      case 8: resize_nearest<uint64_t>(maps, x, y); break;
      default:
        if (x.dtype() == DType::kF32)
          resize_nearest<float>(maps, x, y);
        else
          resize_nearest<uint32_t>(maps, x, y);
    }
    return Status::Ok();
  }

  // Linear: the reference sums over the cartesian product of the per-axis taps in order (N, C, H, W with W
  // fastest), weight ((1 * wn) * wc) * wh) * ww, accumulating in double from 0. Rows list the (N, C, H)
  // part of that product for one output row, in the same order.
  std::vector<Row> rows;
  rows.reserve(16);
  for (int64_t n = 0; n < on; ++n)
    for (int64_t c = 0; c < oc; ++c)
      for (int64_t oy = 0; oy < oh; ++oy) {
        rows.clear();
        for (uint8_t tn = 0; tn < mn.count[static_cast<size_t>(n)]; ++tn) {
          const Tap& an = mn.tap[static_cast<size_t>(2 * n + tn)];
          for (uint8_t tc = 0; tc < mc.count[static_cast<size_t>(c)]; ++tc) {
            const Tap& ac = mc.tap[static_cast<size_t>(2 * c + tc)];
            const double wnc = 1.0 * an.weight * ac.weight;
            for (uint8_t th = 0; th < mh.count[static_cast<size_t>(oy)]; ++th) {
              const Tap& ah = mh.tap[static_cast<size_t>(2 * oy + th)];
              rows.push_back({xd + ((an.index * ic + ac.index) * ih + ah.index) * iw, wnc * ah.weight});
            }
          }
        }
        float* dst = yd + ((n * oc + c) * oh + oy) * ow;
        if (rows.size() == 1 && rows[0].weight == 1.0) {
          // Only the width is interpolated on this row (the common upsampling case keeps N and C).
          const float* src = rows[0].src;
          for (int64_t o = 0; o < ow; ++o) {
            const Tap* t = &mw.tap[static_cast<size_t>(2 * o)];
            double acc = 0;
            acc += t[0].weight * static_cast<double>(src[t[0].index]);
            if (mw.count[static_cast<size_t>(o)] > 1) acc += t[1].weight * static_cast<double>(src[t[1].index]);
            dst[o] = static_cast<float>(acc);
          }
          continue;
        }
        for (int64_t o = 0; o < ow; ++o) {
          const Tap* t = &mw.tap[static_cast<size_t>(2 * o)];
          const uint8_t cnt = mw.count[static_cast<size_t>(o)];
          double acc = 0;
          for (const Row& r : rows)
            for (uint8_t k = 0; k < cnt; ++k) acc += (r.weight * t[k].weight) * static_cast<double>(r.src[t[k].index]);
          dst[o] = static_cast<float>(acc);
        }
      }
  return Status::Ok();
}

}  // namespace npukit::fast
