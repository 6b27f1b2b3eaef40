// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): one MaxPool plane on unsigned bytes (ops_pool.cpp), included by the baseline unit and by
// ops_pool_avx2.cpp, which compiles the same loops with AVX2 (internal linkage: each unit keeps its own copy).
// Separable windows: a vertical pass over the valid input rows into a padded row buffer, then a horizontal pass.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace npukit::q8::ops {

inline constexpr int64_t kMaxPoolRow = 8192;  // row buffers live on the stack (no allocation in run())

/// A 2-D MaxPool's geometry (global: h = 1, w = the plane, oh = ow = 1).
struct MaxPoolGeom {
  int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  int64_t buf = 0;  // padded row buffer length (<= kMaxPoolRow)
};

/// yp[oy * ow + ox] = max over the window of xp (h * w bytes), as unsigned bytes after x ^ flip, stored ^ flip
/// (int8 codes flipped keep their order; the padding / an empty window is byte 0, the reference's lowest value).
using MaxPoolPlaneFn = void (*)(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip);
/// The same loops compiled with AVX2 (ops_pool_avx2.cpp): only call it on a CPU with AVX2.
void maxpool_plane_avx2(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip);
/// Planes with a horizontal stride 2 and 2 or 3 adjacent taps on AVX-512 with VBMI (ops_pool_avx512.cpp): only call it
/// on the AVX-512 VNNI tier where maxpool_s2_avx512_applies(g) (false when the build or the CPU lacks the code).
void maxpool_s2_plane_avx512(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip);
bool maxpool_s2_avx512_applies(const MaxPoolGeom& g);
/// sums[p] = the sum of x[p * n + i] ^ flip over i < n as unsigned bytes, p < planes (the global average pool's plane
/// sums; vpsadbw, ops_pool_avx2.cpp): only call it on a CPU with AVX2.
void byte_sums_avx2(const uint8_t* x, int64_t planes, int64_t n, uint8_t flip, int64_t* sums);

namespace {

[[maybe_unused]] void maxpool_plane_impl(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip) {
  // uint16 storage: the stride-2 pass reads byte pairs as one little-endian uint16 (x86-64 only library).
  uint16_t buf16[kMaxPoolRow / 2 + 2];
  uint16_t acc16[kMaxPoolRow / 2 + 2];
  uint8_t* buf = reinterpret_cast<uint8_t*>(buf16);
  uint8_t* acc = reinterpret_cast<uint8_t*>(acc16);
  uint8_t* __restrict row = buf + g.pl;  // row[ix] for ix in [0, w); the padding around it stays 0
  // Only the padding bytes are cleared (the row is written for every output row; the horizontal pass reads below
  // g.buf, its uint16 pairs one byte more): clearing the whole 8 KiB buffer per plane was ~5 % of a 112x112 pool.
  const int64_t pad_end = std::min<int64_t>(g.buf + 2, static_cast<int64_t>(sizeof(buf16)));
  std::memset(buf, 0, static_cast<size_t>(g.pl));
  if (pad_end > g.pl + g.w) std::memset(row + g.w, 0, static_cast<size_t>(pad_end - g.pl - g.w));
  const int64_t w = g.w, ow = g.ow, sw = g.sw, dw = g.dw;
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    bool first = true;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      const uint8_t* __restrict xr = xp + iy * w;
      if (first) {
        for (int64_t ix = 0; ix < w; ++ix) row[ix] = static_cast<uint8_t>(xr[ix] ^ flip);
        first = false;
      } else {
        for (int64_t ix = 0; ix < w; ++ix) row[ix] = std::max(row[ix], static_cast<uint8_t>(xr[ix] ^ flip));
      }
    }
    if (first) std::memset(row, 0, static_cast<size_t>(w));  // empty windows: the reference emits lowest
    uint8_t* __restrict a = acc;
    const uint8_t* __restrict b0 = buf;
    if (sw == 1) {
      for (int64_t ox = 0; ox < ow; ++ox) a[ox] = b0[ox];
      for (int64_t kx = 1; kx < g.kw; ++kx) {
        const uint8_t* __restrict b = buf + kx * dw;
        for (int64_t ox = 0; ox < ow; ++ox) a[ox] = std::max(a[ox], b[ox]);
      }
    } else if (sw == 2) {
      // Tap kx of output ox is byte 2 ox + kx dw: the low (even offset) or high (odd) byte of pair ox + m.
      // (As int16: the values are bytes, and signed 16-bit max vectorizes on every x86-64, unsigned needs SSE4.1.)
      int16_t* __restrict a16 = reinterpret_cast<int16_t*>(acc16);
      for (int64_t ox = 0; ox < ow; ++ox) a16[ox] = 0;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t off = kx * dw;
        const uint16_t* __restrict p = buf16 + (off >> 1);
        if (off & 1)
          for (int64_t ox = 0; ox < ow; ++ox) a16[ox] = std::max<int16_t>(a16[ox], static_cast<int16_t>(p[ox] >> 8));
        else
          for (int64_t ox = 0; ox < ow; ++ox) a16[ox] = std::max<int16_t>(a16[ox], static_cast<int16_t>(p[ox] & 0xFF));
      }
      uint8_t* __restrict yr = yp + oy * ow;
      for (int64_t ox = 0; ox < ow; ++ox) yr[ox] = static_cast<uint8_t>(a16[ox] ^ flip);
      continue;
    } else {
      for (int64_t ox = 0; ox < ow; ++ox) a[ox] = b0[ox * sw];
      for (int64_t kx = 1; kx < g.kw; ++kx) {
        const uint8_t* __restrict b = buf + kx * dw;
        for (int64_t ox = 0; ox < ow; ++ox) a[ox] = std::max(a[ox], b[ox * sw]);
      }
    }
    uint8_t* __restrict yr = yp + oy * ow;
    for (int64_t ox = 0; ox < ow; ++ox) yr[ox] = static_cast<uint8_t>(a[ox] ^ flip);
  }
}

}  // namespace
}  // namespace npukit::q8::ops
