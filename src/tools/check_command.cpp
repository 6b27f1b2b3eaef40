// SPDX-License-Identifier: Apache-2.0
// tools: `npukit check` — placement report per node (NPU / CPU and why) for a model and a march.
#include <cstdio>
#include <string>

#include "core/log.h"
#include "core/progress.h"
#include "pipeline/check.h"
#include "tools/cli.h"

namespace npukit::cli {
namespace {

struct CheckArgs {
  std::string model, proto, march;
  std::vector<std::pair<std::string, std::string>> input_shapes;
};

Status run_check_command(const CheckArgs& a) {
  log::set_file("npukit_check.log");
  Progress::set_globally_enabled(false);
  config::FastPerfOptions fo;
  fo.model = a.model;
  fo.proto = a.proto;
  fo.march = a.march;
  fo.input_shapes = a.input_shapes;
  NPUKIT_ASSIGN_OR_RETURN(pipeline::CheckResult r, pipeline::run_check(fo));
  size_t w_name = 4, w_op = 2;
  for (const npk::Placement& p : r.placement) {
    w_name = std::max(w_name, p.node.size());
    w_op = std::max(w_op, p.op.size());
  }
  std::printf("placement on %s:\n", r.march.c_str());
  std::printf("  %-*s  %-*s  %-6s  %s\n", static_cast<int>(w_name), "node", static_cast<int>(w_op), "op", "target",
              "reason");
  size_t npu = 0;
  for (const npk::Placement& p : r.placement) {
    npu += p.target == npk::Target::kNpu;
    std::printf("  %-*s  %-*s  %-6s  %s\n", static_cast<int>(w_name), p.node.c_str(), static_cast<int>(w_op),
                p.op.c_str(), npk::target_name(p.target), p.reason.c_str());
  }
  size_t npu_seg = 0, cpu_seg = 0;
  for (const npk::Segment& s : r.segments) (s.target == npk::Target::kNpu ? npu_seg : cpu_seg)++;
  std::printf("%zu of %zu nodes on the NPU; %zu NPU segment(s), %zu CPU segment(s)\n", npu, r.placement.size(), npu_seg,
              cpu_seg);
  if (r.supported)
    std::printf("This model is supported!\n");
  else
    std::printf("This model is not fully supported: the CPU nodes above run on the host.\n");
  return Status::Ok();
}

void register_check(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "report where each node of a model runs (NPU or CPU, and why)");
  cmd->add_option("--model,-m", a->model, "float model (.onnx, or .caffemodel with --proto)")->required();
  cmd->add_option("--proto", a->proto, "Caffe prototxt");
  cmd->add_option("--march", a->march, "architecture preset or march .yaml file")->required();
  add_input_shape_option(cmd, &a->input_shapes);
  cmd->callback([a, &ctx] { ctx.action = [a] { return run_check_command(*a); }; });
}

}  // namespace
NPUKIT_CLI_GROUP(check, register_check);
}  // namespace npukit::cli
