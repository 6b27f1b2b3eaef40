// SPDX-License-Identifier: Apache-2.0
// tools: `npukit perf MODEL.npk` — the static performance estimate (hbm_perf): prints the key figures and
// writes <model>.json and <model>.html (docs/PERF_REPORT.md).
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/log.h"
#include "estimate/perf_estimate.h"
#include "npk/npk_file.h"
#include "tools/cli.h"

namespace npukit::cli {
namespace {

struct PerfArgs {
  std::string model, output_dir = ".";
  double interval_us = 0;
};

Status run_perf_command(const PerfArgs& a) {
  log::set_file("npukit_perf.log");
  npk::NpkFileInfo fi;
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(a.model, &fi));
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", fi.params_crc32);
  estimate::EstimateOptions eo;
  eo.interval_us = a.interval_us;
  NPUKIT_ASSIGN_OR_RETURN(estimate::PerfReport r, estimate::estimate_perf(m, eo, crc));
  const std::string stem = std::filesystem::path(a.model).stem().string();
  NPUKIT_RETURN_IF_ERROR(estimate::write_perf_report(r, a.output_dir, stem));
  std::fputs(estimate::summary_text(r).c_str(), stdout);
  const std::string base = (std::filesystem::path(a.output_dir) / stem).string();
  log::info("perf: wrote ", base, ".json and ", base, ".html");
  return Status::Ok();
}

void register_perf(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PerfArgs>();
  CLI::App* cmd = app.add_subcommand("perf",
                                     "static performance estimate of a compiled .npk (FPS, latency, DDR, "
                                     "per-layer cost, unit timeline) as text, JSON and HTML");
  cmd->add_option("model", a->model, "compiled model (.npk)")->required();
  cmd->add_option("--output-dir,--output_dir,-o", a->output_dir, "where <model>.json and <model>.html go")
      ->capture_default_str();
  cmd->add_option("--interval-us", a->interval_us,
                  "temporal statistics interval in µs (default: 1000, halved until the run spans 50 intervals)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([a, &ctx] { ctx.action = [a] { return run_perf_command(*a); }; });
}

}  // namespace

NPUKIT_CLI_GROUP(perf, register_perf);
}  // namespace npukit::cli
