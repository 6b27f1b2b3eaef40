// SPDX-License-Identifier: Apache-2.0
// Static performance estimate on real models (e2e tier): for every shared and torchvision model
// (util/npu_model_cases.h), compiled for nash-e and tiny, the properties users rely on when they read the
// report to choose hardware and options:
//  - more DDR bandwidth is never slower (the same stream re-estimated, and a fresh compile for the faster part);
//  - a larger SRAM never moves more DDR bytes (bandwidth mode, where bytes are what the compiler minimises);
//  - `bandwidth` mode never moves more DDR bytes than `latency` mode;
//  - the layer costs sum to the model's (and every other invariant of util/perf_checks.h).
// Prints each model's figures and the wall time of the estimate itself (bench/RESULTS.md).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "estimate/perf_estimate.h"
#include "march/march.h"
#include "npu/compile_model.h"
#include "util/int_model.h"
#include "util/model_runner.h"
#include "util/npu_model_cases.h"
#include "util/perf_checks.h"

namespace npukit {
namespace {

using testing::ModelCase;

struct Compiled {
  npk::NpkModel model;
  estimate::PerfReport report;
};

Compiled compile_and_estimate(const ir::Model& integer, const march::MarchSpec& m, config::CompileMode mode) {
  npu::NpuOptions o;
  o.optimize_level = 2;
  o.mode = mode;
  o.jobs = 2;
  o.core_num = m.cores;
  Compiled c;
  auto copy = ir::clone_model(integer);
  EXPECT_TRUE(copy.ok());
  auto r = npu::compile_model(std::move(copy).value(), m, o, {});
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return c;
  c.model = std::move(r).value();
  c.model.model_name = "model";
  auto e = estimate::estimate_perf(c.model);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (e.ok()) c.report = std::move(e).value();
  return c;
}

class PerfPropertiesE2E : public ::testing::TestWithParam<ModelCase> {};

TEST_P(PerfPropertiesE2E, MonotoneInHardwareAndModesAndLayersSumToTheModel) {
  const ModelCase& c = GetParam();
  std::string why;
  const std::string path = testing::model_case_path(c, &why);
  if (path.empty()) GTEST_SKIP() << why;
  auto im = testing::integer_model_of_case(c, path);
  ASSERT_TRUE(im.ok()) << im.status().message();
  for (const char* name : {"nash-e", "tiny"}) {
    SCOPED_TRACE(name);
    auto base = march::load_march(name);
    ASSERT_TRUE(base.ok());
    Compiled lat = compile_and_estimate(*im, *base, config::CompileMode::kLatency);
    const Compiled bw = compile_and_estimate(*im, *base, config::CompileMode::kBandwidth);
    testing::expect_perf_consistent(lat.model, lat.report);
    testing::expect_perf_consistent(bw.model, bw.report);
    EXPECT_LE(bw.report.summary.ddr_bytes_per_run, lat.report.summary.ddr_bytes_per_run)
        << "bandwidth mode moved more DDR bytes than latency mode";

    // More DDR bandwidth: the same command stream is never slower, and neither is a compile for it.
    march::MarchSpec fast = *base;
    fast.ddr.bandwidth_gbps *= 2;
    npk::NpkModel restamped = std::move(lat.model);
    restamped.march_yaml = march::to_yaml(fast);
    auto same_stream = estimate::estimate_perf(restamped);
    ASSERT_TRUE(same_stream.ok()) << same_stream.status().message();
    EXPECT_LE(same_stream->summary.latency_us, lat.report.summary.latency_us) << "same stream, 2x bandwidth";
    EXPECT_EQ(same_stream->summary.ddr_bytes_per_run, lat.report.summary.ddr_bytes_per_run);
    const Compiled lat_fast = compile_and_estimate(*im, fast, config::CompileMode::kLatency);
    EXPECT_LE(lat_fast.report.summary.latency_us, lat.report.summary.latency_us) << "compiled for 2x bandwidth";

    // Larger SRAM never moves more bytes.
    march::MarchSpec big = *base;
    big.sram.bytes *= 2;
    const Compiled bw_big = compile_and_estimate(*im, big, config::CompileMode::kBandwidth);
    EXPECT_LE(bw_big.report.summary.ddr_bytes_per_run, bw.report.summary.ddr_bytes_per_run) << "2x SRAM";

    const estimate::PerfSummary& s = lat.report.summary;
    std::printf(
        "[ perf e2e ] %s on %s: %.1f us (%.1f FPS), %.2f MB DDR/frame; bandwidth mode %.2f MB; 2x DDR %.1f us; "
        "2x SRAM (bandwidth mode) %.2f MB; estimate took %.3f s for %zu commands\n",
        c.name.c_str(), name, s.latency_us, s.fps, s.ddr_mb_per_frame, bw.report.summary.ddr_mb_per_frame,
        lat_fast.report.summary.latency_us, bw_big.report.summary.ddr_mb_per_frame, s.estimate_seconds,
        lat.report.timeline.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, PerfPropertiesE2E, ::testing::ValuesIn(testing::npu_model_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace npukit
