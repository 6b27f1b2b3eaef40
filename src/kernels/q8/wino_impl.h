// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): the portable Winograd F(2x2, 3x3) input and output transforms (ukernels.h wino_input /
// wino_output), written as plain loops the compiler vectorizes. Included by each tier's translation unit and compiled
// with that tier's flags; internal linkage, so copies built with different flags never mix.
#pragma once

#include <algorithm>
#include <cstdint>

namespace npukit::q8::detail {
namespace {

/// Input transform of one tile row of a channel pair (ukernels.h wino_input): V = B^T d B with
/// B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]] of the 4x4 tiles at columns 2 tx.
/// rows[jj * 4 + i] = row i of channel jj's 4 input rows (u values); dst[xi * xstride + 2 tx + jj] = V(xi) (|V| <=
/// 1020). Reads rows[k][0, 2 ntx + 2).
inline void wino_input_portable(const uint8_t* const* rows, int64_t ntx, int16_t* dst, int64_t xstride) {
  constexpr int kB = 32;  // tiles per step
  for (int64_t tx0 = 0; tx0 < ntx; tx0 += kB) {
    const int nb = static_cast<int>(std::min<int64_t>(kB, ntx - tx0));
    alignas(32) int16_t v[2][16][kB];
    for (int jj = 0; jj < 2; ++jj) {
      const uint8_t* r0 = rows[jj * 4] + 2 * tx0;
      const uint8_t* r1 = rows[jj * 4 + 1] + 2 * tx0;
      const uint8_t* r2 = rows[jj * 4 + 2] + 2 * tx0;
      const uint8_t* r3 = rows[jj * 4 + 3] + 2 * tx0;
      // Column transform (B^T d) of the even and odd columns: e[i][k] = column 2k, o[i][k] = column 2k + 1.
      alignas(32) int16_t e[4][kB + 1], o[4][kB + 1];
      for (int k = 0; k <= nb; ++k) {
        const int16_t a0 = r0[2 * k], a1 = r1[2 * k], a2 = r2[2 * k], a3 = r3[2 * k];
        e[0][k] = static_cast<int16_t>(a0 - a2);
        e[1][k] = static_cast<int16_t>(a1 + a2);
        e[2][k] = static_cast<int16_t>(a2 - a1);
        e[3][k] = static_cast<int16_t>(a1 - a3);
        const int16_t b0 = r0[2 * k + 1], b1 = r1[2 * k + 1], b2 = r2[2 * k + 1], b3 = r3[2 * k + 1];
        o[0][k] = static_cast<int16_t>(b0 - b2);
        o[1][k] = static_cast<int16_t>(b1 + b2);
        o[2][k] = static_cast<int16_t>(b2 - b1);
        o[3][k] = static_cast<int16_t>(b1 - b3);
      }
      // Row transform (. B) of tile tx: columns 2 tx, 2 tx + 1, 2 tx + 2, 2 tx + 3 = e[tx], o[tx], e[tx + 1], o[tx +
      // 1].
      for (int i = 0; i < 4; ++i)
        for (int k = 0; k < nb; ++k) {
          v[jj][i * 4 + 0][k] = static_cast<int16_t>(e[i][k] - e[i][k + 1]);
          v[jj][i * 4 + 1][k] = static_cast<int16_t>(o[i][k] + e[i][k + 1]);
          v[jj][i * 4 + 2][k] = static_cast<int16_t>(e[i][k + 1] - o[i][k]);
          v[jj][i * 4 + 3][k] = static_cast<int16_t>(o[i][k] - o[i][k + 1]);
        }
    }
    for (int xi = 0; xi < 16; ++xi) {
      int16_t* d = dst + xi * xstride + 2 * tx0;
      for (int k = 0; k < nb; ++k) {
        d[2 * k] = v[0][xi][k];
        d[2 * k + 1] = v[1][xi][k];
      }
    }
  }
}

/// Output transform of one block of Winograd GEMM tiles (ukernels.h wino_output): m[(xi * MR + r) * NT + t] for the 16
/// positions xi; Y4 = A^T M A with A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] modulo 2^32 (unsigned arithmetic), then
/// s[r * sstride + dy * dystride + 2 t + dx] = int32(Y4[dy][dx]) >> 2 for r < rows, t < NT.
template <int MR, int NT>
void wino_output_portable(const int32_t* m, int rows, int32_t* s, int64_t sstride, int64_t dystride) {
  for (int r = 0; r < rows; ++r) {
    auto at = [&](int xi, int t) { return static_cast<uint32_t>(m[(xi * MR + r) * NT + t]); };
    int32_t* s0 = s + r * sstride;
    int32_t* s1 = s0 + dystride;
    for (int t = 0; t < NT; ++t) {
      uint32_t a0[4], a1[4];
      for (int j = 0; j < 4; ++j) {
        a0[j] = at(j, t) + at(4 + j, t) + at(8 + j, t);
        a1[j] = at(4 + j, t) - at(8 + j, t) - at(12 + j, t);
      }
      s0[2 * t] = static_cast<int32_t>(a0[0] + a0[1] + a0[2]) >> 2;
      s0[2 * t + 1] = static_cast<int32_t>(a0[1] - a0[2] - a0[3]) >> 2;
      s1[2 * t] = static_cast<int32_t>(a1[0] + a1[1] + a1[2]) >> 2;
      s1[2 * t + 1] = static_cast<int32_t>(a1[1] - a1[2] - a1[3]) >> 2;
    }
  }
}

}  // namespace
}  // namespace npukit::q8::detail
