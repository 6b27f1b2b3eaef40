// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX2 tier of the depthwise convolution kernels (compiled with -mavx2 -mfma). Each tap pair is
// one vpmaddwd of 8 source pairs against the broadcast weight pair; up to 32 outputs of a row (4 accumulators) per
// step, the usual tap counts (3x3 and 5x5 in pair and single mode) unrolled at compile time. Pair planes are built
// with whole-vector conversions: stride 2 straight from the 8-bit rows into the zero-padded plane rows; stride 1 from
// byte rows padded with the zero point (x - zp = 0 there, no lane masks), two loads per 16 pairs, each row converted
// one data row after it was copied (no store-to-load forwarding stall on the unaligned second load). Codes are
// narrowed to bytes with saturating packs. The fused entry requantizes the accumulators in registers (the fast form
// of requant_avx2; accumulators start at the correction; the clamp sides the saturating narrowing already gives are
// skipped, chosen per channel at compile time) and stores bytes directly; the channel-blocked entry (small planes)
// transposes 8 channels to channel-minor pairs, one vpmaddwd per tap pair and output pixel for all 8 channels,
// per-lane requantization (same clamp choice), and transposes the codes back (8x8 byte transposes).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/dw_prep_impl.h"

namespace npukit::q8::detail {

namespace {

inline __m256i ld(const int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

/// Keeps an accumulator chain as written: without it GCC reassociates the tap sums into trees of independent
/// products, which need more registers than AVX2 has and spill (integer sums: any order gives the same value).
inline void keep(__m256i& v) {
  asm("" : "+x"(v));
}

/// The first min(n, 16) bytes at p (the rest zero), read byte by byte (the tensor's last bytes).
__attribute__((noinline)) __m128i load_tail16(const uint8_t* p, int64_t n) {
  alignas(16) uint8_t tmp[16] = {};
  for (int64_t k = 0; k < 16 && k < n; ++k) tmp[k] = p[k];
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

/// R[c] = x[c] - zp for c < w (int16), 16 per step: writes R[0, round_up(w, 16)) (the values past w are garbage, the
/// caller overwrites them). xr is at offset roff of the tensor's x_len readable bytes; whole 16-byte loads while they
/// stay inside them (two per step), the last bytes of the tensor through load_tail16.
template <bool kI8>
inline void convert_row(const uint8_t* xr, int64_t roff, int64_t x_len, int64_t w, __m256i vzp, int16_t* R) {
  auto cvt = [&](__m128i v) { return _mm256_sub_epi16(kI8 ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v), vzp); };
  // Whole 16-byte loads while they stay inside the readable bytes (bound hoisted out of the loop), two per step.
  const int64_t safe = std::min(w, x_len - roff - 15);
  int64_t c = 0;
  for (; c + 16 < safe; c += 32) {
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + c));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + c + 16));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(R + c), cvt(v0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(R + c + 16), cvt(v1));
  }
  for (; c < w; c += 16) {
    const __m128i v = c < safe ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + c)) : load_tail16(xr + c, w - c);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(R + c), cvt(v));
  }
}

/// kPairs2 planes converted with whole vectors: each data row becomes the zero-padded int16 row R directly in the plane
/// row, whose pairs are (R[2j], R[2j + 1]) (only stores: nothing is read back). Stores may run up to 15 values past a
/// row (into the next row, which is written later, or the caller's slack); every stored value is x - zp or 0.
template <bool kI8>
void dw_prep_pairs2_t(const DwGeom& g, const uint8_t* x, int64_t x_off, int64_t x_len, int32_t zp, int16_t* planes) {
  const int64_t ws2 = g.ws * 2, pl = g.pad_left, w = g.w;
  const __m256i vzp = _mm256_set1_epi16(static_cast<int16_t>(zp));
  for (int64_t fy = 0; fy < g.sh; ++fy)
    for (int64_t r = 0; r < g.rows_ph; ++r) {
      const int64_t iy = r * g.sh + fy - g.pad_top;
      int16_t* R = planes + fy * g.plane_stride * 2 + r * ws2;
      if (iy < 0 || iy >= g.h) {
        std::fill_n(R, ws2, int16_t{0});
        continue;
      }
      const int64_t roff = x_off + iy * w;
      // Zero padding with whole-vector stores when it is short (they may run 15 values past the row as well).
      if (pl > 0) {
        if (pl <= 16)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(R), _mm256_setzero_si256());
        else
          std::fill_n(R, pl, int16_t{0});
      }
      convert_row<kI8>(x + roff, roff, x_len, w, vzp, R + pl);
      if (ws2 - (pl + w) <= 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(R + pl + w), _mm256_setzero_si256());
      else
        std::fill(R + pl + w, R + ws2, int16_t{0});
    }
}

