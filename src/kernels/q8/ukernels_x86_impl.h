// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): 256-bit AVX2 requantization and depthwise row kernels, included by every x86 tier's
// translation unit (each compiles them with its own flags; everything here has internal linkage so the copies
// never mix). Exactness argument in docs/KERNELS.md.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/q8/ukernels.h"
#include "kernels/q8/wino_impl.h"

namespace npukit::q8::detail {
namespace {

inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

/// 64-bit signed max / min (AVX2 has no vpmaxsq).
inline __m256i max_epi64(__m256i a, __m256i b) {
  return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(b, a));
}
inline __m256i min_epi64(__m256i a, __m256i b) {
  return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}

/// Exact vector form of quant::requantize(saturate_i32(acc + corr), {mult, shift}, zp, [lo, hi]):
/// 64-bit lanes: a = clamp(acc + corr, int32), p = a * mult (exact: |p| < 2^62), r = min(31 - shift, 63),
/// v = floor((p + 2^(r-1)) / 2^r) computed as ((p + round) xor 2^63) >>> r - 2^(63-r) (a logical shift of the
/// value biased by 2^63 is a floor division; AVX2 has no 64-bit arithmetic shift), r >= 63 gives 0 as the spec
/// does (|p| < 2^62), then clamp to [lo - zp, hi - zp] and add zp (the spec's +-2^40 saturation cannot change a
/// result that is then clamped to a 32-bit range).
///
/// Fast form when the caller guarantees acc + corr fits int32 (no_sat) and r >= 32 (every multiplier below 1/2,
/// i.e. all usual convolutions): the sum is formed in 32 bits, the two 32x32 -> 64-bit products of the even and
/// odd lanes get the rounding term, and floor(q / 2^r) = floor(hi32(q) / 2^(r-32)) is an arithmetic 32-bit shift
/// of the high halves (|result| < 2^31 because |p| < 2^62 and r >= 32). Clamping is then 32-bit.
void requant_avx2(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                  int32_t hi, int32_t* out, bool no_sat) {
  if (mult == 0 || n < 8) {
    requant_scalar(acc, n, corr, mult, shift, zp, lo, hi, out);
    return;
  }
  int r = 31 - shift;
  if (r > 63) r = 63;
  int64_t i0 = 0;
  if (no_sat && r >= 32) {
    const __m256i vc = _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(corr))));
    const __m256i vm = _mm256_set1_epi64x(mult);
    const __m256i vr = _mm256_set1_epi64x(int64_t{1} << (r - 1));
    const __m128i cnt = _mm_cvtsi32_si128(r - 32);
    const __m256i vz = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    for (; i0 + 8 <= n; i0 += 8) {
      const __m256i a = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i0)), vc);
      const __m256i qe = _mm256_add_epi64(_mm256_mul_epi32(a, vm), vr);
      const __m256i qo = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), vm), vr);
      const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(qe, 32), qo,
                                           0xAA);  // high halves, in lane order
      __m256i v = _mm256_add_epi32(_mm256_sra_epi32(h, cnt), vz);
      v = _mm256_min_epi32(_mm256_max_epi32(v, vlo), vhi);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i0), v);
    }
    if (i0 < n) requant_scalar(acc + i0, n - i0, corr, mult, shift, zp, lo, hi, out + i0);
    return;
  }
  const __m256i vcorr = _mm256_set1_epi64x(corr);
  const __m256i imin = _mm256_set1_epi64x(std::numeric_limits<int32_t>::min());
  const __m256i imax = _mm256_set1_epi64x(std::numeric_limits<int32_t>::max());
  const __m256i vmult = _mm256_set1_epi64x(mult);
  const __m256i vround = _mm256_set1_epi64x(r >= 1 ? int64_t{1} << (r - 1) : 0);
  const __m256i sign = _mm256_set1_epi64x(std::numeric_limits<int64_t>::min());
  const __m256i vbias = _mm256_set1_epi64x(static_cast<int64_t>(uint64_t{1} << (63 - r)));
  const __m128i cnt = _mm_cvtsi32_si128(r);
  const __m256i vlo = _mm256_set1_epi64x(static_cast<int64_t>(lo) - zp);
  const __m256i vhi = _mm256_set1_epi64x(static_cast<int64_t>(hi) - zp);
  const __m256i vzp = _mm256_set1_epi64x(zp);
  const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  auto step4 = [&](__m128i a32) {
    __m256i a = _mm256_add_epi64(_mm256_cvtepi32_epi64(a32), vcorr);
    a = min_epi64(max_epi64(a, imin), imax);
    __m256i p = _mm256_add_epi64(_mm256_mul_epi32(a, vmult), vround);
    __m256i v = _mm256_sub_epi64(_mm256_srl_epi64(_mm256_xor_si256(p, sign), cnt), vbias);
    v = min_epi64(max_epi64(v, vlo), vhi);
    return _mm256_permutevar8x32_epi32(_mm256_add_epi64(v, vzp),
                                       idx);  // low 128 bits: the 4 results
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i));
    const __m256i v0 = step4(_mm256_castsi256_si128(a));
    const __m256i v1 = step4(_mm256_extracti128_si256(a, 1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_permute2x128_si256(v0, v1, 0x20));
  }
  if (i < n) requant_scalar(acc + i, n - i, corr, mult, shift, zp, lo, hi, out + i);
}

