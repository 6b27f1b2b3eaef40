// SPDX-License-Identifier: Apache-2.0
// kernels/q8: pooling on 8-bit codes (NCHW): QAveragePool, QGlobalAveragePool (integer sums, one rounding as
// qref::qavgpool2d / qglobal_avgpool), MaxPool (2-D, any kernel / stride / dilation / pads / auto_pad, the
// output shape carries ceil_mode) and GlobalMaxPool. Windows are separable: a vertical pass over the valid
// input rows into a padded row buffer, then a horizontal pass; padding is the identity of the reduction. The MaxPool
// plane (maxpool_impl.h) runs compiled with AVX2 on tiers that have it (ResNet's 3x3 stride-2 pool 0.80x); planes
// with a horizontal stride 2 over 2 or 3 columns run ops_pool_avx512.cpp's kernel on AVX-512 with VBMI.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/q8/maxpool_impl.h"
#include "kernels/q8/ops_common.h"
#include "kernels/ref/qkernels.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"

namespace npukit::q8::ops {
namespace {

constexpr int64_t kMaxRow = kMaxPoolRow;  // row buffers live on the stack (no allocation in run())

/// Tasks over planes: about 64 K input elements each.
int64_t planes_per_task(int64_t plane_elems) {
  return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(plane_elems, 1));
}

/// fn(p0, p1) over the planes [p0, p1) of each task.
template <class Fn>
void for_plane_ranges(const Parallel* par, int64_t planes, int64_t plane_elems, Fn&& fn) {
  const int64_t per = planes_per_task(plane_elems);
  const int64_t tasks = (planes + per - 1) / per;
  parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) { fn(t * per, std::min(planes, t * per + per)); });
}

template <class Fn>
void for_planes(const Parallel* par, int64_t planes, int64_t plane_elems, Fn&& fn) {
  for_plane_ranges(par, planes, plane_elems, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) fn(p);
  });
}

/// Stores a code as the output dtype (code already inside its range).
template <class OutT>
inline void store(void* y, int64_t i, int32_t v) {
  static_cast<OutT*>(y)[i] = static_cast<OutT>(v);
}

// ---- average pools ---------------------------------------------------------------------------------------

