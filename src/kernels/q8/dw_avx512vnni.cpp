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

#include "kernels/q8/rq512_impl.h"

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

/// The padded u rows: row r (0 <= r < hp) at rows + r * len, column c the u of padded column c (zp_u in the padding)
/// for the columns the outputs' taps read, c < (ow - 1) * sw + kw. The rest of each row, up to len, is read only by
/// taps of weight 0 and by the lanes of outputs past ow (never stored): it keeps whatever bytes it holds. (Filling
/// whole rows with zp_u first took more stores: per row of a 112x112 plane 5 instead of 4, of a 112 -> 56 one 6.)
__attribute__((target("avx512vbmi"))) void fill_rows(const DwQuadPlane& p, int64_t hp, int64_t len, uint8_t* rows) {
  const __m512i vm = _mm512_set1_epi8(static_cast<char>(p.mask));
  const __m512i vz = _mm512_set1_epi8(static_cast<char>(p.zp_u));
  const int64_t cols = std::min(len, (p.ow - 1) * p.sw + p.kw), data_end = p.pad_left + p.w;
  for (int64_t r = 0; r < hp; ++r) {
    uint8_t* d = rows + r * len;
    const int64_t iy = r - p.pad_top;
    if (iy < 0 || iy >= p.h) {
      for (int64_t c = 0; c < cols; c += 64) _mm512_storeu_si512(d + c, vz);
      continue;
    }
    // Left padding (the data overwrites what these stores write past it), the data, the right padding.
    for (int64_t c = 0; c < p.pad_left; c += 64) _mm512_storeu_si512(d + c, vz);
    const uint8_t* xr = p.x + iy * p.w;
    uint8_t* dd = d + p.pad_left;
    int64_t c = 0;
    for (; c + 64 <= p.w; c += 64) _mm512_storeu_si512(dd + c, _mm512_xor_si512(_mm512_loadu_si512(xr + c), vm));
    if (c < p.w) {
      const __mmask64 k = (~__mmask64{0}) >> (64 - (p.w - c));
      _mm512_mask_storeu_epi8(dd + c, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, xr + c), vm));
    }
    for (int64_t e = data_end; e < cols; e += 64) _mm512_storeu_si512(d + e, vz);
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
  // (DwRq: r = min(31 - shift, 63) in [32, 63]; kRound32: the zero point in the rounding term, rq512_impl.h Rq512)
  const Rq512 rq(p.corr, p.q.mult, p.q.r, kRound32 ? p.q.zp : 0);
  const __m512i vz16 = _mm512_set1_epi16(static_cast<int16_t>(p.q.zp));
  const __m512i vlo8 = _mm512_set1_epi8(static_cast<char>(p.q.lo)), vhi8 = _mm512_set1_epi8(static_cast<char>(p.q.hi));
  const bool uns = p.q.lo >= 0;  // (the clamp on unsigned bytes: codes in [lo, hi] with lo >= 0)
  const int64_t ow = p.ow, rstep = p.sh * len, cstep = p.sw * 16;
  auto sums = [&](const uint8_t* src) __attribute__((target("avx512vbmi"))) {
    __m512i acc = rq.vc;
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t g = 0; g < ng; ++g) {
        const __m512i v = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, idx, _mm512_loadu_si512(src + ky * len + 4 * g));
        acc = _mm512_dpbusd_epi32(acc, v, wq[ky * ng + g]);
      }
    return rq.scaled<kRound32>(acc);
  };
  for (int64_t oy = 0; oy < p.oh; ++oy) {
    const uint8_t* r0 = rows + oy * rstep;
    uint8_t* yr = p.y + oy * ow;
    // 32 outputs per step (16 when only that many are left): both vectors narrowed together (rq512_impl.h narrow4,
    // clamp8).
    // (One vector at a time, vpmovdb plus the zero point and the clamp on int32 took 5 of its ~13 instructions.)
    for (int64_t i0 = 0; i0 < ow; i0 += 32) {
      const __m512i v0 = sums(r0 + (i0 / 16) * cstep);
      const __m512i v1 = i0 + 16 < ow ? sums(r0 + (i0 / 16 + 1) * cstep) : v0;
      const __m512i b = uns ? clamp8<true>(narrow4<true, !kRound32>(v0, v1, v0, v1, vz16), vlo8, vhi8)
                            : clamp8<false>(narrow4<false, !kRound32>(v0, v1, v0, v1, vz16), vlo8, vhi8);
      const int64_t n = std::min<int64_t>(32, ow - i0);
      const __mmask32 k = n == 32 ? ~__mmask32{0} : (__mmask32{1} << n) - 1;
      _mm256_mask_storeu_epi8(yr + i0, k, _mm512_maskz_extracti64x4_epi64(0xF, b, 0));
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
  if (p.q.r >= 33 && p.q.r <= kRq32MaxR)
    plane_dispatch<true>(p, p.scratch, len);
  else
    plane_dispatch<false>(p, p.scratch, len);
}

/// vpermt2b tables of the 16x16 byte transpose (transpose16): level 1 a[h] gathers columns 8h .. 8h + 7 of rows 0-7
/// (from the row vectors 0-3 and 4-7) as [column][row]; level 2 b[k] gathers columns 4k .. 4k + 3 of rows 0-15 from
/// level 1's rows 0-7 and 8-15 of the same column half. Also the quad interleave: byte 4c + j of z is byte 16j + c.
struct T16Idx {
  alignas(64) uint8_t a[2][64], b[4][64], quad[64];
  constexpr T16Idx() : a{}, b{}, quad{} {
    for (int h = 0; h < 2; ++h)
      for (int pc = 0; pc < 8; ++pc)
        for (int row = 0; row < 8; ++row)
          a[h][pc * 8 + row] = static_cast<uint8_t>((row < 4 ? row * 16 : 64 + (row - 4) * 16) + 8 * h + pc);
    for (int k = 0; k < 4; ++k)
      for (int cc = 0; cc < 4; ++cc)
        for (int row = 0; row < 16; ++row) {
          const int col = 4 * k + cc, h = col / 8;
          b[k][cc * 16 + row] =
              static_cast<uint8_t>(row < 8 ? (col - 8 * h) * 8 + row : 64 + (col - 8 * h) * 8 + row - 8);
        }
    for (int c = 0; c < 16; ++c)
      for (int j = 0; j < 4; ++j) quad[4 * c + j] = static_cast<uint8_t>(16 * j + c);
  }
};
constexpr T16Idx kT16;

/// 16x16 byte transpose: in[r] holds rows 4r .. 4r + 3 (16 bytes each), out[k] columns 4k .. 4k + 3 (16 bytes each:
/// the column's 16 rows).
__attribute__((target("avx512vbmi"))) inline void transpose16(const __m512i in[4], __m512i out[4]) {
  const __m512i a0 = _mm512_load_si512(kT16.a[0]), a1 = _mm512_load_si512(kT16.a[1]);
  const __m512i l0 = _mm512_permutex2var_epi8(in[0], a0, in[1]), l1 = _mm512_permutex2var_epi8(in[0], a1, in[1]);
  const __m512i r0 = _mm512_permutex2var_epi8(in[2], a0, in[3]), r1 = _mm512_permutex2var_epi8(in[2], a1, in[3]);
  out[0] = _mm512_permutex2var_epi8(l0, _mm512_load_si512(kT16.b[0]), r0);
  out[1] = _mm512_permutex2var_epi8(l0, _mm512_load_si512(kT16.b[1]), r0);
  out[2] = _mm512_permutex2var_epi8(l1, _mm512_load_si512(kT16.b[2]), r1);
  out[3] = _mm512_permutex2var_epi8(l1, _mm512_load_si512(kT16.b[3]), r1);
}

/// 4 x 16 bytes (at p0 .. p3) in one vector, p0 in the low lane.
__attribute__((target("avx512vbmi"))) inline __m512i four16(const uint8_t* p0, const uint8_t* p1, const uint8_t* p2,
                                                            const uint8_t* p3) {
  auto ld = [](const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  __m512i v = _mm512_maskz_broadcast_i32x4(0x000F, ld(p0));
  v = _mm512_mask_broadcast_i32x4(v, 0x00F0, ld(p1));
  v = _mm512_mask_broadcast_i32x4(v, 0x0F00, ld(p2));
  return _mm512_mask_broadcast_i32x4(v, 0xF000, ld(p3));
}

/// Per-lane requantization constants of a quad block (16 channels, DwRq each: r = 31 - shift in [32, 63]), from its
/// packed lines (dw_kernels.h DwQuadLine).
struct QuadRq {
  __m512i vc, vme, vmo, vcnt, vre, vro, vr32, vz16, vlo8, vhi8;
  // Every lane has 33 <= r <= kRq32MaxR: the rounding term and the zero point are added to the high halves (the
  // R32 line, Rq512::scaled).
  bool round32 = true;
  explicit QuadRq(const DwBlockQuad& b) {
    auto line = [&](int i) { return _mm512_load_si512(b.k[i].b); };
    vc = line(b.i8 ? kDwQuadCorrI8 : kDwQuadCorrU8);
    vme = line(kDwQuadMult);
    vmo = _mm512_maskz_srli_epi64(0xFF, vme, 32);
    vcnt = line(kDwQuadCnt);
    vre = line(kDwQuadRndEven);
    vro = line(kDwQuadRndOdd);
    vr32 = line(kDwQuadR32);
    int32_t flags = 0;
    std::memcpy(&flags, b.k[kDwQuadFlags].b, sizeof flags);
    round32 = flags != 0;
    vz16 = _mm512_set1_epi16(static_cast<int16_t>(b.zp));
    vlo8 = _mm512_set1_epi8(static_cast<char>(b.lo));
    vhi8 = _mm512_set1_epi8(static_cast<char>(b.hi));
  }
  /// floor(a * mult / 2^r + 1/2) per lane (Rq512::scaled with per-lane constants).
  template <bool kRound32>
  __m512i scaled(__m512i a) const {
    return _mm512_maskz_srav_epi32(0xFFFF, rq_high<kRound32>(a, vme, vmo, vre, vro, vr32), vcnt);
  }
};

/// The products and requantization of block_quad_t, 4 output pixels per step (pixels in row-major order; the last
/// step takes the 1-3 left). Each pixel: per tap group one 64-byte window of Q, one vpermb into the quad order, one
/// vpdpbusd; then the step's sums go to bytes together (rq512_impl.h narrow4, clamp8), one store of 16 channel bytes
/// per pixel into the codes. (Narrowed one pixel at a time with vpmovdb, the zero point and the clamp on int32 cost 5
/// of a 3x3 pixel's ~18 vector instructions.)
template <int kG, bool kWin, bool kRound32, bool kUnsigned>
struct QuadPixels {
  const DwBlockQuad& b;
  int64_t ng;
  const uint8_t* qb;
  const int64_t* toff;
  const __m512i* wq;
  const QuadRq& rq;
  uint8_t* codes;

  /// Pixels [i, i + N) from their Q bases.
  template <int N>
  __attribute__((target("avx512vbmi"), always_inline)) inline void step(int64_t i, const uint8_t* const* base) const {
    const __m512i qidx = _mm512_load_si512(kT16.quad);
    __m512i acc[N];
    for (auto& a : acc) a = rq.vc;
    for (int64_t g = 0; g < (kG > 0 ? kG : ng); ++g) {
      const int64_t* o = toff + 4 * g;
      for (int j = 0; j < N; ++j) {
        const uint8_t* p = base[j];
        const __m512i z = kWin ? _mm512_loadu_si512(p + o[0]) : four16(p + o[0], p + o[1], p + o[2], p + o[3]);
        acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_maskz_permutexvar_epi8(~__mmask64{0}, qidx, z), wq[g]);
      }
    }
    __m512i v[4];
    for (int j = 0; j < 4; ++j) v[j] = j < N ? rq.scaled<kRound32>(acc[j]) : v[N - 1];
    const __m512i r =
        clamp8<kUnsigned>(narrow4<kUnsigned, !kRound32>(v[0], v[1], v[2], v[3], rq.vz16), rq.vlo8, rq.vhi8);
    if constexpr (N == 4)
      _mm512_storeu_si512(codes + i * kDwQuadCh, r);
    else
      _mm512_mask_storeu_epi8(codes + i * kDwQuadCh, (__mmask64{1} << (16 * N)) - 1, r);
  }

  __attribute__((target("avx512vbmi"))) void run() const {
    const int64_t npix = b.oh * b.ow, rs = b.sh * b.wp * kDwQuadCh, cs = b.sw * kDwQuadCh;
    int64_t oy = 0, ox = 0;
    const uint8_t* base[4];
    auto bases = [&](int n) {
      for (int j = 0; j < n; ++j) {
        base[j] = qb + oy * rs + ox * cs;
        if (++ox == b.ow) ox = 0, ++oy;
      }
    };
    int64_t i = 0;
    for (; i + 4 <= npix; i += 4) {
      bases(4);
      step<4>(i, base);
    }
    bases(static_cast<int>(npix - i));
    switch (npix - i) {
      case 3: step<3>(i, base); break;
      case 2: step<2>(i, base); break;
      case 1: step<1>(i, base); break;
      default: break;
    }
  }
};

template <int kG, bool kWin>
__attribute__((target("avx512vbmi"))) void block_quad_t(const DwBlockQuad& b, int64_t g_rt) {
  constexpr int kMaxG = 16;  // (dw_block_quad)
  const int64_t ng = kG > 0 ? kG : g_rt, hp = b.hp, wp = b.wp;
  uint8_t* const qb = b.scratch;
  uint8_t* const codes = qb + hp * wp * kDwQuadCh + 64;
  // Q: the padded planes, channel-minor. (The 64 bytes after them, which the last windows may read under weight 0,
  // hold the zero point too.)
  {
    const __m512i vz = _mm512_set1_epi8(static_cast<char>(b.zp_u)), vm = _mm512_set1_epi8(static_cast<char>(b.mask));
    const uint8_t* xl[kDwQuadCh];
    for (int l = 0; l < kDwQuadCh; ++l) xl[l] = b.lane_x(l);
    for (int64_t i = 0; i < hp * wp * kDwQuadCh + 64; i += 64) _mm512_storeu_si512(qb + i, vz);
    for (int64_t iy = 0; iy < b.h; ++iy) {
      uint8_t* qr = qb + ((iy + b.pad_top) * wp + b.pad_left) * kDwQuadCh;
      for (int64_t ix = 0; ix < b.w; ix += 16) {
        const int64_t n = std::min<int64_t>(16, b.w - ix);
        const __mmask16 km = static_cast<__mmask16>((1u << n) - 1);
        __m512i in[4], out[4];
        for (int r = 0; r < 4; ++r) {
          auto ld = [&](int c) { return _mm_maskz_loadu_epi8(km, xl[4 * r + c] + iy * b.w + ix); };
          __m512i v = _mm512_maskz_broadcast_i32x4(0x000F, ld(0));
          v = _mm512_mask_broadcast_i32x4(v, 0x00F0, ld(1));
          v = _mm512_mask_broadcast_i32x4(v, 0x0F00, ld(2));
          in[r] = _mm512_xor_si512(_mm512_mask_broadcast_i32x4(v, 0xF000, ld(3)), vm);
        }
        transpose16(in, out);
        for (int k = 0; k < 4 && 4 * k < n; ++k) {
          const int64_t px = std::min<int64_t>(4, n - 4 * k);  // pixels of this vector inside the row
          const __mmask64 sm = px == 4 ? ~__mmask64{0} : (__mmask64{1} << (16 * px)) - 1;
          _mm512_mask_storeu_epi8(qr + (ix + 4 * k) * kDwQuadCh, sm, out[k]);
        }
      }
    }
  }
  // Tap offsets (taps past the kernel: weight 0, offset of tap 0) and the packed weight quads.
  int64_t toff[kMaxG * 4];
  for (int64_t g = 0; g < ng; ++g)
    for (int j = 0; j < 4; ++j) {
      int64_t ky = 0, kx = 0;
      dw_quad_tap(g, j, b.kw, kWin, &ky, &kx);
      toff[4 * g + j] = kx < b.kw && ky < b.kh ? (ky * b.dh * wp + kx * b.dw) * kDwQuadCh : 0;
    }
  __m512i wq[kMaxG];
  for (int64_t g = 0; g < ng; ++g) wq[g] = _mm512_load_si512(b.k[kDwQuadHead + g].b);
  // Per-lane requantization (DwRq: 31 - shift = r in [32, 63]); the rounding term on the high halves when every
  // lane has r >= 33 (Rq512::scaled), and unsigned narrowing when the clamp's low end is not negative.
  const QuadRq rq(b);
  const bool round32 = rq.round32, uns = b.lo >= 0;
  if (round32 && uns)
    QuadPixels<kG, kWin, true, true>{b, ng, qb, toff, wq, rq, codes}.run();
  else if (round32)
    QuadPixels<kG, kWin, true, false>{b, ng, qb, toff, wq, rq, codes}.run();
  else if (uns)
    QuadPixels<kG, kWin, false, true>{b, ng, qb, toff, wq, rq, codes}.run();
  else
    QuadPixels<kG, kWin, false, false>{b, ng, qb, toff, wq, rq, codes}.run();
  const int64_t npix = b.oh * b.ow;
  // Back to the channel planes, 16 pixels per step (the block's fields in locals: the byte stores may alias them).
  uint8_t* const y = b.y;
  const int64_t ys = b.y_stride, nch = b.nch;
  for (int64_t i0 = 0; i0 < npix; i0 += 16) {
    const int64_t n = std::min<int64_t>(16, npix - i0);
    const __mmask16 km = static_cast<__mmask16>((1u << n) - 1);
    __m512i in[4], t[4];
    for (int r = 0; r < 4; ++r) in[r] = _mm512_loadu_si512(codes + (i0 + 4 * r) * kDwQuadCh);
    transpose16(in, t);
    // (Constant lane indices: with a switch on c % 4 in a loop over the channels, one build spent 13 % of a 56x56
    // block there.)
    auto store4 = [&](int c0, __m512i v) {
      uint8_t* d = y + c0 * ys + i0;
      _mm_mask_storeu_epi8(d, km, _mm512_maskz_extracti32x4_epi32(0xF, v, 0));
      if (c0 + 1 < nch) _mm_mask_storeu_epi8(d + ys, km, _mm512_maskz_extracti32x4_epi32(0xF, v, 1));
      if (c0 + 2 < nch) _mm_mask_storeu_epi8(d + 2 * ys, km, _mm512_maskz_extracti32x4_epi32(0xF, v, 2));
      if (c0 + 3 < nch) _mm_mask_storeu_epi8(d + 3 * ys, km, _mm512_maskz_extracti32x4_epi32(0xF, v, 3));
    };
    for (int k = 0; k < 4 && 4 * k < nch; ++k) store4(4 * k, t[k]);
  }
}

/// Column dilation 1 with at most 16 row groups: the row windows (3x3: 3 groups, one load each, against 3 groups of
/// four gathered pixels; 5x5: 10 against 7). Otherwise the dense taps.
void dw_block_quad(const DwBlockQuad& b) {
  const bool win = dw_quad_win(b.kh, b.kw, b.dw);
  const int64_t ng = dw_quad_groups(b.kh, b.kw, win);
  if (win && ng == 3)
    block_quad_t<3, true>(b, 3);  // 3x3
  else if (win && ng == 10)
    block_quad_t<10, true>(b, 10);  // 5x5
  else if (win)
    block_quad_t<0, true>(b, ng);
  else if (ng == 3)
    block_quad_t<3, false>(b, 3);
  else if (ng == 7)
    block_quad_t<7, false>(b, 7);
  else
    block_quad_t<0, false>(b, ng);
}

}  // namespace

DwQuadFn dw_quad_avx512_vnni() {
  static const DwQuadFn f = __builtin_cpu_supports("avx512vbmi") ? dw_quad_plane : nullptr;
  return f;
}

DwBlockQuadFn dw_block_quad_avx512_vnni() {
  static const DwBlockQuadFn f = __builtin_cpu_supports("avx512vbmi") ? dw_block_quad : nullptr;
  return f;
}

}  // namespace npukit::q8::detail

#else

namespace npukit::q8::detail {
DwQuadFn dw_quad_avx512_vnni() {
  return nullptr;  // the compiler cannot target AVX-512 VNNI
}
DwBlockQuadFn dw_block_quad_avx512_vnni() {
  return nullptr;
}
}  // namespace npukit::q8::detail

#endif