/// Depthwise row: two taps at a time, interleaved (unpacklo/hi) and multiplied by the weight pair with vpmaddwd
/// (exact: |(x - zp) * w| <= 255 * 128, two of them fit int32).
void dw_row_avx2(int64_t n, int64_t npairs, const int16_t* const* src, const int32_t* wp, int32_t* acc) {
  for (int64_t i = 0; i < n; i += 16) {
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    for (int64_t t = 0; t < npairs; ++t) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[2 * t] + i));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[2 * t + 1] + i));
      const __m256i w = _mm256_set1_epi32(wp[t]);
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b),
                                                  w));  // outputs 0-3, 8-11
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b),
                                                  w));  // outputs 4-7, 12-15
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
  }
}

/// The byte map of the panels, (v ^ mask) - sub (mod 256), as one add: v ^ 0x80 = v + 0x80 (mod 256), so for mask in
/// {0, 0x80} it is v + (mask - sub).
inline __m128i panel_add(uint8_t mask, uint8_t sub) {
  return _mm_set1_epi8(static_cast<char>(static_cast<uint8_t>(mask - sub)));
}

/// 16 pixels of 4 rows (a, b, c, e: bytes of k = 4q .. 4q + 3) interleaved into 16 quads at o, each byte plus ad
/// (panel_add).
inline void interleave_quads16(__m128i a, __m128i b, __m128i c, __m128i e, __m128i ad, uint8_t* o) {
  const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
  const __m128i ce_lo = _mm_unpacklo_epi8(c, e), ce_hi = _mm_unpackhi_epi8(c, e);
  auto put = [&](uint8_t* at, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(at), _mm_add_epi8(v, ad)); };
  put(o, _mm_unpacklo_epi16(ab_lo, ce_lo));
  put(o + 16, _mm_unpackhi_epi16(ab_lo, ce_lo));
  put(o + 32, _mm_unpacklo_epi16(ab_hi, ce_hi));
  put(o + 48, _mm_unpackhi_epi16(ab_hi, ce_hi));
}

/// Interleaves 4 rows of NR (a multiple of 16) contiguous bytes into NR quads at d, 16 pixels per step.
template <int kNr>
inline void interleave_rows(const uint8_t* r0, const uint8_t* r1, const uint8_t* r2, const uint8_t* r3, __m128i ad,
                            uint8_t* d) {
  for (int p = 0; p < kNr; p += 16) {
    auto ld = [&](const uint8_t* r) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + p)); };
    interleave_quads16(ld(r0), ld(r1), ld(r2), ld(r3), ad, d + p * 4);
  }
}

template <int kNr>
void pack_quad_avx2(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) {
  interleave_rows<kNr>(rows[0], rows[1], rows[2], rows[3], panel_add(mask, sub), d);
}

/// A whole panel of contiguous pixels (ukernels.h pack_panel): pack_quad_avx2 of every quad in one call.
template <int kNr>
void pack_panel_avx2(const uint8_t* base, const int64_t* koff, int64_t kq, uint8_t mask, uint8_t sub, uint8_t* d) {
  const __m128i ad = panel_add(mask, sub);
  for (int64_t q = 0; q < kq; ++q, koff += 4, d += kNr * 4)
    interleave_rows<kNr>(base + koff[0], base + koff[1], base + koff[2], base + koff[3], ad, d);
}

