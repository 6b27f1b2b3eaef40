// SPDX-License-Identifier: Apache-2.0
// kernels/q8: AVX2 256-entry byte table lookup (compiled with -mavx2 -mfma), y[i] = table[x[i]]: the table is 16
// rows of 16 bytes; vpshufb looks every byte's low nibble up in each row and vpblendvb keeps the row its high
// nibble selects. Used by QLut / Requantize / QConcat rescales and the broadcast rows of QAdd / QSub / QMul.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/q8/ops_common.h"

namespace npukit::q8::ops {
namespace {

class Lut {
 public:
  explicit Lut(const uint8_t* table) {
    for (int k = 0; k < 16; ++k)
      rows_[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k)));
  }
  __m256i operator()(__m256i x) const {
    const __m256i nib = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(x, nib);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
    __m256i r = _mm256_shuffle_epi8(rows_[0], lo);
    for (int k = 1; k < 16; ++k)
      r = _mm256_blendv_epi8(r, _mm256_shuffle_epi8(rows_[k], lo),
                             _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(static_cast<char>(k))));
    return r;
  }

 private:
  __m256i rows_[16];
};

}  // namespace

void lut8_row_avx2(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n) {
  const Lut lut(table);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 32));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), lut(x0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i + 32), lut(x1));
  }
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                        lut(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i))));
  if (i < n && n >= 32 && (y + n <= x || x + n <= y)) {
    // The last 32 elements again, overlapping the previous block (x is not overwritten by y).
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + n - 32),
                        lut(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + n - 32))));
  } else if (i < n) {
    alignas(32) uint8_t tx[32] = {}, ty[32];
    const size_t rest = static_cast<size_t>(n - i);
    std::memcpy(tx, x + i, rest);
    _mm256_store_si256(reinterpret_cast<__m256i*>(ty), lut(_mm256_load_si256(reinterpret_cast<const __m256i*>(tx))));
    std::memcpy(y + i, ty, rest);
  }
}

}  // namespace npukit::q8::ops
