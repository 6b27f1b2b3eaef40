// SPDX-License-Identifier: Apache-2.0
#include "tools/exec_memory.h"

#include <cstdio>
#include <string>

#include "runtime/measure.h"

namespace npukit::cli {

namespace {

double mib(int64_t b) {
  return static_cast<double>(b) / (1024.0 * 1024.0);
}

}  // namespace

void print_memory(const runtime::Runtime& rt) {
  const runtime::MemoryReport& m = rt.memory();
  std::printf("Memory (int8 CPU runtime, %s)\n", q8::isa_name(rt.isa()));
  std::printf("  weights (as stored)           %10.3f MiB\n", mib(m.weight_bytes));
  std::printf("  prepacked weights             %10.3f MiB\n", mib(m.packed_weight_bytes));
  std::printf("  op tables / index maps        %10.3f MiB\n", mib(m.op_workspace_bytes));
  std::printf(
      "  activation arena (planned)    %10.3f MiB  (largest live set %.3f MiB; one per concurrent "
      "inference)\n",
      mib(m.arena_bytes), mib(m.peak_live_activation_bytes));
  std::printf("  inputs + outputs              %10.3f MiB\n", mib(m.io_bytes));
  std::printf("  total                         %10.3f MiB\n", mib(m.total_bytes()));
  std::printf("  %-28s %6s %12s %12s %14s\n", "segment", "nodes", "weights KiB", "packed KiB", "peak act. KiB");
  for (const runtime::SegmentMemory& s : m.segments) {
    const std::string name = runtime::segment_label(rt.model(), s.segment);
    std::printf("  %-28s %6lld %12.1f %12.1f %14.1f\n", name.c_str(), static_cast<long long>(s.nodes),
                static_cast<double>(s.weight_bytes) / 1024.0, static_cast<double>(s.packed_bytes) / 1024.0,
                static_cast<double>(s.peak_activation_bytes) / 1024.0);
  }
}

}  // namespace npukit::cli
