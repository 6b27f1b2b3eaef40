// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): the per-tier microkernel table. Operator code (conv.cpp, gemm.cpp) calls only these
// function pointers; the per-ISA translation units (ukernels_<tier>.cpp, compiled with that tier's flags) fill
// them. Layouts (docs/KERNELS.md):
//  - activation panel: NR "pixels" x K (K padded to a multiple of 4) as u8 codes,
//      x[(q * NR + p) * 4 + j] = code(pixel p, k = 4q + j)   (int8 activations are stored as code + 128)
//  - weight block: MR output channels x K,
//      kBytes:    int8  w[(q * MR + r) * 4 + j]              = w(r, 4q + j)
//      kI16Pairs: int16 w[(q * MR + r) * 4 + {0, 1, 2, 3}]  = w(r, 4q + {0, 2, 1, 3})
//  - 7-bit tile (gemm_tile7): the same panel with every byte in [0, 127], kBytes weights
//  - result tile: int32 c[r * NR + p] = sum_k w(r, k) * x(p, k), exact while K * 255 * max|w| < 2^31.
#pragma once

#include <cstdint>

#include "kernels/q8/isa.h"
#include "kernels/q8/pair_fix.h"

namespace npukit::q8::detail {

enum class WeightFormat { kBytes, kI16Pairs };

/// Per-row parameters of the fused tile requantization (requant_rows8). Preconditions, checked by the caller per row:
/// acc + corr (true value, int64) fits int32 for every accumulator of the row (so corr is used mod 2^32), mult > 0 and
/// 31 - shift in [32, 63] (multiplier in (0, 1/2), every usual layer).
struct RowQ {
  int32_t corr = 0;
  int32_t mult = 0;
  int32_t shift = 0;  ///< the spec's shift, in [-32, -1]
};

/// The AVX-512 tier's fused requantization (rq512_impl.h) adds the rounding term and the output zero point to the
/// products' high halves H in 32 bits when 33 <= r = 31 - shift <= kRq32MaxR: floor((H + 2^(r-33)) / 2^(r-32)) + zp
/// = floor((H + 2^(r-33) + zp * 2^(r-32)) / 2^(r-32)), and the sum stays inside int32 (|H| < 2^30 as |acc * mult| <
/// 2^62, |zp| * 2^(r-32) <= 255 * 2^21 < 2^29). Otherwise the 64-bit products get the rounding term and the zero point
/// is added after narrowing to int16.
inline constexpr int kRq32MaxR = 53;

struct Ukernels {
  Isa isa = Isa::kScalar;
  int mr = 4;  ///< output channels per tile
  int nr = 8;  ///< pixels per tile
  WeightFormat wfmt = WeightFormat::kBytes;
  /// Convolution tiles with more than kKBlockMin quads run over K chunks (engine.h run_tiles) when true, over the whole
  /// K otherwise.
  bool kblock = true;
  /// c[MR x NR] = weight block (kq quads) x activation panel (kq quads).
  void (*gemm_tile)(int64_t kq, const void* w, const uint8_t* x, int32_t* c) = nullptr;
  /// out[i] = clamp(scale_round(saturate_i32(acc[i] + corr), {mult, shift}) + zp, lo, hi) for i < n.
  /// Preconditions: mult >= 0, shift in [-61, 31], lo <= hi. no_sat: the caller guarantees that acc[i] + corr
  /// fits in int32 (so the sum may be formed with wrapping 32-bit arithmetic from corr mod 2^32).
  void (*requant)(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                  int32_t hi, int32_t* out, bool no_sat) = nullptr;
  /// Depthwise row: acc[i] = sum_t (src[2t][i] * lo16(wp[t]) + src[2t+1][i] * hi16(wp[t])) for i < round_up(n, 16)
  /// (sources readable that far; acc has room for it).
  void (*dw_row)(int64_t n, int64_t npairs, const int16_t* const* src, const int32_t* wp, int32_t* acc) = nullptr;
  /// Fused requantization + 8-bit store of `rows` rows of a result tile (row stride nr): for r < rows, i < nvalid,
  /// y[r * ys + i] = byte of clamp(requantize(c[r * nr + i] + q[r].corr), lo, hi) (the low byte of the code, which is
  /// the i8 or u8 code itself since [lo, hi] is inside the output dtype's range).
  void (*requant_rows8)(const int32_t* c, int rows, int nvalid, const RowQ* q, int32_t zp, int32_t lo, int32_t hi,
                        uint8_t* y, int64_t ys) = nullptr;
  /// Matrix-vector rows: out[r] = sum_{i < k} w[r * ldw + i] * x[i] for r < rows (|x| <= 255; exact while k * 255 *
  /// max|w| < 2^31).
  void (*gemv)(int64_t k, const int8_t* w, int64_t ldw, int64_t rows, const int16_t* x, int32_t* out) = nullptr;
  /// One quad of an activation panel from 4 contiguous source rows: d[p * 4 + j] = (rows[j][p] ^ mask) - sub (mod 256),
  /// p < NR. (mask is 0 or 0x80 in every pack_* function.)
  void (*pack_quad)(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) = nullptr;
  /// A whole panel of contiguous pixels: pack_quad of quad q from the rows base + koff[4q + j], for q < kq, into
  /// d + q * NR * 4.
  void (*pack_panel)(const uint8_t* base, const int64_t* koff, int64_t kq, uint8_t mask, uint8_t sub,
                     uint8_t* d) = nullptr;
  /// The same from rows read at stride 2: d[p * 4 + j] = (rows[j][2 * p] ^ mask) - sub; reads rows[j][0, 2 * NR).
  void (*pack_quad_s2)(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) = nullptr;
  /// One quad of an activation panel whose NR pixels are `nruns` runs of source bytes at stride `step` (1 or 2; e.g.
  /// the pixels of a panel that crosses output rows): pixel p of run r (run_start[r] <= p < run_start[r + 1],
  /// run_start[0] = 0, the last run up to NR) reads rows[j][run_off[r] + step * p]: d[p * 4 + j] = (rows[j][run_off[r]
  /// + step * p] ^ mask) - sub (mod 256). Reads rows[j][run_off[r] + [0, step * NR)) for every run r. Null when the
  /// tier has none (conv.cpp then builds im2row matrices for stride-1 row-crossing panels and gathers the others byte
  /// by byte).
  void (*pack_quad_runs)(const uint8_t* const* rows, const int64_t* run_off, const int32_t* run_start, int nruns,
                         int step, uint8_t mask, uint8_t sub, uint8_t* d) = nullptr;
  /// Optional: a whole panel of such runs, pack_quad_runs of quad q from the rows base + koff[4q + j], for q < kq, into
  /// d + q * NR * 4 (the per-panel constants built once).
  void (*pack_panel_runs)(const uint8_t* base, const int64_t* koff, int64_t kq, const int64_t* run_off,
                          const int32_t* run_start, int nruns, int step, uint8_t mask, uint8_t sub,
                          uint8_t* d) = nullptr;
  /// Optional (null when gemm_tile already costs the same on any u8 panel): the tile for activation panels whose bytes
  /// are all in [0, 127] ("7-bit" panels), weights in the kBytes layout. AVX2: vpmaddubsw, whose int16 pair sums |u0 *
  /// w0 + u1 * w1| <= 2 * 127 * 128 < 2^15 cannot saturate on such panels.
  void (*gemm_tile7)(int64_t kq, const void* w, const uint8_t* x, int32_t* c) = nullptr;
  /// Optional: gemm_tile (resp. gemm_tile7) for the first NR / 2 pixels of the panel only (partial last panels of at
  /// most NR / 2 valid pixels): c[r * NR + p] as gemm_tile for p < NR / 2, 0 for the others.
  void (*gemm_tile_half)(int64_t kq, const void* w, const uint8_t* x, int32_t* c) = nullptr;
  void (*gemm_tile7_half)(int64_t kq, const void* w, const uint8_t* x, int32_t* c) = nullptr;
  /// Optional (kBytes weights): n pixels (1 <= n <= kMaxPx) against a weight block, c[t * MR + r] = sum_{q < kq, j < 4}
  /// w[(q * MR + r) * 4 + j] * x[t * xs + 4q + j] for r < MR, t < n (pixel t: kq u8 quads at x + t * xs).
  void (*gemm_px)(int64_t kq, const void* w, const uint8_t* x, int64_t xs, int n, int32_t* c) = nullptr;
  static constexpr int kMaxPx = 4;
  /// Optional (tiers with gemm_px): requant_rows8 of gemm_px's sums, c[t * MR + r] for t < n <= kMaxPx, r < rows:
  /// y[r * ys + t] = byte of clamp(requantize(c[t * MR + r] + q[r].corr), lo, hi), with requant_rows8's
  /// preconditions.
  void (*requant_px)(const int32_t* c, int n, int rows, const RowQ* q, int32_t zp, int32_t lo, int32_t hi, uint8_t* y,
                     int64_t ys) = nullptr;
  /// Optional: the bytes of n <= kMaxPx consecutive pixels at the offsets koff (gemm_px's tail pixels, one row of d
  /// each): d[t * ds + kk] = (src[koff[kk] + t] ^ mask) - sub for t < n, kk < k. Reads only bytes in [src, end); the
  /// caller guarantees src + koff[kk] + n <= end.
  void (*gather_px)(const uint8_t* src, const int64_t* koff, int64_t k, int n, uint8_t mask, uint8_t sub, uint8_t* d,
                    int64_t ds, const uint8_t* end) = nullptr;
  /// Optional (tiers with gemm_tile7): adds n fixes of one tile (ordered by row) to its sums: for each fix f and
  /// p < NR, c[f.coff + p] += sum_j x[f.xoff + p * 4 + j] * e_j(f). Exact: at most one nonzero e per byte pair,
  /// |e| <= 127, so a pair sum is at most 255 * 127 in magnitude.
  void (*tile_fix)(const uint8_t* x, const PairFix* fix, int64_t n, int32_t* c) = nullptr;
  /// Optional: gemm_tile (resp. gemm_tile7) over consecutive panels of x (kq * NR * 4 bytes each) holding pixels
  /// [0, npix), each followed by requant_rows8 of its first `rows` rows (row r, pixel p stored at y[r * ys + p]),
  /// without the int32 tiles in memory: the same bytes as those calls, with the same preconditions.
  /// gemm_block7_rq8 with fix != null also adds each panel's nfix fixes (as tile_fix: ordered by row) before the
  /// requantization;
  /// gemm_block_rq8 takes none (fix must be null).
  void (*gemm_block_rq8)(int64_t kq, const void* w, const uint8_t* x, int64_t npix, int rows, const RowQ* q, int32_t zp,
                         int32_t lo, int32_t hi, uint8_t* y, int64_t ys, const PairFix* fix, int64_t nfix) = nullptr;
  void (*gemm_block7_rq8)(int64_t kq, const void* w, const uint8_t* x, int64_t npix, int rows, const RowQ* q,
                          int32_t zp, int32_t lo, int32_t hi, uint8_t* y, int64_t ys, const PairFix* fix,
                          int64_t nfix) = nullptr;
  /// Optional (null: no Winograd path on this tier; wino_input / wino_output are then null too): the int16 GEMM tiles
  /// of Winograd F(2x2, 3x3) (conv_wino.cpp) for the 16 transform positions xi and nob blocks of wino_mr output
  /// channels, each block x wino_nr tiles over kpairs input-channel pairs (kpairs even: the caller pads with zero
  /// weights); the weights of (xi, block b) at w + xi * wpos + b * wblk, the tiles of position xi at v + xi * vpos
  /// (pair i at + i * vstride):
  ///   c[((b * 16 + xi) * wino_mr + r) * wino_nr + t] = sum_{i < kpairs, j < 2}
  ///       w[xi * wpos + b * wblk + (i * wino_mr + r) * 2 + j] * v[xi * vpos + i * vstride + 2 t + j]
  /// with wrapping int32 arithmetic (mod 2^32; the caller only relies on the sum modulo 2^32). Every product of two
  /// int16 values and every (j = 0, 1) pair sum is exact in int32 for the caller's |w| <= 1143, |v| <= 1020.
  /// Position-major order: one position's tiles are reused by the nob weight blocks while they are in L1.
  void (*wino_tile)(int64_t kpairs, const int16_t* w, int64_t wpos, int64_t wblk, int nob, const int16_t* v,
                    int64_t vpos, int64_t vstride, int32_t* c) = nullptr;
  /// Winograd input transform of one row of ntx 4x4 tiles (stride 2) of a channel pair: rows[jj * 4 + i] = input row i
  /// (u values) of channel jj; dst[xi * xstride + 2 * tx + jj] = (B^T d B)(xi) of tile tx. May also write any values
  /// to the pairs of tiles [ntx, ntx + 16) and read rows[k][0, 2 * ntx + 34) (the caller has room for both; only
  /// [0, 2 * ntx + 2) matters).
  void (*wino_input)(const uint8_t* const* rows, int64_t ntx, int16_t* dst, int64_t xstride) = nullptr;
  /// Winograd output transform of the 16 tiles m[(xi * wino_mr + r) * wino_nr + t]: s[r * sstride + dy * dystride +
  /// 2 * t + dx] = int32(A^T M A mod 2^32)[dy][dx] >> 2 for r < rows, t < wino_nr.
  void (*wino_output)(const int32_t* m, int rows, int32_t* s, int64_t sstride, int64_t dystride) = nullptr;
  int wino_mr = 4;
  int wino_nr = 16;
};

/// The table of a tier, or null when this build has no code for it (never null for kScalar).
const Ukernels* ukernels_for(Isa isa);

const Ukernels* ukernels_scalar();
const Ukernels* ukernels_avx2();
const Ukernels* ukernels_avx_vnni();
const Ukernels* ukernels_avx512_vnni();

/// Scalar requantization (the spec itself), shared by every tier for tails.
void requant_scalar(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                    int32_t hi, int32_t* out, bool no_sat = false);
/// Scalar forms of requant_rows8 and gemv (the scalar tier's, and the reference of the others' tails).
void requant_rows8_scalar(const int32_t* c, int nr, int rows, int nvalid, const RowQ* q, int32_t zp, int32_t lo,
                          int32_t hi, uint8_t* y, int64_t ys);
void gemv_scalar(int64_t k, const int8_t* w, int64_t ldw, int64_t rows, const int16_t* x, int32_t* out);

}  // namespace npukit::q8::detail
