// SPDX-License-Identifier: Apache-2.0
// kernels/q8: one fix of the split 7-bit convolution form (PackedConv::split7(), Ukernels::tile_fix).
#pragma once

#include <cstdint>

namespace npukit::q8::detail {

/// The weight bytes of a tile row whose pairs could saturate vpmaddubsw on full-range u8 panels are clipped in the
/// packed weights; the excess e (one byte per pair at most) is added back by Ukernels::tile_fix. equad holds the 4
/// int8 e of quad q (0 where nothing was clipped), xoff = q * NR * 4 (the quad's bytes in a panel), coff = r * NR (the
/// row's sums in a tile).
struct PairFix {
  uint32_t xoff = 0;
  int32_t equad = 0;
  uint32_t coff = 0;
};

}  // namespace npukit::q8::detail
