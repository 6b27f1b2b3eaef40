// SPDX-License-Identifier: Apache-2.0
// NPU compiler on real models (e2e tier): every model of ../shared/models that quantizes, and the torchvision
// models exported for the peer benchmarks (bench/compile_peers.sh; folder NPUKIT_PEERS_DIR, default
// ~/npukit-peers/models), is quantized (max calibration on random samples: the values do not matter here),
// compiled for `tiny` (96 KiB SRAM: deep tiling, K splits) and `nash-e`, and run on the NPU simulator; the
// outputs must be bit-identical to the reference interpreter on the same integer graph.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "march/march.h"
#include "util/int_model.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;

struct ModelCase {
  std::string name;  ///< test name
  std::string path;  ///< "shared:<relative>" or "peers:<file>"
  std::map<std::string, Shape> shapes;
};

void PrintTo(const ModelCase& c, std::ostream* os) {
  *os << c.name;
}

std::string peers_dir() {
  if (const char* d = std::getenv("NPUKIT_PEERS_DIR")) return d;
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + "/npukit-peers/models" : "";
}

std::vector<ModelCase> cases() {
  return {
      {"mnist8", "shared:mnist-8/model.onnx", {}},
      {"squeezenet11", "shared:squeezenet1.1/model.onnx", {}},
      {"super_resolution", "shared:super-resolution-10/model.onnx", {{"input", {1, 1, 224, 224}}}},
      {"ultraface", "shared:ultraface-rfb-320/model.onnx", {}},
      {"ppocr_det", "shared:ppocr-v4/det.onnx", {{"x", {1, 3, 320, 320}}}},
      {"ppocr_cls", "shared:ppocr-v4/cls.onnx", {{"x", {1, 3, 48, 192}}}},
      {"ppocr_rec", "shared:ppocr-v4/rec.onnx", {{"x", {1, 3, 48, 320}}}},
      {"resnet18", "peers:resnet18.onnx", {}},
      {"mobilenet_v2", "peers:mobilenet_v2.onnx", {}},
      {"mobilenet_v2_cifar10", "peers:mobilenet_v2_cifar10.onnx", {}},
      {"shufflenet_v2", "peers:shufflenet_v2_x1_0.onnx", {}},
      {"efficientnet_b0", "peers:efficientnet_b0.onnx", {}},
      {"squeezenet1_1_tv", "peers:squeezenet1_1.onnx", {}},
      {"resnet50", "peers:resnet50.onnx", {}},
  };
}

class NpuModelsE2E : public ::testing::TestWithParam<ModelCase> {};

TEST_P(NpuModelsE2E, SimulatorIsBitExactWithReference) {
  const ModelCase& c = GetParam();
  std::string path;
  if (c.path.rfind("shared:", 0) == 0) {
    path = testing::shared_model_path(c.path.substr(7));
    if (path.empty()) GTEST_SKIP() << "../shared/models/" << c.path.substr(7) << " not found: skipping";
  } else {
    path = peers_dir() + "/" + c.path.substr(6);
    if (!fs::exists(path))
      GTEST_SKIP() << path << " not found: export the peer models (bench/compile_peers.sh) or set NPUKIT_PEERS_DIR";
  }
  auto fm = testing::load_resolved(path, c.shapes);
  ASSERT_TRUE(fm.ok()) << fm.status().message();
  auto im = testing::quantize_to_integer(std::move(fm).value(), 3, 1);
  ASSERT_TRUE(im.ok()) << im.status().message();
  for (const char* name : {"tiny", "nash-e"}) {
    SCOPED_TRACE(name);
    auto m = march::load_march(name);
    ASSERT_TRUE(m.ok());
    npu::NpuOptions o;
    o.optimize_level = 2;
    o.jobs = 2;
    o.core_num = m->cores;
    testing::SimCheck r = testing::expect_sim_bit_exact(*im, *m, o, 5, 1);
    EXPECT_GT(r.npu_nodes, 0) << "no node of " << c.name << " was placed on the NPU";
    std::printf("[ npu e2e ] %s on %s: %lld NPU nodes, %lld commands, est %lld cycles, %lld DDR bytes\n",
                c.name.c_str(), name, static_cast<long long>(r.npu_nodes), static_cast<long long>(r.commands),
                static_cast<long long>(r.est_cycles), static_cast<long long>(r.ddr_bytes));
  }
}

INSTANTIATE_TEST_SUITE_P(Models, NpuModelsE2E, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace npukit
