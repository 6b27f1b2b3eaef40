// SPDX-License-Identifier: Apache-2.0
// Helpers for the config tests: a small builder of config YAML text, one key per line.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "config/compile_config.h"

namespace npukit::config {
/// gtest prints configs as their dump instead of raw bytes.
inline void PrintTo(const CompileConfig& c, std::ostream* os) {
  *os << "\n" << dump_compile_config(c);
}
}  // namespace npukit::config

namespace npukit::config::testing {

/// Config text builder. Values are raw YAML (quote strings yourself: "'nash-e'").
class Cfg {
 public:
  /// A minimal valid config: ONNX model, nash-e, featuremap input, calibration skipped.
  static Cfg minimal() {
    Cfg c;
    c.set("model_parameters", "onnx_model", "'m.onnx'");
    c.set("model_parameters", "march", "'nash-e'");
    c.set("calibration_parameters", "calibration_type", "'skip'");
    return c;
  }
  Cfg& set(const std::string& group, const std::string& key, const std::string& raw) {
    auto& keys = groups_[group];
    for (auto& kv : keys)
      if (kv.first == key) {
        kv.second = raw;
        return *this;
      }
    keys.emplace_back(key, raw);
    return *this;
  }
  Cfg& erase(const std::string& group, const std::string& key) {
    auto& keys = groups_[group];
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i].first == key) keys.erase(keys.begin() + static_cast<long>(i));
    return *this;
  }
  std::string text() const {
    std::string out;
    for (const char* g : {"model_parameters", "input_parameters", "calibration_parameters", "compiler_parameters"}) {
      out += std::string(g) + ":\n";
      auto it = groups_.find(g);
      if (it == groups_.end()) continue;
      for (const auto& [k, v] : it->second) out += "  " + k + ": " + v + "\n";
    }
    return out;
  }
  /// Parses as "model.yaml" with relative paths resolved against /cfg.
  Expected<CompileConfig> parse() const { return parse_compile_config(text(), "model.yaml", "/cfg"); }

 private:
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> groups_;
};

/// Expects `r` to fail with kInvalidArgument and a message containing `needle`.
template <class R>
::testing::AssertionResult FailsWith(const R& r, const std::string& needle,
                                     ErrorCode code = ErrorCode::kInvalidArgument) {
  if (r.ok()) return ::testing::AssertionFailure() << "parsed OK, expected error containing: " << needle;
  const Status& s = [&]() -> const Status& {
    if constexpr (std::is_same_v<R, Status>)
      return r;
    else
      return r.status();
  }();
  if (s.code() != code)
    return ::testing::AssertionFailure() << "code " << error_code_name(s.code()) << ", expected "
                                         << error_code_name(code) << ": " << s.message();
  if (s.message().find(needle) == std::string::npos)
    return ::testing::AssertionFailure() << "message: " << s.message() << "\n  does not contain: " << needle;
  return ::testing::AssertionSuccess();
}

}  // namespace npukit::config::testing