/// b[pl, pl + w) = the w bytes at xr (16-byte vectors; the last one overlaps the previous one), leaving the rest of
/// b alone.
inline void copy_row(uint8_t* b, const uint8_t* xr, int64_t w) {
  if (w < 16) {
    std::memcpy(b, xr, static_cast<size_t>(w));
    return;
  }
  for (int64_t c = 0; c + 16 < w; c += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(b + c), _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + c)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(b + w - 16),
                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + w - 16)));
}

/// int16 b[c, c + 16) - zp.
template <bool kI8>
inline __m256i cols16(const uint8_t* b, __m256i vzp) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  return _mm256_sub_epi16(kI8 ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v), vzp);
}

/// Pair planes (pair modes) with whole vectors, 16 values / pairs per step, from padded byte rows: the data row
/// between padding bytes equal to the zero point (so x - zp is 0 there, exactly), in two row buffers used in turn; a
/// row is converted one data row after it was copied (its stores have left the store queue: no store-to-load
/// forwarding of the unaligned loads). kPairs2: the padded row itself is the pairs; kPairs1: pairs (R[j], R[j + dw])
/// from two loads of the byte row. Stores may run up to 15 values / pairs past a row (into the next row, which is
/// written later, or the caller's slack); every stored value is x - zp or 0. Needs zp inside the input dtype's range.
template <bool kI8, bool kPairs1>
void dw_prep_avx2_t(const DwGeom& g, const uint8_t* x, int64_t x_off, int32_t zp, int16_t* planes, uint8_t* rowbuf,
                    int64_t buf_len) {
  const int64_t ws2 = g.ws * 2, pl = g.pad_left, w = g.w, dw = kPairs1 ? g.dw : 0;
  const __m256i vzp = _mm256_set1_epi16(static_cast<int16_t>(zp));
  const int64_t n = kPairs1 ? g.ws : ws2;
  uint8_t* bufs[2] = {rowbuf, rowbuf + buf_len};
  std::memset(rowbuf, static_cast<uint8_t>(zp), static_cast<size_t>(2 * buf_len));
  const uint8_t* pend_b = nullptr;
  int16_t* pend_d = nullptr;
  auto convert = [&](const uint8_t* b, int16_t* d) {
    for (int64_t j = 0; j < n; j += 16) {
      if constexpr (kPairs1) {
        const __m256i va = cols16<kI8>(b + j, vzp), vb = cols16<kI8>(b + j + dw, vzp);
        const __m256i lo = _mm256_unpacklo_epi16(va, vb), hi = _mm256_unpackhi_epi16(va, vb);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 2 * j), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 2 * j + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + j), cols16<kI8>(b + j, vzp));
      }
    }
  };
  int64_t k = 0;
  for (int64_t fy = 0; fy < g.sh; ++fy)
    for (int64_t r = 0; r < g.rows_ph; ++r) {
      const int64_t iy = r * g.sh + fy - g.pad_top;
      int16_t* d = planes + fy * g.plane_stride * 2 + r * ws2;
      if (iy < 0 || iy >= g.h) {
        std::fill_n(d, ws2, int16_t{0});
        continue;
      }
      uint8_t* b = bufs[k++ & 1];
      copy_row(b + pl, x + x_off + iy * w, w);
      if (pend_b != nullptr) convert(pend_b, pend_d);
      pend_b = b;
      pend_d = d;
    }
  if (pend_b != nullptr) convert(pend_b, pend_d);
}