/// Panels made of runs of source bytes (ukernels.h pack_quad_runs): per row, 16 pixels are loaded from run 0's source
/// (step 2: the even bytes of 32, vpand + vpackuswb) and every later run's 16 pixels are blended in where p >=
/// run_start[r] (vpblendvb), then interleaved as in pack_quad_avx2.
template <int kNr>
void pack_quad_runs_avx2(const uint8_t* const* rows, const int64_t* run_off, const int32_t* run_start, int nruns,
                         int step, uint8_t mask, uint8_t sub, uint8_t* d) {
  const __m128i ad = panel_add(mask, sub);
  const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i even = _mm256_set1_epi16(0x00FF);
  auto load16 = [&](const uint8_t* a) {
    if (step == 1) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m256i v = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)), even);
    return _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  };
  for (int p = 0; p < kNr; p += 16) {
    __m128i v[4];
    for (int j = 0; j < 4; ++j) v[j] = load16(rows[j] + run_off[0] + step * p);
    for (int r = 1; r < nruns; ++r) {
      // Pixel p + i belongs to run r or a later one when p + i > run_start[r] - 1 (values < 64: signed compare).
      const __m128i sel = _mm_cmpgt_epi8(_mm_add_epi8(iota, _mm_set1_epi8(static_cast<char>(p))),
                                         _mm_set1_epi8(static_cast<char>(run_start[r] - 1)));
      for (int j = 0; j < 4; ++j) v[j] = _mm_blendv_epi8(v[j], load16(rows[j] + run_off[r] + step * p), sel);
    }
    interleave_quads16(v[0], v[1], v[2], v[3], ad, d + p * 4);
  }
}

/// Stride-2 rows: the even bytes of 2 * NR bytes of each row (vpand + vpackuswb), interleaved in registers as in
/// pack_quad_avx2 (no staging copy).
template <int kNr>
void pack_quad_s2_avx2(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) {
  const __m128i ad = panel_add(mask, sub);
  const __m256i even = _mm256_set1_epi16(0x00FF);
  for (int p = 0; p < kNr; p += 16) {
    auto ld = [&](int j) {
      const __m256i v = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[j] + 2 * p)), even);
      return _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    };
    interleave_quads16(ld(0), ld(1), ld(2), ld(3), ad, d + p * 4);
  }
}

