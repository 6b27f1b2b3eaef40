// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX2 tier (compiled with -mavx2 -mfma). GEMM tile 4 x 16 with sign-exact vpmaddwd: the u8 activation
// quads are split into even / odd bytes as int16 (and / shift), weights are int16 pairs {w0, w2}, {w1, w3}; vpmaddubsw
// (which saturates to int16 in general) only on 7-bit panels (gemm_tile7); fused tile + requantization blocks
// (gemm_block_rq8 / gemm_block7_rq8).
#include <algorithm>

#include "kernels/q8/ukernels_x86_impl.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 4, kNr = 16;
constexpr int64_t kInlineKq = 32;  // gemm_block_rq8: tiles of up to this many quads are inlined
alignas(32) constexpr uint16_t kLoBytes16[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

/// Tile sums on the int16 path into acc (registers when inlined): the u8 activation quads are split into even / odd
/// bytes as int16, multiplied by the int16 weight pairs {w0, w2}, {w1, w3} with vpmaddwd. Exact: every int16 lane is
/// u in [0, 255] or w in [-128, 127], vpmaddwd adds two products (|sum| <= 2 * 255 * 128 < 2^31) into int32 without
/// any saturation, and the int32 accumulators hold sums of subsets of the products, exact under the caller's bound
/// (K * 255 * max|w| < 2^31).
///
/// The K loop is inline assembly with a fixed register plan (accumulators: 8 compiler-chosen registers among ymm0-7;
/// even / odd activations ymm8-11; weight pairs ymm13-14; product ymm15): compiled from intrinsics, GCC kept two of the
/// 16 live vectors on the stack (a store and a reload per quad on the accumulator chains) and added register copies,
/// which held this tile to ~45 GMAC/s of the ~65 its 36 vector ops per quad allow on Zen 3 (4 vector pipes).
inline void tile_i16_acc(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  __m256i a0, a1, a2, a3, a4, a5, a6, a7;
  asm(NPK_ZERO_ACC8
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[x]), %%ymm8\n\t"
      "vmovdqu 32(%[x]), %%ymm10\n\t"
      "vpsrlw $8, %%ymm8, %%ymm9\n\t"      // odd bytes (k = 4q + 1, 4q + 3) of pixels 0-7
      "vpsrlw $8, %%ymm10, %%ymm11\n\t"    // ... of pixels 8-15
      "vpand %[mask], %%ymm8, %%ymm8\n\t"  // even bytes (k = 4q, 4q + 2)
      "vpand %[mask], %%ymm10, %%ymm10\n\t"
#define NPK_ROW16(off, lo, hi)             \
  "vpbroadcastd " #off                     \
  "(%[w]), %%ymm13\n\t"                    \
  "vpbroadcastd 4+" #off                   \
  "(%[w]), %%ymm14\n\t"                    \
  "vpmaddwd %%ymm13, %%ymm8, %%ymm15\n\t"  \
  "vpaddd %%ymm15, %[" #lo "], %[" #lo     \
  "]\n\t"                                  \
  "vpmaddwd %%ymm13, %%ymm10, %%ymm13\n\t" \
  "vpaddd %%ymm13, %[" #hi "], %[" #hi     \
  "]\n\t"                                  \
  "vpmaddwd %%ymm14, %%ymm9, %%ymm15\n\t"  \
  "vpaddd %%ymm15, %[" #lo "], %[" #lo     \
  "]\n\t"                                  \
  "vpmaddwd %%ymm14, %%ymm11, %%ymm14\n\t" \
  "vpaddd %%ymm14, %[" #hi "], %[" #hi "]\n\t"
      NPK_ROW16(0, a0, a1) NPK_ROW16(8, a2, a3) NPK_ROW16(16, a4, a5) NPK_ROW16(24, a6, a7)
#undef NPK_ROW16
          "add $64, %[x]\n\t"
          "add $32, %[w]\n\t"
          "dec %[kq]\n\t"
          "jnz 1b\n\t"
          "2:\n\t"
      : [a0] "=&x"(a0), [a1] "=&x"(a1), [a2] "=&x"(a2), [a3] "=&x"(a3), [a4] "=&x"(a4), [a5] "=&x"(a5), [a6] "=&x"(a6),
        [a7] "=&x"(a7), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      : [mask] "m"(*reinterpret_cast<const __m256i*>(kLoBytes16))
      : "xmm8", "xmm9", "xmm10", "xmm11", "xmm13", "xmm14", "xmm15", "memory", "cc");
  acc[0][0] = a0, acc[0][1] = a1, acc[1][0] = a2, acc[1][1] = a3;
  acc[2][0] = a4, acc[2][1] = a5, acc[3][0] = a6, acc[3][1] = a7;
}

