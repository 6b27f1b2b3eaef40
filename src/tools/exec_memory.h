// SPDX-License-Identifier: Apache-2.0
// tools: memory evaluation of the int8 CPU runtime (`--eval_memory`, in the style of RKNN's eval_memory):
// weights, prepacked weights, op tables, the planned activation arena and the model's inputs / outputs, in
// total and per segment, plus the process's measured resident memory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "runtime/runtime.h"

namespace npukit::cli {

/// Resident set size of this process now / at its peak (VmRSS / VmHWM of /proc/self/status), bytes; 0 when
/// unavailable.
int64_t current_rss_bytes();
int64_t peak_rss_bytes();

/// The planned memory of a prepared model as JSON (keys documented in docs/EXEC.md).
nlohmann::json memory_json(const runtime::Runtime& rt);
/// Prints the memory table.
void print_memory(const runtime::Runtime& rt);

}  // namespace npukit::cli
