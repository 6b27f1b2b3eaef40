// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX-512 VNNI tier (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni). GEMM tile
// 8 x 32 with 512-bit vpdpbusd (16 accumulators of the 32 zmm registers), fused with a 512-bit requantization to bytes
// (gemm_block_rq8); the other requantization, packing and depthwise code is the 256-bit code (AVX-512VL implies AVX2).
#include "kernels/q8/ukernels.h"

#include <cstring>
#include <type_traits>

#if defined(NPUKIT_Q8_HAVE_AVX512VNNI)
#include "kernels/q8/rq512_impl.h"
#include "kernels/q8/ukernels_x86_impl.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 8, kNr = 32;

/// Inline-assembly prologues of the tiles: row r's accumulators start at init[r] (INIT) or at the int32 tile c = init
/// (LOAD, c[r * 32 + p]).
#define NPK_INIT16                       \
  "vpbroadcastd 0(%[init]), %[a0]\n\t"   \
  "vmovdqa64 %[a0], %[a1]\n\t"           \
  "vpbroadcastd 4(%[init]), %[a2]\n\t"   \
  "vmovdqa64 %[a2], %[a3]\n\t"           \
  "vpbroadcastd 8(%[init]), %[a4]\n\t"   \
  "vmovdqa64 %[a4], %[a5]\n\t"           \
  "vpbroadcastd 12(%[init]), %[a6]\n\t"  \
  "vmovdqa64 %[a6], %[a7]\n\t"           \
  "vpbroadcastd 16(%[init]), %[a8]\n\t"  \
  "vmovdqa64 %[a8], %[a9]\n\t"           \
  "vpbroadcastd 20(%[init]), %[a10]\n\t" \
  "vmovdqa64 %[a10], %[a11]\n\t"         \
  "vpbroadcastd 24(%[init]), %[a12]\n\t" \
  "vmovdqa64 %[a12], %[a13]\n\t"         \
  "vpbroadcastd 28(%[init]), %[a14]\n\t" \
  "vmovdqa64 %[a14], %[a15]\n\t"
#define NPK_INIT8                       \
  "vpbroadcastd 0(%[init]), %[a0]\n\t"  \
  "vpbroadcastd 4(%[init]), %[a1]\n\t"  \
  "vpbroadcastd 8(%[init]), %[a2]\n\t"  \
  "vpbroadcastd 12(%[init]), %[a3]\n\t" \
  "vpbroadcastd 16(%[init]), %[a4]\n\t" \
  "vpbroadcastd 20(%[init]), %[a5]\n\t" \
  "vpbroadcastd 24(%[init]), %[a6]\n\t" \
  "vpbroadcastd 28(%[init]), %[a7]\n\t"
#define NPK_LOOP32                        \
  "test %[kq], %[kq]\n\t"                 \
  "jle 2f\n\t"                            \
  "1:\n\t"                                \
  "vmovdqu64 (%[x]), %%zmm30\n\t"         \
  "vmovdqu64 64(%[x]), %%zmm31\n\t"       \
  "prefetcht0 2048(%[w])\n\t"             \
  "vpbroadcastd 0(%[w]), %%zmm28\n\t"     \
  "vpdpbusd %%zmm28, %%zmm30, %[a0]\n\t"  \
  "vpdpbusd %%zmm28, %%zmm31, %[a1]\n\t"  \
  "vpbroadcastd 4(%[w]), %%zmm29\n\t"     \
  "vpdpbusd %%zmm29, %%zmm30, %[a2]\n\t"  \
  "vpdpbusd %%zmm29, %%zmm31, %[a3]\n\t"  \
  "vpbroadcastd 8(%[w]), %%zmm28\n\t"     \
  "vpdpbusd %%zmm28, %%zmm30, %[a4]\n\t"  \
  "vpdpbusd %%zmm28, %%zmm31, %[a5]\n\t"  \
  "vpbroadcastd 12(%[w]), %%zmm29\n\t"    \
  "vpdpbusd %%zmm29, %%zmm30, %[a6]\n\t"  \
  "vpdpbusd %%zmm29, %%zmm31, %[a7]\n\t"  \
  "vpbroadcastd 16(%[w]), %%zmm28\n\t"    \
  "vpdpbusd %%zmm28, %%zmm30, %[a8]\n\t"  \
  "vpdpbusd %%zmm28, %%zmm31, %[a9]\n\t"  \
  "vpbroadcastd 20(%[w]), %%zmm29\n\t"    \
  "vpdpbusd %%zmm29, %%zmm30, %[a10]\n\t" \
  "vpdpbusd %%zmm29, %%zmm31, %[a11]\n\t" \
  "vpbroadcastd 24(%[w]), %%zmm28\n\t"    \
  "vpdpbusd %%zmm28, %%zmm30, %[a12]\n\t" \
  "vpdpbusd %%zmm28, %%zmm31, %[a13]\n\t" \
  "vpbroadcastd 28(%[w]), %%zmm29\n\t"    \
  "vpdpbusd %%zmm29, %%zmm30, %[a14]\n\t" \
  "vpdpbusd %%zmm29, %%zmm31, %[a15]\n\t" \
  "add $128, %[x]\n\t"                    \
  "add $32, %[w]\n\t"                     \
  "dec %[kq]\n\t"                         \
  "jnz 1b\n\t"                            \
  "2:\n\t"
