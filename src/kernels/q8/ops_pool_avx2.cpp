// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the MaxPool plane (maxpool_impl.h) compiled with -mavx2: the compiler's vectors of the row passes are 32
// bytes wide (16 int16 lanes in the stride-2 pass) instead of the baseline's 16.
#include "kernels/q8/maxpool_impl.h"

namespace npukit::q8::ops {

void maxpool_plane_avx2(const MaxPoolGeom& g, const uint8_t* xp, uint8_t* yp, uint8_t flip) {
  maxpool_plane_impl(g, xp, yp, flip);
}

}  // namespace npukit::q8::ops
