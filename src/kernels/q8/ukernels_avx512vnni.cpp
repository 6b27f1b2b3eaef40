// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX-512 VNNI tier (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni). GEMM tile
// 8 x 32 with 512-bit vpdpbusd (16 accumulators of the 32 zmm registers), fused with a 512-bit requantization to bytes
// (gemm_block_rq8); the other requantization, packing and depthwise code is the 256-bit code (AVX-512VL implies AVX2).
#include "kernels/q8/ukernels.h"

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include "kernels/q8/ukernels_x86_impl.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 8, kNr = 32;

/// Tile sums in registers: 16 zmm accumulators (8 rows x 2 vectors of 16 pixels); the half tile computes the first 16
/// pixels only (acc[r][1] = 0). vpdpbusd adds the 4 products of a u8 activation quad and an s8 weight quad to an int32
/// lane without saturation: exact under the caller's bound (K * 255 * max|w| < 2^31).
///
/// The K loops are inline assembly with a fixed register plan (accumulators: compiler-chosen zmm registers; activations
/// zmm30-31; weight quads zmm28-29): compiled from intrinsics, GCC copied every accumulator through another register
/// and stored half of them to the stack on each quad.
inline void tile_acc_full(int64_t kq, const uint8_t* w, const uint8_t* x, __m512i (&acc)[kMr][2]) {
  __m512i a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
  asm("vpxord %[a0], %[a0], %[a0]\n\t"
      "vpxord %[a1], %[a1], %[a1]\n\t"
      "vpxord %[a2], %[a2], %[a2]\n\t"
      "vpxord %[a3], %[a3], %[a3]\n\t"
      "vpxord %[a4], %[a4], %[a4]\n\t"
      "vpxord %[a5], %[a5], %[a5]\n\t"
      "vpxord %[a6], %[a6], %[a6]\n\t"
      "vpxord %[a7], %[a7], %[a7]\n\t"
      "vpxord %[a8], %[a8], %[a8]\n\t"
      "vpxord %[a9], %[a9], %[a9]\n\t"
      "vpxord %[a10], %[a10], %[a10]\n\t"
      "vpxord %[a11], %[a11], %[a11]\n\t"
      "vpxord %[a12], %[a12], %[a12]\n\t"
      "vpxord %[a13], %[a13], %[a13]\n\t"
      "vpxord %[a14], %[a14], %[a14]\n\t"
      "vpxord %[a15], %[a15], %[a15]\n\t"
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu64 (%[x]), %%zmm30\n\t"
      "vmovdqu64 64(%[x]), %%zmm31\n\t"
      "vpbroadcastd 0(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a0]\n\t"
      "vpdpbusd %%zmm28, %%zmm31, %[a1]\n\t"
      "vpbroadcastd 4(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a2]\n\t"
      "vpdpbusd %%zmm29, %%zmm31, %[a3]\n\t"
      "vpbroadcastd 8(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a4]\n\t"
      "vpdpbusd %%zmm28, %%zmm31, %[a5]\n\t"
      "vpbroadcastd 12(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a6]\n\t"
      "vpdpbusd %%zmm29, %%zmm31, %[a7]\n\t"
      "vpbroadcastd 16(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a8]\n\t"
      "vpdpbusd %%zmm28, %%zmm31, %[a9]\n\t"
      "vpbroadcastd 20(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a10]\n\t"
      "vpdpbusd %%zmm29, %%zmm31, %[a11]\n\t"
      "vpbroadcastd 24(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a12]\n\t"
      "vpdpbusd %%zmm28, %%zmm31, %[a13]\n\t"
      "vpbroadcastd 28(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a14]\n\t"
      "vpdpbusd %%zmm29, %%zmm31, %[a15]\n\t"
      "add $128, %[x]\n\t"
      "add $32, %[w]\n\t"
      "dec %[kq]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      : [a0] "=&v"(a0), [a1] "=&v"(a1), [a2] "=&v"(a2), [a3] "=&v"(a3), [a4] "=&v"(a4), [a5] "=&v"(a5), [a6] "=&v"(a6),
        [a7] "=&v"(a7), [a8] "=&v"(a8), [a9] "=&v"(a9), [a10] "=&v"(a10), [a11] "=&v"(a11), [a12] "=&v"(a12),
        [a13] "=&v"(a13), [a14] "=&v"(a14), [a15] "=&v"(a15), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      :
      : "xmm28", "xmm29", "xmm30", "xmm31", "memory", "cc");
  acc[0][0] = a0, acc[0][1] = a1;
  acc[1][0] = a2, acc[1][1] = a3;
  acc[2][0] = a4, acc[2][1] = a5;
  acc[3][0] = a6, acc[3][1] = a7;
  acc[4][0] = a8, acc[4][1] = a9;
  acc[5][0] = a10, acc[5][1] = a11;
  acc[6][0] = a12, acc[6][1] = a13;
  acc[7][0] = a14, acc[7][1] = a15;
}

