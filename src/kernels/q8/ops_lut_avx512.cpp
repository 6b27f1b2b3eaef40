// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the 256-entry byte table lookup y[i] = table[x[i]] on the AVX-512 VNNI tier with VBMI: the table in four
// 64-byte registers, two vpermt2b look every byte's low 7 bits up in its lower and upper half, and the byte's sign bit
// (vpmovb2m) picks one: 64 codes in 5 instructions, against ~48 per 32 codes for the AVX2 nibble rows
// (ops_lut_avx2.cpp). Used wherever lut8_row_fn gives it: QLut, Requantize, QConcat rescales, the broadcast rows of
// QAdd / QSub / QMul.
#include "kernels/q8/ops_common.h"

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include <immintrin.h>

namespace npukit::q8::ops {

__attribute__((target("avx512vbmi"))) void lut8_row_avx512(const uint8_t* table, const uint8_t* x, uint8_t* y,
                                                           int64_t n) {
  auto ld = [](const uint8_t* p) { return _mm512_loadu_si512(p); };
  const __m512i t0 = ld(table), t1 = ld(table + 64), t2 = ld(table + 128), t3 = ld(table + 192);
  auto look = [&](__m512i v) __attribute__((target("avx512vbmi"))) {
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1), hi = _mm512_permutex2var_epi8(t2, v, t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi);
  };
  int64_t i = 0;
  for (; i + 128 <= n; i += 128) {  // (two blocks per step: both loads before the stores, so y may be x)
    const __m512i a = look(ld(x + i)), b = look(ld(x + i + 64));
    _mm512_storeu_si512(y + i, a);
    _mm512_storeu_si512(y + i + 64, b);
  }
  for (; i < n; i += 64) {
    const __mmask64 m = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    _mm512_mask_storeu_epi8(y + i, m, look(_mm512_maskz_loadu_epi8(m, x + i)));
  }
}

bool have_lut8_row_avx512() {
  return __builtin_cpu_supports("avx512vbmi");
}

}  // namespace npukit::q8::ops

#else

namespace npukit::q8::ops {
void lut8_row_avx512(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n) {
  lut8_row_avx2(table, x, y, n);
}
bool have_lut8_row_avx512() {
  return false;
}
}  // namespace npukit::q8::ops

#endif
