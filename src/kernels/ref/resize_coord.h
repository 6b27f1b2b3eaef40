// SPDX-License-Identifier: Apache-2.0
// kernels/ref: ONNX Resize's coordinate transformation (output coordinate -> input coordinate) for every mode
// but tf_crop_and_resize, shared by the reference Resize and kernels/fast's Resize so both map coordinates
// with the same operations in the same order (nearest-mode ties then resolve identically).
#pragma once

#include <cstdint>
#include <string>

namespace npukit::ref {

/// The input coordinate of output coordinate `xr` along one axis: `scale` is the axis' scale, `len_in` its
/// input length, `len_resized` = len_in * scale (or the output length when sizes were given), `out_len` its
/// output length. Unknown mode names are half_pixel (the ONNX default).
inline double resize_source_coord(const std::string& ctm, double xr, double scale, double len_in, double len_resized,
                                  int64_t out_len) {
  if (ctm == "align_corners") return len_resized == 1 ? 0.0 : xr * (len_in - 1) / (len_resized - 1);
  if (ctm == "asymmetric") return xr / scale;
  if (ctm == "tf_half_pixel_for_nn") return (xr + 0.5) / scale;
  if (ctm == "pytorch_half_pixel") return len_resized == 1 ? -0.5 : (xr + 0.5) / scale - 0.5;
  if (ctm == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out_len) / len_resized;
    const double center = len_in / 2;
    const double offset = center * (1 - adjustment);
    return offset + (xr + 0.5) / scale - 0.5;
  }
  return (xr + 0.5) / scale - 0.5;  // half_pixel
}

}  // namespace npukit::ref
