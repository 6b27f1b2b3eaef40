// SPDX-License-Identifier: Apache-2.0
// kernels/q8: depthwise convolution (one input channel per group). Two paths:
//  - small planes (tiers with a DwKernels::block kernel, channel multiplier 1, every channel's requantization in the
//    fused range): blocks of 8 channels in channel-minor layout, lanes over channels (DwBlock);
//  - otherwise per (image, group) the input plane becomes int16 pair planes of x - zp (dw_kernels.h: zero padding,
//    stride phases, horizontally adjacent taps paired), then per output channel the tier's accumulate kernel (one
//    vpmaddwd per tap pair and 8 outputs) with the requantization and the 8-bit store fused into it when the
//    channel allows (DwRq: no residual, multiplier < 1/2, accumulator + bias inside int32), else per block of output
//    rows accumulate, one requantization call and one store.
// No per-call allocation after warm-up (per-thread scratch). Called by conv2d (conv.cpp) after the shared checks.
#include <algorithm>
#include <cstring>

#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/engine.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8::detail {

namespace {

/// Per-thread buffers of the depthwise kernel (grown on demand, reused across calls).
struct DwScratch {
  std::vector<uint8_t> quad;
  std::vector<int16_t> planes, row, block;
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

/// The fused requantization (DwRq) of output channel oc when its preconditions hold: an 8-bit output, multiplier in
/// (0, 1/2], the accumulator + bias inside int32 (the caller adds no residual).
bool fused_dw_rq(const qref::QConv2dParams& p, const std::vector<int32_t>& bias_v, int64_t acc_bound, int64_t oc,
                 DwRq* q) {
  const bool out8 = p.output_dtype == DType::kI8 || p.output_dtype == DType::kU8;
  if (!out8 || p.out_mult.empty()) return false;  // (int32 outputs have no multipliers)
  const quant::QuantizedMultiplier m = p.out_mult[p.out_mult.size() != 1 ? oc : 0];
  const int32_t bias = bias_v[static_cast<size_t>(oc)];
  const int64_t r = std::min<int64_t>(31 - static_cast<int64_t>(m.shift), 63);
  if (m.mult <= 0 || r < 32 || !detail::no_saturation(acc_bound, bias)) return false;
  q->corr = bias;
  q->mult = m.mult;
  q->r = static_cast<int32_t>(r);
  q->zp = p.output_zero_point;
  q->lo = p.out_range.qmin;
  q->hi = p.out_range.qmax;
  return true;
}

}  // namespace

void pack_depthwise(PackedConv& pc) {
  const int8_t* wd = pc.w_.data<int8_t>();
  const qref::QConv2dParams& p = pc.p_;
  const int64_t co = pc.cout_, kh = pc.kh_, kw = pc.kw_, taps = kh * kw;
  // Taps in pairs (lo16 = even tap, hi16 = odd tap; a missing last tap has weight 0).
  const int64_t pairs = (taps + 1) / 2;
  pc.dw_w_.assign(static_cast<size_t>(co * pairs), 0);
  for (int64_t o = 0; o < co; ++o)
    for (int64_t t = 0; t < pairs; ++t) {
      const int32_t a = wd[o * taps + 2 * t];
      const int32_t b = 2 * t + 1 < taps ? wd[o * taps + 2 * t + 1] : 0;
      pc.dw_w_[static_cast<size_t>(o * pairs + t)] = static_cast<int32_t>(
          (static_cast<uint32_t>(static_cast<uint16_t>(a))) | (static_cast<uint32_t>(static_cast<uint16_t>(b)) << 16));
    }
  // (Any channel multiplier: the quad planes take it too.)
  pc.dw_fused_ = true;
  for (int64_t oc = 0; pc.dw_fused_ && oc < co; ++oc) {
    DwRq q;
    pc.dw_fused_ = fused_dw_rq(p, pc.bias_v_, pc.acc_bound_, oc, &q);
  }
  if (pc.cog_ != 1) return;
  // The channel-blocked small-plane kernel's weight vectors (DwBlock::wpairs), one set per block of kDwBlockCh
  // channels: per tap pair (ky, kx even) the int16 pairs (w(ky, kx), w(ky, kx + 1)) of the block's channels in
  // lane order, 0 past the kernel and the last channel.
  {
    constexpr int64_t kCh = kDwBlockCh;
    const int64_t nt = kh * ((kw + 1) / 2), cblocks = (co + kCh - 1) / kCh;
    pc.dw_blockw_.assign(static_cast<size_t>(cblocks * nt * 2 * kCh), 0);
    for (int64_t o = 0; o < co; ++o) {
      const int64_t bl = o / kCh, l = o % kCh;
      int64_t t = 0;
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; kx += 2, ++t) {
          int16_t* v = pc.dw_blockw_.data() + ((bl * nt + t) * kCh + l) * 2;
          v[0] = wd[o * taps + ky * kw + kx];
          v[1] = kx + 1 < kw ? wd[o * taps + ky * kw + kx + 1] : 0;
        }
    }
  }
  // The AVX-512 VNNI quad blocks' constants (DwQuadLine; lanes past the last channel repeat it). Built here once
  // instead of per call and block (from scalar stores that stalled the vector loads on store forwarding: MobileNetV2's
  // 7x7 layers spent a quarter of their time there).
  if (!pc.dw_fused_ || pc.isa_ != Isa::kAvx512Vnni || taps > 64) return;
  const bool win = dw_quad_win(kh, kw, p.dilation_w);
  const int64_t ng = dw_quad_groups(kh, kw, win), cblocks = (co + kDwQuadCh - 1) / kDwQuadCh;
  pc.dw_quad_lines_ = kDwQuadHead + ng;
  pc.dw_quad_.assign(static_cast<size_t>(cblocks * pc.dw_quad_lines_), Line64{});
  for (int64_t bl = 0; bl < cblocks; ++bl) {
    Line64* k = pc.dw_quad_.data() + bl * pc.dw_quad_lines_;
    int32_t corr[2][kDwQuadCh], mult[kDwQuadCh], cnt[kDwQuadCh], r32[kDwQuadCh], flags[kDwQuadCh] = {1};
    int64_t rnd[2][kDwQuadCh / 2];
    for (int c = 0; c < kDwQuadCh; ++c) {
      const int64_t ch = std::min<int64_t>(bl * kDwQuadCh + c, co - 1);
      DwRq q;
      fused_dw_rq(p, pc.bias_v_, pc.acc_bound_, ch, &q);
      for (int i8 = 0; i8 < 2; ++i8) {
        const auto zp_u = static_cast<uint8_t>(static_cast<uint8_t>(p.input_zero_point) ^ (i8 ? 0x80 : 0));
        corr[i8][c] = dw_quad_corr(q.corr, zp_u, pc.sumw_[static_cast<size_t>(ch)]);
      }
      mult[c] = q.mult;
      cnt[c] = q.r - 32;
      // (with the zero point, as Rq512 in rq512_impl.h: only when every lane has 33 <= r <= kRq32MaxR)
      r32[c] = q.r >= 33 && q.r <= kRq32MaxR ? (1 << (q.r - 33)) + q.zp * (1 << (q.r - 32)) : 0;
      if (q.r < 33 || q.r > kRq32MaxR) flags[0] = 0;
      rnd[c % 2][c / 2] = int64_t{1} << (q.r - 1);
    }
    static_assert(sizeof(corr[0]) == 64 && sizeof(rnd[0]) == 64 && sizeof(flags) == 64);
    std::memcpy(k[kDwQuadCorrU8].b, corr[0], 64);
    std::memcpy(k[kDwQuadCorrI8].b, corr[1], 64);
    std::memcpy(k[kDwQuadMult].b, mult, 64);
    std::memcpy(k[kDwQuadCnt].b, cnt, 64);
    std::memcpy(k[kDwQuadR32].b, r32, 64);
    std::memcpy(k[kDwQuadRndEven].b, rnd[0], 64);
    std::memcpy(k[kDwQuadRndOdd].b, rnd[1], 64);
    std::memcpy(k[kDwQuadFlags].b, flags, 64);
    for (int64_t g = 0; g < ng; ++g)
      for (int64_t j = 0; j < 4; ++j) {
        int64_t ky = 0, kx = 0;
        dw_quad_tap(g, j, kw, win, &ky, &kx);
        for (int c = 0; c < kDwQuadCh; ++c) {
          const int64_t ch = std::min<int64_t>(bl * kDwQuadCh + c, co - 1);
          k[kDwQuadHead + g].b[4 * c + j] =
              kx < kw && ky < kh ? static_cast<uint8_t>(wd[ch * taps + ky * kw + kx]) : uint8_t{0};
        }
      }
  }
}

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
  g.kh = kh;
  g.kw = kw;
  g.dh = p.dilation_h;
  g.oh = oh;
  g.ow = ow;
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

  // Fused requantization (DwRq) of channel oc, when its preconditions hold.
  auto fused_rq = [&](int64_t oc, DwRq* q) {
    return st.residual == nullptr && fused_dw_rq(p, pc.bias_v_, pc.acc_bound_, oc, q);
  };
  const DwPlaneGeom& geom = g;  // (the channel-blocked and quad kernels')
  const int8_t* wts = pc.w_.data<int8_t>();
  const uint8_t* xb = static_cast<const uint8_t*>(x.raw());
  const bool i8 = x.dtype() == DType::kI8;
  const uint8_t qmask = i8 ? 0x80 : 0;  // (the quad kernels' u = code ^ qmask, and the zero point's u)
  const uint8_t zp_u = static_cast<uint8_t>(static_cast<uint8_t>(p.input_zero_point) ^ qmask);
  const int64_t hw = g.h * g.w, x_len = x.numel();
  const bool u8out = st.dtype == DType::kU8;
  const int64_t plane = oh * ow;

  // Small planes: blocks of kDwBlockCh channels in channel-minor layout (the per-channel overhead of the plane
  // path dominates there).
  // (Instruction counts on the MobileNetV2 / EfficientNet shapes: 20-60% fewer on 14x14 and 7x7 outputs at either
  // stride; from 28x28 outputs, or a 28x28 input at stride 2, the plane path needs fewer: the channel-minor copy of
  // the whole padded input is then the larger cost.)
  // The AVX-512 VNNI quad blocks (one 64-byte window per kernel row and 4 columns) stay ahead up to 56x56 planes
  // (q8_dw_bench against the plane kernel: 56x56 0.92x, 28x28 0.84x, 56 -> 28 at stride 2 0.87x, 28 -> 14 0.88x;
  // 112 -> 56 at stride 2, a 113x113 padded input, 1.04-1.07x: not taken).
  constexpr int64_t kBlockMaxOutputs = 256, kBlockMaxPadded = 400;
  constexpr int64_t kQuadMaxOutputs = 56 * 56, kQuadMaxPadded = 58 * 58;
  // (Every channel's DwRq: PackedConv::dw_fused_, and no residual.)
  const bool fused = pc.dw_fused_ && st.residual == nullptr;
  const bool quad_tier = !pc.dw_quad_.empty() && dw_block_quad_avx512_vnni() != nullptr;
  const int64_t max_out = quad_tier ? kQuadMaxOutputs : kBlockMaxOutputs;
  const int64_t max_pad = quad_tier ? kQuadMaxPadded : kBlockMaxPadded;
  const bool use_block = fused && dk.block != nullptr && cog == 1 && !pc.dw_blockw_.empty() && plane <= max_out &&
                         g.hp * g.wp <= max_pad && kh * ((kw + 1) / 2) <= 64;
  // AVX-512 VNNI with VBMI: the same small planes in blocks of 16 channels on u8 quads (dw_avx512vnni.cpp).
  const DwBlockQuadFn block_quad = use_block && quad_tier ? dw_block_quad_avx512_vnni() : nullptr;
  if (block_quad != nullptr) {
    DwBlockQuad proto;
    static_cast<DwPlaneGeom&>(proto) = geom;
    proto.i8 = i8;
    proto.zp = p.output_zero_point;
    proto.lo = p.out_range.qmin;
    proto.hi = p.out_range.qmax;
    proto.mask = qmask;
    proto.zp_u = zp_u;
    proto.x_stride = hw;
    proto.y_stride = plane;
    const int64_t cblocks = (c + kDwQuadCh - 1) / kDwQuadCh, units = n * cblocks;
    const int64_t scratch_len = dw_block_quad_scratch(g.hp, g.wp, plane);
    auto unit = [&](int64_t u) {
      const int64_t b = u / cblocks, c0 = u % cblocks * kDwQuadCh;
      DwScratch& s = dw_scratch();
      grow(s.quad, scratch_len + 64);
      DwBlockQuad blk = proto;
      blk.nch = static_cast<int>(std::min<int64_t>(kDwQuadCh, c - c0));
      blk.scratch = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(s.quad.data()) + 63) / 64 * 64);
      blk.k = pc.dw_quad_.data() + c0 / kDwQuadCh * pc.dw_quad_lines_;
      blk.x = xb + (b * c + c0) * hw;
      blk.y = static_cast<uint8_t*>(st.y) + (b * pc.cout_ + c0) * plane;
      block_quad(blk);
    };
    parallel_for(par, units, unit);
    return Status::Ok();
  }
  if (use_block) {
    DwBlock proto;
    static_cast<DwPlaneGeom&>(proto) = geom;
    proto.i8 = i8;
    proto.x_end = xb + x_len;
    proto.zp = p.input_zero_point;
    const int64_t cblocks = (c + kDwBlockCh - 1) / kDwBlockCh, units = n * cblocks;
    const int64_t scratch_len = dw_block_scratch(g.hp, g.wp, g.dw, oh, ow) + 32;
    constexpr int64_t kMaxBlockTasks = 64;
    const int64_t per_task = (units + kMaxBlockTasks - 1) / kMaxBlockTasks;
    auto unit = [&](int64_t u) {
      const int64_t b = u / cblocks, c0 = u % cblocks * kDwBlockCh;
      DwScratch& s = dw_scratch();
      grow(s.block, scratch_len);
      DwBlock blk = proto;
      blk.nch = static_cast<int>(std::min<int64_t>(kDwBlockCh, c - c0));
      blk.scratch = reinterpret_cast<int16_t*>((reinterpret_cast<uintptr_t>(s.block.data()) + 31) / 32 * 32);
      blk.wpairs = pc.dw_blockw_.data() + (c0 / kDwBlockCh) * kh * ((kw + 1) / 2) * kDwBlockCh * 2;
      for (int l = 0; l < kDwBlockCh; ++l) {
        const int64_t ch = c0 + std::min<int64_t>(l, blk.nch - 1);  // lanes past the block repeat its last channel
        blk.x[l] = xb + (b * c + ch) * hw;
        fused_rq(ch, &blk.q[l]);
        blk.y[l] = static_cast<uint8_t*>(st.y) + (b * pc.cout_ + ch) * plane;
      }
      dk.block(blk);
    };
    auto run = [&](int64_t t) {
      for (int64_t u = t * per_task; u < std::min(units, (t + 1) * per_task); ++u) unit(u);
    };
    parallel_for(par, (units + per_task - 1) / per_task, [r = &run](int64_t t) { (*r)(t); });
    return Status::Ok();
  }

  // AVX-512 VNNI with VBMI, where the channel-blocked kernel does not apply: planes on u8 quads (dw_avx512vnni.cpp;
  // dilation 1, strides 1 and 2, up to 8 columns and 16 rows of taps), when every channel's requantization is in the
  // fused range. Measured against the int16 pair planes (bench/q8_dw_bench.cpp, Zen 4): outputs 112 / 56 / 28 wide at
  // stride 1 0.70 / 0.68 / 0.53x (5x5 28 wide 0.65x), stride 2 to 56 / 28 / 14 wide 0.73-0.83 / 0.71-0.74 / 0.66x.
  // The small planes the channel-blocked kernel takes would be 1.05-1.8x slower here (per-plane setup, 16-lane vectors
  // 7 / 16 full on 7x7).
  const DwQuadFn quad = pc.isa() == Isa::kAvx512Vnni ? dw_quad_avx512_vnni() : nullptr;
  const bool use_quad = fused && quad != nullptr && p.dilation_h == 1 && p.dilation_w == 1 && g.sh <= 2 && g.sw <= 2 &&
                        kw <= 8 && kh <= 16;
  if (use_quad) {
    DwQuadPlane proto;
    static_cast<DwPlaneGeom&>(proto) = geom;
    proto.mask = qmask;
    proto.zp_u = zp_u;
    const int64_t scratch_len = dw_quad_scratch(proto);
    const int64_t cout = pc.cout_, planes = n * cout;
    constexpr int64_t kMaxQuadTasks = 64;
    const int64_t per_task = (planes + kMaxQuadTasks - 1) / kMaxQuadTasks;
    auto run = [&](int64_t t) {
      DwScratch& s = dw_scratch();
      grow(s.quad, scratch_len);
      for (int64_t u = t * per_task; u < std::min(planes, (t + 1) * per_task); ++u) {
        const int64_t b = u / cout, oc = u % cout;
        DwQuadPlane qp = proto;
        qp.x = xb + (b * c + oc / cog) * hw;
        qp.wt = wts + oc * taps;
        fused_rq(oc, &qp.q);
        qp.corr = dw_quad_corr(qp.q.corr, zp_u, pc.sumw_[static_cast<size_t>(oc)]);
        qp.y = static_cast<uint8_t*>(st.y) + (b * cout + oc) * plane;
        qp.scratch = s.quad.data();
        quad(qp);
      }
    };
    parallel_for(par, (planes + per_task - 1) / per_task, [r = &run](int64_t t) { (*r)(t); });
    return Status::Ok();
  }

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
  const int64_t nflat = (oh - 1) * g.ws + ow, nacc = (nflat + 7) / 8 * 8;
  const int64_t data_pairs = g.sh * g.ncolph * g.plane_stride;
  const int64_t total_pairs = std::max(data_pairs, max_off + nacc + 8);  // + a block's rounding
  const int64_t rowbuf = g.ws * g.sw + g.dw + 64;

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
      const int64_t y0 = (b * pc.cout_ + oc) * plane;
      DwRq q;
      if (dk.accumulate_rq != nullptr && fused_rq(oc, &q)) {
        dk.accumulate_rq(s.planes.data(), g.ws, off.data(), s.wpair.data(), ntaps, oh, ow, q,
                         static_cast<uint8_t*>(st.y) + y0);
        continue;
      }
      const quant::QuantizedMultiplier m = p.out_mult[per_channel ? oc : 0];
      const int32_t bias = pc.bias_v_[static_cast<size_t>(oc)];
      const bool no_sat = detail::no_saturation(pc.acc_bound_, bias);
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