#define NPK_LOOP16                       \
  "test %[kq], %[kq]\n\t"                \
  "jle 2f\n\t"                           \
  "1:\n\t"                               \
  "vmovdqu64 (%[x]), %%zmm30\n\t"        \
  "vpbroadcastd 0(%[w]), %%zmm28\n\t"    \
  "vpdpbusd %%zmm28, %%zmm30, %[a0]\n\t" \
  "vpbroadcastd 4(%[w]), %%zmm29\n\t"    \
  "vpdpbusd %%zmm29, %%zmm30, %[a1]\n\t" \
  "vpbroadcastd 8(%[w]), %%zmm28\n\t"    \
  "vpdpbusd %%zmm28, %%zmm30, %[a2]\n\t" \
  "vpbroadcastd 12(%[w]), %%zmm29\n\t"   \
  "vpdpbusd %%zmm29, %%zmm30, %[a3]\n\t" \
  "vpbroadcastd 16(%[w]), %%zmm28\n\t"   \
  "vpdpbusd %%zmm28, %%zmm30, %[a4]\n\t" \
  "vpbroadcastd 20(%[w]), %%zmm29\n\t"   \
  "vpdpbusd %%zmm29, %%zmm30, %[a5]\n\t" \
  "vpbroadcastd 24(%[w]), %%zmm28\n\t"   \
  "vpdpbusd %%zmm28, %%zmm30, %[a6]\n\t" \
  "vpbroadcastd 28(%[w]), %%zmm29\n\t"   \
  "vpdpbusd %%zmm29, %%zmm30, %[a7]\n\t" \
  "add $128, %[x]\n\t"                   \
  "add $32, %[w]\n\t"                    \
  "dec %[kq]\n\t"                        \
  "jnz 1b\n\t"                           \
  "2:\n\t"
#define NPK_OUT16                                                                                                 \
  [a0] "=&v"(a0), [a1] "=&v"(a1), [a2] "=&v"(a2), [a3] "=&v"(a3), [a4] "=&v"(a4), [a5] "=&v"(a5), [a6] "=&v"(a6), \
      [a7] "=&v"(a7), [a8] "=&v"(a8), [a9] "=&v"(a9), [a10] "=&v"(a10), [a11] "=&v"(a11), [a12] "=&v"(a12),       \
      [a13] "=&v"(a13), [a14] "=&v"(a14), [a15] "=&v"(a15), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
#define NPK_OUT8                                                                                                  \
  [a0] "=&v"(a0), [a1] "=&v"(a1), [a2] "=&v"(a2), [a3] "=&v"(a3), [a4] "=&v"(a4), [a5] "=&v"(a5), [a6] "=&v"(a6), \
      [a7] "=&v"(a7), [kq] "+r"(kq), [x] "+r"(x), [w] "+r"(w)
#define NPK_CLOBBER "xmm28", "xmm29", "xmm30", "xmm31", "memory", "cc"