/// Tile sums on 7-bit panels (gemm_tile7) into acc: vpmaddubsw, then vpmaddwd by ones (exactness: gemm_tile7_avx2).
/// Inline assembly for the same reason as tile_i16_acc (accumulators among ymm0-7, activations ymm8-9, ones ymm10,
/// weights ymm11, products ymm12-13).
inline void tile7_acc(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  __m256i a0, a1, a2, a3, a4, a5, a6, a7;
  asm(NPK_ZERO_ACC8
      "vpcmpeqw %%ymm10, %%ymm10, %%ymm10\n\t"
      "vpsrlw $15, %%ymm10, %%ymm10\n\t"  // int16 ones
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[x]), %%ymm8\n\t"
      "vmovdqu 32(%[x]), %%ymm9\n\t"
#define NPK_ROW7(off, lo, hi)               \
  "vpbroadcastd " #off                      \
  "(%[w]), %%ymm11\n\t"                     \
  "vpmaddubsw %%ymm11, %%ymm8, %%ymm12\n\t" \
  "vpmaddubsw %%ymm11, %%ymm9, %%ymm13\n\t" \
  "vpmaddwd %%ymm10, %%ymm12, %%ymm12\n\t"  \
  "vpmaddwd %%ymm10, %%ymm13, %%ymm13\n\t"  \
  "vpaddd %%ymm12, %[" #lo "], %[" #lo      \
  "]\n\t"                                   \
  "vpaddd %%ymm13, %[" #hi "], %[" #hi "]\n\t"
      NPK_ROW7(0, a0, a1) NPK_ROW7(4, a2, a3) NPK_ROW7(8, a4, a5) NPK_ROW7(12, a6, a7)
#undef NPK_ROW7
          "add $64, %[x]\n\t"
          "add $16, %[w]\n\t"
          "dec %[kq]\n\t"
          "jnz 1b\n\t"
          "2:\n\t"
      : [a0] "=&x"(a0), [a1] "=&x"(a1), [a2] "=&x"(a2), [a3] "=&x"(a3), [a4] "=&x"(a4), [a5] "=&x"(a5), [a6] "=&x"(a6),
        [a7] "=&x"(a7), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      :
      : "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "memory", "cc");
  acc[0][0] = a0, acc[0][1] = a1, acc[1][0] = a2, acc[1][1] = a3;
  acc[2][0] = a4, acc[2][1] = a5, acc[3][0] = a6, acc[3][1] = a7;
}

/// The first kNr / 2 pixels of tile_i16_acc (partial last panels of at most 8 pixels, e.g. 49 = 3 * 16 + 1 pixels of
/// a 7x7 plane): half the products; acc[r][1] is zero. Same exactness argument, accumulators among ymm0-7 and ymm12.
inline void tile_i16_acc_half(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  __m256i a0, a2, a4, a6;
  asm("vpxor %[a0], %[a0], %[a0]\n\t"
      "vpxor %[a2], %[a2], %[a2]\n\t"
      "vpxor %[a4], %[a4], %[a4]\n\t"
      "vpxor %[a6], %[a6], %[a6]\n\t"
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[x]), %%ymm8\n\t"
      "vpsrlw $8, %%ymm8, %%ymm9\n\t"
      "vpand %[mask], %%ymm8, %%ymm8\n\t"
#define NPK_ROW16H(off, lo)               \
  "vpbroadcastd " #off                    \
  "(%[w]), %%ymm13\n\t"                   \
  "vpbroadcastd 4+" #off                  \
  "(%[w]), %%ymm14\n\t"                   \
  "vpmaddwd %%ymm13, %%ymm8, %%ymm15\n\t" \
  "vpaddd %%ymm15, %[" #lo "], %[" #lo    \
  "]\n\t"                                 \
  "vpmaddwd %%ymm14, %%ymm9, %%ymm14\n\t" \
  "vpaddd %%ymm14, %[" #lo "], %[" #lo "]\n\t"
      NPK_ROW16H(0, a0) NPK_ROW16H(8, a2) NPK_ROW16H(16, a4) NPK_ROW16H(24, a6)
#undef NPK_ROW16H
          "add $64, %[x]\n\t"
          "add $32, %[w]\n\t"
          "dec %[kq]\n\t"
          "jnz 1b\n\t"
          "2:\n\t"
      : [a0] "=&x"(a0), [a2] "=&x"(a2), [a4] "=&x"(a4), [a6] "=&x"(a6), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      : [mask] "m"(*reinterpret_cast<const __m256i*>(kLoBytes16))
      : "xmm8", "xmm9", "xmm13", "xmm14", "xmm15", "memory", "cc");
  const __m256i z = _mm256_setzero_si256();
  acc[0][0] = a0, acc[1][0] = a2, acc[2][0] = a4, acc[3][0] = a6;
  acc[0][1] = acc[1][1] = acc[2][1] = acc[3][1] = z;
}

