// SPDX-License-Identifier: Apache-2.0
// npk: reading and writing .npk files (FlatBuffers schema npk/npk.fbs, layout in docs/MODEL_FORMAT.md).
// The reader validates every offset, size, index and CRC before use: a corrupted, truncated or foreign file
// is a clear kInvalidModel error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "npk/npk_model.h"

namespace npukit::npk {

/// Facts about a file that model_info prints without decoding everything.
struct NpkFileInfo {
  uint32_t format_major = 0, format_minor = 0;
  uint64_t file_bytes = 0;
  uint32_t file_crc32 = 0;    ///< CRC-32 of the whole file with the CRC field itself zeroed
  uint32_t params_crc32 = 0;  ///< CRC-32 of the weights section
  uint64_t weights_bytes = 0;
};

/// Serialises a model (weights 64-byte aligned in their own section, CRCs filled in).
Expected<std::vector<uint8_t>> serialize_npk(const NpkModel& m, NpkFileInfo* info = nullptr);
/// Parses and validates bytes produced by serialize_npk.
Expected<NpkModel> deserialize_npk(const std::vector<uint8_t>& bytes, NpkFileInfo* info = nullptr);
/// File versions of the two (write is atomic: temp file + rename).
Status write_npk(const NpkModel& m, const std::string& path, NpkFileInfo* info = nullptr);
Expected<NpkModel> read_npk(const std::string& path, NpkFileInfo* info = nullptr);

}  // namespace npukit::npk