/// Tile sums in registers, row r's starting at init[r]: 16 zmm accumulators (8 rows x 2 vectors of 16 pixels); the half
/// tile computes the first 16 pixels only (acc[r][1] is left alone). vpdpbusd adds the 4 products of a u8 activation
/// quad and an s8 weight quad to an int32 lane without saturation (wrapping: a start value s gives s + sum mod 2^32):
/// exact under the caller's bound (K * 255 * max|w| < 2^31).
///
/// The full tile's K loop prefetches the weight block 2 KiB (64 quads) ahead: in a network the block comes from
/// memory, and the hardware prefetchers stop at every 4 KiB page (cold caches, 7x7 3x3 512 layer 0.89x, 1x1
/// 2048->512 0.91x; ResNet-50 0.96x, ResNet-18 0.95x end to end; hot caches unchanged).
///
/// The K loops are inline assembly with a fixed register plan (accumulators: compiler-chosen zmm registers; activations
/// zmm30-31; weight quads zmm28-29): compiled from intrinsics, GCC copied every accumulator through another register
/// and stored half of them to the stack on each quad.
template <bool Half>
inline void tile_acc(int64_t kq, const uint8_t* w, const uint8_t* x, const int32_t* init, __m512i (&acc)[kMr][2]) {
  if constexpr (Half) {
    __m512i a0, a1, a2, a3, a4, a5, a6, a7;
    asm(NPK_INIT8 NPK_LOOP16:NPK_OUT8 : [init] "r"(init) : NPK_CLOBBER);
    acc[0][0] = a0, acc[1][0] = a1, acc[2][0] = a2, acc[3][0] = a3;
    acc[4][0] = a4, acc[5][0] = a5, acc[6][0] = a6, acc[7][0] = a7;
  } else {
    __m512i a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
    asm(NPK_INIT16 NPK_LOOP32:NPK_OUT16 : [init] "r"(init) : NPK_CLOBBER);
    acc[0][0] = a0, acc[0][1] = a1, acc[1][0] = a2, acc[1][1] = a3;
    acc[2][0] = a4, acc[2][1] = a5, acc[3][0] = a6, acc[3][1] = a7;
    acc[4][0] = a8, acc[4][1] = a9, acc[5][0] = a10, acc[5][1] = a11;
    acc[6][0] = a12, acc[6][1] = a13, acc[7][0] = a14, acc[7][1] = a15;
  }
}
#undef NPK_INIT16
#undef NPK_INIT8
#undef NPK_LOOP32
#undef NPK_LOOP16
#undef NPK_OUT16
#undef NPK_OUT8
#undef NPK_CLOBBER

template <bool Half>
__attribute__((noinline)) void gemm_tile_avx512_vnni(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  static constexpr int32_t kZero[kMr] = {};
  __m512i acc[kMr][2];
  if constexpr (Half)
    for (auto& row : acc) row[1] = _mm512_setzero_si512();
  tile_acc<Half>(kq, static_cast<const uint8_t*>(wv), x, kZero, acc);
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(c + r * kNr, acc[r][0]);
    _mm512_storeu_si512(c + r * kNr + 16, acc[r][1]);
  }
}

/// gemm_px (ukernels.h): per quad, the block's 8 rows x 4 weight bytes loaded once (one 256-bit vector) and each
/// pixel's 4 bytes broadcast against it (one 256-bit vpdpbusd per pixel); two quads per step with their own
/// accumulators, so even one pixel has two independent chains. (One call per pixel, the weights loaded for each:
/// 14x14 3x3 layers spent 5 % of their time on their 4 tail pixels.)
template <int N>
void gemm_px_n(int64_t kq, const uint8_t* w, const uint8_t* x, int64_t xs, int32_t* c) {
  static_assert(kMr == 8);
  __m256i a[N][2];
  for (auto& p : a) p[0] = p[1] = _mm256_setzero_si256();
  int64_t q = 0;
  for (; q + 2 <= kq; q += 2) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + q * kMr * 4));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (q + 1) * kMr * 4));
    for (int t = 0; t < N; ++t) {
      a[t][0] = _mm256_dpbusd_epi32(a[t][0], _mm256_set1_epi32(load_i32(x + t * xs + 4 * q)), w0);
      a[t][1] = _mm256_dpbusd_epi32(a[t][1], _mm256_set1_epi32(load_i32(x + t * xs + 4 * q + 4)), w1);
    }
  }
  if (q < kq) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + q * kMr * 4));
    for (int t = 0; t < N; ++t)
      a[t][0] = _mm256_dpbusd_epi32(a[t][0], _mm256_set1_epi32(load_i32(x + t * xs + 4 * q)), w0);
  }
  for (int t = 0; t < N; ++t)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + t * kMr), _mm256_add_epi32(a[t][0], a[t][1]));
}