/// Fused requantization of tile rows straight to bytes (ukernels.h requant_rows8), same arithmetic as the fast form of
/// requant_avx2, 16 codes per step: two vectors of clamped int32 codes are narrowed with packs (exact: they are in
/// [-128, 255]) and packs / packus (exact: i8 codes when lo < 0, u8 or non-negative i8 codes otherwise).
/// Fused requantization of 16 tile sums of one row (a0: sums 0-7, a1: sums 8-15) to 16 bytes, same arithmetic as the
/// fast form of requant_avx2: two vectors of clamped int32 codes are narrowed with packs (exact: they are in
/// [-128, 255]) and packs / packus (exact: i8 codes when lo < 0, u8 or non-negative i8 codes otherwise).
struct Rq8Row {
  __m256i vc, vm, vr;
  __m128i cnt;
  explicit Rq8Row(const RowQ& q) {
    const int sh = 31 - q.shift;  // in [32, 63]
    vc = _mm256_set1_epi32(q.corr);
    vm = _mm256_set1_epi64x(q.mult);
    vr = _mm256_set1_epi64x(int64_t{1} << (sh - 1));
    cnt = _mm_cvtsi32_si128(sh - 32);
  }
  /// The requantized value before the zero point and the clamp: floor((acc + corr) * mult / 2^sh + 1/2).
  __m256i scaled(__m256i acc) const {
    const __m256i a = _mm256_add_epi32(acc, vc);
    const __m256i qe = _mm256_add_epi64(_mm256_mul_epi32(a, vm), vr);
    const __m256i qo = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), vm), vr);
    const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(qe, 32), qo, 0xAA);
    return _mm256_sra_epi32(h, cnt);
  }
  __m256i codes(__m256i acc, __m256i vz, __m256i vlo, __m256i vhi) const {
    const __m256i v = _mm256_add_epi32(scaled(acc), vz);
    return _mm256_min_epi32(_mm256_max_epi32(v, vlo), vhi);
  }
};
/// Byte-domain constants of codes2rows: the zero point as int16, lo and hi as bytes.
struct Rq8Narrow {
  __m256i vz16, vlo8, vhi8, perm;
  Rq8Narrow(int32_t zp, int32_t lo, int32_t hi)
      : vz16(_mm256_set1_epi16(static_cast<int16_t>(zp))),
        vlo8(_mm256_set1_epi8(static_cast<char>(lo))),
        vhi8(_mm256_set1_epi8(static_cast<char>(hi))),
        perm(_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)) {}
};
/// The 8-bit codes of two tile rows (16 sums each: a00 / a01 of row 0, a10 / a11 of row 1; requantized by r0 / r1):
/// bytes 0-15 row 0, 16-31 row 1. The same bytes as Rq8Row::codes + narrow16, with the zero point added and the clamp
/// applied after saturating narrowing (zp in [-128, 255], [lo, hi] inside the i8 (Unsigned = false) or u8 (true) byte
/// range): v -> sat16(v) -> sat16(. + zp) -> sat8 -> clamp(., lo, hi) equals clamp(v + zp, lo, hi), since every
/// saturation is monotone, exact inside its range, and maps values beyond it to values beyond [lo, hi] on the same
/// side (|zp| <= 255 is far below the int16 bounds).
template <bool Unsigned>
inline __m256i codes2rows(const Rq8Row& r0, const Rq8Row& r1, __m256i a00, __m256i a01, __m256i a10, __m256i a11,
                          const Rq8Narrow& nw) {
  const __m256i t0 = _mm256_adds_epi16(_mm256_packs_epi32(r0.scaled(a00), r0.scaled(a01)), nw.vz16);
  const __m256i t1 = _mm256_adds_epi16(_mm256_packs_epi32(r1.scaled(a10), r1.scaled(a11)), nw.vz16);
  // In-lane packs: dwords {r0 0-3, r0 8-11, r1 0-3, r1 8-11, r0 4-7, r0 12-15, r1 4-7, r1 12-15}.
  __m256i b = Unsigned ? _mm256_packus_epi16(t0, t1) : _mm256_packs_epi16(t0, t1);
  b = _mm256_permutevar8x32_epi32(b, nw.perm);
  if constexpr (Unsigned) return _mm256_min_epu8(_mm256_max_epu8(b, nw.vlo8), nw.vhi8);
  return _mm256_min_epi8(_mm256_max_epi8(b, nw.vlo8), nw.vhi8);
}
inline __m128i narrow16(__m256i c0, __m256i c1, bool unsigned_codes) {
  const __m256i t = _mm256_permute4x64_epi64(_mm256_packs_epi32(c0, c1), 0xD8);
  const __m128i tl = _mm256_castsi256_si128(t), th = _mm256_extracti128_si256(t, 1);
  return unsigned_codes ? _mm_packus_epi16(tl, th) : _mm_packs_epi16(tl, th);
}
/// Stores the first n (<= 16) bytes of b at y.
inline void store_bytes16(uint8_t* y, __m128i b, int n) {
  if (n >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), b);
  } else {
    alignas(16) uint8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(y, tmp, static_cast<size_t>(n));
  }
}

/// Fused requantization of tile rows straight to bytes (ukernels.h requant_rows8), 16 codes per step.
template <int kNr>
void requant_rows8_avx2(const int32_t* c, int rows, int nvalid, const RowQ* q, int32_t zp, int32_t lo, int32_t hi,
                        uint8_t* y, int64_t ys) {
  static_assert(kNr % 16 == 0);
  const __m256i vz = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const bool unsigned_codes = lo >= 0;
  for (int r = 0; r < rows; ++r) {
    const Rq8Row rq(q[r]);
    const int32_t* cr = c + r * kNr;
    uint8_t* yr = y + r * ys;
    for (int i = 0; i < kNr && i < nvalid; i += 16) {
      const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cr + i));
      const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cr + i + 8));
      store_bytes16(yr + i, narrow16(rq.codes(a0, vz, vlo, vhi), rq.codes(a1, vz, vlo, vhi), unsigned_codes),
                    nvalid - i);
    }
  }
}

/// Matrix-vector rows (ukernels.h gemv): 4 rows at a time, 16 k per step; the int8 weights are sign-extended to int16
/// and multiplied by the int16 activations with vpmaddwd (exact: two products of |x| <= 255, |w| <= 128 fit int32); the
/// 4 row sums are reduced with vphaddd. Every partial sum is a sum of a subset of the products, so it obeys the
/// caller's int32 bound.
void gemv_avx2(int64_t k, const int8_t* w, int64_t ldw, int64_t rows, const int16_t* x, int32_t* out) {
  const int64_t k16 = k / 16 * 16;
  auto wv = [](const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); };
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const int8_t* w0 = w + r * ldw;
    const int8_t* w1 = w0 + ldw;
    const int8_t* w2 = w1 + ldw;
    const int8_t* w3 = w2 + ldw;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < k16; i += 16) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, wv(w0 + i)));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv, wv(w1 + i)));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xv, wv(w2 + i)));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xv, wv(w3 + i)));
    }
    const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    __m128i v = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    alignas(16) int32_t tmp[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
    for (int64_t i = k16; i < k; ++i) {
      tmp[0] += w0[i] * x[i];
      tmp[1] += w1[i] * x[i];
      tmp[2] += w2[i] * x[i];
      tmp[3] += w3[i] * x[i];
    }
    for (int j = 0; j < 4; ++j) out[r + j] = tmp[j];
  }
  if (r < rows) gemv_scalar(k, w + r * ldw, ldw, rows - r, x, out + r);
}

