// SPDX-License-Identifier: Apache-2.0
// Test helper: a float tensor of normal N(0, sd) values from a fixed seed (weights, inputs, calibration data).
#pragma once

#include <cstdint>
#include <random>

#include "core/tensor.h"

namespace npukit::testing {

inline Tensor randn(const Shape& s, uint32_t seed, float sd = 0.3f) {
  Tensor t(DType::kF32, s);
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sd);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

}  // namespace npukit::testing
