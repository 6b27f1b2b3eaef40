// SPDX-License-Identifier: Apache-2.0
// npukit core: file helpers. Every output file is written atomically (temp file + rename), so a
// failed run never leaves a half-written file or destroys the previous one.
#pragma once

#include <string>

#include "core/status.h"

namespace npukit {

/// Reads a whole file. kNotFound if it does not exist, kIoError if unreadable, kOutOfRange if larger than max_bytes.
Expected<std::string> read_file(const std::string& path, size_t max_bytes = size_t{1} << 34);
/// Writes `data` to `path` atomically: writes `path.tmp.<pid>` in the same folder, fsyncs, renames.
/// Creates missing parent folders.
Status atomic_write_file(const std::string& path, const std::string& data);
/// Directory part of a path ("." if none).
std::string dir_name(const std::string& path);
/// File name without folders.
std::string base_name(const std::string& path);

}  // namespace npukit