void gemm_px_avx512_vnni(int64_t kq, const void* wv, const uint8_t* x, int64_t xs, int n, int32_t* c) {
  static_assert(Ukernels::kMaxPx == 4);
  const uint8_t* w = static_cast<const uint8_t*>(wv);
  switch (n) {
    case 1: return gemm_px_n<1>(kq, w, x, xs, c);
    case 2: return gemm_px_n<2>(kq, w, x, xs, c);
    case 3: return gemm_px_n<3>(kq, w, x, xs, c);
    default: return gemm_px_n<4>(kq, w, x, xs, c);
  }
}

/// vpshufb indices of a 4x4 byte transpose in each 128-bit lane: byte 4i + j <- byte 4j + i.
inline __m256i transpose4x4_bytes() {
  return _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,  //
                          0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}

/// requant_px (ukernels.h): gemm_px's sums hold one pixel's 8 rows per 256-bit vector, so each pixel is requantized
/// with per-lane constants (the rows' RowQ gathered once per call): the 64-bit products of the even and odd lanes, the
/// rounding term 2^(sh-1) and an arithmetic shift by sh per lane (vpsravq), the zero point and the clamp in int32;
/// the n <= 4 pixels' codes packed to bytes (exact: they are inside the byte type's range) and transposed to one dword
/// per row (pixels 0-3). Against requant_rows8 on a tile-shaped copy of the sums (16 codes per row and step for 1-4
/// valid pixels), 7x7 1x1 layers with one tail pixel spent 8 % of their time there.
void requant_px_avx512_vnni(const int32_t* c, int n, int rows, const RowQ* q, int32_t zp, int32_t lo, int32_t hi,
                            uint8_t* y, int64_t ys) {
  static_assert(kMr == 8 && Ukernels::kMaxPx == 4 && sizeof(RowQ) == 3 * sizeof(int32_t));
  // Row r's RowQ at int32 index 3r (lanes past `rows` read row rows - 1: never stored).
  const __m256i lane = _mm256_min_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(rows - 1));
  const __m256i idx = _mm256_add_epi32(lane, _mm256_add_epi32(lane, lane));
  const int* qb = reinterpret_cast<const int*>(q);
  const __m256i corr = _mm256_i32gather_epi32(qb, idx, 4), mult = _mm256_i32gather_epi32(qb + 1, idx, 4);
  const __m256i sh = _mm256_sub_epi32(_mm256_set1_epi32(31), _mm256_i32gather_epi32(qb + 2, idx, 4));  // [32, 63]
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i she = _mm256_and_si256(sh, _mm256_set1_epi64x(0xFFFFFFFF)), sho = _mm256_srli_epi64(sh, 32);
  const __m256i rde = _mm256_sllv_epi64(one, _mm256_sub_epi64(she, one));
  const __m256i rdo = _mm256_sllv_epi64(one, _mm256_sub_epi64(sho, one));
  const __m256i mo = _mm256_srli_epi64(mult, 32);
  const __m256i vz = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  __m256i v[4] = {};  // (pixels past n: codes never stored)
  for (int t = 0; t < n; ++t) {
    const __m256i a = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + t * kMr)), corr);
    const __m256i pe = _mm256_srav_epi64(_mm256_add_epi64(_mm256_mul_epi32(a, mult), rde), she);
    const __m256i po = _mm256_srav_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), mo), rdo), sho);
    const __m256i s = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    v[t] = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(s, vz), vlo), vhi);
  }
  // Per 128-bit lane L: bytes 4t + i = pixel t's row 4L + i, then transposed to 4i + t.
  const __m256i w01 = _mm256_packs_epi32(v[0], v[1]), w23 = _mm256_packs_epi32(v[2], v[3]);
  __m256i b = lo >= 0 ? _mm256_packus_epi16(w01, w23) : _mm256_packs_epi16(w01, w23);
  b = _mm256_shuffle_epi8(b, transpose4x4_bytes());
  alignas(32) uint8_t codes[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(codes), b);
  for (int r = 0; r < rows; ++r) {
    if (n == 4)
      std::memcpy(y + r * ys, codes + 4 * r, 4);
    else
      for (int t = 0; t < n; ++t) y[r * ys + t] = codes[4 * r + t];
  }
}

