// SPDX-License-Identifier: Apache-2.0
// tools: `npukit compile` — the hb_compile-style PTQ flow from a YAML configuration, or --fast-perf
// (no YAML: random calibration data, highest optimization) for a quick performance build.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "config/compile_config.h"
#include "core/log.h"
#include "core/progress.h"
#include "pipeline/compile.h"
#include "tools/cli.h"

namespace npukit::cli {
namespace {

struct CompileArgs {
  std::string config;
  bool fast_perf = false;
  std::string model, proto, march, working_dir = "model_output";
  std::vector<std::pair<std::string, std::string>> input_shapes;
  int64_t similarity_samples = 0;
  bool no_progress = false;
};

Status run_compile_command(const CompileArgs& a) {
  // The compile log lives next to where the user ran the command, as hb_compile's does.
  log::set_file("npukit_compile.log");
  if (a.no_progress) Progress::set_globally_enabled(false);
  config::CompileConfig cfg;
  if (a.fast_perf) {
    if (a.model.empty()) return make_error(ErrorCode::kInvalidArgument, "--fast-perf needs --model");
    if (a.march.empty()) return make_error(ErrorCode::kInvalidArgument, "--fast-perf needs --march");
    config::FastPerfOptions fo;
    fo.model = a.model;
    fo.proto = a.proto;
    fo.march = a.march;
    fo.input_shapes = a.input_shapes;
    fo.working_dir = a.working_dir;
    NPUKIT_ASSIGN_OR_RETURN(cfg, config::make_fast_perf_config(fo));
  } else {
    if (a.config.empty())
      return make_error(ErrorCode::kInvalidArgument, "give --config model.yaml, or --fast-perf --model M --march X");
    if (!a.model.empty() || !a.march.empty() || !a.proto.empty() || !a.input_shapes.empty())
      return make_error(ErrorCode::kInvalidArgument,
                        "--model / --proto / --march / --input-shape belong to --fast-perf; with --config, set them "
                        "in the YAML (model_parameters, input_parameters)");
    NPUKIT_ASSIGN_OR_RETURN(cfg, config::load_compile_config(a.config));
  }
  log::info("compile: configuration ", cfg.source, "\n", config::dump_compile_config(cfg));
  pipeline::CompileRunOptions ro;
  ro.similarity_samples = a.similarity_samples;
  NPUKIT_ASSIGN_OR_RETURN(pipeline::CompileResult r, pipeline::run_compile(cfg, ro));
  std::printf("calibration: %s (%lld samples)\n", r.calibration.c_str(),
              static_cast<long long>(r.num_calibration_samples));
  if (r.equalized_feature_maps > 0)
    std::printf("per_channel: %d feature map(s) equalized across channels\n", r.equalized_feature_maps);
  if (!r.load_summary.empty()) std::printf("%s\n", r.load_summary.c_str());
  constexpr size_t kShown = 10;  // every line is in the log
  for (size_t i = 0; i < r.load_changes.size() && i < kShown; ++i)
    std::printf("  changed: %s\n", r.load_changes[i].c_str());
  if (r.load_changes.size() > kShown)
    std::printf("  ... %zu more change(s) in npukit_compile.log\n", r.load_changes.size() - kShown);
  std::printf("%s\n", r.integer_summary.c_str());
  std::printf("%s\n", r.npu_summary.c_str());
  std::printf("performance estimate: %s", r.perf_summary.c_str());
  for (const auto& [label, cos] : r.candidates)
    std::printf("  candidate %-28s output cosine %.6f\n", label.c_str(), cos);
  const auto& f = r.files;
  for (const std::string* p :
       {&f.original_model, &f.optimized_model, &f.calibrated_model, &f.quantized_model, &f.calibration_table,
        &f.similarity, &f.npk_model, &f.perf_json, &f.perf_html, &f.graph_svg})
    if (!p->empty()) std::printf("wrote %s\n", p->c_str());
  std::printf("compile finished in %.2f s\n", r.seconds);
  return Status::Ok();
}

void register_compile(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand("compile",
                                     "quantize (PTQ) a float ONNX / Caffe model from an hb_compile-style "
                                     "YAML config, or with --fast-perf");
  auto* cfg = cmd->add_option("--config,-c", args->config,
                              "YAML configuration (model / input / calibration / "
                              "compiler parameter groups; see docs/CONFIG.md)");
  auto* fp = cmd->add_flag("--fast-perf,--fast_perf", args->fast_perf,
                           "no YAML: random calibration data (skip), highest optimization");
  cfg->excludes(fp);
  cmd->add_option("--model,-m", args->model, "--fast-perf: the float model (.onnx or .caffemodel)");
  cmd->add_option("--proto", args->proto, "--fast-perf: Caffe prototxt (with a .caffemodel)");
  cmd->add_option("--march", args->march, "--fast-perf: architecture preset or march .yaml file");
  cmd->add_option("--working-dir,--working_dir", args->working_dir, "--fast-perf: output folder")
      ->capture_default_str();
  add_input_shape_option(cmd, &args->input_shapes);
  cmd->add_option("--similarity-samples", args->similarity_samples,
                  "calibration samples used for the similarity table and the default search (0: up to 16)");
  cmd->add_flag("--no-progress", args->no_progress, "no progress bars (log lines only)");
  cmd->callback([args, &ctx] { ctx.action = [args] { return run_compile_command(*args); }; });
}

}  // namespace
NPUKIT_CLI_GROUP(compile, register_compile);
}  // namespace npukit::cli
