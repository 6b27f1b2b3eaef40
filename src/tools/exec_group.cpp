// SPDX-License-Identifier: Apache-2.0
// tools: the `exec` group (hrt_model_exec-style model inspection and float reference runs).
#include "tools/cli.h"
#include "tools/exec_commands.h"

namespace npukit::cli {
namespace {

void register_exec(CLI::App& app, Context& ctx) {
  CLI::App* exec = app.add_subcommand("exec", "inspect and run models with the float reference interpreter");
  exec->require_subcommand(1);
  register_exec_model_info(*exec, ctx);
  register_exec_infer(*exec, ctx);
  register_exec_perf(*exec, ctx);
}

}  // namespace
NPUKIT_CLI_GROUP(exec, register_exec);
}  // namespace npukit::cli
