// SPDX-License-Identifier: Apache-2.0
// Test helper: writes tiny 24-bit BMP files with exactly known pixels (no encoder, no loss).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npukit::testing {

struct Rgb {
  uint8_t r, g, b;
};

/// A 24-bit uncompressed BMP (bottom-up rows, BGR, rows padded to 4 bytes); `px` is given top row
/// first, w * h entries.
inline std::string make_bmp(int w, int h, const std::vector<Rgb>& px) {
  const int row = (w * 3 + 3) / 4 * 4;
  const uint32_t data_size = static_cast<uint32_t>(row * h), file_size = 54 + data_size;
  std::string s;
  auto u16 = [&](uint32_t v) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>(v >> 8));
  };
  auto u32 = [&](uint32_t v) {
    u16(v & 0xffff);
    u16(v >> 16);
  };
  s += "BM";
  for (uint32_t v : {file_size, 0u, 54u, 40u, static_cast<uint32_t>(w), static_cast<uint32_t>(h)}) u32(v);
  u16(1);   // planes
  u16(24);  // bits per pixel
  for (uint32_t v : {0u, data_size, 2835u, 2835u, 0u, 0u}) u32(v);
  for (int y = h - 1; y >= 0; --y) {
    for (int x = 0; x < w; ++x) {
      const Rgb& p = px[static_cast<size_t>(y * w + x)];
      s.push_back(static_cast<char>(p.b));
      s.push_back(static_cast<char>(p.g));
      s.push_back(static_cast<char>(p.r));
    }
    s.append(static_cast<size_t>(row - w * 3), '\0');
  }
  return s;
}

}  // namespace npukit::testing
