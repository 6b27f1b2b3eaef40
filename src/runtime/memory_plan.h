// SPDX-License-Identifier: Apache-2.0
// runtime: the activation arena planner. Every intermediate tensor of a model gets a fixed byte offset in one
// arena so that an inference allocates nothing: tensors whose lifetimes (first step written, last step read)
// overlap never share bytes, the others may. Greedy by size (largest first, each at the lowest offset that
// does not collide), the classic heuristic of TFLite's and ncnn's planners; optimal packing is NP-hard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace npukit::runtime {

/// One tensor to place: `bytes` live from step `first` to step `last` inclusive.
struct ArenaRequest {
  size_t bytes = 0;
  int64_t first = 0, last = 0;
};

struct ArenaPlan {
  std::vector<size_t> offsets;  ///< per request, aligned to `alignment`
  size_t total_bytes = 0;       ///< arena size
  /// Largest sum of bytes live at one step: a lower bound no placement can beat (total_bytes >= this).
  size_t peak_live_bytes = 0;
};

/// Places the requests; offsets are multiples of `alignment` (a power of two).
ArenaPlan plan_arena(const std::vector<ArenaRequest>& requests, size_t alignment = 64);

}  // namespace npukit::runtime
