// SPDX-License-Identifier: Apache-2.0
// kernels/q8: depthwise convolution (one input channel per group). Per (image, group) the input plane becomes
// int16 pair planes of x - zp (dw_kernels.h: zero padding, stride phases, horizontally adjacent taps paired),
// then per output channel and block of output rows (the whole plane when it is small) the tier's accumulate kernel
// (one vpmaddwd per tap pair and 8 outputs), one requantization call and one store. No per-call allocation after
// warm-up (per-thread scratch). Called by conv2d (conv.cpp) after the shared checks.
#include <algorithm>
#include <cstring>

#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/engine.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8::detail {

namespace {

/// Per-thread buffers of the depthwise kernel (grown on demand, reused across calls).
struct DwScratch {
  std::vector<int16_t> planes, row;
  std::vector<int32_t> acc, codes, wpair;
};

DwScratch& dw_scratch() {
  thread_local DwScratch s;
  return s;
}

template <class T>
void grow(std::vector<T>& v, int64_t n) {
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
}

const DwKernels& dw_kernels_for(Isa isa) {
  return isa >= Isa::kAvx2 ? dw_kernels_avx2() : dw_kernels_scalar();
}

/// One tap pair of the plan: source offset (in pairs) and the flat weight indices (kb < 0: weight 0).
struct DwTap {
  int64_t off, ka, kb;
};

}  // namespace

