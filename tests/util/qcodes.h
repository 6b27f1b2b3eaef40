// SPDX-License-Identifier: Apache-2.0
// Test helpers: tensors of integer codes (activation / weight / bias dtypes) for the integer-kernel tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "core/tensor.h"

namespace npukit::testing {

/// A tensor of dtype `dt` (i8, u8, i16 or i32) filled with codes uniform in [lo, hi] from mt19937(seed).
inline Tensor random_codes(DType dt, const Shape& shape, int32_t lo, int32_t hi, uint32_t seed) {
  Tensor t(dt, shape);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int32_t v = dist(rng);
    switch (dt) {
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
      case DType::kI32: t.data<int32_t>()[i] = v; break;
      default: ADD_FAILURE() << "random_codes: bad dtype " << dtype_name(dt);
    }
  }
  return t;
}

}  // namespace npukit::testing
