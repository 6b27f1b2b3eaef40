// SPDX-License-Identifier: Apache-2.0
// kernels/q8: depthwise convolution planes on u8 quads for the AVX-512 VNNI tier (dw_kernels.h DwQuadPlane; compiled
// with the tier's flags, the functions also use AVX-512 VBMI and are chosen only on CPUs with it). Per output row and
// 16 outputs: per kernel row and tap quad one 64-byte load of the padded u row, one vpermb that gathers each output's
// 4 window bytes into its dword (index s * l + j for output l, tap j: stride 1 or 2), one vpdpbusd against the
// broadcast weight quad (exact: u8 x s8 products summed into int32 without saturation); then the fast requantization
// (the accumulators start at the correction; 32-bit rounding add when 31 - shift >= 33, as gemm_block_rq8) and one
// masked byte store. 3x3: 3 multiply-adds per 16 outputs instead of 12 vpmaddwd + vpaddd on int16 pairs.
#include "kernels/q8/dw_kernels.h"

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include <immintrin.h>

#include <cstring>

namespace npukit::q8::detail {

namespace {

/// vpermb indices: byte 4l + j of stride s's table is s * l + j.
struct QuadIdx {
  alignas(64) uint8_t v[2][64];
  constexpr QuadIdx() : v{} {
    for (int s = 1; s <= 2; ++s)
      for (int l = 0; l < 16; ++l)
        for (int j = 0; j < 4; ++j) v[s - 1][4 * l + j] = static_cast<uint8_t>(s * l + j);
  }
};
constexpr QuadIdx kQuadIdx;

constexpr int kMaxQuads = 32;  // kh * ceil(kw / 4) (conv_dw.cpp takes kw <= 8, kh <= 16)

/// The padded u rows: row r (0 <= r < hp) at rows + r * len, column c the u of padded column c (zp_u in the padding and
/// the slack up to len).
__attribute__((target("avx512vbmi"))) void fill_rows(const DwQuadPlane& p, int64_t hp, int64_t len, uint8_t* rows) {
  const __m512i vm = _mm512_set1_epi8(static_cast<char>(p.mask));
  const __m512i vz = _mm512_set1_epi8(static_cast<char>(p.zp_u));
  for (int64_t r = 0; r < hp; ++r) {
    uint8_t* d = rows + r * len;
    // (Vector stores, not memset: a call per row cost about as much as a small plane's products.)
    for (int64_t c = 0; c < len; c += 64) _mm512_storeu_si512(d + c, vz);
    const int64_t iy = r - p.pt;
    if (iy < 0 || iy >= p.h) continue;
    const uint8_t* xr = p.x + iy * p.w;
    uint8_t* dd = d + p.pl;
    int64_t c = 0;
    for (; c + 64 <= p.w; c += 64) _mm512_storeu_si512(dd + c, _mm512_xor_si512(_mm512_loadu_si512(xr + c), vm));
    if (c < p.w) {
      const __mmask64 k = (~__mmask64{0}) >> (64 - (p.w - c));
      _mm512_mask_storeu_epi8(dd + c, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, xr + c), vm));
    }
  }
}