/// Winograd F(2x2, 3x3) GEMM tile of one position (ukernels.h wino_tile runs it for the 16 positions; kpairs even, the
/// loop runs 2 pairs per iteration), 4 output channels x 16 tiles: per input-channel pair, 2 loads
/// of the 16 tiles' (c, c + 1) int16 pairs, 4 vpbroadcastd of the weight pairs, 8 vpmaddwd (each lane: the exact sum
/// of two int16 products, |sum| <= 2 * 1020 * 1143 < 2^31 for the caller's values, so no saturation) and 8 vpaddd
/// (wrapping int32, as the contract allows). Inline assembly with a fixed register plan for the reason given at
/// tile_i16_acc (accumulators among ymm0-7, activations ymm8-9, weights ymm10-11, products ymm12-13).
/// Inline-assembly prologue of the 8-accumulator tiles: zeroes the operands named a0..a7.
#define NPK_ZERO_ACC8             \
  "vpxor %[a0], %[a0], %[a0]\n\t" \
  "vpxor %[a1], %[a1], %[a1]\n\t" \
  "vpxor %[a2], %[a2], %[a2]\n\t" \
  "vpxor %[a3], %[a3], %[a3]\n\t" \
  "vpxor %[a4], %[a4], %[a4]\n\t" \
  "vpxor %[a5], %[a5], %[a5]\n\t" \
  "vpxor %[a6], %[a6], %[a6]\n\t" \
  "vpxor %[a7], %[a7], %[a7]\n\t"
