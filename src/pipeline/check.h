// SPDX-License-Identifier: Apache-2.0
// pipeline: `npukit check` — would this model run on the NPU? Quantizes with random data (as --fast-perf),
// lowers to the integer graph, places every node for the march and reports where each runs and why.
#pragma once

#include <string>
#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"
#include "npk/program.h"

namespace npukit::pipeline {

struct CheckResult {
  std::string march;
  std::vector<npk::Placement> placement;  ///< every node of the integer graph
  std::vector<npk::Segment> segments;
  /// The compiled integer graph (placement[i] places nodes()[i]; Node::origin names the float nodes).
  ir::Model integer_model;
  /// True when every node except the float <-> integer conversions at the model's inputs and outputs is
  /// placed on the NPU.
  bool supported = false;
};

Expected<CheckResult> run_check(const config::FastPerfOptions& options);

}  // namespace npukit::pipeline
