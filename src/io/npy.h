// SPDX-License-Identifier: Apache-2.0
// io: NumPy .npy files (format versions 1.0, 2.0 and 3.0; little-endian; C order).
#pragma once

#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::io {

/// Parses .npy bytes. Supported dtypes: f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1 (little-endian or
/// byte-order-free). `name` is used in messages. Errors: malformed header → kInvalidArgument,
/// big-endian / fortran_order / unknown dtype → kUnsupportedAttr, hostile shape → kOutOfRange,
/// data shorter or longer than the shape says → kIoError.
Expected<Tensor> parse_npy(const std::string& bytes, const std::string& name = "<memory>");
/// Reads a .npy file.
Expected<Tensor> load_npy(const std::string& path);
/// Serialises a tensor as .npy (version 1.0, or 2.0 if the header needs it). Bool is written as |b1.
Expected<std::string> serialize_npy(const Tensor& t);
/// Writes a .npy file atomically.
Status save_npy(const std::string& path, const Tensor& t);

}  // namespace npukit::io
