// SPDX-License-Identifier: Apache-2.0
// kernels/q8: convolution driver. General path: im2col of NR-pixel panels (u8 codes, int8 shifted by +128)
// into a per-thread buffer (or once per call, shared by the tasks; row-crossing stride-1 panels from an im2row matrix),
// microkernel tiles over MR output channels, requantization per row with the correction bias - (zp + 128 * is_int8) *
// sum(w). The depthwise path is in conv_dw.cpp.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/engine.h"
#include "kernels/q8/ops_common.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8 {

using detail::RowParams;
using detail::RowStore;
using detail::Scratch;

namespace {

bool code8(DType t) {
  return t == DType::kI8 || t == DType::kU8;
}

/// d[0, n) = s[0, n) with fixed-size copies (no library call: the padded copy of a 7x7 or 14x14 plane makes one per
/// row, thousands per layer); chunks of 16 bytes, the last one overlapping, two overlapping 8- or 4-byte moves
/// below 16.
inline void copy_row(uint8_t* d, const uint8_t* s, int64_t n) {
  if (n >= 16) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(d + i, s + i, 16);
    if (i < n) std::memcpy(d + n - 16, s + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(d, s, 8);
    std::memcpy(d + n - 8, s + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(d, s, 4);
    std::memcpy(d + n - 4, s + n - 4, 4);
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
  }
}

/// Validity of the residual-add fields (the reference reports the error when they are wrong).
bool residual_ok(const qref::QConv2dParams& p, const Tensor& res, const Shape& out_shape) {
  if (res.shape() != out_shape || !code8(res.dtype()) || res.empty()) return false;
  const quant::AddParams& a = p.residual_add;
  if (!qref::detail::check_zero_point(res.dtype(), a.b_zp, "").ok()) return false;
  if (!qref::detail::check_output(p.output_dtype, a.range, a.out_zp, "").ok()) return false;
  if (a.a_zp != p.output_zero_point || a.left_shift < 0 || a.left_shift > 24) return false;
  return qref::detail::check_multipliers({a.a_mult, a.b_mult, a.out_mult}, 3, "").ok();
}

constexpr size_t kPanelBlockBytes = 128 * 1024;  // im2col bytes per task (L2-sized)
constexpr int64_t kMinTasks = 8;                 // with 2+ threads split output channels until this many tasks,
constexpr int64_t kMinChunkBlocks = 4;           // but keep >= 4 oc blocks per task
constexpr int64_t kBalancedPanels = 2;           // or split the pixels evenly from this many panels per thread
constexpr size_t kSharedPanelBytes = 4 << 20;    // whole-call im2col shared by the tasks up to this size
constexpr int64_t kPrivatePanelThreads = 2;      // (shared from more threads; up to this many, per-thread panels)
constexpr size_t kRowsBytes = 16 << 20;          // im2row matrices of a call up to this size
constexpr int64_t kWinoMin7BitChannels = 64;     // Winograd on 7-bit inputs from this many input channels
constexpr int64_t kMaxNr = 64;                   // panel pixels of any tier (ukernels_*.cpp kNr)
constexpr int64_t kMaxMr = 8;                    // output channels per tile of any tier (ukernels_*.cpp kMr)
constexpr int64_t kPadTaskBytes = 32 * 1024;     // padded input copy: planes per task (at least one)
constexpr int64_t kPadSlack = 2 * kMaxNr;        // padding codes past the padded input copy (stride-2 runs of NR)
constexpr int64_t kTailPixels = 2;               // a last panel with this few valid pixels: gemv instead
constexpr int64_t kTailMinK = 256;               //   (from this K)
constexpr int64_t kTail1px = 2;                  // with the tier's pixel kernel (gemm_px): up to this many
constexpr int64_t kTail1pxMinK = 64;             //   (from this K)
constexpr int64_t kTail1pxWide = 4;              //   and up to this many
constexpr int64_t kTail1pxWideK = 256;           //   from this K
static_assert(kTail1px <= kTail1pxWide);
constexpr size_t kBigWeightBytes = 512 * 1024;   // weights of a group beyond L2:
constexpr int64_t kWholePanels = 16;             // planes of up to this many panels
constexpr size_t kWholePlaneBytes = 384 * 1024;  // (im2col up to this size unless K > kKBlockMin quads)
constexpr int64_t kWholeTiles = 512;             // take every panel, at most this many tiles per task

/// The output-channel chunks per pixel block on `threads` threads: `chunks`, or the largest smaller count, not below
/// min_chunks, that makes the tasks (units * chunks) a multiple of the threads. The thread pool gives each thread a
/// contiguous range of equal size (parallel.cpp), so with tasks of equal work an even count balances: 5 chunks of a
/// 7x7 960 -> 160 layer on 2 threads are 3 tasks for one thread and 2 for the other, 4 chunks are 2 and 2 (0.91x,
/// bench/q8_bench.cpp). (Not more chunks instead: ResNet-18's 28x28 3x3 layers, 9 pixel blocks, as 18 tasks of half
/// the output channels each were 1.04x slower; every task reads its block's panels once more.)
int64_t even_chunks(int64_t chunks, int64_t units, int64_t threads, int64_t min_chunks) {
  if (threads <= 1 || (units * chunks) % threads == 0) return chunks;
  for (int64_t c = chunks - 1; c >= std::max<int64_t>(1, min_chunks); --c)
    if ((units * c) % threads == 0) return c;
  return chunks;
}

/// True when every byte the im2col panels of x can hold (x's codes as u = code ^ mask, and the zero point's u when
/// there is padding) lies in a window [lo, lo + 127]; *lo_out = lo.
bool seven_bit_window(const Tensor& x, const qref::QConv2dParams& p, uint8_t* lo_out) {
  const uint8_t mask = x.dtype() == DType::kI8 ? 0x80 : 0;
  uint8_t lo = 0, hi = 0;
  detail::byte_span(static_cast<const uint8_t*>(x.raw()), x.numel(), mask, &lo, &hi);
  if (p.pad_top > 0 || p.pad_left > 0 || p.pad_bottom > 0 || p.pad_right > 0) {
    const uint8_t zc = static_cast<uint8_t>(static_cast<uint8_t>(p.input_zero_point) ^ mask);
    lo = std::min(lo, zc);
    hi = std::max(hi, zc);
  }
  *lo_out = lo;
  return hi - lo <= 127;
}

}  // namespace

Expected<PackedConv> PackedConv::create(const Tensor& w, const Tensor* bias, const qref::QConv2dParams& p, Isa isa) {
  PackedConv pc;
  if (w.dtype() != DType::kI8 || w.rank() != 4 || w.empty())
    return make_error(ErrorCode::kShapeMismatch, "q8 conv: weights must be i8 [Cout, C/group, KH, KW], got ",
                      dtype_name(w.dtype()), " ", shape_str(w.shape()));
  const int64_t co = w.dim(0);
  if (p.group < 1 || co % p.group != 0 || w.dim(1) < 1 || w.dim(2) < 1 || w.dim(3) < 1)
    return make_error(ErrorCode::kShapeMismatch, "q8 conv: group ", p.group, " does not fit w ", shape_str(w.shape()));
  if (bias != nullptr && (bias->dtype() != DType::kI32 || bias->rank() != 1 || bias->dim(0) != co))
    return make_error(ErrorCode::kShapeMismatch, "q8 conv: bias must be i32 [", co, "], got ",
                      dtype_name(bias->dtype()), " ", shape_str(bias->shape()));
  if (p.output_dtype != DType::kI32) NPUKIT_RETURN_IF_ERROR(qref::detail::check_multipliers(p.out_mult, co, "q8 conv"));
  pc.uk_ = detail::ukernels_for(isa);
  if (pc.uk_ == nullptr)
    return make_error(ErrorCode::kUnimplemented, "q8 conv: this build has no code for tier ", isa_name(isa));
  pc.w_ = w;
  pc.has_bias_ = bias != nullptr;
  if (bias) pc.bias_ = *bias;
  pc.p_ = p;
  pc.isa_ = isa;
  pc.cout_ = co;
  pc.cg_ = w.dim(1);
  pc.kh_ = w.dim(2);
  pc.kw_ = w.dim(3);
  pc.k_ = pc.cg_ * pc.kh_ * pc.kw_;
  pc.kq_ = (pc.k_ + 3) / 4;
  pc.cog_ = co / p.group;
  const int8_t* wd = w.data<int8_t>();
  const bool out_ok = detail::fast_output(p.output_dtype, p.out_range, p.output_zero_point);
  const int32_t wmax = detail::max_abs_weight(wd, w.numel());
  pc.fast_ = out_ok && detail::int32_exact(pc.k_, wmax);
  pc.acc_bound_ = pc.k_ * 255 * wmax;
  if (!pc.fast_) return pc;
  pc.bias_v_.assign(static_cast<size_t>(co), 0);
  if (bias)
    for (int64_t i = 0; i < co; ++i) pc.bias_v_[static_cast<size_t>(i)] = bias->data<int32_t>()[i];
  pc.sumw_.assign(static_cast<size_t>(co), 0);
  for (int64_t o = 0; o < co; ++o)
    for (int64_t k = 0; k < pc.k_; ++k) pc.sumw_[static_cast<size_t>(o)] += wd[o * pc.k_ + k];
  for (int i8in = 0; i8in < 2; ++i8in)
    pc.chan_[i8in] = std::make_shared<const detail::ChannelParams>(
        detail::make_channel_params(pc.bias_v_, pc.sumw_, static_cast<int64_t>(p.input_zero_point) + 128 * i8in,
                                    p.out_mult, pc.acc_bound_, code8(p.output_dtype)));
  // A residual add (its out multiplier is never 0 in a valid add): its row kernel per residual dtype.
  if (p.residual_add.out_mult.mult != 0 && code8(p.output_dtype))
    for (int i8res = 0; i8res < 2; ++i8res)
      pc.res_add_[i8res] = ops::make_add_row(p.residual_add, p.output_dtype, i8res ? DType::kI8 : DType::kU8, isa);
  pc.dw_ = pc.cg_ == 1;
  if (pc.dw_) {
    detail::pack_depthwise(pc);
    return pc;
  }
  pc.oc_blocks_ = (pc.cog_ + pc.uk_->mr - 1) / pc.uk_->mr;
  pc.block_bytes_ = detail::weight_block_bytes(*pc.uk_, pc.kq_);
  pc.packed_.assign(static_cast<size_t>(p.group * pc.oc_blocks_) * pc.block_bytes_, 0);
  for (int64_t g = 0; g < p.group; ++g)
    detail::pack_weight_blocks(*pc.uk_, wd + g * pc.cog_ * pc.k_, pc.cog_, pc.k_,
                               pc.packed_.data() + static_cast<size_t>(g * pc.oc_blocks_) * pc.block_bytes_);
  if (pc.uk_->gemm_tile7 != nullptr) {
    pc.block_bytes7_ = detail::weight_block_bytes(*pc.uk_, pc.kq_, detail::WeightFormat::kBytes);
    pc.packed7_.assign(static_cast<size_t>(p.group * pc.oc_blocks_) * pc.block_bytes7_, 0);
    for (int64_t g = 0; g < p.group; ++g)
      detail::pack_weight_blocks(*pc.uk_, wd + g * pc.cog_ * pc.k_, pc.cog_, pc.k_,
                                 pc.packed7_.data() + static_cast<size_t>(g * pc.oc_blocks_) * pc.block_bytes7_,
                                 detail::WeightFormat::kBytes);
  }
  detail::pack_winograd(pc);  // 3x3 stride-1 layers: exact int16 Winograd F(2x2, 3x3) (conv_wino.cpp)
  pack_split7(pc);            // (not for Winograd layers: their full-range calls never run the direct tiles)
  return pc;
}

Status conv2d(const PackedConv& pc, const Tensor& x, Tensor* y, const Tensor* residual, const Parallel* par) {
  const qref::QConv2dParams& p = pc.p_;
  auto reference = [&] { return qref::qconv2d(x, pc.w_, pc.has_bias_ ? &pc.bias_ : nullptr, p, y, residual); };
  if (y == nullptr) return make_error(ErrorCode::kInvalidArgument, "q8 conv: output pointer is null");
  if (!pc.fast_ || !code8(x.dtype()) || x.rank() != 4 || x.empty() || x.dim(1) != pc.cg_ * p.group) return reference();
  if (!qref::detail::check_zero_point(x.dtype(), p.input_zero_point, "").ok()) return reference();
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1 || p.pad_top < 0 || p.pad_left < 0 ||
      p.pad_bottom < 0 || p.pad_right < 0)
    return reference();
  constexpr int64_t kMaxGeom = int64_t{1} << 24;
  for (int64_t v :
       {p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_top, p.pad_left, p.pad_bottom, p.pad_right, h, wd})
    if (v > kMaxGeom) return reference();
  const int64_t eff_h = (pc.kh_ - 1) * p.dilation_h + 1, eff_w = (pc.kw_ - 1) * p.dilation_w + 1;
  const int64_t hp = h + p.pad_top + p.pad_bottom, wp = wd + p.pad_left + p.pad_right;
  if (hp < eff_h || wp < eff_w) return reference();
  const int64_t oh = (hp - eff_h) / p.stride_h + 1, ow = (wp - eff_w) / p.stride_w + 1;
  const Shape out_shape{n, pc.cout_, oh, ow};
  if (!checked_numel(out_shape).ok() || !checked_numel(Shape{n, c, hp, wp}).ok()) return reference();
  if (residual != nullptr && (p.output_dtype == DType::kI32 || !residual_ok(p, *residual, out_shape)))
    return reference();
  if (pc.dw_ && !code8(p.output_dtype)) return reference();  // the depthwise kernel stores 8-bit codes
  NPUKIT_ASSIGN_OR_RETURN(Tensor out, detail::output_tensor(y, p.output_dtype, out_shape));
  if (out.numel() == 0) {
    *y = std::move(out);
    return Status::Ok();
  }

