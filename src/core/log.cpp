// SPDX-License-Identifier: Apache-2.0
#include "core/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace npukit::log {

namespace {
struct State {
  std::mutex mu;
  Level console = Level::kWarn;
  Level file_level = Level::kDebug;
  std::FILE* file = nullptr;
};
State& state() {
  static State s;
  return s;
}
}  // namespace

Expected<Level> parse_level(const std::string& s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  if (s == "off") return Level::kOff;
  return make_error(ErrorCode::kInvalidArgument, "log level '", s, "' is not one of debug, info, warn, error, off");
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
    case Level::kOff: return "OFF";
  }
  return "?";
}

void set_console_level(Level l) {
  std::lock_guard<std::mutex> g(state().mu);
  state().console = l;
}

void set_file_level(Level l) {
  std::lock_guard<std::mutex> g(state().mu);
  state().file_level = l;
}

void set_file(const std::string& path) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  if (s.file) std::fclose(s.file);
  s.file = nullptr;
  if (path.empty()) return;
  s.file = std::fopen(path.c_str(), "a");
  if (!s.file) std::fprintf(stderr, "npukit: warning: cannot append to log file '%s'\n", path.c_str());
}

void write(Level l, const std::string& msg, bool console) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  if ((!console || l < s.console) && (!s.file || l < s.file_level)) return;
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (console && l >= s.console) std::fprintf(stderr, "[%s] %s\n", level_name(l), msg.c_str());
  if (s.file && l >= s.file_level) {
    std::fprintf(s.file, "%s %s %s\n", ts, level_name(l), msg.c_str());
    std::fflush(s.file);
  }
}

}  // namespace npukit::log
