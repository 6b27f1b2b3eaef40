// SPDX-License-Identifier: Apache-2.0
// npk (internal): the pieces of the .npk container shared by the writer (npk_writer.cpp) and the reader
// (npk_file.cpp): header layout constants, little-endian fields, CRC-32, and the format's shape / attribute
// checks. docs/MODEL_FORMAT.md describes the layout.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "npk/npk_file.h"

namespace npukit::npk::file_detail {

// ---- header layout (docs/MODEL_FORMAT.md, "Header") ----
inline constexpr uint8_t kMagic[4] = {'N', 'P', 'U', 'K'};
inline constexpr size_t kOffMagic = 0;
inline constexpr size_t kOffMajor = 4;
inline constexpr size_t kOffMinor = 8;
inline constexpr size_t kOffHeaderBytes = 12;
inline constexpr size_t kOffFlags = 16;
inline constexpr size_t kOffSectionCount = 20;
inline constexpr size_t kOffFileCrc = 24;
inline constexpr size_t kOffParamsCrc = 28;
inline constexpr size_t kOffFileBytes = 32;
inline constexpr size_t kFixedHeaderBytes = 64;   ///< bytes 40..63 reserved (zero)
inline constexpr size_t kSectionEntryBytes = 24;  ///< u32 kind, u32 reserved, u64 offset, u64 bytes
inline constexpr uint32_t kSectionMetadata = 1;
inline constexpr uint32_t kSectionWeights = 2;
inline constexpr uint32_t kMaxSections = 64;
inline constexpr uint64_t kAlign = 64;
/// Deepest subgraph nesting the reader accepts (the FlatBuffers verifier's depth limit is lower anyway).
inline constexpr int kMaxGraphDepth = 32;

inline uint64_t align_up(uint64_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

inline void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
inline uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

inline uint32_t crc_update(uint32_t crc, const uint8_t* p, size_t n) {
  return static_cast<uint32_t>(crc32_z(crc, p, n));
}

/// CRC-32 of the whole file with the file-CRC field taken as four zero bytes.
inline uint32_t file_crc(const uint8_t* p, size_t n) {
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  uint32_t c = crc_update(0, nullptr, 0);
  c = crc_update(c, p, kOffFileCrc);
  c = crc_update(c, kZero, 4);
  return crc_update(c, p + kOffFileCrc + 4, n - kOffFileCrc - 4);
}

inline std::string hex32(uint32_t v) {
  static const char* kDigits = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 7; i >= 0; --i) s += kDigits[(v >> (4 * i)) & 15];
  return s;
}

template <class... Args>
inline Status meta_error(const Args&... args) {
  return make_error(ErrorCode::kInvalidModel, ".npk metadata: ", args...);
}
template <class... Args>
inline Status bad(const Args&... args) {
  return make_error(ErrorCode::kInvalidModel, args...);
}

/// Shape rules of the format: rank <= kMaxRank, dims >= 0, element count within kMaxTensorElements.
inline Status check_shape(const Shape& s, const std::string& where) {
  if (s.size() > kMaxRank) return bad(where, ": rank ", s.size(), " exceeds the limit ", kMaxRank);
  for (size_t d = 0; d < s.size(); ++d)
    if (s[d] < 0) return bad(where, ": dim ", d, " is negative (", s[d], ")");
  auto n = checked_numel(s);
  if (!n.ok()) return bad(where, ": ", n.status().message());
  return Status::Ok();
}

/// An attribute named in the op's schema must have the schema's kind (ints for floats and int for float
/// are accepted, as normalize_attrs does).
inline Status check_attr_kind(const ir::OpInfo& info, const std::string& name, const AttrValue& v,
                              const std::string& where) {
  for (const ir::AttrSpec& spec : info.attrs()) {
    if (name != spec.name) continue;
    const AttrType got = attr_value_type(v);
    const bool convertible = (spec.type == AttrType::kFloat && got == AttrType::kInt) ||
                             (spec.type == AttrType::kFloats && got == AttrType::kInts);
    if (got != spec.type && !convertible)
      return bad(where, ": attribute '", name, "' must be ", attr_type_name(spec.type), ", got ", attr_type_name(got));
  }
  return Status::Ok();
}

/// Bool tensors hold bytes 0 or 1 only.
inline Status check_bool_data(const Tensor& t, const std::string& where) {
  if (t.dtype() != DType::kBool || t.nbytes() == 0) return Status::Ok();
  const auto* b = static_cast<const uint8_t*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i)
    if (b[i] > 1) return bad(where, ": bool element ", i, " holds ", static_cast<int>(b[i]), " (not 0 or 1)");
  return Status::Ok();
}

inline bool dtype_in_range(DType t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(DType::kString);
}

/// Serializes a model into .npk bytes (npk_writer.cpp). `checked`: apply the reader's graph rules while writing
/// (off only for tests of the reader).
Expected<std::vector<uint8_t>> write_npk_bytes(const NpkModel& m, NpkFileInfo* info, bool checked);

}  // namespace npukit::npk::file_detail
