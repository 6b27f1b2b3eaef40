// SPDX-License-Identifier: Apache-2.0
// kernels/ref: small helpers shared by the reference kernel families.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.h"

namespace npukit::ref {

/// Calls `f(T{})` with the C++ type of a numeric dtype (f32 and every integer type); returns false
/// for other dtypes (bool, f16, f64, ...), so callers report the unsupported dtype themselves.
template <class F>
bool visit_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kF32: f(float{}); return true;
    case DType::kI8: f(int8_t{}); return true;
    case DType::kU8: f(uint8_t{}); return true;
    case DType::kI16: f(int16_t{}); return true;
    case DType::kU16: f(uint16_t{}); return true;
    case DType::kI32: f(int32_t{}); return true;
    case DType::kU32: f(uint32_t{}); return true;
    case DType::kI64: f(int64_t{}); return true;
    case DType::kU64: f(uint64_t{}); return true;
    default: return false;
  }
}

/// Advances a row-major multi-index over `dims`; returns false once it wraps around to all zeros.
inline bool next_index(std::vector<int64_t>& idx, const std::vector<int64_t>& dims) {
  for (size_t i = idx.size(); i-- > 0;) {
    if (++idx[i] < dims[i]) return true;
    idx[i] = 0;
  }
  return false;
}

}  // namespace npukit::ref
