// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the AVX-VNNI tier (256-bit vpdpbusd; compiled with -mavx2 -mfma -mavxvnni). GEMM tile 6 x 16:
// vpdpbusd multiplies the u8 activation quad by the s8 weight quad and adds the 4 products to an int32 lane
// without saturation (exact; the +128 of int8 activations is removed by the caller's correction term).
#include "kernels/q8/ukernels.h"

#if defined(NPUKIT_Q8_HAVE_AVXVNNI)
#include "kernels/q8/ukernels_x86_impl.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 6, kNr = 16;

void gemm_tile_avx_vnni(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  const uint8_t* w = static_cast<const uint8_t*>(wv);  // int8 quads, 4 bytes per (quad, row)
  __m256i acc[kMr][2];
  for (auto& row : acc) row[0] = row[1] = _mm256_setzero_si256();
  for (int64_t q = 0; q < kq; ++q) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + q * kNr * 4 + 32));
    const uint8_t* wq = w + q * kMr * 4;
    for (int r = 0; r < kMr; ++r) {
      const __m256i wb = _mm256_set1_epi32(load_i32(wq + r * 4));
      acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], x0, wb);
      acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], x1, wb);
    }
  }
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * kNr + 8), acc[r][1]);
  }
}

}  // namespace

const Ukernels* ukernels_avx_vnni() {
  static const Ukernels k = [] {
    Ukernels u;
    u.isa = Isa::kAvxVnni;
    u.mr = kMr;
    u.nr = kNr;
    u.wfmt = WeightFormat::kBytes;
    u.gemm_tile = gemm_tile_avx_vnni;
    u.requant = requant_avx2;
    u.dw_row = dw_row_avx2;
    u.pack_quad = pack_quad_avx2<kNr>;
    u.pack_panel = pack_panel_avx2<kNr>;
    u.pack_quad_s2 = pack_quad_s2_avx2<kNr>;
    u.pack_quad_runs = pack_quad_runs_avx2<kNr>;
    u.requant_rows8 = requant_rows8_avx2<kNr>;
    u.gemv = gemv_avx2;
    // No Winograd: direct 3x3 tiles run vpdpbusd at 32 products per instruction, the int16 Winograd form 8 per
    // instruction (vpmaddwd + vpaddd) times its 9/4 fewer products (as measured on the AVX-512 VNNI tier).
    return u;
  }();
  return &k;
}

}  // namespace npukit::q8::detail

#else

namespace npukit::q8::detail {
const Ukernels* ukernels_avx_vnni() {
  return nullptr;  // the compiler cannot target AVX-VNNI
}
}  // namespace npukit::q8::detail

#endif
