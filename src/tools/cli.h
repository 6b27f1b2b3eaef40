// SPDX-License-Identifier: Apache-2.0
// tools: shared pieces of the `npukit` CLI. Each subcommand group (exec, later compile/perf/
// visualize) lives in its own file and registers itself with NPUKIT_CLI_GROUP; main() builds the
// CLI11 app from the registry, parses, then runs the action the chosen subcommand stored.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::cli {

/// State shared between parsing and execution.
struct Context {
  /// Set by the chosen subcommand's callback; main() runs it after a successful parse.
  std::function<Status()> action;
};

/// Adds a group's subcommands to the top-level app.
using RegisterFn = void (*)(CLI::App& app, Context& ctx);

/// Registered groups, sorted by name when main() builds the app.
std::vector<std::pair<std::string, RegisterFn>>& group_registry();

struct GroupRegistrar {
  GroupRegistrar(const char* name, RegisterFn fn) { group_registry().emplace_back(name, fn); }
};

/// `NPUKIT_CLI_GROUP(exec, register_exec)` in a tools/*.cpp file registers that group.
#define NPUKIT_CLI_GROUP(name, fn) static ::npukit::cli::GroupRegistrar npukit_cli_group_##name(#name, fn)

/// Adds `--input-shape NAME SHAPE` (repeatable) to a subcommand.
void add_input_shape_option(CLI::App* cmd, std::vector<std::pair<std::string, std::string>>* target);
/// Converts the collected option values into name → Shape (kInvalidArgument on bad text or duplicates).
Expected<std::map<std::string, Shape>> parse_input_shapes(const std::vector<std::pair<std::string, std::string>>& v);

/// Shape text with dynamic dims shown by name ("[batch,3,224,224]"); "?" for unnamed dynamic dims.
std::string shape_with_names(const Shape& s, const std::vector<std::string>& dim_params);

/// Output file stem for a tensor name: '/', '\\' and ':' become '_'; never empty, never "." / "..".
std::string sanitize_file_name(const std::string& name);

}  // namespace npukit::cli
