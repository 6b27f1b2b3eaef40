// SPDX-License-Identifier: Apache-2.0
// Robustness of the int8 CPU runtime under load (issue: "perf with 8 threads x 10,000 frames completes with
// identical outputs and no growth in memory"): `npukit exec perf` on real models, 8 inference threads,
// 10,000 frames. perf itself fails when any frame's outputs differ from the first frame's; here we also check
// that at most one execution context per thread was created and that resident memory does not grow between
// 10 % of the frames (every context exists by then) and the end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "util/cli_fixture.h"
#include "util/model_runner.h"

namespace npukit {
namespace {

class RuntimeRobustness : public testing::CliTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RuntimeRobustness, EightThreadsTenThousandFrames) {
  const std::string model = testing::shared_model_path(GetParam());
  if (model.empty()) GTEST_SKIP() << "../shared/models/" << GetParam() << " not found: skipping";
  auto c = npukit("compile --fast-perf --model '" + model + "' --march nash-e --no-progress");
  ASSERT_EQ(c.rc, 0) << c.out << c.err;
  auto r = npukit(
      "exec perf --model_file model_output/model.npk --thread_num 8 --frame_count 10000 --output_json perf.json");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(testing::slurp(dir_ / "perf.json"));
  EXPECT_TRUE(j["outputs_identical"].get<bool>());
  EXPECT_EQ(j["frame_count"].get<int64_t>(), 10000);
  EXPECT_LE(j["execution_contexts"].get<int64_t>(), 8) << "contexts are reused, at most one per thread";
  const int64_t mid = j["rss_bytes"]["at_10_percent"].get<int64_t>();
  const int64_t after = j["rss_bytes"]["after"].get<int64_t>();
  ASSERT_GT(mid, 0) << "resident memory not measurable here";
  // 9,000 frames of steady state: any per-frame leak of even 100 bytes would show as > 0.8 MiB.
  EXPECT_LE(after - mid, int64_t{512} << 10) << "resident memory grew from " << mid << " to " << after << " bytes\n"
                                             << r.out;
}

INSTANTIATE_TEST_SUITE_P(Models, RuntimeRobustness, ::testing::Values("mnist-8/model.onnx", "squeezenet1.1/model.onnx"),
                         [](const auto& info) { return std::string(info.index == 0 ? "mnist8" : "squeezenet11"); });

}  // namespace
}  // namespace npukit