/// The first kNr / 2 pixels of tile7_acc; acc[r][1] is zero.
inline void tile7_acc_half(int64_t kq, const uint8_t* w, const uint8_t* x, __m256i (&acc)[kMr][2]) {
  __m256i a0, a2, a4, a6;
  asm("vpxor %[a0], %[a0], %[a0]\n\t"
      "vpxor %[a2], %[a2], %[a2]\n\t"
      "vpxor %[a4], %[a4], %[a4]\n\t"
      "vpxor %[a6], %[a6], %[a6]\n\t"
      "vpcmpeqw %%ymm10, %%ymm10, %%ymm10\n\t"
      "vpsrlw $15, %%ymm10, %%ymm10\n\t"  // int16 ones
      "test %[kq], %[kq]\n\t"
      "jle 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[x]), %%ymm8\n\t"
#define NPK_ROW7H(off, lo)                  \
  "vpbroadcastd " #off                      \
  "(%[w]), %%ymm11\n\t"                     \
  "vpmaddubsw %%ymm11, %%ymm8, %%ymm12\n\t" \
  "vpmaddwd %%ymm10, %%ymm12, %%ymm12\n\t"  \
  "vpaddd %%ymm12, %[" #lo "], %[" #lo "]\n\t"
      NPK_ROW7H(0, a0) NPK_ROW7H(4, a2) NPK_ROW7H(8, a4) NPK_ROW7H(12, a6)
#undef NPK_ROW7H
          "add $64, %[x]\n\t"
          "add $16, %[w]\n\t"
          "dec %[kq]\n\t"
          "jnz 1b\n\t"
          "2:\n\t"
      : [a0] "=&x"(a0), [a2] "=&x"(a2), [a4] "=&x"(a4), [a6] "=&x"(a6), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
      :
      : "xmm8", "xmm10", "xmm11", "xmm12", "memory", "cc");
  const __m256i z = _mm256_setzero_si256();
  acc[0][0] = a0, acc[1][0] = a2, acc[2][0] = a4, acc[3][0] = a6;
  acc[0][1] = acc[1][1] = acc[2][1] = acc[3][1] = z;
}

inline void store_tile(const __m256i (&acc)[kMr][2], int32_t* c) {
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

__attribute__((noinline)) void gemm_tile_half_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile_i16_acc_half(kq, static_cast<const uint8_t*>(wv), x, acc);
  store_tile(acc, c);
}

__attribute__((noinline)) void gemm_tile7_half_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile7_acc_half(kq, static_cast<const uint8_t*>(wv), x, acc);
  store_tile(acc, c);
}

__attribute__((noinline)) void gemm_tile_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile_i16_acc(kq, static_cast<const uint8_t*>(wv), x, acc);  // int16 pairs, 8 bytes per (quad, row)
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

/// 7-bit panels (every byte in [0, 127]): vpmaddubsw multiplies the u8 activation bytes by the s8 weight bytes and adds
/// adjacent pairs into int16 (|pair| <= 2 * 127 * 128 = 32512: never saturates), vpmaddwd by ones adds the pairs of a
/// quad into int32. 3 instructions per 32 products instead of 4.5 on the int16 path.
__attribute__((noinline)) void gemm_tile7_avx2(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  __m256i acc[kMr][2];
  tile7_acc(kq, static_cast<const uint8_t*>(wv), x, acc);  // int8 quads, 4 bytes per (quad, row)
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

/// Fixes of the split 7-bit form (ukernels.h tile_fix): per fix, the e quad against the panel quad with vpmaddubsw
/// (|x0 e0 + x1 e1| <= 255 * 127: one of each pair is 0) and vpmaddwd by ones, added to the row's sums in memory. One
/// flat loop per tile (the rows' fix counts vary from block to block, so per-row loops mispredicted their exits; so did
/// runs of one row's fixes kept in registers: 5-10 % slower on 7x7 layers, whose calls have 3 panels each).
/// Adds fix f's products with panel x (pixels 0-7 to s0, 8-15 to s1).
inline void add_fix(const uint8_t* x, const PairFix& f, __m256i ones, __m256i& s0, __m256i& s1) {
  const __m256i e = _mm256_set1_epi32(f.equad);
  const uint8_t* xq = x + f.xoff;
  s0 = _mm256_add_epi32(
      s0, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq)), e), ones));
  s1 = _mm256_add_epi32(
      s1,
      _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32)), e), ones));
}

