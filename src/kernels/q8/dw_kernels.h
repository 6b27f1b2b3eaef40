// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): the per-tier table of the depthwise convolution kernels (conv_dw.cpp). One input
// plane is turned into "pair planes" of int16 pairs (u, v), u and v being zero-point-corrected input values
// (x - zp, 0 in the padding), and every output of the plane is then sum_t madd(pair[i + off[t]], wpair[t]), where
// madd(pair, w) = u * lo16(w) + v * hi16(w) (vpmaddwd). Output (oy, ox) reads pair oy * ws + ox + off[t], so a
// call covers a block of output rows with the same tap offsets; outputs are written compactly (row stride ow).
//
// Pair-plane layout, planes[((fy * ncolph + fx) * plane_stride + r * ws + j) * 2 + {0, 1}] where row r of row
// phase fy is padded row r * sh + fy (zero when >= hp) and R[c] is padded column c of that row (0 past wp):
//   kPairs1 (sw == 1):          pair j = (R[j], R[j + dw])          taps (kx, kx + 1) in one pair
//   kPairs2 (sw == 2, dw == 1): pair j = (R[2j], R[2j + 1])         taps (kx, kx + 1), kx even, in one pair
//   kSingle (anything else):    pair j of column phase fx = (R[j * sw + fx], 0)   one tap per pair
// Exactness: |u|, |v| <= 255 and |w| <= 127, so vpmaddwd's two products and their sum are exact in int32, and
// the caller only runs this when K * 255 * max|w| < 2^31 (the whole sum is exact in int32).
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/q8/line64.h"