  const detail::Ukernels& uk = *pc.uk_;
  const int64_t group = p.group, cog = pc.cog_, plane = oh * ow;
  RowStore st;
  st.dtype = p.output_dtype;
  st.y = out.raw();
  st.residual = residual;
  st.add = &p.residual_add;
  if (residual != nullptr) st.add_row = pc.res_add_[residual->dtype() == DType::kI8 ? 1 : 0].get();
  const bool per_channel = p.out_mult.size() != 1;

  if (pc.dw_) {
    NPUKIT_RETURN_IF_ERROR(detail::conv2d_depthwise(pc, x, st, oh, ow, par));
    *y = std::move(out);
    return Status::Ok();
  }
  // Winograd (packed only for 3x3, stride 1, dilation 1, group 1; 8-bit input codes checked above), except where the
  // direct path's 7-bit tile is faster: few input channels (measured: C = 16..48 direct 58-67 GMAC/s vs Winograd 48-66,
  // C >= 64 Winograd 73-91 vs direct 56-70; bench/q8_bench.cpp sq_fire_* / r18_3x3_*_relu_in) with every input
  // byte in a 7-bit window.
  uint8_t lo7 = 0;
  int window = -1;  // seven_bit_window(x), computed once when needed (-1: not yet)
  auto seven_window = [&] {
    if (window < 0) window = seven_bit_window(x, p, &lo7) ? 1 : 0;
    return window == 1;
  };
  if (pc.wino_ && (pc.cg_ >= kWinoMin7BitChannels || uk.gemm_tile7 == nullptr || !seven_window())) {
    NPUKIT_RETURN_IF_ERROR(detail::conv2d_winograd(pc, x, st, oh, ow, par));
    *y = std::move(out);
    return Status::Ok();
  }