void tile_fix_avx2(const uint8_t* x, const PairFix* fix, int64_t n, int32_t* c) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < n; ++i) {
    __m256i* cr = reinterpret_cast<__m256i*>(c + fix[i].coff);
    __m256i s0 = _mm256_loadu_si256(cr), s1 = _mm256_loadu_si256(cr + 1);
    add_fix(x, fix[i], ones, s0, s1);
    _mm256_storeu_si256(cr, s0);
    _mm256_storeu_si256(cr + 1, s1);
  }
}

/// The tiles of gemm_tile_avx2 (Seven = false) or gemm_tile7_avx2 (Seven = true) over consecutive panels, each
/// requantized in registers and stored as bytes (requant_rows8's arithmetic, two rows at a time with codes2rows: the
/// zero point and the clamp in the int16 / byte domain, a third fewer operations per code): the same bytes as the tiles
/// followed by requant_rows8. The per-row requantization constants are built once per call.
template <bool Seven, bool Inline, bool Unsigned>
__attribute__((noinline)) void gemm_block_rq8_impl(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows,
                                                   const RowQ* q, int32_t zp, int32_t lo, int32_t hi, uint8_t* y,
                                                   int64_t ys, const PairFix* fix, int64_t nfix) {
  const uint8_t* w = static_cast<const uint8_t*>(wv);
  const Rq8Narrow nw(zp, lo, hi);
  alignas(32) Rq8Row rq[kMr] = {Rq8Row(q[0]), Rq8Row(q[rows > 1 ? 1 : 0]), Rq8Row(q[rows > 2 ? 2 : 0]),
                                Rq8Row(q[rows > 3 ? 3 : 0])};
  const size_t panel_bytes = static_cast<size_t>(kq) * kNr * 4;
  // Inlined tiles take the fixes in registers, a loop per row (the fixes are ordered by row, row r's are [rb[r],
  // rb[r + 1])): 1.10-1.21x against storing, fixing and reloading the sums on K = 32-64 layers. Longer tiles store
  // their sums anyway and take tile_fix_avx2's flat loop (loading them into registers for per-row loops was 5-10 %
  // slower on 7x7 layers: the loop exits mispredict when a call has few panels).
  int64_t rb[kMr + 1] = {0, 0, 0, 0, 0};
  if (Inline && fix != nullptr) {
    int64_t i = 0;
    for (int r = 0; r < kMr; ++r) {
      rb[r] = i;
      while (i < nfix && fix[i].coff < static_cast<uint32_t>((r + 1) * kNr)) ++i;
    }
    rb[kMr] = nfix;
  }
  for (int64_t p0 = 0; p0 < npix; p0 += kNr, x += panel_bytes) {
    alignas(32) int32_t c[kMr * kNr];
    __m256i in_regs[kMr][2];
    const bool half = npix - p0 <= kNr / 2;  // a partial last panel: only its first half is computed
    if constexpr (Inline) {
      if constexpr (Seven)
        half ? tile7_acc_half(kq, w, x, in_regs) : tile7_acc(kq, w, x, in_regs);
      else
        half ? tile_i16_acc_half(kq, w, x, in_regs) : tile_i16_acc(kq, w, x, in_regs);
    } else {
      if constexpr (Seven)
        half ? gemm_tile7_half_avx2(kq, w, x, c) : gemm_tile7_avx2(kq, w, x, c);
      else
        half ? gemm_tile_half_avx2(kq, w, x, c) : gemm_tile_avx2(kq, w, x, c);
    }
    if (fix != nullptr) {  // split 7-bit form: the block's fixes (Seven only)
      if constexpr (Inline) {
        const __m256i ones = _mm256_set1_epi16(1);
        auto row_fixes = [&](int r) {
          for (int64_t i = rb[r]; i < rb[r + 1]; ++i) add_fix(x, fix[i], ones, in_regs[r][0], in_regs[r][1]);
        };
        row_fixes(0), row_fixes(1), row_fixes(2), row_fixes(3);
      } else {
        tile_fix_avx2(x, fix, nfix, c);  // on the stored sums
      }
    }
    auto acc = [&](int r, int h) {
      if constexpr (Inline) return in_regs[r][h];
      return _mm256_load_si256(reinterpret_cast<const __m256i*>(c + r * kNr + h * 8));
    };
    const int64_t nvalid = std::min<int64_t>(kNr, npix - p0);
    // Rows (r, r + 1) of the tile (unrolled: the sums stay in registers).
    auto pair = [&](int r) {
      const __m256i b = codes2rows<Unsigned>(rq[r], rq[r + 1], acc(r, 0), acc(r, 1), acc(r + 1, 0), acc(r + 1, 1), nw);
      uint8_t* y0 = y + r * ys + p0;
      if (nvalid == kNr) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y0), _mm256_castsi256_si128(b));
        if (r + 1 < rows) _mm_storeu_si128(reinterpret_cast<__m128i*>(y0 + ys), _mm256_extracti128_si256(b, 1));
      } else {
        store_bytes16(y0, _mm256_castsi256_si128(b), static_cast<int>(nvalid));
        if (r + 1 < rows) store_bytes16(y0 + ys, _mm256_extracti128_si256(b, 1), static_cast<int>(nvalid));
      }
    };
    static_assert(kMr == 4);
    pair(0);
    if (rows > 2) pair(2);
  }
}