inline void tile_acc_half(int64_t kq, const uint8_t* w, const uint8_t* x, __m512i (&acc)[kMr][2]) {
  __m512i a0, a1, a2, a3, a4, a5, a6, a7;
  asm("vpxord %[a0], %[a0], %[a0]\n\t"
      "vpxord %[a1], %[a1], %[a1]\n\t"
      "vpxord %[a2], %[a2], %[a2]\n\t"
      "vpxord %[a3], %[a3], %[a3]\n\t"
      "vpxord %[a4], %[a4], %[a4]\n\t"
      "vpxord %[a5], %[a5], %[a5]\n\t"
      "vpxord %[a6], %[a6], %[a6]\n\t"
      "vpxord %[a7], %[a7], %[a7]\n\t"
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu64 (%[x]), %%zmm30\n\t"
      "vpbroadcastd 0(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a0]\n\t"
      "vpbroadcastd 4(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a1]\n\t"
      "vpbroadcastd 8(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a2]\n\t"
      "vpbroadcastd 12(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a3]\n\t"
      "vpbroadcastd 16(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a4]\n\t"
      "vpbroadcastd 20(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a5]\n\t"
      "vpbroadcastd 24(%[w]), %%zmm28\n\t"
      "vpdpbusd %%zmm28, %%zmm30, %[a6]\n\t"
      "vpbroadcastd 28(%[w]), %%zmm29\n\t"
      "vpdpbusd %%zmm29, %%zmm30, %[a7]\n\t"
      "add $128, %[x]\n\t"
      "add $32, %[w]\n\t"
      "dec %[kq]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      : [a0] "=&v"(a0), [a1] "=&v"(a1), [a2] "=&v"(a2), [a3] "=&v"(a3), [a4] "=&v"(a4), [a5] "=&v"(a5), [a6] "=&v"(a6),
        [a7] "=&v"(a7), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      :
      : "xmm28", "xmm29", "xmm30", "xmm31", "memory", "cc");
  const __m512i z = _mm512_setzero_si512();
  acc[0][0] = a0, acc[0][1] = z;
  acc[1][0] = a1, acc[1][1] = z;
  acc[2][0] = a2, acc[2][1] = z;
  acc[3][0] = a3, acc[3][1] = z;
  acc[4][0] = a4, acc[4][1] = z;
  acc[5][0] = a5, acc[5][1] = z;
  acc[6][0] = a6, acc[6][1] = z;
  acc[7][0] = a7, acc[7][1] = z;
}

template <bool Half>
inline void tile_acc(int64_t kq, const uint8_t* w, const uint8_t* x, __m512i (&acc)[kMr][2]) {
  Half ? tile_acc_half(kq, w, x, acc) : tile_acc_full(kq, w, x, acc);
}

template <bool Half>
__attribute__((noinline)) void gemm_tile_avx512_vnni(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m512i acc[kMr][2];
  tile_acc<Half>(kq, static_cast<const uint8_t*>(wv), x, acc);
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(c + r * kNr, acc[r][0]);
    _mm512_storeu_si512(c + r * kNr + 16, acc[r][1]);
  }
}

