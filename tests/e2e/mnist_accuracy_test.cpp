// SPDX-License-Identifier: Apache-2.0
// e2e tier: mnist-8 on the 10,000 real MNIST test digits (IDX format, gzip) must score exactly the
// documented 98.91% top-1 with the float reference interpreter.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "util/mnist.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

TEST(MnistE2E, ScoresDocumentedAccuracyOn10kDigits) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  auto mnist = testing::load_mnist_test_set(dir);
  ASSERT_TRUE(mnist.ok()) << mnist.status().to_string();
  const uint32_t count = mnist->count;
  ASSERT_EQ(count, 10000u);

  auto model = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  int correct = 0;
  for (uint32_t k = 0; k < count; ++k) {
    auto out = testing::run_reference(*model, {mnist->digit(k)});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    const float* logits = (*out)[0].data<float>();
    int pred = static_cast<int>(std::max_element(logits, logits + 10) - logits);
    if (pred == mnist->label(k)) ++correct;
  }
  double acc = 100.0 * correct / count;
  std::cout << "mnist-8 float reference: " << correct << "/" << count << " = " << acc << "%\n";
  EXPECT_EQ(correct, 9891);
}

}  // namespace
}  // namespace npukit