void dw_prep_avx2(const DwGeom& g, const void* x, int64_t x_off, int64_t x_len, bool i8, int32_t zp, int16_t* planes,
                  int16_t* rowbuf) {
  const uint8_t* xb = static_cast<const uint8_t*>(x);
  if (g.mode == DwMode::kPairs2) {
    (i8 ? dw_prep_pairs2_t<true> : dw_prep_pairs2_t<false>)(g, xb, x_off, x_len, zp, planes);
    return;
  }
  // kPairs1 from padded byte rows: the padding bytes are the zero point, which must be a code of the input type; two
  // rows of buf_len bytes (whole 16-value steps plus dw) in the caller's rowbuf (room for ws * sw + dw + 64 int16).
  const bool zp_code = i8 ? zp >= -128 && zp <= 127 : zp >= 0 && zp <= 255;
  const int64_t buf_len = (g.ws + 15) / 16 * 16 + g.dw + 16;
  if (g.mode == DwMode::kPairs1 && zp_code && buf_len <= g.ws * g.sw + g.dw + 64)
    (i8 ? dw_prep_avx2_t<true, true> : dw_prep_avx2_t<false, true>)(g, xb, x_off, zp, planes,
                                                                    reinterpret_cast<uint8_t*>(rowbuf), buf_len);
  else
    dw_prep(g, x, x_off, x_len, i8, zp, planes, rowbuf);
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
    for (int v = 0; v < kV; ++v) {
      a[v] = _mm256_add_epi32(a[v], _mm256_madd_epi16(ld(p + 16 * v), w));
      keep(a[v]);
    }
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

/// Fast requantization of 8 accumulators of one channel (DwRq preconditions; the fast form of requant_avx2). The
/// correction is not added here: the accumulators start at it (init()). The clamp to [lo, hi] is skipped on a side
/// where the saturating narrowing (codes8: unsigned when lo >= 0, else signed) already clamps to the same bound.
inline constexpr int kClampLo = 1, kClampHi = 2;
struct RqVec {
  __m256i vc, vm, vr, vz, vlo, vhi;
  __m128i cnt;
  bool u8codes, clamp_lo, clamp_hi;
  explicit RqVec(const DwRq& q)
      : vc(_mm256_set1_epi32(q.corr)),
        vm(_mm256_set1_epi64x(q.mult)),
        vr(_mm256_set1_epi64x(int64_t{1} << (q.r - 1))),
        vz(_mm256_set1_epi32(q.zp)),
        vlo(_mm256_set1_epi32(q.lo)),
        vhi(_mm256_set1_epi32(q.hi)),
        cnt(_mm_cvtsi32_si128(q.r - 32)),
        u8codes(q.lo >= 0),
        clamp_lo(q.lo > (q.lo >= 0 ? 0 : -128)),
        clamp_hi(q.hi < (q.lo >= 0 ? 255 : 127)) {}
  __m256i init() const { return vc; }
  /// Clamp sides to apply (kClampLo | kClampHi), for templates.
  int clamp_mode() const { return (clamp_lo ? kClampLo : 0) | (clamp_hi ? kClampHi : 0); }
  /// Codes of accumulators that already include the correction; kC: the clamp sides applied (clamp_mode()).
  template <int kC>
  __m256i apply(__m256i a) const {
    const __m256i qe = _mm256_add_epi64(_mm256_mul_epi32(a, vm), vr);
    const __m256i qo = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), vm), vr);
    const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(qe, 32), qo, 0xAA);
    __m256i v = _mm256_add_epi32(_mm256_sra_epi32(h, cnt), vz);
    if constexpr ((kC & kClampLo) != 0) v = _mm256_max_epi32(v, vlo);
    if constexpr ((kC & kClampHi) != 0) v = _mm256_min_epi32(v, vhi);
    return v;
  }
};

/// 8 codes (int32 lanes, inside the 8-bit output range) as 8 int16 in lane order.
inline __m128i codes16(__m256i v) {
  return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}
/// Bytes of int16 codes: exact saturating packs (unsigned when every code is >= 0, i.e. lo >= 0).
inline __m128i codes8(__m128i a, __m128i b, bool u8codes) {
  return u8codes ? _mm_packus_epi16(a, b) : _mm_packs_epi16(a, b);
}

/// Stores the first n (<= 16) bytes of v at y.
inline void store_bytes(uint8_t* y, __m128i v, int64_t n) {
  if (n >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), v);
    return;
  }
  alignas(16) uint8_t tmp[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
  std::memcpy(y, tmp, static_cast<size_t>(n));
}

