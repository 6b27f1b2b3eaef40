// SPDX-License-Identifier: Apache-2.0
// kernels/q8: MaxPool planes with a horizontal stride of 2 and 2 or 3 adjacent taps (ResNet's and SqueezeNet's 3x3
// stride-2 pools, 2x2 stride-2 pools) on the AVX-512 tier with VBMI. Per output row and block of 64 outputs: the
// vertical max of the window's valid rows straight from the input (masked loads: the padding and the columns past the
// row read as the lowest code), then vpermt2b picks the even, odd and next-even bytes of the 130 padded columns the
// block covers. The same values as maxpool_plane_impl (maxpool_impl.h): a max is exact.
#include "kernels/q8/maxpool_impl.h"

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include <immintrin.h>

namespace npukit::q8::ops {
namespace {

/// Lanes i of a 64-byte load at column `col` + i that lie in [0, w).
inline __mmask64 valid_lanes(int64_t col, int64_t w) {
  const int64_t lo = std::max<int64_t>(0, -col), hi = std::min<int64_t>(64, w - col);
  if (hi <= lo) return 0;
  const __mmask64 below_hi = hi >= 64 ? ~__mmask64{0} : (__mmask64{1} << hi) - 1;
  return below_hi & ~((__mmask64{1} << lo) - 1);
}

/// vpermt2b indices of the even (2i) and odd (2i + 1) bytes of two 64-byte vectors.
struct ColumnIndices {
  alignas(64) uint8_t even[64];
  alignas(64) uint8_t odd[64];
};
constexpr ColumnIndices kColumns = [] {
  ColumnIndices c{};
  for (int i = 0; i < 64; ++i) c.even[i] = static_cast<uint8_t>(2 * i), c.odd[i] = static_cast<uint8_t>(2 * i + 1);
  return c;
}();

/// The codes as they are (no flip): int8 planes use the signed byte max and -128 as the padding (the lowest code),
/// uint8 planes the unsigned max and 0.
template <int kKw, bool kSigned>
__attribute__((target("avx512vbmi"))) void plane_s2(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp) {
  const __m512i lowest = _mm512_set1_epi8(kSigned ? -128 : 0);
  auto vmax = [](__m512i a, __m512i b) { return kSigned ? _mm512_max_epi8(a, b) : _mm512_max_epu8(a, b); };
  const __m512i even_idx = _mm512_load_si512(kColumns.even), odd_idx = _mm512_load_si512(kColumns.odd);
  // Per block of 64 outputs: padded columns j = 2 ox0 + [0, 130) are input columns j - pl, read as four loads of 64
  // (at +0, +64, +2, +66) whose lanes outside [0, w) keep the lowest code. (The same for every row.)
  constexpr int64_t kMaxBlocks = (kMaxPoolRow / 2 + 63) / 64 + 1;
  __mmask64 masks[kMaxBlocks][4];
  const int64_t nblocks = (g.ow + 63) / 64;
  for (int64_t b = 0; b < nblocks; ++b) {
    const int64_t c0 = 128 * b - g.pl;
    masks[b][0] = valid_lanes(c0, g.w), masks[b][1] = valid_lanes(c0 + 64, g.w);
    masks[b][2] = valid_lanes(c0 + 2, g.w), masks[b][3] = valid_lanes(c0 + 66, g.w);
  }
  int64_t rows[64];
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    // The window's valid input rows.
    int64_t nrows = 0;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy >= 0 && iy < g.h) rows[nrows++] = iy;
    }
    uint8_t* yr = yp + oy * g.ow;
    for (int64_t b = 0; b < nblocks; ++b) {
      const int64_t c0 = 128 * b - g.pl;
      const __mmask64 m0 = masks[b][0], m1 = masks[b][1], m2 = masks[b][2], m3 = masks[b][3];
      __m512i v0 = lowest, v1 = lowest, v2 = lowest, v3 = lowest;
      for (int64_t r = 0; r < nrows; ++r) {
        const uint8_t* xr = xp + rows[r] * g.w + c0;
        v0 = vmax(v0, _mm512_mask_loadu_epi8(lowest, m0, xr));
        v1 = vmax(v1, _mm512_mask_loadu_epi8(lowest, m1, xr + 64));
        if constexpr (kKw == 3) {
          v2 = vmax(v2, _mm512_mask_loadu_epi8(lowest, m2, xr + 2));
          v3 = vmax(v3, _mm512_mask_loadu_epi8(lowest, m3, xr + 66));
        }
      }
      // Output ox0 + i: max of padded columns 2i, 2i + 1 (and 2i + 2) of the block.
      __m512i m = vmax(_mm512_permutex2var_epi8(v0, even_idx, v1), _mm512_permutex2var_epi8(v0, odd_idx, v1));
      if constexpr (kKw == 3) m = vmax(m, _mm512_permutex2var_epi8(v2, even_idx, v3));
      const int64_t n = std::min<int64_t>(64, g.ow - 64 * b);
      const __mmask64 keep = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
      _mm512_mask_storeu_epi8(yr + 64 * b, keep, m);
    }
  }
}

}  // namespace

bool maxpool_s2_avx512_applies(const MaxPoolGeom& g) {
  static const bool vbmi = __builtin_cpu_supports("avx512vbmi");
  return vbmi && g.sw == 2 && g.dw == 1 && (g.kw == 2 || g.kw == 3) && g.kh <= 64;
}

void maxpool_s2_plane_avx512(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip) {
  // flip 0x80: int8 codes (maxpool_impl.h's convention); compared as signed bytes here.
  if (g.kw == 3)
    flip ? plane_s2<3, true>(g, xp, yp) : plane_s2<3, false>(g, xp, yp);
  else
    flip ? plane_s2<2, true>(g, xp, yp) : plane_s2<2, false>(g, xp, yp);
}

}  // namespace npukit::q8::ops

#else

namespace npukit::q8::ops {
bool maxpool_s2_avx512_applies(const MaxPoolGeom&) {
  return false;  // the compiler cannot target AVX-512
}
void maxpool_s2_plane_avx512(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip) {
  maxpool_plane_avx2(g, xp, yp, flip);
}
}  // namespace npukit::q8::ops

#endif
