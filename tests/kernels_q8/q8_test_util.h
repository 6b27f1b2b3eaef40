// SPDX-License-Identifier: Apache-2.0
// Helpers for the kernels/q8 tests: seeded random codes / weights / multipliers, the list of tiers this machine
// runs (the others are printed as skipped), and a bit-for-bit comparison that names the first differing
// coordinate and the problem.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/q8/isa.h"
#include "kernels/ref/qkernels.h"
#include "quant/arith.h"

namespace npukit::q8test {

/// Tiers to test: every tier the CPU runs; the rest are reported once as skipped.
inline std::vector<q8::Isa> tiers() {
  static const std::vector<q8::Isa> t = [] {
    const std::vector<q8::Isa> av = q8::available_isas();
    for (q8::Isa i : {q8::Isa::kScalar, q8::Isa::kAvx2, q8::Isa::kAvxVnni, q8::Isa::kAvx512Vnni}) {
      bool have = false;
      for (q8::Isa a : av) have = have || a == i;
      std::cout << "[ q8 tier  ] " << q8::isa_name(i) << (have ? ": tested" : ": SKIPPED (not supported by this CPU)")
                << "\n";
    }
    return av;
  }();
  return t;
}

/// Random codes of an 8-bit dtype; about 1 in 8 is an extreme code (qmin / qmax).
inline Tensor random_codes(DType dt, Shape shape, std::mt19937& rng) {
  Tensor t(dt, std::move(shape));
  const int lo = dt == DType::kU8 ? 0 : -128, hi = dt == DType::kU8 ? 255 : 127;
  std::uniform_int_distribution<int> d(lo, hi), e(0, 15);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    const int v = k == 0 ? lo : (k == 1 ? hi : d(rng));
    if (dt == DType::kU8)
      t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
    else
      t.data<int8_t>()[i] = static_cast<int8_t>(v);
  }
  return t;
}

/// Random symmetric int8 weights in [-127, 127]; about 1 in 8 is +-127.
inline Tensor random_weights(Shape shape, std::mt19937& rng) {
  Tensor t(DType::kI8, std::move(shape));
  std::uniform_int_distribution<int> d(-127, 127), e(0, 15);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    t.data<int8_t>()[i] = static_cast<int8_t>(k == 0 ? -127 : (k == 1 ? 127 : d(rng)));
  }
  return t;
}

inline Tensor random_bias(int64_t n, int32_t mag, std::mt19937& rng) {
  Tensor t(DType::kI32, {n});
  std::uniform_int_distribution<int32_t> d(-mag, mag);
  for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = d(rng);
  return t;
}

/// Multipliers that map accumulators of K terms to a spread of output codes (so clamping and rounding are both
/// exercised): count 1 (per tensor) or count values (per channel).
inline std::vector<quant::QuantizedMultiplier> random_mults(int64_t count, int64_t k, std::mt19937& rng) {
  std::uniform_real_distribution<double> d(0.3, 3.0);
  std::vector<quant::QuantizedMultiplier> v;
  for (int64_t i = 0; i < count; ++i)
    v.push_back(quant::quantize_multiplier(d(rng) * 60.0 / (std::sqrt(static_cast<double>(k)) * 100.0 * 70.0)));
  return v;
}

/// Convolution geometry and input zero point from a test case with fields sh, sw, dh, dw, pt, pl, pb, pr, in_zp.
template <class Case>
qref::QConv2dParams conv_geometry(const Case& k, int64_t group) {
  qref::QConv2dParams p;
  p.group = group;
  p.stride_h = k.sh;
  p.stride_w = k.sw;
  p.dilation_h = k.dh;
  p.dilation_w = k.dw;
  p.pad_top = k.pt;
  p.pad_left = k.pl;
  p.pad_bottom = k.pb;
  p.pad_right = k.pr;
  p.input_zero_point = k.in_zp;
  return p;
}

inline int32_t code_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kU8: return t.data<uint8_t>()[i];
    case DType::kI16: return t.data<int16_t>()[i];
    case DType::kI32: return t.data<int32_t>()[i];
    default: return t.data<int8_t>()[i];
  }
}

/// Bit-for-bit comparison of two NCHW (or [M, N]) code tensors; reports the first few differences with their
/// coordinates and `problem`.
inline void expect_same_codes(const Tensor& got, const Tensor& want, const std::string& problem) {
  ASSERT_EQ(got.dtype(), want.dtype()) << problem;
  ASSERT_EQ(got.shape(), want.shape()) << problem;
  const Shape& s = want.shape();
  int bad = 0;
  for (int64_t i = 0; i < want.numel() && bad < 5; ++i) {
    const int32_t g = code_at(got, i), w = code_at(want, i);
    if (g == w) continue;
    std::string where;
    if (s.size() == 4) {
      const int64_t x = i % s[3], y = (i / s[3]) % s[2], c = (i / (s[3] * s[2])) % s[1], n = i / (s[3] * s[2] * s[1]);
      where = str_cat("(n,c,y,x)=(", n, ",", c, ",", y, ",", x, ")");
    } else if (s.size() == 2) {
      where = str_cat("(m,n)=(", i / s[1], ",", i % s[1], ")");
    } else {
      where = str_cat("flat ", i);
    }
    ADD_FAILURE() << problem << ": " << where << " got " << g << " want " << w;
    ++bad;
  }
}

}  // namespace npukit::q8test
