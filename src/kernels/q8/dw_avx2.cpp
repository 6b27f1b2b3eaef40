// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX2 tier of the depthwise convolution kernels (compiled with -mavx2 -mfma). Each tap pair is
// one vpmaddwd of 8 source pairs against the broadcast weight pair; up to 32 outputs of a row (4 accumulators) per
// step, the usual tap counts (3x3 and 5x5 in pair and single mode) unrolled at compile time. Pair planes are built
// in registers from the 8-bit rows; codes are narrowed to bytes with saturating packs.
#include <immintrin.h>

#include <algorithm>

#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/dw_prep_impl.h"

namespace npukit::q8::detail {

namespace {

inline __m256i ld(const int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

/// Lane mask of padded columns [c0, c0 + 16) that fall inside [0, w).
inline __m256i row_mask(int64_t c0, int64_t w) {
  const __m256i k = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const int64_t lo = std::clamp<int64_t>(-c0, 0, 16), hi = std::clamp<int64_t>(w - c0, 0, 16);
  return _mm256_and_si256(_mm256_cmpgt_epi16(k, _mm256_set1_epi16(static_cast<int16_t>(lo - 1))),
                          _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(hi)), k));
}

/// 16 lanes of padded columns [c0, c0 + 16) of an input row as int16 x - zp (0 outside [0, w), by `mask` when the
/// chunk crosses an edge). xr is at offset roff of the tensor's x_len readable bytes; a 16-byte load is used
/// whenever it stays inside them, so rows are converted in registers without a round trip through memory.
template <bool kI8>
inline __m256i row16(const uint8_t* xr, int64_t roff, int64_t x_len, int64_t c0, int64_t w, __m256i vzp, bool edge,
                     __m256i mask) {
  __m128i v;
  if (roff + c0 >= 0 && roff + c0 + 16 <= x_len) {
    v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + c0));
  } else {
    alignas(16) uint8_t tmp[16] = {};
    for (int64_t k = std::max<int64_t>(0, -c0); k < 16 && c0 + k < w; ++k) tmp[k] = xr[c0 + k];
    v = _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
  }
  const __m256i r = _mm256_sub_epi16(kI8 ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v), vzp);
  return edge ? _mm256_and_si256(r, mask) : r;
}

/// Per 16-column chunk of a row: start column, whether it crosses an edge, its mask (computed once per plane).
struct Chunk {
  int64_t c0;
  bool edge;
  __m256i mask;
};

inline Chunk make_chunk(int64_t c0, int64_t w) {
  const bool edge = c0 < 0 || c0 + 16 > w;
  return {c0, edge, edge ? row_mask(c0, w) : _mm256_setzero_si256()};
}

/// Pair planes (pair modes) converted in registers. Stores may run up to 15 pairs past a row (into the next row,
/// which is written later, or the caller's slack); every stored value is x - zp or 0.
template <bool kI8>
void dw_prep_avx2_t(const DwGeom& g, const uint8_t* x, int64_t x_off, int64_t x_len, int32_t zp, int16_t* planes) {
  const int64_t ws2 = g.ws * 2;
  const __m256i vzp = _mm256_set1_epi16(static_cast<int16_t>(zp));
  const bool pairs2 = g.mode == DwMode::kPairs2;
  // Chunks of the row: kPairs2 stores 16 int16 of the padded row per chunk; kPairs1 interleaves two chunks
  // (columns j and j + dw) into 16 pairs.
  const int64_t nchunks = pairs2 ? (ws2 + 15) / 16 : (g.ws + 15) / 16;
  constexpr int64_t kMaxCached = 16;
  Chunk ca[kMaxCached], cb[kMaxCached];
  const bool cached = nchunks <= kMaxCached;
  if (cached)
    for (int64_t q = 0; q < nchunks; ++q) {
      ca[q] = make_chunk(16 * q - g.pad_left, g.w);
      if (!pairs2) cb[q] = make_chunk(16 * q + g.dw - g.pad_left, g.w);
    }
  for (int64_t fy = 0; fy < g.sh; ++fy)
    for (int64_t r = 0; r < g.rows_ph; ++r) {
      const int64_t iy = r * g.sh + fy - g.pad_top;
      int16_t* d = planes + fy * g.plane_stride * 2 + r * ws2;
      if (iy < 0 || iy >= g.h) {
        std::fill_n(d, ws2, int16_t{0});
        continue;
      }
      const int64_t roff = x_off + iy * g.w;
      const uint8_t* xr = x + roff;
      for (int64_t q = 0; q < nchunks; ++q) {
        const Chunk a = cached ? ca[q] : make_chunk(16 * q - g.pad_left, g.w);
        const __m256i va = row16<kI8>(xr, roff, x_len, a.c0, g.w, vzp, a.edge, a.mask);
        if (pairs2) {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 16 * q), va);
          continue;
        }
        const Chunk b = cached ? cb[q] : make_chunk(16 * q + g.dw - g.pad_left, g.w);
        const __m256i vb = row16<kI8>(xr, roff, x_len, b.c0, g.w, vzp, b.edge, b.mask);
        const __m256i lo = _mm256_unpacklo_epi16(va, vb), hi = _mm256_unpackhi_epi16(va, vb);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 32 * q), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 32 * q + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
      }
    }
}