template <int kKh, int kG, bool kRound32>
__attribute__((target("avx512vbmi"))) void plane_t(const DwQuadPlane& p, int64_t kh_rt, int64_t g_rt,
                                                   const uint8_t* rows, int64_t len) {
  const int64_t kh = kKh > 0 ? kKh : kh_rt, ng = kG > 0 ? kG : g_rt;
  __m512i wq[kMaxQuads];
  for (int64_t ky = 0; ky < kh; ++ky)
    for (int64_t g = 0; g < ng; ++g) {
      uint8_t b[4] = {0, 0, 0, 0};
      for (int64_t j = 0; j < 4 && 4 * g + j < p.kw; ++j) b[j] = static_cast<uint8_t>(p.wt[ky * p.kw + 4 * g + j]);
      int32_t v;
      std::memcpy(&v, b, 4);
      wq[ky * ng + g] = _mm512_set1_epi32(v);
    }
  const __m512i idx = _mm512_load_si512(kQuadIdx.v[p.sw - 1]);
  const int r = p.q.r;  // min(31 - shift, 63), in [32, 63] (DwRq)
  const __m512i vc = _mm512_set1_epi32(p.corr), vm = _mm512_set1_epi64(p.q.mult);
  const __m512i vr = _mm512_set1_epi64(int64_t{1} << (r - 1));
  const __m512i vr32 = _mm512_set1_epi32(r >= 33 ? 1 << (r - 33) : 0);
  const __m128i cnt = _mm_cvtsi32_si128(r - 32);
  const __m512i vz = _mm512_set1_epi32(p.q.zp), vlo = _mm512_set1_epi32(p.q.lo), vhi = _mm512_set1_epi32(p.q.hi);
  const int64_t ow = p.ow, rstep = p.sh * len, cstep = p.sw * 16;
  for (int64_t oy = 0; oy < p.oh; ++oy) {
    const uint8_t* r0 = rows + oy * rstep;
    uint8_t* yr = p.y + oy * ow;
    for (int64_t i0 = 0; i0 < ow; i0 += 16) {
      const uint8_t* src = r0 + (i0 / 16) * cstep;
      __m512i acc = vc;
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t g = 0; g < ng; ++g) {
          const __m512i v =
              _mm512_maskz_permutexvar_epi8(~__mmask64{0}, idx, _mm512_loadu_si512(src + ky * len + 4 * g));
          acc = _mm512_dpbusd_epi32(acc, v, wq[ky * ng + g]);
        }
      // floor(a * mult / 2^r + 1/2) from the high halves of the 64-bit products (see Rq16Row, ukernels_avx512vnni.cpp;
      // the all-lanes maskz forms avoid GCC 12's -Wmaybe-uninitialized on the unmasked intrinsics).
      __m512i qe = _mm512_maskz_mul_epi32(0xFF, acc, vm);
      __m512i qo = _mm512_maskz_mul_epi32(0xFF, _mm512_maskz_srli_epi64(0xFF, acc, 32), vm);
      if constexpr (!kRound32) qe = _mm512_add_epi64(qe, vr), qo = _mm512_add_epi64(qo, vr);
      __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_maskz_srli_epi64(0xFF, qe, 32), qo);
      if constexpr (kRound32) h = _mm512_add_epi32(h, vr32);
      __m512i v = _mm512_add_epi32(_mm512_maskz_sra_epi32(0xFFFF, h, cnt), vz);
      v = _mm512_maskz_min_epi32(0xFFFF, _mm512_maskz_max_epi32(0xFFFF, v, vlo), vhi);
      const int64_t n = std::min<int64_t>(16, ow - i0);
      const __mmask16 k = static_cast<__mmask16>((1u << n) - 1);
      _mm_mask_storeu_epi8(yr + i0, k, _mm512_maskz_cvtepi32_epi8(0xFFFF, v));  // low bytes: the codes
    }
  }
}

template <bool kRound32>
void plane_dispatch(const DwQuadPlane& p, const uint8_t* rows, int64_t len) {
  const int64_t ng = (p.kw + 3) / 4;
  if (p.kh == 3 && ng == 1)
    plane_t<3, 1, kRound32>(p, 3, 1, rows, len);
  else if (p.kh == 5 && ng == 2)
    plane_t<5, 2, kRound32>(p, 5, 2, rows, len);
  else
    plane_t<0, 0, kRound32>(p, p.kh, ng, rows, len);
}

void dw_quad_plane(const DwQuadPlane& p) {
  const int64_t len = dw_quad_row(p);
  fill_rows(p, dw_quad_rows(p), len, p.scratch);
  if (p.q.r >= 33)
    plane_dispatch<true>(p, p.scratch, len);
  else
    plane_dispatch<false>(p, p.scratch, len);
}

}  // namespace

DwQuadFn dw_quad_avx512_vnni() {
  static const DwQuadFn f = __builtin_cpu_supports("avx512vbmi") ? dw_quad_plane : nullptr;
  return f;
}

}  // namespace npukit::q8::detail

#else

namespace npukit::q8::detail {
DwQuadFn dw_quad_avx512_vnni() {
  return nullptr;  // the compiler cannot target AVX-512 VNNI
}
}  // namespace npukit::q8::detail

#endif