class QAvgPoolOp final : public PreparedOp {
 public:
  /// Global pools sum their planes with `isa`'s byte sums (AVX2 tiers: byte_sums_avx2; the caller checked the CPU).
  QAvgPoolOp(qref::QPool2dParams p, DType xt, Shape xs, Shape ys, bool global, Isa isa, IoTypes io)
      : p_(p), xt_(xt), global_(global), io_(std::move(io)) {
    if (global_ && isa >= Isa::kAvx2) byte_sums_ = &byte_sums_avx2;
    n_ = xs[0], c_ = xs[1], h_ = xs[2], w_ = xs[3];
    oh_ = ys[2], ow_ = ys[3];
    if (global_) {
      p_.kernel_h = h_, p_.kernel_w = w_, p_.stride_h = p_.stride_w = 1;
      p_.pad_top = p_.pad_left = p_.pad_bottom = p_.pad_right = 0;
    }
    const int64_t kmax = p_.kernel_h * p_.kernel_w;
    if (p_.rescale) {
      mults_.resize(static_cast<size_t>(kmax) + 1);
      for (int64_t k = 1; k <= kmax; ++k) mults_[static_cast<size_t>(k)] = quant::avgpool_multiplier(p_.mult, k);
    }
  }

  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(global_ ? "QGlobalAveragePool" : "QAveragePool", ins, outs));
    const void* x = ins[0]->raw();
    void* y = outs[0].raw();
    const bool i8 = xt_ == DType::kI8;
    switch (p_.output_dtype) {
      case DType::kI16: return i8 ? go<int8_t, int16_t>(x, y, par) : go<uint8_t, int16_t>(x, y, par);
      case DType::kU8: return i8 ? go<int8_t, uint8_t>(x, y, par) : go<uint8_t, uint8_t>(x, y, par);
      default: return i8 ? go<int8_t, int8_t>(x, y, par) : go<uint8_t, int8_t>(x, y, par);
    }
  }
  const char* kernel_name() const override { return global_ ? "global_avgpool" : "avgpool_sep"; }
  size_t workspace_bytes() const override { return mults_.size() * sizeof(quant::QuantizedMultiplier); }

 private:
  /// Output code of a window: sum of codes minus zero point, `count` the divisor.
  int32_t finish(int64_t sum, int64_t count) const {
    if (p_.rescale)
      return quant::requantize(sum, mults_[static_cast<size_t>(count)], p_.output_zero_point, p_.out_range);
    const int64_t v = quant::div_round_half_up(sum, count);
    return quant::saturate(v + p_.output_zero_point, p_.out_range);
  }

  template <class InT, class OutT>
  Status go(const void* xv, void* yv, const Parallel* par) const {
    const InT* x = static_cast<const InT*>(xv);
    OutT* y = static_cast<OutT*>(yv);
    const int64_t plane = h_ * w_, oplane = oh_ * ow_;
    const int64_t zp = p_.input_zero_point;
    if (global_ && byte_sums_ != nullptr) {
      // int8 codes as bytes x ^ 0x80 = x + 128; the sums of up to kSumPlanes planes per call
      constexpr bool kI8 = std::is_same_v<InT, int8_t>;
      constexpr int64_t kSumPlanes = 64;
      const uint8_t* xb = reinterpret_cast<const uint8_t*>(x);
      const int64_t off = ((kI8 ? 128 : 0) + zp) * plane;  // (the byte sums minus this: the sums of x - zp)
      for_plane_ranges(par, n_ * c_, plane, [&](int64_t p0, int64_t p1) {
        int64_t sums[kSumPlanes];
        for (; p0 < p1; p0 += kSumPlanes) {
          const int64_t np = std::min(kSumPlanes, p1 - p0);
          byte_sums_(xb + p0 * plane, np, plane, kI8 ? 0x80 : 0, sums);
          for (int64_t i = 0; i < np; ++i) y[p0 + i] = static_cast<OutT>(finish(sums[i] - off, plane));
        }
      });
      return Status::Ok();
    }
    if (global_) {
      for_planes(par, n_ * c_, plane, [&](int64_t pl) {
        const InT* xp = x + pl * plane;
        int64_t sum = 0;
        for (int64_t i0 = 0; i0 < plane; i0 += (int64_t{1} << 20)) {
          const int64_t i1 = std::min(plane, i0 + (int64_t{1} << 20));
          int32_t s = 0;
          for (int64_t i = i0; i < i1; ++i) s += xp[i];
          sum += s;
        }
        y[pl] = static_cast<OutT>(finish(sum - zp * plane, plane));
      });
      return Status::Ok();
    }
    const int64_t kh = p_.kernel_h, kw = p_.kernel_w, sh = p_.stride_h, sw = p_.stride_w;
    const int64_t pt = p_.pad_top, pl = p_.pad_left, pb = p_.pad_bottom, pr = p_.pad_right;
    for_planes(par, n_ * c_, plane, [&](int64_t pi) {
      const InT* xp = x + pi * plane;
      OutT* yp = y + pi * oplane;
      int32_t col[kMaxRow];
      for (int64_t oy = 0; oy < oh_; ++oy) {
        const int64_t y0 = oy * sh - pt;
        const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min(y0 + kh, h_);
        const int64_t rows = std::max<int64_t>(yb - ya, 0);
        for (int64_t ix = 0; ix < w_; ++ix) col[ix] = 0;
        for (int64_t iy = ya; iy < yb; ++iy) {
          const InT* xr = xp + iy * w_;
          for (int64_t ix = 0; ix < w_; ++ix) col[ix] += xr[ix];
        }
        const int64_t fh = std::min(y0 + kh, h_ + pb) - y0;
        for (int64_t ox = 0; ox < ow_; ++ox) {
          const int64_t x0 = ox * sw - pl;
          const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min(x0 + kw, w_);
          int64_t s = 0;
          for (int64_t ix = xa; ix < xb; ++ix) s += col[ix];
          const int64_t cnt = rows * std::max<int64_t>(xb - xa, 0);
          const int64_t count = p_.count_include_pad ? fh * (std::min(x0 + kw, w_ + pr) - x0) : cnt;
          yp[oy * ow_ + ox] = static_cast<OutT>(finish(s - zp * cnt, count));
        }
      }
    });
    return Status::Ok();
  }

  qref::QPool2dParams p_;
  DType xt_;
  bool global_;
  IoTypes io_;
  int64_t n_ = 0, c_ = 0, h_ = 0, w_ = 0, oh_ = 0, ow_ = 0;
  std::vector<quant::QuantizedMultiplier> mults_;  // by window count (rescale only)
  void (*byte_sums_)(const uint8_t*, int64_t, int64_t, uint8_t, int64_t*) = nullptr;
};