/// kV vectors of 8 outputs at pair index s, requantized and stored as bytes at y (only the first n bytes).
template <int kV, int kTaps, int kC>
inline void madd_block_rq(const int16_t* s, const int64_t* off, const int32_t* wpair, int64_t ntaps_rt, const RqVec& rq,
                          uint8_t* y, int64_t n) {
  const int64_t ntaps = kTaps > 0 ? kTaps : ntaps_rt;
  __m256i a[kV];
  for (int v = 0; v < kV; ++v) a[v] = rq.init();
  for (int64_t t = 0; t < ntaps; ++t) {
    const int16_t* p = s + 2 * off[t];
    const __m256i w = _mm256_set1_epi32(wpair[t]);
    for (int v = 0; v < kV; ++v) {
      a[v] = _mm256_add_epi32(a[v], _mm256_madd_epi16(ld(p + 16 * v), w));
      keep(a[v]);
    }
  }
  __m128i c16[kV];
  for (int v = 0; v < kV; ++v) c16[v] = codes16(rq.apply<kC>(a[v]));
  if constexpr (kV == 1) {
    const __m128i b = codes8(c16[0], c16[0], rq.u8codes);
    if (n >= 8)
      _mm_storel_epi64(reinterpret_cast<__m128i*>(y), b);
    else
      store_bytes(y, b, n);
  } else {
    for (int v = 0; v < kV; v += 2) store_bytes(y + 8 * v, codes8(c16[v], c16[v + 1], rq.u8codes), n - 8 * v);
  }
}

template <int kTaps, int kC>
void dw_accumulate_rq_t(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                        int64_t rows, int64_t ow, const DwRq& q, uint8_t* y) {
  const RqVec rq(q);
  for (int64_t r = 0; r < rows; ++r) {
    const int16_t* s = src + 2 * r * ws;
    uint8_t* yr = y + r * ow;
    int64_t i = 0;
    for (; i + 32 <= ow; i += 32) madd_block_rq<4, kTaps, kC>(s + 2 * i, off, wpair, ntaps, rq, yr + i, 32);
    if (i + 16 <= ow) {
      madd_block_rq<2, kTaps, kC>(s + 2 * i, off, wpair, ntaps, rq, yr + i, 16);
      i += 16;
    }
    // The row's last block: whole-vector stores while they stay inside the block of rows (an overhang lands in the
    // following rows, written afterwards).
    const int64_t n = std::min<int64_t>(16, (rows - r) * ow - i);
    if (i + 8 < ow)
      madd_block_rq<2, kTaps, kC>(s + 2 * i, off, wpair, ntaps, rq, yr + i, n);
    else if (i < ow)
      madd_block_rq<1, kTaps, kC>(s + 2 * i, off, wpair, ntaps, rq, yr + i, n);
  }
}

template <int kC>
void dw_accumulate_rq_c(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                        int64_t rows, int64_t ow, const DwRq& q, uint8_t* y) {
  switch (ntaps) {
    case 6: dw_accumulate_rq_t<6, kC>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    case 9: dw_accumulate_rq_t<9, kC>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    case 15: dw_accumulate_rq_t<15, kC>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    case 25: dw_accumulate_rq_t<25, kC>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    default: dw_accumulate_rq_t<0, kC>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
  }
}

