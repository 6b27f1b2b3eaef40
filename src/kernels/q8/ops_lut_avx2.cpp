// SPDX-License-Identifier: Apache-2.0
// kernels/q8: AVX2 256-entry byte table lookup (compiled with -mavx2 -mfma), y[i] = table[x[i]]: the table is 16
// rows of 16 bytes; vpshufb looks every byte's low nibble up in each row and vpblendvb keeps the row its high
// nibble selects. Used by QLut / Requantize / QConcat rescales and the broadcast rows of QAdd / QSub / QMul.
// Also the QuantizeLinear row (f32 -> codes): vdivps (the same IEEE f32 division as the scalar one), vroundps
// to nearest-even, clamp in f32, convert, pack.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "quant/arith.h"

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

namespace {

/// 8 codes of quant::quantize_value(x, scale, zp, [qmin, qmax]) as int32 lanes. With r = round_half_even(x /
/// scale): saturate(r + zp) == clamp(r, qmin - zp, qmax - zp) + zp, where the bounds are exact f32 integers, so
/// the clamp is done in f32 (infinities included) and the conversion is exact; NaN gives zp (saturated), as in
/// the reference.
struct QuantizeVec {
  __m256 scale, lo, hi;
  __m256i zp;
  QuantizeVec(float s, int32_t z, int32_t qmin, int32_t qmax)
      : scale(_mm256_set1_ps(s)),
        lo(_mm256_set1_ps(static_cast<float>(static_cast<int64_t>(qmin) - z))),
        hi(_mm256_set1_ps(static_cast<float>(static_cast<int64_t>(qmax) - z))),
        zp(_mm256_set1_epi32(z)) {}
  __m256i operator()(const float* x) const {
    const __m256 q = _mm256_div_ps(_mm256_loadu_ps(x), scale);
    __m256 r = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_andnot_ps(_mm256_cmp_ps(q, q, _CMP_UNORD_Q), r);  // NaN -> 0
    r = _mm256_min_ps(_mm256_max_ps(r, lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(r), zp);
  }
};

}  // namespace

template <class Q>
void quantize_row_avx2(const float* x, float scale, int32_t zp, Q* y, int64_t n) {
  static_assert(sizeof(Q) <= 2);
  constexpr int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  // The clamp bounds must be exact f32 integers: true for any zero point within 2^24 of the code range (any
  // valid one); other zero points take the scalar loop.
  const int64_t lo = static_cast<int64_t>(qmin) - zp, hi = static_cast<int64_t>(qmax) - zp;
  int64_t i = 0;
  if (lo >= -(int64_t{1} << 24) && hi <= (int64_t{1} << 24)) {
    const QuantizeVec v(scale, zp, qmin, qmax);
    for (; i + 32 <= n; i += 32) {
      const __m256i v0 = v(x + i), v1 = v(x + i + 8), v2 = v(x + i + 16), v3 = v(x + i + 24);
      if constexpr (sizeof(Q) == 1) {
        // Codes are within the 8-bit range: the saturating packs are exact.
        const __m256i p01 = _mm256_packs_epi32(v0, v1), p23 = _mm256_packs_epi32(v2, v3);
        const __m256i b = std::is_signed_v<Q> ? _mm256_packs_epi16(p01, p23) : _mm256_packus_epi16(p01, p23);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                            _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                            _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i + 16),
                            _mm256_permute4x64_epi64(_mm256_packs_epi32(v2, v3), 0xD8));
      }
    }
  }
  const quant::QRange r{qmin, qmax};
  for (; i < n; ++i) y[i] = static_cast<Q>(quant::quantize_value(x[i], scale, zp, r));
}

template void quantize_row_avx2<int8_t>(const float*, float, int32_t, int8_t*, int64_t);
template void quantize_row_avx2<uint8_t>(const float*, float, int32_t, uint8_t*, int64_t);
template void quantize_row_avx2<int16_t>(const float*, float, int32_t, int16_t*, int64_t);

}  // namespace npukit::q8::ops