// ---- max pools -------------------------------------------------------------------------------------------

class MaxPoolOp final : public PreparedOp {
 public:
  using Geom = MaxPoolGeom;
  /// The planes run on `isa`'s kernel (the caller checked the CPU): stride-2 windows of 2 or 3 columns on AVX-512
  /// with VBMI (maxpool_s2_plane_avx512), the separable loops compiled with AVX2 on the AVX2 tiers, else the baseline.
  MaxPoolOp(Geom g, DType t, bool global, Isa isa, IoTypes io) : g_(g), t_(t), global_(global), io_(std::move(io)) {
    if (!global && isa >= Isa::kAvx512Vnni && maxpool_s2_avx512_applies(g)) {
      plane_fn_ = &maxpool_s2_plane_avx512;
      kname_ = "maxpool_s2_avx512";
    } else if (!global && isa >= Isa::kAvx2) {
      plane_fn_ = &maxpool_plane_avx2;
      kname_ = "maxpool_sep_avx2";
    } else {
      plane_fn_ = &maxpool_plane_impl;
      kname_ = global ? "global_maxpool" : "maxpool_sep";
    }
  }

  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(global_ ? "GlobalMaxPool" : "MaxPool", ins, outs));
    if (t_ == DType::kI8)
      go<int8_t>(ins[0]->data<int8_t>(), outs[0].data<int8_t>(), par);
    else
      go<uint8_t>(ins[0]->data<uint8_t>(), outs[0].data<uint8_t>(), par);
    return Status::Ok();
  }
  const char* kernel_name() const override { return kname_; }

 private:
  template <class T>
  void go(const T* x, T* y, const Parallel* par) const {
    const int64_t plane = g_.h * g_.w, oplane = g_.oh * g_.ow;
    if (global_) {
      for_planes(par, g_.planes, plane, [&](int64_t p) {
        const T* xp = x + p * plane;
        T m = xp[0];
        for (int64_t i = 1; i < plane; ++i) m = xp[i] > m ? xp[i] : m;
        y[p] = m;
      });
      return;
    }
    // Works on unsigned bytes: int8 codes are flipped (x ^ 0x80 keeps their order), so the lowest value (the
    // padding / empty window of the reference) is byte 0 for both dtypes and max is the unsigned byte max.
    const uint8_t flip = std::is_same_v<T, int8_t> ? 0x80 : 0;
    const uint8_t* xb = reinterpret_cast<const uint8_t*>(x);
    uint8_t* yb = reinterpret_cast<uint8_t*>(y);
    for_planes(par, g_.planes, plane, [&](int64_t p) { plane_fn_(g_, xb + p * plane, yb + p * oplane, flip); });
  }

  Geom g_;
  DType t_;
  bool global_;
  MaxPoolPlaneFn plane_fn_ = nullptr;
  const char* kname_ = "maxpool_sep";
  IoTypes io_;
};

}  // namespace

PrepResult prepare_qavgpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                            bool global, Isa isa) {
  if (ins.size() != 1 || !all_present(ins) || outs.size() != 1) return not_covered();
  const DType xt = ins[0].dtype, yt = outs[0].dtype;
  const Shape& xs = ins[0].shape;
  if (!is_byte_code(xt) || xs.size() != 4 || outs[0].shape.size() != 4) return not_covered();
  NPUKIT_ASSIGN_OR_RETURN(qref::QPool2dParams p,
                          global ? qref::qglobal_avgpool_params(attrs) : qref::qavgpool_params(attrs));
  if (yt != p.output_dtype || !qref::is_activation_dtype(yt)) return not_covered();
  // Everything the reference validates: out of range -> let the reference report it.
  if (!qref::detail::check_zero_point(xt, p.input_zero_point, "x").ok() ||
      !qref::detail::check_output(yt, p.out_range, p.output_zero_point, "y").ok() ||
      (p.rescale && (p.mult.mult < 0 || p.mult.shift < -61 || p.mult.shift > 31)))
    return not_covered();
  const int64_t h = xs[2], w = xs[3];
  int64_t oh = 1, ow = 1;
  if (global) {
    if (h < 1 || w < 1) return not_covered();
  } else {
    const int64_t kh = p.kernel_h, kw = p.kernel_w, sh = p.stride_h, sw = p.stride_w;
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || p.pad_top < 0 || p.pad_left < 0 || p.pad_bottom < 0 ||
        p.pad_right < 0 || p.pad_top >= kh || p.pad_bottom >= kh || p.pad_left >= kw || p.pad_right >= kw)
      return not_covered();
    if (kh > 4096 || kw > 4096 || sh > 4096 || sw > 4096 || w > kMaxRow) return not_covered();
    if (h + p.pad_top + p.pad_bottom < kh || w + p.pad_left + p.pad_right < kw) return not_covered();
    oh = (h + p.pad_top + p.pad_bottom - kh) / sh + 1;
    ow = (w + p.pad_left + p.pad_right - kw) / sw + 1;
  }
  // Window sums of up to 2^23 codes fit int32 column sums; larger planes go to the reference.
  if (!global && h * w > (int64_t{1} << 23)) return not_covered();
  if (outs[0].shape != Shape{xs[0], xs[1], oh, ow}) return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(
      std::make_unique<QAvgPoolOp>(p, xt, xs, outs[0].shape, global, isa, std::move(io)));
}

