// SPDX-License-Identifier: Apache-2.0
#include "util/mnist.h"

#include <zlib.h>

namespace npukit::testing {

namespace {
uint32_t be32(const std::string& s, size_t off) {
  return (uint32_t(uint8_t(s[off])) << 24) | (uint32_t(uint8_t(s[off + 1])) << 16) |
         (uint32_t(uint8_t(s[off + 2])) << 8) | uint32_t(uint8_t(s[off + 3]));
}
}  // namespace

Expected<std::string> gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return make_error(ErrorCode::kNotFound, "cannot open ", path);
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  if (n < 0) return make_error(ErrorCode::kIoError, "corrupt gzip ", path);
  return out;
}

Tensor MnistTestSet::digit(uint32_t k) const {
  Tensor x(DType::kF32, {1, 1, 28, 28});
  for (int i = 0; i < 784; ++i)
    x.data<float>()[i] = static_cast<float>(static_cast<uint8_t>(images[16 + size_t{k} * 784 + i]));
  return x;
}

Expected<MnistTestSet> load_mnist_test_set(const std::string& mnist_dir) {
  MnistTestSet s;
  NPUKIT_ASSIGN_OR_RETURN(s.images, gunzip_file(mnist_dir + "/data/t10k-images-idx3-ubyte.gz"));
  NPUKIT_ASSIGN_OR_RETURN(s.labels, gunzip_file(mnist_dir + "/data/t10k-labels-idx1-ubyte.gz"));
  if (s.images.size() < 16 || s.labels.size() < 8 || be32(s.images, 0) != 2051u || be32(s.labels, 0) != 2049u)
    return make_error(ErrorCode::kInvalidModel, "MNIST files under ", mnist_dir, " have bad IDX headers");
  s.count = be32(s.images, 4);
  if (be32(s.images, 8) != 28u || be32(s.images, 12) != 28u || be32(s.labels, 4) != s.count ||
      s.images.size() != 16u + size_t{s.count} * 784u || s.labels.size() != 8u + s.count)
    return make_error(ErrorCode::kInvalidModel, "MNIST files under ", mnist_dir, " have inconsistent sizes");
  return s;
}

}  // namespace npukit::testing