void dw_prep_avx2(const DwGeom& g, const void* x, int64_t x_off, int64_t x_len, bool i8, int32_t zp, int16_t* planes,
                  int16_t* rowbuf) {
  const uint8_t* xb = static_cast<const uint8_t*>(x);
  if (g.mode == DwMode::kSingle)
    dw_prep(g, x, x_off, x_len, i8, zp, planes, rowbuf);
  else if (i8)
    dw_prep_avx2_t<true>(g, xb, x_off, x_len, zp, planes);
  else
    dw_prep_avx2_t<false>(g, xb, x_off, x_len, zp, planes);
}

/// y[i] = codes[i] (already in the output range, so the saturating packs are exact), 32 per step.
void dw_store_avx2(const int32_t* codes, int64_t n, bool u8, void* yv) {
  uint8_t* y = static_cast<uint8_t*>(yv);
  int64_t i = 0;
  const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (; i + 32 <= n; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i + 8));
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i + 16));
    const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i + 24));
    const __m256i ab = _mm256_packs_epi32(a, b), ce = _mm256_packs_epi32(c, e);
    const __m256i v = u8 ? _mm256_packus_epi16(ab, ce) : _mm256_packs_epi16(ab, ce);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm256_permutevar8x32_epi32(v, perm));
  }
  for (; i < n; ++i) y[i] = static_cast<uint8_t>(codes[i]);
}

/// Accumulators for kV vectors (8 outputs each) at pair index s (already offset to the row and column).
template <int kV>
inline void madd_block(const int16_t* s, const int64_t* off, const int32_t* wpair, int64_t ntaps, int32_t* acc) {
  __m256i a[kV];
  for (int v = 0; v < kV; ++v) a[v] = _mm256_setzero_si256();
  for (int64_t t = 0; t < ntaps; ++t) {
    const int16_t* p = s + 2 * off[t];
    const __m256i w = _mm256_set1_epi32(wpair[t]);
    for (int v = 0; v < kV; ++v) a[v] = _mm256_add_epi32(a[v], _mm256_madd_epi16(ld(p + 16 * v), w));
  }
  for (int v = 0; v < kV; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8 * v), a[v]);
}

template <int kTaps>
void dw_accumulate_t(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps_rt,
                     int64_t rows, int64_t ow, int32_t* acc) {
  const int64_t ntaps = kTaps > 0 ? kTaps : ntaps_rt;
  for (int64_t r = 0; r < rows; ++r) {
    const int16_t* s = src + 2 * r * ws;
    int32_t* a = acc + r * ow;
    int64_t i = 0;
    for (; i + 32 <= ow; i += 32) madd_block<4>(s + 2 * i, off, wpair, ntaps, a + i);
    if (i + 16 <= ow) {
      madd_block<2>(s + 2 * i, off, wpair, ntaps, a + i);
      i += 16;
    }
    if (i + 8 < ow)
      madd_block<2>(s + 2 * i, off, wpair, ntaps, a + i);
    else if (i < ow)
      madd_block<1>(s + 2 * i, off, wpair, ntaps, a + i);
  }
}

void dw_accumulate_avx2(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                        int64_t rows, int64_t ow, int32_t* acc) {
  switch (ntaps) {
    case 6: dw_accumulate_t<6>(src, ws, off, wpair, ntaps, rows, ow, acc); return;    // 3x3 in pairs
    case 9: dw_accumulate_t<9>(src, ws, off, wpair, ntaps, rows, ow, acc); return;    // 3x3 single taps
    case 15: dw_accumulate_t<15>(src, ws, off, wpair, ntaps, rows, ow, acc); return;  // 5x5 in pairs
    case 25: dw_accumulate_t<25>(src, ws, off, wpair, ntaps, rows, ow, acc); return;  // 5x5 single taps
    default: dw_accumulate_t<0>(src, ws, off, wpair, ntaps, rows, ow, acc); return;
  }
}

}  // namespace

const DwKernels& dw_kernels_avx2() {
  static const DwKernels k{dw_prep_avx2, dw_accumulate_avx2, dw_store_avx2};
  return k;
}

}  // namespace npukit::q8::detail
