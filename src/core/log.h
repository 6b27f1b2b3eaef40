// SPDX-License-Identifier: Apache-2.0
// npukit core: a tiny logger. Messages at or above the console level go to stderr; when a log file
// is set (the CLI uses ./npukit.log) every message at or above the file level is appended to it.
#pragma once

#include <string>

#include "core/status.h"

namespace npukit::log {

enum class Level : int { kDebug = 0, kInfo, kWarn, kError, kOff };

/// Parses "debug", "info", "warn"/"warning", "error", "off".
Expected<Level> parse_level(const std::string& s);
const char* level_name(Level l);

void set_console_level(Level l);
void set_file_level(Level l);
/// Appends to `path` from now on ("" disables). Failure to open is reported once on stderr, not fatal.
void set_file(const std::string& path);

/// Emits one line "<UTC time> <LEVEL> <msg>" (to stderr only if `console` and the level passes).
void write(Level l, const std::string& msg, bool console = true);

template <class... Args>
void debug(const Args&... a) {
  write(Level::kDebug, str_cat(a...));
}
template <class... Args>
void info(const Args&... a) {
  write(Level::kInfo, str_cat(a...));
}
template <class... Args>
void warn(const Args&... a) {
  write(Level::kWarn, str_cat(a...));
}
template <class... Args>
void error(const Args&... a) {
  write(Level::kError, str_cat(a...));
}

}  // namespace npukit::log
