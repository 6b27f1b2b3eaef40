// SPDX-License-Identifier: Apache-2.0
// tools: the memory table of `--eval_memory` (in the style of RKNN's eval_memory): weights, prepacked weights,
// op tables, the planned activation arena and the model's inputs / outputs, in total and per segment. The
// same figures as JSON: runtime::memory_json (runtime/measure.h).
#pragma once

#include "runtime/runtime.h"

namespace npukit::cli {

/// Prints the memory table.
void print_memory(const runtime::Runtime& rt);

}  // namespace npukit::cli
