// SPDX-License-Identifier: Apache-2.0
// npukit quant: reproducible random calibration data for `calibration_type: skip` — see calib.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>

#include "quant/calib.h"

namespace npukit::quant {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator with a full 2^64 period whose output is
// fully specified by the algorithm, unlike std::*_distribution.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Produces the real-valued stream (before dtype conversion).
class ValueStream {
 public:
  ValueStream(uint64_t seed, const RandomSpec& spec) : rng_(seed), spec_(spec) {}
  double next() {
    if (spec_.dist == RandomDist::kUniform) return spec_.a + (spec_.b - spec_.a) * rng_.uniform01();
    // Box-Muller, both outputs used in turn. u1 in (0, 1] keeps log finite.
    if (has_spare_) {
      has_spare_ = false;
      return spec_.a + spec_.b * spare_;
    }
    const double u1 = 1.0 - rng_.uniform01();
    const double u2 = rng_.uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double th = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(th);
    has_spare_ = true;
    return spec_.a + spec_.b * r * std::cos(th);
  }
  SplitMix64& rng() { return rng_; }

 private:
  SplitMix64 rng_;
  RandomSpec spec_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

template <class T>
Status fill_float(Tensor& t, ValueStream& vs, const RandomSpec& spec) {
  T* p = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    T v = static_cast<T>(vs.next());
    // Rounding double -> float can land exactly on the excluded upper bound.
    if (spec.dist == RandomDist::kUniform && static_cast<double>(v) >= spec.b) {
      v = std::nextafter(static_cast<T>(spec.b), static_cast<T>(spec.a));
    }
    p[i] = v;
  }
  return Status::Ok();
}

template <class T>
Status fill_int(Tensor& t, ValueStream& vs, const RandomSpec& spec) {
  const double tmin = static_cast<double>(std::numeric_limits<T>::min());
  const double tmax = static_cast<double>(std::numeric_limits<T>::max());
  T* p = t.data<T>();
  if (spec.dist == RandomDist::kUniform) {
    // Integers in [a, b), i.e. [ceil(a), ceil(b) - 1], clamped to the dtype.
    const double lo = std::max(std::ceil(spec.a), tmin);
    const double hi = std::min(std::ceil(spec.b) - 1.0, tmax);
    if (!(lo <= hi)) {
      return make_error(ErrorCode::kInvalidArgument, "random calibration data: no ", dtype_name(t.dtype()),
                        " integer in [", spec.a, ", ", spec.b, ")");
    }
    // Span as unsigned (up to 2^64 - 1 + 1 wraps to 0 meaning "all 2^64 values").
    const long double span_ld = static_cast<long double>(hi) - static_cast<long double>(lo) + 1.0L;
    const bool full = span_ld >= 18446744073709551616.0L;
    const uint64_t span = full ? 0 : static_cast<uint64_t>(span_ld);
    for (int64_t i = 0; i < t.numel(); ++i) {
      const uint64_t r = vs.rng().next();
      // Multiply-high maps r to [0, span) deterministically (bias < span / 2^64, irrelevant here).
      const uint64_t off = full ? r : static_cast<uint64_t>((static_cast<unsigned __int128>(r) * span) >> 64);
      if constexpr (std::is_signed_v<T>) {
        p[i] = static_cast<T>(static_cast<int64_t>(lo) + static_cast<int64_t>(off));
      } else {
        p[i] = static_cast<T>(static_cast<uint64_t>(lo) + off);
      }
    }
    return Status::Ok();
  }
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = std::clamp(std::round(vs.next()), tmin, tmax);
    // tmax of (u)int64 is not representable as double; clamp() can return 2^63 / 2^64.
    if (v >= tmax) {
      p[i] = std::numeric_limits<T>::max();
    } else {
      p[i] = static_cast<T>(v);
    }
  }
  return Status::Ok();
}

}  // namespace

Expected<Tensor> random_calibration_tensor(DType dtype, const Shape& shape, uint64_t seed, const RandomSpec& spec) {
  if (!std::isfinite(spec.a) || !std::isfinite(spec.b)) {
    return make_error(ErrorCode::kInvalidArgument, "random calibration data: parameters must be finite");
  }
  if (spec.dist == RandomDist::kUniform && !(spec.a < spec.b)) {
    return make_error(ErrorCode::kInvalidArgument, "random calibration data: uniform needs a < b, got [", spec.a, ", ",
                      spec.b, ")");
  }
  if (spec.dist == RandomDist::kNormal && !(spec.b >= 0.0)) {
    return make_error(ErrorCode::kInvalidArgument, "random calibration data: normal stddev must be >= 0, got ", spec.b);
  }
  if (dtype_size(dtype) == 0) {
    return make_error(ErrorCode::kUnsupportedAttr, "random calibration data: dtype ", dtype_name(dtype),
                      " is not supported");
  }
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dtype, shape));
  ValueStream vs(seed, spec);
  switch (dtype) {
    case DType::kF32: NPUKIT_RETURN_IF_ERROR(fill_float<float>(t, vs, spec)); break;
    case DType::kF64: NPUKIT_RETURN_IF_ERROR(fill_float<double>(t, vs, spec)); break;
    case DType::kF16: {
      Tensor f(DType::kF32, shape);
      NPUKIT_RETURN_IF_ERROR(fill_float<float>(f, vs, spec));
      uint16_t* p = t.data<uint16_t>();
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = f32_to_f16(f.data<float>()[i]);
      break;
    }
    case DType::kI8: NPUKIT_RETURN_IF_ERROR(fill_int<int8_t>(t, vs, spec)); break;
    case DType::kU8: NPUKIT_RETURN_IF_ERROR(fill_int<uint8_t>(t, vs, spec)); break;
    case DType::kI16: NPUKIT_RETURN_IF_ERROR(fill_int<int16_t>(t, vs, spec)); break;
    case DType::kU16: NPUKIT_RETURN_IF_ERROR(fill_int<uint16_t>(t, vs, spec)); break;
    case DType::kI32: NPUKIT_RETURN_IF_ERROR(fill_int<int32_t>(t, vs, spec)); break;
    case DType::kU32: NPUKIT_RETURN_IF_ERROR(fill_int<uint32_t>(t, vs, spec)); break;
    case DType::kI64: NPUKIT_RETURN_IF_ERROR(fill_int<int64_t>(t, vs, spec)); break;
    case DType::kU64: NPUKIT_RETURN_IF_ERROR(fill_int<uint64_t>(t, vs, spec)); break;
    case DType::kBool: {
      uint8_t* p = t.data<uint8_t>();
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<uint8_t>(vs.rng().next() >> 63);
      break;
    }
    default:
      return make_error(ErrorCode::kUnsupportedAttr, "random calibration data: dtype ", dtype_name(dtype),
                        " is not supported");
  }
  return t;
}

}  // namespace npukit::quant
