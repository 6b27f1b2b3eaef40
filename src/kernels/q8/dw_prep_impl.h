// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): portable construction of the depthwise pair planes (layout in dw_kernels.h), included
// by each depthwise tier unit (dw_scalar.cpp, dw_avx2.cpp) so the compiler vectorizes the loops with that
// unit's flags. Internal linkage: the copies never mix.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/q8/dw_kernels.h"

namespace npukit::q8::detail {
namespace {

template <class T>
void dw_prep_rows(const DwGeom& g, const T* x, int32_t zp, int16_t* planes, int16_t* rbuf) {
  const int64_t ps2 = g.plane_stride * 2, ws2 = g.ws * 2;
  const int64_t rlen = g.ws * g.sw + g.dw;  // R[c] is read for c < rlen
  // The padding columns of the row buffer never change.
  if (g.mode != DwMode::kPairs2) {
    std::fill_n(rbuf, g.pad_left, int16_t{0});
    std::fill(rbuf + std::min(rlen, g.pad_left + g.w), rbuf + rlen, int16_t{0});
  }
  for (int64_t fy = 0; fy < g.sh; ++fy)
    for (int64_t r = 0; r < g.rows_ph; ++r) {
      const int64_t iy = r * g.sh + fy - g.pad_top;
      int16_t* d0 = planes + fy * g.ncolph * ps2 + r * ws2;
      if (iy < 0 || iy >= g.h) {
        for (int64_t fx = 0; fx < g.ncolph; ++fx) std::fill_n(d0 + fx * ps2, ws2, int16_t{0});
        continue;
      }
      const T* xr = x + iy * g.w;
      if (g.mode == DwMode::kPairs2) {
        // The padded row itself, read as pairs.
        std::fill_n(d0, g.pad_left, int16_t{0});
        int16_t* d = d0 + g.pad_left;
        for (int64_t c = 0; c < g.w; ++c) d[c] = static_cast<int16_t>(xr[c] - zp);
        std::fill(d + g.w, d0 + ws2, int16_t{0});
        continue;
      }
      int16_t* rd = rbuf + g.pad_left;
      for (int64_t c = 0; c < g.w; ++c) rd[c] = static_cast<int16_t>(xr[c] - zp);
      if (g.mode == DwMode::kPairs1) {
        const int16_t* r1 = rbuf + g.dw;
        for (int64_t j = 0; j < g.ws; ++j) {
          d0[2 * j] = rbuf[j];
          d0[2 * j + 1] = r1[j];
        }
        continue;
      }
      for (int64_t fx = 0; fx < g.ncolph; ++fx) {
        int16_t* d = d0 + fx * ps2;
        const int16_t* rf = rbuf + fx;
        if (g.sw == 1) {
          for (int64_t j = 0; j < g.ws; ++j) {
            d[2 * j] = rf[j];
            d[2 * j + 1] = 0;
          }
        } else {
          for (int64_t j = 0; j < g.ws; ++j) {
            d[2 * j] = rf[j * g.sw];
            d[2 * j + 1] = 0;
          }
        }
      }
    }
}

void dw_prep(const DwGeom& g, const void* x, int64_t x_off, int64_t /*x_len*/, bool i8, int32_t zp, int16_t* planes,
             int16_t* rowbuf) {
  if (i8)
    dw_prep_rows(g, static_cast<const int8_t*>(x) + x_off, zp, planes, rowbuf);
  else
    dw_prep_rows(g, static_cast<const uint8_t*>(x) + x_off, zp, planes, rowbuf);
}

}  // namespace
}  // namespace npukit::q8::detail
