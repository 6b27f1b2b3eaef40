// SPDX-License-Identifier: Apache-2.0
// tools: `npukit` entry point. Exit codes: 0 ok, 1 error while running, 2 command-line usage error.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "core/log.h"
#include "tools/cli.h"

namespace {

int run(int argc, char** argv) {
  using namespace npukit;
  CLI::App app{"npukit: open NPU toolchain (ONNX import, reference execution, ...)", "npukit"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags (--log-level) may also follow the subcommand
  std::string level_text = "warn";
  app.add_option("--log-level,--log_level", level_text, "console log level: debug, info, warn, error, off")
      ->capture_default_str();
  cli::Context ctx;
  auto groups = cli::group_registry();
  std::sort(groups.begin(), groups.end());
  for (const auto& [name, fn] : groups) fn(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help or the usage error
    return code == 0 ? 0 : 2;
  }
  auto level = log::parse_level(level_text);
  if (!level.ok()) {
    std::fprintf(stderr, "npukit: error: %s\n", level.status().to_string().c_str());
    return 2;
  }
  log::set_console_level(*level);
  log::set_file_level(std::min(*level, log::Level::kInfo));
  // Every run leaves a trace next to where it was started (like hrt_model_exec's log file).
  log::set_file("npukit.log");
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  log::info("run: ", cmdline);
  if (!ctx.action) {
    std::fprintf(stderr, "npukit: error: no command given (see --help)\n");
    return 2;
  }
  Status s = ctx.action();
  if (!s.ok()) {
    log::write(log::Level::kError, s.to_string(), /*console=*/false);
    std::fprintf(stderr, "npukit: error: %s\n", s.to_string().c_str());
    return 1;
  }
  log::info("done");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "npukit: error: Internal: unexpected exception: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "npukit: error: Internal: unexpected exception\n");
    return 1;
  }
}