/// Requantization constants of one tile row (rq512_impl.h; RowQ: 31 - shift in [32, 63]).
struct Rq16Row : Rq512 {
  Rq16Row(const RowQ& q, int32_t zp) : Rq512(q.corr, q.mult, 31 - q.shift, zp) {}
};

/// The 8-bit codes of two tile rows (32 sums each: a00 / a01 pixels 0-15 / 16-31 of row 0, a10 / a11 of row 1):
/// bytes 0-31 row 0, 32-63 row 1 (rq512_impl.h narrow4 and clamp8).
/// ClampLo / ClampHi false: lo / hi is the end of the byte type's range, which the saturating packs already give
/// (MobileNetV2's 1x1 layers: int8 ReLU6 outputs [0, 127] on the unsigned packs need the high side only, unclamped
/// int8 outputs neither).
template <bool Unsigned, bool Round32, bool ClampLo, bool ClampHi>
inline __m512i codes2rows512(const Rq16Row& r0, const Rq16Row& r1, __m512i a00, __m512i a01, __m512i a10, __m512i a11,
                             __m512i vz16, __m512i vlo8, __m512i vhi8) {
  return clamp8<Unsigned, ClampLo, ClampHi>(
      narrow4<Unsigned, !Round32>(r0.scaled<Round32>(a00), r0.scaled<Round32>(a01), r1.scaled<Round32>(a10),
                                  r1.scaled<Round32>(a11), vz16),
      vlo8, vhi8);
}

