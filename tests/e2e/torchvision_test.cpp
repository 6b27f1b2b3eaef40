// SPDX-License-Identifier: Apache-2.0
// e2e tier: the torchvision classics (MobileNetV2, ResNet-18/50, EfficientNet-B0, ShuffleNetV2),
// exported by Debian's PyTorch with seeded random weights, run through import + resolve + the float
// reference interpreter and compared with PyTorch's own output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "io/npy.h"
#include "util/compare.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

std::string export_dir() {
  return std::string(NPUKIT_BINARY_DIR) + "/e2e_torchvision";
}

class Torchvision : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    if (std::system("/usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1") != 0) {
      skip_reason_ = "Debian python3-torch / python3-torchvision not installed (scripts/setup.sh --e2e installs them)";
      return;
    }
    std::string cmd =
        "/usr/bin/python3 " + std::string(NPUKIT_SOURCE_DIR) + "/tests/e2e/export_torchvision.py " + export_dir();
    if (std::system(cmd.c_str()) != 0) export_failed_ = true;
  }
  static inline std::string skip_reason_;
  static inline bool export_failed_ = false;
};

TEST_P(Torchvision, MatchesPyTorch) {
  if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  ASSERT_FALSE(export_failed_) << "export_torchvision.py failed";
  const std::string base = export_dir() + "/" + GetParam();
  auto x = io::load_npy(base + ".input.npy");
  auto want = io::load_npy(base + ".output.npy");
  ASSERT_TRUE(x.ok() && want.ok());
  auto model = testing::load_resolved(base + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  auto got = testing::run_reference(*model, {*x});
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 1u);
  double scale = 0;
  for (int64_t i = 0; i < want->numel(); ++i) scale = std::max(scale, std::fabs(want->get_as_double(i)));
  // Both sides compute in f32 but sum in different orders (PyTorch uses blocked GEMMs) through up to
  // ~50 layers; 1e-4 of the output's magnitude absolute, 1e-3 relative, covers that and nothing more.
  std::string diff = testing::compare_tensors((*got)[0], *want, 1e-3, 1e-4 * scale);
  std::cout << GetParam() << ": max abs diff " << testing::max_abs_diff((*got)[0], *want) << " (output scale " << scale
            << ")\n";
  EXPECT_EQ(diff, "");
}

INSTANTIATE_TEST_SUITE_P(Classics, Torchvision,
                         ::testing::Values("mobilenet_v2", "resnet18", "resnet50", "efficientnet_b0",
                                           "shufflenet_v2_x1_0"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace npukit