void dw_accumulate_rq_avx2(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                           int64_t rows, int64_t ow, const DwRq& q, uint8_t* y) {
  switch (RqVec(q).clamp_mode()) {
    case 0: dw_accumulate_rq_c<0>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    case kClampLo: dw_accumulate_rq_c<kClampLo>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    case kClampHi: dw_accumulate_rq_c<kClampHi>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
    default: dw_accumulate_rq_c<kClampLo | kClampHi>(src, ws, off, wpair, ntaps, rows, ow, q, y); return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Channel-blocked kernel (DwBlock)
// ---------------------------------------------------------------------------------------------------------------

/// 8x8 byte transpose: in[j] holds 8 bytes (low half); out[k] holds bytes k (low half) and k + 1 (high half) of
/// every in[j], k even: out[k / 2] = (in[0][k] .. in[7][k], in[0][k + 1] .. in[7][k + 1]).
inline void transpose8x8(const __m128i in[8], __m128i out[4]) {
  const __m128i a = _mm_unpacklo_epi8(in[0], in[1]), b = _mm_unpacklo_epi8(in[2], in[3]);
  const __m128i c = _mm_unpacklo_epi8(in[4], in[5]), d = _mm_unpacklo_epi8(in[6], in[7]);
  const __m128i e = _mm_unpacklo_epi16(a, b), f = _mm_unpackhi_epi16(a, b);
  const __m128i g = _mm_unpacklo_epi16(c, d), h = _mm_unpackhi_epi16(c, d);
  out[0] = _mm_unpacklo_epi32(e, g);
  out[1] = _mm_unpackhi_epi32(e, g);
  out[2] = _mm_unpacklo_epi32(f, h);
  out[3] = _mm_unpackhi_epi32(f, h);
}

/// The first n (<= 8) bytes at p in the low half (the rest: other readable bytes or zero); reads 8 bytes when they
/// are before `end`, else only the n bytes.
inline __m128i load8(const uint8_t* p, int64_t n, const uint8_t* end) {
  if (end - p >= 8) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  alignas(16) uint8_t tmp[8] = {};
  for (int64_t k = 0; k < n; ++k) tmp[k] = p[k];
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tmp));
}

/// Per-lane (channel) fast requantization.
struct RqLanes {
  __m256i vc, vme, vmo, vre, vro, cnt, vz, vlo, vhi;
  bool u8codes;
  // Lanes built in registers (from arrays filled by scalar stores, each vector load stalled on store forwarding).
  explicit RqLanes(const DwRq* q) {
    vc = _mm256_setr_epi32(q[0].corr, q[1].corr, q[2].corr, q[3].corr, q[4].corr, q[5].corr, q[6].corr, q[7].corr);
    cnt = _mm256_setr_epi32(q[0].r - 32, q[1].r - 32, q[2].r - 32, q[3].r - 32, q[4].r - 32, q[5].r - 32, q[6].r - 32,
                            q[7].r - 32);
    auto half = [](int32_t r) { return static_cast<long long>(int64_t{1} << (r - 1)); };
    vme = _mm256_setr_epi64x(q[0].mult, q[2].mult, q[4].mult, q[6].mult);
    vmo = _mm256_setr_epi64x(q[1].mult, q[3].mult, q[5].mult, q[7].mult);
    vre = _mm256_setr_epi64x(half(q[0].r), half(q[2].r), half(q[4].r), half(q[6].r));
    vro = _mm256_setr_epi64x(half(q[1].r), half(q[3].r), half(q[5].r), half(q[7].r));
    vz = _mm256_set1_epi32(q[0].zp);
    vlo = _mm256_set1_epi32(q[0].lo);
    vhi = _mm256_set1_epi32(q[0].hi);
    u8codes = q[0].lo >= 0;
  }
  /// Accumulators start at the per-lane correction.
  __m256i init() const { return vc; }
  template <int kC>
  __m256i apply(__m256i a) const {
    const __m256i qe = _mm256_add_epi64(_mm256_mul_epi32(a, vme), vre);
    const __m256i qo = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), vmo), vro);
    const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(qe, 32), qo, 0xAA);
    __m256i v = _mm256_add_epi32(_mm256_srav_epi32(h, cnt), vz);
    if constexpr ((kC & kClampLo) != 0) v = _mm256_max_epi32(v, vlo);
    if constexpr ((kC & kClampHi) != 0) v = _mm256_min_epi32(v, vhi);
    return v;
  }
};

template <bool kI8>
inline __m128i widen8(__m128i v) {
  return kI8 ? _mm_cvtepi8_epi16(v) : _mm_cvtepu8_epi16(v);
}

