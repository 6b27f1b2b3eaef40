// SPDX-License-Identifier: Apache-2.0
#include "pipeline/load.h"
#include "tools/cli.h"

namespace npukit::cli {

std::vector<std::pair<std::string, RegisterFn>>& group_registry() {
  static std::vector<std::pair<std::string, RegisterFn>> r;
  return r;
}

void add_input_shape_option(CLI::App* cmd, std::vector<std::pair<std::string, std::string>>* target) {
  cmd->add_option("--input-shape,--input_shape", *target,
                  "NAME SHAPE: static shape for a graph input, e.g. --input-shape images 1x3x224x224 (repeatable)");
}

Expected<std::map<std::string, Shape>> parse_input_shapes(const std::vector<std::pair<std::string, std::string>>& v) {
  std::map<std::string, Shape> out;
  for (const auto& [name, text] : v) {
    auto s = pipeline::parse_shape(text);
    if (!s.ok()) return s.status().with_context(str_cat("--input-shape ", name));
    if (out.count(name))
      return make_error(ErrorCode::kInvalidArgument, "--input-shape: input '", name, "' is given twice");
    out[name] = std::move(s).value();
  }
  return out;
}

std::string shape_with_names(const Shape& s, const std::vector<std::string>& dim_params) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ",";
    if (s[i] >= 0)
      r += std::to_string(s[i]);
    else
      r += (i < dim_params.size() && !dim_params[i].empty()) ? dim_params[i] : "?";
  }
  return r + "]";
}

std::string sanitize_file_name(const std::string& name) {
  std::string r = name;
  for (char& c : r)
    if (c == '/' || c == '\\' || c == ':' || c == '\0') c = '_';
  if (r.empty() || r == "." || r == "..") r = "_" + r;
  return r;
}

}  // namespace npukit::cli