/// Up to kInlineKq quads the tile is inlined (its sums stay in registers, the fixes are added there). Longer K: the
/// tile is a separate function and its stored sums take the fixes in memory (measured: inlining 17-32-quad split tiles
/// 1.07-1.12x, 48-quad ones on 7x7 planes 0.98x; docs/KERNELS.md).
template <bool Seven>
void gemm_block_rq8_avx2(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows, const RowQ* q,
                         int32_t zp, int32_t lo, int32_t hi, uint8_t* y, int64_t ys, const PairFix* fix, int64_t nfix) {
  const bool inl = kq <= kInlineKq, uns = lo >= 0;
  if (!Seven) fix = nullptr;  // (fixes exist only for the kBytes weights of the 7-bit tile)
  if (inl && uns)
    gemm_block_rq8_impl<Seven, true, true>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys, fix, nfix);
  else if (inl)
    gemm_block_rq8_impl<Seven, true, false>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys, fix, nfix);
  else if (uns)
    gemm_block_rq8_impl<Seven, false, true>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys, fix, nfix);
  else
    gemm_block_rq8_impl<Seven, false, false>(kq, wv, x, npix, rows, q, zp, lo, hi, y, ys, fix, nfix);
}

}  // namespace

const Ukernels* ukernels_avx2() {
  static const Ukernels k = [] {
    Ukernels u;
    u.isa = Isa::kAvx2;
    u.mr = kMr;
    u.nr = kNr;
    u.wfmt = WeightFormat::kI16Pairs;
    u.gemm_tile = gemm_tile_avx2;
    u.requant = requant_avx2;
    u.dw_row = dw_row_avx2;
    u.pack_quad = pack_quad_avx2<kNr>;
    u.pack_panel = pack_panel_avx2<kNr>;
    u.pack_quad_s2 = pack_quad_s2_avx2<kNr>;
    u.pack_quad_runs = pack_quad_runs_avx2<kNr>;
    u.requant_rows8 = requant_rows8_avx2<kNr>;
    u.gemv = gemv_avx2;
    u.gemm_tile7 = gemm_tile7_avx2;
    u.gemm_tile_half = gemm_tile_half_avx2;
    u.gemm_tile7_half = gemm_tile7_half_avx2;
    u.tile_fix = tile_fix_avx2;
    u.gemm_block_rq8 = gemm_block_rq8_avx2<false>;
    u.gemm_block7_rq8 = gemm_block_rq8_avx2<true>;
    u.wino_tile = wino_tile_avx2;  // Winograd F(2x2, 3x3) (ukernels_x86_impl.h, wino_impl.h)
    u.wino_input = wino_input_avx2;
    u.wino_output = wino_output_portable<kWinoMr, kWinoNr>;
    u.wino_mr = kWinoMr;
    u.wino_nr = kWinoNr;
    return u;
  }();
  return &k;
}

}  // namespace npukit::q8::detail