PrepResult prepare_maxpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                           bool global, Isa isa) {
  if (ins.size() != 1 || !all_present(ins) || outs.size() != 1) return not_covered();  // Indices: reference
  const DType t = ins[0].dtype;
  const Shape& xs = ins[0].shape;
  const Shape& ys = outs[0].shape;
  if (!is_byte_code(t) || outs[0].dtype != t) return not_covered();
  MaxPoolOp::Geom g;
  if (global) {
    if (xs.size() < 3 || ys.size() != xs.size()) return not_covered();
    g.planes = xs[0] * xs[1];
    const int64_t plane = g.planes ? numel(xs) / g.planes : 0;
    if (plane < 1 || numel(ys) != g.planes) return not_covered();
    g.h = 1, g.w = plane, g.oh = 1, g.ow = 1;
    IoTypes io;
    io.set(ins, outs, 1);
    return std::unique_ptr<PreparedOp>(std::make_unique<MaxPoolOp>(g, t, true, Isa::kScalar, std::move(io)));
  }
  if (xs.size() != 4 || ys.size() != 4 || ys[0] != xs[0] || ys[1] != xs[1]) return not_covered();
  const std::vector<int64_t> k = attrs.get_ints("kernel_shape");
  const std::vector<int64_t> s = attrs.has("strides") ? attrs.get_ints("strides") : std::vector<int64_t>{1, 1};
  const std::vector<int64_t> d = attrs.has("dilations") ? attrs.get_ints("dilations") : std::vector<int64_t>{1, 1};
  const std::vector<int64_t> pads = attrs.has("pads") ? attrs.get_ints("pads") : std::vector<int64_t>{0, 0, 0, 0};
  if (k.size() != 2 || s.size() != 2 || d.size() != 2 || pads.size() != 4) return not_covered();
  g.planes = xs[0] * xs[1];
  g.h = xs[2], g.w = xs[3], g.oh = ys[2], g.ow = ys[3];
  g.kh = k[0], g.kw = k[1], g.sh = s[0], g.sw = s[1], g.dh = d[0], g.dw = d[1];
  // Begin pads exactly as the reference derives them (auto_pad from the inferred output shape).
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  int64_t begin[2] = {0, 0};
  const int64_t in[2] = {g.h, g.w}, out[2] = {g.oh, g.ow};
  for (int i = 0; i < 2; ++i) {
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t ek = (k[i] - 1) * d[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + ek - in[i]);
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    } else if (auto_pad == "NOTSET") {
      begin[i] = pads[static_cast<size_t>(i)];
    }
  }
  g.pt = begin[0], g.pl = begin[1];
  for (int64_t v : {g.kh, g.kw, g.sh, g.sw, g.dh, g.dw})
    if (v < 1 || v > 4096) return not_covered();
  if (g.pt < 0 || g.pl < 0 || g.pt > 4096 || g.pl > 4096 || g.w > kMaxRow || g.oh < 0 || g.ow < 0) return not_covered();
  // Row buffer: padded input row [-pl, ...) covering every tap of every output column.
  const int64_t last_tap = g.ow > 0 ? (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 : 0;
  g.buf = std::max(g.pl + g.w, last_tap);
  if (g.buf > kMaxRow) return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<MaxPoolOp>(g, t, false, isa, std::move(io)));
}

}  // namespace npukit::q8::ops
