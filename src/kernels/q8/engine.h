// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): pieces shared by the convolution and GEMM drivers: weight packing into the tier's
// block layout, the tile loop (microkernel + requantization per output row) and the store of one row of codes
// (with the optional fused residual add).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_kernels.h"
#include "kernels/q8/ukernels.h"
#include "quant/arith.h"

namespace npukit::q8::detail {

/// Bytes of one packed weight block (MR rows x kq quads) in format fmt.
size_t weight_block_bytes(const Ukernels& uk, int64_t kq, WeightFormat fmt);
inline size_t weight_block_bytes(const Ukernels& uk, int64_t kq) {
  return weight_block_bytes(uk, kq, uk.wfmt);
}
/// Packs rows [0, rows) of w (row-major, row stride k, int8) into ceil(rows / MR) blocks of format fmt at dst (zero
/// rows / zero k beyond the ends). dst must hold blocks * weight_block_bytes().
void pack_weight_blocks(const Ukernels& uk, const int8_t* w, int64_t rows, int64_t k, uint8_t* dst, WeightFormat fmt);
inline void pack_weight_blocks(const Ukernels& uk, const int8_t* w, int64_t rows, int64_t k, uint8_t* dst) {
  pack_weight_blocks(uk, w, rows, k, dst, uk.wfmt);
}

/// Largest |w| of an int8 tensor's data.
int32_t max_abs_weight(const int8_t* w, int64_t n);
/// True when sums of k products |x| <= 255, |w| <= max_abs are exact in int32.
inline bool int32_exact(int64_t k, int32_t max_abs) {
  return static_cast<__int128>(k) * 255 * max_abs <= INT32_MAX;
}

/// True when every accumulator of magnitude <= bound plus `bias` fits in int32 (no saturation can occur).
inline bool no_saturation(int64_t bound, int32_t bias) {
  return bound + (bias < 0 ? -static_cast<int64_t>(bias) : bias) <= INT32_MAX;
}

/// Requantization parameters of the rows of one tile loop.
struct RowParams {
  const int64_t* corr = nullptr;                     ///< per row: added to the int32 tile sums
  const int32_t* bias = nullptr;                     ///< per row (part of corr)
  int64_t acc_bound = 0;                             ///< max |true accumulator| before the bias
  const quant::QuantizedMultiplier* mult = nullptr;  ///< per row, or one for all when per_channel is false
  bool per_channel = false;
  int32_t zp = 0, lo = 0, hi = 0;
  /// kI32 output: the accumulator itself, out = clamp(saturate_i32(acc + corr), lo, hi) (no requantization).
  bool acc_out = false;
  /// Optional (8-bit outputs, unit pixel stride, no residual): per row fused-requantization parameters and whether the
  /// row meets requant_rows8's preconditions; blocks whose rows all do use the fused store.
  const RowQ* rowq = nullptr;
  const uint8_t* row_fast = nullptr;
};

/// Where and how a row of codes is written.
struct RowStore {
  DType dtype = DType::kI8;  ///< kI8, kU8, kI16 or kI32
  void* y = nullptr;
  const Tensor* residual = nullptr;  ///< kI8 / kU8, same indexing as y
  const quant::AddParams* add = nullptr;
  /// The add's vector row kernel for this residual's dtype (8-bit outputs), or null: element by element.
  const ops::AddRowKernel* add_row = nullptr;
};

/// With a residual and its row kernel: y[idx0 + r * stride + i] = add(y, residual) at the same index for i < n,
/// r < rows (y holds the intermediate codes).
void add_residual_rows(const RowStore& st, int64_t idx0, int64_t n, int64_t rows = 1, int64_t stride = 0);

/// Per output channel precomputation shared by the drivers: corr = bias - zoff * sum(w) (zoff = zero point + 128 for
/// int8 activations), and the fused-requantization parameters of rows that qualify (8-bit outputs).
struct ChannelParams {
  std::vector<int64_t> corr;
  std::vector<RowQ> rowq;
  std::vector<uint8_t> row_fast;
};
ChannelParams make_channel_params(const std::vector<int32_t>& bias, const std::vector<int64_t>& sumw, int64_t zoff,
                                  const std::vector<quant::QuantizedMultiplier>& mult, int64_t acc_bound, bool out8);
/// The same into existing storage (no allocation once grown).
void fill_channel_params(ChannelParams& cp, const std::vector<int32_t>& bias, const std::vector<int64_t>& sumw,
                         int64_t zoff, const std::vector<quant::QuantizedMultiplier>& mult, int64_t acc_bound,
                         bool out8);

/// Smallest and largest byte of (x[i] ^ mask) over n bytes; stops early (returning a span > 127) once the span exceeds
/// 127.
void byte_span(const uint8_t* x, int64_t n, uint8_t mask, uint8_t* lo, uint8_t* hi);

/// out[i] = clamp(saturate_i32(acc[i] + corr), lo, hi): the int32 (accumulator) output.
void finish_i32(const int32_t* acc, int64_t n, int64_t corr, int32_t lo, int32_t hi, int32_t* out);

/// True for the output dtypes of the GEMM fast path whose parameters are valid: kI8 / kU8 / kI16 (checked like the
/// reference) and kI32 (a non-empty range).
bool fast_output(DType dt, quant::QRange range, int32_t zp);

/// Writes codes[i] (already in the output range) to element idx0 + i * stride of the output, applying
/// add_quantized with the residual's element at the same index first when there is a residual.
void store_row(const RowStore& st, const int32_t* codes, int64_t n, int64_t idx0, int64_t stride);

/// The output tensor of a kernel call: *y itself when it already has `dtype` and `shape` (the caller's storage,
/// e.g. a view into the runtime's arena: no allocation), otherwise a new tensor.
Expected<Tensor> output_tensor(Tensor* y, DType dtype, const Shape& shape);

/// Depthwise convolution (conv_dw.cpp): x already checked by conv2d; writes through `st`.
Status conv2d_depthwise(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                        const Parallel* par);

/// Per-thread scratch buffers (grown on demand, reused across calls).
struct Scratch {
  std::vector<uint8_t> x;
  /// conv: x holds the panels of unit x_unit of conv call x_call (ids from 1, never reused; 0: nothing). A tag only
  /// matches inside the call that set it, so other users of x (gemm.cpp) need not clear it.
  uint64_t x_call = 0;
  int64_t x_unit = -1;
  std::vector<int32_t> c, codes;
  std::vector<int16_t> dw, row;
  std::vector<int64_t> base, off, offp;  ///< conv: panel pixel bases; per-k input offsets (offp: the split7 order)
  std::vector<const int16_t*> src;
  std::vector<uint8_t> pad;   ///< conv: padded input copy (the calling thread's; filled by the pool before the tiles)
  std::vector<int16_t> x16;   ///< gemv: one activation row as int16
  std::vector<uint8_t> xq;    ///< conv: the quads of a call's tail pixels for gemm_px (the calling thread's)
  ChannelParams chan7;        ///< conv: channel parameters of a 7-bit call (offset-dependent corrections)
  std::vector<int32_t> kacc;  ///< K-blocked tiles: partial sums of the task's tiles
  std::vector<uint8_t> xall;  ///< conv: im2col of the whole call shared by its tasks (the calling thread's)
  std::vector<uint8_t> rows;  ///< conv: im2row matrices [k][pixel] of row-crossing panels (the calling thread's)
  // Winograd (conv_wino.cpp): transformed input tiles of a task (wino_v) or of the whole call (wino_vall, the calling
  // thread's), the 16 GEMM tiles of a group of oc blocks for one tile panel (wino_m), the conv sums of a task's output
  // rows per output channel of the group (wino_s).
  std::vector<int16_t> wino_v, wino_vall;
  std::vector<int32_t> wino_m, wino_s;
};
Scratch& scratch();

/// Output element index of (row, pixel p) is row_index(row) + p * pix_stride.
/// Runs oc blocks [ob0, ob1) of the block array `w` against `np_total` pixels packed as consecutive NR-panels
/// in xbuf (pixel numbers pix0, pix0 + 1, ...), requantizing each row and storing it.
/// Tail pixels (tiers with gemm_px, ntail <= NR): the ntail pixels after them (pix0 + np_total, ...), each given as
/// its kq quads at tail_x + t * kq * 4, run the pixel kernel on every weight block (K chunk) right after that
/// block's tiles, while it is in cache, into one more tile-shaped sum buffer finished like a panel.
/// K blocking (convolutions, tiers with Ukernels::kblock): tiles with more than kKBlockMin quads run over chunks of
/// kKChunk quads (panel and weight chunks stay in L1), their partial sums added in a per-task buffer, then requantized.
/// The AVX-512 VNNI tier runs whole-K tiles instead: in a network the weights come from memory, and the chunk order
/// reads each block in pieces of kKChunk quads one block length apart (every piece a new stream for the hardware
/// prefetchers) where whole-K tiles read each block once, sequentially (ResNet-50's 7x7 layers 0.86-0.88x, its 14x14
/// 3x3 layers 0.96x, ResNet-18 0.93x end to end; in bench/q8_bench.cpp with the caches evicted before every call 0.85-
/// 0.92x, and even to 0.92x with hot caches). The AVX2 tier's int16 tiles keep the chunks (whole K: 14x14 3x3 1.3x).
inline constexpr int64_t kKBlockMin = 256;
inline constexpr int64_t kKChunk = 128;

/// A tier's fused tiles + requant_rows8 (Ukernels::gemm_block_rq8 / gemm_block7_rq8), used for the fused blocks of
/// non-K-blocked tile loops when not null (it must be the fused form of `tile`).
using TileRq8 = void (*)(int64_t, const void*, const uint8_t*, int64_t, int, const RowQ*, int32_t, int32_t, int32_t,
                         uint8_t*, int64_t, const PairFix*, int64_t);

/// The codes of n sums of output row `row` into codes[0, n): requantized with the row's parameters, or (kI32 output)
/// the accumulator itself.
inline void row_codes(const Ukernels& uk, const RowParams& rp, int64_t row, const int32_t* acc, int64_t n,
                      int32_t* codes) {
  if (rp.acc_out) {
    finish_i32(acc, n, rp.corr[row], rp.lo, rp.hi, codes);
    return;
  }
  const quant::QuantizedMultiplier m = rp.mult[rp.per_channel ? row : 0];
  uk.requant(acc, n, rp.corr[row], m.mult, m.shift, rp.zp, rp.lo, rp.hi, codes,
             no_saturation(rp.acc_bound, rp.bias[row]));
}

/// The fixes of the split 7-bit form for the blocks of one tile loop (PackedConv's, offset to the group): block ob's
/// are fix[start[ob], start[ob + 1]).
struct TileFixes {
  const PairFix* fix = nullptr;
  const uint32_t* start = nullptr;
  const PairFix* of(int64_t ob) const { return fix + start[ob]; }
  int64_t count(int64_t ob) const { return static_cast<int64_t>(start[ob + 1]) - start[ob]; }
};

template <class RowIndex>
void run_tiles(const Ukernels& uk, void (*tile)(int64_t, const void*, const uint8_t*, int32_t*), int64_t kq,
               const uint8_t* w, size_t block_bytes, int64_t rows, int64_t ob0, int64_t ob1, const uint8_t* xbuf,
               int64_t pix0, int64_t np_total, const RowParams& rp, const RowStore& st, RowIndex row_index,
               int64_t pix_stride, Scratch& s, TileRq8 tile_rq8 = nullptr,
               void (*tile_half)(int64_t, const void*, const uint8_t*, int32_t*) = nullptr,
               const TileFixes* fixes = nullptr, const uint8_t* tail_x = nullptr, int64_t ntail = 0) {
  const int mr = uk.mr, nr = uk.nr;
  if (tail_x == nullptr || uk.gemm_px == nullptr || fixes != nullptr) ntail = 0;
  // Adds the pixel sums of quads [q0, q0 + qn) of block wb (at quad q0) for the tail pixels into tile c (column t:
  // tail pixel t); `first`: c starts at them.
  // gemm_px over the tail pixels in groups of up to kMaxPx: use(t0, n, cp) with cp[t * MR + r] (pixel t0 + t).
  auto px_groups = [&](const uint8_t* wb, int64_t q0, int64_t qn, auto&& use) {
    int32_t cp[Ukernels::kMaxPx * 16];  // (MR <= 16 on every tier)
    for (int64_t t0 = 0; t0 < ntail; t0 += Ukernels::kMaxPx) {
      const int n = static_cast<int>(std::min<int64_t>(Ukernels::kMaxPx, ntail - t0));
      uk.gemm_px(qn, wb, tail_x + t0 * kq * 4 + q0 * 4, kq * 4, n, cp);
      use(t0, n, cp);
    }
  };
  auto tail_sums = [&](const uint8_t* wb, int64_t q0, int64_t qn, int32_t* c, bool first) {
    px_groups(wb, q0, qn, [&](int64_t t0, int n, const int32_t* cp) {
      for (int t = 0; t < n; ++t)
        for (int r = 0; r < mr; ++r) {
          int32_t& d = c[r * nr + t0 + t];
          d = first ? cp[t * mr + r] : d + cp[t * mr + r];
        }
    });
  };
  // Split 7-bit form: the tile sums of block ob on panel xp get the block's fixes before the requantization.
  auto fix = [&](int64_t ob, const uint8_t* xp, int32_t* c) {
    if (fixes != nullptr) uk.tile_fix(xp, fixes->of(ob), fixes->count(ob), c);
  };
  s.c.resize(static_cast<size_t>(mr * nr));
  s.codes.resize(static_cast<size_t>(nr));
  const size_t panel_bytes = static_cast<size_t>(kq) * nr * 4;
  const int64_t npanels = (np_total + nr - 1) / nr;
  const bool can_fuse = rp.rowq != nullptr && pix_stride == 1 && st.residual == nullptr &&
                        (st.dtype == DType::kI8 || st.dtype == DType::kU8);
  // Requantizes and stores the `valid` pixels from pixel p0 of block ob's tile sums c.
  auto finish_at = [&](const int32_t* c, int64_t ob, int64_t p0, int64_t valid, bool fused, int rows_here, int64_t ys) {
    if (fused) {
      uk.requant_rows8(c, rows_here, static_cast<int>(valid), rp.rowq + ob * mr, rp.zp, rp.lo, rp.hi,
                       static_cast<uint8_t*>(st.y) + row_index(ob * mr) + p0, ys);
      return;
    }
    for (int r = 0; r < rows_here; ++r) {
      const int64_t row = ob * mr + r;
      row_codes(uk, rp, row, c + r * nr, nr, s.codes.data());
      store_row(st, s.codes.data(), valid, row_index(row) + p0 * pix_stride, pix_stride);
    }
  };
  // Tile (ob, j): its panel's valid pixels.
  auto finish = [&](const int32_t* c, int64_t ob, int64_t j, bool fused, int rows_here, int64_t ys) {
    finish_at(c, ob, pix0 + j * nr, std::min<int64_t>(nr, np_total - j * nr), fused, rows_here, ys);
  };
  // The tile of panel j: the tier's half tile (tile_half, optional) when at most NR / 2 of its pixels are valid.
  auto tile_of = [&](int64_t j) { return tile_half != nullptr && np_total - j * nr <= nr / 2 ? tile_half : tile; };
  auto block_info = [&](int64_t ob, bool* fused, int* rows_here, int64_t* ys) {
    *rows_here = static_cast<int>(std::min<int64_t>(mr, rows - ob * mr));
    *fused = can_fuse;
    for (int r = 0; r < *rows_here && *fused; ++r) *fused = rp.row_fast[ob * mr + r] != 0;
    *ys = *rows_here > 1 ? row_index(ob * mr + 1) - row_index(ob * mr) : 0;
  };
  if (kq <= kKBlockMin || pix_stride != 1 || !uk.kblock) {  // (gemm: measured no gain)
    for (int64_t ob = ob0; ob < ob1; ++ob) {
      const uint8_t* wb = w + static_cast<size_t>(ob) * block_bytes;
      bool fused;
      int rows_here;
      int64_t ys;
      block_info(ob, &fused, &rows_here, &ys);
      if (fused && tile_rq8 != nullptr) {
        tile_rq8(kq, wb, xbuf, np_total, rows_here, rp.rowq + ob * mr, rp.zp, rp.lo, rp.hi,
                 static_cast<uint8_t*>(st.y) + row_index(ob * mr) + pix0, ys,
                 fixes != nullptr ? fixes->of(ob) : nullptr, fixes != nullptr ? fixes->count(ob) : 0);
      } else {
        for (int64_t j = 0; j < npanels; ++j) {
          const uint8_t* xp = xbuf + static_cast<size_t>(j) * panel_bytes;
          tile_of(j)(kq, wb, xp, s.c.data());
          fix(ob, xp, s.c.data());
          finish(s.c.data(), ob, j, fused, rows_here, ys);
        }
      }
      if (ntail > 0 && fused && uk.requant_px != nullptr) {  // (after the tiles: the block's weights are in L1)
        px_groups(wb, 0, kq, [&](int64_t t0, int n, const int32_t* cp) {
          uk.requant_px(cp, n, rows_here, rp.rowq + ob * mr, rp.zp, rp.lo, rp.hi,
                        static_cast<uint8_t*>(st.y) + row_index(ob * mr) + pix0 + np_total + t0, ys);
        });
      } else if (ntail > 0) {
        tail_sums(wb, 0, kq, s.c.data(), true);
        finish_at(s.c.data(), ob, pix0 + np_total, ntail, fused, rows_here, ys);
      }
    }
    return;
  }
  // K-blocked: every partial sum is a sum of a subset of the products, so it obeys the same int32 bound.
  const size_t tile_elems = static_cast<size_t>(mr * nr);
  const int64_t ntiles = npanels + (ntail > 0 ? 1 : 0);  // per block: the panels' tiles, then the tail pixels' sums
  s.kacc.resize(static_cast<size_t>((ob1 - ob0) * ntiles) * tile_elems);
  const size_t wq_bytes = block_bytes / static_cast<size_t>(kq);
  for (int64_t q0 = 0; q0 < kq; q0 += kKChunk) {
    const int64_t qn = std::min(kKChunk, kq - q0);
    for (int64_t ob = ob0; ob < ob1; ++ob) {
      const uint8_t* wb = w + static_cast<size_t>(ob) * block_bytes + static_cast<size_t>(q0) * wq_bytes;
      for (int64_t j = 0; j < npanels; ++j) {
        const uint8_t* xp = xbuf + static_cast<size_t>(j) * panel_bytes + static_cast<size_t>(q0 * nr * 4);
        int32_t* a = s.kacc.data() + static_cast<size_t>((ob - ob0) * ntiles + j) * tile_elems;
        if (q0 == 0) {
          tile_of(j)(qn, wb, xp, a);
        } else {
          tile_of(j)(qn, wb, xp, s.c.data());
          for (size_t i = 0; i < tile_elems; ++i) a[i] += s.c[i];
        }
      }
      if (ntail > 0)  // (after the tiles: the chunk's weights are in L1)
        tail_sums(wb, q0, qn, s.kacc.data() + static_cast<size_t>((ob - ob0) * ntiles + npanels) * tile_elems, q0 == 0);
    }
  }
  for (int64_t ob = ob0; ob < ob1; ++ob) {
    bool fused;
    int rows_here;
    int64_t ys;
    block_info(ob, &fused, &rows_here, &ys);
    for (int64_t j = 0; j < npanels; ++j) {
      int32_t* c = s.kacc.data() + static_cast<size_t>((ob - ob0) * ntiles + j) * tile_elems;
      fix(ob, xbuf + static_cast<size_t>(j) * panel_bytes, c);
      finish(c, ob, j, fused, rows_here, ys);
    }
    if (ntail > 0)
      finish_at(s.kacc.data() + static_cast<size_t>((ob - ob0) * ntiles + npanels) * tile_elems, ob, pix0 + np_total,
                ntail, fused, rows_here, ys);
  }
}

}  // namespace npukit::q8::detail
