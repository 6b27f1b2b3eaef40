// SPDX-License-Identifier: Apache-2.0
// e2e tier: mnist-8 on the 10,000 real MNIST test digits (IDX format, gzip) must score exactly the
// documented 98.91% top-1 with the float reference interpreter.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <iostream>

#include "util/model_runner.h"

namespace npukit {
namespace {

Expected<std::string> gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return make_error(ErrorCode::kIoError, "cannot open ", path);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  if (n < 0) return make_error(ErrorCode::kIoError, "corrupt gzip ", path);
  return out;
}

uint32_t be32(const std::string& s, size_t off) {
  return (uint32_t(uint8_t(s[off])) << 24) | (uint32_t(uint8_t(s[off + 1])) << 16) |
         (uint32_t(uint8_t(s[off + 2])) << 8) | uint32_t(uint8_t(s[off + 3]));
}

TEST(MnistE2E, ScoresDocumentedAccuracyOn10kDigits) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  auto images = gunzip_file(dir + "/data/t10k-images-idx3-ubyte.gz");
  auto labels = gunzip_file(dir + "/data/t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(images.ok() && labels.ok());
  ASSERT_EQ(be32(*images, 0), 2051u);  // IDX magic: unsigned byte, 3 dims
  ASSERT_EQ(be32(*labels, 0), 2049u);
  const uint32_t count = be32(*images, 4);
  ASSERT_EQ(count, 10000u);
  ASSERT_EQ(be32(*images, 8), 28u);
  ASSERT_EQ(be32(*images, 12), 28u);
  ASSERT_EQ(images->size(), 16u + count * 784u);

  auto model = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  int correct = 0;
  for (uint32_t k = 0; k < count; ++k) {
    Tensor x(DType::kF32, {1, 1, 28, 28});
    for (int i = 0; i < 784; ++i)  // raw 0..255, as the model expects (shared/README.md)
      x.data<float>()[i] = static_cast<float>(static_cast<uint8_t>((*images)[16 + k * 784 + i]));
    auto out = testing::run_reference(*model, {x});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    const float* logits = (*out)[0].data<float>();
    int pred = static_cast<int>(std::max_element(logits, logits + 10) - logits);
    if (pred == static_cast<uint8_t>((*labels)[8 + k])) ++correct;
  }
  double acc = 100.0 * correct / count;
  std::cout << "mnist-8 float reference: " << correct << "/" << count << " = " << acc << "%\n";
  EXPECT_EQ(correct, 9891);
}

}  // namespace
}  // namespace npukit
