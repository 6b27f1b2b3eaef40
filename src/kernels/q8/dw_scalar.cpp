// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the scalar tier of the depthwise convolution kernels (portable C++, no ISA flags).
#include "kernels/q8/dw_kernels.h"
#include "kernels/q8/dw_prep_impl.h"

namespace npukit::q8::detail {

namespace {

void dw_accumulate_scalar(const int16_t* src, int64_t ws, const int64_t* off, const int32_t* wpair, int64_t ntaps,
                          int64_t rows, int64_t ow, int32_t* acc) {
  const int64_t ow8 = (ow + 7) / 8 * 8;
  for (int64_t r = 0; r < rows; ++r) {
    int32_t* a = acc + r * ow;
    std::fill_n(a, ow8, 0);
    for (int64_t t = 0; t < ntaps; ++t) {
      const int32_t lo = static_cast<int16_t>(static_cast<uint32_t>(wpair[t]) & 0xFFFFu);
      const int32_t hi = static_cast<int16_t>(static_cast<uint32_t>(wpair[t]) >> 16);
      const int16_t* s = src + 2 * (r * ws + off[t]);
      for (int64_t i = 0; i < ow8; ++i) a[i] += s[2 * i] * lo + s[2 * i + 1] * hi;
    }
  }
}

/// y[i] = codes[i] (already in the output range) as 8-bit codes.
void dw_store(const int32_t* codes, int64_t n, bool /*u8*/, void* yv) {
  uint8_t* y = static_cast<uint8_t*>(yv);
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(codes[i]);
}

}  // namespace

const DwKernels& dw_kernels_scalar() {
  static const DwKernels k{dw_prep, dw_accumulate_scalar, dw_store};
  return k;
}

}  // namespace npukit::q8::detail