  // General path. Padded copy of the input (raw codes, padding = the zero point's code) when there are pads, in the
  // calling thread's scratch (no allocation once it has grown).
  const bool i8in = x.dtype() == DType::kI8;
  const uint8_t mask = i8in ? 0x80 : 0;
  const uint8_t* src = static_cast<const uint8_t*>(x.raw());
  Scratch& caller = detail::scratch();
  // Bytes readable past the end of src: the padded copy has kPadSlack more (padding codes), so that runs of panel
  // pixels near its end can read whole NR-pixel rows (pack_quad_runs / pack_panel_runs) instead of gathering bytes.
  int64_t slack = 0;
  if (hp != h || wp != wd) {
    std::vector<uint8_t>& xpad = caller.pad;
    slack = kPadSlack;
    xpad.resize(static_cast<size_t>(n * c * hp * wp + slack));
    const uint8_t zc = static_cast<uint8_t>(p.input_zero_point);
    // Blocks of planes in parallel (the copy was the serial part of a 2-thread call: 3x3 layers on 2 threads 0.94-1.0x,
    // one thread even). Per plane, each byte written once: the top rows and the pads at the zero point's code, one
    // fixed-size copy per data row. (A memset call per pad, three calls per row, was 1.01-1.04x slower.)
    uint8_t* xp = xpad.data();
    const uint8_t* xs = src;
    const int64_t planes = n * c, plane_in = h * wd, plane_pad = hp * wp, first_row = p.pad_top * wp + p.pad_left;
    const int64_t gap = p.pad_right + p.pad_left, tail_pad = p.pad_right + p.pad_bottom * wp;
    std::memset(xp + planes * plane_pad, zc, static_cast<size_t>(slack));
    const int64_t per_task = std::max<int64_t>(1, kPadTaskBytes / std::max<int64_t>(1, plane_pad));
    parallel_for(par, (planes + per_task - 1) / per_task, [=](int64_t t) {
      // (Captured by value: the byte stores could alias values captured by reference, reloaded per row.)
      for (int64_t bc = t * per_task; bc < std::min(planes, (t + 1) * per_task); ++bc) {
        uint8_t* d = xp + bc * plane_pad;
        const uint8_t* srow = xs + bc * plane_in;
        if (h == 0) {
          std::memset(d, zc, static_cast<size_t>(plane_pad));
          continue;
        }
        std::memset(d, zc, static_cast<size_t>(first_row));  // top rows, first row's left pad
        uint8_t* row = d + first_row;
        for (int64_t iy = 0; iy < h; ++iy, row += wp, srow += wd) {
          copy_row(row, srow, wd);
          if (iy + 1 < h)
            for (int64_t i = 0; i < gap; ++i) row[wd + i] = zc;  // right pad, next row's left pad
        }
        std::memset(row - wp + wd, zc, static_cast<size_t>(tail_pad));  // last right pad, bottom rows
      }
    });
    src = xpad.data();
  }
  // Per-k offsets in a padded input image of one group; k = (ic * KH + ky) * KW + kx; k >= K reads offset 0
  // (its weight is 0).
  const int64_t kq = pc.kq_, nr = uk.nr;
  if (nr > kMaxNr || uk.mr > kMaxMr)
    return make_error(ErrorCode::kInternal, "q8 conv: tier tile ", uk.mr, " x ", nr, " above ", kMaxMr, " x ", kMaxNr);
  // (The geometry in locals: stores through the table's int64_t pointer could alias pc's and p's int64_t fields, which
  // GCC then reloaded on every element: ~0.9 % of ResNet-50.)
  std::vector<int64_t>& off = caller.off;
  off.assign(static_cast<size_t>(kq * 4), 0);
  {
    const int64_t cg = pc.cg_, kh = pc.kh_, kw = pc.kw_, dh = p.dilation_h * wp, dw = p.dilation_w, chan = hp * wp;
    int64_t* o = off.data();
    if (kh == 1 && kw == 1) {  // (one flat loop: the nested ones of trip count 1 cost ~0.8 % of MobileNetV2)
      for (int64_t ic = 0; ic < cg; ++ic) o[ic] = ic * chan;
    } else {
      for (int64_t ic = 0; ic < cg; ++ic)
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t row = ic * chan + ky * dh;
          for (int64_t kx = 0; kx < kw; ++kx) *o++ = row + kx * dw;
        }
    }
  }
  // 7-bit panels: when every byte the panels can hold (the input's codes, and the zero point's code when there is
  // padding) lies in a window [o, o + 127] of u = code ^ mask, the panels store u - o in [0, 127] and the tier's 7-bit
  // tile runs; the sum then lacks o * sum(w), folded into the correction (zero offset zoff - o).
  // The largest offset (the last tap of the last channel; k >= K read 0): a scan of the table cost ~2 % of a 7x7 layer.
  const int64_t max_off = ((pc.cg_ - 1) * hp + (pc.kh_ - 1) * p.dilation_h) * wp + (pc.kw_ - 1) * p.dilation_w;
  const detail::ChannelParams* chanp = pc.chan_[i8in ? 1 : 0].get();
  uint8_t sub = 0;
  bool seven = false;
  if (uk.gemm_tile7 != nullptr) {
    if (seven_window()) {
      seven = true;
      sub = lo7;
      detail::fill_channel_params(caller.chan7, pc.bias_v_, pc.sumw_,
                                  static_cast<int64_t>(p.input_zero_point) + (i8in ? 128 : 0) - lo7, p.out_mult,
                                  pc.acc_bound_, code8(p.output_dtype));
      chanp = &caller.chan7;
    }
  }
  const detail::ChannelParams& chan = *chanp;
  // Split weights (split7()): full-range panels run the 7-bit tile too, on the clipped weights plus the fixes; panels
  // stay u = code ^ mask (sub 0) as on the int16 path. 7-bit windows keep the original weights (no fixes).
  const bool split = pc.split_ && !seven, tile7 = seven || split;
  // The panels hold their K bytes in the order of the weight blocks the call runs: the split blocks' order (kperm_)
  // or the original one. (The tail pixels' gemv reads the unpacked weights: original order, off.)
  const int64_t* koff = off.data();
  if (split && !pc.kperm_.empty()) {
    std::vector<int64_t>& offp = caller.offp;
    offp.resize(pc.kperm_.size());
    for (size_t i = 0; i < offp.size(); ++i) offp[i] = pc.kperm_[i] < 0 ? 0 : off[static_cast<size_t>(pc.kperm_[i])];
    koff = offp.data();
  }
  const uint8_t* wpacked = seven ? pc.packed7_.data() : split ? pc.packed7s_.data() : pc.packed_.data();
  const size_t bbytes = tile7 ? pc.block_bytes7_ : pc.block_bytes_;
  const auto tile = tile7 ? uk.gemm_tile7 : uk.gemm_tile;
  const detail::TileRq8 tile_rq8 = tile7 ? uk.gemm_block7_rq8 : uk.gemm_block_rq8;
  const auto tile_half = tile7 ? uk.gemm_tile7_half : uk.gemm_tile_half;

  const size_t panel_bytes = static_cast<size_t>(kq * nr * 4);
  const int64_t panels = (plane + nr - 1) / nr;
  // Weights beyond L2 on a small plane (ResNet layer4, 7x7 / 14x14): one pixel block per (image, group) holding every
  // panel, and the output-channel blocks split into chunks, so every weight block is read from memory once per call
  // and reused over all panels (K-blocked tiles keep one K chunk of the panels in L1 / L2; the whole-K tiles of the
  // AVX-512 VNNI tier read the panels from L2: ResNet-50's 14x14 3x3 layers, 442 KiB of panels, 0.96x with them against
  // K-blocked tiles), instead of once per pixel block.
  const bool whole_plane = static_cast<size_t>(pc.oc_blocks_) * bbytes > kBigWeightBytes && panels <= kWholePanels &&
                           pc.oc_blocks_ >= 2 * kMinChunkBlocks &&  // (>= 2 chunk tasks)
                           static_cast<size_t>(n * group * panels) * panel_bytes <= kSharedPanelBytes &&  // (shared)
                           (kq > detail::kKBlockMin || static_cast<size_t>(panels) * panel_bytes <= kWholePlaneBytes);
  // Tail pixels: when the plane's last panel would hold at most kTailPixels valid pixels (7x7 planes: 1 of 16), those
  // pixels are computed with the tier's gemv on the unpacked weights instead of a tile on a mostly empty panel (a
  // half tile plus a byte-gathered panel: ~20 % of a 7x7 pointwise layer).
  // Only from K = kTailMinK: the gemv reads the unpacked weights (not in cache, unlike the packed blocks the tiles
  // just used), which costs more than the half tile on short K (measured: 7x7 1x1 layers with K >= 320 1.10-1.34x,
  // K = 160 0.9x; bench/q8_bench.cpp).
  // Tiers with a pixel kernel on the packed blocks (gemm_px: 1/16 of a tile per pixel) take up to kTail1px
  // pixels past the last whole or half panel that way from K = kTail1pxMinK, up to kTail1pxWide from kTail1pxWideK:
  // run_tiles runs them on each weight block (K chunk) right after its tiles, while it is in L1 (7x7 planes on
  // 32-pixel tiles: 32 + 16 + 1 pixel instead of two whole tiles). Measured against a separate pass over the blocks
  // after the tiles: 7x7 layers K = 160-1152 0.85-0.93x, 2048 / 4608 0.91 / 0.94x; 4 pixels of a 14x14 plane at
  // K = 2304 (against a half tile) 0.97x, at K = 112 1.01x. With the 4 pixels in one gemm_px call (weights loaded
  // once): ResNet-50's 14x14 1x1 layers K = 1024 / 256 0.96 / 0.98x against the half tile, K = 384 with 64 output
  // channels about even (1.0-1.05x), ResNet-50 0.985x end to end.
  const bool px1 = uk.gemm_px != nullptr && !tile7 && uk.wfmt == detail::WeightFormat::kBytes && pc.k_ >= kTail1pxMinK;
  const int64_t max1px = pc.k_ >= kTail1pxWideK ? kTail1pxWide : kTail1px;
  const int64_t tail = [&]() -> int64_t {
    const int64_t rem = plane % nr;
    if (plane <= nr) return 0;
    if (!px1) return uk.gemv != nullptr && rem <= kTailPixels && pc.k_ >= kTailMinK ? rem : 0;
    if (rem <= max1px) return rem;
    return tile_half != nullptr && rem > nr / 2 && rem - nr / 2 <= max1px ? rem - nr / 2 : 0;
  }();
  // Pixel blocks: L2-sized (kPanelBlockBytes of panels). With several threads and fewer such blocks than kMinTasks,
  // when the plane has at least kBalancedPanels panels per thread and more bytes of panels than of weights, the panels
  // are instead cut into a multiple of `threads` blocks of nearly equal size, and each task packs its own block and
  // runs every output channel on it (chunks = 1): the panels stay in the core that built them, and each thread reads
  // all weights plus its share of the panels instead of its share of the weights plus all panels. (Output-channel
  // chunks over shared panels, as below, on 2 threads: ResNet-50's 1x1 reduction layers 1.14-1.28x slower,
  // EfficientNet-B0's 14x14 672 -> 112 1.30x, the stride-2 3x3 56x56 -> 28x28 1.17x; bench/q8_bench.cpp. One inference
  // on 2 threads: ResNet-50 0.91x, SqueezeNet 0.89x, MobileNetV2 0.95x.) From kMinTasks blocks the L2-sized blocks
  // balance well enough, and smaller ones would read the weights more often (28x28 3x3 128 -> 128 in 10 blocks instead
  // of 9: 1.07x slower).
  const int64_t threads = par != nullptr ? par->threads() : 1;
  const int64_t work_panels = (plane - tail + nr - 1) / nr;
  const int64_t per_block_l2 = std::clamp<int64_t>(static_cast<int64_t>(kPanelBlockBytes / panel_bytes), 1, 16);
  const int64_t l2_blocks = (work_panels + per_block_l2 - 1) / per_block_l2;
  const bool balanced = !whole_plane && threads > 1 && n * group * l2_blocks < kMinTasks &&
                        work_panels >= kBalancedPanels * threads &&
                        static_cast<size_t>(work_panels) * panel_bytes >= static_cast<size_t>(pc.oc_blocks_) * bbytes;
  const int64_t pblocks = whole_plane ? 1
                          : balanced  ? std::min(work_panels, (l2_blocks + threads - 1) / threads * threads)
                                      : (panels + per_block_l2 - 1) / per_block_l2;
  const int64_t per_block = whole_plane ? panels : balanced ? (work_panels + pblocks - 1) / pblocks : per_block_l2;
  const int64_t units = n * group * pblocks;
  // Pixels [pix0, pix0 + npix) of pixel block pb (the tail pixels excluded).
  auto block_pixels = [&](int64_t pb) -> std::pair<int64_t, int64_t> {
    const int64_t p0 = balanced ? pb * work_panels / pblocks : pb * per_block;
    const int64_t p1 = balanced ? (pb + 1) * work_panels / pblocks : p0 + per_block;
    return {p0 * nr, std::min(plane - tail, p1 * nr) - p0 * nr};
  };
  // Whole planes: at most kWholeTiles tiles per task (the K-blocked partial sums stay ~128 KiB). On one thread the
  // output channels are not split for balance: each chunk would read every panel again (ResNet-50's 56x56 256 -> 64
  // layers 0.87x, 28x28 512 -> 128 0.95x, 1.5 % end to end). Chunks only divide the output-channel blocks among
  // tasks, so the bytes are the same either way.
  const int64_t min_tasks = threads > 1 && !balanced ? kMinTasks : 1;
  const int64_t whole_chunks = whole_plane ? (pc.oc_blocks_ * panels + kWholeTiles - 1) / kWholeTiles : 1;
  const int64_t min_chunks = std::max((min_tasks + units - 1) / units, whole_chunks);
  const int64_t max_chunks = std::max<int64_t>(1, pc.oc_blocks_ / kMinChunkBlocks);
  const int64_t chunks0 = std::clamp<int64_t>(min_chunks, 1, max_chunks);
  const int64_t chunks = even_chunks(chunks0, units, threads, std::min(whole_chunks, chunks0));
  // Row-crossing panels (output rows not a multiple of NR pixels) and strides above 2 would be gathered byte by byte.
  // Instead, per (image, group), the im2row matrix R[k][pixel] of raw codes is built first (for every k and output row
  // a contiguous copy at stride 1, a strided copy otherwise; rows padded to whole panels with a valid code), and every
  // panel is then packed from 4 contiguous rows of R with pack_quad.
  const int64_t plane_pad = ((plane + nr - 1) / nr) * nr;
  const size_t rows_bytes = static_cast<size_t>(kq * 4 * plane_pad);
  const bool pointwise =  // (pixel q at input offset q: every panel contiguous)
      pc.kh_ == 1 && pc.kw_ == 1 && p.stride_h == 1 && p.stride_w == 1 && hp == h && wp == wd;
  // Tiers with pack_quad_runs pack such panels straight from the input instead (runs below).
  const bool use_rows = uk.pack_quad_runs == nullptr && p.stride_w == 1 && ow % nr != 0 && !pointwise &&
                        static_cast<size_t>(n * group) * rows_bytes <= kRowsBytes;
  if (use_rows) {
    caller.rows.resize(static_cast<size_t>(n * group) * rows_bytes);
    uint8_t* rows_all = caller.rows.data();
    parallel_for(par, n * group, [&](int64_t bg) {
      const int64_t b = bg / group, g = bg % group;
      const uint8_t* img = src + (b * c + g * pc.cg_) * hp * wp;
      uint8_t* r0 = rows_all + static_cast<size_t>(bg) * rows_bytes;
      for (int64_t kk = 0; kk < kq * 4; ++kk) {
        uint8_t* dk = r0 + kk * plane_pad;
        const uint8_t* a = img + koff[kk];
        for (int64_t oy = 0; oy < oh; ++oy) {
          const uint8_t* srow = a + oy * p.stride_h * wp;
          uint8_t* drow = dk + oy * ow;
          std::memcpy(drow, srow, static_cast<size_t>(ow));
        }
        std::memset(dk + plane, dk[0], static_cast<size_t>(plane_pad - plane));  // tail pixels: any valid code
      }
    });
  }
  // Builds the im2col panels [j0, j1) of one unit (image, group, pixel block) at d0 (panel j at d0 + j * panel_bytes).
  auto pack_unit = [&](int64_t unit, uint8_t* d0, Scratch& s, int64_t j0, int64_t j1) {
    const int64_t pb = unit % pblocks, g = (unit / pblocks) % group, b = unit / (pblocks * group);
    const auto [pix0, npix] = block_pixels(pb);
    const int64_t np_ = std::min((npix + nr - 1) / nr, j1);
    s.base.resize(static_cast<size_t>(nr));
    const uint8_t* img = src + (b * c + g * pc.cg_) * hp * wp;
    const int64_t img_limit = (n * c - b * c - g * pc.cg_) * hp * wp + slack;  // bytes readable from img
    if (use_rows) {
      const uint8_t* r0 = caller.rows.data() + static_cast<size_t>(b * group + g) * rows_bytes + pix0;
      const uint8_t* rows[4];
      for (int64_t j = j0; j < np_; ++j) {
        uint8_t* d = d0 + j * panel_bytes;
        for (int64_t q = 0; q < kq; ++q) {
          for (int jj = 0; jj < 4; ++jj) rows[jj] = r0 + (4 * q + jj) * plane_pad + j * nr;
          uk.pack_quad(rows, mask, sub, d + q * nr * 4);
        }
      }
      return;
    }
    // Runs of source bytes at stride stride_w (1 or 2) of panel j (panels crossing output rows, partial last panels):
    // pixel p of run r reads img + off[k] + run_off[r] + stride_w * p. The pixels beyond npix extend the last run: they
    // read whatever bytes follow it (input or padding codes, so inside a 7-bit window too; their sums are never
    // stored). Returns 0 when the panel has more than kMaxRuns runs or a run's stride_w * NR bytes would leave the
    // input.
    constexpr int kMaxRuns = 8;
    int64_t run_off[kMaxRuns];
    int32_t run_start[kMaxRuns];
    const int64_t step = p.stride_w;
    const int64_t img_pos = img - src;  // bytes readable before img
    auto runs_of = [&](int64_t j) -> int {
      if (uk.pack_quad_runs == nullptr || step > 2) return 0;
      const int64_t valid = std::min(nr, npix - j * nr);
      int nruns = 0;
      for (int64_t q = 0; q < valid; ++q) {
        const int64_t b0 = s.base[static_cast<size_t>(q)];
        if (q > 0 && b0 == s.base[static_cast<size_t>(q - 1)] + step) continue;
        const int64_t ro = b0 - step * q;
        if (nruns == kMaxRuns || img_pos + ro < 0 || ro + max_off + step * nr > img_limit) return 0;
        run_start[nruns] = static_cast<int32_t>(q);
        run_off[nruns++] = ro;
      }
      return nruns;
    };
    // Byte gather of quads [q0, q1) of a panel from the pixel bases in s.base (e.g. the partial last panel of a layer,
    // whose NR-byte runs would read past the input): per quad, each tap's NR bytes into a contiguous row, then the
    // tier's pack_quad. (Scattering to the panel byte by byte reloaded mask, sub and the base pointer after every byte
    // store: 18 % of a 7x7 layer.)
    auto gather_quads = [&](int64_t q0, int64_t q1, int64_t valid, uint8_t* d) {
      alignas(64) uint8_t gath[4][kMaxNr];
      const uint8_t* rows[4] = {gath[0], gath[1], gath[2], gath[3]};
      const int64_t* bp = s.base.data();
      for (int64_t q = q0; q < q1; ++q) {
        for (int jj = 0; jj < 4; ++jj) {
          const uint8_t* a = img + koff[4 * q + jj];
          uint8_t* gr = gath[jj];
          for (int64_t pp = 0; pp < valid; ++pp) gr[pp] = a[bp[pp]];
          // (The pixels past the valid ones repeat the last one: the same bytes as gathering them, at a memset's
          // cost; a 14x14 plane's last panel has 4 valid pixels of 32.)
          std::memset(gr + valid, gr[valid - 1], static_cast<size_t>(nr - valid));
        }
        uk.pack_quad(rows, mask, sub, d + q * nr * 4);
      }
    };
    for (int64_t j = j0; j < np_; ++j) {
      uint8_t* d = d0 + j * panel_bytes;
      const int64_t valid = std::min(nr, npix - j * nr), first = pix0 + j * nr;
      if (pointwise) {
        // 1x1, stride 1, no padding: pixel q's base is its index, so the panel is one run from `first` (no per-pixel
        // bases: they cost as much as packing a short-K panel). The pixels past the valid ones read the input bytes
        // that follow (their sums are never stored); quads whose NR bytes would leave the input are gathered.
        int64_t qfast = kq;
        if (first + max_off + nr > img_limit) {
          qfast = 0;
          auto quad_end = [&](int64_t q) {
            return std::max({koff[4 * q], koff[4 * q + 1], koff[4 * q + 2], koff[4 * q + 3]}) + first + nr;
          };
          while (qfast < kq && quad_end(qfast) <= img_limit) ++qfast;
        }
        if (qfast > 0) uk.pack_panel(img + first, koff, qfast, mask, sub, d);
        if (qfast < kq) {
          for (int64_t q = 0; q < nr; ++q) s.base[static_cast<size_t>(q)] = first + std::min(q, valid - 1);
          gather_quads(qfast, kq, valid, d);
        }
        continue;
      }
      bool contig = true, s2 = true;
      // Pixel q of the panel (the tail repeats the last valid pixel), stepped through the output rows without a
      // division per pixel.
      int64_t oy = first / ow, ox = first % ow;
      {
        const int64_t rs = p.stride_h * wp, cs = p.stride_w;  // (locals: the stores below cannot alias them)
        int64_t* bp = s.base.data();
        const int64_t b0 = oy * rs + ox * cs;
        for (int64_t q = 0; q < nr; ++q) {
          const int64_t bq = oy * rs + ox * cs;
          bp[q] = bq;
          contig = contig && bq == b0 + q;
          s2 = s2 && bq == b0 + 2 * q;
          if (q + 1 < valid && ++ox == ow) ox = 0, ++oy;
        }
      }
      // Stride-2 rows read 2 * NR bytes from every tap: only where that stays inside the (padded) input.
      if (s2 && !contig && s.base[0] + max_off + 2 * nr <= img_limit) {
        const uint8_t* r0 = img + s.base[0];
        const uint8_t* rows[4];
        for (int64_t q = 0; q < kq; ++q) {
          for (int jj = 0; jj < 4; ++jj) rows[jj] = r0 + koff[4 * q + jj];
          uk.pack_quad_s2(rows, mask, sub, d + q * nr * 4);
        }
      } else if (contig) {
        uk.pack_panel(img + s.base[0], koff, kq, mask, sub, d);
      } else if (int nruns = runs_of(j); nruns > 0 && uk.pack_panel_runs != nullptr) {
        uk.pack_panel_runs(img, koff, kq, run_off, run_start, nruns, static_cast<int>(step), mask, sub, d);
      } else if (nruns > 0) {
        const uint8_t* rows[4];
        for (int64_t q = 0; q < kq; ++q) {
          for (int jj = 0; jj < 4; ++jj) rows[jj] = img + koff[4 * q + jj];
          uk.pack_quad_runs(rows, run_off, run_start, nruns, static_cast<int>(step), mask, sub, d + q * nr * 4);
        }
      } else {
        gather_quads(0, kq, valid, d);
      }
    }
  };
  // Output channels split into chunks: every chunk task needs its unit's panels.
  // - Up to kPrivatePanelThreads threads, a task packs them into its thread's scratch unless that already holds this
  //   call's unit (a thread packs each unit it meets once): the panels stay in the core that reads them. Against
  //   panels shared by the tasks, on 2 threads: EfficientNet-B0's and MobileNetV2's 7x7 / 14x14 1x1 layers
  //   0.88-0.97x, the 14x14 3x3 256 -> 256 0.93-0.95x (packing the shared panels took 4.6x as long as on one thread:
  //   each call rewrites lines the other core has read), ResNet-50 one inference 0.98x.
  // - With more threads each would pack most units, so when the whole im2col is small it is built once per call (in
  //   parallel over the panels of the units) and shared by the tile tasks.
  const size_t unit_bytes = static_cast<size_t>(per_block) * panel_bytes;
  const bool shared =
      chunks > 1 && threads > kPrivatePanelThreads && static_cast<size_t>(units) * unit_bytes <= kSharedPanelBytes;
  static std::atomic<uint64_t> g_calls{0};  // call ids for the scratch panels' tags
  const uint64_t call_id = g_calls.fetch_add(1, std::memory_order_relaxed) + 1;
  if (shared) {
    caller.xall.resize(static_cast<size_t>(units) * unit_bytes);
    uint8_t* xall = caller.xall.data();
    parallel_for(par, units * per_block, [&](int64_t i) {
      const int64_t u = i / per_block, j = i % per_block;
      pack_unit(u, xall + static_cast<size_t>(u) * unit_bytes, detail::scratch(), j, j + 1);
    });
  }
  const uint8_t* xall = caller.xall.data();
  // One-pixel tail (px1): the tail pixels' quads (the panels' bytes, u - sub; 0 past K) per (image, group), gathered
  // once per call for every task that runs them (in run_tiles, on each weight block right after its tiles).
  if (px1 && tail > 0) {
    caller.xq.assign(static_cast<size_t>(n * group * tail * kq * 4), 0);
    // Every value in a local (byte stores may alias anything, so fields would be reloaded per byte); per k, the offset
    // is loaded once for all tail pixels.
    const uint8_t m8 = mask, s8 = sub;
    const int64_t* koffs = off.data();
    const int64_t k = pc.k_, tails = tail;
    // Tail pixels one byte apart (one output row, stride 1): the tier's gather_px, one dword per tap for all of them.
    const bool run = uk.gather_px != nullptr && p.stride_w == 1 && (plane - tails) % ow + tails <= ow;
    const uint8_t* src_end = src + n * c * hp * wp + slack;
    for (int64_t bg = 0; bg < n * group; ++bg) {
      const uint8_t* img = src + ((bg / group) * c + (bg % group) * pc.cg_) * hp * wp;
      const uint8_t* at[kTail1pxWide];
      uint8_t* d[kTail1pxWide];
      for (int64_t t = 0; t < tails; ++t) {
        const int64_t pix = plane - tails + t, base = pix / ow * p.stride_h * wp + pix % ow * p.stride_w;
        at[t] = img + base;
        d[t] = caller.xq.data() + static_cast<size_t>((bg * tails + t) * kq * 4);
      }
      if (run) {
        uk.gather_px(at[0], koffs, k, static_cast<int>(tails), m8, s8, d[0], kq * 4, src_end);
        continue;
      }
      for (int64_t kk = 0; kk < k; ++kk) {
        const int64_t o = koffs[kk];
        for (int64_t t = 0; t < tails; ++t) d[t][kk] = static_cast<uint8_t>((at[t][o] ^ m8) - s8);
      }
    }
  }
  // A residual with its row kernel: the convolution stores the intermediate codes (through every fast store path a
  // call without residual takes), then one pass over the output runs the add's row kernel in place. (Adding per task
  // instead, over the task's rows: 56x56 layers 1.04x slower, short strided runs; whole-plane tasks about even.)
  const bool add_after = st.residual != nullptr && st.add_row != nullptr;
  RowStore st_mid = st;
  if (add_after) st_mid.residual = nullptr;
  auto task = [&](int64_t t) {
    const int64_t chunk = t % chunks, unit = t / chunks;
    const int64_t pb = unit % pblocks, g = (unit / pblocks) % group, b = unit / (pblocks * group);
    const auto [pix0, npix] = block_pixels(pb);
    Scratch& s = detail::scratch();
    const uint8_t* xbuf = nullptr;
    if (shared) {
      xbuf = xall + static_cast<size_t>(unit) * unit_bytes;
    } else {
      if (s.x_call != call_id || s.x_unit != unit) {
        s.x.resize(static_cast<size_t>(per_block) * panel_bytes);
        pack_unit(unit, s.x.data(), s, 0, per_block);
        s.x_call = call_id;
        s.x_unit = unit;
      }
      xbuf = s.x.data();
    }
    const int64_t ob0 = chunk * pc.oc_blocks_ / chunks, ob1 = (chunk + 1) * pc.oc_blocks_ / chunks;
    RowParams rp;
    rp.corr = chan.corr.data() + g * cog;
    rp.bias = pc.bias_v_.data() + g * cog;
    rp.acc_bound = pc.acc_bound_;
    rp.mult = p.out_mult.empty() ? nullptr : (per_channel ? p.out_mult.data() + g * cog : p.out_mult.data());
    rp.per_channel = per_channel;
    rp.zp = p.output_zero_point;
    rp.lo = p.out_range.qmin;
    rp.hi = p.out_range.qmax;
    rp.acc_out = p.output_dtype == DType::kI32;
    rp.rowq = chan.rowq.data() + g * cog;
    rp.row_fast = chan.row_fast.data() + g * cog;
    const int64_t row0 = (b * pc.cout_ + g * cog) * plane;
    detail::TileFixes fx;
    if (split) {
      fx.fix = pc.fixes_.data();
      fx.start = pc.fix_start_.data() + g * pc.oc_blocks_;
    }
    const bool tail_here = px1 && tail > 0 && pb == pblocks - 1;
    detail::run_tiles(
        uk, tile, kq, wpacked + static_cast<size_t>(g * pc.oc_blocks_) * bbytes, bbytes, cog, ob0, ob1, xbuf, pix0,
        npix, rp, st_mid, [&](int64_t row) { return row0 + row * plane; }, 1, s, tile_rq8, tile_half,
        split && !pc.fixes_.empty() ? &fx : nullptr,
        tail_here ? caller.xq.data() + static_cast<size_t>((b * group + g) * tail * kq * 4) : nullptr,
        tail_here ? tail : 0);
    if (tail > 0 && !px1 && pb == pblocks - 1) {
      // The tail pixels of this task's rows (tiers without the pixel kernel, which run_tiles runs): the pixel's K
      // activations (the panel's bytes: u - sub) as int16, one gemv over the rows' int8 weights, then the rows'
      // requantization and store as run_tiles does.
      const int64_t r0 = ob0 * uk.mr, r1 = std::min(cog, ob1 * uk.mr), k = pc.k_;
      if (r1 <= r0) return;
      const uint8_t* img = src + (b * c + g * pc.cg_) * hp * wp;
      s.x16.resize(static_cast<size_t>(k));
      s.codes.resize(static_cast<size_t>(std::max<int64_t>(r1 - r0, nr)) + 1);
      int32_t* acc = s.codes.data();
      const int8_t* wg = pc.w_.data<int8_t>() + (g * cog + r0) * k;
      for (int64_t pix = plane - tail; pix < plane; ++pix) {
        const int64_t base = pix / ow * p.stride_h * wp + pix % ow * p.stride_w;
        for (int64_t kk = 0; kk < k; ++kk)
          s.x16[static_cast<size_t>(kk)] =
              static_cast<int16_t>(static_cast<uint8_t>((img[off[static_cast<size_t>(kk)] + base] ^ mask) - sub));
        uk.gemv(k, wg, k, r1 - r0, s.x16.data(), acc);
        for (int64_t r = r0; r < r1; ++r) {
          int32_t code = 0;
          detail::row_codes(uk, rp, r, acc + (r - r0), 1, &code);
          detail::store_row(st_mid, &code, 1, row0 + r * plane + pix, 1);
        }
      }
    }
  };
  parallel_for(par, units * chunks, task);
  if (add_after) {
    constexpr int64_t kAddBlock = 1 << 15;  // elements per task
    const int64_t total = out.numel(), blocks = (total + kAddBlock - 1) / kAddBlock;
    parallel_for(par, blocks, [&](int64_t i) {
      detail::add_residual_rows(st, i * kAddBlock, std::min(kAddBlock, total - i * kAddBlock));
    });
  }
  *y = std::move(out);
  return Status::Ok();
}

}  // namespace npukit::q8