/// Channel-minor planes of the block: Q[py][px] (px < wp + dw) = 8 int16 x_c - zp (0 in the padding), then
/// P[py][px] (px < wp) = 8 int32 lanes (Q[py][px][c], Q[py][px + dw][c]).
template <bool kI8>
void block_prep(const DwBlock& b, int16_t* qbuf, int16_t* pbuf) {
  const int64_t h = b.h, w = b.w, hp = b.hp, wp = b.wp, dw = b.dw, wq = wp + dw;
  const uint8_t* const end = b.x_end;
  const uint8_t* xs[8];
  for (int c = 0; c < 8; ++c) xs[c] = b.x[c];
  std::memset(qbuf, 0, static_cast<size_t>(hp * wq * 16));
  const __m128i vzp = _mm_set1_epi16(static_cast<int16_t>(b.zp));
  for (int64_t iy = 0; iy < h; ++iy) {
    int16_t* qr = qbuf + ((iy + b.pad_top) * wq + b.pad_left) * 8;
    for (int64_t ix = 0; ix < w; ix += 8) {
      const int64_t n = std::min<int64_t>(8, w - ix), o = iy * w + ix;
      __m128i in[8], t[4];
      for (int c = 0; c < 8; ++c) in[c] = load8(xs[c] + o, n, end);
      transpose8x8(in, t);
      __m128i* d = reinterpret_cast<__m128i*>(qr + ix * 8);
      if (n == 8) {
        for (int k = 0; k < 4; ++k) {
          _mm_storeu_si128(d + 2 * k, _mm_sub_epi16(widen8<kI8>(t[k]), vzp));
          _mm_storeu_si128(d + 2 * k + 1, _mm_sub_epi16(widen8<kI8>(_mm_unpackhi_epi64(t[k], t[k])), vzp));
        }
      } else {
        for (int64_t k = 0; k < n; ++k) {
          const __m128i v = (k & 1) ? _mm_unpackhi_epi64(t[k / 2], t[k / 2]) : t[k / 2];
          _mm_storeu_si128(d + k, _mm_sub_epi16(widen8<kI8>(v), vzp));
        }
      }
    }
  }
  const __m128i* q = reinterpret_cast<const __m128i*>(qbuf);
  __m256i* pp = reinterpret_cast<__m256i*>(pbuf);
  // Row by row over the Q rows (px < wp of each): Q[py][px + dw] stays inside the row (wq = wp + dw).
  // Stride 2 without dilation reads P only at even columns (ox * 2 + kx, kx even).
  const int64_t step = b.sw == 2 && dw == 1 ? 2 : 1;
  for (int64_t py = 0; py < hp; ++py) {
    const __m128i* qr = q + py * wq;
    __m256i* pr = pp + py * wp;
    for (int64_t px = 0; px < wp; px += step) {
      const __m128i u = _mm_loadu_si128(qr + px), v = _mm_loadu_si128(qr + px + dw);
      _mm256_store_si256(pr + px, _mm256_set_m128i(_mm_unpackhi_epi16(u, v), _mm_unpacklo_epi16(u, v)));
    }
  }
}

/// Codes of the block's output pixels: codes[i * 8 + c] for pixel i = oy * ow + ox, channel lane c.
template <int kTaps, int kC>
void block_acc(const DwBlock& b, const int16_t* pbuf, const __m256i* wv_in, const int64_t* toff_in, int64_t ntaps_rt,
               uint8_t* codes) {
  constexpr int kMax = kTaps > 0 ? kTaps : 64;
  const int64_t ntaps = kTaps > 0 ? kTaps : ntaps_rt;
  // Local copies: the code stores below may alias anything the compiler cannot see as local.
  __m256i wv[kMax];
  int64_t toff[kMax];
  for (int64_t t = 0; t < ntaps; ++t) {
    wv[t] = wv_in[t];
    toff[t] = toff_in[t];
  }
  const int64_t oh = b.oh, ow = b.ow, rstep = b.sh * b.wp, sw = b.sw;
  const RqLanes rq(b.q);
  const bool u8c = rq.u8codes;
  const __m256i* P = reinterpret_cast<const __m256i*>(pbuf);
  uint8_t* out = codes;
  for (int64_t oy = 0; oy < oh; ++oy) {
    const __m256i* row = P + oy * rstep;
    int64_t ox = 0;
    for (; ox + 2 <= ow; ox += 2, out += 16) {
      const __m256i* p0 = row + ox * sw;
      const __m256i* p1 = p0 + sw;
      __m256i a0 = rq.init(), a1 = a0;
      for (int64_t t = 0; t < ntaps; ++t) {
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_load_si256(p0 + toff[t]), wv[t]));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_load_si256(p1 + toff[t]), wv[t]));
        keep(a0);
        keep(a1);
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                       codes8(codes16(rq.apply<kC>(a0)), codes16(rq.apply<kC>(a1)), u8c));
    }
    if (ox < ow) {
      const __m256i* p0 = row + ox * sw;
      __m256i a0 = rq.init();
      for (int64_t t = 0; t < ntaps; ++t)
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_load_si256(p0 + toff[t]), wv[t]));
      const __m128i c = codes16(rq.apply<kC>(a0));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out), codes8(c, c, u8c));
      out += 8;
    }
  }
}

