// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX-512 row kernel of QAdd / QSub on 8-bit codes (compiled with the AVX-512 tier's flags): the
// float form of BinaryFormula (ops_common.h) on 16 lanes, 64 elements per block, the same two fmas per element as the
// AVX2 kernel (so the same float results). Elements whose low part is 0 (computed again, batched), the tail, QMul and
// formulas without the float form go to the AVX2 kernel (binary_row_avx2), which runs the exact integer form there.
#include "kernels/q8/ops_common.h"

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include <immintrin.h>

namespace npukit::q8::ops {
namespace {

class Float512 {
 public:
  explicit Float512(const BinaryFormula& f)
      : fa_(_mm512_set1_ps(f.fa)),
        fb_(_mm512_set1_ps(f.fb)),
        fc_(_mm512_set1_ps(f.fc)),
        low_mask_(_mm512_set1_epi32(static_cast<int32_t>((uint32_t{1} << f.fk) - 1))),
        shift_(_mm_cvtsi32_si128(f.fk)),
        signed_out_(f.qmax <= 127),
        qmin8_(_mm512_set1_epi8(static_cast<char>(f.qmin))),
        qmax8_(_mm512_set1_epi8(static_cast<char>(f.qmax))) {}

  /// Whole blocks of 64; returns the number of elements done (n rounded down to 64). Elements whose low part is 0
  /// are computed again by the exact integer form (binary_row_avx2), up to 128 at a time: their input codes are
  /// captured before the block's store (y may be a), their results written over the float ones after it. (Sending
  /// each block with such an element to the exact form whole made two of ResNet-50's adds 2.7-3x slower than their
  /// same-shape siblings: 21-25 % of their blocks, against 1-2 % in the others.)
  template <bool kAi8, bool kBi8>
  int64_t run(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) const {
    constexpr int kFix = 128;  // room for two blocks' flagged elements: flushed after a store from 64 on
    alignas(32) uint8_t fa[kFix], fb[kFix], fy[kFix];
    int64_t at[kFix];
    int nf = 0;
    auto flush = [&] {
      binary_row_avx2(f, fa, fb, fy, nf);
      for (int m = 0; m < nf; ++m) y[at[m]] = fy[m];
      nf = 0;
    };
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
      __mmask16 z[4] = {0, 0, 0, 0};
      const __m512i v0 = eval16<kAi8, kBi8>(a + i, b + i, z[0]), v1 = eval16<kAi8, kBi8>(a + i + 16, b + i + 16, z[1]);
      const __m512i v2 = eval16<kAi8, kBi8>(a + i + 32, b + i + 32, z[2]);
      const __m512i v3 = eval16<kAi8, kBi8>(a + i + 48, b + i + 48, z[3]);
      for (int q = 0; q < 4; ++q)
        for (uint32_t m = z[q]; m != 0; m &= m - 1) {
          const int64_t j = i + 16 * q + __builtin_ctz(m);
          fa[nf] = a[j];
          fb[nf] = b[j];
          at[nf++] = j;
        }
      // packs work per 128-bit lane: lane L of the bytes holds v0..v3[4L, 4L + 4) as dwords 0..3; the permute puts
      // dword (L, j) at position 4j + L.
      const __m512i p01 = _mm512_packs_epi32(v0, v1), p23 = _mm512_packs_epi32(v2, v3);
      __m512i bytes;
      if (signed_out_) {
        bytes = _mm512_packs_epi16(p01, p23);
        bytes = _mm512_min_epi8(_mm512_max_epi8(bytes, qmin8_), qmax8_);
      } else {
        bytes = _mm512_packus_epi16(p01, p23);
        bytes = _mm512_min_epu8(_mm512_max_epu8(bytes, qmin8_), qmax8_);
      }
      const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      _mm512_storeu_si512(y + i, _mm512_maskz_permutexvar_epi32(0xFFFF, order, bytes));
      if (nf >= kFix - 64) flush();
    }
    if (nf > 0) flush();
    return i;
  }

 private:
  /// 16 values v >> k of the float form (unclamped); lanes whose low part v mod 2^k is 0 set their bit of `zero`.
  template <bool kAi8, bool kBi8>
  __m512i eval16(const uint8_t* a, const uint8_t* b, __mmask16& zero) const {
    const __m128i ba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i bb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    // (The maskz forms with every lane set: the plain intrinsics trip -Wmaybe-uninitialized, GCC bug 105593.)
    constexpr __mmask16 kAll = 0xFFFF;
    const __m512i ia = kAi8 ? _mm512_maskz_cvtepi8_epi32(kAll, ba) : _mm512_maskz_cvtepu8_epi32(kAll, ba);
    const __m512i ib = kBi8 ? _mm512_maskz_cvtepi8_epi32(kAll, bb) : _mm512_maskz_cvtepu8_epi32(kAll, bb);
    const __m512 ua = _mm512_maskz_cvtepi32_ps(kAll, ia), ub = _mm512_maskz_cvtepi32_ps(kAll, ib);
    const __m512i v =
        _mm512_maskz_cvtps_epi32(kAll, _mm512_fmadd_ps(ub, fb_, _mm512_fmadd_ps(ua, fa_, fc_)));  // (MXCSR nearest)
    zero |= _mm512_testn_epi32_mask(v, low_mask_);
    return _mm512_maskz_sra_epi32(kAll, v, shift_);
  }

  __m512 fa_, fb_, fc_;
  __m512i low_mask_;
  __m128i shift_;
  bool signed_out_;
  __m512i qmin8_, qmax8_;
};

/// Whether the float form applies (as the AVX2 kernel decides it): add / sub with a float form, codes read as int8
/// or uint8, and the default rounding mode (cvtps2dq rounds by MXCSR).
bool float_applies(const BinaryFormula& f) {
  return f.has_float && f.kind != BinaryFormula::Kind::kMul && (f.a_flip == 0 || f.a_flip == 0x80) &&
         (f.b_flip == 0 || f.b_flip == 0x80) && (_mm_getcsr() & 0x6000) == 0;
}

void row(const Float512& k, const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  const bool ai8 = f.a_flip != 0, bi8 = f.b_flip != 0;
  int64_t i;
  if (ai8 && bi8)
    i = k.run<true, true>(f, a, b, y, n);
  else if (ai8)
    i = k.run<true, false>(f, a, b, y, n);
  else if (bi8)
    i = k.run<false, true>(f, a, b, y, n);
  else
    i = k.run<false, false>(f, a, b, y, n);
  if (i < n) binary_row_avx2(f, a + i, b + i, y + i, n - i);
}

}  // namespace

void binary_row_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  if (!float_applies(f)) return binary_row_avx2(f, a, b, y, n);
  row(Float512(f), f, a, b, y, n);
}

void add_rows_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                     int64_t stride) {
  if (!float_applies(f)) return add_rows_avx2(f, a, b, y, n, rows, stride);
  const Float512 k(f);
  for (int64_t r = 0; r < rows; ++r) row(k, f, a + r * stride, b + r * stride, y + r * stride, n);
}

bool have_binary_row_avx512() {
  return true;
}

}  // namespace npukit::q8::ops

#else

namespace npukit::q8::ops {
void binary_row_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  binary_row_avx2(f, a, b, y, n);
}
void add_rows_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                     int64_t stride) {
  add_rows_avx2(f, a, b, y, n, rows, stride);
}
bool have_binary_row_avx512() {
  return false;  // the compiler cannot target AVX-512
}
}  // namespace npukit::q8::ops

#endif
