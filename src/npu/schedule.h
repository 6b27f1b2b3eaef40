// SPDX-License-Identifier: Apache-2.0
// npu: event schedule of a command stream on the units of a march. Every core has one in-order queue per
// unit; a command starts when its queue is free and its deps have ended, and lasts command_cycles. LOAD and
// STORE of all cores share the DDR bandwidth: while k DMA commands overlap each gets 1/k of it (the
// schedule advances event by event, re-rating the DMA commands in flight). The compiler's tile choice and
// the static estimator both use it, so they agree.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "march/march.h"
#include "npk/program.h"

namespace npukit::npu {

struct CommandTime {
  int64_t start = 0, end = 0;  ///< cycles
};

struct ScheduleResult {
  std::vector<CommandTime> times;  ///< per command of [begin, end)
  int64_t makespan = 0;            ///< cycles from the first start to the last end
};

/// Schedules commands [begin, end) of `p` (deps outside the range are treated as complete at cycle 0).
ScheduleResult schedule_commands(const npk::Program& p, const std::vector<ir::Node*>& nodes, const march::MarchSpec& m,
                                 size_t begin = 0, size_t end = SIZE_MAX);

}  // namespace npukit::npu
