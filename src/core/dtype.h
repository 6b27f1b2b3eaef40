// SPDX-License-Identifier: Apache-2.0
// npukit core: element types and their host representations.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace npukit {

/// Element type of a tensor. Values match nothing external; the frontend maps ONNX types explicitly.
enum class DType : uint8_t {
  kUndefined = 0,
  kF32,
  kF16,  ///< IEEE half, stored as uint16_t bits (see f16_to_f32 / f32_to_f16)
  kF64,  ///< accepted at the boundary (Cast, model I/O); no compute kernels
  kI8,
  kU8,
  kI16,
  kU16,
  kI32,
  kU32,
  kI64,
  kU64,
  kBool,    ///< stored as one byte, 0 or 1
  kString,  ///< only recognised so the frontend can reject it by name
};

/// Bytes per element (0 for kUndefined / kString).
size_t dtype_size(DType t);
/// Lower-case short name: "f32", "i64", "bool" ...
const char* dtype_name(DType t);
/// Parses dtype_name() output; returns kUndefined for unknown names.
DType dtype_from_name(const std::string& name);
bool dtype_is_float(DType t);    ///< f16, f32, f64
bool dtype_is_integer(DType t);  ///< signed or unsigned integer types (not bool)

/// Maps a C++ type to its DType at compile time (float → kF32, int64_t → kI64, ...).
template <class T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::kF32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::kF64;
};
template <>
struct DTypeOf<int8_t> {
  static constexpr DType value = DType::kI8;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::kU8;
};
template <>
struct DTypeOf<int16_t> {
  static constexpr DType value = DType::kI16;
};
template <>
struct DTypeOf<uint16_t> {
  static constexpr DType value = DType::kU16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::kI32;
};
template <>
struct DTypeOf<uint32_t> {
  static constexpr DType value = DType::kU32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::kI64;
};
template <>
struct DTypeOf<uint64_t> {
  static constexpr DType value = DType::kU64;
};
template <>
struct DTypeOf<bool> {
  static constexpr DType value = DType::kBool;
};

/// IEEE-754 binary16 <-> binary32, round-to-nearest-even, handles inf/nan/subnormals.
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace npukit