/// Requantization constants of one tile row (Rq8Row's arithmetic on 16 lanes).
struct Rq16Row {
  __m512i vc, vm, vr;
  __m128i cnt;
  explicit Rq16Row(const RowQ& q) {
    const int sh = 31 - q.shift;  // in [32, 63] (RowQ's precondition)
    vc = _mm512_set1_epi32(q.corr);
    vm = _mm512_set1_epi64(q.mult);
    vr = _mm512_set1_epi64(int64_t{1} << (sh - 1));
    cnt = _mm_cvtsi32_si128(sh - 32);
  }
  /// floor((acc + corr) * mult / 2^sh + 1/2): the 32x32 -> 64-bit products of the even and odd lanes plus the
  /// rounding term; the floor division by 2^sh (sh >= 32) is an arithmetic shift of their high halves.
  /// (The all-lanes maskz forms are the plain instructions: GCC 12's unmasked intrinsics pass an undefined source that
  /// -Wmaybe-uninitialized reports, GCC bug 105593.)
  __m512i scaled(__m512i acc) const {
    const __m512i a = _mm512_add_epi32(acc, vc);
    const __m512i qe = _mm512_add_epi64(_mm512_maskz_mul_epi32(0xFF, a, vm), vr);
    const __m512i qo = _mm512_add_epi64(_mm512_maskz_mul_epi32(0xFF, _mm512_maskz_srli_epi64(0xFF, a, 32), vm), vr);
    return _mm512_maskz_sra_epi32(0xFFFF, _mm512_mask_blend_epi32(0xAAAA, _mm512_maskz_srli_epi64(0xFF, qe, 32), qo),
                                  cnt);
  }
};

/// The 8-bit codes of two tile rows (32 sums each: a00 / a01 pixels 0-15 / 16-31 of row 0, a10 / a11 of row 1):
/// bytes 0-31 row 0, 32-63 row 1. codes2rows' narrowing (ukernels_x86_impl.h: saturating packs, zero point added in
/// int16, clamp on bytes; exact for the same reasons). Per 128-bit lane i the packs leave the dwords {row 0 pixels
/// 4i.., row 0 pixels 16 + 4i.., row 1 pixels 4i.., row 1 pixels 16 + 4i..}; one vpermd restores pixel order.
template <bool Unsigned>
inline __m512i codes2rows512(const Rq16Row& r0, const Rq16Row& r1, __m512i a00, __m512i a01, __m512i a10, __m512i a11,
                             __m512i vz16, __m512i vlo8, __m512i vhi8) {
  const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i t0 = _mm512_adds_epi16(_mm512_packs_epi32(r0.scaled(a00), r0.scaled(a01)), vz16);
  const __m512i t1 = _mm512_adds_epi16(_mm512_packs_epi32(r1.scaled(a10), r1.scaled(a11)), vz16);
  __m512i b = Unsigned ? _mm512_packus_epi16(t0, t1) : _mm512_packs_epi16(t0, t1);
  b = _mm512_maskz_permutexvar_epi32(0xFFFF, perm, b);
  if constexpr (Unsigned) return _mm512_min_epu8(_mm512_max_epu8(b, vlo8), vhi8);
  return _mm512_min_epi8(_mm512_max_epi8(b, vlo8), vhi8);
}