Status conv2d_depthwise(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                        const Parallel* par) {
  const qref::QConv2dParams& p = pc.p_;
  const Ukernels& uk = *pc.uk_;
  const DwKernels& dk = dw_kernels_for(pc.isa());
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t kh = pc.kh_, kw = pc.kw_, taps = kh * kw, group = p.group, cog = pc.cog_;
  const bool per_channel = p.out_mult.size() != 1;

  DwGeom g;
  g.h = x.dim(2);
  g.w = x.dim(3);
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.hp = g.h + p.pad_top + p.pad_bottom;
  g.wp = g.w + p.pad_left + p.pad_right;
  g.sh = p.stride_h;
  g.sw = p.stride_w;
  g.dw = p.dilation_w;
  if (g.sw == 1 && kw >= 2) {
    g.mode = DwMode::kPairs1;
    g.ws = g.wp;
  } else if (g.sw == 2 && g.dw == 1 && kw >= 2) {
    g.mode = DwMode::kPairs2;
    g.ws = (g.wp + 1) / 2;
  } else {
    g.mode = DwMode::kSingle;
    g.ws = (g.wp + g.sw - 1) / g.sw;
    g.ncolph = g.sw;
  }
  g.rows_ph = (g.hp + g.sh - 1) / g.sh;
  g.plane_stride = g.rows_ph * g.ws;

  // The plan: output (oy, ox) reads pair oy * ws + ox + off of each tap pair. Kept in the calling thread's
  // buffers (read by every task of this call; nothing else on this thread touches them until it returns).
  // (Bound to references here: a thread_local named inside the task would be the worker thread's own copy.)
  thread_local std::vector<DwTap> tl_plan;
  thread_local std::vector<int64_t> tl_off;
  std::vector<DwTap>& plan = tl_plan;
  std::vector<int64_t>& off = tl_off;
  plan.clear();
  for (int64_t ky = 0; ky < kh; ++ky) {
    const int64_t ry = ky * p.dilation_h, row_off = (ry % g.sh) * g.ncolph * g.plane_stride + (ry / g.sh) * g.ws;
    if (g.mode == DwMode::kSingle) {
      for (int64_t kx = 0; kx < kw; ++kx) {
        const int64_t cx = kx * g.dw;
        plan.push_back({row_off + (cx % g.sw) * g.plane_stride + cx / g.sw, ky * kw + kx, -1});
      }
      continue;
    }
    for (int64_t kx = 0; kx < kw; kx += 2) {
      const int64_t col = g.mode == DwMode::kPairs1 ? kx * g.dw : kx / 2;
      plan.push_back({row_off + col, ky * kw + kx, kx + 1 < kw ? ky * kw + kx + 1 : -1});
    }
  }
  const int64_t ntaps = static_cast<int64_t>(plan.size());
  off.resize(plan.size());
  int64_t max_off = 0;
  for (size_t t = 0; t < plan.size(); ++t) {
    off[t] = plan[t].off;
    max_off = std::max(max_off, plan[t].off);
  }
  const int64_t plane = oh * ow, nflat = (oh - 1) * g.ws + ow, nacc = (nflat + 7) / 8 * 8;
  const int64_t data_pairs = g.sh * g.ncolph * g.plane_stride;
  const int64_t total_pairs = std::max(data_pairs, max_off + nacc + 8);  // + a block's rounding
  const int64_t rowbuf = g.ws * g.sw + g.dw + 64;
  const int8_t* wts = pc.w_.data<int8_t>();
  const uint8_t* xb = static_cast<const uint8_t*>(x.raw());
  const bool i8 = x.dtype() == DType::kI8;
  const int64_t hw = g.h * g.w, x_len = x.numel();
  const bool u8out = st.dtype == DType::kU8;

  // Output rows in blocks of about kBlockOutputs outputs (accumulators and codes stay in L1).
  constexpr int64_t kBlockOutputs = 2048;
  const int64_t rb = std::clamp<int64_t>(kBlockOutputs / ow, 1, oh);
  const int64_t ow8 = (ow + 7) / 8 * 8;
  const int64_t acc_len = rb * ow + ow8 + 8;

  // Tasks of consecutive (image, group) units (at most kMaxTasks, from the problem size only).
  constexpr int64_t kMaxTasks = 64;
  const int64_t units = n * group, per_task = (units + kMaxTasks - 1) / kMaxTasks;
  auto unit = [&](int64_t t) {
    const int64_t b = t / group, gi = t % group;
    DwScratch& s = dw_scratch();
    grow(s.planes, 2 * (total_pairs + 32));  // + slack for the tier's whole-vector row stores
    grow(s.row, rowbuf);
    grow(s.acc, acc_len);
    grow(s.codes, acc_len);
    grow(s.wpair, ntaps);
    dk.prep(g, xb, (b * c + gi) * hw, x_len, i8, p.input_zero_point, s.planes.data(), s.row.data());
    // Reads past the planes (garbage outputs only) see zeros, so every lane stays a bounded exact sum.
    std::fill(s.planes.begin() + 2 * data_pairs, s.planes.begin() + 2 * total_pairs, int16_t{0});
    for (int64_t oc = gi * cog; oc < (gi + 1) * cog; ++oc) {
      const int8_t* wo = wts + oc * taps;
      for (int64_t k = 0; k < ntaps; ++k) {
        const DwTap& tp = plan[static_cast<size_t>(k)];
        const uint32_t lo = static_cast<uint16_t>(static_cast<int16_t>(wo[tp.ka]));
        const uint32_t hi = tp.kb < 0 ? 0u : static_cast<uint16_t>(static_cast<int16_t>(wo[tp.kb]));
        s.wpair[static_cast<size_t>(k)] = static_cast<int32_t>(lo | (hi << 16));
      }
      const quant::QuantizedMultiplier m = p.out_mult[per_channel ? oc : 0];
      const int32_t bias = pc.bias_v_[static_cast<size_t>(oc)];
      const bool no_sat = detail::no_saturation(pc.acc_bound_, bias);
      const int64_t y0 = (b * pc.cout_ + oc) * plane;
      for (int64_t oy0 = 0; oy0 < oh; oy0 += rb) {
        const int64_t rows = std::min(rb, oh - oy0);
        int32_t* acc = s.acc.data();
        dk.accumulate(s.planes.data() + 2 * oy0 * g.ws, g.ws, off.data(), s.wpair.data(), ntaps, rows, ow, acc);
        // Whole 8-lane groups: lanes past the block hold leftover sums that are never stored.
        uk.requant(acc, (rows * ow + 7) / 8 * 8, bias, m.mult, m.shift, p.output_zero_point, p.out_range.qmin,
                   p.out_range.qmax, s.codes.data(), no_sat);
        if (st.residual == nullptr)
          dk.store(s.codes.data(), rows * ow, u8out, static_cast<uint8_t*>(st.y) + y0 + oy0 * ow);
        else
          detail::store_row(st, s.codes.data(), rows * ow, y0 + oy0 * ow, 1);
      }
    }
  };
  auto run = [&](int64_t t) {
    for (int64_t u = t * per_task; u < std::min(units, (t + 1) * per_task); ++u) unit(u);
  };
  // One pointer captured: fits std::function's local storage (no allocation).
  parallel_for(par, (units + per_task - 1) / per_task, [r = &run](int64_t t) { (*r)(t); });
  return Status::Ok();
}

}  // namespace npukit::q8::detail
