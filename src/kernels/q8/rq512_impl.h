// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): the 512-bit fast requantization shared by the AVX-512 VNNI tier's GEMM blocks
// (ukernels_avx512vnni.cpp) and depthwise planes (dw_avx512vnni.cpp), included by those units only (internal linkage).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/q8/ukernels.h"

namespace npukit::q8::detail {
namespace {

/// The rounded high halves of Rq512::scaled before the final shift, with the multipliers of the even / odd lanes in
/// the low dwords of me / mo and the rounding terms re / ro (64-bit) or r32 (Round32), one per lane or broadcast:
/// shared by Rq512 and the depthwise blocks' per-lane form (dw_avx512vnni.cpp).
template <bool Round32>
inline __m512i rq_high(__m512i a, __m512i me, __m512i mo, __m512i re, __m512i ro, __m512i r32) {
  __m512i qe = _mm512_maskz_mul_epi32(0xFF, a, me);
  __m512i qo = _mm512_maskz_mul_epi32(0xFF, _mm512_maskz_srli_epi64(0xFF, a, 32), mo);
  if constexpr (!Round32) qe = _mm512_add_epi64(qe, re), qo = _mm512_add_epi64(qo, ro);
  __m512i h = _mm512_mask_shuffle_epi32(qo, 0x5555, qe, _MM_PERM_DDBB);
  if constexpr (Round32) h = _mm512_add_epi32(h, r32);
  return h;
}

/// Constants of one multiplier: mult and r = 31 - shift in [32, 63] (the fused forms' precondition), corr the start
/// value of the accumulators. zp (only with 33 <= r <= kRq32MaxR, ukernels.h) is folded into the 32-bit rounding
/// term, so that scaled<true> returns the code before the clamp, q + zp.
struct Rq512 {
  __m512i vc, vm, vr, vr32;
  __m128i cnt;
  Rq512(int32_t corr, int32_t mult, int r, int32_t zp = 0) {
    vc = _mm512_set1_epi32(corr);
    vm = _mm512_set1_epi64(mult);
    vr = _mm512_set1_epi64(int64_t{1} << (r - 1));
    vr32 = _mm512_set1_epi32(r >= 33 ? (1 << (r - 33)) + (zp != 0 ? zp * (1 << (r - 32)) : 0) : 0);
    cnt = _mm_cvtsi32_si128(r - 32);
  }
  /// floor(a * mult / 2^r + 1/2) for a = acc + corr (the accumulators start at corr): the 32x32 -> 64-bit products P
  /// of the even and odd lanes; the floor division by 2^r (r >= 32) is an arithmetic shift of their high halves.
  /// Round32 (r >= 33): the rounding term 2^(r-1) is a multiple of 2^32, so it is added to the high half
  /// H = floor(P / 2^32) as 2^(r-33) (floor((P + 2^(r-1)) / 2^r) = floor((H + 2^(r-33)) / 2^(r-32)) since
  /// P = 2^32 H + L, 0 <= L < 2^32; |H| < 2^30 as |P| < 2^62, so the 32-bit sum cannot wrap): one 32-bit add instead of
  /// two 64-bit ones. Otherwise it is added to both products.
  /// The high halves H go into one vector with one merge-masked vpshufd: the odd products' H are already in the odd
  /// dwords, and the shuffle copies each even product's high dword down into the even dword (instead of a 64-bit shift
  /// and a blend: MobileNetV2's 1x1 expansion layers, whose requantization costs as much as their K = 16..160 products,
  /// 0.95-0.97x).
  /// (The all-lanes maskz forms are the plain instructions: GCC 12's unmasked intrinsics pass an undefined source that
  /// -Wmaybe-uninitialized reports, GCC bug 105593.)
  template <bool Round32>
  __m512i scaled(__m512i a) const {
    return _mm512_maskz_sra_epi32(0xFFFF, rq_high<Round32>(a, vm, vm, vr, vr, vr32), cnt);
  }
};

/// Bytes q + zp of four vectors of 16 scaled codes q (bytes 16i .. 16i + 15 from v_i): saturating packs to int16, the
/// zero point added in int16 with saturation, a saturating byte pack (unsigned when Unsigned), one vpermd back to
/// order (per 128-bit lane L the packs leave dword i = v_i's values 4L .. 4L + 3). Clamped to [lo, hi] inside the
/// byte type afterwards, the same bytes as clamping q + zp in int32: a q saturated to int16 stays saturated after the
/// zero point (|zp| <= 255). Shared by gemm_block_rq8 (ukernels_avx512vnni.cpp) and the depthwise kernels.
/// AddZp false: the v_i are q + zp already (Rq512 with the zero point folded in), so it is not added again: the same
/// bytes, as every saturation is monotone and exact inside its range.
template <bool Unsigned, bool AddZp = true>
inline __m512i narrow4(__m512i v0, __m512i v1, __m512i v2, __m512i v3, __m512i vz16) {
  const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  __m512i t0 = _mm512_packs_epi32(v0, v1), t1 = _mm512_packs_epi32(v2, v3);
  if constexpr (AddZp) t0 = _mm512_adds_epi16(t0, vz16), t1 = _mm512_adds_epi16(t1, vz16);
  return _mm512_maskz_permutexvar_epi32(0xFFFF, perm,
                                        Unsigned ? _mm512_packus_epi16(t0, t1) : _mm512_packs_epi16(t0, t1));
}

/// The clamp of narrow4's bytes to [lo, hi] (lo8 / hi8 broadcast); Lo / Hi false where lo / hi is the end of the
/// byte type, which the saturating packs already give.
template <bool Unsigned, bool Lo = true, bool Hi = true>
inline __m512i clamp8(__m512i b, __m512i lo8, __m512i hi8) {
  if constexpr (Lo) b = Unsigned ? _mm512_max_epu8(b, lo8) : _mm512_max_epi8(b, lo8);
  if constexpr (Hi) b = Unsigned ? _mm512_min_epu8(b, hi8) : _mm512_min_epi8(b, hi8);
  return b;
}

}  // namespace
}  // namespace npukit::q8::detail