/// gemm_tile over consecutive panels, each requantized in registers (codes2rows512) and stored as bytes: the same
/// bytes as the tiles followed by requant_rows8 (ukernels.h gemm_block_rq8). Panels with at most 16 valid pixels run
/// the half tile.
template <bool Unsigned>
__attribute__((noinline)) void gemm_block_rq8_impl(int64_t kq, const uint8_t* w, const uint8_t* x, int64_t npix,
                                                   int rows, const RowQ* q, int32_t zp, int32_t lo, int32_t hi,
                                                   uint8_t* y, int64_t ys) {
  const __m512i vz16 = _mm512_set1_epi16(static_cast<int16_t>(zp));
  const __m512i vlo8 = _mm512_set1_epi8(static_cast<char>(lo)), vhi8 = _mm512_set1_epi8(static_cast<char>(hi));
  const Rq16Row rq[kMr] = {Rq16Row(q[0]),
                           Rq16Row(q[rows > 1 ? 1 : 0]),
                           Rq16Row(q[rows > 2 ? 2 : 0]),
                           Rq16Row(q[rows > 3 ? 3 : 0]),
                           Rq16Row(q[rows > 4 ? 4 : 0]),
                           Rq16Row(q[rows > 5 ? 5 : 0]),
                           Rq16Row(q[rows > 6 ? 6 : 0]),
                           Rq16Row(q[rows > 7 ? 7 : 0])};
  const size_t panel_bytes = static_cast<size_t>(kq) * kNr * 4;
  for (int64_t p0 = 0; p0 < npix; p0 += kNr, x += panel_bytes) {
    __m512i acc[kMr][2];
    const int64_t nvalid = std::min<int64_t>(kNr, npix - p0);
    if (nvalid <= kNr / 2)
      tile_acc<true>(kq, w, x, acc);
    else
      tile_acc<false>(kq, w, x, acc);
    const __mmask32 m = nvalid == kNr ? ~__mmask32{0} : (__mmask32{1} << nvalid) - 1;
    // Row pairs unrolled (with a loop over a runtime row count GCC stored the sums to the stack and reloaded them).
    auto pair = [&](int r) {
      const __m512i b = codes2rows512<Unsigned>(rq[r], rq[r + 1], acc[r][0], acc[r][1], acc[r + 1][0], acc[r + 1][1],
                                                vz16, vlo8, vhi8);
      uint8_t* y0 = y + r * ys + p0;
      _mm256_mask_storeu_epi8(y0, m, _mm512_maskz_extracti64x4_epi64(0xF, b, 0));
      if (r + 1 < rows) _mm256_mask_storeu_epi8(y0 + ys, m, _mm512_maskz_extracti64x4_epi64(0xF, b, 1));
    };
    static_assert(kMr == 8);
    pair(0);
    if (rows > 2) pair(2);
    if (rows > 4) pair(4);
    if (rows > 6) pair(6);
  }
}

void gemm_block_rq8_avx512_vnni(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows, const RowQ* q,
                                int32_t zp, int32_t lo, int32_t hi, uint8_t* y, int64_t ys, const PairFix* /*fix*/,
                                int64_t /*nfix*/) {
  const uint8_t* w = static_cast<const uint8_t*>(wv);  // (no split weights on this tier: fix is always null)
  if (lo >= 0)
    gemm_block_rq8_impl<true>(kq, w, x, npix, rows, q, zp, lo, hi, y, ys);
  else
    gemm_block_rq8_impl<false>(kq, w, x, npix, rows, q, zp, lo, hi, y, ys);
}

}  // namespace

const Ukernels* ukernels_avx512_vnni() {
  static const Ukernels k = [] {
    Ukernels u;
    u.isa = Isa::kAvx512Vnni;
    u.mr = kMr;
    u.nr = kNr;
    u.wfmt = WeightFormat::kBytes;
    u.gemm_tile = gemm_tile_avx512_vnni<false>;
    u.gemm_tile_half = gemm_tile_avx512_vnni<true>;
    u.gemm_block_rq8 = gemm_block_rq8_avx512_vnni;
    u.requant = requant_avx2;
    u.dw_row = dw_row_avx2;
    u.pack_quad = pack_quad_avx2<kNr>;
    u.pack_panel = pack_panel_avx2<kNr>;
    u.pack_quad_s2 = pack_quad_s2_avx2<kNr>;
    u.pack_quad_runs = pack_quad_runs_avx2<kNr>;
    u.requant_rows8 = requant_rows8_avx2<kNr>;
    u.gemv = gemv_avx2;
    // No Winograd: direct 3x3 tiles run vpdpbusd at 64 products per instruction, above what the exact int16
    // Winograd form reaches (ResNet-18 on Zen 4: 12.9 ms direct, 18-23 ms Winograd; docs/KERNELS.md).
    return u;
  }();
  return &k;
}

}  // namespace npukit::q8::detail

#else

namespace npukit::q8::detail {
const Ukernels* ukernels_avx512_vnni() {
  return nullptr;  // the compiler cannot target AVX-512 VNNI
}
}  // namespace npukit::q8::detail

#endif
