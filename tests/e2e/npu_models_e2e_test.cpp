// SPDX-License-Identifier: Apache-2.0
// NPU compiler on real models (e2e tier): every model of ../shared/models that quantizes, and the torchvision
// models exported for the peer benchmarks (bench/compile_peers.sh; folder NPUKIT_PEERS_DIR, default
// ~/npukit-peers/models), is quantized (max calibration on random samples: the values do not matter here),
// compiled for `tiny` (96 KiB SRAM: deep tiling, K splits) and `nash-e`, and run on the NPU simulator; the
// outputs must be bit-identical to the reference interpreter on the same integer graph; so must the int8 CPU
// runtime's (runtime/runtime.h) on the nash-e model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "interp/interpreter.h"
#include "march/march.h"
#include "runtime/runtime.h"
#include "util/int_model.h"
#include "util/model_runner.h"
#include "util/npu_model_cases.h"

namespace npukit {
namespace {

using testing::ModelCase;

class NpuModelsE2E : public ::testing::TestWithParam<ModelCase> {};

TEST_P(NpuModelsE2E, SimulatorIsBitExactWithReference) {
  const ModelCase& c = GetParam();
  std::string why;
  const std::string path = testing::model_case_path(c, &why);
  if (path.empty()) GTEST_SKIP() << why;
  auto im = testing::integer_model_of_case(c, path);
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
    if (std::string(name) != "nash-e") continue;
    // The int8 CPU runtime on the same compiled model: bit-exact with the reference interpreter too.
    auto rt = runtime::Runtime::create(std::move(r.model));
    ASSERT_TRUE(rt.ok()) << rt.status().message();
    const ir::Graph& g = (*rt)->model().model.graph;
    const std::vector<Tensor> in = testing::random_inputs(g, 9);
    auto want = interp::Interpreter(g).run(in);
    ASSERT_TRUE(want.ok()) << want.status().message();
    auto got = (*rt)->run(in);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < got->size(); ++i) {
      ASSERT_EQ((*got)[i].nbytes(), (*want)[i].nbytes());
      EXPECT_EQ(std::memcmp((*got)[i].raw(), (*want)[i].raw(), (*got)[i].nbytes()), 0)
          << c.name << ": runtime output " << i << " differs from the reference";
    }
    std::printf("[ npu e2e ] %s: int8 CPU runtime bit-exact (%lld nodes on q8 kernels)\n", c.name.c_str(),
                static_cast<long long>((*rt)->fast_nodes()));
  }
}

INSTANTIATE_TEST_SUITE_P(Models, NpuModelsE2E, ::testing::ValuesIn(testing::npu_model_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace npukit