namespace npukit::q8::detail {

enum class DwMode : int { kPairs1, kPairs2, kSingle };

/// The geometry of one depthwise call's planes (every kernel: the pair planes below, the channel-blocked and quad
/// kernels).
struct DwPlaneGeom {
  int64_t h = 0, w = 0, pad_top = 0, pad_left = 0, hp = 0, wp = 0;  ///< input plane, padding, padded plane
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, dh = 1, dw = 1, oh = 0, ow = 0;
};

/// Geometry of the pair planes of one input plane.
struct DwGeom : DwPlaneGeom {
  DwMode mode = DwMode::kSingle;
  int64_t ws = 0;            ///< pairs per plane row
  int64_t rows_ph = 0;       ///< rows per row phase: ceil(hp / sh)
  int64_t ncolph = 1;        ///< column phases (kSingle: sw, else 1)
  int64_t plane_stride = 0;  ///< pairs per (row phase, column phase) plane: rows_ph * ws
};

struct DwKernels {
  /// Writes the nplanes = sh * ncolph pair planes of the input plane at byte x_off of x (h * w codes, int8 when
  /// i8 else uint8); bytes [0, x_len) of x are readable (tiers may load whole vectors inside them). rowbuf: room for ws
  /// * sw + dw + 64 int16. planes: room for 32 pairs past the last plane (tiers may store whole vectors past a row end;
  /// only values x - zp or 0).
  void (*prep)(const DwGeom& g, const void* x, int64_t x_off, int64_t x_len, bool i8, int32_t zp, int16_t* planes,
               int16_t* rowbuf) = nullptr;
  /// For r < rows and i < round_up(ow, 8): acc[r * ow + i] = sum_{t < ntaps} madd(pair[r * ws + i + off[t]], wpair[t])
  /// (rows in order, so a row's overhang past ow is overwritten by the next row). src holds pairs (2 int16 each)
  /// readable up to index (rows - 1) * ws + round_up(ow, 8) + max(off).
  void (*accumulate)(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                     int64_t rows, int64_t ow, int32_t* acc) = nullptr;
  /// y[i] = codes[i] for i < n: codes already in the 8-bit output range (uint8 when u8, else int8).
  void (*store)(const int32_t* codes, int64_t n, bool u8, void* y) = nullptr;
  /// Optional (null: the caller runs accumulate, requantization and store): accumulate fused with the fast
  /// requantization and the 8-bit store, y[r * ow + i] = byte of requantize(acc(r, i) + q.corr) for r < rows, i < ow
  /// (acc as for accumulate). Writes only bytes [0, rows * ow) of y (rows in order: a row may overhang into the next
  /// one before that is written). Preconditions (DwRq).
  void (*accumulate_rq)(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                        int64_t rows, int64_t ow, const struct DwRq& q, uint8_t* y) = nullptr;
  /// Optional: channel-blocked kernel for small planes (DwBlock), null when the tier has none.
  void (*block)(const struct DwBlock& b) = nullptr;
};

/// Fused requantization parameters of one output channel: code = clamp(floor((a * mult + 2^(r-1)) / 2^r) + zp, lo,
/// hi) with a = acc + corr. Preconditions (the caller's): acc + corr fits int32 for every accumulator, mult > 0,
/// r = min(31 - shift, 63) >= 32, [lo, hi] inside the 8-bit output range. Equal to quant::requantize then (the fast
/// form of requant_avx2, ukernels_x86_impl.h: |a * mult| < 2^62, so floor(p / 2^r) is the high half shifted).
struct DwRq {
  int32_t corr = 0, mult = 0, r = 32, zp = 0, lo = 0, hi = 0;
};

/// Channel-blocked depthwise convolution of up to kDwBlockCh channels of one image (channel multiplier 1, small
/// planes): the channels are transposed to channel-minor int16 pairs, so vector lanes run over channels and each
/// tap pair of every output pixel is one vpmaddwd against per-channel weight pairs; requantization is per lane
/// (DwRq preconditions for every channel), codes are transposed back to the NCHW planes.
inline constexpr int kDwBlockCh = 8;
struct DwBlock : DwPlaneGeom {
  int nch = 0;                        ///< channels of the block, 1..kDwBlockCh
  const uint8_t* x[kDwBlockCh] = {};  ///< input planes (h * w codes; lanes >= nch: any valid plane)
  const uint8_t* x_end = nullptr;     ///< end of the readable input bytes (tiers may read whole vectors before it)
  bool i8 = true;                     ///< int8 codes (else uint8)
  int32_t zp = 0;                     ///< input zero point
  /// The block's tap-pair weight vectors, [kh * ceil(kw / 2)][kDwBlockCh][2] int16: per tap pair (ky, kx even) the
  /// pairs (w(ky, kx), w(ky, kx + 1)) of the block's channels in lane order, 0 past the kernel and lanes >= nch
  /// (PackedConv's, built at pack time: built here from scalar stores, each vector stalled on store forwarding).
  const int16_t* wpairs = nullptr;
  DwRq q[kDwBlockCh];           ///< per channel (lanes >= nch: ignored)
  uint8_t* y[kDwBlockCh] = {};  ///< output planes (oh * ow codes)
  int16_t* scratch = nullptr;   ///< dw_block_scratch() int16, 32-byte aligned
};
/// int16 scratch of one DwBlock call.
inline int64_t dw_block_scratch(int64_t hp, int64_t wp, int64_t dw, int64_t oh, int64_t ow) {
  return hp * (wp + dw) * 8 + hp * wp * 16 + (oh * ow + 8) * 4 + 64;
}

/// One output channel plane of a depthwise convolution on u8 quads (dilation 1, strides 1 or 2, kw <= 8): every output
/// is sum over kernel rows ky and tap quads g of the 4 bytes u(ky, 4g .. 4g + 3) of its window times the quad's int8
/// weights (0 past kw), u = input code ^ (i8 ? 0x80 : 0) and the padding u = zp_u, the input zero point's u; the
/// accumulators start at corr = bias - zp_u * sum(w) (mod 2^32), so they end at the true sum + bias. Requantized with
/// q (DwRq preconditions, q.corr unused) and stored as bytes, y[oy * ow + ox].
struct DwQuadPlane : DwPlaneGeom {  // (dilation 1)
  const uint8_t* x = nullptr;       ///< input plane, h * w codes
  uint8_t mask = 0;                 ///< 0x80 for int8 codes, else 0
  uint8_t zp_u = 0;                 ///< the input zero point as u
  const int8_t* wt = nullptr;       ///< kh * kw weights of the channel
  int32_t corr = 0;                 ///< bias - zp_u * sum(w), mod 2^32
  DwRq q;
  uint8_t* y = nullptr;        ///< oh * ow output codes
  uint8_t* scratch = nullptr;  ///< dw_quad_scratch() bytes
};
/// DwQuadPlane::scratch: dw_quad_rows(p) padded u rows of dw_quad_row(p) bytes (the window columns, and slack for
/// whole 64-byte loads from every 16-output step), plus 64 bytes.
inline int64_t dw_quad_rows(const DwQuadPlane& p) {
  return (p.oh - 1) * p.sh + p.kh;
}
inline int64_t dw_quad_row(const DwQuadPlane& p) {
  const int64_t cols = std::max(p.pad_left + p.w, (p.ow - 1) * p.sw + p.kw);
  return std::max(cols, p.sw * ((p.ow + 15) / 16 * 16) + 8) + 64;
}
inline int64_t dw_quad_scratch(const DwQuadPlane& p) {
  return dw_quad_rows(p) * dw_quad_row(p) + 64;
}
/// The AVX-512 VNNI + VBMI plane kernel (one vpermb gathers 16 outputs' tap quads from a 64-byte row window, one
/// vpdpbusd multiplies them), or null when this CPU / build has none.
using DwQuadFn = void (*)(const DwQuadPlane&);
/// The quad kernels' correction of a channel: bias - zp_u * sum(w), mod 2^32 (the accumulators wrap to the true sum +
/// bias, which fits int32 under DwRq's preconditions); sumw is PackedConv's per-channel weight sum.
inline int32_t dw_quad_corr(int32_t bias, uint8_t zp_u, int64_t sumw) {
  return static_cast<int32_t>(static_cast<uint32_t>(bias) -
                              static_cast<uint32_t>(zp_u) * static_cast<uint32_t>(static_cast<uint64_t>(sumw)));
}
DwQuadFn dw_quad_avx512_vnni();

/// Channel-blocked small planes on u8 quads (AVX-512 VNNI + VBMI): the input planes of up to 16 channels transposed to
/// channel-minor bytes Q[py][px][16] (u = code ^ mask, zp_u in the padding), every output pixel's taps gathered in
/// quads per channel lane (4 taps' 16-byte vectors interleaved by one vpermb: with column dilation 1, the 64 bytes of 4
/// consecutive pixels of one kernel row, columns past the kernel weighted 0) and multiplied by per-lane weight quads
/// with vpdpbusd from the per-lane correction (bias - zp_u * sum(w), mod 2^32); per-lane fused requantization (DwRq
/// preconditions), codes transposed back to the output planes.
inline constexpr int kDwQuadCh = 16;
/// Tap groups of the quad blocks: with column dilation 1 and at most 16 of them (win), per kernel row ceil(kw / 4)
/// groups of 4 consecutive columns (taps past kw: weight 0), each read as one 64-byte window of Q (4 pixels x 16
/// channels); otherwise the kh * kw taps packed densely, 4 per group, each group gathered from 4 pixels.
inline bool dw_quad_win(int64_t kh, int64_t kw, int64_t dilation_w) {
  return dilation_w == 1 && kh * ((kw + 3) / 4) <= 16;
}
inline int64_t dw_quad_groups(int64_t kh, int64_t kw, bool win) {
  return win ? kh * ((kw + 3) / 4) : (kh * kw + 3) / 4;
}
/// The tap of byte j of group g: (ky, kx), a real tap when ky < kh and kx < kw (else weight 0).
inline void dw_quad_tap(int64_t g, int64_t j, int64_t kw, bool win, int64_t* ky, int64_t* kx) {
  const int64_t gpr = (kw + 3) / 4;
  *ky = win ? g / gpr : (4 * g + j) / kw;
  *kx = win ? g % gpr * 4 + j : (4 * g + j) % kw;
}
/// A block's constants, packed once per layer (PackedConv, conv_dw.cpp pack_dw_quad), in 64-byte lines: per-lane
/// requantization (DwRq of each channel, lanes past the last channel repeat it) in the kDwQuad* lines below, then one
/// line of weight quads per tap group (byte 4c + j: lane c's weight of tap byte j, 0 past the kernel).
enum DwQuadLine : int {
  kDwQuadCorrU8,   ///< int32 per lane: bias - zp_u * sum(w) mod 2^32 for uint8 input codes (zp_u = zp)
  kDwQuadCorrI8,   ///< the same for int8 input codes (zp_u = zp ^ 0x80)
  kDwQuadMult,     ///< int32 per lane: mult
  kDwQuadCnt,      ///< int32 per lane: r - 32
  kDwQuadR32,      ///< int32 per lane: 2^(r - 33) + zp * 2^(r - 32) (ukernels.h kRq32MaxR; 0 without the flag)
  kDwQuadRndEven,  ///< int64 per even lane: 2^(r - 1)
  kDwQuadRndOdd,   ///< int64 per odd lane: 2^(r - 1)
  kDwQuadFlags,    ///< int32 [0]: 1 when every lane has 33 <= r <= kRq32MaxR
  kDwQuadHead      ///< lines before the weight quads
};
struct DwBlockQuad : DwPlaneGeom {
  int nch = 0;                     ///< channels of the block, 1..kDwQuadCh
  const uint8_t* x = nullptr;      ///< the block's first input plane (h * w codes) ...
  int64_t x_stride = 0;            ///< ... and the distance between its planes
  const Line64* k = nullptr;       ///< the block's packed constants (DwQuadLine), 64-byte aligned
  bool i8 = true;                  ///< int8 input codes (else uint8)
  int32_t zp = 0, lo = 0, hi = 0;  ///< output zero point and clamp (DwRq, the same for every channel)
  uint8_t mask = 0, zp_u = 0;      ///< as DwQuadPlane
  uint8_t* y = nullptr;            ///< the first output plane (oh * ow codes) ...
  int64_t y_stride = 0;            ///< ... and the distance between them (lanes >= nch: not written)
  uint8_t* scratch = nullptr;      ///< dw_block_quad_scratch() bytes
  /// Lane l's input plane (lanes past the block repeat its last channel).
  const uint8_t* lane_x(int l) const { return x + (l < nch ? l : nch - 1) * x_stride; }
};
inline int64_t dw_block_quad_scratch(int64_t hp, int64_t wp, int64_t npix) {
  return hp * wp * kDwQuadCh + 64 + ((npix + 15) / 16 * 16) * kDwQuadCh + 64;
}
using DwBlockQuadFn = void (*)(const DwBlockQuad&);
DwBlockQuadFn dw_block_quad_avx512_vnni();

const DwKernels& dw_kernels_scalar();
const DwKernels& dw_kernels_avx2();

}  // namespace npukit::q8::detail
