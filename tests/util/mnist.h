// SPDX-License-Identifier: Apache-2.0
// Test helper: the real MNIST test set shipped with ../shared/models/mnist-8 (gzip'd IDX files).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::testing {

/// The 10,000 MNIST test digits and labels, validated (IDX magic numbers, 28x28, sizes).
struct MnistTestSet {
  uint32_t count = 0;
  std::string images;  ///< IDX3 bytes (16-byte header, then count * 784 pixels)
  std::string labels;  ///< IDX1 bytes (8-byte header, then count labels)

  /// Digit k as f32[1,1,28,28] with raw 0..255 pixels, as mnist-8 expects (shared/README.md).
  Tensor digit(uint32_t k) const;
  int label(uint32_t k) const { return static_cast<uint8_t>(labels[8 + k]); }
};

/// Reads gzip'd bytes (zlib).
Expected<std::string> gunzip_file(const std::string& path);

/// Loads <mnist_dir>/data/t10k-{images-idx3,labels-idx1}-ubyte.gz.
Expected<MnistTestSet> load_mnist_test_set(const std::string& mnist_dir);

}  // namespace npukit::testing