/// gemm_tile over consecutive panels, each requantized in registers (codes2rows512) and stored as bytes: the same
/// bytes as the tiles followed by requant_rows8 (ukernels.h gemm_block_rq8). Panels with at most 16 valid pixels run
/// the half tile. The accumulators start at the rows' corrections (RowQ: acc + corr fits int32, so the wrapping sums
/// end at it).
template <bool Unsigned, bool Round32, bool ClampLo, bool ClampHi>
__attribute__((noinline)) void gemm_block_rq8_impl(int64_t kq, const uint8_t* w, const uint8_t* x, int64_t npix,
                                                   int rows, const RowQ* q, int32_t zp, int32_t lo, int32_t hi,
                                                   uint8_t* y, int64_t ys) {
  const __m512i vz16 = _mm512_set1_epi16(static_cast<int16_t>(zp));
  const __m512i vlo8 = _mm512_set1_epi8(static_cast<char>(lo)), vhi8 = _mm512_set1_epi8(static_cast<char>(hi));
  const int32_t zr = Round32 ? zp : 0;  // (the zero point in the rounding term: Rq512)
  const Rq16Row rq[kMr] = {Rq16Row(q[0], zr),
                           Rq16Row(q[rows > 1 ? 1 : 0], zr),
                           Rq16Row(q[rows > 2 ? 2 : 0], zr),
                           Rq16Row(q[rows > 3 ? 3 : 0], zr),
                           Rq16Row(q[rows > 4 ? 4 : 0], zr),
                           Rq16Row(q[rows > 5 ? 5 : 0], zr),
                           Rq16Row(q[rows > 6 ? 6 : 0], zr),
                           Rq16Row(q[rows > 7 ? 7 : 0], zr)};
  int32_t corr[kMr];
  for (int r = 0; r < kMr; ++r) corr[r] = q[r < rows ? r : 0].corr;
  const size_t panel_bytes = static_cast<size_t>(kq) * kNr * 4;
  for (int64_t p0 = 0; p0 < npix; p0 += kNr, x += panel_bytes) {
    __m512i acc[kMr][2];
    const int64_t nvalid = std::min<int64_t>(kNr, npix - p0);
    if (nvalid <= kNr / 2) {
      for (auto& row : acc) row[1] = _mm512_setzero_si512();  // (packed, never stored)
      tile_acc<true>(kq, w, x, corr, acc);
    } else {
      tile_acc<false>(kq, w, x, corr, acc);
    }
    const __mmask32 m = nvalid == kNr ? ~__mmask32{0} : (__mmask32{1} << nvalid) - 1;
    // Row pairs unrolled (with a loop over a runtime row count GCC stored the sums to the stack and reloaded them).
    auto pair = [&](int r) {
      const __m512i b = codes2rows512<Unsigned, Round32, ClampLo, ClampHi>(
          rq[r], rq[r + 1], acc[r][0], acc[r][1], acc[r + 1][0], acc[r + 1][1], vz16, vlo8, vhi8);
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

/// pack_panel_vbmi's vpermt2b indices: output byte 4p + j (p < 16) of half h is byte (j & 1) * 32 + p + 16h of table
/// j >> 1 (index bit 6).
struct PanelIdx {
  alignas(64) uint8_t v[2][64];
  constexpr PanelIdx() : v{} {
    for (int h = 0; h < 2; ++h)
      for (int p = 0; p < 16; ++p)
        for (int j = 0; j < 4; ++j) v[h][4 * p + j] = static_cast<uint8_t>((j >> 1) * 64 + (j & 1) * 32 + p + 16 * h);
  }
};
constexpr PanelIdx kPanelIdxTable;
constexpr const uint8_t (&kPanelIdx)[2][64] = kPanelIdxTable.v;

/// pack_panel (ukernels.h) with AVX-512 VBMI, on CPUs that have it: per quad, the 4 source rows' 32 bytes in two
/// vectors (rows 0-1, rows 2-3) and two vpermt2b that interleave them into the 128 panel bytes of pixels 0-15 and
/// 16-31, plus the byte map: 10 instructions per quad instead of pack_panel_avx2's 40. Same reads (rows[j][0, 32)),
/// same bytes.
__attribute__((target("avx512vbmi"))) void pack_panel_vbmi(const uint8_t* base, const int64_t* koff, int64_t kq,
                                                           uint8_t mask, uint8_t sub, uint8_t* d) {
  static_assert(kNr == 32);
  const __m512i i0 = _mm512_load_si512(kPanelIdx[0]), i1 = _mm512_load_si512(kPanelIdx[1]);
  const __m512i ad = _mm512_set1_epi8(static_cast<char>(static_cast<uint8_t>(mask - sub)));
  auto rows2 = [&](const uint8_t* r0, const uint8_t* r1) {
    return _mm512_mask_broadcast_i64x4(
        _mm512_maskz_broadcast_i64x4(0x0F, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0))), 0xF0,
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1)));
  };
  for (int64_t q = 0; q < kq; ++q, koff += 4, d += kNr * 4) {
    const __m512i a = rows2(base + koff[0], base + koff[1]), b = rows2(base + koff[2], base + koff[3]);
    _mm512_storeu_si512(d, _mm512_add_epi8(_mm512_permutex2var_epi8(a, i0, b), ad));
    _mm512_storeu_si512(d + 64, _mm512_add_epi8(_mm512_permutex2var_epi8(a, i1, b), ad));
  }
}

