// SPDX-License-Identifier: Apache-2.0
// Test helpers: tensor comparison with a stated tolerance.
#pragma once

#include <string>

#include "core/tensor.h"

namespace npukit::testing {

/// Compares `got` against `want`: same dtype and shape, and for floats
/// |got - want| <= atol + rtol * |want| elementwise (NaN matches NaN); integers/bools exactly.
/// Returns "" when equal, else a message with the first mismatches and the max abs error.
std::string compare_tensors(const Tensor& got, const Tensor& want, double rtol, double atol);

/// Max |got - want| over all elements (tensors must have equal numel).
double max_abs_diff(const Tensor& got, const Tensor& want);

}  // namespace npukit::testing
