// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): the per-tier microkernel table. Operator code (conv.cpp, gemm.cpp) calls only these
// function pointers; the per-ISA translation units (ukernels_<tier>.cpp, compiled with that tier's flags) fill
// them. Layouts (docs/KERNELS.md):
//  - activation panel: NR "pixels" x K (K padded to a multiple of 4) as u8 codes,
//      x[(q * NR + p) * 4 + j] = code(pixel p, k = 4q + j)   (int8 activations are stored as code + 128)
//  - weight block: MR output channels x K,
//      kBytes:    int8  w[(q * MR + r) * 4 + j]              = w(r, 4q + j)
//      kI16Pairs: int16 w[(q * MR + r) * 4 + {0, 1, 2, 3}]  = w(r, 4q + {0, 2, 1, 3})
//  - result tile: int32 c[r * NR + p] = sum_k w(r, k) * x(p, k), exact while K * 255 * max|w| < 2^31.
#pragma once

#include <cstdint>

#include "kernels/q8/isa.h"

namespace npukit::q8::detail {

enum class WeightFormat { kBytes, kI16Pairs };

struct Ukernels {
  Isa isa = Isa::kScalar;
  int mr = 4;  ///< output channels per tile
  int nr = 8;  ///< pixels per tile
  WeightFormat wfmt = WeightFormat::kBytes;
  /// c[MR x NR] = weight block (kq quads) x activation panel (kq quads).
  void (*gemm_tile)(int64_t kq, const void* w, const uint8_t* x, int32_t* c) = nullptr;
  /// out[i] = clamp(scale_round(saturate_i32(acc[i] + corr), {mult, shift}) + zp, lo, hi) for i < n.
  /// Preconditions: mult >= 0, shift in [-61, 31], lo <= hi. no_sat: the caller guarantees that acc[i] + corr
  /// fits in int32 (so the sum may be formed with wrapping 32-bit arithmetic from corr mod 2^32).
  void (*requant)(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                  int32_t hi, int32_t* out, bool no_sat) = nullptr;
  /// Depthwise row: acc[i] = sum_t (src[2t][i] * lo16(wp[t]) + src[2t+1][i] * hi16(wp[t])) for i < round_up(n, 16)
  /// (sources readable that far; acc has room for it).
  void (*dw_row)(int64_t n, int64_t npairs, const int16_t* const* src, const int32_t* wp, int32_t* acc) = nullptr;
  /// One quad of an activation panel from 4 contiguous source rows: d[p * 4 + j] = rows[j][p] ^ mask, p < NR.
  void (*pack_quad)(const uint8_t* const* rows, uint8_t mask, uint8_t* d) = nullptr;
};

/// The table of a tier, or null when this build has no code for it (never null for kScalar).
const Ukernels* ukernels_for(Isa isa);

const Ukernels* ukernels_scalar();
const Ukernels* ukernels_avx2();
const Ukernels* ukernels_avx_vnni();
const Ukernels* ukernels_avx512_vnni();

/// Scalar requantization (the spec itself), shared by every tier for tails.
void requant_scalar(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                    int32_t hi, int32_t* out, bool no_sat = false);

}  // namespace npukit::q8::detail
