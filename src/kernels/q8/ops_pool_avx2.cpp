// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the MaxPool plane (maxpool_impl.h) compiled with -mavx2: the compiler's vectors of the row passes are 32
// bytes wide (16 int16 lanes in the stride-2 pass) instead of the baseline's 16. Also the byte sum of the global
// average pool.
#include <immintrin.h>

#include "kernels/q8/maxpool_impl.h"

namespace npukit::q8::ops {

namespace {
inline int64_t byte_sum(const uint8_t* x, int64_t n, uint8_t flip) {
  const __m256i vf = _mm256_set1_epi8(static_cast<char>(flip)), zero = _mm256_setzero_si256();
  __m256i acc = zero;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    acc = _mm256_add_epi64(
        acc, _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), vf), zero));
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  if (i + 16 <= n) {
    const __m128i v =
        _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)), _mm256_castsi256_si128(vf));
    s = _mm_add_epi64(s, _mm_sad_epu8(v, _mm_setzero_si128()));
    i += 16;
  }
  int64_t sum = _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
  for (; i < n; ++i) sum += x[i] ^ flip;
  return sum;
}
}  // namespace

void byte_sums_avx2(const uint8_t* x, int64_t planes, int64_t n, uint8_t flip, int64_t* sums) {
  for (int64_t p = 0; p < planes; ++p) sums[p] = byte_sum(x + p * n, n, flip);
}

void maxpool_plane_avx2(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip) {
  maxpool_plane_impl(g, xp, yp, flip);
}

}  // namespace npukit::q8::ops
