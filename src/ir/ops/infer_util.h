// SPDX-License-Identifier: Apache-2.0
// ir/ops: helpers shared by the shape-inference functions of several op families.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/op_table.h"

namespace npukit::ir {

/// Upper bound on kernel/stride/pad/dilation attribute values: keeps every size product below
/// 2^63 (tensor dims are < 2^34), so hostile attributes cannot overflow shape arithmetic.
inline constexpr int64_t kMaxSpatialAttr = int64_t{1} << 24;

/// Input i must be f32: other float types are kUnsupportedAttr (npukit computes floats in f32),
/// non-float types kShapeMismatch. `what` names the input in the message ("W", "B", ...).
Status check_f32(const InferContext& ctx, size_t i, const char* what);

/// Reads an optional per-spatial-dim ints attribute: absent → `def` repeated n times; else it must
/// have n values, each >= min_value and <= kMaxSpatialAttr.
Expected<std::vector<int64_t>> spatial_attr(const InferContext& ctx, const char* name, size_t n, int64_t def,
                                            int64_t min_value);

}  // namespace npukit::ir