/// pack_quad_runs (ukernels.h) with AVX-512 VBMI, and its whole-panel form pack_panel_runs: per row, the 32 pixels of
/// run 0 (step 2: the even bytes of 64, one vpmovwb) with every later run's pixels blended in under the mask of its
/// pixels (p >= run_start[r]), then pack_panel_vbmi's two vpermt2b. Same reads, same bytes as pack_quad_runs_avx2.
struct RunsVbmi {
  __mmask32 km[8];  // (conv.cpp: at most 8 runs)
  __m512i i0, i1, ad;
  const int64_t* run_off;
  int nruns, step;
  __attribute__((target("avx512vbmi")))
  RunsVbmi(const int64_t* ro, const int32_t* run_start, int n, int st, uint8_t mask, uint8_t sub)
      : run_off(ro), nruns(n), step(st) {
    for (int r = 1; r < n; ++r) km[r] = ~__mmask32{0} << run_start[r];
    i0 = _mm512_load_si512(kPanelIdx[0]);
    i1 = _mm512_load_si512(kPanelIdx[1]);
    ad = _mm512_set1_epi8(static_cast<char>(static_cast<uint8_t>(mask - sub)));
  }
  __attribute__((target("avx512vbmi"))) __m256i load32(const uint8_t* a) const {
    if (step == 1) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
    return _mm512_maskz_cvtepi16_epi8(~__mmask32{0}, _mm512_loadu_si512(a));  // the low (even) byte of 32 words
  }
  __attribute__((target("avx512vbmi"))) void quad(const uint8_t* r0, const uint8_t* r1, const uint8_t* r2,
                                                  const uint8_t* r3, uint8_t* d) const {
    __m256i v0 = load32(r0 + run_off[0]), v1 = load32(r1 + run_off[0]);
    __m256i v2 = load32(r2 + run_off[0]), v3 = load32(r3 + run_off[0]);
    for (int r = 1; r < nruns; ++r) {
      const int64_t o = run_off[r];
      v0 = _mm256_mask_blend_epi8(km[r], v0, load32(r0 + o));
      v1 = _mm256_mask_blend_epi8(km[r], v1, load32(r1 + o));
      v2 = _mm256_mask_blend_epi8(km[r], v2, load32(r2 + o));
      v3 = _mm256_mask_blend_epi8(km[r], v3, load32(r3 + o));
    }
    const __m512i a = _mm512_mask_broadcast_i64x4(_mm512_maskz_broadcast_i64x4(0x0F, v0), 0xF0, v1);
    const __m512i b = _mm512_mask_broadcast_i64x4(_mm512_maskz_broadcast_i64x4(0x0F, v2), 0xF0, v3);
    _mm512_storeu_si512(d, _mm512_add_epi8(_mm512_permutex2var_epi8(a, i0, b), ad));
    _mm512_storeu_si512(d + 64, _mm512_add_epi8(_mm512_permutex2var_epi8(a, i1, b), ad));
  }
};

__attribute__((target("avx512vbmi"))) void pack_quad_runs_vbmi(const uint8_t* const* rows, const int64_t* run_off,
                                                               const int32_t* run_start, int nruns, int step,
                                                               uint8_t mask, uint8_t sub, uint8_t* d) {
  const RunsVbmi rv(run_off, run_start, nruns, step, mask, sub);
  rv.quad(rows[0], rows[1], rows[2], rows[3], d);
}

/// The constants once per panel instead of once per quad (3x3 layers whose panels cross output rows: 0.90-0.99x).
__attribute__((target("avx512vbmi"))) void pack_panel_runs_vbmi(const uint8_t* base, const int64_t* koff, int64_t kq,
                                                                const int64_t* run_off, const int32_t* run_start,
                                                                int nruns, int step, uint8_t mask, uint8_t sub,
                                                                uint8_t* d) {
  const RunsVbmi rv(run_off, run_start, nruns, step, mask, sub);
  for (int64_t q = 0; q < kq; ++q, koff += 4, d += kNr * 4)
    rv.quad(base + koff[0], base + koff[1], base + koff[2], base + koff[3], d);
}

void gemm_block_rq8_avx512_vnni(int64_t kq, const void* wv, const uint8_t* x, int64_t npix, int rows, const RowQ* q,
                                int32_t zp, int32_t lo, int32_t hi, uint8_t* y, int64_t ys, const PairFix* /*fix*/,
                                int64_t /*nfix*/) {
  const uint8_t* w = static_cast<const uint8_t*>(wv);  // (no split weights on this tier: fix is always null)
  bool r32 = true;
  for (int r = 0; r < rows; ++r) r32 = r32 && q[r].shift <= -2 && 31 - q[r].shift <= kRq32MaxR;  // 31 - shift >= 33
  // Unsigned packs when lo >= 0 (the codes in [lo, hi] are the same bytes either way), each side clamped only where
  // the packs do not already saturate there.
  const bool uns = lo >= 0, clo = lo > (uns ? 0 : -128), chi = hi < (uns ? 255 : 127);
  using T = std::true_type;
  using F = std::false_type;
  auto run = [&](auto u, auto r, auto cl, auto ch) {
    gemm_block_rq8_impl<decltype(u)::value, decltype(r)::value, decltype(cl)::value, decltype(ch)::value>(
        kq, w, x, npix, rows, q, zp, lo, hi, y, ys);
  };
  auto run3 = [&](auto u, auto r) {
    if (clo && chi)
      run(u, r, T{}, T{});
    else if (clo)
      run(u, r, T{}, F{});
    else if (chi)
      run(u, r, F{}, T{});
    else
      run(u, r, F{}, F{});
  };
  auto run2 = [&](auto u) {
    if (r32)
      run3(u, T{});
    else
      run3(u, F{});
  };
  if (uns)
    run2(T{});
  else
    run2(F{});
}

