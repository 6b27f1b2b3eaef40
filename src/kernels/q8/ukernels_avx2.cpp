// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX2 tier (compiled with -mavx2 -mfma). GEMM tile 4 x 16 with sign-exact vpmaddwd: the u8 activation
// quads are split into even / odd bytes as int16 (and / shift), weights are int16 pairs {w0, w2}, {w1, w3}; vpmaddubsw
// (which saturates to int16 in general) only on 7-bit panels (gemm_tile7); fused tile + requantization blocks
// (gemm_block_rq8 / gemm_block7_rq8).
#include <algorithm>

#include "kernels/q8/ukernels_x86_impl.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 4, kNr = 16;
constexpr int64_t kInlineKq = 16;  // gemm_block_rq8: tiles of up to this many quads are inlined

/// Tile sums on the int16 path into acc (registers when inlined): the u8 activation quads are split into even / odd
/// bytes as int16, multiplied by the int16 weight pairs {w0, w2}, {w1, w3} with vpmaddwd.
inline void tile_i16_acc(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  for (auto& row : acc) row[0] = row[1] = _mm256_setzero_si256();
  const __m256i lomask = _mm256_set1_epi16(0x00FF);
  for (int64_t q = 0; q < kq; ++q) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4 + 32));
    const __m256i e0 = _mm256_and_si256(x0, lomask), o0 = _mm256_srli_epi16(x0, 8);
    const __m256i e1 = _mm256_and_si256(x1, lomask), o1 = _mm256_srli_epi16(x1, 8);
    const uint8_t* wq = w + q * kMr * 8;
    for (int r = 0; r < kMr; ++r) {
      const __m256i we = _mm256_set1_epi32(load_i32(wq + r * 8));
      const __m256i wo = _mm256_set1_epi32(load_i32(wq + r * 8 + 4));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_add_epi32(_mm256_madd_epi16(e0, we), _mm256_madd_epi16(o0, wo)));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_add_epi32(_mm256_madd_epi16(e1, we), _mm256_madd_epi16(o1, wo)));
    }
  }
}

/// Tile sums on 7-bit panels (gemm_tile7) into acc.
inline void tile7_acc(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  for (auto& row : acc) row[0] = row[1] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t q = 0; q < kq; ++q) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4 + 32));
    const uint8_t* wq = w + q * kMr * 4;
    for (int r = 0; r < kMr; ++r) {
      const __m256i wb = _mm256_set1_epi32(load_i32(wq + r * 4));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(x0, wb), ones));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(x1, wb), ones));
    }
  }
}

__attribute__((noinline)) void gemm_tile_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile_i16_acc(kq, static_cast<const uint8_t*>(wv), x, acc);  // int16 pairs, 8 bytes per (quad, row)
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

/// 7-bit panels (every byte in [0, 127]): vpmaddubsw multiplies the u8 activation bytes by the s8 weight bytes and adds
/// adjacent pairs into int16 (|pair| <= 2 * 127 * 128 = 32512: never saturates), vpmaddwd by ones adds the pairs of a
/// quad into int32. 3 instructions per 32 products instead of 4.5 on the int16 path.
__attribute__((noinline)) void gemm_tile7_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile7_acc(kq, static_cast<const uint8_t*>(wv), x, acc);  // int8 quads, 4 bytes per (quad, row)
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

/// The tiles of gemm_tile_avx2 (Seven = false) or gemm_tile7_avx2 (Seven = true) over consecutive panels, each
/// requantized in registers and stored as bytes (requant_rows8's arithmetic): the same bytes as the tiles followed by
/// requant_rows8. The per-row requantization constants are built once per call.
template <bool Seven, bool Inline>
__attribute__((noinline)) void gemm_block_rq8_impl(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows,
                                                   const RowQ* q, int32_t zp, int32_t lo, int32_t hi, uint8_t* y,
                                                   int64_t ys) {
  const uint8_t* w = static_cast<const uint8_t*>(wv);
  const __m256i vz = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const bool unsigned_codes = lo >= 0;
  alignas(32) Rq8Row rq[kMr] = {Rq8Row(q[0]), Rq8Row(q[rows > 1 ? 1 : 0]), Rq8Row(q[rows > 2 ? 2 : 0]),
                                Rq8Row(q[rows > 3 ? 3 : 0])};
  const size_t panel_bytes = static_cast<size_t>(kq) * kNr * 4;
  for (int64_t p0 = 0; p0 < npix; p0 += kNr, x += panel_bytes) {
    alignas(32) int32_t c[kMr * kNr];
    __m256i in_regs[kMr][2];
    if constexpr (Inline) {
      if constexpr (Seven)
        tile7_acc(kq, w, x, in_regs);
      else
        tile_i16_acc(kq, w, x, in_regs);
    } else {
      if constexpr (Seven)
        gemm_tile7_avx2(kq, w, x, c);
      else
        gemm_tile_avx2(kq, w, x, c);
    }
    auto acc = [&](int r, int h) {
      if constexpr (Inline) return in_regs[r][h];
      return _mm256_load_si256(reinterpret_cast<const __m256i*>(c + r * kNr + h * 8));
    };
    const int nvalid = static_cast<int>(std::min<int64_t>(kNr, npix - p0));
    for (int r = 0; r < kMr; ++r) {
      if (r >= rows) break;
      store_bytes16(
          y + r * ys + p0,
          narrow16(rq[r].codes(acc(r, 0), vz, vlo, vhi), rq[r].codes(acc(r, 1), vz, vlo, vhi), unsigned_codes), nvalid);
    }
  }
}

/// Short K: the tile is inlined (its sums stay in registers). Longer K: the tile is a separate function, since inlined,
/// the requantization's live constants push accumulators of the K loop to the stack (a loop-carried store / load per
/// quad), which costs more than storing the tile once.
template <bool Seven>
void gemm_block_rq8_avx2(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows, const RowQ* q,
                         int32_t zp, int32_t lo, int32_t hi, uint8_t* y, int64_t ys) {
  if (kq <= kInlineKq)
    gemm_block_rq8_impl<Seven, true>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys);
  else
    gemm_block_rq8_impl<Seven, false>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys);
}

}  // namespace

const Ukernels* ukernels_avx2() {
  static const Ukernels k = [] {
    Ukernels u;
    u.isa = Isa::kAvx2;
    u.mr = kMr;
    u.nr = kNr;
    u.wfmt = WeightFormat::kI16Pairs;
    u.gemm_tile = gemm_tile_avx2;
    u.requant = requant_avx2;
    u.dw_row = dw_row_avx2;
    u.pack_quad = pack_quad_avx2<kNr>;
    u.pack_quad_s2 = pack_quad_s2_avx2<kNr>;
    u.requant_rows8 = requant_rows8_avx2<kNr>;
    u.gemv = gemv_avx2;
    u.gemm_tile7 = gemm_tile7_avx2;
    u.gemm_block_rq8 = gemm_block_rq8_avx2<false>;
    u.gemm_block7_rq8 = gemm_block_rq8_avx2<true>;
    return u;
  }();
  return &k;
}

}  // namespace npukit::q8::detail
