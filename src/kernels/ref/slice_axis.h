// SPDX-License-Identifier: Apache-2.0
// kernels/ref: the index rule of ONNX Slice on one axis, shared by the reference kernel and the fast q8 kernel
// so both clamp exactly alike.
#pragma once

#include <algorithm>
#include <cstdint>

namespace npukit::ref {

/// Axis of size `dim`, slice [start, end) by `step` (step != 0; negative start / end count from the end):
/// clamps as the ONNX spec does, stores the first index read in *first and returns the number of elements.
inline int64_t slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t* first) {
  int64_t s = start < 0 ? start + dim : start;
  int64_t e = end < 0 ? end + dim : end;
  int64_t count = 0;
  if (step > 0) {
    s = std::clamp<int64_t>(s, 0, dim);
    e = std::clamp<int64_t>(e, 0, dim);
    count = e > s ? (e - s - 1) / step + 1 : 0;
  } else {
    s = std::clamp<int64_t>(s, 0, std::max<int64_t>(dim - 1, 0));
    e = std::clamp<int64_t>(e, -1, dim - 1);
    count = (dim > 0 && s > e) ? 1 - (s - e - 1) / step : 0;
  }
  *first = s;
  return count;
}

}  // namespace npukit::ref