template <int kC>
void block_acc_c(const DwBlock& b, const int16_t* pbuf, const __m256i* wv, const int64_t* toff, int64_t nt,
                 uint8_t* codes) {
  switch (nt) {
    case 6: block_acc<6, kC>(b, pbuf, wv, toff, nt, codes); break;
    case 15: block_acc<15, kC>(b, pbuf, wv, toff, nt, codes); break;
    default: block_acc<0, kC>(b, pbuf, wv, toff, nt, codes); break;
  }
}

void dw_block_avx2(const DwBlock& b) {
  int16_t* qbuf = b.scratch;
  int16_t* pbuf = qbuf + (b.hp * (b.wp + b.dw) * 8 + 15) / 16 * 16;  // 32-byte aligned
  uint8_t* codes = reinterpret_cast<uint8_t*>(pbuf + b.hp * b.wp * 16);
  if (b.i8)
    block_prep<true>(b, qbuf, pbuf);
  else
    block_prep<false>(b, qbuf, pbuf);
  // Tap pairs (ky, kx even): per lane c the weights (w_c(ky, kx), w_c(ky, kx + 1)), 0 past the kernel / block.
  constexpr int kMaxPairs = 64;
  alignas(32) __m256i wv[kMaxPairs];
  int64_t toff[kMaxPairs];
  int64_t nt = 0;
  for (int64_t ky = 0; ky < b.kh; ++ky)
    for (int64_t kx = 0; kx < b.kw; kx += 2, ++nt) {
      wv[nt] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.wpairs + nt * 16));  // prepacked at pack time
      toff[nt] = ky * b.dh * b.wp + kx * b.dw;
    }
  // Every lane has the same lo / hi (the output range of the call).
  switch (RqVec(b.q[0]).clamp_mode()) {
    case 0: block_acc_c<0>(b, pbuf, wv, toff, nt, codes); break;
    case kClampLo: block_acc_c<kClampLo>(b, pbuf, wv, toff, nt, codes); break;
    case kClampHi: block_acc_c<kClampHi>(b, pbuf, wv, toff, nt, codes); break;
    default: block_acc_c<kClampLo | kClampHi>(b, pbuf, wv, toff, nt, codes); break;
  }
  // Back to the channel planes, 8 pixels per step.
  const int64_t n = b.oh * b.ow;
  const int nch = b.nch;
  uint8_t* y[kDwBlockCh];
  for (int c = 0; c < kDwBlockCh; ++c) y[c] = b.y[c];
  for (int64_t i = 0; i < n; i += 8) {
    const int64_t m = std::min<int64_t>(8, n - i);
    __m128i in[8], t[4];
    for (int j = 0; j < 8; ++j)
      in[j] = j < m ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + (i + j) * 8)) : _mm_setzero_si128();
    transpose8x8(in, t);
    if (m == 8) {
      for (int c = 0; c < nch; ++c)
        _mm_storel_epi64(reinterpret_cast<__m128i*>(y[c] + i),
                         (c & 1) ? _mm_unpackhi_epi64(t[c / 2], t[c / 2]) : t[c / 2]);
    } else {
      for (int c = 0; c < nch; ++c) {
        uint64_t bits =
            static_cast<uint64_t>(_mm_cvtsi128_si64((c & 1) ? _mm_unpackhi_epi64(t[c / 2], t[c / 2]) : t[c / 2]));
        for (int64_t k = 0; k < m; ++k, bits >>= 8) y[c][i + k] = static_cast<uint8_t>(bits);
      }
    }
  }
}

}  // namespace

const DwKernels& dw_kernels_avx2() {
  static const DwKernels k{dw_prep_avx2, dw_accumulate_avx2, dw_store_avx2, dw_accumulate_rq_avx2, dw_block_avx2};
  return k;
}

}  // namespace npukit::q8::detail