constexpr int kWinoMr = 4, kWinoNr = 16;
inline void wino_tile1_avx2(int64_t kpairs, const int16_t* w, const int16_t* v, int64_t vbytes, int32_t* c) {
  __m256i a0, a1, a2, a3, a4, a5, a6, a7;
  asm(NPK_ZERO_ACC8
      "test %[kp], %[kp]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[v]), %%ymm8\n\t"
      "vmovdqu 32(%[v]), %%ymm9\n\t"
#define NPK_WROW(off, lo, hi, wr, pr)    \
  "vpbroadcastd " #off "(%[w]), %%" #wr  \
  "\n\t"                                 \
  "vpmaddwd %%" #wr ", %%ymm8, %%" #pr   \
  "\n\t"                                 \
  "vpaddd %%" #pr ", %[" #lo "], %[" #lo \
  "]\n\t"                                \
  "vpmaddwd %%" #wr ", %%ymm9, %%" #wr   \
  "\n\t"                                 \
  "vpaddd %%" #wr ", %[" #hi "], %[" #hi "]\n\t"
      NPK_WROW(0, a0, a1, ymm10, ymm12) NPK_WROW(4, a2, a3, ymm11, ymm13) NPK_WROW(8, a4, a5, ymm10, ymm12)
          NPK_WROW(12, a6, a7, ymm11, ymm13)  // pair i
      "vmovdqu (%[v],%[vb]), %%ymm8\n\t"
      "vmovdqu 32(%[v],%[vb]), %%ymm9\n\t" NPK_WROW(16, a0, a1, ymm10, ymm12) NPK_WROW(20, a2, a3, ymm11, ymm13)
          NPK_WROW(24, a4, a5, ymm10, ymm12) NPK_WROW(28, a6, a7, ymm11, ymm13)  // pair i + 1
#undef NPK_WROW
      "lea (%[v],%[vb],2), %[v]\n\t"
      "add $32, %[w]\n\t"
      "sub $2, %[kp]\n\t"
      "jg 1b\n\t"
      "2:\n\t"
      : [a0] "=&x"(a0), [a1] "=&x"(a1), [a2] "=&x"(a2), [a3] "=&x"(a3), [a4] "=&x"(a4), [a5] "=&x"(a5), [a6] "=&x"(a6),
        [a7] "=&x"(a7), [kp] "+r"(kpairs), [v] "+r"(v), [w] "+r"(w)
      : [vb] "r"(vbytes)
      : "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "memory", "cc");
  __m256i* d = reinterpret_cast<__m256i*>(c);
  _mm256_storeu_si256(d, a0);
  _mm256_storeu_si256(d + 1, a1);
  _mm256_storeu_si256(d + 2, a2);
  _mm256_storeu_si256(d + 3, a3);
  _mm256_storeu_si256(d + 4, a4);
  _mm256_storeu_si256(d + 5, a5);
  _mm256_storeu_si256(d + 6, a6);
  _mm256_storeu_si256(d + 7, a7);
}
[[maybe_unused]] void wino_tile_avx2(int64_t kpairs, const int16_t* w, int64_t wpos, int64_t wblk, int nob,
                                     const int16_t* v, int64_t vpos, int64_t vstride, int32_t* c) {
  for (int xi = 0; xi < 16; ++xi)
    for (int b = 0; b < nob; ++b)
      wino_tile1_avx2(kpairs, w + xi * wpos + b * wblk, v + xi * vpos, vstride * 2,
                      c + (b * 16 + xi) * kWinoMr * kWinoNr);
}

/// Winograd input transform (ukernels.h wino_input), 16 tiles per step: the 32 bytes of a row from column 2 tx0 give
/// the even / odd columns e[tx], o[tx] as int16 lanes (vpand / vpsrlw), the 32 bytes from column 2 tx0 + 2 give e[tx +
/// 1], o[tx + 1]; the column and row transforms are then lane-wise int16 adds (|V| <= 1020, exact), and the two
/// channels' V are interleaved into pairs (vpunpck*wd + vperm2i128). Reads rows[k][0, 2 * ntx + 34); a partial last
/// step writes all 16 tiles' pairs (allowed by the contract).
[[maybe_unused]] void wino_input_avx2(const uint8_t* const* rows, int64_t ntx, int16_t* dst, int64_t xstride) {
  const __m256i lo8 = _mm256_set1_epi16(0xFF);
  for (int64_t tx0 = 0; tx0 < ntx; tx0 += 16) {
    __m256i v[2][16];
    for (int jj = 0; jj < 2; ++jj) {
      __m256i e[4], o[4], e1[4], o1[4];
      for (int i = 0; i < 4; ++i) {
        const uint8_t* r = rows[jj * 4 + i] + 2 * tx0;
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + 2));
        e[i] = _mm256_and_si256(a, lo8);
        o[i] = _mm256_srli_epi16(a, 8);
        e1[i] = _mm256_and_si256(b, lo8);
        o1[i] = _mm256_srli_epi16(b, 8);
      }
      auto col = [](__m256i* d) {  // B^T d over the 4 rows, in place
        const __m256i t0 = _mm256_sub_epi16(d[0], d[2]), t1 = _mm256_add_epi16(d[1], d[2]);
        const __m256i t2 = _mm256_sub_epi16(d[2], d[1]), t3 = _mm256_sub_epi16(d[1], d[3]);
        d[0] = t0, d[1] = t1, d[2] = t2, d[3] = t3;
      };
      col(e), col(o), col(e1), col(o1);
      for (int i = 0; i < 4; ++i) {  // . B: columns 2 tx .. 2 tx + 3 are e[tx], o[tx], e[tx + 1], o[tx + 1]
        v[jj][i * 4 + 0] = _mm256_sub_epi16(e[i], e1[i]);
        v[jj][i * 4 + 1] = _mm256_add_epi16(o[i], e1[i]);
        v[jj][i * 4 + 2] = _mm256_sub_epi16(e1[i], o[i]);
        v[jj][i * 4 + 3] = _mm256_sub_epi16(o[i], o1[i]);
      }
    }
    for (int xi = 0; xi < 16; ++xi) {
      const __m256i a = _mm256_unpacklo_epi16(v[0][xi], v[1][xi]);  // tiles 0-3, 8-11
      const __m256i b = _mm256_unpackhi_epi16(v[0][xi], v[1][xi]);  // tiles 4-7, 12-15
      const __m256i p0 = _mm256_permute2x128_si256(a, b, 0x20), p1 = _mm256_permute2x128_si256(a, b, 0x31);
      int16_t* d = dst + xi * xstride + 2 * tx0;  // a partial last step also writes tiles [ntx, tx0 + 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), p0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 16), p1);
    }
  }
}

}  // namespace
}  // namespace npukit::q8::detail
