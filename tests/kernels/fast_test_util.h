// SPDX-License-Identifier: Apache-2.0
// Helpers for the kernels/fast tests: seeded data and the error bound the fast kernels are held to.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace npukit::fasttest {

/// Deterministic values in [-1, 1) (SplitMix64), so failures reproduce.
inline Tensor seeded(Shape shape, uint64_t seed) {
  Tensor t(DType::kF32, std::move(shape));
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s += 0x9E3779B97F4A7C15ULL;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    t.data<float>()[i] = static_cast<float>(static_cast<double>(z >> 40) / 8388608.0 - 1.0);
  }
  return t;
}

/// Element-wise |x|.
inline Tensor abs_of(const Tensor& t) {
  Tensor r(DType::kF32, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) r.data<float>()[i] = std::fabs(t.data<float>()[i]);
  return r;
}

/// Tolerance of the fast kernels against the reference. The reference sums each dot product in
/// double in index order and rounds once; the fast kernels sum in f32 in a blocked order (and may fuse
/// multiply-adds). For any summation order, the f32 result of a sum of `terms` products differs from the
/// exact sum by at most gamma_terms * S, gamma_n = n u / (1 - n u) ~ n u with u = 2^-24, where S is the sum of
/// the products' magnitudes (sum |x_i w_i| + |bias|); the reference is within u |exact| of it. We allow twice
/// that bound: |fast - ref| <= 2 (terms + 2) u S_i + u |ref_i|, with S_i computed by running the reference
/// on |inputs| ("magnitude"). This is a guaranteed bound, not a statistical guess, so the test cannot flake.
inline void expect_within_bound(const Tensor& fast, const Tensor& ref, const Tensor& magnitude, int64_t terms,
                                const std::string& what) {
  ASSERT_EQ(fast.shape(), ref.shape()) << what;
  ASSERT_EQ(magnitude.shape(), ref.shape()) << what;
  const double u = std::ldexp(1.0, -24);
  int bad = 0;
  for (int64_t i = 0; i < ref.numel() && bad < 5; ++i) {
    const double f = fast.data<float>()[i], r = ref.data<float>()[i], s = magnitude.data<float>()[i];
    const double tol = 2.0 * static_cast<double>(terms + 2) * u * s + u * std::fabs(r);
    if (!(std::fabs(f - r) <= tol)) {
      ADD_FAILURE() << what << ": element " << i << " fast " << f << " ref " << r << " |diff| " << std::fabs(f - r)
                    << " > bound " << tol;
      ++bad;
    }
  }
}

}  // namespace npukit::fasttest