/// gather_px (ukernels.h): per 8 offsets one vpgatherqd of the dwords at src + koff[kk] (pixels 0-3 of tap kk), the 8
/// x 4 bytes transposed to pixel-major rows (vpshufb per 128-bit lane, vpermd), the byte map, one 8-byte store per
/// pixel; offsets whose dword would reach past end (the last taps of the input), and the k % 8 last ones, byte by byte.
/// Against the byte loop (conv.cpp's, which took ~0.6-0.8 % of ResNet-50 and MobileNetV2): 14x14 layers with 4 tail
/// pixels 0.94-0.97x, 7x7 ones 0.97-0.99x; end to end MobileNetV2 0.984x, ResNet-50 0.987x (alternating runs).
void gather_px_avx512_vnni(const uint8_t* src, const int64_t* koff, int64_t k, int n, uint8_t mask, uint8_t sub,
                           uint8_t* d, int64_t ds, const uint8_t* end) {
  const __m256i tr = transpose4x4_bytes();
  const __m256i lanes = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i vm = _mm256_set1_epi8(static_cast<char>(mask)), vs = _mm256_set1_epi8(static_cast<char>(sub));
  const __m512i lim = _mm512_set1_epi64(end - src - 4);  // dword reads at offsets <= lim stay inside [src, end)
  auto bytes = [&](int64_t kk) {
    for (int t = 0; t < n; ++t) d[t * ds + kk] = static_cast<uint8_t>((src[koff[kk] + t] ^ mask) - sub);
  };
  int64_t kk = 0;
  for (; kk + 8 <= k; kk += 8) {
    const __m512i idx = _mm512_loadu_si512(koff + kk);
    if (_mm512_cmpgt_epi64_mask(idx, lim) != 0) {
      for (int64_t j = kk; j < kk + 8; ++j) bytes(j);
      continue;
    }
    // dword j: pixels 0-3 of tap kk + j (the masked form: GCC bug 105593, as in rq512_impl.h)
    const __m256i g = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), 0xFF, idx, src, 1);
    // Per lane [tap][pixel] -> [pixel][tap], then the two lanes' pixel dwords side by side: qword t = pixel t's 8 taps.
    const __m256i v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(g, tr), lanes);
    alignas(32) uint8_t row[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(row), _mm256_sub_epi8(_mm256_xor_si256(v, vm), vs));
    for (int t = 0; t < n; ++t) std::memcpy(d + t * ds + kk, row + 8 * t, 8);
  }
  for (; kk < k; ++kk) bytes(kk);
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
    u.kblock = false;  // (engine.h run_tiles: whole-K tiles)
    u.gemm_block_rq8 = gemm_block_rq8_avx512_vnni;
    u.gemm_px = gemm_px_avx512_vnni;
    u.requant_px = requant_px_avx512_vnni;
    u.gather_px = gather_px_avx512_vnni;
    u.requant = requant_avx2;
    u.dw_row = dw_row_avx2;
    u.pack_quad = pack_quad_avx2<kNr>;
    u.pack_panel = __builtin_cpu_supports("avx512vbmi") ? pack_panel_vbmi : pack_panel_avx2<kNr>;
    u.pack_quad_s2 = pack_quad_s2_avx2<kNr>;
    u.pack_quad_runs = __builtin_cpu_supports("avx512vbmi") ? pack_quad_runs_vbmi : pack_quad_runs_avx2<kNr>;
    if (__builtin_cpu_supports("avx512vbmi")) u.pack_panel_runs = pack_panel_runs_vbmi;
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
