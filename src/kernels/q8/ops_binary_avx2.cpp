// SPDX-License-Identifier: Apache-2.0
// kernels/q8: AVX2 row kernel of QAdd / QSub / QMul on 8-bit codes with an 8-bit output (compiled with -mavx2
// -mfma): the exact integer form BinaryFormula (ops_common.h) on 8 int32 lanes, the scale_round steps as
// 32 x 32 -> 64-bit products (vpmuldq on the even / odd lanes) with a biased logical right shift; for add / sub,
// first its float form (BinaryFormula::has_float: 2^k-scaled, rounded, exact where the low k bits say so), per block
// of 32.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/q8/ops_common.h"

namespace npukit::q8::ops {
namespace {

/// A RoundShift broadcast to the vector registers.
struct VecShift {
  __m256i mult, bias;
  __m128i count;
  __m256i offset;  // low32(2^(62-r)), plus anything the caller folds in (subtracted)
  VecShift(const RoundShift& s, int32_t extra_sub) {
    mult = _mm256_set1_epi32(s.mult);
    bias = _mm256_set1_epi64x(static_cast<long long>(s.bias()));
    count = _mm_cvtsi32_si128(s.r);
    offset = _mm256_set1_epi32(static_cast<int32_t>(s.offset() + static_cast<uint32_t>(extra_sub)));
  }
  /// low32(u >> r) - offset for each of the 8 int32 lanes of x.
  __m256i apply(__m256i x) const {
    __m256i even = _mm256_mul_epi32(x, mult);
    __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), mult);
    even = _mm256_srl_epi64(_mm256_add_epi64(even, bias), count);
    odd = _mm256_srl_epi64(_mm256_add_epi64(odd, bias), count);
    const __m256i v = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    return _mm256_sub_epi32(v, offset);
  }
};

/// 8 input bytes as int32 offsets (byte ^ flip) - z.
inline __m256i offsets8(const uint8_t* p, __m128i flip, __m256i z) {
  const __m128i b = _mm_xor_si128(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), flip);
  return _mm256_sub_epi32(_mm256_cvtepu8_epi32(b), z);
}

template <BinaryFormula::Kind kKind>
class Kernel {
 public:
  explicit Kernel(const BinaryFormula& f)
      : ma_(f.ma, 0),
        mb_(f.mb, 0),
        mo_(f.mo, -f.zo),
        a_flip_(_mm_set1_epi8(static_cast<char>(f.a_flip))),
        b_flip_(_mm_set1_epi8(static_cast<char>(f.b_flip))),
        za_(_mm256_set1_epi32(f.za)),
        zb_(_mm256_set1_epi32(f.zb)),
        za16_(_mm256_set1_epi16(static_cast<int16_t>(f.za))),
        zb16_(_mm256_set1_epi16(static_cast<int16_t>(f.zb))),
        shift_(_mm_cvtsi32_si128(f.left_shift)),
        s_lo_(_mm256_set1_epi32(f.s_lo)),
        s_hi_(_mm256_set1_epi32(f.s_hi)),
        qmin_(_mm256_set1_epi32(f.qmin)),
        qmax_(_mm256_set1_epi32(f.qmax)),
        float_(f.has_float && kKind != BinaryFormula::Kind::kMul && (f.a_flip == 0 || f.a_flip == 0x80) &&
               (f.b_flip == 0 || f.b_flip == 0x80)),
        a_flip8_(f.a_flip),
        b_flip8_(f.b_flip),
        fa_(_mm256_set1_ps(f.fa)),
        fb_(_mm256_set1_ps(f.fb)),
        fc_(_mm256_set1_ps(f.fc)),
        low_mask_(_mm256_set1_epi32(static_cast<int32_t>((uint32_t{1} << f.fk) - 1))),
        fk_(f.fk),
        signed_out_(f.qmax <= 127),
        qmin8_(_mm256_set1_epi8(static_cast<char>(f.qmin))),
        qmax8_(_mm256_set1_epi8(static_cast<char>(f.qmax))) {}

  /// 8 outputs as int32 codes.
  __m256i eval8(const uint8_t* a, const uint8_t* b) const {
    const __m256i da = offsets8(a, a_flip_, za_), db = offsets8(b, b_flip_, zb_);
    __m256i s;
    if constexpr (kKind == BinaryFormula::Kind::kMul) {
      s = _mm256_mullo_epi32(da, db);
    } else {
      const __m256i ra = ma_.apply(_mm256_sll_epi32(da, shift_));
      const __m256i rb = mb_.apply(_mm256_sll_epi32(db, shift_));
      s = kKind == BinaryFormula::Kind::kSub ? _mm256_sub_epi32(ra, rb) : _mm256_add_epi32(ra, rb);
    }
    return finish8(s);
  }

