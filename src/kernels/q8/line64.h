// SPDX-License-Identifier: Apache-2.0
// kernels/q8: a 64-byte line of packed per-lane constants (PackedConv's depthwise quad blocks, dw_kernels.h).
#pragma once

#include <cstdint>

namespace npukit::q8::detail {

/// 64 bytes on a 64-byte boundary: one 512-bit vector of per-lane constants.
struct alignas(64) Line64 {
  uint8_t b[64];
};

}  // namespace npukit::q8::detail