  /// Output stage of 8 int32 values of s: clamp, mo (+ zo), clamp to the output range.
  __m256i finish8(__m256i s) const {
    s = _mm256_min_epi32(_mm256_max_epi32(s, s_lo_), s_hi_);
    const __m256i y = mo_.apply(s);  // + zo folded into the offset
    return _mm256_min_epi32(_mm256_max_epi32(y, qmin_), qmax_);
  }

  /// kMul: 16 outputs as int16 codes, in order. The products are formed on int16 offsets (|d| <= 255) with
  /// vpmullw / vpmulhw: unpacking low and high halves gives the exact int32 products of elements {0-3, 8-11}
  /// and {4-7, 12-15}, an order that vpackssdw undoes.
  __m256i mul16(const uint8_t* a, const uint8_t* b) const {
    const __m128i ba = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), a_flip_);
    const __m128i bb = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), b_flip_);
    const __m256i da = _mm256_sub_epi16(_mm256_cvtepu8_epi16(ba), za16_);
    const __m256i db = _mm256_sub_epi16(_mm256_cvtepu8_epi16(bb), zb16_);
    const __m256i lo = _mm256_mullo_epi16(da, db), hi = _mm256_mulhi_epi16(da, db);
    const __m256i v0 = finish8(_mm256_unpacklo_epi16(lo, hi)), v1 = finish8(_mm256_unpackhi_epi16(lo, hi));
    return _mm256_packs_epi32(v0, v1);  // exact: codes of an 8-bit range
  }

  /// Float form (add / sub, BinaryFormula::has_float): 8 values v >> k (unclamped), the low parts v mod 2^k folded
  /// into the running minimum lmin (a block with a 0 there runs the exact form). The bytes are read as the codes
  /// themselves: int8 (kAi8 / kBi8: the operand's flip is 0x80) or uint8.
  template <bool kAi8, bool kBi8>
  __m256i eval8f(const uint8_t* a, const uint8_t* b, __m256i& lmin) const {
    const __m128i ba = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a));
    const __m128i bb = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
    const __m256 ua = _mm256_cvtepi32_ps(kAi8 ? _mm256_cvtepi8_epi32(ba) : _mm256_cvtepu8_epi32(ba));
    const __m256 ub = _mm256_cvtepi32_ps(kBi8 ? _mm256_cvtepi8_epi32(bb) : _mm256_cvtepu8_epi32(bb));
    const __m256i v = _mm256_cvtps_epi32(_mm256_fmadd_ps(ub, fb_, _mm256_fmadd_ps(ua, fa_, fc_)));  // (MXCSR nearest)
    lmin = _mm256_min_epu32(lmin, _mm256_and_si256(v, low_mask_));
    return _mm256_srai_epi32(v, fk_);
  }

  /// 32 outputs as bytes by the float form, the exact integer form when any element's low part is 0. The codes go to
  /// bytes with saturating packs (signed when qmax <= 127, else unsigned), then the clamp to [qmin, qmax] on bytes
  /// (the same as clamping first: the range lies inside the pack's).
  template <bool kAi8, bool kBi8>
  __m256i eval32f(const uint8_t* a, const uint8_t* b) const {
    __m256i lmin = low_mask_;
    const __m256i v0 = eval8f<kAi8, kBi8>(a, b, lmin), v1 = eval8f<kAi8, kBi8>(a + 8, b + 8, lmin);
    const __m256i v2 = eval8f<kAi8, kBi8>(a + 16, b + 16, lmin);
    const __m256i v3 = eval8f<kAi8, kBi8>(a + 24, b + 24, lmin);
    if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(lmin, _mm256_setzero_si256())) != 0) return eval32(a, b);
    const __m256i p01 = _mm256_packs_epi32(v0, v1), p23 = _mm256_packs_epi32(v2, v3);
    __m256i bytes;
    if (signed_out_) {
      bytes = _mm256_packs_epi16(p01, p23);
      bytes = _mm256_min_epi8(_mm256_max_epi8(bytes, qmin8_), qmax8_);
    } else {
      bytes = _mm256_packus_epi16(p01, p23);
      bytes = _mm256_min_epu8(_mm256_max_epu8(bytes, qmin8_), qmax8_);
    }
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  }

  /// 32 outputs as bytes (low byte of each code).
  __m256i eval32(const uint8_t* a, const uint8_t* b) const {
    const __m256i low = _mm256_set1_epi16(0x00FF);
    if constexpr (kKind == BinaryFormula::Kind::kMul) {
      const __m256i w0 = _mm256_and_si256(mul16(a, b), low), w1 = _mm256_and_si256(mul16(a + 16, b + 16), low);
      return _mm256_permute4x64_epi64(_mm256_packus_epi16(w0, w1), 0xD8);
    }
    return bytes32(eval8(a, b), eval8(a + 8, b + 8), eval8(a + 16, b + 16), eval8(a + 24, b + 24));
  }

  /// The low bytes of 32 codes (four vectors of 8, in order). Codes are in [-32768, 32767] after the clamp to an
  /// 8-bit range, so packs is exact; the mask keeps the low byte, which packus then passes unchanged.
  static __m256i bytes32(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    const __m256i low = _mm256_set1_epi16(0x00FF);
    const __m256i p01 = _mm256_and_si256(_mm256_packs_epi32(v0, v1), low);
    const __m256i p23 = _mm256_and_si256(_mm256_packs_epi32(v2, v3), low);
    const __m256i bytes = _mm256_packus_epi16(p01, p23);
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  }

  void run(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) const {
    int64_t i = 0;
    // The float form rounds with cvtps2dq: only under the default round-to-nearest mode.
    if (float_ && (_mm_getcsr() & 0x6000) == 0) {
      const bool ai8 = a_flip8_ != 0, bi8 = b_flip8_ != 0;
      if (ai8 && bi8)
        i = run_float<true, true>(a, b, y, n);
      else if (ai8)
        i = run_float<true, false>(a, b, y, n);
      else if (bi8)
        i = run_float<false, true>(a, b, y, n);
      else
        i = run_float<false, false>(a, b, y, n);
    }
    for (; i + 32 <= n; i += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), eval32(a + i, b + i));
    const auto apart = [&](const uint8_t* x) { return y + n <= x || x + n <= y; };
    if (i < n && n >= 32 && apart(a) && apart(b)) {
      // The last 32 elements again, overlapping the previous block (no input is overwritten by y).
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + n - 32), eval32(a + n - 32, b + n - 32));
    } else if (i < n) {
      // Tail through a zero-padded buffer (padding bytes give valid, discarded codes).
      alignas(32) uint8_t ta[32] = {}, tb[32] = {}, ty[32];
      const size_t rest = static_cast<size_t>(n - i);
      std::memcpy(ta, a + i, rest);
      std::memcpy(tb, b + i, rest);
      _mm256_store_si256(reinterpret_cast<__m256i*>(ty), eval32(ta, tb));
      std::memcpy(y + i, ty, rest);
    }
  }

  /// Whole blocks of 32 by eval32f; returns the number of elements done.
  template <bool kAi8, bool kBi8>
  int64_t run_float(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) const {
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), eval32f<kAi8, kBi8>(a + i, b + i));
    return i;
  }

 private:
  VecShift ma_, mb_, mo_;
  __m128i a_flip_, b_flip_;
  __m256i za_, zb_, za16_, zb16_;
  __m128i shift_;
  __m256i s_lo_, s_hi_, qmin_, qmax_;
  bool float_;
  uint8_t a_flip8_, b_flip8_;
  __m256 fa_, fb_, fc_;
  __m256i low_mask_;
  int fk_;
  bool signed_out_;
  __m256i qmin8_, qmax8_;
};

}  // namespace

void add_rows_avx2(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                   int64_t stride) {
  const Kernel<BinaryFormula::Kind::kAdd> k(f);
  for (int64_t r = 0; r < rows; ++r) k.run(a + r * stride, b + r * stride, y + r * stride, n);
}

void binary_row_avx2(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  switch (f.kind) {
    case BinaryFormula::Kind::kAdd: Kernel<BinaryFormula::Kind::kAdd>(f).run(a, b, y, n); break;
    case BinaryFormula::Kind::kSub: Kernel<BinaryFormula::Kind::kSub>(f).run(a, b, y, n); break;
    case BinaryFormula::Kind::kMul: Kernel<BinaryFormula::Kind::kMul>(f).run(a, b, y, n); break;
  }
}

}  // namespace npukit::q8::ops
